"""bce_with_logits — binary cross-entropy on logits (the seeds' bceWithLogits).

    T = softplus(z) − t z,  softplus(z) = log(1 + exp z)
    ∂L/∂z = (σ(z) − t) / c,  σ(z) = 1 / (1 + exp(−z))          ∂L/∂t = −z / c
    Hessian w.r.t. z: diag(σ(z)(1 − σ(z))) / c
    Forms: max(z, 0) + log1p(exp(−|z|)) − t z (stable: what PyTorch computes) and
    −(t log σ(z) + (1 − t) log(1 − σ(z))) (naive: sigmoid then log, −inf once σ rounds to 0 or 1).

PyTorch: torch.nn.functional.binary_cross_entropy_with_logits(input=logits, target=target).
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.domains import PROBABILITY, REAL
from spec.reduction import count, reduce
from spec.xp import diag


def terms(logits, target, *, xp):
    return xp.log(1 + xp.exp(logits)) - target * logits


def grad_logits(logits, target, *, xp, reduction):
    return (1 / (1 + xp.exp(-logits)) - target) / count(logits, reduction)


def grad_target(logits, target, *, xp, reduction):
    return -logits / count(logits, reduction)


def stable(logits, target, *, xp, reduction):
    sp = xp.maximum(logits, 0) + xp.log1p(xp.exp(-xp.abs(logits)))
    return reduce(sp - target * logits, reduction, xp=xp)


def sigmoid_then_log(logits, target, *, xp, reduction):
    s = 1 / (1 + xp.exp(-logits))
    return reduce(-(target * xp.log(s) + (1 - target) * xp.log(1 - s)), reduction, xp=xp)


def hessian_logits(logits, target, *, xp, reduction):
    s = 1 / (1 + xp.exp(-logits))
    return diag(s * (1 - s) / count(logits, reduction), xp=xp)


SPEC = loss("bce_with_logits", terms, inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
            derivatives=[Derivative("logits", grad_logits), Derivative("target", grad_target),
                         Derivative("logits", hessian_logits, kind="hessian")],
            forms=[Form("softplus_stable", stable, True, "max(z, 0) + log1p(exp(−|z|)) − t z"),
                   Form("sigmoid_then_log", sigmoid_then_log, False, "−(t log σ(z) + (1 − t) log(1 − σ(z)))")],
            analogue=Analogue("torch.nn.functional.binary_cross_entropy_with_logits",
                              {"logits": "input", "target": "target"}))
