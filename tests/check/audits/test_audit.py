"""Audits of third-party implementations: right ones pass, wrong ones yield the expected finding."""
import json

import numpy as np
import pytest

from check.audits.auditor import audit
from check.cli.app import main
from check.numeric.float_error import bits
from tests.fresh_python import run_cli, run_fresh


def kinds(report):
    return set(report.counts())


def test_bits_of_error_in_float32_and_float64_by_hand():
    one_up32 = float(np.nextafter(np.float32(1), np.float32(2)))
    assert bits(one_up32, 1.0, "float32") == 1.0                      # one float32 apart: log2(2)
    assert bits(float(np.nextafter(1.0, 2.0)), 1.0, "float32") == 0.0  # a float64 step is no float32 step
    assert bits(float("nan"), 1.0, "float32") == 32.0 and bits(float("nan"), 1.0) == 64.0
    assert bits(2.0, 1.0, "float32") == pytest.approx(np.log2(1 + 2 ** 23))   # 2^23 float32 values in [1, 2)


# numpy ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,edge", [("float32", "89.0"), ("float64", "710.0")])
def test_numpy_naive_softplus_overflows_where_logaddexp_does_not(dtype, edge):
    right = audit("softplus", lambda x: np.logaddexp(0, x), dtype=dtype)
    assert not kinds(right) & {"nan", "inf", "crash"}
    wrong = audit("softplus", lambda x: np.log(1 + np.exp(x)), dtype=dtype, label="naive_softplus")
    inf = [f for f in wrong.findings if f.kind == "inf"]
    assert inf and any(edge in str(f.inputs) for f in inf)
    f = inf[0]
    assert f.reproducer.startswith("naive_softplus(numpy.array(") and f.bits == (32.0 if dtype == "float32" else 64.0)


def test_numpy_gradient_from_impl_grad_missing_the_1_over_n():
    right = audit("mse", lambda p, t, reduction: np.mean((p - t) ** 2),
                  impl_grad=lambda p, t, reduction: 2 * (p - t) / p.size)
    assert right.ok and right.gradient_checked
    wrong = audit("mse", lambda p, t, reduction: np.mean((p - t) ** 2),
                  impl_grad=lambda p, t, reduction: 2 * (p - t))
    assert kinds(wrong) == {"grad-wrong"}                   # six times the gradient: off by more than itself


def test_a_crashing_implementation_is_a_finding():
    def broken(x):
        raise RuntimeError("boom")
    r = audit("tanh", broken)
    assert kinds(r) == {"crash"} and "boom" in r.findings[0].detail


def test_given_points_are_audited_and_a_bad_point_is_a_clear_error():
    r = audit("exp", np.exp, points=[{"x": np.full((2, 3), 1.5)}])
    assert r.points > 0 and r.ok
    from spec.errors import GradspecError
    with pytest.raises(GradspecError, match="lacks input 'x'"):
        audit("exp", np.exp, points=[{"y": np.ones((2, 3))}])


# torch ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_torch_cross_entropy_is_right_and_naive_log_softmax_is_caught():
    import torch
    import torch.nn.functional as F
    right = audit("cross_entropy_logits", lambda z, t, reduction: F.cross_entropy(z, t), backend="torch",
                  dtype="float32")
    assert right.ok, right.counts()
    naive = audit("cross_entropy_logits",
                  lambda z, t, reduction: -(t * torch.log(torch.softmax(z, -1))).sum() / z.shape[0],
                  backend="torch", dtype="float32")
    assert {"inf", "grad-nan"} <= kinds(naive)


def test_torch_zero_log_zero_and_missing_eps():
    import torch
    kl = audit("kl_div", lambda lp, t, reduction: (t * (torch.log(t) - lp)).sum() / lp.shape[0], backend="torch")
    assert "nan" in kinds(kl)                                        # 0 · log 0 at a zero target
    bce = audit("bce", lambda p, t, reduction, eps: -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean(),
                backend="torch")
    assert kinds(bce) & {"inf", "nan"}                               # no eps: log 0 at p = 0 or 1


def test_torch_gradient_killed_by_a_clamp():
    import torch
    import torch.nn.functional as F
    r = audit("softplus", lambda x: F.softplus(torch.clamp(x, -10, 10)), backend="torch")
    assert "grad-inaccurate" in kinds(r) or "inaccurate" in kinds(r)
    grads = [f for f in r.findings if f.kind == "grad-inaccurate"]
    assert grads and grads[0].got == "0.0"                           # the clamp passes no gradient at ±40


def test_torch_bce_clamp_is_reported_as_a_convention_not_dropped():
    from check.frameworks.libraries import LIBRARIES
    import spec
    a = LIBRARIES["torch"].adapters["bce"]
    r = audit("bce", a.make(spec.get("bce").resolve_params(None)), backend="torch", conventions=a.conventions)
    conv = [f for f in r.findings if f.kind == "convention"]
    assert conv and "−100" in conv[0].detail


# jax --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_jax_softplus_right_and_naive():
    # In a subprocess: JAX starts threads, and gradspec's time budgets fork (see check/frameworks/worker.py).
    code = (
        "import jax, jax.numpy as jnp\n"
        "from check import audit\n"
        "right = audit('softplus', jax.nn.softplus, backend='jax', dtype='float32')\n"
        "assert not set(right.counts()) & {'nan', 'inf', 'grad-nan', 'grad-inf', 'crash'}, right.counts()\n"
        "wrong = audit('softplus', lambda x: jnp.log(1 + jnp.exp(x)), backend='jax', dtype='float32')\n"
        "assert 'inf' in wrong.counts(), wrong.counts()\n"
        "print('ok')\n")
    out = run_fresh(code, timeout=600)
    assert out.strip().endswith("ok"), out


