"""ntxent — the normalized temperature-scaled cross-entropy (NT-Xent, SimCLR) of optax.

Embeddings e (n×d, one per row); labels as one-hot rows t (n×n: at most n groups), rows with the
same label being positive pairs.

    r_i = sqrt(max(Σ_c e_ic², eps))     u_i = e_i / r_i     s_ij = u_i · u_j / τ
    same_ij = Σ_c t_ic t_jc     pos = same − I     neg = 1 − same
    N_i = Σ_k neg_ik exp(s_ik)     D_ij = exp(s_ij) + N_i
    T_ij = pos_ij (log D_ij − s_ij)            L = Σ T / Σ pos   ("weighted_mean" over the positive pairs)
    ∂L/∂s_ab = G_ab = (pos_ab (exp(s_ab) / D_ab − 1) + neg_ab exp(s_ab) Σ_j pos_aj / D_aj) / P,  P = Σ pos
    g_i = ∂L/∂u_i = Σ_j (G_ij + G_ji) u_j / τ
    ∂L/∂e_i = (g_i − (g_i · u_i) u_i) / r_i   where Σ e_i² ≥ eps;   g_i / r_i   where it is clipped.
    The clip passes the derivative at Σ e_i² = eps (as maximum(a, b) gives it to a at a tie).
    ∂L/∂t = (G' + G'ᵀ) t, G' = ∂L/∂same = (log D − s − exp(s) ⊙ R − L) / P, R_a = Σ_j pos_aj / D_aj
    (t as reals: same = t tᵀ enters pos, neg and P).
    HVP w.r.t. the embeddings: the gradient differentiated step by step along the tangent
    (hvp_embeddings), checked at 3×2 only (its exact truth is 4 MB of SymPy there).
    A batch needs two rows or more (one positive pair: the domain keeps one).  |s| ≤ 1/τ, so exp
    cannot overflow at τ = 0.07 (it would below τ ≈ 1/88 in float32, which optax's max shift
    avoids; no stable form is declared here).  No emitted code (inputs of their own shapes).

optax: optax.losses.ntxent(embeddings, labels=target.argmax(-1), temperature=τ); it clips the
squared norms at the dtype's machine epsilon (the spec's eps: float32's, 2⁻²³).
"""
import numpy as np

from spec.build import Analogue, Derivative, Input, Param, loss
from spec.domains import PAIRED_ONEHOT_ROWS, REAL
from spec.entry import positive
from spec.reduction import WEIGHTED_MEAN

FLOAT32_EPS = 2.0 ** -23


def shapes(shape):
    """Embeddings n×d; labels n×n (one-hot over at most n groups).  A batch needs two rows."""
    if len(shape) != 2 or shape[0] < 2:
        raise ValueError(f"ntxent takes a batch of two rows or more (n×d, n ≥ 2), not {shape}")
    return {"embeddings": tuple(shape), "target": (shape[0], shape[0])}


def _unit(embeddings, eps, xp):
    squares = xp.sum(embeddings * embeddings, axis=-1, keepdims=True)
    r = xp.sqrt(xp.maximum(squares, eps))
    return embeddings / r, r, squares


def _pairs(target, xp):
    """same_ij = [label_i = label_j], pos (same, off the diagonal), neg (different)."""
    n = target.shape[0]
    same = xp.sum(target.reshape((n, 1, n)) * target.reshape((1, n, n)), axis=-1)
    return same - np.eye(n, dtype=int), 1 - same


def _outer(a, b, xp):
    """(a bᵀ)_ij = Σ_c a_ic b_jc (n×d, n×d -> n×n)."""
    n, d = a.shape
    return xp.sum(a.reshape((n, 1, d)) * b.reshape((1, n, d)), axis=-1)


def _rows_times(m, u, xp):
    """(M u)_ic = Σ_j M_ij u_jc (n×n, n×d -> n×d)."""
    n, d = u.shape
    return xp.sum(m.reshape((n, n, 1)) * u.reshape((1, n, d)), axis=1)


def _similarity(u, temperature, xp):
    return _outer(u, u, xp) / temperature


def _parts(embeddings, target, temperature, eps, xp):
    u, r, squares = _unit(embeddings, eps, xp)
    s = _similarity(u, temperature, xp)
    pos, neg = _pairs(target, xp)
    e = xp.exp(s)
    d = e + xp.sum(neg * e, axis=-1, keepdims=True)
    return u, r, squares, s, pos, neg, e, d


def terms(embeddings, target, *, xp, temperature, eps):
    _, _, _, s, pos, _, _, d = _parts(embeddings, target, temperature, eps, xp)
    return pos * (xp.log(d) - s)


def reduction_weights(embeddings, target, *, xp, temperature, eps):
    """The positive pairs: Σ W = P, the number of ordered pairs (i ≠ j) with the same label."""
    return _pairs(target, xp)[0]


