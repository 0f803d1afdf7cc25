"""bce_with_logits — binary cross-entropy on logits (the seeds' bceWithLogits), PyTorch's weight and
pos_weight included.

    T = w · (softplus(z) − t z + (pw − 1) · t · softplus(−z)),   softplus(z) = log(1 + exp z)
      = −w · (pw · t · log σ(z) + (1 − t) · log(1 − σ(z)))       w = weight, pw = pos_weight (None: 1)
    ∂L/∂z = w · ((1 + (pw − 1) t) σ(z) − pw · t) / c,  σ(z) = 1 / (1 + exp(−z))
    ∂L/∂t = w · (−z + (pw − 1) softplus(−z)) / c
    Hessian w.r.t. z: diag(w (1 + (pw − 1) t) σ(z)(1 − σ(z))) / c
    Forms: w · ((1 − t) z + (1 + (pw − 1) t)(max(−z, 0) + log1p(exp(−|z|)))) (stable: what PyTorch
    computes) and −w (pw t log σ(z) + (1 − t) log(1 − σ(z))) (naive: sigmoid then log, −inf once σ
    rounds to 0 or 1).  weight and pos_weight are each a number or one per class (last axis).

PyTorch: torch.nn.functional.binary_cross_entropy_with_logits(input=logits, target=target,
weight=weight, pos_weight=pos_weight).
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.domains import PROBABILITY, REAL
from spec.reduction import count, reduce
from spec.weights import per_class, weight_param
from spec.xp import diag


def _weighted(value, weight, logits, xp):
    w = per_class(weight, logits, xp=xp)
    return value if w is None else w * value


def _positive_factor(target, pos_weight, logits, xp):
    """1 + (pw − 1) t: how much the σ(z) part weighs (1 without pos_weight)."""
    pw = per_class(pos_weight, logits, xp=xp)
    return 1 if pw is None else 1 + (pw - 1) * target


def terms(logits, target, *, xp, weight, pos_weight):
    t = xp.log(1 + xp.exp(logits)) - target * logits
    pw = per_class(pos_weight, logits, xp=xp)
    if pw is not None:
        t = t + (pw - 1) * target * xp.log(1 + xp.exp(-logits))
    return _weighted(t, weight, logits, xp)


def grad_logits(logits, target, *, xp, reduction, weight, pos_weight):
    s = 1 / (1 + xp.exp(-logits))
    pw = per_class(pos_weight, logits, xp=xp)
    g = s - target if pw is None else _positive_factor(target, pos_weight, logits, xp) * s - pw * target
    return _weighted(g, weight, logits, xp) / count(logits, reduction)


def grad_target(logits, target, *, xp, reduction, weight, pos_weight):
    pw = per_class(pos_weight, logits, xp=xp)
    g = -logits if pw is None else -logits + (pw - 1) * xp.log(1 + xp.exp(-logits))
    return _weighted(g, weight, logits, xp) / count(logits, reduction)


def stable(logits, target, *, xp, reduction, weight, pos_weight):
    sp_neg = xp.maximum(-logits, 0) + xp.log1p(xp.exp(-xp.abs(logits)))         # softplus(−z), stably
    t = (1 - target) * logits + _positive_factor(target, pos_weight, logits, xp) * sp_neg
    return reduce(_weighted(t, weight, logits, xp), reduction, xp=xp)


def sigmoid_then_log(logits, target, *, xp, reduction, weight, pos_weight):
    s = 1 / (1 + xp.exp(-logits))
    pw = per_class(pos_weight, logits, xp=xp)
    positive = target * xp.log(s) if pw is None else pw * target * xp.log(s)
    return reduce(_weighted(-(positive + (1 - target) * xp.log(1 - s)), weight, logits, xp), reduction, xp=xp)


def hessian_logits(logits, target, *, xp, reduction, weight, pos_weight):
    s = 1 / (1 + xp.exp(-logits))
    h = _positive_factor(target, pos_weight, logits, xp) * s * (1 - s)
    return diag(_weighted(h, weight, logits, xp) / count(logits, reduction), xp=xp)


SPEC = loss("bce_with_logits", terms, inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
            params=[weight_param("weight", "scales each term: a number, or one per class (last axis); None: 1"),
                    weight_param("pos_weight", "weighs the positive part t·log σ(z): a number, or one per "
                                               "class (last axis); None: 1")],
            derivatives=[Derivative("logits", grad_logits), Derivative("target", grad_target),
                         Derivative("logits", hessian_logits, kind="hessian")],
            forms=[Form("softplus_stable", stable, True, "w((1 − t) z + (1 + (pw − 1) t)(max(−z, 0) + log1p(exp(−|z|))))"),
                   Form("sigmoid_then_log", sigmoid_then_log, False, "−w(pw t log σ(z) + (1 − t) log(1 − σ(z)))")],
            analogue=Analogue("torch.nn.functional.binary_cross_entropy_with_logits",
                              {"logits": "input", "target": "target", "weight": "weight", "pos_weight": "pos_weight"}),
            variants=[{"pos_weight": 3, "weight": 0.5}, {"pos_weight": (1, 2, 0.5), "weight": (2, 1, 1)}])
