"""cross_entropy — cross-entropy between probabilities (the seeds' crossEntropySpec).

    q = clamp(p, eps, 1 − eps)          T = −t · log q          L = reduce(T)  ("batchmean" by default)
    ∂L/∂p = −t / q / c  where eps ≤ p ≤ 1 − eps,  0 where the clamp is active
    ∂L/∂t = −log q / c
    The clamp passes the gradient at its bounds (p = eps and p = 1 − eps), as torch.clamp does.

PyTorch has no probabilities-in cross-entropy; the analogue is
nll_loss(log(clamp(p, eps, 1 − eps)), target.argmax(-1)) for one-hot targets, with reduction "mean"
over rows (which equals "batchmean" here).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import PROBABILITY, SIMPLEX_ROWS
from spec.entry import Kink, positive
from spec.kinks import entries_at
from spec.reduction import count


def terms(predicted, target, *, xp, eps):
    return -target * xp.log(xp.clip(predicted, eps, 1 - eps))


def grad_predicted(predicted, target, *, xp, eps, reduction):
    q = xp.clip(predicted, eps, 1 - eps)
    inside = (predicted >= eps) & (predicted <= 1 - eps)
    return xp.where(inside, -target / q, 0 * q) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, eps, reduction):
    return -xp.log(xp.clip(predicted, eps, 1 - eps)) / count(predicted, reduction)



def hvp_predicted(predicted, target, tangent, *, xp, eps, reduction):
    """t / q² ⊙ tangent / c where eps ≤ p ≤ 1 − eps; 0 where the clamp is active."""
    q = xp.clip(predicted, eps, 1 - eps)
    inside = (predicted >= eps) & (predicted <= 1 - eps)
    return xp.where(inside, target / (q * q) * tangent, 0 * q) / count(predicted, reduction)

SPEC = loss("cross_entropy", terms,
            inputs=[Input("predicted", PROBABILITY, "q"), Input("target", SIMPLEX_ROWS, "t")],
            params=[Param("eps", 1e-6, positive("eps"), "predicted is clamped to [eps, 1 − eps] before the log")],
            reduction="batchmean",
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("p = eps and p = 1 − eps", "the clamp passes the gradient at its bounds; 0 strictly outside",
                        entries_at("predicted", lambda params: [params["eps"], 1 - params["eps"]]))],
            analogue=Analogue("torch.nn.functional.nll_loss",
                              {"log(clamp(predicted, eps, 1 - eps))": "input", "target.argmax(-1)": "target"},
                              "one-hot targets only; PyTorch's reduction 'mean' averages rows (= batchmean)"))
