"""The one exception gradspec raises for bad input.

Its message is several human lines: what was wrong, where (the spec, the check, the argument),
and how to fix it. The CLI prints it and exits 2; it never shows a traceback.
"""


class GradspecError(ValueError):
    """Bad input to gradspec (unknown spec or input, invalid parameter, malformed callable)."""


class BudgetExceeded(BaseException):
    """A step ran out of its time budget (``derive.budget`` arms the budgets).

    A BaseException, so that SymPy's and user code's ``except Exception`` blocks do not swallow it.
    """


def lines(*parts: str) -> str:
    """Join message lines, indenting every line after the first by two spaces."""
    head, *rest = [p for p in parts if p]
    return "\n".join([head] + ["  " + r for r in rest])
