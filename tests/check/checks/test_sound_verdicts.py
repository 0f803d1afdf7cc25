"""Verdicts you can bet on: for each way a checker can be fooled, a wrong formula that must be
refuted and a right one, written unusually, that must pass.

Families: equality tests, size-dependent code, float constants, removable singularities, errors
confined where ordinary samples never go, tiny relative errors, wrong shapes, false alarms of
exact arithmetic, second derivatives at kinks; and a proof the evaluation contradicts (a prover
disagreement), reported as such.
"""
import json

import pytest

from check import check_gradient, check_hessian, check_hvp, check_jvp, check_vjp
from spec.reduction import count
from spec.xp import diag

S = (2, 3)                       # one shape: these families do not need the others (faster)
PASS = ("proved", "verified")


def mse_grad(p, t, *, xp):
    return 2 * (p - t) / p.size


# --- 1. equality tests are relations, never structurally False ----------------------------------------

@pytest.mark.parametrize("name, fn, kind", [
    ("relu", lambda x, v, *, xp: xp.where((x > 0) | (x == 0), v, 0 * v), check_vjp),          # torch's mask idiom
    ("relu", lambda x, v, *, xp: xp.where(x >= 0, v, 0 * v), check_vjp),                      # the same, plainly
    ("mse", lambda p, t, *, xp: xp.where(p != t, 2 * (p - t) / p.size, 1 / xp.asarray(p.size)), check_gradient),
    ("mae", lambda p, t, *, xp: xp.where(p == t, 1 + 0 * p, xp.sign(p - t)) / p.size, check_gradient),
    ("cross_entropy_logits",                                        # the arg-max entry gets a wrong extra 1e-3
     lambda z, t, *, xp: (xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True) * xp.sum(t, axis=-1, keepdims=True)
                          - t + xp.where(z == xp.max(z, axis=-1, keepdims=True), 1e-3, 0)) / count(z, "batchmean"),
     check_gradient),
    ("softplus", lambda x, v, *, xp, beta: v * xp.where(x == 0, 0.5 + 1e-9, 1 / (1 + xp.exp(-beta * x))), check_vjp),
])
def test_a_wrong_branch_behind_an_equality_test_is_refuted(name, fn, kind):
    r = kind(name, fn, shape=S)
    assert r.status == "refuted", r.message
    assert not r.ok


def test_an_equality_branch_that_is_right_passes():
    # 0 where p = t is the gradient there; written with == it must still pass, not be refuted
    r = check_gradient("mse", lambda p, t, *, xp: xp.where(p == t, 0 * p, 2 * (p - t) / p.size), shape=S)
    assert r.status in PASS, r.message
    r = check_vjp("relu", lambda x, v, *, xp: xp.where((x != 0) & (x > 0), v, 0 * v), shape=S)
    assert r.status in PASS, r.message


def test_equality_tests_in_jvp_hessian_and_hvp_are_seen():
    jvp = lambda p, t, u, *, xp: xp.sum(xp.where(p == t, u, 2 * (p - t) * u)) / p.size          # noqa: E731
    assert check_jvp("mse", jvp, shape=S).status == "refuted"
    hess = lambda p, t, *, xp: diag(xp.where(p == t, 0 * p, 2 + 0 * p) / p.size, xp=xp)             # noqa: E731
    assert check_hessian("mse", hess, shape=S).status == "refuted"
    hvp = lambda p, t, u, *, xp: xp.where(p == t, 0 * u, 2 * u) / p.size                             # noqa: E731
    assert check_hvp("mse", hvp, shape=S).status == "refuted"


def test_a_model_backprop_rule_with_an_equality_test_is_refuted():
    def dW(W, b, x, t, *, xp):
        delta = 2 * (x @ W.T + b - t) / t.size
        return xp.where(delta == 0, 1 + 0 * delta, delta).T @ x          # wrong where the residual is 0
    assert check_gradient("linear:3x2+mse", dW, wrt="W").status == "refuted"


# --- 2. code that depends on the size ----------------------------------------------------------------

@pytest.mark.parametrize("grad, bad_shape", [
    (lambda p, t, *, xp: (4 if p.shape[-1] == 3 else 2) * (p - t) / p.size, [2, 3]),   # wrong at the default
    (lambda p, t, *, xp: (3 if p.ndim == 1 else 2) * (p - t) / p.size, [3]),          # wrong for a vector
    (lambda p, t, *, xp: (2 if p.shape[0] > 1 else 1) * (p - t) / p.size, [1, 1]),    # wrong for a batch of one
    (lambda p, t, *, xp: 2 * (p - t) / (p.shape[0] * 3), [1, 1]),                      # n written as 3
])
def test_size_dependent_code_is_refuted_where_it_is_wrong(grad, bad_shape):
    r = check_gradient("mse", grad)
    assert r.status == "refuted", r.message
    assert r.counterexample.shape == bad_shape


