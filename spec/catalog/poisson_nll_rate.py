"""poisson_nll_rate — Poisson negative log-likelihood on the rate itself (PyTorch's log_input=False).

    T = r − t log(r + eps) + S(t)      S: Stirling's log t! where t > 1, only with full=True (spec.stirling)
    ∂L/∂r = (1 − t / (r + eps)) / c    ∂L/∂t = (−log(r + eps) + S'(t)) / c
    Hessian w.r.t. r: diag(t / (r + eps)²) / c
    eps keeps log finite at r = 0; without it (eps → 0) the loss is +∞ at r = 0 < t.

PyTorch: torch.nn.functional.poisson_nll_loss(input=rate, target=target, log_input=False, full=full,
eps=eps) (eps = 1e-8).  Keras: keras.losses.poisson(y_true=target, y_pred=rate), eps = 1e-7 (its
epsilon()), averaged over the last axis.
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import COUNTS, NONNEGATIVE
from spec.entry import positive
from spec.reduction import count
from spec.stirling import FULL, KINK, stirling, stirling_derivative
from spec.xp import diag


def terms(rate, target, *, xp, eps, full):
    t = rate - target * xp.log(rate + eps)
    return t + stirling(target, xp=xp) if full else t


def grad_rate(rate, target, *, xp, eps, reduction):
    return (1 - target / (rate + eps)) / count(rate, reduction)


def grad_target(rate, target, *, xp, eps, reduction, full):
    g = -xp.log(rate + eps)
    return (g + stirling_derivative(target, xp=xp) if full else g) / count(rate, reduction)


def hessian_rate(rate, target, *, xp, eps, reduction):
    return diag(target / (rate + eps) ** 2 / count(rate, reduction), xp=xp)


SPEC = loss("poisson_nll_rate", terms, inputs=[Input("rate", NONNEGATIVE, "r"), Input("target", COUNTS, "k")],
            params=[Param("eps", 1e-8, positive("eps"), "added to the rate inside the log"), FULL],
            derivatives=[Derivative("rate", grad_rate), Derivative("target", grad_target),
                         Derivative("rate", hessian_rate, kind="hessian")],
            kinks=[KINK],
            analogue=Analogue("torch.nn.functional.poisson_nll_loss",
                              {"rate": "input", "target": "target", "eps": "eps", "full": "full"}, "log_input=False"),
            variants=[{"full": True}])
