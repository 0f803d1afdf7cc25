"""triplet_margin — the triplet margin loss (PyTorch's TripletMarginLoss, p = 2, no swap).

    d(x, y)_i = ‖x_i − y_i + eps‖₂            (PyTorch's pairwise_distance adds eps to the difference)
    T_i = max(0, d(a, p)_i − d(a, n)_i + margin)                  one term per row
    ∂L/∂p = −s (a − p + eps)/d(a, p) / c,   ∂L/∂n = s (a − n + eps)/d(a, n) / c,   ∂L/∂a = −(∂L/∂p + ∂L/∂n)
    s_i = [d(a, p)_i − d(a, n)_i + margin > 0]  (the subgradient 0 at the tie); c: rows for "mean"
    At a zero distance the direction (x − y + eps)/d is taken as 0 (as PyTorch's norm backward
    does, and the derivative of |d| = sqrt(d²) at 0 with sign(0) = 0).

PyTorch: torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin=margin, eps=eps).
"""
from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import REAL
from spec.entry import number, positive
from spec.reduction import rows_count


def _dist(x, y, eps, xp):
    d = x - y + eps
    return xp.sqrt(xp.sum(d * d, axis=-1, keepdims=True))


def terms(anchor, positive, negative, *, xp, margin, eps):
    z = _dist(anchor, positive, eps, xp) - _dist(anchor, negative, eps, xp) + margin
    return xp.maximum(0 * z, z)


def _parts(anchor, positive, negative, margin, eps, reduction, xp):
    dp, dn = _dist(anchor, positive, eps, xp), _dist(anchor, negative, eps, xp)
    s = xp.where(dp - dn + margin > 0, xp.ones_like(dp), 0 * dp) / rows_count(anchor, reduction)
    def direction(x, y, d):                  # (x − y + eps)/d, and 0 where d = 0
        return (x - y + eps) / xp.where(d > 0, d, xp.ones_like(d))
    return -s * direction(anchor, positive, dp), s * direction(anchor, negative, dn)


def grad_anchor(anchor, positive, negative, *, xp, margin, eps, reduction):
    gp, gn = _parts(anchor, positive, negative, margin, eps, reduction, xp)
    return -(gp + gn)


def grad_positive(anchor, positive, negative, *, xp, margin, eps, reduction):
    return _parts(anchor, positive, negative, margin, eps, reduction, xp)[0]


def grad_negative(anchor, positive, negative, *, xp, margin, eps, reduction):
    return _parts(anchor, positive, negative, margin, eps, reduction, xp)[1]



def hvp_anchor(anchor, positive, negative, tangent, *, xp, margin, eps, reduction):
    """active ⊙ (H_p u − H_n u) / c per row, H_y u = (u − ŵ (ŵ·u)) / ‖w‖ for w = a − y + eps, ŵ = w/‖w‖
    (the Hessian of a norm; 0 where ‖w‖ = 0, the gradient's convention); 0 where the margin is not violated."""
    def curvature(y):
        w = anchor - y + eps
        d = _dist(anchor, y, eps, xp)
        safe = xp.where(d > 0, d, xp.ones_like(d))
        unit = w / safe
        bend = (tangent - unit * xp.sum(unit * tangent, axis=-1, keepdims=True)) / safe
        return xp.where(d > 0, bend, 0 * bend)          # 0 at d = 0, as the gradient's direction
    dp, dn = _dist(anchor, positive, eps, xp), _dist(anchor, negative, eps, xp)
    active = xp.where(dp - dn + margin > 0, xp.ones_like(dp), 0 * dp)
    return active * (curvature(positive) - curvature(negative)) / rows_count(anchor, reduction)

SPEC = loss("triplet_margin", terms,
            inputs=[Input("anchor", REAL, "a"), Input("positive", REAL, "p"), Input("negative", REAL, "n")],
            params=[Param("margin", 1, number("margin"), "how much farther the negative must be"),
                    Param("eps", 1e-6, positive("eps"), "added to each difference (PyTorch's pairwise_distance)")],
            derivatives=[Derivative("anchor", grad_anchor), Derivative("anchor", hvp_anchor, kind="hvp"), Derivative("positive", grad_positive),
                         Derivative("negative", grad_negative)],
            analogue=Analogue("torch.nn.functional.triplet_margin_loss",
                              {"anchor": "anchor", "positive": "positive", "negative": "negative",
                               "margin": "margin", "eps": "eps"}))
