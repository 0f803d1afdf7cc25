"""leaky_relu — x above 0, a small slope below.

    y = x where x > 0, else s x          (s = negative_slope, 0.01 by default: exactly 1/100)
    VJP: x̄ = v where x > 0, else s v
    At x = 0 the slope s is taken (as PyTorch does; JAX's where(x >= 0, …) takes 1 there).

PyTorch: torch.nn.functional.leaky_relu(x, negative_slope); JAX: jax.nn.leaky_relu;
Keras: keras.activations.leaky_relu.
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.domains import REAL
from spec.entry import Kink, number
from spec.kinks import entries_at


def forward(x, *, xp, negative_slope):
    return xp.where(x > 0, x, negative_slope * x)


def vjp(x, cotangent, *, xp, negative_slope):
    return xp.where(x > 0, cotangent, negative_slope * cotangent)



def hvp(x, cotangent, tangent, *, xp, negative_slope):
    """0: leaky_relu is piecewise linear (its second derivative vanishes off the kinks)."""
    return 0 * cotangent * tangent

SPEC = activation("leaky_relu", forward, inputs=[Input("x", REAL, "x")],
                  params=[Param("negative_slope", 0.01, number("negative_slope"), "s: the slope below 0")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0", "leaky_relu'(0) = s (as PyTorch)", entries_at("x", lambda params: [0]))],
                  analogue=Analogue("torch.nn.functional.leaky_relu", {"x": "input", "negative_slope": "negative_slope"}),
                  variants=[{"negative_slope": 0.2}])
