"""Weights as parameters: one number, or one per class (the last axis), as PyTorch's ``weight=`` and
``pos_weight=``.

    Param: weight_param("weight")              None (1), a number ≥ 0, or a tuple of numbers ≥ 0
    in a formula: w = per_class(weight, x, xp=xp)     None, the number, or an array of shape (C,)
                                                      broadcasting along the last axis of x

A formula tests ``if weight is not None`` before weighting, so that the unweighted forward stays
the plain one (in floats, 0·inf would be NaN).  A weight tuple has a concrete length, so a formula
that uses one has no every-size form: its proofs are made at concrete shapes (check.proof.every_size
falls back, saying why).
"""
from __future__ import annotations

from .entry import Param, number_problem
from .errors import GradspecError, lines


def _finite_nonnegative(x) -> bool:
    return number_problem("weight", x) is None and x >= 0


def weight_param(name: str = "weight", description: str = "") -> Param:
    def check(v):
        if v is None or _finite_nonnegative(v):
            return None
        if isinstance(v, tuple) and v and all(_finite_nonnegative(x) for x in v):
            return None
        return f"{name} must be None, a number ≥ 0 or a tuple of numbers ≥ 0 (one per class), got {v!r}"
    return Param(name, None, check, description or f"{name}: a number, or one per class (last axis); None: 1")


def per_class(value, x, *, xp):
    """None, the number itself, or the tuple as an array of the namespace, shape (C,)."""
    if value is None or not isinstance(value, tuple):
        return value
    n = x.shape[-1] if x.shape else 1
    if not isinstance(n, int):
        raise GradspecError(lines("gradspec: per-class weights need a concrete number of classes",
                                  "(a tuple of weights has no every-size form)"))
    if len(value) != n:
        raise GradspecError(lines(
            f"gradspec: a weight tuple has {len(value)} entries but the class axis (last) has {n}",
            f"hint: give one weight per class, e.g. --param weight={','.join(['1'] * n)}"))
    return xp.asarray(list(value))
