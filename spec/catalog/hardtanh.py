"""hardtanh — x clamped to [min_val, max_val] (−1 and 1 by default).

    y = min_val where x ≤ min_val, max_val where x ≥ max_val, else x
    VJP: x̄ = v where min_val < x < max_val, else 0
    At the bounds the slope 0 is taken (PyTorch's hardtanh_backward; torch.clamp would pass 1 there,
    and so does JAX's hard_tanh).

PyTorch: torch.nn.functional.hardtanh(x, min_val, max_val); JAX: jax.nn.hard_tanh (bounds −1, 1).
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.domains import REAL
from spec.entry import Kink, number
from spec.kinks import entries_at


def forward(x, *, xp, min_val, max_val):
    return xp.where(x <= min_val, min_val + 0 * x, xp.where(x >= max_val, max_val + 0 * x, x))


def vjp(x, cotangent, *, xp, min_val, max_val):
    return xp.where((x > min_val) & (x < max_val), cotangent, 0 * cotangent)



def hvp(x, cotangent, tangent, *, xp, min_val, max_val):
    """0: hardtanh is piecewise linear (its second derivative vanishes off the kinks)."""
    return 0 * cotangent * tangent

SPEC = activation("hardtanh", forward, inputs=[Input("x", REAL, "x")],
                  params=[Param("min_val", -1, number("min_val"), "the lower bound"),
                          Param("max_val", 1, number("max_val"), "the upper bound")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = min_val, x = max_val", "slope 0 at the bounds (PyTorch's hardtanh_backward)",
                              entries_at("x", lambda params: [params["min_val"], params["max_val"]]))],
                  analogue=Analogue("torch.nn.functional.hardtanh", {"x": "input", "min_val": "min_val",
                                                                     "max_val": "max_val"}))
