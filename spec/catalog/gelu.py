"""gelu — the Gaussian error linear unit in its tanh form (Hendrycks & Gimpel), as the libraries' default
or "approximate" GELU.

    u = √(2/π) (x + 0.044715 x³)       y = ½ x (1 + tanh u)
    VJP: x̄ = v · (½ (1 + tanh u) + ½ x (1 − tanh² u) √(2/π) (1 + 3 · 0.044715 x²))
    0.044715 is exact (the decimal); √(2/π) is the real number, not a float.

PyTorch: torch.nn.functional.gelu(x, approximate="tanh"); JAX: jax.nn.gelu(x, approximate=True);
Keras: keras.activations.gelu(x, approximate=True).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def _u(x, xp):
    c = xp.asarray(44715) / 1000000
    return xp.sqrt(2 / xp.pi) * (x + c * x ** 3)


def forward(x, *, xp):
    return x * (1 + xp.tanh(_u(x, xp))) / 2


def vjp(x, cotangent, *, xp):
    c = xp.asarray(44715) / 1000000
    th = xp.tanh(_u(x, xp))
    return cotangent * ((1 + th) / 2 + x * (1 - th * th) * xp.sqrt(2 / xp.pi) * (1 + 3 * c * x * x) / 2)



def hvp(x, cotangent, tangent, *, xp):
    """gelu'' = (1 − t²) (u' + x (u'' − 2 t u'²) / 2),  t = tanh u, u' = √(2/π)(1 + 3c x²), u'' = 6 √(2/π) c x."""
    c = xp.asarray(44715) / 1000000
    k = xp.sqrt(2 / xp.pi)
    th = xp.tanh(_u(x, xp))
    du = k * (1 + 3 * c * x * x)
    return cotangent * (1 - th * th) * (du + x * (6 * k * c * x - 2 * th * du * du) / 2) * tangent

SPEC = activation("gelu", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.nn.functional.gelu", {"x": "input"}, "approximate='tanh'"))