def test_size_dependent_code_that_is_right_is_not_claimed_for_every_size():
    def grad(p, t, *, xp):                      # a special case for a batch of one, right in both branches
        if p.shape[0] == 1:
            return 2 * (p - t) / p.shape[-1]
        return 2 * (p - t) / p.size
    r = check_gradient("mse", grad)
    assert r.status == "proved" and r.scope == "shape 2×3"
    assert "compares a size" in r.message and set(r.shapes) >= {"1×1", "2×3", "3×4"}


def test_a_right_every_size_formula_is_confirmed_at_other_ranks():
    r = check_gradient("cross_entropy_logits",
                       lambda z, t, *, xp: (xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True)
                                            * xp.sum(t, axis=-1, keepdims=True) - t) / count(z, "batchmean"))
    assert r.status == "proved" and r.scope == "every m×n"
    assert "3" in r.shapes and "1×2×3" in r.shapes


# --- 3. float constants are their decimal values, exactly ------------------------------------------------

@pytest.mark.parametrize("grad", [
    lambda p, t, *, xp: (p - t) * 0.3333333333333333 * 6 / p.size,          # 1.9999999999999998, not 2
    lambda p, t, *, xp: 2.0 / p.size * (p - t),                            # 2/6 rounded to a double
    lambda p, t, *, xp: 2 * (p - t) * (1 + xp.asarray(1e-25)) / p.size,    # 1 + 1e-25 is not 1 on xp
    lambda p, t, *, xp: (p - t) * (2 / 3) * 3 / p.size,
])
def test_a_rounded_constant_is_refuted_and_the_hint_says_so(grad):
    r = check_gradient("mse", grad, shape=S)
    assert r.status == "refuted", r.message
    assert "tiny relative amount" in r.message


def test_constants_that_are_exact_pass():
    big = lambda p, t, *, xp: (1e16 * (p - t) + 2 * (p - t) - 1e16 * (p - t)) / p.size   # noqa: E731
    assert check_gradient("mse", big, shape=S).status == "proved"
    half = lambda p, t, *, xp: (p - t) / (p.size * 0.5)                                    # noqa: E731
    assert check_gradient("mse", half, shape=S).status == "proved"
    tenth = lambda p, t, *, xp: 20 * (p - t) * 0.1 / p.size                                # noqa: E731
    assert check_gradient("mse", tenth, shape=S).status == "proved"


def test_a_size_divided_as_a_python_number_is_not_proved_for_every_size():
    r = check_gradient("mse", lambda p, t, *, xp: 2 / p.size * (p - t))        # a float at 2×3 and 3×4
    assert r.status == "refuted"
    assert "a float division" in r.message or "tiny relative amount" in r.message


# --- 4. removable singularities: 0/0 is not a value ---------------------------------------------------

@pytest.mark.parametrize("name, fn, kind", [
    ("mse", lambda p, t, *, xp: 2 * (p - t) * (p / p) / p.size, check_gradient),
    ("mse", lambda p, t, *, xp: 2 * (p ** 2 - t ** 2) / (p + t) / p.size, check_gradient),
    ("relu", lambda x, v, *, xp: xp.where(x > 0, v, 0 * v / x), check_vjp),
    ("tanh", lambda x, v, *, xp: v * (1 - xp.tanh(x) ** 2) * xp.sinh(x) / xp.sinh(x), check_vjp),
    ("sigmoid", lambda x, v, *, xp: v * (xp.exp(x) - 1) / (xp.exp(x) - 1) / (2 + xp.exp(x) + xp.exp(-x)), check_vjp),
])
def test_a_formula_that_is_0_over_0_inside_the_domain_is_refuted(name, fn, kind):
    r = kind(name, fn, shape=S)
    assert r.status == "refuted", r.message
    assert r.counterexample.got in ("nan", "inf", "-inf")


def test_a_cancelled_singularity_is_a_prover_disagreement_made_visible():
    from check.cli.junit import check_case
    from check.cli.junit import document
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) * (p / p) / p.size)
    assert r.status == "refuted" and r.prover_disagreement      # SymPy cancels p/p; the evaluation does not
    assert "PROVER DISAGREEMENT" in r.message
    assert r.to_json()["prover_disagreement"] is True
    xml = document("gradspec verify", [check_case(r, False, "")])
    assert "PROVER DISAGREEMENT" in xml.find(".//failure").text


