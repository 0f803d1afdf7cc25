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


SPEC = activation("mish", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp)],
                  analogue=Analogue("torch.nn.functional.mish", {"x": "input"}))
