"""Corners of the gradient: points where H·u has no classical value, and its one-sided values there.

    corners = Corners.build(hvp_plan, "x")            # from the audit's H·u truth (check.numeric.truth)
    sides = corners.sides(point, "float32", scales)   # [(values, scales), ...]: one per side, [] off a corner

The gradient has a corner where an argument a of a sign, Heaviside or Abs in derive's Hessian, of a
relation in one of its branch conditions, or of a Dirac delta derive dropped from it (a jump of the
gradient: ``derive.higher.kink_set``) is exactly 0 at the point (decided exactly: a ball holding 0
is not a corner).  There the second derivative does not exist; the spec's own value follows SymPy's
conventions (sign(0) = 0) and a library's double backward takes some side — JAX's abs'(0) = 1.
``sides`` gives H·u's value on each side: every zero argument a taken positive or negative
(sign(a) → ±1, Heaviside(a) → 1 or 0, Abs(a) → ±a, each relation on a decided), correctly rounded
to the format as the truth is.  An audit calls a library's H·u that agrees with one side a
convention, not a finding; a value no side gives (JAX's max/min split a tie's derivative evenly: a
quarter of one side's second derivative) stays a finding.  At most ``MAX_ZERO_ARGUMENTS`` arguments
zero at once (2^k sides); past that the point is judged against the spec's value alone.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive import dag
from derive.higher import kink_set

from check.checks.kinds import flat_symbols
from check.numeric import real as R
from check.numeric.arb_code import compile_arb
from check.numeric.rounding import rounded_truth

MAX_ZERO_ARGUMENTS = 3


def _canonical(a):
    """a up to sign: (a', s) with a = s·a'."""
    return (-a, -1) if a.could_extract_minus_sign() else (a, 1)


def corner_arguments(exprs, kinks=()) -> list:
    """The arguments (up to sign) whose zeros are corners of the gradient, in a fixed order."""
    found = [_canonical(sp.sympify(k))[0] for k in kinks]
    for node in dag.preorder([sp.sympify(e) for e in exprs]):
        if isinstance(node, (sp.sign, sp.Heaviside, sp.Abs)):
            found.append(_canonical(node.args[0])[0])
        elif isinstance(node, sp.core.relational.Relational):
            found.append(_canonical(node.lhs - node.rhs)[0])
    out = [a for a in dict.fromkeys(found) if a.free_symbols]
    return sorted(out, key=sp.default_sort_key)


def _side(expr, a, s: int):
    """``expr`` on the side of a's zero where a has sign ``s`` (±1)."""
    def rule(node):
        if isinstance(node, (sp.sign, sp.Heaviside, sp.Abs)):
            b, k = _canonical(node.args[0])
            if b == a:
                sign = s * k
                if isinstance(node, sp.sign):
                    return sp.Integer(sign)
                if isinstance(node, sp.Heaviside):
                    return sp.Integer(1 if sign > 0 else 0)
                return sign * node.args[0]
        if isinstance(node, sp.core.relational.Relational):
            b, k = _canonical(node.lhs - node.rhs)
            if b == a:                               # lhs − rhs = k·a, of sign k·s: decided
                probe = node.func(sp.Integer(k * s), 0)
                return sp.true if probe else sp.false
        return None
    return expr.replace(lambda n: rule(n) is not None, rule)


@dataclass(frozen=True)
class Corners:
    plan: object                  # check.numeric.truth.TruthPlan of H·u
    arguments: tuple              # the corner arguments (SymPy)
    locate: object | None         # compiled: point values -> the arguments' Reals

    @classmethod
    def build(cls, hvp_plan, wrt: str) -> "Corners":
        """From the H·u truth of the Hessian w.r.t. input ``wrt``."""
        prob, op = hvp_plan.prob, hvp_plan.op
        truth = list(np.asarray(op.truth, dtype=object).flat)
        kinks = kink_set(prob.spec.name, wrt, shape=prob.shape, params=prob.params)
        args = tuple(corner_arguments(truth, kinks))
        symbols = flat_symbols(prob, op.extra_symbols)
        return cls(hvp_plan, args, compile_arb(symbols, args) if args else None)

    def zero_at(self, point) -> list:
        """The corner arguments exactly 0 at ``point`` (the H·u point: inputs, then its extras)."""
        if self.locate is None:
            return []
        values = [R.real(v) for v in self.locate(*[R.real(v) for v in point.values_flat])]
        return [a for a, v in zip(self.arguments, values) if v.exact and v.fraction() == 0]

    def sides(self, point, dtype: str, scales) -> list:
        """[(H·u on one side, correctly rounded to ``dtype``; ``scales``)] for each side of the corners
        at ``point``; [] where it is on none, or on more than MAX_ZERO_ARGUMENTS.  ``scales``: the
        H·u truth's magnitudes at the point (``TruthPlan.gradient``'s second item), which the sides
        are rounded and judged against."""
        zeros = self.zero_at(point)
        if not zeros or len(zeros) > MAX_ZERO_ARGUMENTS:
            return []
        truth = list(np.asarray(self.plan.op.truth, dtype=object).flat)
        symbols = flat_symbols(self.plan.prob, self.plan.op.extra_symbols)
        out = []
        for signs in itertools.product((1, -1), repeat=len(zeros)):
            side = truth
            for a, s in zip(zeros, signs):
                side = [_side(sp.sympify(e), a, s) for e in side]
            fn = compile_arb(symbols, side)
            values = rounded_truth(lambda: fn(*[R.real(v) for v in point.values_flat]), len(side), dtype, scales)
            out.append((values, scales))
        return out
