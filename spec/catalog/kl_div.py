"""kl_div — KL divergence from log-probabilities to target probabilities (PyTorch's kl_div).

    T = t log t − t · log_probs   (t log t = 0 at t = 0, as xlogy)      L = reduce(T)  ("batchmean")
    ∂L/∂log_probs = −t / c
    ∂L/∂t = (log t + 1 − log_probs) / c          only where every target entry is nonzero:
           t log t has no derivative at t = 0 (its slope tends to −∞).

PyTorch: torch.nn.functional.kl_div(input=log_probs, target=target, reduction="batchmean",
log_target=False).
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.conditions import entries_nonzero
from spec.domains import LOG_PROBABILITY, SIMPLEX_ROWS
from spec.reduction import count


def terms(log_probs, target, *, xp):
    return xp.xlogy(target, target) - target * log_probs


def grad_log_probs(log_probs, target, *, xp, reduction):
    return -target / count(log_probs, reduction)


def grad_target(log_probs, target, *, xp, reduction):
    return (xp.log(target) + 1 - log_probs) / count(log_probs, reduction)



def hvp_log_probs(log_probs, target, tangent, *, xp, reduction):
    """0: the loss is linear in log_probs."""
    return 0 * tangent / count(log_probs, reduction)


def hvp_target(log_probs, target, tangent, *, xp, reduction):
    """∂²L/∂t² = diag(1/t) / c (where t ≠ 0)."""
    return tangent / (target * count(log_probs, reduction))

SPEC = loss("kl_div", terms, inputs=[Input("log_probs", LOG_PROBABILITY, "l"), Input("target", SIMPLEX_ROWS, "t")],
            reduction="batchmean",
            derivatives=[Derivative("log_probs", grad_log_probs),
                         Derivative("target", grad_target, ("target_nonzero",)),
                         Derivative("log_probs", hvp_log_probs, kind="hvp"),
                         Derivative("target", hvp_target, ("target_nonzero",), kind="hvp")],
            conditions=[entries_nonzero("target")],
            analogue=Analogue("torch.nn.functional.kl_div", {"log_probs": "input", "target": "target"},
                              "reduction='batchmean', log_target=False; PyTorch's default 'mean' divides by all entries"))
