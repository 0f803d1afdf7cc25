"""multi_margin — the multi-class hinge of PyTorch's MultiMarginLoss (p = 1), with one-hot rows as
the class index.

    pos_i = Σ_c t_ic x_ic   (the target class's score)
    T_i = Σ_c (1 − t_ic) max(0, margin − pos_i + x_ic) / C          one term per row
    ∂L/∂x_ij = ((1 − t_ij) a_ij − t_ij Σ_c (1 − t_ic) a_ic) / (C c),   a_ic = [margin − pos_i + x_ic > 0]
    ∂L/∂t_ij = (−max(0, z_ij) − x_ij Σ_c (1 − t_ic) a_ic) / (C c),   z = margin − pos + x   (t as reals)
    At a tie (margin − pos + x = 0) the subgradient 0 is taken (PyTorch's backward tests z > 0).
    No every-size closed form: the branch depends on a row sum inside a row sum, which derive.sizes
    cannot collapse (so no every-size proof, and no emitted code: emitted='skip').

PyTorch: torch.nn.functional.multi_margin_loss(input=predicted, target=target.argmax(-1), margin=margin).
"""
import numpy as np

from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import ONEHOT_ROWS, REAL
from spec.entry import Kink, number
from spec.reduction import rows_count


def _violations(predicted, target, margin, xp):
    return margin - xp.sum(target * predicted, axis=-1, keepdims=True) + predicted


def terms(predicted, target, *, xp, margin):
    z = _violations(predicted, target, margin, xp)
    return xp.sum((1 - target) * xp.maximum(0 * z, z), axis=-1, keepdims=True) / predicted.shape[-1]


def grad_predicted(predicted, target, *, xp, margin, reduction):
    z = _violations(predicted, target, margin, xp)
    a = (1 - target) * xp.where(z > 0, xp.ones_like(z), 0 * z)
    return (a - target * xp.sum(a, axis=-1, keepdims=True)) / (predicted.shape[-1] * rows_count(predicted, reduction))


def grad_target(predicted, target, *, xp, margin, reduction):
    z = _violations(predicted, target, margin, xp)
    a = (1 - target) * xp.where(z > 0, xp.ones_like(z), 0 * z)
    g = -xp.maximum(0 * z, z) - predicted * xp.sum(a, axis=-1, keepdims=True)
    return g / (predicted.shape[-1] * rows_count(predicted, reduction))


def tie_points(p, params):
    """Each non-target score moved to pos − margin (on the tie) and a little either side."""
    x, t = np.asarray(p["predicted"], dtype=object), np.asarray(p["target"], dtype=object)
    pos = (x * t).sum(axis=-1, keepdims=True)
    out = []
    for r in (0, 10 ** -6, -10 ** -6):
        moved = np.where(t == 1, x, pos - params["margin"] + r)
        out.append(dict(p, predicted=np.asarray(moved, dtype=object)))
    return out



def hvp_predicted(predicted, target, tangent, *, xp, margin, reduction):
    """0: the loss is piecewise linear in predicted (its second derivative vanishes off the kinks)."""
    return 0 * tangent / rows_count(predicted, reduction)

SPEC = loss("multi_margin", terms, inputs=[Input("predicted", REAL, "x"), Input("target", ONEHOT_ROWS, "t")],
            params=[Param("margin", 1, number("margin"),
                          "the margin each other class's score must stay below the target's by")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("predicted", hvp_predicted, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("margin − pos + x = 0", "the subgradient 0 at a tie (as PyTorch)", tie_points)],
            analogue=Analogue("torch.nn.functional.multi_margin_loss",
                              {"predicted": "input", "target": "target", "margin": "margin"},
                              "target as class indices: target.argmax(-1)"),
            variants=[{"margin": 0.5}], emitted="skip")
