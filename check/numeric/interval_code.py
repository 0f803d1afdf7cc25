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
from collections import Counter
from fractions import Fraction

import numpy as np
import sympy as sp

from derive import budget

from check.numeric import intervals as I
from check.numeric import scaled as S
from check.numeric import shifted as H
from check.numeric.arb_code import COMPILE_SECONDS, ArbPrinter, source

#: The enclosures a function can be compiled for: plain float64 intervals; scaled ones ([lo, hi]·2^e,
#: past float64's range); shifted ones (s·e^d, past scaled's exact exponents).
MODULES = {"plain": I, "scaled": S, "shifted": H}
CONVERSIONS = {"plain": I.iv, "scaled": S.sv, "shifted": H.hv}


def _namespace(kind: str) -> dict:
    """The compiled code's names on the module of ``kind`` (``MODULES``): every argument converted
    to the module's enclosure first (``iv`` / ``sv`` / ``hv``: a constant, a plain interval)."""
    m, conv = MODULES[kind], CONVERSIONS[kind]

    def unary(f):
        return lambda x: f(conv(x))
    ns = {f"_{name}": unary(getattr(m, fn)) for name, fn in (
        ("sign", "sign"), ("sqrt", "sqrt"), ("exp", "exp"), ("log", "log"), ("abs", "absolute"), ("tanh", "tanh"),
        ("cosh", "cosh"), ("sinh", "sinh"), ("erf", "erf"))}
    ns.update({
        "_q": lambda p, q: conv(Fraction(p, q)), "_decide": m.decide, "_pow": lambda b, k: m.power(conv(b), k),
        "_max": lambda *a: m.extreme(a, ">"), "_min": lambda *a: m.extreme(a, "<"),
        "_rsqrt": lambda x: 1 / m.sqrt(conv(x)), "_pi": m.pi, "_e": m.e,
        "_heaviside": lambda x, z: m.heaviside(conv(x), conv(z)), "_piecewise": m.piecewise,
        "_nan": conv(I.Iv(np.nan, np.nan)), "_inf": conv(I.Iv(np.inf, np.inf)),
        "_and": I.both, "_or": I.either, "_not": I.negation,
        "_sum": I.total if m is I else (lambda *terms: functools.reduce(lambda a, b: a + b, map(conv, terms))),
    })
    return ns


def _common_factor(terms) -> list:
    """The non-numeric factors (with multiplicity) every term of a sum has, in the first term's
    order: a·b + a·c → [a]."""
    counts = [Counter(sp.Mul.make_args(t)) for t in terms]
    common = functools.reduce(lambda a, b: a & b, counts)
    return [f for f in sp.Mul.make_args(terms[0]) if not f.is_Number and common[f] > 0
            for _ in range(common.pop(f))]


class IntervalPrinter(ArbPrinter):
    """ArbPrinter's source with branches and logic that work on whole arrays, and a sum whose terms
    share factors printed with them taken out (a·b + a·c as a·(b + c): the same real number, one
    product where there were many — products are the costly operation on enclosures, and the
    factored form's enclosure is as tight or tighter); a sum of three or more terms as one ``_sum``
    (intervals.total: one outward step for the whole sum)."""

    def _print_Add(self, expr, order=None):
        common = _common_factor(expr.args)
        if not common:
            if len(expr.args) < 3:
                return super()._print_Add(expr, order=order)
            return f"_sum({', '.join(self._print(t) for t in expr.args)})"
        taken = Counter(common)
        rest = sp.Add(*[sp.Mul(*(Counter(sp.Mul.make_args(t)) - taken).elements()) for t in expr.args])
        return f"({' * '.join(self._print(f) for f in common)}) * ({self._print(rest)})"

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
def _printed(symbols: tuple, exprs: tuple):
    """The source of ``exprs`` (None: no interval form, or past the budget): printed once for every
    kind of enclosure, which only the namespace it runs in tells apart."""
    src, why = budget.run(COMPILE_SECONDS, _source_or_none, symbols, exprs)
    return src


@functools.lru_cache(maxsize=128)
def _compiled(symbols: tuple, exprs: tuple, kind: str):
    src = _printed(symbols, exprs)
    if src is None:
        return None
    return from_source(src, kind)


@functools.lru_cache(maxsize=64)
def from_source(src: str, kind: str = "plain"):
    """The interval function of the source ``compile_intervals`` printed (its ``source`` attribute):
    how a Dask worker (check.numeric.fast_truth) compiles the function it was sent as text."""
    ns = _namespace(kind)
    exec(compile(src, "<gradspec interval truth>", "exec"), ns)
    fn = ns["_truth"]
    fn.source = src
    return fn


def compile_intervals(symbols, exprs, kind: str = "plain"):
    """A function of one ``Iv`` per symbol returning one ``Iv`` per entry of ``exprs`` (``kind``
    "scaled": of ``scaled.Sv``s — enclosures with exponents of their own, for values past float64;
    "shifted": of ``shifted.Hv``s, s·e^d, for e^x past scaled's exponents); None when an expression
    has no interval form or printing it ran out of its budget."""
    if kind not in MODULES:
        raise ValueError(f"kind must be one of {sorted(MODULES)}, got {kind!r}")
    return _compiled(tuple(symbols), tuple(np.asarray(exprs, dtype=object).flat), kind)
