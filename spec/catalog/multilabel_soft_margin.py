"""multilabel_soft_margin — per-row mean of the binary cross-entropies of C independent labels
(PyTorch's MultiLabelSoftMarginLoss).

    T_i = −(1/C) Σ_c w_c (y_ic log σ(x_ic) + (1 − y_ic) log σ(−x_ic))       one term per row
        = (1/C) Σ_c w_c (softplus(x_ic) − y_ic x_ic)
    L = reduce(T): "mean" averages rows, "sum" adds them (as PyTorch's reductions do)
    ∂L/∂x = w (σ(x) − y) / (C c)                ∂L/∂y = −w x / (C c)
    Stable form: softplus written as max(·, 0) + log1p(exp(−|·|)).

PyTorch: torch.nn.functional.multilabel_soft_margin_loss(input=predicted, target=target, weight=weight).
"""
from spec.build import Analogue, Derivative, Form, Input, loss
from spec.domains import PROBABILITY, REAL
from spec.reduction import reduce, rows_count
from spec.weights import per_class, weight_param


def _per_row(elementwise, x, weight, xp):
    w = per_class(weight, x, xp=xp)
    e = elementwise if w is None else w * elementwise
    return xp.sum(e, axis=-1, keepdims=True) / x.shape[-1]


def terms(predicted, target, *, xp, weight):
    return _per_row(xp.log(1 + xp.exp(predicted)) - target * predicted, predicted, weight, xp)


def grad_predicted(predicted, target, *, xp, reduction, weight):
    w = per_class(weight, predicted, xp=xp)
    g = 1 / (1 + xp.exp(-predicted)) - target
    return (g if w is None else w * g) / (predicted.shape[-1] * rows_count(predicted, reduction))


def grad_target(predicted, target, *, xp, reduction, weight):
    w = per_class(weight, predicted, xp=xp)
    return -(predicted if w is None else w * predicted) / (predicted.shape[-1] * rows_count(predicted, reduction))


def stable(predicted, target, *, xp, reduction, weight):
    def softplus(a):
        return xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a)))
    e = target * softplus(-predicted) + (1 - target) * softplus(predicted)
    return reduce(_per_row(e, predicted, weight, xp), reduction, xp=xp)



def hvp_predicted(predicted, target, tangent, *, xp, reduction, weight):
    """w ⊙ σ(x)(1 − σ(x)) ⊙ tangent / (C c)."""
    w = per_class(weight, predicted, xp=xp)
    s = 1 / (1 + xp.exp(-predicted))
    h = s * (1 - s) * tangent
    return (h if w is None else w * h) / (predicted.shape[-1] * rows_count(predicted, reduction))

SPEC = loss("multilabel_soft_margin", terms, inputs=[Input("predicted", REAL, "x"), Input("target", PROBABILITY, "y")],
            params=[weight_param("weight", "one weight per class (last axis), or a number; None: 1")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            forms=[Form("softplus_stable", stable, True, "(1/C) Σ_c y softplus(−x) + (1 − y) softplus(x), "
                                                          "softplus(a) = max(a, 0) + log1p(exp(−|a|))")],
            analogue=Analogue("torch.nn.functional.multilabel_soft_margin_loss",
                              {"predicted": "input", "target": "target", "weight": "weight"}),
            variants=[{"weight": (1, 2, 0.5)}])
