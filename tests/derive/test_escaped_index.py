"""An every-size derivative whose summation index escapes its sum is refused, never used: a branch
on a row sum inside a row sum (a multi-class margin loss) has no every-size closed form here, so
its checks are proved at a concrete shape (every branch choice) — right ones pass, wrong ones are
refuted."""
import pytest

from check import check_gradient
from derive.sizes import Unsupported, every_size_derivative
from derive.symbols import exact
from spec import Derivative, Input, get, loss
from spec.domains import ONEHOT_ROWS, REAL
from spec.reduction import rows_count
from spec.registry import unregister


def _terms(x, t, *, xp):
    z = 1 - xp.sum(t * x, axis=-1, keepdims=True) + x
    return xp.sum((1 - t) * xp.maximum(0 * z, z), axis=-1, keepdims=True) / x.shape[-1]


def test_an_escaped_index_is_refused():
    loss("escaped_demo", _terms, inputs=[Input("x", REAL, "x"), Input("t", ONEHOT_ROWS, "t")],
         derivatives=[Derivative("x", lambda x, t, *, xp, reduction: 0 * x)], emitted="skip")
    try:
        with pytest.raises(Unsupported, match="escaped its sum"):
            every_size_derivative(get("escaped_demo"), "x", {"reduction": exact("mean")})
    finally:
        unregister("escaped_demo")


def test_multi_margin_right_is_proved_at_its_shape_and_wrong_is_refuted():
    def right(predicted, target, *, xp, margin, reduction):
        z = margin - xp.sum(target * predicted, axis=-1, keepdims=True) + predicted
        a = (1 - target) * xp.where(z > 0, xp.ones_like(z), 0 * z)
        return (a - target * xp.sum(a, axis=-1, keepdims=True)) / (predicted.shape[-1] * rows_count(predicted, reduction))

    def forgets_the_target_column(predicted, target, *, xp, margin, reduction):
        z = margin - xp.sum(target * predicted, axis=-1, keepdims=True) + predicted
        a = (1 - target) * xp.where(z > 0, xp.ones_like(z), 0 * z)
        return a / (predicted.shape[-1] * rows_count(predicted, reduction))
    r = check_gradient("multi_margin", right)
    assert r.status == "proved" and "every" not in r.scope and "every branch choice" in r.method
    assert check_gradient("multi_margin", forgets_the_target_column).status == "refuted"


def test_multilabel_margin_active_at_the_tie_is_refuted():
    from spec.catalog import multilabel_margin as M

    def tie_active(predicted, target, *, xp, reduction):
        w, z = M._pairs(predicted, target, xp)
        active = w * xp.where(z >= 0, xp.ones_like(z), 0 * z)
        return (xp.sum(active, axis=-2) - xp.sum(active, axis=-1)) / (predicted.shape[-1] * rows_count(predicted, reduction))
    assert check_gradient("multilabel_margin", M.grad_predicted).ok
    assert check_gradient("multilabel_margin", tie_active).status == "refuted"
