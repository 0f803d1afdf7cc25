"""Audits on other execution paths (check.frameworks.execution): under torch.autocast, compiled
(torch.compile, jax.jit), on a device.  For each path an implementation that is right has no
finding, and one that is wrong on that path only is found there and not eagerly; the report says
which dtype each operator ran in under autocast and how compiled results compare with eager ones."""
import numpy as np
import pytest

from check.audits.auditor import AuditReport, Finding, audit
from check.audits.baseline import finding_key
from check.cli.app import main
from check.frameworks.execution import EAGER, Execution, execution_for
from spec.errors import GradspecError

#: residuals that are not bfloat16 numbers (8 bits): a bfloat16 product of them loses float32's digits
POINTS = [{"predicted": np.array([[1.1, 2.3, -0.7], [0.37, 1.9, -2.6]]), "target": np.zeros((2, 3))}]


def given(report):
    return {f.kind for f in report.findings if f.origin == "given"}


def torch_mse(p, t):
    import torch.nn.functional as F
    return F.mse_loss(p, t)


def matmul_mse(p, t):
    """Σ d² as a matrix product d·dᵀ: right eagerly, but autocast runs a matmul in bfloat16 on the CPU."""
    d = (p - t).reshape(1, -1)
    return (d @ d.T).sum() / p.numel()


def thrice_when_compiled(p, t):
    """A planted bug on the compiled path only (the branch is taken while torch.compile traces)."""
    import torch
    import torch.nn.functional as F
    scale = 3.0 if torch.compiler.is_compiling() else 1.0
    return F.mse_loss(p, t) * scale


def jax_mse(p, t):
    import jax.numpy as jnp
    return jnp.mean((p - t) ** 2)


def jax_thrice_when_jitted(p, t):
    """A planted bug under jax.jit only (jit traces to a jaxpr: its inputs are DynamicJaxprTracers
    there; an eager jax.vjp gives JVPTracers)."""
    import jax.numpy as jnp
    scale = 3.0 if type(p).__name__ == "DynamicJaxprTracer" else 1.0
    return jnp.mean((p - t) ** 2) * scale


def test_execution_labels_name_every_part_and_the_default_nothing():
    assert EAGER.eager and EAGER.label == "eager" and EAGER.slug == ""
    both = Execution(compile=True, autocast=True, device="cuda")
    assert both.label == "compiled + autocast float16 + cuda" and both.slug == "compiled-autocast-cuda"
    assert Execution(autocast=True).label == "autocast bfloat16"          # the CPU's lower precision
    assert both.uncompiled() == Execution(autocast=True, device="cuda")


@pytest.mark.parametrize("backend, kwargs, says", [
    ("numpy", {"compile": True}, "NumPy code runs eagerly"),
    ("numpy", {"device": "cuda"}, "NumPy code runs eagerly"),
    ("jax", {"autocast": True}, "jax has no autocast"),
    ("torch", {"device": "tpu"}, "is not a device"),
])
def test_an_execution_the_backend_cannot_do_is_a_clear_error(backend, kwargs, says):
    with pytest.raises(GradspecError, match=says):
        execution_for(backend, **kwargs)
    assert execution_for("torch", compile=True, autocast=True) == Execution(True, True)


def test_a_finding_on_another_path_is_not_the_eager_one_in_a_baseline():
    f = Finding("inaccurate", {"p": [["1.0"]]}, (0,), "1.0", "1.5", 12.0, "given", "f(p)")
    eager = AuditReport("mse", "f", "torch", "float32")
    compiled = AuditReport("mse", "f", "torch", "float32", execution="compiled")
    assert finding_key("mse", eager, f).startswith("mse | float32 | inaccurate | given")   # unchanged key
    assert finding_key("mse", compiled, f).startswith("mse | float32 compiled | inaccurate")


