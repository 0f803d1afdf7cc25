"""exp — the exponential.

    y = exp(x)          VJP: x̄ = v · exp(x)

PyTorch: torch.exp(x).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return xp.exp(x)


def vjp(x, cotangent, *, xp):
    return cotangent * xp.exp(x)



def hvp(x, cotangent, tangent, *, xp):
    return cotangent * xp.exp(x) * tangent

SPEC = activation("exp", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kind="op", analogue=Analogue("torch.exp", {"x": "input"}))
