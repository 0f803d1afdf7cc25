"""poisson_nll — Poisson negative log-likelihood, log-rate input (the seeds' poissonSpec).

    T = exp(x) − t x + S(t)          S: Stirling's log t! where t > 1, only with full=True (spec.stirling)
    ∂L/∂x = (exp(x) − t) / c         ∂L/∂t = (−x + S'(t)) / c          Hessian w.r.t. x: diag(exp(x)) / c

PyTorch: torch.nn.functional.poisson_nll_loss(input=log_rate, target=target, log_input=True, full=full).
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import COUNTS, REAL
from spec.reduction import count
from spec.stirling import FULL, KINK, stirling, stirling_derivative
from spec.xp import diag


def terms(log_rate, target, *, xp, full):
    t = xp.exp(log_rate) - target * log_rate
    return t + stirling(target, xp=xp) if full else t


def grad_log_rate(log_rate, target, *, xp, reduction):
    return (xp.exp(log_rate) - target) / count(log_rate, reduction)


def grad_target(log_rate, target, *, xp, reduction, full):
    g = -log_rate + stirling_derivative(target, xp=xp) if full else -log_rate
    return g / count(log_rate, reduction)


def hessian_log_rate(log_rate, target, *, xp, reduction):
    return diag(xp.exp(log_rate) / count(log_rate, reduction), xp=xp)


SPEC = loss("poisson_nll", terms, inputs=[Input("log_rate", REAL, "x"), Input("target", COUNTS, "k")],
            params=[FULL],
            derivatives=[Derivative("log_rate", grad_log_rate), Derivative("target", grad_target),
                         Derivative("log_rate", hessian_log_rate, kind="hessian")],
            kinks=[KINK],
            analogue=Analogue("torch.nn.functional.poisson_nll_loss",
                              {"log_rate": "input", "target": "target", "full": "full"}, "log_input=True"),
            variants=[{"full": True}])
