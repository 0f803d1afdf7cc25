"""The SymPy ``xp`` namespace: evaluating a formula on arrays of symbols gives its closed form.

Arrays are ``SymArray`` (``spec.xp.ExactArray`` over SymPy expressions).  Evaluation is faithful
to the formula as written:

* every Python or NumPy number that meets an array becomes exact — a float is its decimal value
  (``0.3333333333333333`` is 3333333333333333/10¹⁶, never a 53-bit SymPy Float; ``1e-25`` is
  10⁻²⁵), an int an Integer;
* comparisons, ``==`` and ``!=`` included, are SymPy relations (``x == y`` is ``Eq(x, y)``, never a
  structural False), and a mask used as a number (``(x > 0) * v``) is Piecewise((1, x > 0), (0, True));
* selections are Piecewise expressions whose conditions carry the kink conventions of ``spec.xp``:
  maximum(a, b) = a where a ≥ b; max/min over an axis is its first maximal (minimal) entry, so its
  derivative at a tie goes to that entry; clip passes x at its bounds; where(c, a, b) = a where c.
  Abs differentiates to sign, with sign(0) = 0.

``tracing()`` records what a formula's structure says about where to look: every comparison's
difference, every denominator, every log and square-root argument, every abs/sign/maximum/clip
argument — before SymPy simplifies any of it away (``x / x`` is 1 to SymPy at once, but its
denominator x is recorded).  ``check.checks.structure`` turns these into sample points.
"""
from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import numpy as np
import sympy as sp

from spec.xp import ExactArray, ObjectNamespace

_TRACE: list | None = None


@contextlib.contextmanager
def tracing():
    """Record (kind, expression) pairs while formulas are evaluated on this namespace:
    kind is "condition", "denominator", "log", "sqrt" or "kink"; the expression vanishes on the
    boundary of that structure."""
    global _TRACE
    previous, _TRACE = _TRACE, []
    try:
        yield _TRACE
    finally:
        _TRACE = previous


def _note(kind: str, expr) -> None:
    if _TRACE is not None and isinstance(expr, sp.Basic) and expr.free_symbols:
        _TRACE.append((kind, expr))


def _noting(kind: str, f, argument=lambda x: x):
    """The scalar function f that first records ``argument(x)`` as a boundary of this ``kind``."""
    def scalar(x):
        _note(kind, argument(x))
        return f(x)
    return scalar


