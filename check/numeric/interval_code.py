"""SymPy expressions compiled to vectorised interval functions (check.numeric.intervals): the same
source as the arb truth (check.numeric.arb_code.source: common subexpressions once, exact
constants, decided comparisons), printed for ``Iv`` arrays, so one call evaluates every point.

    fn = compile_intervals(symbols, exprs)          # None when an expression has no interval form
    values = fn(*[Iv.point(column) for column in points.T])   # one Iv per expression

A Piecewise becomes ``_piecewise((value, condition), …)`` — every branch is computed at every point
and a branch is taken only where its condition is certain (``intervals.piecewise``); ``And``, ``Or``
and ``Not`` combine the certain answers.  Printing runs under ``derive.budget``.
"""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np

from derive import budget

from check.numeric import intervals as I
from check.numeric.arb_code import COMPILE_SECONDS, ArbPrinter, source

NAMESPACE = {
    "_q": lambda p, q: I.Iv.const(Fraction(p, q)), "_decide": I.decide,
    "_pow": I.power, "_max": lambda *a: I.extreme(a, ">"), "_min": lambda *a: I.extreme(a, "<"),
    "_sign": lambda x: I.sign(I.iv(x)), "_sqrt": lambda x: I.sqrt(I.iv(x)),
    "_rsqrt": lambda x: I.Iv.const(1) / I.sqrt(I.iv(x)),
    "_exp": lambda x: I.exp(I.iv(x)), "_log": lambda x: I.log(I.iv(x)), "_abs": lambda x: I.absolute(I.iv(x)),
    "_tanh": lambda x: I.tanh(I.iv(x)), "_cosh": lambda x: I.cosh(I.iv(x)), "_sinh": lambda x: I.sinh(I.iv(x)),
    "_erf": lambda x: I.erf(I.iv(x)), "_pi": I.pi, "_e": I.e,
    "_heaviside": lambda x, z: I.heaviside(I.iv(x), I.iv(z)),
    "_nan": I.Iv(np.nan, np.nan), "_inf": I.Iv(np.inf, np.inf),
    "_piecewise": I.piecewise, "_and": I.both, "_or": I.either, "_not": I.negation,
}


class IntervalPrinter(ArbPrinter):
    """ArbPrinter's source with branches and logic that work on whole arrays."""

    def _print_Piecewise(self, expr):
        pairs = ", ".join(f"({self._print(e)}, {self._print(c)})" for e, c in expr.args)
        return f"_piecewise({pairs})"

    def _print_And(self, expr):
        return f"_and({', '.join(self._print(a) for a in expr.args)})"

    def _print_Or(self, expr):
        return f"_or({', '.join(self._print(a) for a in expr.args)})"

    def _print_Not(self, expr):
        return f"_not({self._print(expr.args[0])})"

    def _print_ITE(self, expr):
        c, a, b = expr.args
        return f"_piecewise(({self._print(a)}, {self._print(c)}), ({self._print(b)}, True))"


def _source_or_none(symbols, exprs):
    try:
        return source(symbols, exprs, IntervalPrinter)
    except NotImplementedError:                 # a function with no interval form: no fast tier here
        return None


@functools.lru_cache(maxsize=128)
def _compiled(symbols: tuple, exprs: tuple):
    src, why = budget.run(COMPILE_SECONDS, _source_or_none, symbols, exprs)
    if src is None:
        return None
    ns = dict(NAMESPACE)
    exec(compile(src, "<gradspec interval truth>", "exec"), ns)
    return ns["_truth"]


def compile_intervals(symbols, exprs):
    """A function of one ``Iv`` per symbol returning one ``Iv`` per entry of ``exprs``; None when an
    expression has no interval form or printing it ran out of its budget."""
    return _compiled(tuple(symbols), tuple(np.asarray(exprs, dtype=object).flat))
