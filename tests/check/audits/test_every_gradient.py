"""The gradient of every differentiable input: targets, variances and second embeddings are audited
too, each finding naming its input; discrete inputs are not asked for; a call that cuts a
gradient, or whose backward for one input raises, is reported as such."""
import numpy as np
import pytest

from check.audits.auditor import audit, further_gradients
from check.audits.baseline import finding_key
import spec as spec_pkg

from .torch_mse import torch_mse


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_torch_a_target_backward_with_the_wrong_sign_is_found_and_named(dtype):
    right = audit("mse", torch_mse(target_scale=1), backend="torch", dtype=dtype)
    assert right.ok and right.gradients == ["predicted", "target"]
    wrong = audit("mse", torch_mse(target_scale=-1), backend="torch", dtype=dtype, label="mse")
    assert set(wrong.counts()) == {"grad-wrong[target]"}          # the prediction's gradient is right
    f = wrong.findings[0]
    assert f.wrt == "target" and f.label == "grad-wrong[target]" and float(f.got) == -float(f.expected)
    # the reproducer differentiates w.r.t. the target: its literal is the one made _x
    assert "torch.autograd.grad(" in f.reproducer and ", _x))" in f.reproducer


def test_torch_a_target_backward_off_by_a_factor_is_found_and_one_ulp_is_not():
    assert set(audit("mse", torch_mse(target_scale=3), backend="torch").counts()) == {"grad-wrong[target]"}
    # twice the truth: off by exactly the entry itself, "inaccurate" (wrong is off by more than it)
    assert set(audit("mse", torch_mse(target_scale=2), backend="torch").counts()) <= {
        "grad-wrong[target]", "grad-inaccurate[target]"}
    nearly = torch_mse(target_scale=1 + 2 ** -20)       # 8 ulps of float32, 2^32 of float64
    assert audit("mse", nearly, backend="torch", dtype="float32").ok
    assert set(audit("mse", nearly, backend="torch", dtype="float64").counts()) == {"grad-inaccurate[target]"}


def test_jax_every_input_of_a_three_input_loss():
    import jax
    import jax.numpy as jnp

    def gaussian_nll(p, t, v, eps, reduction):
        v = jnp.maximum(v, eps)
        return jnp.mean(0.5 * (jnp.log(v) + (p - t) ** 2 / v))
    right = audit("gaussian_nll", gaussian_nll, backend="jax", dtype="float32")
    assert right.gradients == ["predicted", "target", "var"]
    # (at var = float32(1e-6) < 1e-6, the kink point, jnp.maximum's tie splits the gradient: a finding)
    assert not [f for f in right.findings if not f.origin.startswith("kink:")]

    @jax.custom_vjp
    def wrong_var(p, t, v):
        return jnp.mean(0.5 * (jnp.log(v) + (p - t) ** 2 / v))

    def fwd(p, t, v):
        return wrong_var(p, t, v), (p, t, v)

    def bwd(res, g):
        p, t, v = res
        n = p.size
        d = (p - t) / v / n * g
        return d, -d, 0.5 * (1 / v + (p - t) ** 2 / v ** 2) / n * g     # the var term's sign flipped
    wrong_var.defvjp(fwd, bwd)
    wrong = audit("gaussian_nll", lambda p, t, v: wrong_var(p, t, v), backend="jax", dtype="float32",
                  points=[{"predicted": np.full((2, 3), 2.0), "target": np.zeros((2, 3)), "var": np.ones((2, 3))}])
    # at the given point (var = 1: no clamp) only the variance's gradient is off; elsewhere the
    # unclamped forward differs from the spec's anyway
    assert {f.label for f in wrong.findings if f.origin == "given"} == {"grad-wrong[var]"}


