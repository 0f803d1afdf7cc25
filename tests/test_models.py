"""Models composed with losses (seed 004): gradients, VJPs, JVPs, HVPs and hand-written backprop."""
import subprocess
import sys

import pytest

import derive
import spec
from check import GradspecError, check_gradient, check_hvp, check_jvp, check_vjp
from check.checks import catalog


def test_model_names_build_entries_with_per_input_shapes():
    s = spec.get("mlp:2x3x2:sigmoid+bce_with_logits")
    assert s.kind == "loss" and s.input_names == ("W1", "b1", "W2", "b2", "x", "target")
    assert s.shapes((4, 2)) == {"W1": (3, 2), "b1": (3,), "W2": (2, 3), "b2": (2,), "x": (4, 2), "target": (4, 2)}
    assert spec.get("linear:3x2").kind == "model"


@pytest.mark.parametrize("name", ["linear:3x2+mse", "linear:3x2", "mlp:2x3x2:tanh+mse"])
def test_catalog_backprop_rules_hold(name):
    for c in catalog.checks(name):
        assert c.run().ok, c.id


def test_hand_written_linear_backprop():
    def dW(W, b, x, t, *, xp):
        delta = 2 * (x @ W.T + b - t) / t.size
        return delta.T @ x
    assert check_gradient("linear:3x2+mse", dW, wrt="W").status == "proved"


def test_backprop_without_the_activation_derivative_is_refuted():
    def dW1(W1, b1, W2, b2, x, t, *, xp):
        delta = 2 * (xp.tanh(x @ W1.T + b1) @ W2.T + b2 - t) / t.size
        return (delta @ W2).T @ x                        # forgot the tanh' factor
    r = check_gradient("mlp:2x3x2:tanh+mse", dW1, wrt="W1")
    assert r.status == "refuted"
    assert set(r.counterexample.inputs) == {"W1", "b1", "W2", "b2", "x", "target"}


def test_bias_gradient_summed_over_the_wrong_axis_is_a_shape_error():
    def db(W, b, x, t, *, xp):
        return xp.sum(2 * (x @ W.T + b - t) / t.size, axis=1)
    r = check_gradient("linear:3x2+mse", db, wrt="b", shape=(3, 3))
    assert r.status == "refuted" and "returned shape (3,), expected (2,)" in r.message


def test_vjp_params_jvp_params_and_hvp_params():
    assert check_vjp("linear:3x2", lambda W, b, x, v, *, xp: v.T @ x, wrt="W").status == "proved"
    jvp = lambda W, b, x, t, u, *, xp: xp.sum(2 * (x @ W.T + b - t) / t.size * (x @ u.T))
    assert check_jvp("linear:3x2+mse", jvp, wrt="W").status == "proved"
    hvp = lambda W, b, x, t, u, *, xp: 2 * (x @ u.T).T @ x / t.size
    assert check_hvp("linear:3x2+mse", hvp, wrt="W").status == "proved"
    assert check_hvp("linear:3x2+mse", lambda W, b, x, t, u, *, xp: 2 * u / t.size, wrt="W").status == "refuted"


def test_jacrev_shape():
    assert derive.jacobian("linear:3x2", "W", shape=(2, 3)).shape == (2, 2, 2, 3)


@pytest.mark.parametrize("name, needle", [
    ("lin:3", "cannot read the model"), ("mlp:2x3x2:relu", "unknown activation"),
    ("linear:3x2+sigmoid", "not a loss"), ("linear:3x2+msee", "unknown spec 'msee'"),
])
def test_bad_model_names(name, needle):
    with pytest.raises(GradspecError, match=needle):
        spec.get(name)


def test_cli_derive_model():
    p = subprocess.run([sys.executable, "-m", "check", "derive", "--model", "linear:2x1", "--loss", "mse",
                        "--shape", "1,2"], capture_output=True, text=True)
    assert p.returncode == 0
    for wrt in ("W", "b", "x", "target"):
        assert f"gradient w.r.t. {wrt}," in p.stdout
    bad = subprocess.run([sys.executable, "-m", "check", "derive", "--model", "linear:3x2", "--shape", "2,4"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "takes x of shape (batch, 3)" in bad.stderr and "Traceback" not in bad.stderr