# CLI --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_audit_library_writes_reports_and_exits_by_findings(tmp_path):
    p = run_cli(["audit", "torch", "mse", "tanh", "--dtype", "float32", "--out", str(tmp_path)])
    assert p.returncode == 0, p.stdout + p.stderr
    md = (tmp_path / "audit" / "torch.md").read_text()
    assert "| mse | `torch.nn.functional.mse_loss(predicted, target)` |" in md
    data = json.loads((tmp_path / "audit" / "torch.json").read_text())
    assert [d["spec"] for d in data] == ["mse", "tanh"]
    p = run_cli(["audit", "torch", "sigmoid", "--dtype", "float64", "--out", str(tmp_path)])
    assert p.returncode == 1 and "inaccurate: 1" in p.stdout           # sigmoid(−710) underflows to 0


@pytest.mark.slow
def test_cli_audit_library_in_float16_and_bfloat16(tmp_path):
    # torch's mse_loss and tanh are right at the catalog's points in both formats; a real finding:
    # torch's binary_cross_entropy backward is −inf in float16 at p ≈ 1e-6, where the gradient
    # (≈ −5·10⁴) is a float16 number — a term like t/p overflows float16 on the way
    p = run_cli(["audit", "torch", "mse", "tanh", "bce", "--dtype",
                 "float16,bfloat16", "--json", "--out", str(tmp_path)])
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stdout + p.stderr
    data = json.loads((tmp_path / "audit" / "torch.json").read_text())
    found = {(d["spec"], d["dtype"]): {f["kind"] for f in d["findings"]} for d in data}
    assert set(found) == {(n, d) for n in ("mse", "tanh", "bce") for d in ("float16", "bfloat16")}
    assert not found[("mse", "float16")] and not found[("tanh", "bfloat16")]
    assert "grad-inf" in found[("bce", "float16")] and "grad-inf" not in found[("bce", "bfloat16")]


@pytest.mark.slow
def test_cli_audit_impl(tmp_path):
    (tmp_path / "mylosses.py").write_text("import numpy as np\n\ndef softplus(x):\n    return np.log(1 + np.exp(x))\n")
    p = run_cli(["audit", "--impl", "mylosses:softplus", "--spec", "softplus", "--json"], cwd=tmp_path)
    assert p.returncode == 1
    reports = json.loads(p.stdout)
    assert reports[0]["counts"].get("inf") and reports[0]["findings"][0]["reproducer"].startswith("mylosses.softplus(")


@pytest.mark.parametrize("argv,needle", [
    (["audit", "--impl", "nomodule:f", "--spec", "mse"], "cannot import"),
    (["audit", "--impl", "json:nothing", "--spec", "mse"], "no function"),
    (["audit", "torch", "--dtype", "float8"], "is not a dtype"),
    (["audit", "tensorflow"], "no audit adapters"),
    (["audit", "torch", "hinge"], "no adapter for 'hinge'"),
    (["audit"], "audit what?"),
])
def test_cli_audit_bad_input_exits_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) >= 2 and "Traceback" not in err


def test_a_gradient_off_by_more_than_its_magnitude_is_wrong_not_inaccurate():
    right = lambda p, t, reduction: 2 * (p - t) / p.size                 # noqa: E731
    flipped = audit("mse", lambda p, t, reduction: np.mean((p - t) ** 2),
                    impl_grad=lambda p, t, reduction: -right(p, t, reduction))
    assert "grad-wrong" in kinds(flipped) and "grad-inaccurate" not in kinds(flipped)
    w = next(f for f in flipped.findings if f.kind == "grad-wrong")
    assert float(w.got) == -float(w.expected)
    # off by 1 % of its magnitude: more than a rounding in float64, less than the magnitude
    slightly = audit("mse", lambda p, t, reduction: np.mean((p - t) ** 2),
                     impl_grad=lambda p, t, reduction: right(p, t, reduction) * 1.01)
    assert kinds(slightly) == {"grad-inaccurate"}
    negated = audit("softplus", lambda x: -np.logaddexp(0, x))
    assert "wrong" in kinds(negated) and "inaccurate" not in kinds(negated)


def test_a_gradient_findings_reproducer_computes_that_gradient():
    import ml_dtypes  # noqa: F401 — the reproducers of bfloat16 NumPy arrays name it
    import torch
    from .torch_mse import torch_mse
    flipped = torch_mse(input_scale=-1, target_scale=None)      # the input's gradient with the wrong sign
    for dtype in ("float32", "bfloat16"):
        r = audit("mse", flipped, backend="torch", dtype=dtype, label="flipped")
        f = next(f for f in r.findings if f.kind == "grad-wrong")
        assert f.reproducer.startswith("(lambda _x: torch.autograd.grad(") and "requires_grad=True" in f.reproducer
        g = eval(f.reproducer, {"torch": torch, "flipped": flipped})
        assert float(g[f.index]) == float(f.got)
        assert not eval(next(x for x in r.findings if x.kind == "grad-wrong").reproducer.replace(
            "flipped", "torch.nn.functional.mse_loss"), {"torch": torch}).equal(g)     # the right one differs

    def my_grad(p, t):
        return -2 * (p - t) / p.size
    r = audit("mse", lambda p, t: np.mean((p - t) ** 2), dtype="bfloat16", impl_grad=my_grad)
    f = next(f for f in r.findings if f.kind == "grad-wrong")
    assert f.reproducer.startswith("test_a_gradient_findings_reproducer_computes_that_gradient.<locals>.my_grad(")
    assert "dtype=ml_dtypes.bfloat16" in f.reproducer
    g = eval(f.reproducer.split(".<locals>.")[1], {"numpy": np, "ml_dtypes": ml_dtypes, "my_grad": my_grad})
    assert float(g[f.index]) == float(f.got)
