"""hinge — binary margin loss with ±1 labels (the seeds' hingeSpec).

    T = max(0, 1 − t p)
    ∂L/∂p = (−t where 1 − t p > 0, else 0) / c       ∂L/∂t = (−p where 1 − t p > 0, else 0) / c
    At the margin t p = 1 the subgradient 0 is taken.

PyTorch has no exact analogue: torch.nn.functional.multi_margin_loss with two classes, or
torch.clamp(1 - target * predicted, min=0).mean().
"""
from fractions import Fraction

from spec.build import Analogue, Derivative, Input, loss
from spec.domains import REAL, SIGN_LABELS
from spec.entry import Kink
from spec.kinks import around
from spec.reduction import count

import numpy as np


def terms(predicted, target, *, xp):
    return xp.maximum(0, 1 - target * predicted)


def grad_predicted(predicted, target, *, xp, reduction):
    return xp.where(1 - target * predicted > 0, -target, 0 * target) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    return xp.where(1 - target * predicted > 0, -predicted, 0 * predicted) / count(predicted, reduction)


def margin_points(p, params):
    """predicted = target · m for m on and around 1, so that t·p = m sits on and beside the margin."""
    return [dict(p, predicted=np.asarray(p["target"] * m, dtype=object)) for m in around(Fraction(1))]



def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    """0: the loss is piecewise linear in predicted (its second derivative vanishes off the kinks)."""
    return 0 * tangent / count(predicted, reduction)

SPEC = loss("hinge", terms, inputs=[Input("predicted", REAL, "p"), Input("target", SIGN_LABELS, "y")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("predicted", hvp_predicted, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("t·p = 1", "at the margin the subgradient 0 is taken", margin_points)],
            analogue=Analogue("torch.clamp(1 - target * predicted, min=0).mean", {"predicted": "predicted", "target": "target"},
                              "no single PyTorch function; multi_margin_loss differs in its input layout"))
