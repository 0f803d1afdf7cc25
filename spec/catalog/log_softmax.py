"""log_softmax — along the last axis.

    y = x − log Σ_j exp(x_j)                    (per last-axis row)
    VJP: x̄ = v − softmax(x) · Σ_j v_j
    Stable form: x − m − log Σ_j exp(x_j − m), m = max_j x_j (the max-shifted form, as
    torch.log_softmax computes it).  Naive form: log(softmax(x)), which gives −inf once a
    softmax entry underflows to 0 (logit gaps beyond ~104 in float32, ~745 in float64).

PyTorch: torch.log_softmax(x, dim=-1).
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.catalog.softmax import softmax
from spec.domains import REAL


def log_softmax(x, *, xp):
    return x - xp.log(xp.sum(xp.exp(x), axis=-1, keepdims=True))


def log_softmax_shifted(x, *, xp):
    z = x - xp.max(x, axis=-1, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))


def log_of_softmax(x, *, xp):
    return xp.log(softmax(x, xp=xp))


def vjp(x, cotangent, *, xp):
    return cotangent - softmax(x, xp=xp) * xp.sum(cotangent, axis=-1, keepdims=True)



def hvp(x, cotangent, tangent, *, xp):
    """−(Σ_j v_j) s ⊙ (u − s·u) per row: the VJP's softmax moved along the tangent u."""
    s = softmax(x, xp=xp)
    return -xp.sum(cotangent, axis=-1, keepdims=True) * s * (tangent - xp.sum(s * tangent, axis=-1, keepdims=True))

SPEC = activation("log_softmax", log_softmax, inputs=[Input("x", REAL, "x")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  forms=[Form("max_shifted", log_softmax_shifted, True, "x − max x − log Σ exp(x − max x)"),
                         Form("log_of_softmax", log_of_softmax, False, "log(softmax(x))")],
                  analogue=Analogue("torch.log_softmax", {"x": "input"}, "dim=-1"))
