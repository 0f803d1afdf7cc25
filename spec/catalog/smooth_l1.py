"""smooth_l1 — the seeds' huberSpec, PyTorch's SmoothL1Loss (beta ≥ 0; beta = 0 is the L1 loss).

    d = p − t
    T = d² / (2 beta)      if |d| < beta
        |d| − beta / 2     otherwise            (the linear branch is taken at |d| = beta)
    ∂L/∂p = (d / beta if |d| < beta else sign(d)) / c,      ∂L/∂t = −∂L/∂p
    beta = 0: T = |d| and ∂L/∂p = sign(d) / c with sign(0) = 0 (PyTorch calls l1_loss there).

PyTorch: torch.nn.functional.smooth_l1_loss(input=predicted, target=target, beta=beta, reduction=...).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import residual_at
from spec.reduction import count


def _nonnegative(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), -float("inf")):
        return f"beta must be a finite number, got {v!r}"
    return None if v >= 0 else f"beta must be ≥ 0, got {v!r}"


def terms(predicted, target, *, xp, beta):
    d = predicted - target
    if beta == 0:
        return xp.abs(d)
    return xp.where(xp.abs(d) < beta, d * d / (2 * beta), xp.abs(d) - beta / 2)


def grad_predicted(predicted, target, *, xp, beta, reduction):
    d = predicted - target
    if beta == 0:
        return xp.sign(d) / count(predicted, reduction)
    return xp.where(xp.abs(d) < beta, d / beta, xp.sign(d)) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, beta, reduction):
    return -grad_predicted(predicted, target, xp=xp, beta=beta, reduction=reduction)



def hvp_predicted(predicted, target, tangent, *, xp, beta, reduction):
    """tangent / beta inside |p − t| < beta, 0 outside (and everywhere at beta = 0)."""
    d = predicted - target
    if beta == 0:
        return 0 * tangent / count(predicted, reduction)
    return xp.where(xp.abs(d) < beta, tangent / beta, 0 * tangent) / count(predicted, reduction)

SPEC = loss("smooth_l1", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            params=[Param("beta", 1, _nonnegative, "the width of the quadratic zone (0: the L1 loss)")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("|p − t| = beta", "the linear branch is taken at |d| = beta (both give ±1 there); "
                        "at beta = 0, sign(0) = 0", residual_at(lambda params: [params["beta"]]))],
            analogue=Analogue("torch.nn.functional.smooth_l1_loss",
                              {"predicted": "input", "target": "target", "beta": "beta"}),
            variants=[{"beta": 0}])
