"""Proof of a hand-written gradient or VJP for every size: on a generic entry of m×n arrays.

The spec's forward and the formula are both evaluated with ``derive.sizes.INDEXED``; the forward
is differentiated w.r.t. the generic entry x[k, l] and collapsed (Sum(δ(a, k) f(a)) = f(k)), the
formula's entry is renamed to (k, l), both are brought to canonical form, the conditions'
every-size identities are substituted, and the difference must reduce to 0 with the prover of
``check.proof.prove``.  A proof here holds for every m, n ≥ 1 (every m×n: other ranks are for the
certificate to confirm); entries whose formulas use a max over an axis, or whose inputs have shapes
of their own (models), are not attempted, and neither is a formula that compares or branches on a
size (``derive.sizes.SizeDependent``) or returns another shape than m×n.
"""
from __future__ import annotations

import sympy as sp

from derive.sizes import DIMS, INDEXED, RANGES, IArray, SizeDependent, Unsupported, canonical, collapse, entry, generic_gradient
from derive.symbols import exact
from spec.entry import accepted_params

from check.proof.prove import prove_zero

def prove_every_size(s, fn, wrt: str, params: dict, conditions, kind: str, seconds: float):
    """(True, method) or (False, reason); call it under a hard budget."""
    if s.input_shapes is not None or kind not in ("grad", "vjp"):
        return False, "every-size proofs cover catalog gradients and VJPs"
    p = {k: exact(v) for k, v in params.items()}
    try:
        truth, args = generic_gradient(s, wrt, p)
        got = fn(*args, xp=INDEXED, **accepted_params(fn, p))
        if isinstance(got, IArray) and not isinstance(got.expr, sp.Expr):
            return False, "the formula's entries are not numbers"
        if not isinstance(got, IArray) or got.dims != DIMS or None in got.idx:
            shown = "a scalar" if not isinstance(got, IArray) else "shape (" + ", ".join(
                str(d) if i is not None else "1" for d, i in zip(got.dims, got.idx)) + ")"
            return False, f"the formula returned {shown} for an m×n input (m, n)"
        hand = canonical(collapse(entry(got), RANGES))
    except SizeDependent as e:
        return False, str(e)
    except Unsupported as e:
        return False, f"no every-size form: {e}"
    except Exception as e:                              # the formula may not run on indexed arrays
        return False, f"the formula did not evaluate on arrays of every size ({type(e).__name__}: {e})"
    subs = {}
    named = dict(zip(s.input_names, args))
    for c in conditions:
        if c.identities is not None:
            for arr, value in c.identities(named, p, INDEXED):
                subs[canonical(arr.expr if isinstance(arr, IArray) else sp.sympify(arr))] = value
    diff = (hand - truth).xreplace(subs) if subs else hand - truth
    return prove_zero(diff, seconds)
