"""mae — mean absolute error.

    T = |p − t|                ∂L/∂p = sign(p − t) / c        ∂L/∂t = −sign(p − t) / c
    Kink at p = t: the subgradient sign(0) = 0 is taken.

PyTorch: torch.nn.functional.l1_loss(input=predicted, target=target, reduction=...); its backward
also uses sign(0) = 0.
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import residual_at
from spec.reduction import count


def terms(predicted, target, *, xp):
    return xp.abs(predicted - target)


def grad_predicted(predicted, target, *, xp, reduction):
    return xp.sign(predicted - target) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    return -xp.sign(predicted - target) / count(predicted, reduction)



def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    """0: the loss is piecewise linear in predicted (its second derivative vanishes off the kinks)."""
    return 0 * tangent / count(predicted, reduction)

SPEC = loss("mae", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("predicted", hvp_predicted, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("p = t", "sign(0) = 0: the subgradient at p = t is 0", residual_at(lambda params: [0]))],
            analogue=Analogue("torch.nn.functional.l1_loss", {"predicted": "input", "target": "target"}))
