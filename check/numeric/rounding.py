"""The truth in a float format: the exact value of an expression, correctly rounded to a format of
check.numeric.formats (float16, bfloat16, float32, float64).

    expected = rounded_truth(lambda: [values as arb balls], dtype="float32", scales=[...])

Each value is computed in exact-or-ball arithmetic (check.numeric.real) at 128 bits, then 512, 2048, 8192, 32768 —
only as far as needed.  A ball decides its value in the dtype when both its ends round to the same
float: that float is the correctly rounded truth (rounding is monotone, and the exact value lies
in the ball).  A ball that straddles a rounding boundary but is narrower than 2^−(p+16) of the
entry's ``scale`` (the magnitude of the terms its float evaluation sums) is taken at its midpoint:
the value is then far below anything a float computation of it can resolve (a cancellation to 0).
An entry still undecided at the last precision — or not finite, or behind a comparison the balls
cannot decide — is NaN: left uncompared, never guessed.

Rounding is exact: each end of a ball is a dyadic rational, rounded to nearest-even with
``round_fraction`` (no double rounding through float64 on the way to a narrower format).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from flint import arb

from check.numeric.formats import format_of
from check.numeric.real import Undecided, precision, to_arb

PRECISIONS = (128, 512, 2048, 8192, 32768)       # bits (the last for naive forwards: log(1 + e^-10000))


def _exact(x: arb) -> Fraction:
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


def round_fraction(f: Fraction, dtype: str) -> float:
    """The float of ``dtype`` nearest to ``f`` (ties to even), as a Python float; ±inf past the range."""
    return format_of(dtype).round(f)


def _inside_rounding_interval(ball: arb, c: float, dtype: str) -> bool:
    """Whether every point of ``ball`` rounds to the float c: the ball lies strictly between the
    midpoints from c to its neighbours (exact dyadics, so exact at the working precision)."""
    if not math.isfinite(c):
        return False
    down, up = format_of(dtype).neighbours(c)
    if not (math.isfinite(down) and math.isfinite(up)):
        return False
    a = arb(c)
    return bool(ball > (a + arb(down)) / 2 and ball < (a + arb(up)) / 2)


def decided(ball: arb, dtype: str, scale: float = 0.0) -> float | None:
    """The correctly rounded float of ``ball``'s value if the ball decides it, else None.  Each end is
    rounded by ``_rounded_point``: a ball certainly past twice the format's largest number is ±inf,
    one certainly below half its least subnormal 0, without writing its ends as rationals (e^(10^38)
    has an exponent of 10^38 bits)."""
    if not ball.is_finite():
        return None
    fmt = format_of(dtype)
    guess = fmt.cast(float(ball.mid()))                    # near the answer; confirmed or refused below
    if _inside_rounding_interval(ball, guess, dtype):
        return guess
    lo, hi = _rounded_point(ball.lower(), fmt), _rounded_point(ball.upper(), fmt)
    if lo == hi:
        return lo
    if scale and math.isfinite(scale) and ball.rad() <= arb(scale) / 2 ** (fmt.p + 16):
        return _rounded_point(ball.mid(), fmt)
    return None


def _rounded_point(x: arb, fmt) -> float:
    """An exact arb (an end or the midpoint of a ball) rounded to the format: ±0 below half its least
    subnormal and ±inf past twice its largest number decided by comparison, exactly otherwise — so
    no rational with an exponent of 10^30 bits is ever written."""
    if abs(x) < arb(2) ** (fmt.emin - fmt.p):
        return 0.0
    if abs(x) > 2 * arb(fmt.largest):
        return math.inf if x > 0 else -math.inf
    return fmt.round(_exact(x))


def _ladder(at, n: int, accept) -> np.ndarray:
    """Each of the n values of ``at()`` (a list of arbs, computed inside the precision block) raised
    through PRECISIONS until ``accept(ball, i)`` gives a float for it; NaN where none does."""
    out = np.full(n, np.nan)
    todo = list(range(n))
    for bits in PRECISIONS:
        with precision(bits):
            try:
                values = at()
            except Undecided:
                continue
            still = []
            for i in todo:
                v = accept(to_arb(values[i]), i)
                if v is None:
                    still.append(i)
                else:
                    out[i] = v
        todo = still
        if not todo:
            break
    return out


def rounded_truth(at, n: int, dtype: str, scales=None) -> np.ndarray:
    """float64 array of the ``n`` values of ``at()`` correctly rounded to ``dtype``; NaN where no
    precision decides an entry."""
    return _ladder(at, n, lambda ball, i: decided(ball, dtype, scales[i] if scales is not None else 0.0))


def _rough(ball: arb) -> float | None:
    """|ball| as a float good to 8 bits, 0.0 for a value below every float, None when the ball is too wide."""
    if not ball.is_finite():
        return None
    if ball.is_exact() or ball.rel_accuracy_bits() >= 8:
        return float(abs(ball).upper())                # inf where it overflows float64
    if abs(ball) < arb(2) ** -1100:                    # below half of float64's least subnormal
        return 0.0
    return None


def scale_of(at, n: int) -> np.ndarray:
    """The magnitudes of ``at()``'s n values as floats good to 8 bits (the precision raised as for the
    truth); inf where a magnitude overflows float64; 0 where it is not finite or nothing settles it."""
    return np.nan_to_num(_ladder(at, n, lambda ball, i: _rough(ball)), nan=0.0, posinf=np.inf)
