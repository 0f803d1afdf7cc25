"""sigmoid — the logistic function.

    σ(x) = 1 / (1 + exp(−x))          VJP: x̄ = v · σ(x) (1 − σ(x))
    Hessian of ⟨v, σ⟩: diag(v σ(1 − σ)(1 − 2σ))
    Stable form: exp(x) / (1 + exp(x)) for x < 0 (no exp of a large positive number).

PyTorch: torch.sigmoid(x).
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.domains import REAL
from spec.xp import diag


def sigmoid(x, *, xp):
    return 1 / (1 + xp.exp(-x))


def sigmoid_branched(x, *, xp):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def vjp(x, cotangent, *, xp):
    s = sigmoid(x, xp=xp)
    return cotangent * s * (1 - s)


def hessian(x, cotangent, *, xp):
    s = sigmoid(x, xp=xp)
    return diag(cotangent * s * (1 - s) * (1 - 2 * s), xp=xp)


SPEC = activation("sigmoid", sigmoid, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hessian, kind="hessian")],
                  forms=[Form("branched", sigmoid_branched, True, "1/(1 + e^{−|x|}) for x ≥ 0, e^{−|x|}/(1 + e^{−|x|}) otherwise")],
                  analogue=Analogue("torch.sigmoid", {"x": "input"}))
