"""cross_entropy_logits — cross-entropy on logits, via log_softmax (the seeds' crossEntropyLogitsSpec),
with PyTorch's class weights and label smoothing.

    t' = (1 − ε) t + ε / C          (label smoothing ε; C classes, the last axis)
    T = −w ⊙ t' ⊙ log_softmax(z)    L = reduce(T)   ("batchmean" by default)
    ∂L/∂z = (softmax(z) · Σ_j u_j − u) / c,  u = w ⊙ t'      in general (per row)
          = (softmax(z) − t') / c                        unweighted, where each target row sums to 1
    ∂L/∂t = −(1 − ε) w ⊙ log_softmax(z) / c
    reduction "weighted_mean": c = Σ w ⊙ t (PyTorch's "mean" for class-index targets with weights:
    Σ_i w[y_i] ℓ_i / Σ_i w[y_i]); then ∂L/∂t = (−(1 − ε) w ⊙ log_softmax(z) − L w) / c.
    Hessian w.r.t. z (unweighted, simplex targets): (diag(s) − s sᵀ) / c within each row, s = softmax(z);
    HVP: (s ⊙ u − s (s·u)) / c per row
    Forms: the max-shifted log-softmax (stable) and log(softmax(z)) (naive: −inf, then NaN, once a
    softmax entry underflows).

PyTorch: torch.nn.functional.cross_entropy(input=logits, target=target, weight=weight,
label_smoothing=ε) with class-probability targets; its default reduction "mean" divides by rows for
such targets, i.e. "batchmean".  With class-index targets (one-hot rows here) and weights its
"mean" is "weighted_mean".
"""
from spec.build import Analogue, Derivative, Form, Input, Param, loss
from spec.catalog.log_softmax import log_of_softmax, log_softmax, log_softmax_shifted
from spec.catalog.softmax import softmax
from spec.conditions import rows_sum_to_one
from spec.domains import PROBABILITY, REAL
from spec.reduction import WEIGHTED_MEAN, count, divisor, reduce
from spec.weights import per_class, weight_param
from spec.xp import diag


def _fraction(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        return f"label_smoothing must be a number in [0, 1], got {v!r}"
    return None


def label_smoothing_param() -> Param:
    """ε in [0, 1], default 0 (PyTorch's label_smoothing)."""
    return Param("label_smoothing", 0, _fraction, "ε: the target becomes (1 − ε) t + ε / C")


def smoothed(target, label_smoothing, *, xp):
    """(1 − ε) t + ε / C; t itself when ε = 0."""
    if label_smoothing == 0:
        return target
    return (1 - label_smoothing) * target + label_smoothing / target.shape[-1]


def weighted(value, weight, logits, *, xp):
    w = per_class(weight, logits, xp=xp)
    return value if w is None else w * value


def reduction_weights(logits, target, *, xp, weight):
    """W = w ⊙ t: with one-hot targets, Σ W = Σ_i w[y_i]."""
    return weighted(target, weight, logits, xp=xp)


def _divisor(logits, target, reduction, weight, xp):
    w = reduction_weights(logits, target, xp=xp, weight=weight) if reduction == WEIGHTED_MEAN else None
    return divisor(logits, reduction, w, xp=xp)


def terms(logits, target, *, xp, weight, label_smoothing):
    return -weighted(smoothed(target, label_smoothing, xp=xp), weight, logits, xp=xp) * log_softmax(logits, xp=xp)


def grad_logits(logits, target, *, xp, reduction, weight, label_smoothing):
    u = weighted(smoothed(target, label_smoothing, xp=xp), weight, logits, xp=xp)
    s = softmax(logits, xp=xp)
    return (s * xp.sum(u, axis=-1, keepdims=True) - u) / _divisor(logits, target, reduction, weight, xp)


def grad_logits_simplex(logits, target, *, xp, reduction, label_smoothing):
    return (softmax(logits, xp=xp) - smoothed(target, label_smoothing, xp=xp)) / count(logits, reduction)


def grad_target(logits, target, *, xp, reduction, weight, label_smoothing):
    g = -(1 - label_smoothing) * weighted(log_softmax(logits, xp=xp), weight, logits, xp=xp)
    c = _divisor(logits, target, reduction, weight, xp)
    if reduction == WEIGHTED_MEAN:                    # the divisor Σ w t depends on t too
        loss_value = xp.sum(terms(logits, target, xp=xp, weight=weight, label_smoothing=label_smoothing)) / c
        g = g - weighted(loss_value * xp.ones_like(target), weight, logits, xp=xp)
    return g / c


def _reduced(t, logits, target, reduction, weight, xp):
    w = reduction_weights(logits, target, xp=xp, weight=weight) if reduction == WEIGHTED_MEAN else None
    return reduce(t, reduction, xp=xp, weights=w)


def stable(logits, target, *, xp, reduction, weight, label_smoothing):
    u = weighted(smoothed(target, label_smoothing, xp=xp), weight, logits, xp=xp)
    return _reduced(-u * log_softmax_shifted(logits, xp=xp), logits, target, reduction, weight, xp)


def naive(logits, target, *, xp, reduction, weight, label_smoothing):
    u = weighted(smoothed(target, label_smoothing, xp=xp), weight, logits, xp=xp)
    return _reduced(-u * log_of_softmax(logits, xp=xp), logits, target, reduction, weight, xp)


def hessian_logits_simplex(logits, target, *, xp, reduction):
    """(diag(s) − s sᵀ) / c within each row, 0 across rows."""
    s = softmax(logits, xp=xp)
    lead = (1,) * s.ndim
    same_row = xp.sum(xp.eye_like(s), axis=-1, keepdims=True)        # δ over every axis but the last
    outer = s.reshape(s.shape + lead) * s.reshape(lead + s.shape) * same_row
    return (diag(s, xp=xp) - outer) / count(logits, reduction)


def hvp_logits_simplex(logits, target, tangent, *, xp, reduction):
    s = softmax(logits, xp=xp)
    return (s * tangent - s * xp.sum(s * tangent, axis=-1, keepdims=True)) / count(logits, reduction)


SPEC = loss("cross_entropy_logits", terms,
            inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
            params=[weight_param("weight", "one weight per class (last axis), or a number; None: 1"),
                    label_smoothing_param()],
            reduction="batchmean", reduction_weights=reduction_weights,
            derivatives=[Derivative("logits", grad_logits, label="general"),
                         Derivative("logits", grad_logits_simplex, ("target_rows_sum_to_1",), "simplex targets"),
                         Derivative("target", grad_target),
                         Derivative("logits", hessian_logits_simplex, ("target_rows_sum_to_1",), "simplex targets",
                                    kind="hessian"),
                         Derivative("logits", hvp_logits_simplex, ("target_rows_sum_to_1",), "simplex targets",
                                    kind="hvp")],
            forms=[Form("max_shifted", stable, True, "−t · (z − max z − log Σ exp(z − max z))"),
                   Form("log_of_softmax", naive, False, "−t · log(softmax(z))")],
            conditions=[rows_sum_to_one("target")],
            analogue=Analogue("torch.nn.functional.cross_entropy",
                              {"logits": "input", "target": "target", "weight": "weight",
                               "label_smoothing": "label_smoothing"},
                              "class-probability targets; PyTorch 'mean' = batchmean for them"),
            variants=[{"label_smoothing": 0.1}, {"weight": (1, 2, 0.5), "label_smoothing": 0.1},
                      {"weight": (1, 2, 0.5), "label_smoothing": 0.1, "reduction": WEIGHTED_MEAN}])
