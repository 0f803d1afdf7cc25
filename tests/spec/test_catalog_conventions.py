"""The libraries' conventions as parameters: each right formula passes, the formula that ignores the
convention is refuted, and bad parameter values are clear errors."""

import numpy as np
import pytest

from check import check_gradient, check_vjp
from check.checks.catalog import checks
from spec.errors import GradspecError
from spec.reduction import count
from tests.fresh_python import run_cli

W = (1, 2, 0.5)


def test_smooth_l1_with_beta_zero_is_l1():
    from spec.catalog.smooth_l1 import grad_predicted
    assert check_gradient("smooth_l1", grad_predicted, params={"beta": 0}).status == "proved"
    wrong = check_gradient("smooth_l1", lambda p, t, *, xp, reduction: (p - t) / p.size, params={"beta": 0})
    assert wrong.status == "refuted"
    with pytest.raises(GradspecError, match="beta must be ≥ 0"):
        check_gradient("smooth_l1", grad_predicted, params={"beta": -1})


def test_bce_with_logits_pos_weight_and_weight():
    from spec.catalog.bce_with_logits import grad_logits
    params = {"pos_weight": 3, "weight": 0.5}
    assert check_gradient("bce_with_logits", grad_logits, params=params).status == "proved"
    unweighted = lambda z, t, *, xp, reduction: (1 / (1 + xp.exp(-z)) - t) / count(z, reduction)   # noqa: E731
    assert check_gradient("bce_with_logits", unweighted, params=params).status == "refuted"


def test_nll_weighted_mean_divides_by_the_weights_of_the_targets():
    from spec.catalog.nll import grad_log_probs, grad_target
    params = {"weight": W, "reduction": "weighted_mean"}
    assert check_gradient("nll", grad_log_probs, params=params).status == "proved"
    assert check_gradient("nll", grad_target, wrt="target", params=params).status == "proved"
    by_rows = lambda lp, t, *, xp, reduction, weight: -xp.asarray(list(weight)) * t / lp.shape[0]   # noqa: E731
    r = check_gradient("nll", by_rows, params=params)
    assert r.status == "refuted" and "relative error" in r.message


def test_cross_entropy_label_smoothing_and_class_weights():
    from spec.catalog.cross_entropy_logits import grad_logits
    params = {"weight": W, "label_smoothing": 0.1}
    assert check_gradient("cross_entropy_logits", grad_logits, params=params).status == "proved"
    not_smoothed = lambda z, t, *, xp, reduction: (                                     # noqa: E731
        xp.exp(z) / xp.sum(xp.exp(z), axis=-1, keepdims=True) - t) / count(z, reduction)
    r = check_gradient("cross_entropy_logits", not_smoothed, params={"label_smoothing": 0.1},
                       conditions=["target_rows_sum_to_1"])
    assert r.status == "refuted"


def test_class_weights_of_the_wrong_length_are_a_clear_error():
    from spec.catalog.nll import grad_log_probs
    with pytest.raises(GradspecError, match="weight tuple has 2 entries but the class axis"):
        check_gradient("nll", grad_log_probs, params={"weight": (1, 2)})
    with pytest.raises(GradspecError, match="weight must be None, a number"):
        check_gradient("nll", grad_log_probs, params={"weight": (1, -2, 1)})


def test_poisson_full_adds_stirling_only_above_one():
    from spec.catalog.poisson_nll import grad_target
    assert check_gradient("poisson_nll", grad_target, wrt="target", params={"full": True}).status == "proved"
    without = lambda x, k, *, xp, reduction: -x / count(x, reduction)                      # noqa: E731
    assert check_gradient("poisson_nll", without, wrt="target", params={"full": True}).status == "refuted"


def test_softplus_beta_and_threshold():
    from spec.catalog.softplus import vjp
    for params in ({"beta": 2}, {"beta": 2, "threshold": 20}):
        assert check_vjp("softplus", vjp, params=params).status == "proved"
    beta_one = lambda x, v, *, xp: v / (1 + xp.exp(-x))                                    # noqa: E731
    assert check_vjp("softplus", beta_one, params={"beta": 2}).status == "refuted"


def test_relu_and_margin_ranking_take_the_subgradient_zero_at_a_tie():
    passes_at_zero = lambda x, v, *, xp: xp.where(x >= 0, v, 0 * v)                        # noqa: E731
    r = check_vjp("relu", passes_at_zero)
    assert r.status == "refuted" and r.counterexample.origin.startswith("kink")
    torch_convention = lambda a, b, y, *, xp, margin, reduction: xp.where(                 # clamp_min passes it
        -y * (a - b) + margin >= 0, -y, 0 * y) / count(a, reduction)
    r = check_gradient("margin_ranking", torch_convention)
    assert r.status == "refuted" and r.counterexample.origin.startswith("kink")


def test_gelu_tanh_form_is_exact_and_a_wrong_slope_is_refuted():
    from spec.catalog.gelu import vjp
    assert check_vjp("gelu", vjp).status == "proved"

    def missing_three(x, v, *, xp):
        c = xp.asarray(44715) / 1000000
        th = xp.tanh(xp.sqrt(2 / xp.pi) * (x + c * x ** 3))
        return v * ((1 + th) / 2 + x * (1 - th * th) * xp.sqrt(2 / xp.pi) * (1 + c * x * x) / 2)
    assert check_vjp("gelu", missing_three).status == "refuted"


