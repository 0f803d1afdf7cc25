"""Scaled intervals: enclosures [lo, hi]·2^e with an exponent e of their own, so that e^x for a
float16 logit of 60,000 (e^60000 ≈ 2^86561, far past float64) and a softmax of such logits stay
decidable — the fast truth tier's second pass (check.numeric.fast_truth) over the points whose plain
float64 enclosures (check.numeric.intervals) overflowed.

    x = Sv.point(np.array([60000.0, 1.0]))
    y = exp(x) / (exp(x) + Sv.const(1))            # enclosures of e^x / (e^x + 1): ≈ 1 and ≈ 0.73

The mantissa ``m`` is a plain ``Iv`` (its arithmetic rounds outward) kept near [0.5, 1) by
``_norm`` (a power-of-two scaling: exact but where a small end drops into float64's subnormals,
widened there by one subnormal); ``e`` is a float64 array of integers (exact below 2^53).  A sum
aligns both to the larger exponent (the smaller scaled down, widened likewise); e^x splits
x = k·ln 2 + r (k an integer, ln 2 as an enclosure), so e^x = e^r·2^k with r in [0, 1); log takes
log m + e·ln 2.  Other functions (tanh, erf, …) and comparisons work on the plain value (``plain``),
which is ±inf where 2^e passes float64 — undecided there, as any overflow.
"""
from __future__ import annotations

import math

import numpy as np

from check.numeric import intervals as I

_LN2 = I.Iv(math.log(2) - 2.0 ** -53, math.log(2) + 2.0 ** -53)     # holds ln 2 (0.6931471805599453…)
_TINY = 2.0 ** -1022
ZERO_EXPONENT = -1.0e9          # an exact 0's exponent: below every other (exact in float64)


class Sv:
    """[m.lo, m.hi]·2^e per entry; NaN ends: undecided."""

    __slots__ = ("m", "e")
    __array_priority__ = 100

    def __init__(self, m: I.Iv, e):
        self.m, self.e = m, e

    @staticmethod
    def point(x) -> "Sv":
        return _norm(I.Iv.point(x), 0.0)

    @staticmethod
    def const(q) -> "Sv":
        return _norm(I.Iv.const(q), 0.0)

    def __neg__(self):
        return Sv(-self.m, self.e)

    def __pos__(self):
        return self

    def __add__(self, other):
        a, b = sv(self), sv(other)
        e = np.maximum(a.e, b.e)
        return _norm(_aligned(a, e) + _aligned(b, e), e)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-sv(other))

    def __rsub__(self, other):
        return sv(other) + (-self)

    def __mul__(self, other):
        a, b = sv(self), sv(other)
        return _norm(a.m * b.m, a.e + b.e)

    __rmul__ = __mul__

    def __truediv__(self, other):
        a, b = sv(self), sv(other)
        return _norm(a.m / b.m, a.e - b.e)

    def __rtruediv__(self, other):
        return sv(other) / self

    def __pow__(self, k):
        return power(self, k)


def sv(x) -> Sv:
    if isinstance(x, Sv):
        return x
    if isinstance(x, I.Iv):
        return _norm(x, 0.0)
    return _norm(I.iv(x), 0.0)


def _norm(m: I.Iv, e) -> Sv:
    """m·2^e with m scaled into [0.5, 1) by its larger end (0 and non-finite ends left as they are)."""
    lo, hi = np.asarray(m.lo, dtype=np.float64), np.asarray(m.hi, dtype=np.float64)
    top = np.maximum(np.abs(lo), np.abs(hi))
    with np.errstate(invalid="ignore"):
        k = np.where(np.isfinite(top) & (top > 0), np.frexp(top)[1], 0).astype(np.float64)
    lo, hi = _aligned_ends(lo, hi, -k)
    e = np.asarray(e, dtype=np.float64) + k
    # an exact 0 takes the least exponent, so that aligning a sum or a comparison to it loses nothing
    e = np.where((lo == 0) & (hi == 0), ZERO_EXPONENT, e)
    return Sv(I.Iv(lo, hi), e)


def _aligned_ends(lo, hi, k):
    """(lo·2^k, hi·2^k) for integer arrays k, outward where a scaled end is subnormal (rounded)."""
    k = np.maximum(k, -2000.0).astype(np.int64)          # past that every end is 0 or one subnormal
    a, b = np.ldexp(lo, k), np.ldexp(hi, k)
    if np.ndim(a) == 0:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    small_a, small_b = (np.abs(a) < _TINY) & (lo != 0), (np.abs(b) < _TINY) & (hi != 0)     # (0 stays exact)
    if small_a.any() or small_b.any():
        a = np.where(small_a, a - 2.0 ** -1074, a)
        b = np.where(small_b, b + 2.0 ** -1074, b)
    return a, b


def _aligned(x: Sv, e) -> I.Iv:
    """x's mantissa at exponent e ≥ x.e."""
    lo, hi = _aligned_ends(x.m.lo, x.m.hi, x.e - e)
    return I.Iv(lo, hi)


