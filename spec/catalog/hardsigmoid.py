"""hardsigmoid — the piecewise-linear sigmoid x/6 + 1/2, clamped to [0, 1].

    y = 0 where x ≤ −3, 1 where x ≥ 3, else x/6 + 1/2
    VJP: x̄ = v/6 where −3 < x < 3, else 0;  slope 0 at ±3 (PyTorch's hardsigmoid_backward)

PyTorch: torch.nn.functional.hardsigmoid(x); JAX: jax.nn.hard_sigmoid (relu6(x + 3)/6).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import entries_at


def forward(x, *, xp):
    return xp.where(x <= -3, 0 * x, xp.where(x >= 3, 1 + 0 * x, x / 6 + xp.asarray(1) / 2))


def vjp(x, cotangent, *, xp):
    return xp.where((x > -3) & (x < 3), cotangent / 6, 0 * cotangent)



def hvp(x, cotangent, tangent, *, xp):
    """0: hardsigmoid is piecewise linear (its second derivative vanishes off the kinks)."""
    return 0 * cotangent * tangent

SPEC = activation("hardsigmoid", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = ±3", "slope 0 at ±3 (as PyTorch)", entries_at("x", lambda params: [-3, 3]))],
                  analogue=Analogue("torch.nn.functional.hardsigmoid", {"x": "input"}))
