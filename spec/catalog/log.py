"""log — the natural logarithm, on x > 0.

    y = log x          VJP: x̄ = v / x            (only where x > 0: at 0 the derivative is infinite)

PyTorch: torch.log(x) (which returns −inf at 0 and NaN below).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.conditions import entries_above
from spec.domains import POSITIVE


def forward(x, *, xp):
    return xp.log(x)


def vjp(x, cotangent, *, xp):
    return cotangent / x



def hvp(x, cotangent, tangent, *, xp):
    """log'' = −1/x²."""
    return -cotangent * tangent / (x * x)

SPEC = activation("log", forward, inputs=[Input("x", POSITIVE, "x")],
                  derivatives=[Derivative("x", vjp, ("x_above_0",)),
                               Derivative("x", hvp, ("x_above_0",), kind="hvp")], kind="op",
                  conditions=[entries_above("x", lambda params: 0, label="0")],
                  analogue=Analogue("torch.log", {"x": "input"}))
