"""Exact-or-ball real numbers: the one rigorous arithmetic of gradspec.

    with precision(1280):                       # bits, for the balls; flint's context, restored on exit
        x = real(Fraction(1, 10))               # exact: 1/10
        y = x * 3 - real(0.3)                   # exact 0 (a float is its decimal value: 0.3 = 3/10)
        z = exp(x)                              # a ball [m ± r] certain to hold e^(1/10)

A ``Real`` stays **exact** (a rational, python-flint's fmpq) for as long as its computation is
rational: + − × ÷, integer powers, abs, sign, comparisons, and the values that are exact anyway
(exp 0 = 1, log 1 = 0, the square root of a square).  A transcendental step makes it a **ball**
(python-flint's arb) at the working precision of the caller's ``with precision(bits)`` block; an
exact rational grown past ``EXACT_BITS`` bits becomes a ball too, so no computation runs away.

Non-finite values are **definite** where the exact computation says so — x/0 for an exact 0 is ±∞
(0/0 is NaN), log of an exact 0 is −∞, log of a negative number NaN — and follow IEEE rules
afterwards (NaN compares False, ∞ − ∞ is NaN), as NumPy does, so a division by zero in a branch
``where`` discards is harmless.  A ball that cannot tell (a division by a ball holding 0 that is not
exactly 0) is **unknown**: an arb NaN, which more precision may resolve.

Comparisons are *decided* or refused: two overlapping balls raise ``Undecided`` (the caller raises
the precision), never a guess.  Precision is never set globally beyond a ``precision`` block.
"""
from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import numpy as np
from flint import arb, ctx, fmpq, fmpz

#: An exact rational whose numerator and denominator together pass this many bits becomes a ball.
EXACT_BITS = 20000

_INF, _NINF, _NAN = math.inf, -math.inf, math.nan


class Undecided(Exception):
    """A comparison of two balls that overlap: more precision is needed to decide it."""


@contextlib.contextmanager
def precision(bits: int):
    """Balls are computed at ``bits`` of working precision inside the block."""
    with ctx.workprec(int(bits)):
        yield


def _fmpq_of_float(x: float) -> fmpq:
    f = Fraction(repr(float(x)))                 # the float's shortest decimal, exactly
    return fmpq(f.numerator, f.denominator)


def _small(q: fmpq):
    """q itself, or a ball once it has grown past EXACT_BITS."""
    if q.p.bit_length() + q.q.bit_length() > EXACT_BITS:
        return arb(q)
    return q


