"""hardswish — x · hardsigmoid(x) (Howard et al., MobileNetV3).

    y = 0 where x ≤ −3, x where x ≥ 3, else x (x + 3)/6
    VJP: x̄ = 0 where x ≤ −3, v where x ≥ 3, else v (2x + 3)/6
    At x = ±3 the outer branches' slopes are taken: 0 at −3, 1 at 3 (as PyTorch 2's hardswish backward
    does, measured; the middle branch would give −1/2 and 3/2).

PyTorch: torch.nn.functional.hardswish(x); JAX: jax.nn.hard_swish (x · relu6(x + 3)/6).
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import entries_at


def forward(x, *, xp):
    return xp.where(x <= -3, 0 * x, xp.where(x >= 3, x, x * (x + 3) / 6))


def vjp(x, cotangent, *, xp):
    return xp.where(x <= -3, 0 * cotangent, xp.where(x >= 3, cotangent, cotangent * (2 * x + 3) / 6))



def hvp(x, cotangent, tangent, *, xp):
    """hardswish'' = 1/3 on (−3, 3), 0 outside and at ±3 (the outer branches, as the VJP takes them)."""
    return xp.where(x <= -3, 0 * cotangent, xp.where(x >= 3, 0 * cotangent, cotangent * tangent / 3))

SPEC = activation("hardswish", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = ±3", "the outer branches' slopes at ±3 (as PyTorch)",
                              entries_at("x", lambda params: [-3, 3]))],
                  analogue=Analogue("torch.nn.functional.hardswish", {"x": "input"}))
