"""Vectorised interval arithmetic in float64: many points at once, each value an enclosure [lo, hi]
certain to hold the exact result — the fast truth tier's arithmetic (check.numeric.fast_truth).

    x = Iv.point(np.array([0.5, 2.0]))          # exact floats: lo = hi
    y = exp(x) / (x + Iv.const(Fraction(1, 3)))   # y.lo ≤ e^x/(x + 1/3) ≤ y.hi at each entry

Rounding outward: + − × ÷ and sqrt are correctly rounded in IEEE 754 (round to nearest), so the
computed end moved 2^-50 of itself (+ 2^-600) away from the interval bounds the exact one — four
ulps, where the rounding is at most half of one; cheaper than ``np.nextafter`` by a factor of four.
An exact result is widened too: a point exactly on a kink (|p − t| = δ) is left to arb.
exp, log, tanh, sinh, cosh and erf come from the platform's libm (NumPy's loops), which is not
correctly rounded: each end is widened by ``LIBM_RELATIVE`` = 2^-40 of itself plus 2^-600 —
about 8,000 float64 ulps, where glibc documents at most a few for these functions — and
``libm_trusted()`` checks that margin against arb on a spread of arguments before the tier is used
(it is off, and every point goes to arb, when it fails).

An entry whose enclosure is not two finite floats (an overflow in float64, a log of a number the
interval cannot tell is positive, a division by an interval holding 0, a comparison the interval
cannot decide) is NaN at both ends: *undecided*, for the caller to compute another way, never a
guess.  Comparisons give a ``Tri`` (certainly true / certainly false / neither), and a Piecewise
takes a branch only where its condition is certain.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

#: The relative error allowed to a libm function's result (each end widened by this much).
LIBM_RELATIVE = 2.0 ** -40
#: An absolute allowance on top, for results near float64's subnormal range (see _FLOOR).
LIBM_ABSOLUTE = 2.0 ** -600

_INF = np.inf


#: An RN result x of an exact value e has |e − x| ≤ 2^-53·|x| (normal) or ≤ 2^-1075 (subnormal);
#: stepping 2^-50·|x| + 2^-600 away from it, itself rounded to nearest, still passes e.  The floor
#: is far above float64's subnormal range on purpose: a widened exact 0 (a one-hot target's entry)
#: times a number must not land in the subnormals, where every x86 operation is ten times slower;
#: 2^-600 is still far below the smallest subnormal of every format the tier decides (2^-149).
_STEP, _FLOOR = 2.0 ** -50, 2.0 ** -600
def _step(x):
    t = np.abs(x)
    t *= _STEP
    t += _FLOOR
    return t


def _down(x):
    """A float ≤ the exact value whose round-to-nearest result is x (NaN from +inf: undecided)."""
    if np.ndim(x) == 0:
        return x - (abs(x) * _STEP + _FLOOR)
    t = _step(x)
    return np.subtract(x, t, out=t)


def _up(x):
    if np.ndim(x) == 0:
        return x + (abs(x) * _STEP + _FLOOR)
    t = _step(x)
    return np.add(x, t, out=t)


def _nonnegative(a) -> bool:
    """Every entry ≥ 0 (NaN is not; an empty array is): one reduction, no temporary."""
    return np.size(a) == 0 or bool(np.min(a) >= 0)


def _down_nonnegative(x):
    """``_down`` of an x ≥ 0 (an array the caller owns, changed in place): x·(1 − 2^-50) − 2^-600
    is below x − 2^-51·x even after its own rounding, where the exact value is ≥ x − 2^-53·x (or
    x − 2^-1075 in the subnormals) — two passes where ``_down`` takes four."""
    x *= 1 - _STEP
    x -= _FLOOR
    return x


def _up_nonnegative(x):
    x *= 1 + _STEP
    x += _FLOOR
    return x


def _widen(lo, hi):
    """A libm function's ends, widened by its allowance (which covers this step's own rounding)."""
    return lo - (np.abs(lo) * LIBM_RELATIVE + LIBM_ABSOLUTE), hi + (np.abs(hi) * LIBM_RELATIVE + LIBM_ABSOLUTE)


class Iv:
    """Arrays lo ≤ hi (float64, broadcastable) enclosing one exact value per entry; NaN: undecided."""

    __slots__ = ("lo", "hi")
    __array_priority__ = 100            # NumPy scalars defer to Iv's operators

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def point(x) -> "Iv":
        x = np.asarray(x, dtype=np.float64)
        return Iv(x, x)

    @staticmethod
    def const(q) -> "Iv":
        """An exact rational (int, Fraction) enclosed by the floats around it."""
        q = Fraction(q)
        try:
            f = float(q)
        except OverflowError:
            f = math.inf if q > 0 else -math.inf
        if math.isfinite(f) and Fraction(f) == q:
            return Iv(f, f)
        return Iv(float(_down(f)), float(_up(f)))

    def __neg__(self):
        return Iv(-self.hi, -self.lo)

    def __pos__(self):
        return self

    def __add__(self, other):
        o = iv(other)
        return Iv(_down(self.lo + o.lo), _up(self.hi + o.hi))

    __radd__ = __add__

    def __sub__(self, other):
        o = iv(other)
        return Iv(_down(self.lo - o.hi), _up(self.hi - o.lo))

    def __rsub__(self, other):
        return iv(other) - self

    def __mul__(self, other):
        o = iv(other)
        for k, x in ((o, self), (self, o)):             # an exact constant: two products
            if np.ndim(k.lo) == 0 and k.lo == k.hi and math.isfinite(k.lo):
                c = float(k.lo)
                a, b = x.lo * c, x.hi * c
                return Iv(_down(a), _up(b)) if c >= 0 else Iv(_down(b), _up(a))
        if _nonnegative(self.lo) and _nonnegative(o.lo):     # both nonnegative (exps, softmax): two
            return Iv(_down_nonnegative(self.lo * o.lo), _up_nonnegative(self.hi * o.hi))
        a, b, c, d = self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi
        return Iv(_down(np.minimum(np.minimum(a, b), np.minimum(c, d))),
                  _up(np.maximum(np.maximum(a, b), np.maximum(c, d))))

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = iv(other)
        a, b, c, d = self.lo / o.lo, self.lo / o.hi, self.hi / o.lo, self.hi / o.hi
        lo = _down(np.minimum(np.minimum(a, b), np.minimum(c, d)))
        hi = _up(np.maximum(np.maximum(a, b), np.maximum(c, d)))
        return undecided_where((o.lo <= 0) & (o.hi >= 0), Iv(lo, hi))

    def __rtruediv__(self, other):
        return iv(other) / self

    def __pow__(self, k):
        return power(self, k)


def total(*terms) -> Iv:
    """t₁ + t₂ + … + tₙ: each end summed left to right in round-to-nearest, then moved outward once
    by (n + 2)·2^-52·Σ|tᵢ| (+ 2^-600) — recursive summation errs by at most γₙ₋₁·Σ|tᵢ| ≈
    (n − 1)·2^-53·Σ|tᵢ| (Higham, Accuracy and Stability, §4.2), and the rest covers Σ|tᵢ|'s own
    rounding and the final step's (a float sum that underflows is exact).  Σ|tᵢ| is the upper ends'
    sum where every lower end is ≥ 0 (sums of exps and probabilities), and is summed term by term
    otherwise.  Cheaper than n − 1 outward additions (one widening, not one per step)."""
    ts = [iv(t) for t in terms]
    n = len(ts)
    if n < 3:
        return ts[0] + ts[1] if n == 2 else ts[0]
    lo, hi = ts[0].lo + ts[1].lo, ts[0].hi + ts[1].hi
    for t in ts[2:]:
        lo = lo + t.lo
        hi = hi + t.hi
    if all(_nonnegative(t.lo) for t in ts):
        size = np.asarray(hi, dtype=np.float64)
    elif all(_nonnegative(-t.hi) for t in ts):
        size = -np.asarray(lo, dtype=np.float64)
    else:
        size = functools.reduce(np.add, [np.maximum(np.abs(t.lo), np.abs(t.hi)) for t in ts])
    err = size * ((n + 2) * 2.0 ** -52)
    err += _FLOOR
    return Iv(lo - err, hi + err)


def iv(x) -> Iv:
    """An Iv of an Iv, an exact int or a Fraction (a Python float is taken as the exact value it holds)."""
    if isinstance(x, Iv):
        return x
    if isinstance(x, bool):
        x = int(x)
    return Iv.const(Fraction(x))


def undecided_where(mask, x: Iv) -> Iv:
    """x with NaN ends where ``mask`` holds."""
    if not np.any(mask):
        return x
    return Iv(np.where(mask, np.nan, x.lo), np.where(mask, np.nan, x.hi))


# --- powers, roots and the libm functions ---------------------------------------------------------
def _square(x: Iv) -> Iv:
    a, b = x.lo * x.lo, x.hi * x.hi
    straddles = (x.lo < 0) & (x.hi > 0)
    lo = np.where(straddles, 0.0, np.minimum(a, b))
    return Iv(np.where(lo == 0, lo, _down(lo)), _up(np.maximum(a, b)))


def power(x: Iv, k) -> Iv:
    """x ** k: integer k by squaring (outward at each step); a non-integer exponent as exp(k·log x)."""
    if isinstance(k, Iv):
        if np.all(k.lo == k.hi) and np.ndim(k.lo) == 0 and float(k.lo).is_integer():
            k = int(k.lo)
        else:
            return exp(k * log(x))
    return by_squaring(x, int(k), Iv.const(1), _square)


def by_squaring(x, k: int, one, square):
    """x ** k for an integer k by repeated squaring (``square``) and products (``*``), 1/x^|k| below
    0: the one power routine of plain and scaled enclosures (check.numeric.scaled)."""
    if k < 0:
        return one / by_squaring(x, -k, one, square)
    result, base, first = one, x, True
    while k:
        if k & 1:
            result = base if first else result * base
            first = False
        k >>= 1
        if k:
            base = square(base)
    return result


def sqrt(x: Iv) -> Iv:
    with np.errstate(invalid="ignore"):
        lo, hi = np.sqrt(x.lo), np.sqrt(x.hi)
    return undecided_where(x.lo < 0, Iv(np.where(lo == 0, lo, _down(lo)), _up(hi)))


def _increasing(f):
    def g(x: Iv) -> Iv:
        lo, hi = _widen(f(x.lo), f(x.hi))
        return Iv(lo, hi)
    return g


exp = _increasing(np.exp)
tanh = _increasing(np.tanh)
sinh = _increasing(np.sinh)
_erf_ufunc = np.frompyfunc(math.erf, 1, 1)
erf = _increasing(lambda a: np.asarray(_erf_ufunc(a), dtype=np.float64))


def log(x: Iv) -> Iv:
    """log on (0, ∞); undecided where the interval reaches 0 or below."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = _widen(np.log(x.lo), np.log(x.hi))
    return undecided_where(~(x.lo > 0), Iv(lo, hi))


