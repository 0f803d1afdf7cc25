"""sum — the sum of every entry, a scalar.

    y = Σ_i x_i          VJP: x̄ = v · 1  (the scalar cotangent broadcast to x's shape)

PyTorch: torch.sum(x) (dim=None).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return xp.sum(x)


def vjp(x, cotangent, *, xp):
    return cotangent * xp.ones_like(x)



def hvp(x, cotangent, tangent, *, xp):
    """0: the sum is linear."""
    return 0 * cotangent * tangent

SPEC = activation("sum", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kind="op", analogue=Analogue("torch.sum", {"x": "input"}, "dim=None"))
