"""safediv — x / (y + eps) (the seeds' safedivSpec), on y ≥ 0.

    z = x / (y + eps)
    VJP: x̄ = v / (y + eps),   ȳ = −v x / (y + eps)²        (only where y > −eps)

PyTorch: no primitive; x / (y + eps) as user code writes it.
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.conditions import entries_above
from spec.domains import NONNEGATIVE, REAL
from spec.entry import positive


def forward(x, y, *, xp, eps):
    return x / (y + eps)


def vjp_x(x, y, cotangent, *, xp, eps):
    return cotangent / (y + eps)


def vjp_y(x, y, cotangent, *, xp, eps):
    return -cotangent * x / (y + eps) ** 2



def hvp_y(x, y, cotangent, tangent, *, xp, eps):
    """∂²/∂y² of v x / (y + eps) along u: 2 v x u / (y + eps)³ (x / (y + eps) is linear in x: its HVP in x is 0)."""
    d = y + eps
    return 2 * cotangent * x * tangent / (d * d * d)

SPEC = activation("safediv", forward, inputs=[Input("x", REAL, "x"), Input("y", NONNEGATIVE, "y")],
                  params=[Param("eps", 1e-6, positive("eps"), "added to the denominator")],
                  derivatives=[Derivative("x", vjp_x, ("y_above_-eps",)), Derivative("y", vjp_y, ("y_above_-eps",)),
                               Derivative("y", hvp_y, ("y_above_-eps",), kind="hvp")],
                  kind="op", conditions=[entries_above("y", lambda params: -params["eps"], label="-eps")],
                  analogue=Analogue("x / (y + eps)", {"x": "x", "y": "y"}, "no PyTorch primitive"))