def test_discrete_inputs_are_not_differentiated():
    assert further_gradients(spec_pkg.get("nll")) == ()                       # one-hot rows
    assert further_gradients(spec_pkg.get("hinge")) == ()                     # ±1 labels
    assert further_gradients(spec_pkg.get("poisson_nll")) == ()               # counts
    assert further_gradients(spec_pkg.get("kl_div")) == ()                    # simplex rows: a constant per row is free
    assert further_gradients(spec_pkg.get("kl_div_log_target")) == ("target",)  # log-probabilities: entry by entry
    assert further_gradients(spec_pkg.get("bce")) == ("target",)
    assert further_gradients(spec_pkg.get("margin_ranking")) == ("x2",)       # x2 real, target labels
    import torch.nn.functional as F
    r = audit("nll", lambda lp, t: F.nll_loss(lp, t.argmax(-1)), backend="torch")
    assert r.gradients == ["log_probs"] and r.ok


def test_a_cut_gradient_is_listed_and_a_raising_backward_is_a_finding_of_that_input():
    import torch
    import torch.nn.functional as F
    cut = audit("mse", lambda p, t: F.mse_loss(p, t.detach()), backend="torch")
    assert cut.undifferentiated == ["target"] and cut.ok

    class NotImplementedBackward(torch.autograd.Function):     # the identity, without a backward
        @staticmethod
        def forward(ctx, t):
            return t.clone()

        @staticmethod
        def backward(ctx, g):
            raise RuntimeError("the derivative for 'target' is not implemented")
    raising = audit("mse", lambda p, t: F.mse_loss(p, NotImplementedBackward.apply(t)), backend="torch")
    crashes = [f for f in raising.findings if f.kind == "crash"]
    assert crashes and all(f.wrt == "target" and "not implemented" in f.detail for f in crashes)
    assert raising.points > 0 and not [f for f in raising.findings if f.kind != "crash"]


def test_every_gradient_off_audits_the_first_input_alone():
    r = audit("mse", torch_mse(target_scale=-1), backend="torch", every_gradient=False)
    assert r.ok and r.gradients == ["predicted"]


def test_a_target_finding_has_its_own_baseline_key():
    wrong = audit("mse", torch_mse(target_scale=-1), backend="torch")
    f = wrong.findings[0]
    assert "| grad-wrong[target] |" in finding_key("mse", wrong, f)


@pytest.mark.slow
def test_the_torch_library_audit_judges_target_gradients_in_the_worker():
    """Through `gradspec audit torch` (the framework worker): torch's binary_cross_entropy target
    gradient ignores its own clamp at p = 0 (inf where the clamped spec's is log(1e6) − …): the
    convention the adapter states, reported for the target."""
    from check.audits.report import audit_library
    (adapter, r), = audit_library("torch", ["bce"], ["float32"])
    assert r.gradients == ["predicted", "target"]
    assert any(f.wrt == "target" and f.kind == "convention" and f.got == "inf" for f in r.findings)


# second derivatives: H·u by the library's double backward ------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_torch_a_wrong_double_backward_is_found_and_its_reproducer_computes_it(dtype):
    import torch
    right = audit("mse", torch_mse(), backend="torch", dtype=dtype)
    assert right.ok and right.second_checked and right.worst_hvp_bits == 0.0
    wrong_impl = torch_mse(detached_backward=True)
    wrong = audit("mse", wrong_impl, backend="torch", dtype=dtype, label="mse_impl")
    assert set(wrong.counts()) == {"hvp-inaccurate"} or set(wrong.counts()) == {"hvp-wrong"}, wrong.counts()
    f = wrong.findings[0]
    assert float(f.got) == 0.0 and float(f.expected) != 0.0 and "torch.autograd.functional.hvp(" in f.reproducer
    again = eval(f.reproducer, {"torch": torch, "mse_impl": wrong_impl})          # the one line reproduces it
    assert float(again.flatten()[list(f.index)[0] * again.shape[-1] + list(f.index)[1]]) == float(f.got)


