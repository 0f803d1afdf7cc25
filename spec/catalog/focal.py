"""focal — the sigmoid focal loss (Lin et al. 2017): a binary cross-entropy on logits, down-weighted
where the prediction is already confident.

    p = σ(z),  ce = softplus(z) − t z,  p_t = p t + (1 − p)(1 − t),  α_t = α t + (1 − α)(1 − t)
    T = α_t · ce · (1 − p_t)^γ                    (α = None: no α_t factor)
    ∂L/∂z = α_t ((p − t)(1 − p_t)^γ − γ (1 − p_t)^(γ−1) p (1 − p)(2t − 1) ce) / c
    ∂L/∂t = ((2α − 1) ce (1 − p_t)^γ − α_t z (1 − p_t)^γ − α_t γ (1 − p_t)^(γ−1) (2p − 1) ce) / c
            (without α: α_t = 1 and the first term is absent)

torchvision.ops.sigmoid_focal_loss(inputs=logits, targets=target, alpha, gamma, reduction="mean");
optax.losses.sigmoid_focal_loss(logits, labels, alpha, gamma) (elementwise; mean it);
keras.losses.binary_focal_crossentropy(target, logits, apply_class_balancing=True, alpha, gamma,
from_logits=True) (averaged over the last axis).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import PROBABILITY, REAL
from spec.reduction import count


def _alpha(v):
    if v is None or (not isinstance(v, bool) and isinstance(v, (int, float)) and 0 <= v <= 1):
        return None
    return f"alpha must be None or a number in [0, 1], got {v!r}"


def _gamma(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < float("inf"):
        return f"gamma must be a finite number ≥ 0, got {v!r}"
    return None


def _parts(logits, target, xp):
    p = 1 / (1 + xp.exp(-logits))
    ce = xp.log(1 + xp.exp(logits)) - target * logits
    p_t = p * target + (1 - p) * (1 - target)
    return p, ce, p_t


def _alpha_t(target, alpha):
    return 1 if alpha is None else alpha * target + (1 - alpha) * (1 - target)


def terms(logits, target, *, xp, alpha, gamma):
    p, ce, p_t = _parts(logits, target, xp)
    return _alpha_t(target, alpha) * ce * (1 - p_t) ** gamma


def grad_logits(logits, target, *, xp, alpha, gamma, reduction):
    p, ce, p_t = _parts(logits, target, xp)
    g = (p - target) * (1 - p_t) ** gamma - gamma * (1 - p_t) ** (gamma - 1) * p * (1 - p) * (2 * target - 1) * ce
    return _alpha_t(target, alpha) * g / count(logits, reduction)


def grad_target(logits, target, *, xp, alpha, gamma, reduction):
    p, ce, p_t = _parts(logits, target, xp)
    a_t = _alpha_t(target, alpha)
    g = -a_t * logits * (1 - p_t) ** gamma - a_t * gamma * (1 - p_t) ** (gamma - 1) * (2 * p - 1) * ce
    if alpha is not None:
        g = g + (2 * alpha - 1) * ce * (1 - p_t) ** gamma
    return g / count(logits, reduction)



def hvp_logits(logits, target, tangent, *, xp, alpha, gamma, reduction):
    """α_t f''(z) ⊙ u / c per entry, with q = 1 − p_t = p (1 − 2t) + t, q' = (1 − 2t) p', q'' = (1 − 2t) p'',
    p' = p (1 − p), p'' = p' (1 − 2p), ce' = p − t, ce'' = p':
    f'' = γ(γ − 1) q^(γ−2) q'² ce + γ q^(γ−1) (q'' ce + 2 q' ce') + q^γ ce''."""
    p, ce, p_t = _parts(logits, target, xp)
    q = 1 - p_t
    dp = p * (1 - p)
    dq, ddq = (1 - 2 * target) * dp, (1 - 2 * target) * dp * (1 - 2 * p)
    f2 = q ** gamma * dp + gamma * q ** (gamma - 1) * (ddq * ce + 2 * dq * (p - target))
    if gamma != 1:
        f2 = f2 + gamma * (gamma - 1) * q ** (gamma - 2) * dq * dq * ce
    return _alpha_t(target, alpha) * f2 * tangent / count(logits, reduction)

SPEC = loss("focal", terms, inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
            params=[Param("alpha", 0.25, _alpha, "weight of the positive class (None: no weighting)"),
                    Param("gamma", 2, _gamma, "focusing exponent: (1 − p_t)^gamma")],
            derivatives=[Derivative("logits", grad_logits), Derivative("logits", hvp_logits, kind="hvp"), Derivative("target", grad_target)],
            analogue=Analogue("torchvision.ops.sigmoid_focal_loss",
                              {"logits": "inputs", "target": "targets", "alpha": "alpha", "gamma": "gamma"},
                              "reduction='mean'; optax.losses.sigmoid_focal_loss elementwise"),
            variants=[{"alpha": None, "gamma": 0.5}])
