"""soft_margin — the logistic loss with ±1 labels (PyTorch's SoftMarginLoss).

    T = log(1 + exp(−y x))
    ∂L/∂x = −y / (1 + exp(y x)) / c             ∂L/∂y = −x / (1 + exp(y x)) / c
    HVP w.r.t. x along u: u y² σ(y x)(1 − σ(y x)) / c
    Stable form: max(−y x, 0) + log1p(exp(−|y x|)) (exp(−y x) overflows for y x < −88 in float32).

PyTorch: torch.nn.functional.soft_margin_loss(input=predicted, target=target).
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.domains import REAL, SIGN_LABELS
from spec.reduction import count, reduce


def terms(predicted, target, *, xp):
    return xp.log(1 + xp.exp(-target * predicted))


def grad_predicted(predicted, target, *, xp, reduction):
    return -target / (1 + xp.exp(target * predicted)) / count(predicted, reduction)


def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    s = 1 / (1 + xp.exp(-target * predicted))
    return tangent * target * target * s * (1 - s) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    return -predicted / (1 + xp.exp(target * predicted)) / count(predicted, reduction)


def stable(predicted, target, *, xp, reduction):
    m = -target * predicted
    return reduce(xp.maximum(m, 0) + xp.log1p(xp.exp(-xp.abs(m))), reduction, xp=xp)


SPEC = loss("soft_margin", terms, inputs=[Input("predicted", REAL, "x"), Input("target", SIGN_LABELS, "y")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            forms=[Form("max_log1p", stable, True, "max(−y x, 0) + log1p(exp(−|y x|))")],
            analogue=Analogue("torch.nn.functional.soft_margin_loss", {"predicted": "input", "target": "target"}))
