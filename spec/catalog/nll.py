"""nll — negative log-likelihood of log-probabilities under one-hot targets (the seeds' nll_one_hot_last),
with PyTorch's class weights.

    T = −w ⊙ t ⊙ log_probs            L = reduce(T)   ("batchmean" by default; w = weight, None: 1)
    ∂L/∂log_probs = −w ⊙ t / c        ∂L/∂t = −w ⊙ log_probs / c
    reduction "weighted_mean": c = Σ w ⊙ t = Σ_i w[y_i] (PyTorch's "mean" with weights); then
    ∂L/∂t = −w ⊙ (log_probs + L) / c.

PyTorch: torch.nn.functional.nll_loss(input=log_probs, target=target.argmax(-1), weight=weight); its
"mean" averages rows ("batchmean" here) without weights, and is "weighted_mean" with them.
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import LOG_PROBABILITY, ONEHOT_ROWS
from spec.reduction import WEIGHTED_MEAN, divisor
from spec.weights import per_class, weight_param


def _weighted(value, weight, x, xp):
    w = per_class(weight, x, xp=xp)
    return value if w is None else w * value


def reduction_weights(log_probs, target, *, xp, weight):
    return _weighted(target, weight, log_probs, xp)


def _divisor(log_probs, target, reduction, weight, xp):
    w = reduction_weights(log_probs, target, xp=xp, weight=weight) if reduction == WEIGHTED_MEAN else None
    return divisor(log_probs, reduction, w, xp=xp)


def terms(log_probs, target, *, xp, weight):
    return -_weighted(target, weight, log_probs, xp) * log_probs


def grad_log_probs(log_probs, target, *, xp, reduction, weight):
    return -_weighted(target, weight, log_probs, xp) / _divisor(log_probs, target, reduction, weight, xp)


def grad_target(log_probs, target, *, xp, reduction, weight):
    c = _divisor(log_probs, target, reduction, weight, xp)
    g = log_probs
    if reduction == WEIGHTED_MEAN:                    # the divisor Σ w t depends on t too
        g = log_probs + xp.sum(terms(log_probs, target, xp=xp, weight=weight)) / c
    return -_weighted(g, weight, log_probs, xp) / c



def hvp_log_probs(log_probs, target, tangent, *, xp, reduction, weight):
    """0: the loss is linear in log_probs."""
    return 0 * tangent / _divisor(log_probs, target, reduction, weight, xp)

SPEC = loss("nll", terms, inputs=[Input("log_probs", LOG_PROBABILITY, "l"), Input("target", ONEHOT_ROWS, "t")],
            params=[weight_param("weight", "one weight per class (last axis), or a number; None: 1")],
            reduction="batchmean", reduction_weights=reduction_weights,
            derivatives=[Derivative("log_probs", grad_log_probs), Derivative("log_probs", hvp_log_probs, kind="hvp"), Derivative("target", grad_target)],
            analogue=Analogue("torch.nn.functional.nll_loss",
                              {"log_probs": "input", "target.argmax(-1)": "target", "weight": "weight"},
                              "class-index targets; PyTorch 'mean' = batchmean unweighted, weighted_mean weighted"),
            variants=[{"weight": (1, 2, 0.5)}, {"weight": (1, 2, 0.5), "reduction": WEIGHTED_MEAN},
                      {"reduction": WEIGHTED_MEAN}])
