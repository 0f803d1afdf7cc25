"""bce — binary cross-entropy on probabilities, predicted clamped (the seeds' binaryCrossEntropyTensorSpec).

    q = clamp(p, eps, 1 − eps)        T = −(t log q + (1 − t) log(1 − q))
    ∂L/∂p = (q − t) / (q (1 − q)) / c   where eps ≤ p ≤ 1 − eps,  0 where the clamp is active
    ∂L/∂t = (log(1 − q) − log q) / c
    The clamp passes the gradient at its bounds, as torch.clamp does.

PyTorch: torch.nn.functional.binary_cross_entropy(input=predicted, target=target); it does not clamp
p but clamps each log at −100 — a convention difference, not the same function near 0 and 1.
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import PROBABILITY
from spec.entry import Kink, positive
from spec.kinks import entries_at
from spec.reduction import count


def terms(predicted, target, *, xp, eps):
    q = xp.clip(predicted, eps, 1 - eps)
    return -(target * xp.log(q) + (1 - target) * xp.log(1 - q))


def grad_predicted(predicted, target, *, xp, eps, reduction):
    q = xp.clip(predicted, eps, 1 - eps)
    inside = (predicted >= eps) & (predicted <= 1 - eps)
    return xp.where(inside, (q - target) / (q * (1 - q)), 0 * q) / count(predicted, reduction)


def grad_target(predicted, target, *, xp, eps, reduction):
    q = xp.clip(predicted, eps, 1 - eps)
    return (xp.log(1 - q) - xp.log(q)) / count(predicted, reduction)



def hvp_predicted(predicted, target, tangent, *, xp, eps, reduction):
    """(t / q² + (1 − t) / (1 − q)²) ⊙ tangent / c where eps ≤ p ≤ 1 − eps; 0 where the clamp is active."""
    q = xp.clip(predicted, eps, 1 - eps)
    inside = (predicted >= eps) & (predicted <= 1 - eps)
    h = target / (q * q) + (1 - target) / ((1 - q) * (1 - q))
    return xp.where(inside, h * tangent, 0 * q) / count(predicted, reduction)

SPEC = loss("bce", terms, inputs=[Input("predicted", PROBABILITY, "q"), Input("target", PROBABILITY, "t")],
            params=[Param("eps", 1e-6, positive("eps"), "predicted is clamped to [eps, 1 − eps] before the logs")],
            derivatives=[Derivative("predicted", grad_predicted), Derivative("target", grad_target),
                         Derivative("predicted", hvp_predicted, kind="hvp")],
            kinks=[Kink("p = eps and p = 1 − eps", "the clamp passes the gradient at its bounds; 0 strictly outside",
                        entries_at("predicted", lambda params: [params["eps"], 1 - params["eps"]]))],
            analogue=Analogue("torch.nn.functional.binary_cross_entropy", {"predicted": "input", "target": "target"},
                              "PyTorch clamps log(p) and log(1 − p) at −100 instead of clamping p at eps"))
