"""check.proof.linear: infeasibility of linear relations over the reals, exact (True is a proof)."""
import itertools
import random
from fractions import Fraction

import pytest
import sympy as sp

from check.proof.linear import infeasible, linear_form

x, y, z, t = sp.symbols("x y z t", real=True)


@pytest.mark.parametrize("relations", [
    [(x - y, ">="), (y - x, ">")],                       # x ≥ y and y > x
    [(x, ">"), (-x, ">=")],                              # x > 0 and x ≤ 0
    [(x - y, ">="), (y - z, ">="), (z - x, ">")],        # a chain closed by a strict step
    [(x - y, "=="), (x - y, ">")],
    [(x - y, "!="), (x - y, "==")],                      # ≠ splits into < and >: both infeasible
    [(x * t - 1, ">="), (-x * t, ">")],                  # a product as one unknown
    [(2 * x + 3 * y - 1, ">"), (-4 * x - 6 * y + 2, ">=")],
    [(x - sp.Rational(1, 3), ">"), (sp.Rational(1, 3) - x, ">")],
])
def test_infeasible_systems_are_shown_infeasible(relations):
    assert infeasible(relations)


@pytest.mark.parametrize("relations", [
    [(x, ">"), (1 - x, ">")],                            # 0 < x < 1
    [(x, ">="), (-x, ">=")],                             # x = 0
    [(x - y, ">="), (y - z, ">="), (z - x, ">=")],       # all equal
    [(x, "!=")],
    [(x - 1, ">="), (t - 1, ">="), (1 - x * t, ">")],    # infeasible, but only through x·t = x times t:
                                                         # the relaxation cannot see it (not shown)
    [(sp.sqrt(2) * x - 1, ">"), (-x, ">")],              # √2·x is an unknown of its own: not seen
    [(sp.exp(x), ">")],
])
def test_feasible_or_not_understood_systems_are_not_called_infeasible(relations):
    assert not infeasible(relations)


def test_linear_form_reads_products_as_unknowns_and_refuses_what_is_not_real():
    coeffs, const = linear_form(2 * x * (1 - t) - 3)
    assert coeffs == {x: 2, x * t: -2} and const == -3
    assert linear_form(sp.pi * x + 1) == ({sp.pi * x: 1}, 1)
    assert linear_form(x + sp.I * y) is None and linear_form(sp.Symbol("w") - 1) is None


def _holds(point, e, op):
    v = e.subs(point)
    return {">": v > 0, ">=": v >= 0, "==": v == 0, "!=": v != 0}[op]


@pytest.mark.parametrize("seed", range(40))
def test_never_calls_a_system_with_a_solution_infeasible(seed):
    # random small systems in x, y: any grid point satisfying all of them means "infeasible" is wrong
    rng = random.Random(seed)
    relations = []
    for _ in range(rng.randint(2, 5)):
        a, b, c = (rng.randint(-3, 3) for _ in range(3))
        relations.append((a * x + b * y + c, rng.choice([">", ">=", ">=", "==", "!="])))
    grid = [Fraction(k, 2) for k in range(-8, 9)]
    solved = any(all(_holds({x: sp.Rational(p), y: sp.Rational(q)}, e, op) for e, op in relations)
                 for p, q in itertools.product(grid, grid))
    if solved:
        assert not infeasible(relations)
