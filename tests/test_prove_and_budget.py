"""The prover's steps and the time budget that keeps SymPy from hanging."""
import time

import pytest
import sympy as sp

from check.proof.prove import prove_zero, unsatisfiable
from derive import budget

x, y = sp.symbols("x y", real=True)


def test_proves_cancellation():
    assert prove_zero(sp.exp(x) / (sp.exp(x) + sp.exp(y)) + sp.exp(y) / (sp.exp(x) + sp.exp(y)) - 1, 2)[0]


def test_never_proves_a_nonzero_expression():
    for e in (x - y, sp.exp(x) - 1, sp.Piecewise((1, x > 0), (0, True)), sp.log(1 + sp.exp(x)) - x):
        ok, why = prove_zero(e, 1)
        assert not ok and why


def test_unreachable_branches_are_discharged_exactly():
    assert unsatisfiable(sp.And(x < 1, x >= 1))
    assert unsatisfiable(sp.And(sp.Abs(x - y) < 1, sp.Abs(x - y) > 2))
    assert not unsatisfiable(sp.And(x < 1, x > 0))
    assert not unsatisfiable(sp.And(x < 1, y > 2))       # two generalised symbols: not decided


def test_piecewise_branch_by_branch():
    e = sp.Piecewise((x, x > 0), (0, True)) - sp.Piecewise((0, x <= 0), (x, True))
    assert prove_zero(e, 2)[0]


def test_budget_interrupts_a_long_sympy_call():
    a, b, c = sp.symbols("a b c")
    slow = (a + b + c + 1) ** 14 - (a + 2 * b + c - 1) ** 13      # cheap to build, slow to factor
    start = time.monotonic()
    value, why = budget.run(0.3, lambda: sp.factor(sp.expand(slow)))
    assert value is None and "budget" in why
    assert time.monotonic() - start < 2


def test_budget_returns_values_and_reraises_errors():
    assert budget.run(5, sp.simplify, sp.sin(x) ** 2 + sp.cos(x) ** 2) == (1, None)
    with pytest.raises(ZeroDivisionError):
        budget.run(5, lambda: 1 / 0)


def test_nested_budgets_keep_the_tighter_deadline():
    start = time.monotonic()
    with pytest.raises(budget.BudgetExceeded):
        with budget.budget(5):
            with budget.budget(0.2):
                while True:
                    sp.expand((x + y) ** 30)
    assert time.monotonic() - start < 2
