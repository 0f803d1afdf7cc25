"""The SymPy ``xp`` namespace: evaluating a formula on arrays of symbols gives its closed form.

Arrays are ``SymArray`` (a NumPy object array whose comparisons stay symbolic: ``x > 0`` gives
an array of SymPy relations rather than failing to decide their truth).

Selections become Piecewise expressions whose conditions carry the kink conventions of
``spec.xp``: maximum(a, b) = a where a ≥ b; clip passes x at its bounds; where(c, a, b) = a where c.
Abs differentiates to sign, with sign(0) = 0.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from spec.xp import ObjectNamespace


class SymArray(np.ndarray):
    """An object array of SymPy expressions with symbolic comparisons."""

    def _cmp(self, other, op):
        return np.asarray(np.frompyfunc(op, 2, 1)(self, other), dtype=object).view(SymArray)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: sp.Lt(a, b))

    def __le__(self, other):
        return self._cmp(other, lambda a, b: sp.Le(a, b))

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: sp.Gt(a, b))

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: sp.Ge(a, b))


def symarray(a) -> SymArray:
    return np.asarray(a, dtype=object).view(SymArray)


class SympyNamespace(ObjectNamespace):
    name = "sympy"

    def _wrap(self, a):
        return symarray(a)

    number = staticmethod(sp.sympify)
    pi = sp.pi

    _exp = staticmethod(sp.exp)
    _log = staticmethod(sp.log)
    _sqrt = staticmethod(sp.sqrt)
    _abs = staticmethod(sp.Abs)
    _sign = staticmethod(sp.sign)
    _tanh = staticmethod(sp.tanh)
    _cosh = staticmethod(sp.cosh)
    _sinh = staticmethod(sp.sinh)

    @staticmethod
    def _log1p(x):
        return sp.log(1 + x)

    @staticmethod
    def _expm1(x):
        return sp.exp(x) - 1

    @staticmethod
    def _add_all(values):
        return sp.Add(*values)

    @staticmethod
    def _max_all(values):
        return sp.Max(*values)

    @staticmethod
    def _min_all(values):
        return sp.Min(*values)

    @staticmethod
    def _maximum(a, b):
        return sp.Piecewise((a, sp.Ge(a, b)), (b, True))

    @staticmethod
    def _minimum(a, b):
        return sp.Piecewise((a, sp.Le(a, b)), (b, True))

    @staticmethod
    def _clip(x, lo, hi):
        return sp.Piecewise((lo, sp.Lt(x, lo)), (hi, sp.Gt(x, hi)), (x, True))

    @staticmethod
    def _where(c, a, b):
        return sp.Piecewise((a, c), (b, True))

    @staticmethod
    def _xlogy(a, b):
        return a * sp.log(b)      # differentiable only where a > 0: its derivative at a = 0 is −∞


XP = SympyNamespace()
