"""The one exception gradspec raises for bad input.

Its message is several human lines: what was wrong, where (the spec, the check, the argument),
and how to fix it. The CLI prints it and exits 2; it never shows a traceback.
"""


class GradspecError(ValueError):
    """Bad input to gradspec (unknown spec or input, invalid parameter, malformed callable)."""


def lines(*parts: str) -> str:
    """Join message lines, indenting every line after the first by two spaces."""
    head, *rest = [p for p in parts if p]
    return "\n".join([head] + ["  " + r for r in rest])
