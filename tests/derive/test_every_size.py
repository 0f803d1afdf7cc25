"""Proofs for every size: generic entries of m×n arrays, indexed sums, the collapse rule."""
import pytest
import sympy as sp

from check import check_gradient, check_vjp
from derive.sizes import DIMS, ENTRY, INDEXED, Unsupported, canonical, collapse, generic
from spec.reduction import count

k, l = ENTRY
m, n = DIMS
RANGES = {k: (0, m - 1), l: (0, n - 1)}


def test_collapse_rule():
    i = sp.Symbol("i", integer=True)
    f = sp.IndexedBase("f")
    assert collapse(sp.Sum(sp.KroneckerDelta(i, k) * f[i] ** 2, (i, 0, m - 1)), RANGES) == f[k] ** 2


def test_collapse_needs_the_index_in_range():
    i = sp.Symbol("i", integer=True)
    f = sp.IndexedBase("f")
    s = sp.Sum(sp.KroneckerDelta(i, k) * f[i], (i, 0, n - 1))      # k ranges over rows, not 0..n-1
    assert collapse(s, RANGES).has(sp.KroneckerDelta)


def test_canonical_names_make_equal_sums_equal():
    x = generic("x", 2, {"real": True})
    a, b = INDEXED.sum(INDEXED.exp(x), axis=-1), INDEXED.sum(INDEXED.exp(x), axis=-1)
    assert a.expr != b.expr and canonical(a.expr) == canonical(b.expr)


def test_size_is_symbolic_and_cannot_be_compared():
    x = generic("x", 2, {"real": True})
    assert x.size.expr == m * n and count(x, "batchmean").expr == m and (x.size // x.shape[0]).expr == n
    for decide in (lambda: x.shape[-1] == 3, lambda: bool(x.shape[0]), lambda: x.size > 1,
                   lambda: range(x.shape[0]), lambda: int(x.size), lambda: 1 / x.size):
        with pytest.raises(Unsupported):              # SizeDependent, or a size made a Python float
            decide()


def test_softmax_family_is_proved_for_all_sizes():
    def grad(z, t, *, xp):
        s = xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True)
        return (s * xp.sum(t, axis=-1, keepdims=True) - t) / count(z, "batchmean")
    r = check_gradient("cross_entropy_logits", grad)
    assert r.status == "proved" and r.scope == "every m×n"
    assert check_vjp("log_softmax", lambda x, v, *, xp: v - xp.exp(x) / xp.sum(xp.exp(x), axis=-1, keepdims=True)
                     * xp.sum(v, axis=-1, keepdims=True)).scope == "every m×n"


def test_kl_target_gradient_for_all_sizes_under_its_condition():
    r = check_gradient("kl_div", lambda lp, t, *, xp: (xp.log(t) + 1 - lp) / count(t, "batchmean"), wrt="target")
    assert r.scope == "every m×n" and r.conditions == ["every target entry is nonzero"]


def test_a_size_dependent_mistake_is_not_proved_for_all_sizes():
    # right only when there are 2 rows: 1/2 where 1/rows is meant
    r = check_gradient("kl_div", lambda lp, t, *, xp: -t / 2, shape=None)
    assert r.status == "refuted" and "proved for shape 2×3" in r.message and not r.prover_disagreement
    assert check_gradient("kl_div", lambda lp, t, *, xp: -t / 2, shape=(2, 3)).status == "proved"
    assert check_gradient("kl_div", lambda lp, t, *, xp: -t / 2, shape=(3, 3)).status == "refuted"


def test_max_shift_falls_back_to_a_concrete_shape_and_says_why():
    def vjp(x, v, *, xp):
        e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
        s = e / xp.sum(e, axis=-1, keepdims=True)
        return s * (v - xp.sum(v * s, axis=-1, keepdims=True))
    r = check_vjp("softmax", vjp)
    assert r.ok and r.scope == "shape 2×3"
    assert "max over an axis" in r.message or "max over an axis" in r.method
