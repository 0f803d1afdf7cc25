"""cross_entropy_index — cross-entropy on logits with class-index targets, as PyTorch computes it:
class weights, label smoothing and ignore_index.  A target is a one-hot row (the class index), or
an all-zero row for an ignored target (index == ignore_index).

    m_i = Σ_c t_ic   (1: kept, 0: ignored)         u = w ⊙ ((1 − ε) t + ε m / C)        (C classes)
    T = −u ⊙ log_softmax(z)                        L = Σ T / Σ (w ⊙ t)   ("weighted_mean", PyTorch's "mean")
    ∂L/∂z = (softmax(z) · Σ_c u_c − u) / c          per row; 0 on an ignored row (u = 0 there)
    ∂L/∂t = (−(1 − ε) w ⊙ ls − ε/C Σ_c w_c ls_c − L w) / c,  ls = log_softmax(z)   (t as reals;
            the L w term for "weighted_mean" only, whose divisor moves with t)
    c = Σ w ⊙ t = Σ_{i kept} w[y_i]  for "weighted_mean" (the kept rows when unweighted); the count
    for "sum" (1), "mean" (entries) and "batchmean" (every row, ignored ones too).
    Label smoothing spreads ε over the classes of kept rows only, weighted by w, and the smoothing
    term of PyTorch's "mean" is divided by the same Σ w[y_i] (aten's cross_entropy_loss_label_smoothing).
    Every row ignored: 0/0 (PyTorch returns NaN); the domain keeps at least one row.
    Forms: the max-shifted log-softmax (stable) and log(softmax(z)) (naive).

PyTorch: torch.nn.functional.cross_entropy(input=logits, target=index, weight=weight,
ignore_index=-100, label_smoothing=ε) with index = target.argmax(-1) on kept rows, −100 on ignored ones.
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.catalog.cross_entropy_logits import label_smoothing_param, weighted
from spec.catalog.log_softmax import log_of_softmax, log_softmax, log_softmax_shifted
from spec.catalog.softmax import softmax
from spec.domains import ONEHOT_OR_IGNORED_ROWS, REAL
from spec.reduction import WEIGHTED_MEAN, divisor, reduce
from spec.weights import weight_param


def smoothed(target, label_smoothing, *, xp):
    """(1 − ε) t + ε m / C, m = 1 on a kept row and 0 on an ignored one; t itself when ε = 0."""
    if label_smoothing == 0:
        return target
    kept = xp.sum(target, axis=-1, keepdims=True)
    return (1 - label_smoothing) * target + label_smoothing * kept / target.shape[-1]


def reduction_weights(logits, target, *, xp, weight):
    """W = w ⊙ t: Σ W = Σ over kept rows of w[y_i]."""
    return weighted(target, weight, logits, xp=xp)


def _u(logits, target, weight, label_smoothing, xp):
    return weighted(smoothed(target, label_smoothing, xp=xp), weight, logits, xp=xp)


def _divisor(logits, target, reduction, weight, xp):
    w = reduction_weights(logits, target, xp=xp, weight=weight) if reduction == WEIGHTED_MEAN else None
    return divisor(logits, reduction, w, xp=xp)


def terms(logits, target, *, xp, weight, label_smoothing):
    return -_u(logits, target, weight, label_smoothing, xp) * log_softmax(logits, xp=xp)


def grad_logits(logits, target, *, xp, reduction, weight, label_smoothing):
    u = _u(logits, target, weight, label_smoothing, xp)
    s = softmax(logits, xp=xp)
    return (s * xp.sum(u, axis=-1, keepdims=True) - u) / _divisor(logits, target, reduction, weight, xp)


def grad_target(logits, target, *, xp, reduction, weight, label_smoothing):
    """t as reals: ∂ΣT/∂t_ik = −(1 − ε) w_k ls_ik − ε/C Σ_c w_c ls_ic (the smoothing term reads
    m_i = Σ_c t_ic); for weighted_mean the divisor Σ w ⊙ t moves too: (∂ΣT/∂t − L w) / c."""
    ls = log_softmax(logits, xp=xp)
    wls = weighted(ls, weight, logits, xp=xp)
    g = -(1 - label_smoothing) * wls - label_smoothing * xp.sum(wls, axis=-1, keepdims=True) / logits.shape[-1]
    c = _divisor(logits, target, reduction, weight, xp)
    if reduction == WEIGHTED_MEAN:
        loss_value = xp.sum(terms(logits, target, xp=xp, weight=weight, label_smoothing=label_smoothing)) / c
        g = g - weighted(loss_value * xp.ones_like(target), weight, logits, xp=xp)
    return g / c


def _reduced(t, logits, target, reduction, weight, xp):
    w = reduction_weights(logits, target, xp=xp, weight=weight) if reduction == WEIGHTED_MEAN else None
    return reduce(t, reduction, xp=xp, weights=w)


def stable(logits, target, *, xp, reduction, weight, label_smoothing):
    u = _u(logits, target, weight, label_smoothing, xp)
    return _reduced(-u * log_softmax_shifted(logits, xp=xp), logits, target, reduction, weight, xp)


def naive(logits, target, *, xp, reduction, weight, label_smoothing):
    u = _u(logits, target, weight, label_smoothing, xp)
    return _reduced(-u * log_of_softmax(logits, xp=xp), logits, target, reduction, weight, xp)



def hvp_logits(logits, target, tangent, *, xp, reduction, weight, label_smoothing):
    """Per row: Σ_c u_c · (s ⊙ v − s (s·v)) / c,  s = softmax(z), v = tangent (0 on an ignored row)."""
    u = _u(logits, target, weight, label_smoothing, xp)
    s = softmax(logits, xp=xp)
    sv = s * tangent - s * xp.sum(s * tangent, axis=-1, keepdims=True)
    return xp.sum(u, axis=-1, keepdims=True) * sv / _divisor(logits, target, reduction, weight, xp)

SPEC = loss("cross_entropy_index", terms,
            inputs=[Input("logits", REAL, "z"), Input("target", ONEHOT_OR_IGNORED_ROWS, "t")],
            params=[weight_param("weight", "one weight per class (last axis), or a number; None: 1"),
                    label_smoothing_param()],
            reduction=WEIGHTED_MEAN, reduction_weights=reduction_weights,
            derivatives=[Derivative("logits", grad_logits), Derivative("target", grad_target),
                         Derivative("logits", hvp_logits, kind="hvp")],
            forms=[Form("max_shifted", stable, True, "−u · (z − max z − log Σ exp(z − max z))"),
                   Form("log_of_softmax", naive, False, "−u · log(softmax(z))")],
            analogue=Analogue("torch.nn.functional.cross_entropy",
                              {"logits": "input", "target": "target", "weight": "weight",
                               "label_smoothing": "label_smoothing"},
                              "class-index targets: target.argmax(-1), ignore_index=-100 on all-zero rows; "
                              "PyTorch 'mean' = weighted_mean"),
            variants=[{"label_smoothing": 0.1}, {"weight": (1, 2, 0.5), "label_smoothing": 0.1},
                      {"reduction": "sum"}])
