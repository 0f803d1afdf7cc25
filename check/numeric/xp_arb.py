"""The rigorous ``xp`` namespace: arrays of exact-or-ball reals (check.numeric.real), at an explicit precision.

    with precision(1280):                      # bits, for the balls; flint's own context, restored on exit
        xp = ARB
        y = spec.forward(*[xp.array(a) for a in inputs], xp=xp, ...)   # arrays of Reals

A value stays an exact rational while the formula computes rationally and becomes a ball [m ± r]
(python-flint's arb, certain to hold the exact value) at the first transcendental step, so a single
evaluation tells how many of its digits are right.  Python numbers are exact (a float is its
decimal value), every function returns the namespace's own numbers (``where(c, 1, 0)`` gives
exact 1 and 0), and a division by an exact 0 is ±inf or nan, as in NumPy: harmless in a branch
``where`` discards, a finding in the branch it keeps.

Comparisons are *decided* or refused: ``x < y`` on two overlapping balls raises ``Undecided``
(the caller raises the precision and tries again), and ``x == y`` on exact values is exact.
Kink conventions as spec.xp: maximum/minimum send ties to the first argument, clip passes x at its
bounds, sign(0) = 0, xlogy(0, y) = 0.
"""
from __future__ import annotations

import numpy as np

from spec.xp import ExactArray, ObjectNamespace

from check.numeric import real as R
from check.numeric.real import Undecided, decide, extreme, precision, to_arb

__all__ = ["ARB", "ArbArray", "ArbNamespace", "Undecided", "decide", "precision", "to_arb"]


class ArbArray(ExactArray):
    """An object array of Reals whose comparisons are decided (or raise Undecided)."""


class ArbNamespace(ObjectNamespace):
    """The xp protocol on exact-or-ball reals."""

    name = "arb"
    array_class = ArbArray

    number = staticmethod(R.real)

    @staticmethod
    def relation(op, a, b):
        return R.compare(op, R.real(a), R.real(b))

    def array(self, arr) -> np.ndarray:
        return self.asarray(arr)

    @property
    def pi(self):
        return R.pi()                               # at the working precision of the caller's block

    _exp = staticmethod(R.exp)
    _log = staticmethod(R.log)
    _log1p = staticmethod(R.log1p)
    _expm1 = staticmethod(R.expm1)
    _sqrt = staticmethod(R.sqrt)
    _tanh = staticmethod(R.tanh)
    _cosh = staticmethod(R.cosh)
    _sinh = staticmethod(R.sinh)
    _erf = staticmethod(R.erf)

    @staticmethod
    def _logaddexp(a, b):
        return R.log(R.add(R.exp(R.real(a)), R.exp(R.real(b))))     # arb's exponent range: no overflow
    _abs = staticmethod(R.absolute)
    _sign = staticmethod(R.sign)

    @staticmethod
    def _add_all(values):
        total = R.ZERO
        for v in values:
            total = R.add(total, R.real(v))
        return total

    @staticmethod
    def _max_all(values):
        return extreme(values, ">")

    @staticmethod
    def _min_all(values):
        return extreme(values, "<")

    @staticmethod
    def _maximum(a, b):
        return a if decide(">=", a, b) else b

    @staticmethod
    def _minimum(a, b):
        return a if decide("<=", a, b) else b

    @staticmethod
    def _clip(x, lo, hi):
        return lo if decide("<", x, lo) else hi if decide(">", x, hi) else x

    @staticmethod
    def _where(c, a, b):
        return a if c else b

    @staticmethod
    def _xlogy(a, b):
        return R.ZERO if decide("==", a, 0) else R.mul(a, R.log(b))


ARB = ArbNamespace()
ArbArray.namespace = ARB