def cosh(x: Iv) -> Iv:
    a, b = np.cosh(x.lo), np.cosh(x.hi)
    straddles = (x.lo < 0) & (x.hi > 0)
    lo, hi = _widen(np.where(straddles, 1.0, np.minimum(a, b)), np.maximum(a, b))
    return Iv(np.where(straddles, 1.0, lo), hi)


def absolute(x: Iv) -> Iv:
    straddles = (x.lo < 0) & (x.hi > 0)
    lo = np.where(straddles, 0.0, np.minimum(np.abs(x.lo), np.abs(x.hi)))
    return Iv(lo, np.maximum(np.abs(x.lo), np.abs(x.hi)))


def sign(x: Iv) -> Iv:
    """1, −1 or 0 (exactly 0); undecided where the interval holds 0 and is not exactly 0."""
    s = np.where(x.lo > 0, 1.0, np.where(x.hi < 0, -1.0, np.where((x.lo == 0) & (x.hi == 0), 0.0, np.nan)))
    return Iv(s, s)


def heaviside(x: Iv, at_zero: Iv) -> Iv:
    s = sign(x)
    z = iv(at_zero)
    return Iv(np.where(s.lo == 0, z.lo, np.where(s.lo > 0, 1.0, np.where(s.lo < 0, 0.0, np.nan))),
              np.where(s.hi == 0, z.hi, np.where(s.hi > 0, 1.0, np.where(s.hi < 0, 0.0, np.nan))))


