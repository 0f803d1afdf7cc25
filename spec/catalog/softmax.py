"""softmax — along the last axis.

    s = exp(x) / Σ_j exp(x_j)                  (per last-axis row)
    VJP: x̄ = s ⊙ (v − Σ_j v_j s_j)             (no n×n Jacobian is formed)
    JVP: ẏ = s ⊙ (u − Σ_j s_j u_j)             (the Jacobian is symmetric)
    Stable form: exp(x − m) / Σ_j exp(x_j − m), m = max_j x_j  (identical in exact arithmetic;
    without the shift exp overflows for logits above ~88 in float32 and ~709 in float64).

PyTorch: torch.softmax(x, dim=-1).
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.domains import REAL


def softmax(x, *, xp):
    e = xp.exp(x)
    return e / xp.sum(e, axis=-1, keepdims=True)


def softmax_shifted(x, *, xp):
    e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


def vjp(x, cotangent, *, xp):
    s = softmax(x, xp=xp)
    return s * (cotangent - xp.sum(cotangent * s, axis=-1, keepdims=True))


def jvp(x, tangent, *, xp):
    s = softmax(x, xp=xp)
    return s * (tangent - xp.sum(s * tangent, axis=-1, keepdims=True))



def hvp(x, cotangent, tangent, *, xp):
    """d/dε of the VJP along the tangent u: ṡ ⊙ (v − s·v) − s ⊙ (ṡ·v), ṡ = s ⊙ (u − s·u) (per row)."""
    s = softmax(x, xp=xp)
    ds = s * (tangent - xp.sum(s * tangent, axis=-1, keepdims=True))
    return ds * (cotangent - xp.sum(cotangent * s, axis=-1, keepdims=True)) - s * xp.sum(cotangent * ds, axis=-1,
                                                                                           keepdims=True)

SPEC = activation("softmax", softmax, inputs=[Input("x", REAL, "x")],
                  derivatives=[Derivative("x", vjp), Derivative("x", jvp, kind="jvp"),
                               Derivative("x", hvp, kind="hvp")],
                  forms=[Form("max_shifted", softmax_shifted, True, "exp(x − max x) / Σ exp(x − max x)")],
                  analogue=Analogue("torch.softmax", {"x": "input"}, "dim=-1"))
