"""nll — negative log-likelihood of log-probabilities under one-hot targets (the seeds' nll_one_hot_last).

    T = −t ⊙ log_probs                L = reduce(T)   ("batchmean" by default)
    ∂L/∂log_probs = −t / c            ∂L/∂t = −log_probs / c

PyTorch: torch.nn.functional.nll_loss(input=log_probs, target=target.argmax(-1)); its "mean"
averages rows, which is "batchmean" here.
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import LOG_PROBABILITY, ONEHOT_ROWS
from spec.reduction import count


def terms(log_probs, target, *, xp):
    return -target * log_probs


def grad_log_probs(log_probs, target, *, xp, reduction):
    return -target / count(log_probs, reduction)


def grad_target(log_probs, target, *, xp, reduction):
    return -log_probs / count(log_probs, reduction)


SPEC = loss("nll", terms, inputs=[Input("log_probs", LOG_PROBABILITY, "l"), Input("target", ONEHOT_ROWS, "t")],
            reduction="batchmean",
            derivatives=[Derivative("log_probs", grad_log_probs), Derivative("target", grad_target)],
            analogue=Analogue("torch.nn.functional.nll_loss", {"log_probs": "input", "target.argmax(-1)": "target"},
                              "class-index targets; PyTorch 'mean' = batchmean for unweighted one-hot targets"))