def test_under_autocast_a_matmul_in_bfloat16_is_found_and_the_operators_dtypes_are_said():
    autocast = Execution(autocast=True)
    right = audit("mse", torch_mse, backend="torch", dtype="float32", points=POINTS, execution=autocast)
    assert right.ok and right.execution == "autocast bfloat16"
    assert right.ops["mse_loss"] == ["float32"]                  # autocast keeps losses in float32
    wrong = audit("mse", matmul_mse, backend="torch", dtype="float32", points=POINTS, execution=autocast)
    assert "inaccurate" in given(wrong)
    assert "bfloat16" in wrong.ops["mm"]                         # the operator autocast lowered
    eager = audit("mse", matmul_mse, backend="torch", dtype="float32", points=POINTS)
    assert not given(eager) and not eager.ops                    # right eagerly: nothing recorded


def test_jax_jit_runs_the_compiled_call_and_compares_it_with_eager():
    jit = Execution(compile=True)
    right = audit("mse", jax_mse, backend="jax", dtype="float32", points=POINTS, execution=jit)
    assert right.ok and right.versus_eager["points"] == right.points and right.versus_eager["eager_failed"] == 0
    wrong = audit("mse", jax_thrice_when_jitted, backend="jax", dtype="float32", points=POINTS, execution=jit)
    assert {"wrong", "grad-wrong"} <= given(wrong)
    v = wrong.versus_eager
    assert v["points"] == wrong.points and 0 < v["differing"] <= v["points"] and v["worst_bits"] > 20
    assert v["first"]["entry"] == "value[0]" and abs(float(v["first"]["compiled"]) / float(v["first"]["eager"]) - 3) < 1e-6
    assert not given(audit("mse", jax_thrice_when_jitted, backend="jax", dtype="float32", points=POINTS))


@pytest.mark.slow                    # torch.compile's first compilation takes about 30 s on 2 cores
def test_torch_compile_is_audited_compiled_on_every_point_and_says_it_has_no_double_backward():
    compiled = Execution(compile=True)
    right = audit("mse", torch_mse, backend="torch", dtype="float32", points=POINTS, execution=compiled)
    assert right.ok and right.versus_eager["points"] == right.points
    assert not right.second_checked and "double backward" in right.second_note
    several = [{n: a * k for n, a in POINTS[0].items()} for k in (1, -2, 3, 0.5)]
    wrong = audit("mse", thrice_when_compiled, backend="torch", dtype="float16", points=several, execution=compiled)
    assert {"wrong", "grad-wrong"} <= given(wrong)
    # every given point, the last ones too, ran compiled: no silent fall-back to eager
    assert sum(f.kind == "wrong" and f.origin == "given" for f in wrong.findings) == len(several)
    assert not given(audit("mse", thrice_when_compiled, backend="torch", dtype="float16", points=POINTS))


@pytest.mark.parametrize("argv, says", [
    (["audit", "torch", "mse", "--device", "cuda"], "no CUDA device"),
    (["audit", "jax", "softplus", "--autocast"], "jax has no autocast"),
    (["audit", "--impl", "numpy:mean", "--spec", "mse", "--compile"], "NumPy code runs eagerly"),
    (["audit", "torch", "mse", "--device", "gpu"], "invalid choice"),
])
def test_the_cli_refuses_a_path_it_cannot_run_with_exit_2(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) >= 2 and "Traceback" not in err


@pytest.mark.slow                    # the library's calls run in the framework worker
def test_a_library_audit_on_another_path_writes_its_own_report(tmp_path, capsys):
    assert main(["audit", "torch", "mse", "--dtype", "bfloat16", "--autocast", "--quiet", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "audit" / "torch-autocast.md").read_text()
    assert "(autocast bfloat16)" in text and "mse_loss (float32)" in text and "_to_copy (float32)" in text
    # jax.nn.softplus's float32 inaccuracy (in the eager baseline) is found compiled too, as a new finding
    assert main(["audit", "jax", "softplus", "--dtype", "float32", "--compile", "--quiet", "--out", str(tmp_path),
                 "--baseline", "reports/audit-baselines/jax.json"]) == 1
    text = (tmp_path / "audit" / "jax-compiled.md").read_text()
    assert "## Compiled versus eager" in text and "| softplus | float32 |" in text
    assert not (tmp_path / "audit" / "torch.md").exists()       # the eager report is not overwritten
