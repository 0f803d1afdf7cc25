"""softsign — x / (1 + |x|).

    y = x / (1 + |x|)
    VJP: x̄ = v / (1 + |x|)²   (differentiable at 0 too: both sides have slope 1)

PyTorch: torch.nn.functional.softsign(x); JAX: jax.nn.soft_sign; Keras: keras.activations.softsign.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return x / (1 + xp.abs(x))


def vjp(x, cotangent, *, xp):
    return cotangent / (1 + xp.abs(x)) ** 2



def hvp(x, cotangent, tangent, *, xp):
    """softsign'' = −2 sign(x) / (1 + |x|)³ (0 at x = 0, where sign(0) = 0)."""
    a = 1 + xp.abs(x)
    return -2 * cotangent * xp.sign(x) / (a * a * a) * tangent

SPEC = activation("softsign", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.nn.functional.softsign", {"x": "input"}))
