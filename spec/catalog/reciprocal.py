"""reciprocal — 1/x, on x ≠ 0.

    y = 1 / x          VJP: x̄ = −v / x²          (only where x ≠ 0)

PyTorch: torch.reciprocal(x).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.conditions import entries_nonzero
from spec.domains import NONZERO


def forward(x, *, xp):
    return 1 / x


def vjp(x, cotangent, *, xp):
    return -cotangent / x ** 2



def hvp(x, cotangent, tangent, *, xp):
    """(1/x)'' = 2/x³."""
    return 2 * cotangent * tangent / (x * x * x)

SPEC = activation("reciprocal", forward, inputs=[Input("x", NONZERO, "x")],
                  derivatives=[Derivative("x", vjp, ("x_nonzero",)),
                               Derivative("x", hvp, ("x_nonzero",), kind="hvp")], kind="op",
                  conditions=[entries_nonzero("x")], analogue=Analogue("torch.reciprocal", {"x": "input"}))
