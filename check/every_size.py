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

from derive.sizes import INDEXED, RANGES, IArray, Unsupported, canonical, collapse, entry, generic_gradient
from derive.symbols import exact
from spec.entry import accepted_params

from .prove import prove_zero

def prove_every_size(s, fn, wrt: str, params: dict, conditions, kind: str, seconds: float):
    """(True, method) or (False, reason); call it under a hard budget."""
    if s.input_shapes is not None or kind not in ("grad", "vjp"):
        return False, "every-size proofs cover catalog gradients and VJPs"
    p = {k: exact(v) for k, v in params.items()}
    try:
        truth, args = generic_gradient(s, wrt, p)
        got = fn(*args, xp=INDEXED, **accepted_params(fn, p))
        if isinstance(got, IArray) and got.ndim != 2:
            return False, f"the formula's result has {got.ndim} axes for a 2-axis input"
        hand = canonical(collapse(entry(got), RANGES))
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
