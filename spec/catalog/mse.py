"""mse — mean squared error.

    terms  T = (p − t)²                      L = reduce(T)   (reduction "mean" by default)
    ∂L/∂p  =  2 (p − t) / c                  ∂L/∂t = −2 (p − t) / c
    c = N (mean), 1 (sum), rows (batchmean)
    JVP along u: Σ 2 (p − t) u / c;   Hessian w.r.t. p: 2 I / c;   HVP: 2 u / c

PyTorch: torch.nn.functional.mse_loss(input=predicted, target=target, reduction=...).
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import REAL
from spec.reduction import count


def terms(predicted, target, *, xp):
    return (predicted - target) ** 2


def grad_predicted(predicted, target, *, xp, reduction):
    return 2 * (predicted - target) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    return -2 * (predicted - target) / count(predicted, reduction)


def jvp_predicted(predicted, target, tangent, *, xp, reduction):
    return xp.sum(2 * (predicted - target) * tangent) / count(predicted, reduction)


def hessian_predicted(predicted, target, *, xp, reduction):
    return 2 * xp.eye_like(predicted) / count(predicted, reduction)


def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    return 2 * tangent / count(predicted, reduction)


SPEC = loss("mse", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", jvp_predicted, kind="jvp"),
                         Derivative("predicted", hessian_predicted, kind="hessian"),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            analogue=Analogue("torch.nn.functional.mse_loss", {"predicted": "input", "target": "target"}))
