"""kl_div_log_target — KL divergence with the target given as log-probabilities (PyTorch's
kl_div(..., log_target=True)).

    T = exp(lt) (lt − log_probs)          (lt: the target's log-probabilities)    L = reduce(T) ("batchmean")
    ∂L/∂log_probs = −exp(lt) / c          ∂L/∂lt = exp(lt) (lt − log_probs + 1) / c
    Unlike kl_div with probability targets, no condition is needed: a target probability of 0 is
    lt = −∞, outside the inputs, and exp(lt) is smooth everywhere.

PyTorch: torch.nn.functional.kl_div(input=log_probs, target=target, reduction="batchmean", log_target=True).
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import LOG_PROBABILITY
from spec.reduction import count


def terms(log_probs, target, *, xp):
    return xp.exp(target) * (target - log_probs)


def grad_log_probs(log_probs, target, *, xp, reduction):
    return -xp.exp(target) / count(log_probs, reduction)


def grad_target(log_probs, target, *, xp, reduction):
    return xp.exp(target) * (target - log_probs + 1) / count(log_probs, reduction)



def hvp_log_probs(log_probs, target, tangent, *, xp, reduction):
    """0: the loss is linear in log_probs."""
    return 0 * tangent / count(log_probs, reduction)


def hvp_target(log_probs, target, tangent, *, xp, reduction):
    """∂²/∂t² of eᵗ (t − l) = eᵗ (t − l + 2)."""
    return xp.exp(target) * (target - log_probs + 2) * tangent / count(log_probs, reduction)

SPEC = loss("kl_div_log_target", terms,
            inputs=[Input("log_probs", LOG_PROBABILITY, "l"), Input("target", LOG_PROBABILITY, "u")],
            reduction="batchmean",
            derivatives=[Derivative("log_probs", grad_log_probs), Derivative("target", grad_target),
                         Derivative("log_probs", hvp_log_probs, kind="hvp"), Derivative("target", hvp_target, kind="hvp")],
            analogue=Analogue("torch.nn.functional.kl_div", {"log_probs": "input", "target": "target"},
                              "reduction='batchmean', log_target=True"))
