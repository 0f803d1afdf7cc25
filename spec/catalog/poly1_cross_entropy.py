"""poly1_cross_entropy — the Poly-1 loss (Leng et al. 2022): cross-entropy on logits plus
ε (1 − p_t), one term per row (optax's poly_loss_cross_entropy).

    s = softmax(z) (rows),  p_t = Σ_c t_c s_c
    T_i = −Σ_c t_c log s_c + ε (1 − p_t)                  one term per row; L = reduce(T)
    ∂L/∂z = (s Σ_c t_c − t − ε (s ⊙ t − s p_t)) / c       (c: the rows for "mean", 1 for "sum")
    ∂L/∂t = (−log s − ε s) / c

optax: optax.poly_loss_cross_entropy(logits, labels, epsilon) (per row; the mean over rows here).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL, SIMPLEX_ROWS
from spec.entry import number
from spec.reduction import rows_count


def _log_softmax(z, xp):
    return z - xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))


def terms(logits, target, *, xp, epsilon):
    ls = _log_softmax(logits, xp)
    p_t = xp.sum(target * xp.exp(ls), axis=-1, keepdims=True)
    return -xp.sum(target * ls, axis=-1, keepdims=True) + epsilon * (1 - p_t)


def grad_logits(logits, target, *, xp, epsilon, reduction):
    s = xp.exp(_log_softmax(logits, xp))
    p_t = xp.sum(target * s, axis=-1, keepdims=True)
    total = xp.sum(target, axis=-1, keepdims=True)
    return (s * total - target - epsilon * (s * target - s * p_t)) / rows_count(logits, reduction)


def grad_target(logits, target, *, xp, epsilon, reduction):
    ls = _log_softmax(logits, xp)
    return (-ls - epsilon * xp.exp(ls)) / rows_count(logits, reduction)



def hvp_logits(logits, target, tangent, *, xp, epsilon, reduction):
    """Per row, s = softmax(z), p = t·s, T = Σ t, u = tangent:
    (T (s ⊙ u − s (s·u)) − ε (s ⊙ (t − p) ⊙ (u − s·u) − s Σ_l s_l (t_l − p) u_l)) / c."""
    s = xp.exp(_log_softmax(logits, xp))
    p_t = xp.sum(target * s, axis=-1, keepdims=True)
    total = xp.sum(target, axis=-1, keepdims=True)
    su = xp.sum(s * tangent, axis=-1, keepdims=True)
    ce = total * (s * tangent - s * su)
    poly = s * (target - p_t) * (tangent - su) - s * xp.sum(s * (target - p_t) * tangent, axis=-1, keepdims=True)
    return (ce - epsilon * poly) / rows_count(logits, reduction)

SPEC = loss("poly1_cross_entropy", terms, inputs=[Input("logits", REAL, "z"), Input("target", SIMPLEX_ROWS, "t")],
            params=[Param("epsilon", 2.0, number("epsilon"), "ε: the weight of the first polynomial term (optax: 2.0)")],
            derivatives=[Derivative("logits", grad_logits), Derivative("target", grad_target),
                         Derivative("logits", hvp_logits, kind="hvp")],
            analogue=Analogue("optax.poly_loss_cross_entropy", {"logits": "logits", "target": "labels",
                                                                "epsilon": "epsilon"},
                              "optax returns one loss per row; PyTorch has none"),
            variants=[{"epsilon": -1}])
