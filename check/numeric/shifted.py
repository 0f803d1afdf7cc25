"""Shifted enclosures: s·e^d — a scaled enclosure s (check.numeric.scaled) times e to an exact
float64 power d of its own — so that e^x for a bfloat16 logit of 10^20 and a softmax of such logits
stay decidable: scaled.exp writes e^x as e^r·2^k with an integer k = ⌊x/ln 2⌋, which float64 holds
exactly only below 2^52 (x below 3·10^15), and leaves e^x undecided past it.  The fast truth tier's
third pass (check.numeric.fast_truth), over the points the plain and scaled passes leave undecided.

    x = Hv.point(np.array([1e20, 3e38]))
    p = exp(x) / (exp(x) + exp(x - Hv.const(1)))        # 1/(1 + e^-1) ≈ 0.73 at both points

e^x for |x| ≥ ``SHIFT_FROM`` is s·e^d with d = x's lower end (a float) and s = e^(x − d) (an
enclosure of e^[0, width]); smaller arguments keep d = 0.  Products and quotients add and subtract
the d's exactly: TwoSum gives d₁ ± d₂ = h + l with h, l floats, and the product is s₁s₂e^l·e^h.  A
sum aligns both terms to the larger d (the other times e^(dᵢ − d), its exponent exactly h + l again).
log(s·e^d) = log s + d (back to d = 0).  Anything else — comparisons of different d's aside,
tanh, max, a Piecewise's values, sqrt — works on the plain value s·e^d, which is undecided (NaN)
where e^d is past what scaled enclosures hold, as any overflow.
"""
from __future__ import annotations

import numpy as np

from check.numeric import intervals as I
from check.numeric import scaled as S

#: Arguments of exp from which e^x is written s·e^d (below it, scaled.exp keeps its precision).
SHIFT_FROM = 2.0 ** 20


class Hv:
    """s·e^d per entry: s an ``Sv``, d a float64 array (exact); NaN in s: undecided."""

    __slots__ = ("s", "d")
    __array_priority__ = 100

    def __init__(self, s: S.Sv, d):
        self.s, self.d = s, d

    @staticmethod
    def point(x) -> "Hv":
        return Hv(S.Sv.point(x), 0.0)

    @staticmethod
    def const(q) -> "Hv":
        return Hv(S.Sv.const(q), 0.0)

    def __neg__(self):
        return Hv(-self.s, self.d)

    def __pos__(self):
        return self

    def __add__(self, other):
        a, b, d = _aligned(hv(self), hv(other))
        return Hv(a + b, d)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-hv(other))

    def __rsub__(self, other):
        return hv(other) + (-self)

    def __mul__(self, other):
        a, b = hv(self), hv(other)
        return _shifted_by(a.s * b.s, a.d, b.d)

    __rmul__ = __mul__

    def __truediv__(self, other):
        a, b = hv(self), hv(other)
        return _shifted_by(a.s / b.s, a.d, -np.asarray(b.d, dtype=np.float64))

    def __rtruediv__(self, other):
        return hv(other) / self

    def __pow__(self, k):
        return power(self, k)


def hv(x) -> Hv:
    if isinstance(x, Hv):
        return x
    return Hv(S.sv(x), 0.0)