def exact_number(v):
    """A number as SymPy sees it, exactly: a float is its shortest decimal (1e-6 → 1/10⁶)."""
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, (bool, np.bool_)):
        return sp.Integer(int(v))
    if isinstance(v, (int, np.integer)):
        return sp.Integer(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return sp.nan
        if math.isinf(v):
            return sp.oo if v > 0 else -sp.oo
        return sp.Rational(repr(v))
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return sp.sympify(v)


class SymArray(ExactArray):
    """An object array of SymPy expressions; operators exact, comparisons symbolic."""


_RELATIONS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


def is_condition(v) -> bool:
    """A SymPy truth value (relation, And/Or/Not, true/false), not a number (a Symbol is both)."""
    return isinstance(v, sp.logic.boolalg.Boolean) and not isinstance(v, sp.Expr)


def _as_number(v):
    """A condition used as a number: 1 where it holds, else 0."""
    if is_condition(v):
        return sp.Piecewise((sp.Integer(1), v), (sp.Integer(0), True))
    return v


def symarray(a) -> SymArray:
    return np.asarray(a, dtype=object).view(SymArray)


class SympyNamespace(ObjectNamespace):
    name = "sympy"
    array_class = SymArray
    pi = sp.pi

    @staticmethod
    def number(value):
        return _as_number(exact_number(value))

    def _scalar_operand(self, v, logical):
        if logical:
            return sp.true if v is True or v is np.True_ else sp.false if v is False or v is np.False_ else v
        return self.number(v)

    @staticmethod
    def relation(op, a, b):
        a, b = exact_number(a), exact_number(b)
        _note("condition", a - b)
        return _RELATIONS[op](a, b)

    def _operand(self, a, *, logical=False):
        out = super()._operand(a, logical=logical)
        if not logical and isinstance(out, np.ndarray) and any(is_condition(v) for v in out.flat):
            out = np.frompyfunc(_as_number, 1, 1)(out)
        return out

    def observe(self, ufunc: str, operands) -> None:
        """Record the denominators of a division (and of a negative power)."""
        if _TRACE is None:
            return
        if ufunc in ("true_divide", "divide") and len(operands) == 2:
            for d in np.asarray(operands[1], dtype=object).flat:
                _note("denominator", d)
        elif ufunc == "reciprocal":
            for d in np.asarray(operands[0], dtype=object).flat:
                _note("denominator", d)
        elif ufunc == "power" and len(operands) == 2:
            for b, e in np.broadcast(*[np.asarray(o, dtype=object) for o in operands]):
                if isinstance(e, sp.Basic) and e.is_number and e.is_negative:
                    _note("denominator", b)
                elif isinstance(e, sp.Basic) and e.is_number and not e.is_integer:
                    _note("sqrt", b)

    _exp = staticmethod(sp.exp)
    _log = staticmethod(_noting("log", sp.log))
    _log1p = staticmethod(_noting("log", lambda x: sp.log(1 + x), lambda x: 1 + x))
    _sqrt = staticmethod(_noting("sqrt", sp.sqrt))
    _abs = staticmethod(_noting("kink", sp.Abs))
    _sign = staticmethod(_noting("kink", sp.sign))

    @staticmethod
    def _expm1(x):
        return sp.exp(x) - 1

    _tanh = staticmethod(sp.tanh)
    _cosh = staticmethod(sp.cosh)
    _sinh = staticmethod(sp.sinh)
    _erf = staticmethod(sp.erf)

    @staticmethod
    def _logaddexp(a, b):
        return sp.log(sp.exp(a) + sp.exp(b))

    @staticmethod
    def _add_all(values):
        return sp.Add(*values)

    @staticmethod
    def _ties(values):
        for i, a in enumerate(values):
            for b in values[i + 1:]:
                _note("kink", a - b)

    @staticmethod
    def _first_extreme(values, beats):
        """The first of ``values`` that ``beats`` (≥ for max, ≤ for min) every later one: a Piecewise
        whose derivative at a tie is the first tied entry's, as maximum(a, b) gives it to a."""
        if len(values) == 1:
            return values[0]
        branches = [(v, sp.And(*[beats(v, w) for w in values[j + 1:]])) for j, v in enumerate(values[:-1])]
        return sp.Piecewise(*branches, (values[-1], True))

    @classmethod
    def _max_all(cls, values):
        cls._ties(values)
        return cls._first_extreme(values, sp.Ge)

    @classmethod
    def _min_all(cls, values):
        cls._ties(values)
        return cls._first_extreme(values, sp.Le)

    @staticmethod
    def _maximum(a, b):
        _note("kink", a - b)
        return sp.Piecewise((a, sp.Ge(a, b)), (b, True))

    @staticmethod
    def _minimum(a, b):
        _note("kink", a - b)
        return sp.Piecewise((a, sp.Le(a, b)), (b, True))

    @staticmethod
    def _clip(x, lo, hi):
        _note("kink", x - lo)
        _note("kink", x - hi)
        return sp.Piecewise((lo, sp.Lt(x, lo)), (hi, sp.Gt(x, hi)), (x, True))

    @staticmethod
    def _where(c, a, b):
        if isinstance(c, np.bool_):
            c = bool(c)
        if isinstance(c, sp.Basic) and not is_condition(c):
            c = sp.Ne(c, 0)                    # a number used as a mask: nonzero means True
        return sp.Piecewise((a, c), (b, True))

    @staticmethod
    def _xlogy(a, b):
        _note("log", b)
        return a * sp.log(b)      # differentiable only where a > 0: its derivative at a = 0 is −∞


XP = SympyNamespace()
SymArray.namespace = XP
