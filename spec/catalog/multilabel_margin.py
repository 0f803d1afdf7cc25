"""multilabel_margin — the multi-label hinge of PyTorch's MultiLabelMarginLoss, with multi-hot rows as
the label sets.

    T_i = Σ_j Σ_c t_ij (1 − t_ic) max(0, 1 − (x_ij − x_ic)) / C        one term per row (C classes)
    ∂L/∂x_ia = (Σ_j t_ij (1 − t_ia) a_ija − Σ_c t_ia (1 − t_ic) a_iac) / (C c),   a_ijc = [1 − x_ij + x_ic > 0]
    ∂L/∂t_ia = (Σ_c (1 − t_ic) h_iac − Σ_j t_ij h_ija) / (C c),   h_ijc = max(0, 1 − x_ij + x_ic)   (t as reals)
    At a tie (x_ij − x_ic = 1) the subgradient 0 is taken (PyTorch's backward tests z > 0).

PyTorch: torch.nn.functional.multilabel_margin_loss(input=predicted, target=the label indices of
each row, padded with −1).
"""
import numpy as np

from spec.build import Analogue, Derivative, Input, loss
from spec.domains import MULTIHOT_ROWS, REAL
from spec.entry import Kink
from spec.reduction import rows_count


def _pairs(predicted, target, xp):
    """(weight of each (j, c) pair: t_j (1 − t_c), its margin 1 − x_j + x_c), shaped (…, C, C)."""
    w = target[..., :, None] * (1 - target[..., None, :])
    return w, 1 - predicted[..., :, None] + predicted[..., None, :]


def terms(predicted, target, *, xp):
    w, z = _pairs(predicted, target, xp)
    per_row = xp.sum(xp.sum(w * xp.maximum(0 * z, z), axis=-1), axis=-1, keepdims=True)
    return per_row / predicted.shape[-1]


def grad_predicted(predicted, target, *, xp, reduction):
    w, z = _pairs(predicted, target, xp)
    active = w * xp.where(z > 0, xp.ones_like(z), 0 * z)
    g = xp.sum(active, axis=-2) - xp.sum(active, axis=-1)          # as the c of a pair, minus as its j
    return g / (predicted.shape[-1] * rows_count(predicted, reduction))


def grad_target(predicted, target, *, xp, reduction):
    z = 1 - predicted[..., :, None] + predicted[..., None, :]
    h = xp.maximum(0 * z, z)                                       # h[j, c] = max(0, 1 − x_j + x_c)
    g = xp.sum((1 - target[..., None, :]) * h, axis=-1) - xp.sum(target[..., :, None] * h, axis=-2)
    return g / (predicted.shape[-1] * rows_count(predicted, reduction))


def tie_points(p, params):
    """A non-label score moved to exactly one below a label's, and a little either side."""
    x, t = np.asarray(p["predicted"], dtype=object), np.asarray(p["target"], dtype=object)
    out = []
    for r in (0, 10 ** -6, -10 ** -6):
        moved = x.copy()
        for row in np.ndindex(x.shape[:-1]):
            labels = [c for c in range(x.shape[-1]) if t[row + (c,)] == 1]
            others = [c for c in range(x.shape[-1]) if t[row + (c,)] == 0]
            if labels and others:
                moved[row + (others[0],)] = x[row + (labels[0],)] - 1 + r
        out.append(dict(p, predicted=moved))
    return out



def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    """0: the loss is piecewise linear in predicted (its second derivative vanishes off the kinks)."""
    return 0 * tangent / rows_count(predicted, reduction)

SPEC = loss("multilabel_margin", terms, inputs=[Input("predicted", REAL, "x"), Input("target", MULTIHOT_ROWS, "y")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("predicted", hvp_predicted, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("x_j − x_c = 1", "the subgradient 0 at a tie (as PyTorch)", tie_points)],
            analogue=Analogue("torch.nn.functional.multilabel_margin_loss", {"predicted": "input", "target": "target"},
                              "target as each row's label indices, padded with −1"),
            emitted="skip")