def test_a_guarded_division_is_not_an_error():
    r = check_gradient("mae", lambda p, t, *, xp: xp.where(p != t, (p - t) / xp.abs(p - t), 0 * p) / p.size,
                       shape=S)
    assert r.status in PASS, r.message


def test_the_derivative_undefined_where_the_formula_is_finite_is_inconclusive():
    r = check_vjp("log", lambda x, v, *, xp: v / xp.maximum(x, 1e-300), shape=S)   # right for x ≥ 1e-300 …
    assert r.status == "refuted"                                                  # … wrong below, inside x > 0


# --- 5. errors where ordinary samples never go ------------------------------------------------------

def _huber(d, delta, xp):
    return xp.where(xp.abs(d) < delta, d, delta * xp.sign(d))


@pytest.mark.parametrize("grad", [
    # a narrow band of the residual, away from any kink
    lambda p, t, *, xp, delta: xp.where(xp.abs(p - t - 0.37) < 1e-6, 0 * p, _huber(p - t, delta, xp)) / p.size,
    # only for huge residuals
    lambda p, t, *, xp, delta: xp.where(xp.abs(p - t) > 3e5, 0 * p, _huber(p - t, delta, xp)) / p.size,
    # only for tiny nonzero residuals
    lambda p, t, *, xp, delta: xp.where((xp.abs(p - t) > 0) & (xp.abs(p - t) < 1e-35), 0 * p,
                                        _huber(p - t, delta, xp)) / p.size,
    # a threshold off by 1e-12 relative
    lambda p, t, *, xp, delta: xp.where(xp.abs(p - t) < delta * (1 + 1e-12), p - t, delta * xp.sign(p - t)) / p.size,
    # between two adjacent doubles
    lambda p, t, *, xp, delta: xp.where((p - t > 0.7) & (p - t < 0.7000000000000001), 0 * p,
                                        _huber(p - t, delta, xp)) / p.size,
    # on the set p = t (where the huber gradient is 0)
    lambda p, t, *, xp, delta: xp.where(p == t, 1e-9 + 0 * p, _huber(p - t, delta, xp)) / p.size,
])
def test_an_error_confined_where_ordinary_samples_never_go_is_refuted(grad):
    r = check_gradient("huber", grad, shape=S)
    assert r.status == "refuted", r.message
    assert r.points > 100                                       # the structure adds points (said in the result)


def test_a_branch_no_single_boundary_reaches_gets_a_witness():
    def grad(p, t, *, xp):                      # wrong only where three conditions meet, far from samples
        return xp.where((p > 2.9) & (t < -2.95) & (p * t < -8.7), 0 * p, 2 * (p - t) / p.size)
    r = check_gradient("mse", grad, shape=S)
    assert r.status == "refuted" and r.counterexample.origin.startswith("branch:")


def test_a_hinge_margin_off_by_1e_12_is_refuted():
    def grad(p, t, *, xp):
        return xp.where(1 + 1e-12 - t * p > 0, -t, 0 * t) / p.size
    assert check_gradient("hinge", grad, shape=S).status == "refuted"


# --- 6. sensitivity: any nonzero difference at a sampled point is decided -----------------------------

@pytest.mark.parametrize("rel", [1e-30, 1e-40, 1e-100, 1e-300])
def test_a_tiny_relative_error_is_refuted(rel):
    # (1 + rel) in plain Python is 1.0 before any array sees it: the error is put on xp's numbers
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size * (1 + xp.asarray(rel)), shape=S)
    assert r.status == "refuted", r.message
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size + rel * (p - t), shape=S)
    assert r.status == "refuted", r.message


def test_python_arithmetic_before_xp_is_what_the_formula_computes():
    # 1 + 1e-30 is exactly 1.0 in Python: the formula below *is* 2(p − t)/N, and passes
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size * (1 + 1e-30), shape=S)
    assert r.status == "proved"


def test_a_tiny_error_in_a_transcendental_formula_is_refuted():
    r = check_vjp("sigmoid", lambda x, v, *, xp: v * (1 + xp.asarray(1e-200)) / (2 + xp.exp(x) + xp.exp(-x)),
                  shape=S)
    assert r.status == "refuted"
    ok = check_vjp("sigmoid", lambda x, v, *, xp: v / (2 + xp.exp(x) + xp.exp(-x)), shape=S)
    assert ok.status in PASS and ok.bound_bits >= 1000          # agreement to 2^-1000 at least, stated


# --- 7. wrong shapes are refuted on every path ---------------------------------------------------------

