"""The arb ``xp`` namespace: ball arithmetic (python-flint), rigorous, at an explicit precision.

    with precision(128):                       # bits; flint's own context, restored on exit
        xp = ARB
        y = spec.forward(*[xp.array(a) for a in inputs], xp=xp, ...)   # arrays of arb balls

An arb is a ball [m ± r] certain to hold the exact value of what was computed, so a single
evaluation tells how many of its digits are right: no second precision is needed to trust it.

Comparisons are *decided* or refused: ``x < y`` on two overlapping balls is neither true nor
false, and arb's own operators answer False for both.  Here every comparison (array comparisons,
``where``, ``maximum``, ``clip``, ``sign``, the max of a row) goes through ``decide``, which
raises ``Undecided`` when the balls cannot tell — the caller raises the precision and tries
again.  Division by zero and log of a non-positive number give a NaN ball (arb's convention),
never an exception.

Precision is never set globally for longer than a ``with precision(bits)`` block.
"""
from __future__ import annotations

import contextlib
import operator
from fractions import Fraction

import numpy as np
from flint import arb, ctx, fmpq

from spec.xp import ObjectNamespace


class Undecided(Exception):
    """A comparison of two balls that overlap: more precision is needed to decide it."""


@contextlib.contextmanager
def precision(bits: int):
    """Evaluate arb arithmetic at ``bits`` of working precision inside the block."""
    with ctx.workprec(int(bits)):
        yield


def to_arb(v) -> arb:
    """An exact number (Fraction, int, float, numpy scalar) or an arb, as an arb at the current precision."""
    if isinstance(v, arb):
        return v
    if isinstance(v, Fraction):
        return arb(fmpq(v.numerator, v.denominator))
    if isinstance(v, (bool, np.bool_)):
        return arb(int(v))
    if isinstance(v, (int, np.integer)):
        return arb(int(v))
    if isinstance(v, (float, np.floating)):
        return arb(float(v))                      # a binary float is exact in arb
    raise TypeError(f"cannot make an arb of {type(v).__name__}")


_OPS = {"<": (operator.lt, operator.ge), "<=": (operator.le, operator.gt), ">": (operator.gt, operator.le),
        ">=": (operator.ge, operator.lt), "==": (operator.eq, operator.ne), "!=": (operator.ne, operator.eq)}


def decide(op: str, a, b) -> bool:
    """``a op b`` for balls: True or False when certain, else Undecided."""
    yes, no = _OPS[op]
    a, b = to_arb(a), to_arb(b)
    if yes(a, b):
        return True
    if no(a, b):
        return False
    raise Undecided(f"{a} {op} {b}")


def extreme(values, op: str):
    """The first of ``values`` that no later one beats under ``op`` (">" the max, "<" the min), every
    comparison decided: ties keep the earlier value."""
    best = values[0]
    for v in values[1:]:
        if decide(op, v, best):
            best = v
    return best


def sign(x) -> int:
    if decide(">", x, 0):
        return 1
    if decide("<", x, 0):
        return -1
    return 0                                      # decided: x == 0 exactly (else Undecided was raised)


class ArbArray(np.ndarray):
    """An object array of arb balls whose comparisons are decided (or raise Undecided)."""

    def _cmp(self, other, op):
        return np.asarray(np.frompyfunc(lambda a, b: decide(op, a, b), 2, 1)(self, other), dtype=object)

    def __lt__(self, other):
        return self._cmp(other, "<")

    def __le__(self, other):
        return self._cmp(other, "<=")

    def __gt__(self, other):
        return self._cmp(other, ">")

    def __ge__(self, other):
        return self._cmp(other, ">=")


class ArbNamespace(ObjectNamespace):
    """The xp protocol on arb balls; the kink conventions of spec.xp (ties to the first argument)."""

    name = "arb"

    def _wrap(self, a):
        return np.asarray(a, dtype=object).view(ArbArray)

    @staticmethod
    def number(value):
        return to_arb(value)

    def array(self, arr) -> np.ndarray:
        return self._map(to_arb, np.asarray(arr, dtype=object))

    @property
    def pi(self):
        return arb.pi()                            # at the working precision of the caller's block

    _exp = staticmethod(lambda x: to_arb(x).exp())
    _log = staticmethod(lambda x: to_arb(x).log())
    _log1p = staticmethod(lambda x: to_arb(x).log1p())
    _expm1 = staticmethod(lambda x: to_arb(x).expm1())
    _sqrt = staticmethod(lambda x: to_arb(x).sqrt())
    _tanh = staticmethod(lambda x: to_arb(x).tanh())
    _cosh = staticmethod(lambda x: to_arb(x).cosh())
    _sinh = staticmethod(lambda x: to_arb(x).sinh())
    _abs = staticmethod(lambda x: abs(to_arb(x)))
    _sign = staticmethod(sign)

    @staticmethod
    def _add_all(values):
        total = arb(0)
        for v in values:
            total += v
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
        return arb(0) if decide("==", a, 0) else to_arb(a) * to_arb(b).log()


ARB = ArbNamespace()
