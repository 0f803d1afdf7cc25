"""Property tests (hypothesis): checks hold, and reject, across parameters and shapes."""
import pytest
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from check import check_gradient

deltas = st.sampled_from([0.25, 0.5, 1, 2, 3.75])
shapes = st.sampled_from([(1,), (3,), (1, 2), (2, 2)])


@settings(max_examples=6, deadline=None)
@given(delta=deltas, shape=shapes)
def test_huber_gradient_holds_for_every_delta_and_shape(delta, shape):
    def grad(p, t, *, xp, delta):
        d = p - t
        return xp.where(xp.abs(d) < delta, d, delta * xp.sign(d)) / p.size
    r = check_gradient("huber", grad, shape=shape, params={"delta": delta})
    assert r.status == "proved", r.message


@settings(max_examples=6, deadline=None)
@given(delta=deltas, shape=shapes)
@pytest.mark.slow
def test_huber_without_its_linear_branch_is_refuted_for_every_delta(delta, shape):
    r = check_gradient("huber", lambda p, t, *, xp, delta: (p - t) / p.size, shape=shape, params={"delta": delta})
    assert r.status == "refuted"
    cx = r.counterexample

    def at(nested, index):
        for i in index:
            nested = nested[i]
        return Fraction(nested)
    residual = at(cx.inputs["predicted"], cx.index) - at(cx.inputs["target"], cx.index)
    assert abs(residual) >= Fraction(repr(delta)) * Fraction(9, 10)     # where the missing branch matters


@settings(max_examples=5, deadline=None)
@given(reduction=st.sampled_from(["mean", "sum", "batchmean"]), shape=shapes)
def test_reductions_scale_the_gradient(reduction, shape):
    from spec.reduction import count
    right = check_gradient("bce_with_logits", lambda z, t, *, xp, reduction:
                           (1 / (1 + xp.exp(-z)) - t) / count(z, reduction), shape=shape,
                           params={"reduction": reduction})
    assert right.status == "proved"
    wrong = check_gradient("bce_with_logits", lambda z, t, *, xp: (1 / (1 + xp.exp(-z)) - t) * 2, shape=shape,
                           params={"reduction": reduction})
    assert wrong.status == "refuted"
