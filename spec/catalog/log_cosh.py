"""log_cosh — log of the hyperbolic cosine of the residual (the seeds' logCoshSpec).

    T = log cosh(p − t)            ∂L/∂p = tanh(p − t) / c          ∂L/∂t = −tanh(p − t) / c
    Hessian w.r.t. p: diag(1 − tanh²(p − t)) / c
    Stable form: |d| + log1p(exp(−2|d|)) − log 2 (cosh overflows for |d| > ~89 in float32, ~710 in float64).

PyTorch: no built-in; torch.log(torch.cosh(predicted - target)).mean() is the naive form.
"""

from spec.build import Analogue, Derivative, Form, Input, loss
from spec.domains import REAL
from spec.reduction import count, reduce
from spec.xp import diag

def terms(predicted, target, *, xp):
    return xp.log(xp.cosh(predicted - target))

def grad_predicted(predicted, target, *, xp, reduction):
    return xp.tanh(predicted - target) / count(predicted, reduction)

def grad_target(predicted, target, *, xp, reduction):
    return -xp.tanh(predicted - target) / count(predicted, reduction)

def stable(predicted, target, *, xp, reduction):
    a = xp.abs(predicted - target)
    return reduce(a + xp.log1p(xp.exp(-2 * a)) - xp.log(2 * xp.ones_like(a)), reduction, xp=xp)

def hessian_predicted(predicted, target, *, xp, reduction):
    return diag((1 - xp.tanh(predicted - target) ** 2) / count(predicted, reduction), xp=xp)


SPEC = loss("log_cosh", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hessian_predicted, kind="hessian")],
            forms=[Form("abs_log1p", stable, True, "|d| + log1p(exp(−2|d|)) − log 2")],
            analogue=Analogue("torch.log(torch.cosh(predicted - target)).mean", {"predicted": "predicted", "target": "target"},
                              "no PyTorch built-in"))
