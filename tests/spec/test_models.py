"""Models composed with losses (seed 004): gradients, VJPs, JVPs, HVPs and hand-written backprop."""

import pytest

import derive
import spec
from check import GradspecError, check_gradient, check_hvp, check_jvp, check_vjp
from check.checks import catalog
from tests.fresh_python import run_cli


def test_model_names_build_entries_with_per_input_shapes():
    s = spec.get("mlp:2x3x2:sigmoid+bce_with_logits")
    assert s.kind == "loss" and s.input_names == ("W1", "b1", "W2", "b2", "x", "target")
    assert s.shapes((4, 2)) == {"W1": (3, 2), "b1": (3,), "W2": (2, 3), "b2": (2,), "x": (4, 2), "target": (4, 2)}
    assert spec.get("linear:3x2").kind == "model"


@pytest.mark.parametrize("name", ["linear:3x2+mse", "linear:3x2", pytest.param("mlp:2x3x2:tanh+mse", marks=pytest.mark.slow)])
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
    ("linear:3x2+huber,delta=-1", "delta must be > 0"), ("linear:3x2+huber,beta=1", "no parameter 'beta'"),
    ("linear:3x2+huber,0.5", "write it as NAME=VALUE"), ("linear:3x2+mse,", "write it as NAME=VALUE"),
    ("linear:3x2+huber,reduction=median", "reduction"),
    # validated as a registered spec: a class-weight tuple that does not fit the classes is malformed
    ("linear:3x2+cross_entropy_logits,weight=1,2,3", "is malformed"),
])
def test_bad_model_names(name, needle):
    with pytest.raises(GradspecError, match=needle):
        spec.get(name)


@pytest.mark.parametrize("name, params", [
    ("linear:3x2+huber,delta=0.5", {"delta": 0.5, "reduction": "mean"}),
    ("linear:2x2+smooth_l1,beta=2,reduction=sum", {"beta": 2, "reduction": "sum"}),
    pytest.param("mlp:2x3x2:tanh+cross_entropy_logits,weight=1,3", {"weight": (1, 3), "label_smoothing": 0,
                                                                     "reduction": "batchmean"}, marks=pytest.mark.slow),
])
def test_model_name_sets_the_losses_parameters(name, params):
    """MODEL+LOSS,k=v: the values become the entry's defaults (a tuple keeps its commas), and its checks
    run at them — a backprop that ignores them is refuted."""
    s = spec.get(name)
    assert s.resolve_params(None) == params
    assert all(c.run().ok for c in catalog.checks(name) if c.id.startswith("grad[W"))


@pytest.mark.slow
def test_a_gradient_that_ignores_the_models_loss_parameter_is_refuted():
    def dW(W, b, x, t, *, xp, delta):
        r = x @ W.T + b - t
        return (xp.clip(r, -1, 1) / t.size).T @ x            # huber's gradient at delta = 1, not the given 0.5
    assert check_gradient("linear:3x2+huber,delta=0.5", dW, wrt="W").status == "refuted"
    right = lambda W, b, x, t, *, xp, delta: (xp.clip(x @ W.T + b - t, -delta, delta) / t.size).T @ x
    assert check_gradient("linear:3x2+huber,delta=0.5", right, wrt="W").ok


@pytest.mark.slow
def test_cli_derive_model():
    p = run_cli(["derive", "--model", "linear:2x1", "--loss", "mse", "--shape", "1,2"])
    assert p.returncode == 0
    for wrt in ("W", "b", "x", "target"):
        assert f"gradient w.r.t. {wrt}," in p.stdout
    bad = run_cli(["derive", "--model", "linear:3x2", "--shape", "2,4"])
    assert bad.returncode == 2 and "takes x of shape (batch, 3)" in bad.stderr and "Traceback" not in bad.stderr
