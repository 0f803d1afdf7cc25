"""cosine_embedding — per row: 1 − cos where y = 1, max(0, cos − margin) where y = −1
(PyTorch's CosineEmbeddingLoss).

    cos_i = ⟨x1_i, x2_i⟩ / (‖x1_i‖ ‖x2_i‖)          (rows: the last axis; y has one label per row)
    T_i = 1 − cos_i                  where y_i = 1
          max(0, cos_i − margin)     where y_i = −1
    ∂L/∂x1_i = s_i · (x2_i / (‖x1_i‖ ‖x2_i‖) − cos_i · x1_i / ‖x1_i‖²) / c,
               s_i = −1 where y_i = 1;  1 where y_i = −1 and cos_i > margin;  else 0
    ∂L/∂x2 likewise with x1 and x2 exchanged; ∂L/∂y = 0 (piecewise constant in the labels).
    c: the rows for "mean", 1 for "sum".  At the tie cos = margin (y = −1) the subgradient 0 is taken.

PyTorch: torch.nn.functional.cosine_embedding_loss(input1=x1, input2=x2, target=target.reshape(-1),
margin=margin).  It adds EPSILON = 1e-12 to each squared norm (a convention: cos of rows whose
norms are far below 1e-6 is not the cosine).
"""
import numpy as np

from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL, SIGN_LABELS
from spec.entry import Kink
from spec.kinks import OFFSETS
from spec.reduction import rows_count


def _margin(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not -1 <= v <= 1:
        return f"margin must be a number in [−1, 1], got {v!r}"
    return None


def _norm(a, xp):
    return xp.sqrt(xp.sum(a * a, axis=-1, keepdims=True))


def cosine(x1, x2, *, xp):
    return xp.sum(x1 * x2, axis=-1, keepdims=True) / (_norm(x1, xp) * _norm(x2, xp))


def terms(x1, x2, target, *, xp, margin):
    c = cosine(x1, x2, xp=xp)
    return xp.where(target > 0, 1 - c, xp.maximum(0 * c, c - margin))


def _grad(a, b, target, margin, reduction, xp):
    c = cosine(a, b, xp=xp)
    na, nb = _norm(a, xp), _norm(b, xp)
    slope = xp.where(target > 0, -xp.ones_like(c), xp.where(c - margin > 0, xp.ones_like(c), 0 * c))
    return slope * (b / (na * nb) - c * a / (na * na)) / rows_count(a, reduction)


def grad_x1(x1, x2, target, *, xp, margin, reduction):
    return _grad(x1, x2, target, margin, reduction, xp)


def grad_x2(x1, x2, target, *, xp, margin, reduction):
    return _grad(x2, x1, target, margin, reduction, xp)


def grad_target(x1, x2, target, *, xp, margin, reduction):
    return 0 * target


def tie_points(p, params):
    """Where margin = 0: x1 made orthogonal to x2 row by row (exactly: cos = 0), and nudged along x2 by
    ±r for each offset r, so that cos sits on and on both sides of the tie."""
    if params["margin"] != 0:
        return []                       # cos = margin ≠ 0 needs a square root: no exact point
    x1, x2 = p["x1"], p["x2"]
    along = (x1 * x2).sum(axis=-1, keepdims=True) / (x2 * x2).sum(axis=-1, keepdims=True)
    orthogonal = x1 - along * x2
    out = [dict(p, x1=np.asarray(orthogonal, dtype=object))]
    for r in OFFSETS:
        for sign in (1, -1):
            out.append(dict(p, x1=np.asarray(orthogonal + sign * r * x2, dtype=object)))
    return out



def hvp_x1(x1, x2, target, tangent, *, xp, margin, reduction):
    """slope ⊙ H(cos) u / c per row, H(cos) u = −(a·u) b / (A³B) − ((u·b) a + d u) / (A³B) + 3 d (a·u) a / (A⁵B)
    (a = x1, b = x2 rows, A = ‖a‖, B = ‖b‖, d = a·b); slope as in the gradient (0 off the active branch)."""
    a, b, u = x1, x2, tangent
    c = cosine(a, b, xp=xp)
    na, nb = _norm(a, xp), _norm(b, xp)
    d = xp.sum(a * b, axis=-1, keepdims=True)
    au, bu = xp.sum(a * u, axis=-1, keepdims=True), xp.sum(b * u, axis=-1, keepdims=True)
    a3b = na * na * na * nb
    h = -au * b / a3b - (bu * a + d * u) / a3b + 3 * d * au * a / (a3b * na * na)
    slope = xp.where(target > 0, -xp.ones_like(c), xp.where(c - margin > 0, xp.ones_like(c), 0 * c))
    return slope * h / rows_count(a, reduction)

SPEC = loss("cosine_embedding", terms,
            inputs=[Input("x1", REAL, "a"), Input("x2", REAL, "b"), Input("target", SIGN_LABELS, "y")],
            params=[Param("margin", 0, _margin, "where y = −1, cos is pushed below the margin")],
            derivatives=[Derivative("x1", grad_x1), Derivative("x1", hvp_x1, kind="hvp"), Derivative("x2", grad_x2), Derivative("target", grad_target)],
            kinks=[Kink("cos = margin where y = −1", "at the tie the subgradient 0 is taken", tie_points)],
            input_shapes=lambda shape: {"x1": shape, "x2": shape, "target": shape[:-1] + (1,)},
            analogue=Analogue("torch.nn.functional.cosine_embedding_loss",
                              {"x1": "input1", "x2": "input2", "target.reshape(-1)": "target", "margin": "margin"},
                              "PyTorch adds EPSILON = 1e-12 to each squared norm"),
            variants=[{"margin": 0.5}])
