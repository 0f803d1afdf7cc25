"""cross_entropy_logits — cross-entropy on logits, via log_softmax (the seeds' crossEntropyLogitsSpec).

    T = −t ⊙ log_softmax(z)                     L = reduce(T)   ("batchmean" by default)
    ∂L/∂z = (softmax(z) · Σ_j t_j − t) / c      in general (per row)
          = (softmax(z) − t) / c                where each target row sums to 1 (one-hot, label-smoothed)
    ∂L/∂t = −log_softmax(z) / c
    Hessian w.r.t. z (simplex targets): (diag(s) − s sᵀ) / c within each row, s = softmax(z);
    HVP: (s ⊙ u − s (s·u)) / c per row
    Forms: the max-shifted log-softmax (stable) and log(softmax(z)) (naive: −inf, then NaN, once a
    softmax entry underflows).

PyTorch: torch.nn.functional.cross_entropy(input=logits, target=target) with class-probability
targets; its default reduction "mean" divides by rows for such targets, i.e. "batchmean".
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.catalog.log_softmax import log_of_softmax, log_softmax, log_softmax_shifted
from spec.catalog.softmax import softmax
from spec.conditions import rows_sum_to_one
from spec.domains import PROBABILITY, REAL
from spec.reduction import count, reduce
from spec.xp import diag


def terms(logits, target, *, xp):
    return -target * log_softmax(logits, xp=xp)


def grad_logits(logits, target, *, xp, reduction):
    s = softmax(logits, xp=xp)
    return (s * xp.sum(target, axis=-1, keepdims=True) - target) / count(logits, reduction)


def grad_logits_simplex(logits, target, *, xp, reduction):
    return (softmax(logits, xp=xp) - target) / count(logits, reduction)


def grad_target(logits, target, *, xp, reduction):
    return -log_softmax(logits, xp=xp) / count(logits, reduction)


def stable(logits, target, *, xp, reduction):
    return reduce(-target * log_softmax_shifted(logits, xp=xp), reduction, xp=xp)


def naive(logits, target, *, xp, reduction):
    return reduce(-target * log_of_softmax(logits, xp=xp), reduction, xp=xp)


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
            reduction="batchmean",
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
            analogue=Analogue("torch.nn.functional.cross_entropy", {"logits": "input", "target": "target"},
                              "class-probability targets; PyTorch 'mean' = batchmean for them"))
