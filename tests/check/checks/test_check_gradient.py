"""check_gradient / check_vjp: right derivatives are proved or verified, wrong ones refuted."""
import pytest

from check import check_gradient, check_vjp
from spec.reduction import count
from tests.fresh_python import run_fresh


# --- right derivatives, written differently from the catalog's ---------------------------------

def test_mse_written_differently_is_proved_for_all_sizes():
    r = check_gradient("mse", lambda p, t, *, xp: (p + p - t - t) / p.size)
    assert r.status == "proved" and r.scope == "every m×n"
    assert "proved for every m×n" in r.message
    assert r.shapes[:3] == ["2×3", "1×1", "3×4"] and "3" in r.shapes and "1×2×3" in r.shapes   # certificate
    assert r.points > 50 and not r.prover_disagreement


def test_a_given_shape_proves_for_that_shape():
    r = check_gradient("mse", lambda p, t, *, xp: (p + p - t - t) / p.size, shape=(2, 3))
    assert r.status == "proved" and r.scope == "shape 2×3"
    assert "proved for shape 2×3" in r.message


def test_bce_with_logits_via_exp_ratio_is_proved():
    def grad(z, t, *, xp):
        return (xp.exp(z) / (1 + xp.exp(z)) - t) / z.size
    assert check_gradient("bce_with_logits", grad).status == "proved"


def test_cross_entropy_logits_via_exp_of_log_softmax_is_proved_on_simplex_targets():
    def grad(z, t, *, xp):
        lse = xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))
        return (xp.exp(z - lse) - t) / count(z, "batchmean")
    r = check_gradient("cross_entropy_logits", grad, conditions=["target_rows_sum_to_1"])
    assert r.status == "proved"
    assert r.conditions == ["each target row (last axis) sums to 1"]


def test_verification_without_proof_reports_precision_and_points():
    r = check_gradient("huber", lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size, prove=False)
    assert r.status == "verified"
    assert r.precision == 1280 and r.points > 100 and r.worst_error < 1e-300
    assert "verified in ball arithmetic" in r.message and r.shapes == ["2×3", "1×1", "3×4"]


def test_vjp_of_softmax_is_proved():
    def vjp(x, v, *, xp):
        s = xp.exp(x) / xp.sum(xp.exp(x), axis=-1, keepdims=True)
        return s * v - s * xp.sum(s * v, axis=-1, keepdims=True)
    assert check_vjp("softmax", vjp).status == "proved"


def test_kl_target_gradient_defaults_to_its_condition():
    r = check_gradient("kl_div", lambda l, t, *, xp: (xp.log(t) + 1 - l) / count(l, "batchmean"), wrt="target")
    assert r.status == "proved"
    assert r.conditions == ["every target entry is nonzero"]


def test_right_at_the_default_shape_only_is_refuted_at_another():
    r = check_gradient("kl_div", lambda l, t, *, xp: (xp.log(t) + 1 - l) / 2, wrt="target")   # 2 rows at 2×3
    assert r.status == "refuted" and not r.prover_disagreement
    assert "proved for shape 2×3" in r.message and "wrong at another shape" in r.message
    assert r.counterexample.shape in ([1, 1], [3, 4])


def test_other_shape_and_params():
    r = check_gradient("huber", lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size,
                       shape=(3,), params={"delta": 0.5})
    assert r.ok and r.shapes == ["3"]


# --- wrong derivatives that must be refuted ------------------------------------------------------

def test_missing_one_over_n_is_refuted_with_a_factor_hint():
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t))
    assert r.status == "refuted" and r.scope == "shape 2×3"       # refuted at a concrete size
    assert "constant factor 6" in r.message and "1/N" in r.message
    cx = r.counterexample
    assert cx.precision == 1280 and set(cx.inputs) == {"predicted", "target"} and cx.shape == [2, 3]
    assert float(cx.got) == pytest.approx(6 * float(cx.expected))


def test_sign_error_is_refuted():
    r = check_gradient("poisson_nll", lambda x, k, *, xp: (k - xp.exp(x)) / x.size)
    assert r.status == "refuted" and "sign error" in r.message


def test_missing_branch_is_refuted():
    r = check_gradient("huber", lambda p, t, *, xp, delta: (p - t) / p.size)      # quadratic branch only
    assert r.status == "refuted"
    assert abs(float(r.counterexample.expected)) < abs(float(r.counterexample.got))


def test_clamp_ignored_inside_eps_is_refuted():
    def grad(q, t, *, xp, eps):
        return -t / xp.clip(q, eps, 1 - eps) / count(q, "batchmean")    # gradient not killed by the clamp
    r = check_gradient("cross_entropy", grad)
    assert r.status == "refuted"
    q = [v for row in r.counterexample.inputs["predicted"] for v in row]
    assert any(float(v) < 1e-6 or float(v) > 1 - 1e-6 for v in q)


