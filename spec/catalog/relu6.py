"""relu6 — x clamped to [0, 6].

    y = 0 where x ≤ 0, 6 where x ≥ 6, else x
    VJP: x̄ = v where 0 < x < 6, else 0;  slope 0 at both bounds (PyTorch: relu6 is hardtanh(x, 0, 6))

PyTorch: torch.nn.functional.relu6(x); JAX: jax.nn.relu6; Keras: keras.activations.relu6.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import entries_at


def forward(x, *, xp):
    return xp.where(x <= 0, 0 * x, xp.where(x >= 6, 6 + 0 * x, x))


def vjp(x, cotangent, *, xp):
    return xp.where((x > 0) & (x < 6), cotangent, 0 * cotangent)



def hvp(x, cotangent, tangent, *, xp):
    """0: relu6 is piecewise linear (its second derivative vanishes off the kinks)."""
    return 0 * cotangent * tangent

SPEC = activation("relu6", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0, x = 6", "slope 0 at both bounds (as PyTorch)",
                              entries_at("x", lambda params: [0, 6]))],
                  analogue=Analogue("torch.nn.functional.relu6", {"x": "input"}))
