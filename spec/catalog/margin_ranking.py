"""margin_ranking — a ranking hinge between two scores with ±1 labels (PyTorch's MarginRankingLoss).

    m = −y (x1 − x2) + margin          T = max(0, m)
    ∂L/∂x1 = (−y where m > 0, else 0) / c     ∂L/∂x2 = (y where m > 0, else 0) / c
    ∂L/∂y = (−(x1 − x2) where m > 0, else 0) / c
    At the tie m = 0 the subgradient 0 is taken (as for hinge).  PyTorch's clamp_min(0) passes the
    gradient there (−y for x1); JAX's maximum splits it (−y/2): conventions, stated in audits.

PyTorch: torch.nn.functional.margin_ranking_loss(input1=x1, input2=x2, target=target, margin=margin).
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


def _active(x1, x2, target, margin):
    return -target * (x1 - x2) + margin > 0


def terms(x1, x2, target, *, xp, margin):
    return xp.maximum(0 * x1, -target * (x1 - x2) + margin)


def grad_x1(x1, x2, target, *, xp, margin, reduction):
    return xp.where(_active(x1, x2, target, margin), -target, 0 * target) / count(x1, reduction)


def grad_x2(x1, x2, target, *, xp, margin, reduction):
    return xp.where(_active(x1, x2, target, margin), target, 0 * target) / count(x1, reduction)


def grad_target(x1, x2, target, *, xp, margin, reduction):
    return xp.where(_active(x1, x2, target, margin), x2 - x1, 0 * x1) / count(x1, reduction)


def tie_points(p, params):
    """x1 = x2 + y (margin − s) for s on and around 0, so that m = s sits on and beside the tie."""
    y = p["target"]
    return [dict(p, x1=np.asarray(p["x2"] + y * (params["margin"] - s), dtype=object)) for s in around(0)]



def hvp_x1(x1, x2, target, tangent, *, xp, margin, reduction):
    """0: the loss is piecewise linear in x1 (its second derivative vanishes off the kinks)."""
    return 0 * tangent / count(x1, reduction)

SPEC = loss("margin_ranking", terms,
            inputs=[Input("x1", REAL, "a"), Input("x2", REAL, "b"), Input("target", SIGN_LABELS, "y")],
            params=[Param("margin", 0, _finite, "the margin by which x1 should exceed x2 where y = 1")],
            derivatives=[Derivative("x1", grad_x1), Derivative("x1", hvp_x1, kind="hvp"), Derivative("x2", grad_x2), Derivative("target", grad_target)],
            kinks=[Kink("−y (x1 − x2) + margin = 0", "at the tie the subgradient 0 is taken", tie_points)],
            analogue=Analogue("torch.nn.functional.margin_ranking_loss",
                              {"x1": "input1", "x2": "input2", "target": "target", "margin": "margin"}),
            variants=[{"margin": 0.5}])
