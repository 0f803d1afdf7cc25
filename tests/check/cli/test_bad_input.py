"""Bad input: a clear several-line GradspecError naming what was wrong and how to fix it."""
import math

import pytest

from check import GradspecError, check_gradient, check_vjp

OK = staticmethod(lambda p, t, *, xp: 2 * (p - t) / p.size)


def _msg(excinfo):
    text = str(excinfo.value)
    assert len(text.splitlines()) >= 2, text
    return text


def test_unknown_spec_suggests_close_matches():
    with pytest.raises(GradspecError) as e:
        check_gradient("kl_dvi", OK)
    assert "unknown spec 'kl_dvi'" in _msg(e) and "kl_div" in str(e.value)


def test_unknown_wrt_lists_inputs():
    with pytest.raises(GradspecError) as e:
        check_gradient("mse", OK, wrt="logits")
    assert "no input 'logits'" in _msg(e) and "predicted, target" in str(e.value)


def test_wrong_arity():
    with pytest.raises(GradspecError) as e:
        check_gradient("mse", lambda p, *, xp: p)
    assert "wrong signature" in _msg(e) and "grad(predicted, target, *, xp" in str(e.value)


def test_wrong_shape_is_a_refutation_naming_both_shapes():
    r = check_gradient("mse", lambda p, t, *, xp: xp.sum(p - t))
    assert r.status == "refuted"
    assert "returned shape ()" in r.message and "expected (2, 3)" in r.message and "keepdims" in r.message


@pytest.mark.parametrize("params, needle", [
    ({"delta": 0}, "delta must be > 0"),
    ({"delta": -1.5}, "delta must be > 0"),
    ({"delta": math.nan}, "delta must be finite"),
    ({"delta": math.inf}, "delta must be finite"),
    ({"reduction": "avg"}, "reduction must be one of"),
    ({"beta": 1}, "no parameter 'beta'"),
])
def test_invalid_params(params, needle):
    with pytest.raises(GradspecError) as e:
        check_gradient("huber", lambda p, t, *, xp, delta: p, params=params)
    assert needle in _msg(e)


def test_eps_must_be_positive():
    with pytest.raises(GradspecError) as e:
        check_gradient("bce", lambda q, t, *, xp, eps: q, params={"eps": 0.0})
    assert "eps must be > 0" in _msg(e)


def test_invalid_shape():
    with pytest.raises(GradspecError) as e:
        check_gradient("mse", OK, shape=(0, 3))
    assert "invalid shape" in _msg(e)


def test_loss_checked_as_vjp_points_to_the_right_function():
    with pytest.raises(GradspecError) as e:
        check_vjp("mse", OK)
    assert "use check_gradient" in _msg(e)


def test_unknown_condition():
    with pytest.raises(GradspecError) as e:
        check_gradient("kl_div", OK, conditions=["target_positive"])
    assert "no condition 'target_positive'" in _msg(e)


def test_not_callable():
    with pytest.raises(GradspecError) as e:
        check_gradient("mse", 3)
    assert "not callable" in _msg(e)
