"""squared_hinge — the square of the binary hinge, with ±1 labels (Keras' squared_hinge).

    T = max(0, 1 − t p)²
    ∂L/∂p = −2 t max(0, 1 − t p) / c        ∂L/∂t = −2 p max(0, 1 − t p) / c
    Differentiable at the margin t p = 1 too (both sides have slope 0 there).
    HVP w.r.t. p along u: 2 t² u [1 − t p > 0] / c   (0 at the margin: the flat side's).

Keras: keras.losses.squared_hinge(y_true=target, y_pred=predicted) (a mean over the last axis;
then the mean over rows is the mean of every entry).
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.catalog.hinge import margin_points
from spec.domains import REAL, SIGN_LABELS
from spec.entry import Kink
from spec.reduction import count


def terms(predicted, target, *, xp):
    return xp.maximum(0, 1 - target * predicted) ** 2


def grad_predicted(predicted, target, *, xp, reduction):
    return -2 * target * xp.maximum(0, 1 - target * predicted) / count(predicted, reduction)


def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    active = xp.where(1 - target * predicted > 0, tangent, 0 * tangent)
    return 2 * target * target * active / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    return -2 * predicted * xp.maximum(0, 1 - target * predicted) / count(predicted, reduction)


SPEC = loss("squared_hinge", terms, inputs=[Input("predicted", REAL, "p"), Input("target", SIGN_LABELS, "y")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("t·p = 1", "smooth there: slope 0 from both sides", margin_points)],
            analogue=Analogue("keras.losses.squared_hinge", {"predicted": "y_pred", "target": "y_true"},
                              "Keras averages the last axis; the mean of those is the mean of every entry"))
