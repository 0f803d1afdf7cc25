"""gradspec specs of example_losses: the math, written once, and the hand-written backwards to check.

Registered through the entry point group ``gradspec.specs`` (see pyproject.toml), so an installed
package needs no flags: ``gradspec verify charbonnier``; or ``gradspec verify --module
example_losses.specs`` without installing.  The backwards are the training code's own
(``example_losses.losses``), adapted to the xp protocol: ``xp`` is NumPy, SymPy or mpmath.
"""
from spec import Derivative, Form, Input, Param, loss, positive
from spec.domains import REAL
from spec.reduction import count, reduce


def charbonnier_terms(predicted, target, *, xp, eps):
    """Charbonnier loss: sqrt((p − t)² + ε²) per entry, a smooth |p − t| (the L1 loss rounded off at 0
    over a width ε).  Used in optical flow and image restoration."""
    return xp.sqrt((predicted - target) ** 2 + eps ** 2)


def charbonnier_grad(predicted, target, *, xp, eps, reduction):
    d = predicted - target
    return d / xp.sqrt(d ** 2 + eps ** 2) / count(predicted, reduction)


def pseudo_huber_terms(predicted, target, *, xp, delta):
    """Pseudo-Huber loss: δ² (sqrt(1 + ((p − t)/δ)²) − 1) per entry, quadratic near 0 and linear
    beyond δ."""
    return delta ** 2 * (xp.sqrt(1 + ((predicted - target) / delta) ** 2) - 1)


def pseudo_huber_grad(predicted, target, *, xp, delta, reduction):
    d = predicted - target
    return d / xp.sqrt(1 + d ** 2) / count(predicted, reduction)      # the training code's bug, as written


def pseudo_huber_without_cancellation(predicted, target, *, xp, delta, reduction):
    """δ² u² / (√(1 + u²) + 1), u = (p − t)/δ: the same number, without √(1 + u²) − 1 cancelling for small u."""
    u2 = ((predicted - target) / delta) ** 2
    return reduce(delta ** 2 * u2 / (xp.sqrt(1 + u2) + 1), reduction, xp=xp)


CHARBONNIER = loss("charbonnier", charbonnier_terms,
                   inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
                   params=[Param("eps", 0.1, positive("eps"), "ε: smoothing of |p − t| near 0")],
                   derivatives=[Derivative("predicted", charbonnier_grad)])

PSEUDO_HUBER = loss("pseudo_huber", pseudo_huber_terms,
                    inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
                    params=[Param("delta", 1.5, positive("delta"), "δ: where the loss turns from quadratic to linear")],
                    derivatives=[Derivative("predicted", pseudo_huber_grad)],
                    forms=[Form("without_cancellation", pseudo_huber_without_cancellation, True,
                                "δ² u² / (√(1 + u²) + 1), u = (p − t)/δ")])
