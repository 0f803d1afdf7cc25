"""multiclass_perceptron — the multi-class perceptron loss of optax, with one-hot rows as the label.

    T_i = max_c x_ic − Σ_c t_ic x_ic                              one term per row (≥ 0)
    ∂L/∂x = (first_max(x) − t) / c          ∂L/∂t = −x / c        (t as reals)
    c: the rows for "mean", 1 for "sum".  At a tie for a row's max the derivative goes to the first
    tied class (spec.argmax); JAX's jnp.max splits it equally among the tied classes.
    No every-size closed form (a row's max has none in derive.sizes): emitted='skip'.

optax: optax.losses.multiclass_perceptron_loss(scores, labels=target.argmax(-1)) (one value per row).
"""
import numpy as np

from spec.argmax import first_max
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import ONEHOT_ROWS, REAL
from spec.entry import Kink
from spec.reduction import rows_count


def terms(scores, target, *, xp):
    return xp.max(scores, axis=-1, keepdims=True) - xp.sum(target * scores, axis=-1, keepdims=True)


def grad_scores(scores, target, *, xp, reduction):
    return (first_max(scores, xp=xp) - target) / rows_count(scores, reduction)


def grad_target(scores, target, *, xp, reduction):
    return -scores / rows_count(scores, reduction)


def tie_points(p, params):
    """Every other class's score at the target's (all tied) and a little either side."""
    x, t = np.asarray(p["scores"], dtype=object), np.asarray(p["target"], dtype=object)
    pos = (x * t).sum(axis=-1, keepdims=True)
    return [dict(p, scores=np.asarray(np.where(t == 1, x, pos + r), dtype=object))
            for r in (0, 10 ** -6, -10 ** -6)]



def hvp_scores(scores, target, tangent, *, xp, reduction):
    """0: the loss is piecewise linear in scores (its second derivative vanishes off the kinks)."""
    return 0 * tangent / rows_count(scores, reduction)

SPEC = loss("multiclass_perceptron", terms,
            inputs=[Input("scores", REAL, "x"), Input("target", ONEHOT_ROWS, "t")],
            derivatives=[Derivative("scores", grad_scores), Derivative("scores", hvp_scores, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("scores tied for a row's max", "the first tied class takes the derivative", tie_points)],
            analogue=Analogue("optax.losses.multiclass_perceptron_loss", {"scores": "scores", "target": "labels"},
                              "labels as class indices: target.argmax(-1)"),
            emitted="skip")
