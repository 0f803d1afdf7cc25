"""ntxent (optax's NT-Xent): the catalog's gradient is verified; one that forgets that s_ij enters
as both (i, j) and (j, i), or that the clipped norm is constant, is refuted; a batch of one row is a
clear error."""
import numpy as np
import pytest

from check import check_gradient
from spec.catalog import ntxent as N
from spec.errors import GradspecError

pytestmark = pytest.mark.slow          # four checks of ~25 s in ball arithmetic


def _gradient(embeddings, target, xp, temperature, eps, *, transpose=True, clip=True):
    u, r, squares, s, pos, neg, e, d = N._parts(embeddings, target, temperature, eps, xp)
    g_s = (pos * (e / d - 1) + neg * e * xp.sum(pos / d, axis=-1, keepdims=True)) / xp.sum(pos)
    n, dim = u.shape
    both = g_s + g_s.T if transpose else 2 * g_s
    g_u = xp.sum(both.reshape((n, n, 1)) * u.reshape((1, n, dim)), axis=1) / temperature
    radial = xp.sum(g_u * u, axis=-1, keepdims=True) * u
    unclipped = xp.where(squares >= eps, xp.ones_like(squares), 0 * squares) if clip else 1
    return (g_u - unclipped * radial) / r


def test_the_gradient_is_verified_and_two_wrong_ones_are_refuted():
    assert check_gradient("ntxent", N.grad_embeddings).status == "verified"
    no_transpose = lambda e, t, *, xp, temperature, eps, reduction: _gradient(  # noqa: E731
        e, t, xp, temperature, eps, transpose=False)
    no_clip = lambda e, t, *, xp, temperature, eps, reduction: _gradient(  # noqa: E731
        e, t, xp, temperature, eps, clip=False)
    assert check_gradient("ntxent", no_transpose).status == "refuted"
    refuted = check_gradient("ntxent", no_clip)
    assert refuted.status == "refuted" and "1e-30" in refuted.message       # rows whose norm is clipped


def test_a_batch_needs_two_rows():
    with pytest.raises((GradspecError, ValueError), match="two rows"):
        check_gradient("ntxent", N.grad_embeddings, shape=(1, 3))
    assert N.shapes((4, 3)) == {"embeddings": (4, 3), "target": (4, 4)}


def test_the_loss_is_optax_formula_at_a_hand_computed_point():
    from spec.xp import NUMPY
    e = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    t = np.array([[1.0, 0, 0], [1, 0, 0], [0, 0, 1]])
    s01 = 0.8 / 0.07                                           # cos between rows 0 and 1
    expected = (np.log(np.exp(s01) + np.exp(0 / 0.07)) - s01 + np.log(np.exp(s01) + np.exp(0.6 / 0.07)) - s01) / 2
    got = N.SPEC.forward(e, t, xp=NUMPY, **N.SPEC.resolve_params({}))
    assert abs(got - expected) < 1e-12


def test_the_hvp_is_verified_at_its_shape_and_one_without_the_norms_change_is_refuted():
    from check import check_hvp
    assert check_hvp("ntxent", N.hvp_embeddings, wrt="embeddings", shape=(3, 2)).status == "verified"

    def rigid_norm(e, t, v, *, xp, temperature, eps, reduction):      # drops −∂L/∂e · dr / r: 1/r held still
        r = N._unit(e, eps, xp)[1]
        right = N.hvp_embeddings(e, t, v, xp=xp, temperature=temperature, eps=eps, reduction=reduction)
        grad = N.grad_embeddings(e, t, xp=xp, temperature=temperature, eps=eps, reduction=reduction)
        return right + grad * xp.sum(e * v, axis=-1, keepdims=True) / (r * r)
    assert check_hvp("ntxent", rigid_norm, wrt="embeddings", shape=(3, 2)).status == "refuted"
