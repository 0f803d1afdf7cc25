"""relu — max(0, x).

    y = max(0, x)          VJP: x̄ = v where x > 0, else 0
    At x = 0 the subgradient 0 is taken (as PyTorch, JAX and Keras do).

PyTorch: torch.relu(x); JAX: jax.nn.relu; Keras: keras.activations.relu.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import entries_at


def forward(x, *, xp):
    return xp.maximum(0 * x, x)              # a tie goes to the first argument: the slope at 0 is 0


def vjp(x, cotangent, *, xp):
    return xp.where(x > 0, cotangent, 0 * cotangent)



def hvp(x, cotangent, tangent, *, xp):
    """0: relu is piecewise linear (its second derivative vanishes off the kinks)."""
    return 0 * cotangent * tangent

SPEC = activation("relu", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0", "relu'(0) = 0", entries_at("x", lambda params: [0]))],
                  analogue=Analogue("torch.relu", {"x": "input"}))