def test_no_double_backward_is_a_note_not_a_finding_and_a_silent_zero_is_a_finding():
    r = audit("mse", torch_mse(no_double=True), backend="torch", every_gradient=False)
    assert r.ok and not r.second_checked and r.second_note.startswith("no double backward")
    assert "not implemented" in r.second_note
    silent = audit("mse", torch_mse(once=True), backend="torch")
    assert set(silent.counts()) == {"hvp-inaccurate"} and all(float(f.got) == 0 for f in silent.findings)


def test_jax_a_second_derivative_cut_by_stop_gradient_is_found_and_the_library_is_right():
    import jax
    import jax.numpy as jnp
    right = audit("softplus", jax.nn.softplus, backend="jax", dtype="float32")
    assert right.second_checked and not {k for k in right.counts() if k.startswith("hvp-")}

    @jax.custom_jvp
    def softplus(x):
        return jnp.logaddexp(x, 0.0)
    softplus.defjvp(lambda primals, tangents: (softplus(primals[0]),
                                               jax.lax.stop_gradient(jax.nn.sigmoid(primals[0])) * tangents[0]))
    wrong = audit("softplus", softplus, backend="jax", dtype="float32")
    hvp = {k for k in wrong.counts() if k.startswith("hvp-")}
    assert hvp and hvp <= {"hvp-inaccurate", "hvp-wrong"}
    # value and gradient: right (but for XLA flushing subnormal values to 0, an "inaccurate" underflow)
    assert not {k for k in wrong.counts() if not k.startswith("hvp-")} - {"inaccurate"}


def test_an_activations_second_derivative_takes_the_cotangent():
    import torch
    r = audit("tanh", torch.tanh, backend="torch", dtype="float64")
    assert r.ok and r.second_checked and r.compared > 0
    wrong = audit("tanh", lambda x: torch.tanh(x) * (1 + 0 * x.detach() ** 2) + 0.5 * (x - x.detach()) ** 2,
                  backend="torch", dtype="float64")          # the same value and gradient, H·u off by cot·u
    assert {k for k in wrong.counts()} <= {"hvp-wrong", "hvp-inaccurate"} and wrong.findings


# self-consistency: a library audited against the spec of its own forward ---------------------------
def _torch_bce_log_clamped(p, t):
    """BCE with each log clamped at −100, differentiable everywhere (a log never sees p = 0): right."""
    import math

    import torch
    tiny = math.exp(-100)

    def clamped_log(x):
        keep = x > tiny
        return torch.where(keep, torch.log(torch.where(keep, x, torch.ones_like(x))), torch.full_like(x, -100.0))
    return -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p)).mean()


def test_torch_bce_backward_is_not_the_derivative_of_its_own_forward():
    """The issue's finding, made by gradspec: F.binary_cross_entropy's forward is bce_log_clamped,
    its backward is not that forward's derivative at p = 0 ((p − t)/max(p(1 − p), 1e-12)), its
    target backward ignores the clamp, and its double backward follows the backward."""
    import torch.nn.functional as F
    right = audit("bce_log_clamped", _torch_bce_log_clamped, backend="torch", dtype="float64")
    assert right.ok, right.counts()
    r = audit("bce_log_clamped", lambda p, t: F.binary_cross_entropy(p, t), backend="torch", dtype="float64")
    assert not [f for f in r.findings if f.kind in ("nan", "inf", "wrong", "inaccurate")]   # the forward: its own
    at_zero = [f for f in r.findings if f.inputs["predicted"][0][0] == "0.0"]
    labels = {f.label for f in at_zero}
    assert {"grad-wrong", "grad-inf[target]", "hvp-wrong"} <= labels
    wrong = next(f for f in at_zero if f.label == "grad-wrong")
    assert float(wrong.got) < -1e10 and 0 < float(wrong.expected) < 1           # −t/1e-12 for (1 − t)/(1 − p)
    # past the clamp but not at 0: p = 1e-45, log p = −103.6 — the target gradient uses it unclamped
    assert any(f.label == "grad-inaccurate[target]" and f.inputs["predicted"][0][0] == "1e-45" for f in r.findings)
