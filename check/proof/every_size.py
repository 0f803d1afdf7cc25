"""Proof of a hand-written gradient or VJP for every size: on a generic entry of m×n arrays.

The spec's forward and the formula are both evaluated on generic entries (``derive.sizes``); the forward
is differentiated w.r.t. the generic entry x[k, l] and collapsed (Sum(δ(a, k) f(a)) = f(k)), the
formula's entry is renamed to (k, l), both are brought to canonical form, the conditions'
every-size identities are substituted, and the difference must reduce to 0 with the prover of
``check.proof.prove``.  A proof here holds for every m, n ≥ 1 (every m×n: other ranks are for the
certificate to confirm); entries whose formulas use a max over an axis, or whose inputs have shapes
of their own (models), are not attempted, and neither is a formula that compares or branches on a
size (``derive.sizes.SizeDependent``) or returns another shape than m×n.
"""
from __future__ import annotations


from derive.sizes import (SizeDependent, Unsupported, every_size_derivative, every_size_formula,
                          every_size_identities)
from derive.symbols import exact

from check.proof.prove import prove_zero


def prove_every_size(s, fn, wrt: str, params: dict, conditions, kind: str, seconds: float):
    """(True, method) or (False, reason); call it under a hard budget."""
    if s.input_shapes is not None or kind not in ("grad", "vjp"):
        return False, "every-size proofs cover catalog gradients and VJPs"
    p = {k: exact(v) for k, v in params.items()}
    try:
        truth, args = every_size_derivative(s, wrt, p)
        hand = every_size_formula(fn, args, p)
    except SizeDependent as e:
        return False, str(e)
    except Unsupported as e:
        return False, f"no every-size form: {e}"
    subs = every_size_identities(conditions, s, args, p)
    diff = (hand - truth).xreplace(subs) if subs else hand - truth
    return prove_zero(diff, seconds)