def test_variants_are_catalog_checks_with_their_parameters_in_the_id():
    ids = [c.id for c in checks("bce_with_logits")]
    assert "grad[logits] {pos_weight=3, weight=0.5}" in ids
    assert "form[softplus_stable] {pos_weight=1,2,0.5, weight=2,1,1}" in ids
    ids = [c.id for c in checks("cross_entropy_logits")]
    assert "grad[logits] (simplex targets) {label_smoothing=0.1}" in ids
    assert not any(i.startswith("grad[logits] (simplex targets) {weight") for i in ids)   # it takes no weight


@pytest.mark.slow
def test_cli_param_tuples_booleans_and_none():
    p = run_cli(["derive", "nll", "--shape", "1,3", "--param", "weight=1,2,0.5",
                 "--param", "reduction=weighted_mean"])
    assert p.returncode == 0, p.stderr
    assert "2 t_{0,0} + 4 t_{0,1} + t_{0,2}" in p.stdout          # Σ w[y] t with w = (1, 2, ½), doubled
    p = run_cli(["derive", "poisson_nll", "--wrt", "target", "--shape", "1,2", "--param", "full=true"])
    assert p.returncode == 0 and "k_{0,0} > 1" in p.stdout                 # the Stirling term, only above 1
    p = run_cli(["derive", "nll", "--param", "weight=1,2"])
    assert p.returncode == 2 and "weight tuple has 2 entries" in p.stderr and "Traceback" not in p.stderr


def _split_among_ties(v, xp):
    """JAX's convention for the derivative of a row's max: equal shares among the tied entries."""
    hit = xp.where(v == xp.max(v, axis=-1, keepdims=True), xp.ones_like(v), 0 * v)
    return hit / xp.sum(hit, axis=-1, keepdims=True)


@pytest.mark.slow
@pytest.mark.parametrize("name, wrt, shifted", [
    ("multiclass_hinge", "scores", lambda x, t: x + 1 - t),
    ("multiclass_perceptron", "scores", lambda x, t: x),
])
def test_a_rows_max_gives_its_derivative_to_the_first_tied_entry(name, wrt, shifted):
    import importlib
    from spec.reduction import rows_count
    right = getattr(importlib.import_module(f"spec.catalog.{name}"), "grad_scores")
    r = check_gradient(name, right, wrt=wrt)
    assert r.status == "proved", r.message
    split = lambda x, t, *, xp, reduction: (                                            # noqa: E731
        _split_among_ties(shifted(x, t), xp) - t) / rows_count(x, reduction)
    r = check_gradient(name, split, wrt=wrt)
    assert r.status == "refuted"


@pytest.mark.slow
def test_categorical_hinge_keeps_keras_zero_for_the_target_slot():
    from spec.catalog.categorical_hinge import grad_predicted
    from spec.reduction import rows_count
    r = check_gradient("categorical_hinge", grad_predicted)
    assert r.status == "proved", r.message

    def others_only(x, t, *, xp, reduction):          # the max over the other classes, as one might expect
        big = x - 1000 * t
        z = xp.max(big, axis=-1, keepdims=True) - xp.sum(t * x, axis=-1, keepdims=True) + 1
        return xp.where(z > 0, xp.ones_like(z), 0 * z) * (_split_among_ties(big, xp) - t) / rows_count(x, reduction)
    r = check_gradient("categorical_hinge", others_only)
    assert r.status == "refuted" and "['0.5', '-1.0', '-1.0']" in r.message      # every other score negative


def test_cross_entropy_index_ignores_all_zero_rows_in_the_mean_and_the_smoothing():
    from spec.catalog.cross_entropy_index import grad_logits
    from spec.catalog.cross_entropy_logits import grad_logits as every_row_smoothed
    from spec.catalog.softmax import softmax
    assert check_gradient("cross_entropy_index", grad_logits).status == "proved"
    by_rows = lambda z, t, *, xp, reduction: (                                           # noqa: E731
        softmax(z, xp=xp) * xp.sum(t, axis=-1, keepdims=True) - t) / z.shape[0]
    r = check_gradient("cross_entropy_index", by_rows)                   # divides by every row, ignored ones too
    assert r.status == "refuted" and "constant factor" in r.message
    params = {"label_smoothing": 0.1}
    assert check_gradient("cross_entropy_index", grad_logits, params=params).status == "proved"
    smoothed_everywhere = lambda z, t, *, xp, reduction, label_smoothing: every_row_smoothed(  # noqa: E731
        z, t, xp=xp, reduction=reduction, weight=None, label_smoothing=label_smoothing)
    assert check_gradient("cross_entropy_index", smoothed_everywhere, params=params).status == "refuted"


def test_onehot_or_ignored_rows_keep_one_row_and_ignore_one():
    import random
    from spec.domains import ONEHOT_OR_IGNORED_ROWS as D
    for seed in range(20):
        a = D.ordinary((3, 4), random.Random(seed))
        sums = [sum(r) for r in a]
        assert D.contains(a) and 1 in sums and 0 in sums
    assert D.ordinary((1, 3), random.Random(0)).sum() == 1
    assert not D.contains(np.zeros((2, 3), dtype=object)) and not D.contains(np.ones((2, 3), dtype=object))
