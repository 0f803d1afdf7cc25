"""bce_log_clamped — binary cross-entropy as PyTorch computes it: each log clamped at −100, p not
clamped.  A self-consistency spec: `gradspec audit torch` audits binary_cross_entropy's backward
against the derivative of *what torch's own forward computes* (bce, the spec with p clamped to
[eps, 1 − eps], differs from torch's forward on purpose near 0 and 1).

    ℓ₁ = max(log p, −100),  ℓ₀ = max(log(1 − p), −100)       (log 0 = −∞: the floor)
    T = −(t ℓ₁ + (1 − t) ℓ₀)
    ∂L/∂p = (−t/p · [log p ≥ −100] + (1 − t)/(1 − p) · [log(1 − p) ≥ −100]) / c
    ∂L/∂t = (ℓ₀ − ℓ₁) / c
    At a floor (p = e^-100, never a float) the log's own branch is taken (maximum's tie goes to its
    first argument); past it the clamp is flat: that term's derivative is 0.

PyTorch: torch.nn.functional.binary_cross_entropy(input=predicted, target=target) — its forward is
this function; its backward is (p − t)/max(p(1 − p), 10⁻¹²) for the input and log(1 − p) − log p for
the target: not the derivative of its own forward below p ≈ 10⁻¹² (the 10⁻¹² floor) nor past the
log clamp (p < e^-100), which is what an audit against this spec shows.
"""
from spec.build import Analogue, Derivative, Input, loss
from spec.domains import PROBABILITY
from spec.reduction import count

FLOOR = -100


def _logs(predicted, xp):
    return xp.maximum(xp.log(predicted), FLOOR + 0 * predicted), xp.maximum(xp.log(1 - predicted), FLOOR + 0 * predicted)


def terms(predicted, target, *, xp):
    l1, l0 = _logs(predicted, xp)
    return -(target * l1 + (1 - target) * l0)


def grad_predicted(predicted, target, *, xp, reduction):
    d1 = xp.where(xp.log(predicted) >= FLOOR, -target / predicted, 0 * predicted)
    d0 = xp.where(xp.log(1 - predicted) >= FLOOR, (1 - target) / (1 - predicted), 0 * predicted)
    return (d1 + d0) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, reduction):
    l1, l0 = _logs(predicted, xp)
    return (l0 - l1) / count(predicted, reduction)


def hvp_predicted(predicted, target, tangent, *, xp, reduction):
    """(t/p² · [log p ≥ −100] + (1 − t)/(1 − p)² · [log(1 − p) ≥ −100]) ⊙ tangent / c."""
    h1 = xp.where(xp.log(predicted) >= FLOOR, target / (predicted * predicted), 0 * predicted)
    h0 = xp.where(xp.log(1 - predicted) >= FLOOR, (1 - target) / ((1 - predicted) * (1 - predicted)), 0 * predicted)
    return (h1 + h0) * tangent / count(predicted, reduction)


SPEC = loss("bce_log_clamped", terms,
            inputs=[Input("predicted", PROBABILITY, "p"), Input("target", PROBABILITY, "t")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            analogue=Analogue("torch.nn.functional.binary_cross_entropy", {"predicted": "input", "target": "target"},
                              "the same forward: each log clamped at −100"))
