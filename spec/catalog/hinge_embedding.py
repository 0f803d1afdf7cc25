"""hinge_embedding — x where y = 1, a hinge max(0, margin − x) where y = −1 (PyTorch's HingeEmbeddingLoss).

    T = x                     where y = 1
        max(0, margin − x)    where y = −1
    ∂L/∂x = (1 where y = 1; −1 where y = −1 and x < margin; else 0) / c
    ∂L/∂y = 0: the loss is piecewise constant in the labels.
    At the tie x = margin (y = −1) the subgradient 0 is taken; PyTorch's clamp_min(0) passes −1 there.

PyTorch: torch.nn.functional.hinge_embedding_loss(input=x, target=target, margin=margin).
"""
import numpy as np

from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL, SIGN_LABELS
from spec.entry import Kink
from spec.kinks import around
from spec.reduction import count


def _finite(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or abs(v) == float("inf"):
        return f"margin must be a finite number, got {v!r}"
    return None


def terms(x, target, *, xp, margin):
    return xp.where(target > 0, x, xp.maximum(0 * x, margin - x))


def grad_x(x, target, *, xp, margin, reduction):
    below = xp.where(margin - x > 0, -xp.ones_like(x), 0 * x)
    return xp.where(target > 0, xp.ones_like(x), below) / count(x, reduction)


def grad_target(x, target, *, xp, margin, reduction):
    return 0 * x / count(x, reduction)


def tie_points(p, params):
    """Every x on and around the margin (labels as sampled: the y = −1 entries sit at the tie)."""
    out = []
    for v in around(params["margin"]):
        a = p["x"].copy()
        a[...] = v
        out.append(dict(p, x=np.asarray(a, dtype=object)))
    return out



def hvp_x(x, target, tangent, *, xp, margin, reduction):
    """0: the loss is piecewise linear in x (its second derivative vanishes off the kinks)."""
    return 0 * tangent / count(x, reduction)

SPEC = loss("hinge_embedding", terms, inputs=[Input("x", REAL, "x"), Input("target", SIGN_LABELS, "y")],
            params=[Param("margin", 1, _finite, "where y = −1, x is pushed above the margin")],
            derivatives=[Derivative("x", grad_x), Derivative("x", hvp_x, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("x = margin where y = −1", "at the tie the subgradient 0 is taken", tie_points)],
            analogue=Analogue("torch.nn.functional.hinge_embedding_loss",
                              {"x": "input", "target": "target", "margin": "margin"}),
            variants=[{"margin": 0.5}])
