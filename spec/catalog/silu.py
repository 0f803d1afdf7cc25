"""silu — the sigmoid linear unit, or swish: x σ(x).

    y = x σ(x),   σ(x) = 1/(1 + exp(−x))
    VJP: x̄ = v · σ(x) (1 + x (1 − σ(x)))

PyTorch: torch.nn.functional.silu(x); JAX: jax.nn.silu (jax.nn.swish); Keras: keras.activations.silu.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return x / (1 + xp.exp(-x))


def vjp(x, cotangent, *, xp):
    s = 1 / (1 + xp.exp(-x))
    return cotangent * s * (1 + x * (1 - s))



def hvp(x, cotangent, tangent, *, xp):
    """silu'' = σ (1 − σ) (2 + x (1 − 2σ)),  σ = sigmoid(x)."""
    s = 1 / (1 + xp.exp(-x))
    return cotangent * s * (1 - s) * (2 + x * (1 - 2 * s)) * tangent

SPEC = activation("silu", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.nn.functional.silu", {"x": "input"}))