def grad_embeddings(embeddings, target, *, xp, temperature, eps, reduction):
    u, r, squares, s, pos, neg, e, d = _parts(embeddings, target, temperature, eps, xp)
    per_row = xp.sum(pos / d, axis=-1, keepdims=True)
    g_s = (pos * (e / d - 1) + neg * e * per_row) / xp.sum(pos)
    g_u = _rows_times(g_s + g_s.T, u, xp) / temperature
    radial = xp.sum(g_u * u, axis=-1, keepdims=True) * u
    unclipped = xp.where(squares >= eps, xp.ones_like(squares), 0 * squares)
    return (g_u - unclipped * radial) / r


def grad_target(embeddings, target, *, xp, temperature, eps, reduction):
    """t as reals, through same = t tᵀ: G = ∂L/∂same = (log D − s − exp(s) ⊙ R − L) / P, R_a = Σ_j pos_aj / D_aj
    (same enters pos, neg and P); ∂L/∂t = (G + Gᵀ) t."""
    _, _, _, s, pos, neg, e, d = _parts(embeddings, target, temperature, eps, xp)
    pairs = xp.sum(pos)
    value = xp.sum(pos * (xp.log(d) - s)) / pairs
    g = (xp.log(d) - s - e * xp.sum(pos / d, axis=-1, keepdims=True) - value) / pairs
    return _rows_times(g + g.T, target, xp)



def hvp_embeddings(embeddings, target, tangent, *, xp, temperature, eps, reduction):
    """The gradient's derivative along the tangent V, step by step (a dot: d/dε at e + εV):
    dq = 2 e·V, dr = [q ≥ eps] dq / (2r), du = (V − u dr) / r, ds = (du uᵀ + u duᵀ) / τ,
    dE = E ⊙ ds, dD = dE + Σ_k neg_ik dE_ik, dR_a = −Σ_j pos_aj dD_aj / D_aj²,
    dG = (pos ⊙ (dE/D − E dD/D²) + neg ⊙ (dE R + E dR)) / P, dB = dG + dGᵀ,
    dg_u = (dB u + B du) / τ, and ∂L/∂e = (g_u − m (g_u·u) u) / r differentiated likewise."""
    u, r, squares, s, pos, neg, e, d = _parts(embeddings, target, temperature, eps, xp)
    m = xp.where(squares >= eps, xp.ones_like(squares), 0 * squares)
    dq = 2 * xp.sum(embeddings * tangent, axis=-1, keepdims=True)
    dr = m * dq / (2 * r)
    du = (tangent - u * dr) / r
    ds = (_outer(du, u, xp) + _outer(u, du, xp)) / temperature
    de = e * ds
    dd = de + xp.sum(neg * de, axis=-1, keepdims=True)
    pairs = xp.sum(pos)
    per_row = xp.sum(pos / d, axis=-1, keepdims=True)
    d_per_row = -xp.sum(pos * dd / (d * d), axis=-1, keepdims=True)
    g_s = (pos * (e / d - 1) + neg * e * per_row) / pairs
    dg_s = (pos * (de / d - e * dd / (d * d)) + neg * (de * per_row + e * d_per_row)) / pairs
    both, d_both = g_s + g_s.T, dg_s + dg_s.T
    g_u = _rows_times(both, u, xp) / temperature
    dg_u = (_rows_times(d_both, u, xp) + _rows_times(both, du, xp)) / temperature
    gu_u = xp.sum(g_u * u, axis=-1, keepdims=True)
    d_radial = (xp.sum(dg_u * u, axis=-1, keepdims=True) + xp.sum(g_u * du, axis=-1, keepdims=True)) * u + gu_u * du
    grad_top = g_u - m * gu_u * u
    return (dg_u - m * d_radial) / r - grad_top * dr / (r * r)

SPEC = loss("ntxent", terms, inputs=[Input("embeddings", REAL, "e"), Input("target", PAIRED_ONEHOT_ROWS, "t")],
            params=[Param("temperature", 0.07, positive("temperature"), "τ: the cosines are divided by it"),
                    Param("eps", FLOAT32_EPS, positive("eps"), "each squared norm is clipped below at eps")],
            reduction=WEIGHTED_MEAN, reduction_weights=reduction_weights,
            derivatives=[Derivative("embeddings", grad_embeddings), Derivative("target", grad_target),
                         Derivative("embeddings", hvp_embeddings, kind="hvp", shape=(3, 2))],
            default_shape=(3, 2), input_shapes=shapes,
            analogue=Analogue("optax.losses.ntxent", {"embeddings": "embeddings", "target": "labels",
                                                     "temperature": "temperature"},
                              "labels as indices: target.argmax(-1); optax's eps is the dtype's machine epsilon"))