def plain(x: Sv) -> I.Iv:
    """The enclosure in plain float64: ±inf ends where 2^e passes float64's range (an end below its
    least subnormal: 0 widened by one subnormal)."""
    with np.errstate(over="ignore"):
        lo, hi = _aligned_ends(x.m.lo, x.m.hi, np.minimum(x.e, 4000.0))
    return I.Iv(lo, hi)


# --- functions -------------------------------------------------------------------------------------
def exp(x) -> Sv:
    """e^x = e^r·2^k, x = k·ln 2 + r, k = ⌊x.lo / ln 2⌋ (so r ≥ 0 and r stays near [0, ln 2) for a narrow x)."""
    v = plain(sv(x))
    with np.errstate(invalid="ignore", over="ignore"):
        k = np.floor(np.asarray(v.lo, dtype=np.float64) / math.log(2))
        ok = np.isfinite(k) & (np.abs(k) < 2.0 ** 52)
        k = np.where(ok, k, 0.0)
    r = v - I.Iv(k, k) * _LN2
    m = I.exp(r)
    out = _norm(m, k)
    # x below −2^52·ln 2 (an exponent past exactness): e^x lies in [0, 2^(−2^52)], an enclosure still
    below = ~ok & (np.asarray(v.hi, dtype=np.float64) < -(2.0 ** 52) * math.log(2))
    lo, hi = np.where(below, 0.0, out.m.lo), np.where(below, 1.0, out.m.hi)
    return Sv(I.undecided_where(~ok & ~below, I.Iv(lo, hi)), np.where(below, -(2.0 ** 52), out.e))


def log(x) -> Sv:
    x = sv(x)
    return sv(I.log(x.m) + I.Iv(x.e, x.e) * _LN2)


def sqrt(x) -> Sv:
    x = sv(x)
    odd = np.mod(x.e, 2) != 0
    m = I.Iv(np.where(odd, x.m.lo * 2, x.m.lo), np.where(odd, x.m.hi * 2, x.m.hi))     # exact doublings
    return _norm(I.sqrt(m), np.where(odd, x.e - 1, x.e) / 2)


def power(x, k) -> Sv:
    """Integer k by squaring (each product rounds outward); any other exponent as exp(k·log x)."""
    x = sv(x)
    if isinstance(k, (Sv, I.Iv)):
        kp = plain(k) if isinstance(k, Sv) else k
        if np.ndim(kp.lo) == 0 and kp.lo == kp.hi and float(kp.lo).is_integer():
            k = int(kp.lo)
        else:
            return exp(sv(k) * log(x))
    return I.by_squaring(x, int(k), Sv.const(1), lambda b: _norm(I._square(b.m), 2 * b.e))


def _through_plain(f):
    """f on the plain value; undecided where that is not finite (2^e past float64)."""
    def g(x):
        v = plain(sv(x))
        out = f(v)
        return sv(I.undecided_where(~(np.isfinite(v.lo) & np.isfinite(v.hi)), out))
    return g


tanh, sinh, cosh, erf = (_through_plain(f) for f in (I.tanh, I.sinh, I.cosh, I.erf))


def absolute(x) -> Sv:
    x = sv(x)
    return Sv(I.absolute(x.m), x.e)


def sign(x) -> Sv:
    return sv(I.sign(sv(x).m))


def heaviside(x, at_zero) -> Sv:
    return sv(I.heaviside(sv(x).m, plain(sv(at_zero))))


def extreme(values, op: str) -> Sv:
    """max (">") or min ("<"): where a comparison is certain, the winner itself (its own exponent);
    elsewhere the ends' extreme at the larger exponent."""
    out = sv(values[0])
    for v in values[1:]:
        v = sv(v)
        e = np.maximum(out.e, v.e)
        both = _norm(I.extreme([_aligned(out, e), _aligned(v, e)], op), e)
        first = decide(op, out, v).yes          # out beats v certainly
        second = decide(op, v, out).yes
        out = _select([(first, out), (second, v)], both)
    return out


def _select(choices, otherwise: Sv) -> Sv:
    lo, hi, e = otherwise.m.lo, otherwise.m.hi, otherwise.e
    for mask, x in reversed(choices):
        lo, hi, e = np.where(mask, x.m.lo, lo), np.where(mask, x.m.hi, hi), np.where(mask, x.e, e)
    return Sv(I.Iv(lo, hi), e)


def decide(op: str, a, b) -> I.Tri:
    a, b = sv(a), sv(b)
    e = np.maximum(a.e, b.e)
    return I.decide(op, _aligned(a, e), _aligned(b, e))


def piecewise(*pairs) -> Sv:
    """As intervals.piecewise: the first branch whose condition is certain (with its own exponent),
    past conditions certainly false; undecided where one on the way is neither."""
    lo = hi = np.nan
    e = 0.0
    pending = np.bool_(True)
    for value, cond in pairs:
        v, c = sv(value), I.tri(cond)
        take = pending & c.yes
        lo, hi, e = np.where(take, v.m.lo, lo), np.where(take, v.m.hi, hi), np.where(take, v.e, e)
        pending = pending & c.no
    return Sv(I.Iv(lo, hi), e)


def pi() -> Sv:
    return sv(I.pi())


def e() -> Sv:
    return sv(I.e())
