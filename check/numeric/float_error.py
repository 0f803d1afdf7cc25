"""How far a float result is from the truth, and the scale its rounding error is bounded by.

    bits(got, want, dtype)   log2(1 + the number of floats of dtype between got and want), as
                             Herbie counts it; all the format's bits when got is not finite
    magnitude(expr)          |expr| with every sum taken term by term (|a − b| → |a| + |b|, through
                             products and integer powers): any float evaluation of expr rounds
                             within a few ulps of it, so an error far above that is not a rounding

Shared by the emitted-code checks (check.checks.emitted) and the audits (check.audits.auditor).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp


def _ordered(x: float, dtype: str) -> int:
    if dtype == "float32":
        i = int(np.array(x, dtype=np.float32).view(np.int32))
        return i if i >= 0 else -(i & 0x7FFFFFFF)
    i = int(np.array(x, dtype=np.float64).view(np.int64))
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def bits(got: float, want: float, dtype: str = "float64") -> float:
    """log2(1 + the number of floats of ``dtype`` between got and want); all the format's bits when
    got is not finite."""
    width = 32.0 if dtype == "float32" else 64.0
    if not math.isfinite(got):
        return width if math.isfinite(want) else 0.0
    return math.log2(1 + abs(_ordered(got, dtype) - _ordered(want, dtype)))


def magnitude(e):
    """|e| with every Add taken term by term: an upper bound of the terms a float evaluation sums."""
    if isinstance(e, sp.Add):
        return sp.Add(*[magnitude(a) for a in e.args])
    if isinstance(e, sp.Mul):
        return sp.Mul(*[magnitude(a) for a in e.args])
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        return magnitude(e.base) ** e.exp
    return sp.Abs(e)
