"""Stable forms are identities of the forward; domain conditions are needed (shown outside)."""

from check import check_condition, check_form
from spec import Condition, Derivative, Form, Input, Spec
from spec.conditions import entries_above
from spec.domains import POSITIVE, REAL


def test_log_softmax_max_shift_is_proved():
    r = check_form("log_softmax", "max_shifted")
    assert r.status == "proved" and "max as a free symbol" in r.method


def test_softplus_stable_form_is_proved_by_sign_split():
    assert check_form("softplus", "max_log1p").status == "proved"


def test_log_cosh_stable_form_is_at_least_verified_at_extremes():
    r = check_form("log_cosh", "abs_log1p")
    assert r.ok and (r.status == "proved" or r.points > 20)


def test_a_wrong_stable_form_is_refuted():
    wrong = Form("wrong_shift", lambda x, *, xp: x - xp.max(x, axis=-1, keepdims=True), True, "forgets the log-sum")
    r = check_form("log_softmax", wrong)
    assert r.status == "refuted"
    assert "form 'wrong_shift'" in r.message


def test_a_stable_form_wrong_only_for_negative_inputs_is_refuted():
    wrong = Form("abs_bug", lambda x, *, xp: xp.abs(x) + xp.log1p(xp.exp(-xp.abs(x))), True, "max(x,0) → |x|")
    r = check_form("softplus", wrong)
    assert r.status == "refuted"
    assert any(float(v) < 0 for row in r.counterexample.inputs["x"] for v in row)


def test_kl_condition_is_needed_with_a_zero_target_witness():
    r = check_condition("kl_div", "target_nonzero")
    assert r.status == "verified"
    assert r.counterexample.expected == "-inf"
    assert "0" in [v for row in r.counterexample.inputs["target"] for v in row]


def test_simplex_condition_witness_has_rows_off_the_simplex():
    r = check_condition("cross_entropy_logits", "target_rows_sum_to_1")
    assert r.status == "verified"
    from fractions import Fraction
    rows = r.counterexample.inputs["target"]
    assert any(abs(sum(Fraction(v) for v in row) - 1) > Fraction(1, 10) for row in rows)


def _toy(condition: Condition) -> Spec:
    """An unregistered op y = exp(x) whose (correct) VJP claims a condition."""
    return Spec("toy_exp", "op", (Input("x", REAL, "x"),), (), lambda x, *, xp: xp.exp(x),
                derivatives=(Derivative("x", lambda x, v, *, xp: v * xp.exp(x), (condition.name,)),),
                conditions=(condition,))


def test_an_unneeded_condition_is_rejected():
    r = check_condition(_toy(entries_above("x", lambda p: 0, label="0")), "x_above_0")
    assert r.status == "inconclusive"
    assert "no outside point" in r.message


def test_log_condition_witness_is_non_finite():
    r = check_condition("log", "x_above_0")
    assert r.status == "verified" and r.counterexample.expected in ("nan", "inf", "-inf")


def test_unregistered_specs_work_with_checks():
    s = Spec("toy_log", "op", (Input("x", POSITIVE, "x"),), (), lambda x, *, xp: xp.log(x))
    from check import check_vjp
    assert check_vjp(s, lambda x, v, *, xp: v / x).status == "proved"
    assert check_vjp(s, lambda x, v, *, xp: v * x).status == "refuted"