def extreme(values, op: str) -> Iv:
    """max (op ">") or min ("<") of intervals: taken end by end."""
    out = iv(values[0])
    pick = np.maximum if op == ">" else np.minimum
    for v in values[1:]:
        v = iv(v)
        out = Iv(pick(out.lo, v.lo), pick(out.hi, v.hi))
    return out


def pi() -> Iv:
    return Iv(float(_down(math.pi)), float(_up(math.pi)))


def e() -> Iv:
    return Iv(float(_down(math.e)), float(_up(math.e)))


# --- comparisons and branches ---------------------------------------------------------------------
class Tri:
    """A condition at each entry: certainly true (``yes``), certainly false (``no``), or neither."""

    __slots__ = ("yes", "no")

    def __init__(self, yes, no):
        self.yes, self.no = yes, no


def tri(c) -> Tri:
    if isinstance(c, Tri):
        return c
    return Tri(np.bool_(bool(c)), np.bool_(not bool(c)))


def decide(op: str, a, b) -> Tri:
    """``a op b`` where every point of both intervals agrees; neither where they do not (NaN: neither)."""
    a, b = iv(a), iv(b)
    if op in (">", ">="):
        op, a, b = {">": "<", ">=": "<="}[op], b, a
    if op == "<":
        return Tri(a.hi < b.lo, a.lo >= b.hi)
    if op == "<=":
        return Tri(a.hi <= b.lo, a.lo > b.hi)
    equal = (a.lo == a.hi) & (b.lo == b.hi) & (a.lo == b.lo)
    apart = (a.hi < b.lo) | (a.lo > b.hi)
    return Tri(equal, apart) if op == "==" else Tri(apart, equal)


