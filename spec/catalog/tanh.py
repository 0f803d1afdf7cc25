"""tanh — the hyperbolic tangent.

    y = tanh(x)          VJP: x̄ = v · (1 − tanh(x)²)

PyTorch: torch.tanh(x).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return xp.tanh(x)


def vjp(x, cotangent, *, xp):
    return cotangent * (1 - xp.tanh(x) ** 2)



def hvp(x, cotangent, tangent, *, xp):
    """⟨cotangent, tanh⟩'' · tangent = cotangent ⊙ (−2 tanh (1 − tanh²)) ⊙ tangent."""
    t = xp.tanh(x)
    return cotangent * (-2 * t * (1 - t * t)) * tangent

SPEC = activation("tanh", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.tanh", {"x": "input"}))
