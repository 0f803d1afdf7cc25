"""softplus — log(1 + exp x).

    y = log(1 + exp x)          VJP: x̄ = v · σ(x) = v / (1 + exp(−x))
    Hessian of ⟨v, y⟩: diag(v σ(x)(1 − σ(x)))
    Stable form: max(x, 0) + log1p(exp(−|x|)) (log(1 + exp x) overflows for x > ~88 in float32).

PyTorch: torch.nn.functional.softplus(x) with beta=1 (PyTorch also switches to x above threshold=20,
a float shortcut that differs from the math by < 2e-9 relative).
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.domains import REAL
from spec.xp import diag


def forward(x, *, xp):
    return xp.log(1 + xp.exp(x))


def stable(x, *, xp):
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def vjp(x, cotangent, *, xp):
    return cotangent / (1 + xp.exp(-x))


def hessian(x, cotangent, *, xp):
    s = 1 / (1 + xp.exp(-x))
    return diag(cotangent * s * (1 - s), xp=xp)


SPEC = activation("softplus", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hessian, kind="hessian")],
                  forms=[Form("max_log1p", stable, True, "max(x, 0) + log1p(exp(−|x|))")],
                  analogue=Analogue("torch.nn.functional.softplus", {"x": "input"}, "beta=1, threshold=20"))
