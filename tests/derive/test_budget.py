"""The time budget that keeps SymPy from hanging (derive.budget)."""
import time

import pytest
import sympy as sp

from derive import budget

x, y = sp.symbols("x y", real=True)


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
