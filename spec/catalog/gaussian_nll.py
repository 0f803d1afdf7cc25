"""gaussian_nll — the negative log-likelihood of a Gaussian with predicted mean and variance
(PyTorch's gaussian_nll_loss).

    v = max(var, eps)                                       (eps = 1e-6: PyTorch's clamp)
    T = ½ (log v + (p − t)² / v)      (+ ½ log 2π when full)
    ∂L/∂p = (p − t) / v / c           ∂L/∂t = −(p − t) / v / c
    ∂L/∂var = ½ (1/var − (p − t)²/var²) / c where var ≥ eps, else 0 (the clamp is flat there)
    At var = eps the variance's own branch is taken (maximum's tie goes to its first argument).
    HVP w.r.t. p along u: u / v / c.

PyTorch: torch.nn.functional.gaussian_nll_loss(input=predicted, target=target, var=var, full=full,
eps=eps).  PyTorch clamps var without recording it for autograd, so below eps its var gradient is
that of the clamped value, not 0 (an audit convention).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import POSITIVE, REAL
from spec.entry import Kink, positive
from spec.kinks import entries_at
from spec.reduction import count


def _full(v):
    return None if isinstance(v, bool) else f"full must be True or False, got {v!r}"


def terms(predicted, target, var, *, xp, eps, full):
    v = xp.maximum(var, eps)
    t = (xp.log(v) + (predicted - target) ** 2 / v) / 2
    return t + xp.log(2 * xp.pi) / 2 if full else t


def grad_predicted(predicted, target, var, *, xp, eps, reduction):
    return (predicted - target) / xp.maximum(var, eps) / count(predicted, reduction)


def hvp_predicted(predicted, target, var, tangent, *, xp, eps, reduction):
    return tangent / xp.maximum(var, eps) / count(predicted, reduction)


def grad_target(predicted, target, var, *, xp, eps, reduction):
    return -(predicted - target) / xp.maximum(var, eps) / count(predicted, reduction)


def grad_var(predicted, target, var, *, xp, eps, reduction):
    d2 = (predicted - target) ** 2
    return xp.where(var >= eps, (1 / var - d2 / (var * var)) / 2, 0 * var) / count(predicted, reduction)


SPEC = loss("gaussian_nll", terms,
            inputs=[Input("predicted", REAL, "μ"), Input("target", REAL, "t"), Input("var", POSITIVE, "σ2")],
            params=[Param("eps", 1e-6, positive("eps"), "the variance's floor (clamped, as PyTorch)"),
                    Param("full", False, _full, "add the constant ½ log 2π")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("var", grad_var), Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("var = eps", "the variance's own branch at the floor", entries_at("var", lambda p: [p["eps"]]))],
            analogue=Analogue("torch.nn.functional.gaussian_nll_loss",
                              {"predicted": "input", "target": "target", "var": "var", "eps": "eps", "full": "full"}),
            variants=[{"eps": 0.5}])
