"""The mpmath ``xp`` namespace at an explicit precision, in a context of its own.

    xp = MpmathNamespace(50)      # 50 significant digits; mpmath's global mp.dps is never touched
    xp.exp(xp.asarray(...))

Each namespace owns an ``mpmath.MPContext``: its numbers carry their context's precision, so two
checks at different precisions never interfere and no global state is changed.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

import operator

from spec.xp import ExactArray, ObjectNamespace

_RELATIONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
              "!=": operator.ne}


class MpmathNamespace(ObjectNamespace):
    name = "mpmath"

    def __init__(self, dps: int):
        self.dps = dps
        # arrays of this namespace: a float meeting them is its decimal value, as on SymPy and arb
        self.array_class = type("MpmathArray", (ExactArray,), {"namespace": self})
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        c = self.ctx
        self._exp, self._log, self._sqrt, self._tanh = c.exp, c.log, c.sqrt, c.tanh
        self._cosh, self._sinh, self._log1p, self._expm1 = c.cosh, c.sinh, c.log1p, c.expm1
        self._abs, self._sign = c.fabs, c.sign
        self.pi = c.pi

    @property
    def namespace(self) -> dict:
        """This context's functions by name, for ``sympy.lambdify``."""
        return {n: getattr(self.ctx, n) for n in dir(self.ctx) if not n.startswith("_")}

    def number(self, value):
        """An exact input (Fraction, int, bool, or a float meaning its decimal) at this precision."""
        if isinstance(value, Fraction):
            return self.ctx.mpf(value.numerator) / value.denominator
        if isinstance(value, (float, np.floating)):
            return self.ctx.mpf(repr(float(value)))
        if isinstance(value, (int, np.integer, bool, np.bool_)):
            return self.ctx.mpf(int(value))
        return value

    @staticmethod
    def relation(op, a, b):
        return bool(_RELATIONS[op](a, b))

    def array(self, arr) -> np.ndarray:
        return self._map(self.number, np.asarray(arr, dtype=object))

    def _add_all(self, values):
        return self.ctx.fsum(values)

    @staticmethod
    def _max_all(values):
        return max(values)

    @staticmethod
    def _min_all(values):
        return min(values)

    @staticmethod
    def _maximum(a, b):
        return a if a >= b else b

    @staticmethod
    def _minimum(a, b):
        return a if a <= b else b

    @staticmethod
    def _clip(x, lo, hi):
        return lo if x < lo else hi if x > hi else x

    @staticmethod
    def _where(c, a, b):
        return a if c else b

    def _xlogy(self, a, b):
        return self.ctx.zero if a == 0 else a * self.ctx.log(b)
