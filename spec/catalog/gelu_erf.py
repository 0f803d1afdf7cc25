"""gelu_erf — the exact Gaussian error linear unit (PyTorch's default, approximate='none').

    y = x Φ(x) = ½ x (1 + erf(x/√2))
    VJP: x̄ = v · (Φ(x) + x φ(x)),   φ(x) = exp(−x²/2)/√(2π)
    √2 and √(2π) are the real numbers, not floats.

PyTorch: torch.nn.functional.gelu(x) (approximate='none'); JAX: jax.nn.gelu(x, approximate=False);
Keras: keras.activations.gelu(x, approximate=False).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return x * (1 + xp.erf(x / xp.sqrt(xp.asarray(2)))) / 2


def vjp(x, cotangent, *, xp):
    cdf = (1 + xp.erf(x / xp.sqrt(xp.asarray(2)))) / 2
    pdf = xp.exp(-x * x / 2) / xp.sqrt(2 * xp.pi)
    return cotangent * (cdf + x * pdf)



def hvp(x, cotangent, tangent, *, xp):
    """gelu'' = φ(x) (2 − x²),  φ the standard normal density."""
    pdf = xp.exp(-x * x / 2) / xp.sqrt(2 * xp.pi)
    return cotangent * pdf * (2 - x * x) * tangent

SPEC = activation("gelu_erf", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.nn.functional.gelu", {"x": "input"}))
