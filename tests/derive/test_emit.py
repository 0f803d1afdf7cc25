"""Emitted gradient code: exact against the spec, and measured in float64 (bits of error)."""
import pytest
import math

import numpy as np

import spec
from check.checks.emitted import check_emitted, float_report
from check.numeric.float_error import bits
from derive.emit import compile_emitted, emit
from tests.fresh_python import run_cli


def test_bits_of_error_against_hand_computed_cases():
    assert bits(1.0, 1.0) == 0.0
    assert bits(np.nextafter(1.0, 2.0), 1.0) == 1.0                 # one float apart: log2(2)
    assert bits(-0.0, 0.0) == 0.0
    assert bits(float("nan"), 1.0) == 64.0 and bits(float("inf"), 1.0) == 64.0
    assert math.isclose(bits(1.0 + 2 ** -52 * 3, 1.0), 2.0)          # three floats apart: log2(4)


def test_emitted_cross_entropy_gradient_is_vectorised_stable_and_proved():
    src = emit(spec.get("cross_entropy_logits"), "logits")
    assert "xp.max(" in src and "keepdims=True" in src                # the log-sum-exp shift
    fn = compile_emitted(src)
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])   # any batch size
    t = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    g = fn(z, t)
    assert g.shape == (3, 3) and np.isfinite(g).all()
    exact, (floats,) = check_emitted("cross_entropy_logits", "logits")
    assert exact.status == "proved"
    assert floats.ok and floats.worst_bits < 10 and floats.points > 10


def test_emitted_kl_gradient_is_proved_for_all_sizes():
    exact, (floats,) = check_emitted("kl_div", "target")
    assert exact.status == "proved" and exact.scope == "every m×n" and floats.ok


def test_float_report_flags_overflow_of_an_unstable_formula():
    s = spec.get("bce_with_logits")

    def naive(z, t, *, xp):                      # exp(z)/(1+exp(z)): inf/inf = nan for z ≳ 710
        return (xp.exp(z) / (1 + xp.exp(z)) - t) / z.size

    def stable(z, t, *, xp):
        e = xp.exp(-xp.abs(z))
        return (xp.where(z >= 0, 1 / (1 + e), e / (1 + e)) - t) / z.size
    assert not float_report(s, naive, "logits").ok
    assert float_report(s, stable, "logits").ok


@pytest.mark.slow
def test_cli_emit():
    p = run_cli(["derive", "kl_div", "--wrt", "target", "--emit", "numpy"])
    assert p.returncode == 0 and p.stdout.startswith("import numpy") and "def grad_target(" in p.stdout
    p = run_cli(["derive", "mse", "--emit", "latex"])
    assert p.returncode == 0 and "{p}_{k,l}" in p.stdout and "m n" in p.stdout


def test_emitted_code_that_overflows_is_refuted(monkeypatch):
    import check.checks.emitted as emitted
    naive = ("import numpy\n\n\ndef grad_logits(logits, target, *, xp=numpy):\n"
             "    return (xp.exp(logits) / (1 + xp.exp(logits)) - target) / logits.size\n")
    monkeypatch.setattr(emitted, "emit", lambda s, wrt, params=None, target="numpy": naive)
    r = emitted.emitted_result("bce_with_logits", "logits")
    assert r.status == "refuted" and "not finite where the truth is" in r.message
    assert "bits of error" in r.method and "not checked symbolically" in r.method   # the floats are the verdict


@pytest.mark.slow
def test_every_emitted_gradient_of_a_few_entries_is_exact_and_finite():
    for name, wrt in [("sigmoid", "x"), ("log_cosh", "predicted"), ("softplus", "x")]:
        exact, (floats,) = check_emitted(name, wrt)
        assert exact.status == "proved" and floats.ok, (name, exact.message, floats.overflow)
    exact, (floats,) = check_emitted("cosine_similarity", "target")   # the eps clamp's condition, every size
    assert exact.status == "proved" and exact.scope == "every m×n" and floats.ok


def test_the_sigmoid_rule_rewrites_a_small_gradient_and_leaves_a_large_one():
    """exp(a)/(1 + exp(a))² becomes σ(a)(1 − σ(a)); past SIGMOID_MAX_OPS operations the rule does not
    try (its cancel of the whole expression costs seconds) and the expression is returned as it is."""
    import sympy as sp

    from derive.emit import rewrites
    a = sp.IndexedBase("z", real=True)[sp.Symbol("k", integer=True), sp.Symbol("l", integer=True)]
    small = sp.exp(a) / (1 + sp.exp(a)) ** 2                        # the rule rewrites exps of entries
    out = rewrites._through_sigmoid(small, {})
    assert not out.has(sp.exp) and out.has(sp.Function("_sigmoid"))
    assert sp.simplify(out.xreplace({sp.Function("_sigmoid")(a): 1 / (1 + sp.exp(-a))}) - small) == 0
    xs = sp.symbols("x0:40", real=True)
    large = small + sum(x ** 3 * sp.log(1 + x ** 2) for x in xs)
    assert sp.count_ops(large) > rewrites.SIGMOID_MAX_OPS
    assert rewrites._through_sigmoid(large, {}) == large
