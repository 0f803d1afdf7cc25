"""JVP, Hessian and HVP: derive's closed forms, and hand-written ones checked (and rejected)."""
import numpy as np

import derive
from check import check_hessian, check_hvp, check_jvp
from spec.reduction import count
from spec.xp import NUMPY, diag


def test_derive_shapes():
    assert derive.jacobian("softmax", shape=(2, 3)).shape == (2, 3, 2, 3)
    assert derive.hessian("mse", shape=(2, 3)).shape == (2, 3, 2, 3)
    assert derive.hvp("mse", shape=(2, 3)).shape == (2, 3)
    assert derive.jvp("mse", shape=(2, 3)).shape == ()
    assert derive.jvp("softmax", shape=(2, 3)).shape == (2, 3)


def test_bce_with_logits_hessian_and_a_missing_one_over_n():
    def right(z, t, *, xp):
        s = 1 / (1 + xp.exp(-z))
        return diag(s * (1 - s) / z.size, xp=xp)

    def wrong(z, t, *, xp):
        s = 1 / (1 + xp.exp(-z))
        return diag(s * (1 - s), xp=xp)
    assert check_hessian("bce_with_logits", right).status == "proved"
    r = check_hessian("bce_with_logits", wrong)
    assert r.status == "refuted" and "constant factor" in r.message


def test_cross_entropy_hessian_without_the_outer_product_is_refuted():
    def diag_only(z, t, *, xp):
        s = xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True)
        return diag(s, xp=xp) / count(z, "batchmean")
    r = check_hessian("cross_entropy_logits", diag_only, conditions=["target_rows_sum_to_1"])
    assert r.status == "refuted"


def test_hvp_and_its_sign_error():
    assert check_hvp("mse", lambda p, t, u, *, xp: 2 * u / p.size).status == "proved"
    assert check_hvp("mse", lambda p, t, u, *, xp: -2 * u / p.size).status == "refuted"


def test_activation_hvp_takes_the_cotangent_then_the_tangent():
    def hvp(x, v, u, *, xp):
        s = 1 / (1 + xp.exp(-x))
        return v * s * (1 - s) * u
    assert check_hvp("softplus", hvp).status == "proved"
    r = check_hvp("softplus", lambda x, v, u, *, xp: v * u / (1 + xp.exp(-x)))
    assert r.status == "refuted"
    assert set(r.counterexample.extras) == {"cotangent", "tangent"}


def test_jvp_of_softmax_and_a_transposed_mistake():
    def right(x, u, *, xp):
        s = xp.exp(x) / xp.sum(xp.exp(x), axis=-1, keepdims=True)
        return s * u - s * xp.sum(s * u, axis=-1, keepdims=True)

    def wrong(x, u, *, xp):
        s = xp.exp(x) / xp.sum(xp.exp(x), axis=-1, keepdims=True)
        return s * u - xp.sum(s * u, axis=-1, keepdims=True)
    assert check_jvp("softmax", right).status == "proved"
    assert check_jvp("softmax", wrong).status == "refuted"


def test_jvp_of_a_loss_is_a_scalar():
    r = check_jvp("mse", lambda p, t, u, *, xp: xp.sum(2 * (p - t) * u) / p.size)
    assert r.status == "proved"


def test_hessian_helpers_work_with_numpy():
    z = np.array([[0.5, -1.0, 2.0]])
    h = diag(z, xp=NUMPY)
    assert h.shape == (1, 3, 1, 3) and h[0, 2, 0, 2] == 2.0 and h[0, 1, 0, 2] == 0.0


def test_hvps_at_kinks_take_the_flat_side_and_wrong_ones_are_refuted():
    from check import check_hvp
    from spec.catalog import huber, squared_hinge
    assert check_hvp("huber", huber.hvp_predicted).ok
    assert check_hvp("huber", lambda p, t, u, *, xp, delta, reduction: u / p.size).status == "refuted"
    assert check_hvp("squared_hinge", squared_hinge.hvp_predicted).ok
    at_margin = lambda p, t, u, *, xp, reduction: 2 * xp.where(1 - t * p >= 0, u, 0 * u) / p.size   # noqa: E731
    assert check_hvp("squared_hinge", at_margin).status == "refuted"


def test_the_derivative_of_a_rows_max_at_a_tie_goes_to_the_first_tied_entry():
    import sympy as sp
    from derive.xp_sympy import XP
    a, b, c = sp.symbols("a b c", real=True)
    top = list(XP.max(XP.asarray(np.array([[a, b, c]], dtype=object)), axis=-1).flat)[0]
    low = list(XP.min(XP.asarray(np.array([[a, b, c]], dtype=object)), axis=-1).flat)[0]
    at = lambda e, *v: [sp.diff(e, s).subs(dict(zip((a, b, c), v))) for s in (a, b, c)]   # noqa: E731
    assert at(top, 1, 1, 1) == [1, 0, 0] and at(top, 0, 2, 2) == [0, 1, 0] and at(top, 0, 1, 2) == [0, 0, 1]
    assert at(low, 1, 1, 1) == [1, 0, 0] and at(low, 3, 0, 0) == [0, 1, 0] and at(top, 2, 0, 1) == [1, 0, 0]
