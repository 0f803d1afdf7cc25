"""Proof of a hand-written gradient or VJP for every size: on a generic entry of m×n arrays.

The spec's forward and the formula are both evaluated with ``derive.sizes.INDEXED``; the forward
is differentiated w.r.t. the generic entry x[k, l] and collapsed (Sum(δ(a, k) f(a)) = f(k)), the
formula's entry is renamed to (k, l), both are brought to canonical form, the conditions'
every-size identities are substituted, and the difference must reduce to 0 with the prover of
``check.prove``.  A proof here holds for every m, n ≥ 1; entries whose formulas use a max over
an axis, or whose inputs have shapes of their own (models), are not attempted.
"""
from __future__ import annotations

import sympy as sp

from derive.sizes import DIMS, ENTRY, INDEXED, IArray, Unsupported, canonical, collapse, generic
from derive.symbols import exact
from spec.entry import accepted_params

from .prove import prove_zero

RANGES = {ENTRY[0]: (0, DIMS[0] - 1), ENTRY[1]: (0, DIMS[1] - 1)}


def _entry(value):
    """A formula's result as the expression of its generic entry, indices renamed to (k, l)."""
    if not isinstance(value, IArray):
        return sp.sympify(value)
    expr = value.expr
    rename = {a: b for a, b in zip(value.idx, ENTRY[-len(value.idx):]) if a is not None and a != b}
    return expr.xreplace(rename)


def prove_every_size(s, fn, wrt: str, params: dict, conditions, kind: str, seconds: float):
    """(True, method) or (False, reason); call it under a hard budget."""
    if s.input_shapes is not None or kind not in ("grad", "vjp"):
        return False, "every-size proofs cover catalog gradients and VJPs"
    p = {k: exact(v) for k, v in params.items()}
    try:
        ins = [generic(i.symbol, 2, i.domain.assumptions) for i in s.inputs]
        out = s.forward(*ins, xp=INDEXED, **dict(p))
        extra = []
        if s.kind != "loss":
            v = generic("v", out.ndim, {"real": True}) if isinstance(out, IArray) and out.shape else sp.Symbol("v", real=True)
            extra = [v]
            out = INDEXED.sum(out * v) if isinstance(out, IArray) and out.shape else out * v
        x = ins[s.input_names.index(wrt)]
        truth = canonical(collapse(sp.diff(_entry(out), x.expr), RANGES))
        got = fn(*ins, *extra, xp=INDEXED, **accepted_params(fn, p))
        if isinstance(got, IArray) and got.ndim != 2:
            return False, f"the formula's result has {got.ndim} axes for a 2-axis input"
        hand = canonical(collapse(_entry(got), RANGES))
    except Unsupported as e:
        return False, f"no every-size form: {e}"
    except Exception as e:                              # the formula may not run on indexed arrays
        return False, f"the formula did not evaluate on arrays of every size ({type(e).__name__}: {e})"
    subs = {}
    named = dict(zip(s.input_names, ins))
    for c in conditions:
        if c.identities is not None:
            for arr, value in c.identities(named, p, INDEXED):
                subs[canonical(arr.expr if isinstance(arr, IArray) else sp.sympify(arr))] = value
    diff = (hand - truth).xreplace(subs) if subs else hand - truth
    return prove_zero(diff, seconds)