class Real:
    """One real number: exact (fmpq), a ball (arb) or a definite non-finite float (±inf, nan)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    # --- kinds ---------------------------------------------------------------------------------
    @property
    def exact(self) -> bool:
        return type(self.v) is fmpq

    @property
    def special(self) -> bool:
        """A definite non-finite value (±inf or nan, decided by exact reasoning)."""
        return type(self.v) is float

    @property
    def unknown(self) -> bool:
        """A ball that holds no information (arb NaN or an infinite radius)."""
        return type(self.v) is arb and not self.v.is_finite()

    @property
    def finite(self) -> bool:
        """A finite value: exact, or a ball of finite midpoint and radius."""
        v = self.v
        return type(v) is fmpq or (type(v) is arb and v.is_finite())

    def ball(self) -> arb:
        """This value as an arb at the current precision (±inf / nan as arb's own)."""
        v = self.v
        if type(v) is arb:
            return v
        if type(v) is fmpq:
            return arb(v)
        return arb("nan") if v != v else (arb.pos_inf() if v > 0 else arb.neg_inf())

    def fraction(self) -> Fraction:
        """The exact value (an exact Real only)."""
        return Fraction(int(self.v.p), int(self.v.q))

    def __float__(self) -> float:
        v = self.v
        if type(v) is fmpq:
            try:
                return float(Fraction(int(v.p), int(v.q)))
            except OverflowError:                 # beyond every float: ±inf, as a float conversion rounds
                return _INF if v > 0 else _NINF
        if type(v) is float:
            return v
        return float(v.mid()) if v.is_finite() else _NAN

    def __repr__(self) -> str:
        v = self.v
        if type(v) is fmpq:
            return str(v)
        if type(v) is float:
            return repr(v)
        return v.str(20, radius=True)

    __str__ = __repr__
    __hash__ = object.__hash__

    # --- arithmetic (an array operand answers instead: NotImplemented); Real first, the hot path ------
    def __add__(self, other):
        if type(other) is Real:
            return add(self, other)
        return NotImplemented if isinstance(other, np.ndarray) else add(self, real(other))

    def __radd__(self, other):
        return add(real(other), self)

    def __sub__(self, other):
        if type(other) is Real:
            return add(self, neg(other))
        return NotImplemented if isinstance(other, np.ndarray) else add(self, neg(real(other)))

    def __rsub__(self, other):
        return add(real(other), neg(self))

    def __mul__(self, other):
        if type(other) is Real:
            return mul(self, other)
        return NotImplemented if isinstance(other, np.ndarray) else mul(self, real(other))

    def __rmul__(self, other):
        return mul(real(other), self)

    def __truediv__(self, other):
        if type(other) is Real:
            return div(self, other)
        return NotImplemented if isinstance(other, np.ndarray) else div(self, real(other))

    def __rtruediv__(self, other):
        return div(real(other), self)

    def __pow__(self, other):
        return NotImplemented if isinstance(other, np.ndarray) else power(self, real(other))

    def __rpow__(self, other):
        return power(real(other), self)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return absolute(self)

    # --- comparisons: decided, or Undecided ------------------------------------------------------
    def _cmp(self, op, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        try:
            o = real(other)
        except TypeError:
            return NotImplemented
        return compare(op, self, o)

    def __lt__(self, other):
        return self._cmp("<", other)

    def __le__(self, other):
        return self._cmp("<=", other)

    def __gt__(self, other):
        return self._cmp(">", other)

    def __ge__(self, other):
        return self._cmp(">=", other)

    def __eq__(self, other):
        return self._cmp("==", other)

    def __ne__(self, other):
        return self._cmp("!=", other)

    def __bool__(self):
        return bool(compare("!=", self, ZERO))


ZERO, ONE = Real(fmpq(0)), Real(fmpq(1))
NAN = Real(_NAN)


def real(x) -> Real:
    """A Python number, Fraction, numpy scalar, flint number or Real as a Real; a float is its
    decimal value exactly (0.1 is 1/10), ±inf and nan stay definite."""
    t = type(x)
    if t is Real:
        return x
    if t is int or t is bool or isinstance(x, (int, np.integer, np.bool_)):
        return Real(fmpq(int(x)))
    if t is float or isinstance(x, (float, np.floating)):
        return Real(_fmpq_of_float(x)) if math.isfinite(x) else Real(float(x))
    if t is Fraction:
        return Real(_small(fmpq(x.numerator, x.denominator)))
    if t is fmpq:
        return Real(_small(x))
    if t is fmpz:
        return Real(fmpq(x))
    if t is arb:
        return Real(x)
    p, q = getattr(x, "p", None), getattr(x, "q", None)          # a SymPy Rational or Integer
    if isinstance(p, int) and isinstance(q, int) and getattr(x, "is_Rational", False):
        return Real(_small(fmpq(p, q)))
    raise TypeError(f"cannot make an exact real of {t.__name__} {x!r}")


# --- signs -----------------------------------------------------------------------------------
def signum(a: Real) -> int:
    """−1, 0 or 1, decided (nan: 0 is not claimed; it raises Undecided)."""
    v = a.v
    if type(v) is fmpq:
        return (v > 0) - (v < 0)
    if type(v) is float:
        if v != v:
            raise Undecided("the sign of nan")
        return 1 if v > 0 else -1
    if v > 0:
        return 1
    if v < 0:
        return -1
    if v.is_zero():
        return 0
    raise Undecided(f"the sign of {v}")


def _special_of(sign: int) -> Real:
    return Real(_INF if sign > 0 else _NINF)


# --- the four operations -----------------------------------------------------------------------
def add(a: Real, b: Real) -> Real:
    x, y = a.v, b.v
    tx, ty = type(x), type(y)
    if tx is arb and ty is arb:
        return Real(x + y)
    if tx is fmpq and ty is fmpq:
        return Real(_small(x + y))
    if tx is float or ty is float:
        fx = x if tx is float else 0.0
        fy = y if ty is float else 0.0
        if tx is arb and not x.is_finite() or ty is arb and not y.is_finite():
            return Real(arb("nan"))
        return Real(fx + fy)                      # inf + finite, inf − inf = nan, nan + anything
    return Real((arb(x) if tx is fmpq else x) + (arb(y) if ty is fmpq else y))


def neg(a: Real) -> Real:
    return Real(-a.v)


def sub(a: Real, b: Real) -> Real:
    return add(a, neg(b))


def mul(a: Real, b: Real) -> Real:
    x, y = a.v, b.v
    tx, ty = type(x), type(y)
    if tx is arb and ty is arb:
        return Real(x * y)
    if tx is fmpq and ty is fmpq:
        return Real(_small(x * y))
    if tx is float or ty is float:
        if (tx is float and x != x) or (ty is float and y != y):
            return NAN
        try:
            s = signum(a) * signum(b)
        except Undecided:
            return Real(arb("nan"))
        return NAN if s == 0 else _special_of(s)  # inf · 0 is nan
    return Real((arb(x) if tx is fmpq else x) * (arb(y) if ty is fmpq else y))


def div(a: Real, b: Real) -> Real:
    x, y = a.v, b.v
    tx, ty = type(x), type(y)
    if ty is fmpq and y == 0:                    # an exact zero divisor: ±inf, or nan for 0/0
        try:
            s = signum(a)
        except Undecided:
            return Real(arb("nan"))
        return NAN if s == 0 else _special_of(s)
    if tx is fmpq and ty is fmpq:
        return Real(_small(x / y))
    if ty is float:
        if y != y or tx is float:
            return NAN                            # inf/inf, nan
        return ZERO if a.finite else Real(arb("nan"))
    if tx is float:
        if x != x:
            return NAN
        try:
            return _special_of(signum(a) * signum(b))
        except Undecided:
            return Real(arb("nan"))
    return Real((arb(x) if tx is fmpq else x) / (arb(y) if ty is fmpq else y))


def _integer(e: Real):
    v = e.v
    if type(v) is fmpq and v.q == 1:
        return int(v.p)
    return None


def _ball_power(x: arb, k: int) -> arb:
    """x ** k for an integer k ≥ 0.  python-flint's ``**`` gives NaN for a ball centred at 0
    ([0 ± 2^-1275] ** 2: a value that cancelled to about 0, squared — ntxent's HVP), so a ball
    holding 0 is raised by squaring and products: an enclosure of every x^k, x in the ball."""
    if not x.contains(0):
        return x ** k
    out, base = arb(1), x
    while k:
        if k & 1:
            out = out * base
        base = base * base
        k >>= 1
    return out


def power(a: Real, e: Real) -> Real:
    """a ** e: exact for an exact base and integer exponent; sqrt for halves; else exp(e·log a)."""
    k = _integer(e)
    x = a.v
    if k is not None:
        if type(x) is fmpq:
            if x == 0 and k < 0:
                return Real(_INF)
            bits = (x.p.bit_length() + x.q.bit_length()) * abs(k)
            if bits <= EXACT_BITS:
                return Real(x ** k)
            return Real(arb(x) ** k)
        if type(x) is arb:
            return Real(_ball_power(x, k)) if k >= 0 else div(ONE, Real(_ball_power(x, -k)))
        if x != x:
            return NAN
        if k == 0:
            return ONE
        return ZERO if k < 0 else Real(x if k % 2 else _INF)      # (±inf) ** k
    if e.exact and e.v.q == 2:                    # a half-integer power: a root, exact where it can be
        return power(sqrt(a), Real(fmpq(e.v.p)))
    s = signum(a) if not a.unknown else None
    if s == 0:
        return ZERO if signum(e) > 0 else Real(_INF)
    if s is not None and s < 0:
        return NAN
    return exp(mul(e, log(a)))


def absolute(a: Real) -> Real:
    return Real(abs(a.v))


# --- comparisons -------------------------------------------------------------------------------
def compare(op: str, a: Real, b: Real) -> bool:
    """``a op b``, decided: exact comparisons exactly, balls when certain, NaN as IEEE (False,
    and True for !=); otherwise Undecided."""
    x, y = a.v, b.v
    tx, ty = type(x), type(y)
    if tx is fmpq and ty is fmpq:
        return _OPS[op](x, y)
    if tx is float or ty is float:
        if (tx is float and x != x) or (ty is float and y != y):
            return op == "!="                      # nan: unordered, as IEEE
        if not (a.finite or tx is float) or not (b.finite or ty is float):
            raise Undecided(f"{a} {op} {b}")
        # at least one infinity: a finite side's size does not matter
        return _OPS[op](x if tx is float else 0.0, y if ty is float else 0.0)
    xa = arb(x) if tx is fmpq else x
    ya = arb(y) if ty is fmpq else y
    if not (xa.is_finite() and ya.is_finite()):
        raise Undecided(f"{a} {op} {b}")
    if _OPS[op](xa, ya):
        return True
    if _OPS[_NOT[op]](xa, ya):
        return False
    raise Undecided(f"{a} {op} {b}")


import operator as _operator  # noqa: E402

_OPS = {"<": _operator.lt, "<=": _operator.le, ">": _operator.gt, ">=": _operator.ge,
        "==": _operator.eq, "!=": _operator.ne}
_NOT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


# --- functions -----------------------------------------------------------------------------------
def _ball_fn(name):
    def f(a: Real) -> Real:
        v = a.v
        return Real(getattr(arb(v) if type(v) is fmpq else v, name)())
    return f


_exp_ball, _log_ball, _log1p_ball, _expm1_ball = (_ball_fn(n) for n in ("exp", "log", "log1p", "expm1"))
_sqrt_ball, _tanh_ball, _cosh_ball, _sinh_ball, _erf_ball = (
    _ball_fn(n) for n in ("sqrt", "tanh", "cosh", "sinh", "erf"))


def exp(a: Real) -> Real:
    v = a.v
    if type(v) is fmpq:
        return ONE if v == 0 else _exp_ball(a)
    if type(v) is float:
        return Real(v) if v != _NINF else ZERO
    return _exp_ball(a)


def _positive_domain(a: Real, at_zero: Real, f, at_one: Real | None = None) -> Real:
    """f on (0, ∞): exact at 0 (``at_zero``) and 1, nan below 0, unknown where the ball holds 0."""
    v = a.v
    if type(v) is fmpq:
        if v == 0:
            return at_zero
        if v < 0:
            return NAN
        if v == 1 and at_one is not None:
            return at_one
        return f(a)
    if type(v) is float:
        return Real(v) if v == _INF else NAN
    if v > 0:
        return f(a)
    if v < 0:
        return NAN
    return Real(arb("nan"))


def log(a: Real) -> Real:
    return _positive_domain(a, Real(_NINF), _log_ball, ZERO)


def log1p(a: Real) -> Real:
    v = a.v
    if type(v) is fmpq:
        if v == 0:
            return ZERO
        if v == -1:
            return Real(_NINF)
        return NAN if v < -1 else _log1p_ball(a)
    if type(v) is float:
        return Real(v) if v == _INF else NAN
    return log(add(ONE, a)) if not (v > -1) else _log1p_ball(a)


def expm1(a: Real) -> Real:
    v = a.v
    if type(v) is fmpq:
        return ZERO if v == 0 else _expm1_ball(a)
    if type(v) is float:
        return Real(v) if v != _NINF else Real(fmpq(-1))
    return _expm1_ball(a)


def _exact_sqrt(q: fmpq):
    p, r = fmpz(q.p), fmpz(q.q)
    sp_, sr = p.isqrt(), r.isqrt()
    if sp_ * sp_ == p and sr * sr == r:
        return fmpq(sp_, sr)
    return None


def sqrt(a: Real) -> Real:
    v = a.v
    if type(v) is fmpq:
        if v < 0:
            return NAN
        root = _exact_sqrt(v)
        return Real(root) if root is not None else _sqrt_ball(a)
    if type(v) is float:
        return Real(v) if v == _INF else NAN
    if v < 0:
        return NAN
    return _sqrt_ball(a) if v >= 0 else Real(arb("nan"))      # a ball reaching below 0: unknown


def _odd_at_zero(ball_fn, at_inf: float):
    def f(a: Real) -> Real:
        v = a.v
        if type(v) is fmpq and v == 0:
            return ZERO
        if type(v) is float:
            return NAN if v != v else Real(fmpq(int(math.copysign(1, v)))) if at_inf == 1 else Real(v)
        return ball_fn(a)
    return f


tanh = _odd_at_zero(_tanh_ball, 1)
sinh = _odd_at_zero(_sinh_ball, math.inf)
erf = _odd_at_zero(_erf_ball, 1)


def cosh(a: Real) -> Real:
    v = a.v
    if type(v) is fmpq and v == 0:
        return ONE
    if type(v) is float:
        return NAN if v != v else Real(_INF)
    return _cosh_ball(a)


def sign(a: Real) -> Real:
    """sign(0) = 0, decided (Undecided for a ball holding 0 that is not exactly 0)."""
    v = a.v
    if type(v) is float and v != v:
        return NAN
    return Real(fmpq(signum(a)))


def pi() -> Real:
    return Real(arb.pi())


def extreme(values, op: str) -> Real:
    """The first of ``values`` that no later one beats under ``op`` (">" the max, "<" the min), every
    comparison decided: ties keep the earlier value."""
    best = real(values[0])
    for v in values[1:]:
        v = real(v)
        if compare(op, v, best):
            best = v
    return best


def decide(op: str, a, b) -> bool:
    """``a op b`` for numbers of any kind: True or False when certain, else Undecided."""
    return compare(op, real(a), real(b))


def to_arb(v) -> arb:
    """Any number this module accepts, as an arb ball at the current precision."""
    return v.ball() if type(v) is Real else real(v).ball()