def both(*cs) -> Tri:
    cs = [tri(c) for c in cs]
    return Tri(functools.reduce(np.logical_and, [c.yes for c in cs]), functools.reduce(np.logical_or, [c.no for c in cs]))


def either(*cs) -> Tri:
    cs = [tri(c) for c in cs]
    return Tri(functools.reduce(np.logical_or, [c.yes for c in cs]), functools.reduce(np.logical_and, [c.no for c in cs]))


def negation(c) -> Tri:
    c = tri(c)
    return Tri(c.no, c.yes)


def piecewise(*pairs) -> Iv:
    """The first branch whose condition is certainly true, past conditions certainly false;
    undecided where a condition before the branch taken is neither."""
    lo = hi = np.nan
    pending = np.bool_(True)
    for value, cond in pairs:
        v, c = iv(value), tri(cond)
        take = pending & c.yes
        lo, hi = np.where(take, v.lo, lo), np.where(take, v.hi, hi)
        pending = pending & c.no
    return Iv(lo, hi)                   # entries never taken (a neither on the way) stay NaN


# --- trusting the platform's libm ------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def libm_trusted() -> bool:
    """Whether NumPy's exp, log, tanh, sinh, cosh and erf stay within 2^-44 relative (+ 2^-604) of
    arb's value on a spread of arguments — well inside ``LIBM_RELATIVE``; the tier is off when not."""
    from flint import arb
    from check.numeric.real import precision
    rng = np.random.default_rng(20261130)
    args = np.concatenate([rng.uniform(-1, 1, 300), rng.uniform(-40, 40, 300),
                           np.ldexp(rng.uniform(0.5, 1, 300), rng.integers(-60, 9, 300)) * rng.choice([-1, 1], 300),
                           np.array([-745.0, -708.0, 0.0, 1e-300, 700.0, 709.0])])
    fns = {"exp": (np.exp, "exp", args), "log": (np.log, "log", np.abs(args[args != 0])),
           "tanh": (np.tanh, "tanh", args), "sinh": (np.sinh, "sinh", args), "cosh": (np.cosh, "cosh", args),
           "erf": (lambda a: np.asarray(_erf_ufunc(a), dtype=np.float64), "erf", args)}
    with precision(128):
        for fn, name, xs in fns.values():
            with np.errstate(all="ignore"):
                got = fn(xs)
            for x, g in zip(xs.tolist(), got.tolist()):
                want = getattr(arb(x), name)()
                if not math.isfinite(g):
                    if want.is_finite() and abs(want) < arb(2) ** 1023:
                        return False
                    continue
                allowed = abs(want) * arb(2) ** -44 + arb(2) ** -604
                if not abs(arb(g) - want) < allowed:
                    return False
    return True