def two_sum(a, b):
    """(h, l) with h = fl(a + b) and a + b = h + l exactly (Knuth's TwoSum; round to nearest)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    h = a + b
    bv = h - a
    av = h - bv
    return h, (a - av) + (b - bv)


def _exp_of_sum(h, l) -> S.Sv:
    """An enclosure of e^(h + l) for floats h, l (the interval h + l, rounded outward, then scaled.exp)."""
    return S.exp(S.sv(I.Iv.point(h) + I.Iv.point(l)))


#: A TwoSum remainder from which e^l is not computed (scaled.exp's exponent would pass 2^52 near it).
FAR = 2.0 ** 40


def _shifted_by(s: S.Sv, d1, d2) -> Hv:
    """s·e^(d₁ + d₂) as s·e^l·e^h, (h, l) = TwoSum(d₁, d₂).  Where |l| ≥ FAR, |h| ≥ 2^52·|l|: for
    h < 0, e^(h + l) lies in [0, 1]·e^(h/2) (h/2 exact), kept so; for h > 0 it is past every
    format (undecided)."""
    d1, d2 = np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)
    if not (np.any(d1) or np.any(d2)):
        return Hv(s, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        h, l = two_sum(d1, d2)              # past float64 (h infinite, l NaN): undecided, through s
        far = np.abs(l) >= FAR
        f = S.exp(S.Sv.point(np.where(far, 0.0, l)))
        if not np.any(far):
            return Hv(s * f, h)
        below, above = far & (h < 0), far & (h > 0)
        lo = np.where(below, 0.0, np.where(above, np.nan, f.m.lo))
        hi = np.where(below, 1.0, np.where(above, np.nan, f.m.hi))
        return Hv(s * S.Sv(I.Iv(lo, hi), np.where(below, 0.0, f.e)), np.where(below, h / 2, h))


def _aligned(a: Hv, b: Hv):
    """(a's s, b's s, d): both at the larger d, the other times e^(dᵢ − d) (≤ 1)."""
    da, db = np.asarray(a.d, dtype=np.float64), np.asarray(b.d, dtype=np.float64)
    if not (np.any(da) or np.any(db)):
        return a.s, b.s, 0.0
    d = np.maximum(da, db)
    return a.s * _exp_of_sum(*two_sum(da, -d)), b.s * _exp_of_sum(*two_sum(db, -d)), d


def plain(x) -> S.Sv:
    """The scaled enclosure of s·e^d (undecided where e^d is past scaled's range)."""
    x = hv(x)
    d = np.asarray(x.d, dtype=np.float64)
    if not np.any(d):
        return x.s
    return x.s * S.exp(S.Sv.point(d))


# --- functions -------------------------------------------------------------------------------------
def exp(x) -> Hv:
    """e^x: shifted (d = x's lower end) where |x| ≥ SHIFT_FROM, scaled.exp of x elsewhere."""
    v = plain(x)
    p = S.plain(v)
    with np.errstate(invalid="ignore"):
        big = np.isfinite(p.lo) & np.isfinite(p.hi) & (np.maximum(np.abs(p.lo), np.abs(p.hi)) >= SHIFT_FROM)
    if not np.any(big):
        return Hv(S.exp(v), 0.0)
    d = np.where(big, np.asarray(p.lo, dtype=np.float64), 0.0)
    return Hv(S.exp(v - S.sv(I.Iv.point(d))), d)


def log(x) -> Hv:
    x = hv(x)
    d = np.asarray(x.d, dtype=np.float64)
    return Hv(S.log(x.s) + S.sv(I.Iv.point(d)) if np.any(d) else S.log(x.s), 0.0)


def power(x, k) -> Hv:
    """Integer k by squaring (products and a quotient as above); any other exponent as exp(k·log x)."""
    x = hv(x)
    if isinstance(k, (Hv, S.Sv, I.Iv)):
        kp = S.plain(plain(k)) if isinstance(k, Hv) else S.plain(k) if isinstance(k, S.Sv) else k
        if np.ndim(kp.lo) == 0 and kp.lo == kp.hi and float(kp.lo).is_integer():
            k = int(kp.lo)
        else:
            return exp(hv(k) * log(x))
    return I.by_squaring(x, int(k), Hv.const(1), lambda b: b * b)


def _through_plain(f):
    def g(*args):
        return Hv(f(*[plain(a) for a in args]), 0.0)
    return g


sqrt, tanh, sinh, cosh, erf = (_through_plain(f) for f in (S.sqrt, S.tanh, S.sinh, S.cosh, S.erf))


def absolute(x) -> Hv:
    x = hv(x)
    return Hv(S.absolute(x.s), x.d)


def sign(x) -> Hv:
    return Hv(S.sign(hv(x).s), 0.0)                   # e^d > 0: the sign is s's


def heaviside(x, at_zero) -> Hv:
    return Hv(S.heaviside(hv(x).s, plain(at_zero)), 0.0)


def extreme(values, op: str) -> Hv:
    return Hv(S.extreme([plain(v) for v in values], op), 0.0)


def decide(op: str, a, b) -> I.Tri:
    """a op b, both at the larger d (e^d > 0 leaves the comparison as it is)."""
    sa, sb, _ = _aligned(hv(a), hv(b))
    return S.decide(op, sa, sb)


def piecewise(*pairs) -> Hv:
    return Hv(S.piecewise(*[(plain(v), c) for v, c in pairs]), 0.0)


def pi() -> Hv:
    return Hv(S.pi(), 0.0)


def e() -> Hv:
    return Hv(S.e(), 0.0)
