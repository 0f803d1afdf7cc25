"""safe_log — log(x + eps) (the seeds' safeLog), on x ≥ 0.

    y = log(x + eps)          VJP: x̄ = v / (x + eps)       (only where x > −eps)

PyTorch: no primitive; torch.log(x + eps) as user code writes it.
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.conditions import entries_above
from spec.domains import NONNEGATIVE
from spec.entry import positive


def forward(x, *, xp, eps):
    return xp.log(x + eps)


def vjp(x, cotangent, *, xp, eps):
    return cotangent / (x + eps)



def hvp(x, cotangent, tangent, *, xp, eps):
    """−v u / (x + eps)²."""
    return -cotangent * tangent / ((x + eps) * (x + eps))

SPEC = activation("safe_log", forward, inputs=[Input("x", NONNEGATIVE, "x")],
                  params=[Param("eps", 1e-6, positive("eps"), "added to x before the log")],
                  derivatives=[Derivative("x", vjp, ("x_above_-eps",)),
                               Derivative("x", hvp, ("x_above_-eps",), kind="hvp")], kind="op",
                  conditions=[entries_above("x", lambda params: -params["eps"], label="-eps")],
                  analogue=Analogue("torch.log(x + eps)", {"x": "x"}, "no PyTorch primitive"))
