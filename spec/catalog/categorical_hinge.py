"""categorical_hinge — Keras' categorical hinge, with one-hot rows as the target.

    pos_i = Σ_c t_ic x_ic      neg_i = max_c (1 − t_ic) x_ic      T_i = max(0, neg_i − pos_i + 1)
    ∂L/∂x = a ⊙ ((1 − t) ⊙ m − t) / c          ∂L/∂t = a ⊙ (−m ⊙ x − x) / c      (t as reals)
    m = first_max((1 − t) ⊙ x) (spec.argmax), a_i = [neg_i − pos_i + 1 > 0]; c: the rows for "mean".
    As Keras writes it, neg includes the target's own slot as 0: when every other score is negative,
    neg = 0, not the largest other score.  At the hinge's tie the subgradient 0 is taken (Keras on
    JAX: jnp.maximum splits it, half); at a tie for the max the first tied class takes the
    derivative (JAX splits it equally).  No every-size closed form: emitted='skip'.

Keras: keras.losses.categorical_hinge(y_true=target, y_pred=predicted) (one value per row).
"""
import numpy as np

from spec.argmax import first_max
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import ONEHOT_ROWS, REAL
from spec.entry import Kink
from spec.reduction import rows_count


def _parts(predicted, target, xp):
    others = (1 - target) * predicted
    z = xp.max(others, axis=-1, keepdims=True) - xp.sum(target * predicted, axis=-1, keepdims=True) + 1
    return others, z


def terms(predicted, target, *, xp):
    _, z = _parts(predicted, target, xp)
    return xp.maximum(0 * z, z)


def _active(z, xp):
    return xp.where(z > 0, xp.ones_like(z), 0 * z)


def grad_predicted(predicted, target, *, xp, reduction):
    others, z = _parts(predicted, target, xp)
    m = first_max(others, xp=xp)
    return _active(z, xp) * ((1 - target) * m - target) / rows_count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    others, z = _parts(predicted, target, xp)
    m = first_max(others, xp=xp)
    return _active(z, xp) * (-m * predicted - predicted) / rows_count(predicted, reduction)


def tie_points(p, params):
    """The target's score 2 and every other at 1 + r: the others tied for the max, and the hinge
    tied (neg − pos + 1 = 0) at r = 0; then every other score negative, so that neg is the target's 0."""
    t = np.asarray(p["target"], dtype=object)
    out = [dict(p, predicted=np.asarray(np.where(t == 1, 2, 1 + r), dtype=object))
           for r in (0, 10 ** -6, -10 ** -6)]
    out.append(dict(p, predicted=np.asarray(np.where(t == 1, 0.5, -1), dtype=object)))
    return out



def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    """0: the loss is piecewise linear in predicted (its second derivative vanishes off the kinks)."""
    return 0 * tangent / rows_count(predicted, reduction)

SPEC = loss("categorical_hinge", terms, inputs=[Input("predicted", REAL, "x"), Input("target", ONEHOT_ROWS, "t")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("predicted", hvp_predicted, kind="hvp"), Derivative("target", grad_target)],
            kinks=[Kink("neg − pos + 1 = 0, and ties for the max of (1 − t) x",
                        "the subgradient 0 at the hinge's tie; the first tied class takes the max's derivative",
                        tie_points)],
            analogue=Analogue("keras.losses.categorical_hinge", {"target": "y_true", "predicted": "y_pred"},
                              "one-hot targets; one value per row"),
            emitted="skip")