@pytest.mark.parametrize("vjp", [
    lambda x, v, *, xp: xp.sum(xp.where(x > 0, v, 0 * v)),                                 # a scalar
    lambda x, v, *, xp: xp.sum(xp.where(x > 0, v, 0 * v), axis=-1, keepdims=True),         # (m, 1)
    lambda x, v, *, xp: xp.sum(xp.where(x > 0, v, 0 * v), axis=0, keepdims=True),          # (1, n)
])
def test_a_wrongly_shaped_vjp_is_refuted_never_proved(vjp):
    r = check_vjp("relu", vjp)
    assert r.status == "refuted" and "returned shape" in r.message


def test_broadcasting_to_the_right_shape_passes():
    r = check_vjp("sum", lambda x, v, *, xp: v * xp.ones_like(x))
    assert r.status == "proved", r.message


# --- 8. no false alarms from Python ints and discarded branches ----------------------------------------

@pytest.mark.parametrize("name, fn", [
    ("huber", lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size),              # the clip form
    ("mae", lambda p, t, *, xp: (xp.where(p > t, 1, 0) - xp.where(p < t, 1, 0)) / p.size),     # ints from where
    ("mse", lambda p, t, *, xp: 2 * (p - t) * xp.ones_like(p) / p.size),
    ("smooth_l1", lambda p, t, *, xp, beta: xp.clip((p - t) / beta, -1, 1) / p.size),
])
def test_a_right_formula_with_python_ints_passes(name, fn):
    r = check_gradient(name, fn, shape=S)
    assert r.status in PASS, r.message


# --- 9. second derivatives at kinks: almost everywhere, with the convention stated -----------------------

@pytest.mark.parametrize("name, hess", [
    ("huber", lambda p, t, *, xp, delta: diag(xp.where(xp.abs(p - t) < delta, 1, 0) / p.size, xp=xp)),
    ("smooth_l1", lambda p, t, *, xp, beta: diag(xp.where(xp.abs(p - t) < beta, 1 / beta, 0) / p.size, xp=xp)),
    ("mae", lambda p, t, *, xp: 0 * xp.eye_like(p)),
])
def test_hessians_of_piecewise_losses_are_checked_almost_everywhere(name, hess):
    r = check_hessian(name, hess, shape=S)
    assert r.status in PASS, r.message
    assert any(c.startswith("almost everywhere") for c in r.conditions)


def test_a_wrong_hessian_or_hvp_at_a_kink_is_refuted():
    wrong = lambda p, t, *, xp, delta: diag(xp.where(xp.abs(p - t) <= delta, 1, 0) / p.size, xp=xp)   # noqa: E731
    assert check_hessian("huber", wrong, shape=S).status == "refuted"     # the quadratic branch at |d| = delta
    hvp = lambda p, t, u, *, xp, beta: xp.where(xp.abs(p - t) <= beta, u / beta, 0 * u) / p.size       # noqa: E731
    assert check_hvp("smooth_l1", hvp, shape=S).status == "refuted"
    right = lambda p, t, u, *, xp, beta: xp.where(xp.abs(p - t) < beta, u / beta, 0 * u) / p.size      # noqa: E731
    assert check_hvp("smooth_l1", right, shape=S).status in PASS


# --- what a result says ----------------------------------------------------------------------------------

def test_the_result_states_points_shapes_precision_and_bound():
    r = check_gradient("huber", lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size, prove=False)
    assert r.status == "verified"
    d = r.to_json()
    assert d["points"] > 100 and d["precision"] == 1280 and d["shapes"] == ["2×3", "1×1", "3×4"]
    assert d["bound_bits"] == "exact" and d["prover_disagreement"] is False
    json.dumps(d)
    assert "every difference exactly 0" in r.message


@pytest.mark.slow
def test_a_disagreement_where_the_forward_itself_is_0_over_0_is_no_finding_and_a_wrong_formula_still_fails():
    """At 1×1 SymPy simplifies cosine_embedding's HVP to 0 even at x1 = 0, where cos = 0/0: the right
    formula's NaN there is 'undefined', not a refutation; a formula wrong elsewhere is refuted."""
    from spec.catalog.cosine_embedding import hvp_x1
    r = check_hvp("cosine_embedding", hvp_x1, wrt="x1", shape=(1, 1))
    assert r.status in ("proved", "verified") and r.undefined >= 1, r.message
    flipped = lambda x1, x2, target, tangent, *, xp, margin, reduction: -hvp_x1(      # noqa: E731
        x1, x2, target, tangent, xp=xp, margin=margin, reduction=reduction)
    assert check_hvp("cosine_embedding", flipped, wrt="x1").status == "refuted"
