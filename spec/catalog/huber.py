"""huber — PyTorch's HuberLoss (delta > 0).

    d = p − t
    T = d² / 2                     if |d| < delta
        delta (|d| − delta / 2)    otherwise          (the linear branch is taken at |d| = delta)
    ∂L/∂p = (d if |d| < delta else delta·sign(d)) / c,      ∂L/∂t = −∂L/∂p
    HVP w.r.t. p along u: (u where |d| < delta, else 0) / c   (0 on the linear branch, at |d| = delta too)

huber(delta) = delta · smooth_l1(beta=delta).
PyTorch: torch.nn.functional.huber_loss(input=predicted, target=target, delta=delta, reduction=...).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL
from spec.entry import Kink, positive
from spec.kinks import residual_at
from spec.reduction import count


def terms(predicted, target, *, xp, delta):
    d = predicted - target
    return xp.where(xp.abs(d) < delta, d * d / 2, delta * (xp.abs(d) - delta / 2))


def grad_predicted(predicted, target, *, xp, delta, reduction):
    d = predicted - target
    return xp.where(xp.abs(d) < delta, d, delta * xp.sign(d)) / count(predicted, reduction)


def hvp_predicted(predicted, target, tangent, *, xp, delta, reduction):
    d = predicted - target
    return xp.where(xp.abs(d) < delta, tangent, 0 * tangent) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, delta, reduction):
    return -grad_predicted(predicted, target, xp=xp, delta=delta, reduction=reduction)


SPEC = loss("huber", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            params=[Param("delta", 1, positive("delta"), "where the loss turns from quadratic to linear")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("|p − t| = delta", "the linear branch is taken at |d| = delta (both give ±delta there)",
                        residual_at(lambda params: [params["delta"]]))],
            analogue=Analogue("torch.nn.functional.huber_loss",
                              {"predicted": "input", "target": "target", "delta": "delta"}))
