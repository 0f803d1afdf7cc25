"""Corners of the gradient (check.audits.corners): where no second derivative exists, a library's H·u
that agrees with one side's value is a convention; any other value there, and every value off a
corner, is judged as before."""
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import derive
from check.audits.auditor import CORNER, audit
from check.audits.corners import Corners, corner_arguments
from check.checks import points as pts
from check.numeric.truth import TruthPlan


def _softsign_taking(at_zero: float):
    """softsign x/(1 + x·S) with S = sign(x) a constant of the graph, S(0) = ``at_zero``: the value and
    gradient are softsign's everywhere; the second derivative −2S/(1 + |x|)³ at 0 is −2·at_zero."""
    import torch

    def f(x):
        s = torch.where(x > 0, 1.0, torch.where(x < 0, -1.0, at_zero)).to(x.dtype).detach()
        return x / (1 + x * s)
    return f


@pytest.mark.parametrize("at_zero, kinds", [
    (0.0, set()),                     # the spec's own convention, sign(0) = 0
    (1.0, {"convention"}),            # the right side's second derivative
    (-1.0, {"convention"}),           # the left side's
    (0.5, {"hvp-wrong"}),             # half of one side: no side's value
])
def test_a_second_derivative_at_a_corner_is_a_convention_only_where_it_is_one_sides(at_zero, kinds):
    r = audit("softsign", _softsign_taking(at_zero), backend="torch", dtype="float64", every_gradient=False)
    assert set(r.counts()) == kinds
    for f in r.findings:
        assert f.inputs["x"][0][0] in ("0.0", "-0.0")           # only at the corner x[0, 0] = 0
        if f.kind == "convention":
            assert CORNER in f.detail and "hvp-wrong" in f.detail


def _hvp_corners(name):
    prob = derive.problem(name, None, None)
    first = prob.spec.input_names[0]
    plan = TruthPlan.build(prob, "hvp", first, True)
    return prob, plan, Corners.build(plan, first)


def _point(prob, plan, values):
    point_values = {n: np.vectorize(Fraction, otypes=[object])(np.asarray(values[n], dtype=object))
                    for n in prob.spec.input_names}
    extras = {}
    for name, arr in plan.op.extras:
        extras[name] = np.full(np.shape(arr), Fraction(1), dtype=object)
    return pts.Point(point_values, "given", extras)


def _sides(plan, corners, point):
    return corners.sides(point, "float64", plan.gradient(point, "float64")[1])


def test_sides_exist_only_on_a_corner_and_differ_only_where_the_gradient_has_one():
    prob, plan, corners = _hvp_corners("softsign")
    x = np.array([[0, 1, -2], [3, -1, 2]], dtype=object)
    on = _sides(plan, corners, _point(prob, plan, {"x": x}))
    assert len(on) == 2 and on[0][0][0] != on[1][0][0]           # −2 and +2 (times v·u = 1)
    assert _sides(plan, corners, _point(prob, plan, {"x": x + 10})) == []           # no entry 0
    # huber at r = p − t = 0: |r| is a corner argument, but the Hessian is smooth there: both sides equal
    prob, plan, corners = _hvp_corners("huber")
    p = np.array([[0, Fraction(1, 2), 3], [1, 2, 4]], dtype=object)
    t = np.array([[0, 0, 0], [Fraction(1, 3), 0, 0]], dtype=object)
    sides = _sides(plan, corners, _point(prob, plan, {"predicted": p, "target": t}))
    assert len(sides) == 2 and np.array_equal(sides[0][0], sides[1][0])


def test_corner_arguments_are_taken_up_to_sign_and_constants_are_not_corners():
    x, y = sp.symbols("x y", real=True)
    found = corner_arguments([sp.sign(x - y) + sp.Abs(y - x), sp.Piecewise((1, x > 2), (0, True)),
                              sp.sign(sp.Integer(3))], kinks=[-x])
    assert len(found) == 3 and set(found) in ({x, x - 2, x - y}, {x, x - 2, y - x})
