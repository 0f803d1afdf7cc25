"""cosine_similarity — one minus the cosine between two whole tensors (the seeds' cosineSimilaritySpec).

    T = 1 − ⟨p, t⟩ / (max(‖p‖, eps) · max(‖t‖, eps))         one term: every reduction returns it
    ∂L/∂p = ⟨p, t⟩ / (‖p‖³ ‖t‖) · p − t / (‖p‖ ‖t‖)          where both norms exceed eps
    ∂L/∂t = ⟨p, t⟩ / (‖t‖³ ‖p‖) · t − p / (‖p‖ ‖t‖)
    Inside the clamp (a norm ≤ eps) the true gradient differs: the clamped norm is constant.

The seeds' cosineSimilarityDerivSpec documents ⟨p, t⟩ / (‖p‖² ‖t‖) · p − t / (‖p‖ ‖t‖): right only
where ‖p‖ = 1.  It is kept here as the "seed" derivative, declared with its expected refutation,
so that the finding stays visible and checked.

PyTorch: 1 − torch.nn.functional.cosine_similarity(predicted.flatten(), target.flatten(), dim=0, eps=eps).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.conditions import norms_above_eps
from spec.domains import REAL
from spec.entry import positive


def terms(predicted, target, *, xp, eps):
    norm_p = xp.maximum(xp.sqrt(xp.sum(predicted * predicted)), eps)
    norm_t = xp.maximum(xp.sqrt(xp.sum(target * target)), eps)
    return 1 - xp.sum(predicted * target) / (norm_p * norm_t)


def _grad(a, b, xp):
    na, nb = xp.sqrt(xp.sum(a * a)), xp.sqrt(xp.sum(b * b))
    return xp.sum(a * b) / (na ** 3 * nb) * a - b / (na * nb)


def grad_predicted(predicted, target, *, xp):
    return _grad(predicted, target, xp)


def grad_target(predicted, target, *, xp):
    return _grad(target, predicted, xp)


SEED_FINDING = ("the seeds' cosineSimilarityDerivSpec documents <p,t>/(|p|^2 |t|) p - t/(|p||t|); the derivative "
                "of 1 - cos has |p|^3 in the first term, so the documented formula is right only where |p| = 1")


def grad_predicted_seed(predicted, target, *, xp):
    """The seeds' formula, as documented: ‖p‖² where ‖p‖³ is meant."""
    np_, nt = xp.sqrt(xp.sum(predicted * predicted)), xp.sqrt(xp.sum(target * target))
    return xp.sum(predicted * target) / (np_ * np_ * nt) * predicted - target / (np_ * nt)



def hvp_predicted(predicted, target, tangent, *, xp):
    """d/dε of ∂L/∂p along v, a = ‖p‖, b = ‖t‖, d = ⟨p, t⟩ (norms above eps):
    (⟨v, t⟩ p + d v) / (a³ b) − 3 d ⟨p, v⟩ p / (a⁵ b) + ⟨p, v⟩ t / (a³ b)."""
    a, b = xp.sqrt(xp.sum(predicted * predicted)), xp.sqrt(xp.sum(target * target))
    d, pv, tv = xp.sum(predicted * target), xp.sum(predicted * tangent), xp.sum(target * tangent)
    a3 = a * a * a
    return (tv * predicted + d * tangent + pv * target) / (a3 * b) - 3 * d * pv * predicted / (a3 * a * a * b)

SPEC = loss("cosine_similarity", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
            params=[Param("eps", 1e-6, positive("eps"), "each norm is clamped below at eps")],
            derivatives=[Derivative("predicted", grad_predicted, ("norms_above_eps",)),
                         Derivative("target", grad_target, ("norms_above_eps",)),
                         Derivative("predicted", hvp_predicted, ("norms_above_eps",), kind="hvp"),
                         Derivative("predicted", grad_predicted_seed, ("norms_above_eps",), "seed",
                                    expected_refutation=SEED_FINDING)],
            conditions=[norms_above_eps("predicted", "target")],
            analogue=Analogue("torch.nn.functional.cosine_similarity",
                              {"predicted.flatten()": "x1", "target.flatten()": "x2", "eps": "eps"},
                              "loss = 1 − cosine_similarity(..., dim=0); PyTorch works per row along dim"))