def test_wrong_only_in_a_narrow_band_beside_the_kink_is_refuted():
    def grad(p, t, *, xp, delta):
        d = p - t
        return xp.where(xp.abs(d) < delta * (1 - 1e-3), d, delta * xp.sign(d)) / p.size
    r = check_gradient("huber", grad)
    assert r.status == "refuted"
    assert r.counterexample.origin.startswith(("kink:", "boundary:", "between:"))
    assert "kink" in r.message or "boundary" in r.message


def test_off_by_1e_12_relative_is_refuted():
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size * (1 + 1e-12))
    assert r.status == "refuted"
    assert "tiny relative amount" in r.message


def test_mae_subgradient_convention_at_zero_is_checked():
    r = check_gradient("mae", lambda p, t, *, xp: xp.where(p - t >= 0, 1 + 0 * p, -1 + 0 * p) / p.size)
    assert r.status == "refuted"
    assert r.counterexample.origin.startswith("kink:")


def test_simplex_formula_without_its_condition_is_refuted():
    def grad(z, t, *, xp):
        return (xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True) - t) / count(z, "batchmean")
    r = check_gradient("cross_entropy_logits", grad)
    assert r.status == "refuted"


def test_kl_target_gradient_everywhere_holds_only_where_defined():
    r = check_gradient("kl_div", lambda l, t, *, xp: (xp.log(t) + 1 - l) / count(l, "batchmean"), wrt="target",
                       conditions=[])
    assert r.status == "proved" and r.undefined > 0            # −∞ on both sides where a target is 0
    assert any(c.startswith("where the derivative is defined") for c in r.conditions)
    assert "where the derivative is defined" in r.message


def test_a_finite_formula_where_the_derivative_is_not_is_inconclusive_not_passed():
    def grad(l, t, *, xp):                     # finite at t = 0, where ∂/∂t is −∞
        return (xp.where(t > 0, xp.log(t), 0 * t) + 1 - l) / count(l, "batchmean")
    r = check_gradient("kl_div", grad, wrt="target", conditions=[], prove=False)
    assert r.status == "inconclusive"
    assert "not finite but the formula is" in r.message


def test_wrong_vjp_is_refuted():
    r = check_vjp("sigmoid", lambda x, v, *, xp: v / (1 + xp.exp(-x)))
    assert r.status == "refuted"
    assert r.counterexample.cotangent is not None


def test_the_seed_cosine_formula_is_refuted():
    def seed(p, t, *, xp):
        np_, nt = xp.sqrt(xp.sum(p * p)), xp.sqrt(xp.sum(t * t))
        return xp.sum(p * t) / (np_ ** 2 * nt) * p - t / (np_ * nt)
    assert check_gradient("cosine_similarity", seed).status == "refuted"


def test_a_callable_that_raises_is_a_refutation_carrying_the_exception():
    def grad(p, t, *, xp):
        raise RuntimeError("backward not implemented")
    r = check_gradient("mse", grad)
    assert r.status == "refuted"
    assert "RuntimeError: backward not implemented" in r.counterexample.error
    assert "raised" in r.message


def test_non_finite_output_is_refuted():
    def grad(q, t, *, xp, eps):                      # the clamp forgotten: log(0) at q = 0
        return (xp.log(1 - q) - xp.log(q)) / q.size
    r = check_gradient("bce", grad, wrt="target")
    assert r.status == "refuted"
    assert "not finite" in r.message


def test_a_clamp_below_a_tiny_threshold_is_refuted_between_it_and_zero():
    def grad(l, t, *, xp):                     # log(max(t, 1e-300)): wrong for 0 < t < 1e-300
        return (xp.log(xp.maximum(t, 1e-300)) + 1 - l) / count(l, "batchmean")
    r = check_gradient("kl_div", grad, wrt="target")
    assert r.status == "refuted"
    assert 0 < float(r.counterexample.inputs["target"][0][0]) < 1e-300


def test_batch_divisor_taken_from_the_first_axis_is_wrong_for_a_vector():
    r = check_gradient("kl_div", lambda l, t, *, xp: (xp.log(t) + 1 - l) / l.shape[0], wrt="target")
    assert r.status == "refuted" and "proved for every m×n" in r.message    # right for every m×n …
    assert r.counterexample.shape == [3]                                      # … not for a vector (1 row)


def test_in_a_plain_process_the_proof_runs_in_forked_children_with_the_same_verdicts():
    """The test processes' budgets are soft (tests/conftest.py); a caller of the Python API in a
    plain process forks a child per symbolic step.  In a fresh process: a right gradient proved and
    a wrong one refuted that way too, with forks actually made."""
    out = run_fresh("""
        import os
        from check import check_gradient
        from derive import budget
        forks = []
        os.register_at_fork(after_in_parent=lambda: forks.append(1))
        assert budget.fork_safe() and not budget._in_child
        right = check_gradient("mse", lambda p, t, *, xp: (p + p - t - t) / p.size)
        wrong = check_gradient("mse", lambda p, t, *, xp: (p - t) / p.size)
        print(right.status, right.scope.replace(" ", "_"), wrong.status, len(forks) > 0)
    """, timeout=300)
    assert out.split() == ["proved", "every_m×n", "refuted", "True"]
