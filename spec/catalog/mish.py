"""mish — x tanh(softplus(x)) (Misra).

    y = x tanh(s),   s = softplus(x) = log(1 + exp(x))
    VJP: x̄ = v · (tanh(s) + x (1 − tanh² s) σ(x)),   σ(x) = ds/dx = 1/(1 + exp(−x))

PyTorch: torch.nn.functional.mish(x); Keras: keras.activations.mish.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return x * xp.tanh(xp.log(1 + xp.exp(x)))


def vjp(x, cotangent, *, xp):
    t = xp.tanh(xp.log(1 + xp.exp(x)))
    return cotangent * (t + x * (1 - t * t) / (1 + xp.exp(-x)))



def hvp(x, cotangent, tangent, *, xp):
    """mish'' = σ (1 − t²) (2 + x (1 − σ) − 2 x t σ),  t = tanh(softplus(x)), σ = sigmoid(x)."""
    t = xp.tanh(xp.log(1 + xp.exp(x)))
    s = 1 / (1 + xp.exp(-x))
    return cotangent * s * (1 - t * t) * (2 + x * (1 - s) - 2 * x * t * s) * tangent

SPEC = activation("mish", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  analogue=Analogue("torch.nn.functional.mish", {"x": "input"}))
