"""``gradspec audit LIBRARY``: every library's adapters run in the framework worker, right calls give no
NaN/inf, wrong implementations and the libraries' own flaws are found, conventions are stated.

The libraries are installed by ``make test`` (extras torch, jax, optax, keras, scipy); a missing one
fails here rather than skipping."""
import importlib.util
import json

import pytest

from check.audits.report import audit_library
from check.frameworks.libraries import LIBRARIES
from tests.fresh_python import run_cli, run_fresh

pytestmark = pytest.mark.slow          # the libraries run in the framework worker

HARD = {"nan", "inf", "grad-nan", "grad-inf", "crash"}


@pytest.mark.parametrize("module", ["torch", "jax", "optax", "keras", "scipy", "flint"])
def test_library_is_installed(module):
    assert importlib.util.find_spec(module) is not None, f"{module} missing: run `make test`, which installs it"


def by_key(pairs):
    return {(a.key, r.dtype): r for a, r in pairs}


def test_gradspec_process_never_imports_the_frameworks_it_audits():
    code = ("import sys\nfrom check.audits.report import audit_library\n"
            "audit_library('keras', ['mse'], ('float32',))\naudit_library('torch', ['mse'], ('float32',))\n"
            "print(sorted(m for m in ('torch', 'jax', 'keras', 'optax') if m in sys.modules))")
    out = run_fresh(code, timeout=600)
    assert out.strip().endswith("[]"), out


def test_every_adapter_key_is_unique_and_names_a_catalog_entry():
    import spec
    for lib in LIBRARIES.values():
        assert len(lib.adapters) == len({(a.spec, tuple(sorted(a.params.items()))) for a in lib.adapters.values()})
        for a in lib.adapters.values():
            spec.get(a.spec).resolve_params(a.params)          # the parameters are the spec's own


def test_torch_right_calls_and_its_soft_margin_overflow():
    reports = by_key(audit_library("torch", ["cross_entropy_logits", "soft_margin", "margin_ranking"], ("float32",)))
    assert not set(reports["cross_entropy_logits", "float32"].counts()) & HARD
    assert not set(reports["cross_entropy_logits {weight=1,2,0.5, label_smoothing=0.1}", "float32"].counts()) & HARD
    soft = reports["soft_margin", "float32"]                  # log1p(exp(−y·x)) computed as written
    assert {"inf", "grad-nan"} <= set(soft.counts())
    ranking = reports["margin_ranking", "float32"]
    assert set(ranking.counts()) == {"convention", "convention[x2]"} and "clamp_min" in ranking.findings[0].detail
    assert ranking.gradients == ["x1", "x2"]                    # the ±1 target is not differentiated


def test_jax_library_flushes_subnormals_and_is_otherwise_right():
    reports = by_key(audit_library("jax", ["softplus", "relu", "gelu"], ("float32",)))
    for key in ("softplus", "relu", "gelu"):
        assert not set(reports[key, "float32"].counts()) & HARD, key
    under = [f for f in reports["softplus", "float32"].findings if f.kind == "inaccurate"]
    assert under and under[0].got == "0.0" and "subnormal" in under[0].detail     # XLA flushes e^−89 to 0


def test_optax_right_calls_and_the_jax_tie_convention():
    reports = by_key(audit_library("optax", ["cross_entropy_logits", "bce_with_logits", "focal", "hinge"],
                                   ("float32", "float64")))
    for (key, dtype), r in reports.items():
        if key != "hinge":                                    # the value and the logits' gradient: right
            assert not [f for f in r.findings if not f.wrt], (key, dtype, r.counts())
    # the target gradients: −z/c for bce computed as log σ(z) − log σ(−z), which cancels to 0 at
    # z = 1e-30; the focal loss' log-space (1 − p_t) wrong at a label of exactly 1 (0.0208 for −0.00063)
    for dtype in ("float32", "float64"):
        cancel = [f for f in reports["bce_with_logits", dtype].findings if f.wrt == "target"]
        assert cancel and all(f.kind == "grad-inaccurate" and f.got in ("0.0", "-0.0") for f in cancel)
        at_one = [f for f in reports["focal", dtype].findings if f.kind == "grad-wrong"]
        assert at_one and all(f.wrt == "target" and f.inputs["target"][0][0] == "1.0" for f in at_one)
    hinge = reports["hinge", "float32"]
    assert set(hinge.counts()) == {"convention"} and "splits the gradient" in hinge.findings[0].detail


def test_keras_focal_from_logits_clips_and_float64_is_a_stated_convention():
    reports = by_key(audit_library("keras", ["bce_with_logits", "focal", "cosine_similarity"], ("float32", "float64")))
    bce = reports["bce_with_logits", "float32"]               # right but for the target's −z/c, which cancels
    assert [f.label for f in bce.findings] == ["grad-inaccurate[target]"] and bce.findings[0].got in ("0.0", "-0.0")
    focal = reports["focal", "float32"]                       # sigmoid, then a clip at 1e-7 before the log
    assert {"inaccurate", "grad-inaccurate"} <= set(focal.counts())
    assert any(f.origin == "extreme:logits" for f in focal.findings)
    cos = reports["cosine_similarity {eps=1e-07}", "float32"]    # rsqrt(0) at an underflowed squared norm
    assert "grad-nan" in cos.counts()
    for (key, dtype), r in reports.items():
        if dtype == "float64":                                 # every gradient's findings too
            assert all(f.kind == "convention" for f in r.findings), (key, r.counts())
    assert any("32-bit" in f.detail for f in reports["bce_with_logits", "float64"].findings)


def test_numpy_library_values_only():
    reports = by_key(audit_library("numpy", ["log_sigmoid", "huber"], ("float64",)))
    assert not reports["log_sigmoid", "float64"].findings and not reports["log_sigmoid", "float64"].gradient_checked
    assert not reports["huber", "float64"].findings


def test_wrong_implementations_on_the_jax_backend_in_a_subprocess():
    # naive log(softmax) with optax-style code, log(1 + exp) with Keras ops: the findings expected
    code = (
        "import os\nos.environ['KERAS_BACKEND'] = 'jax'\n"
        "import jax, jax.numpy as jnp, keras\n"
        "from check import audit\n"
        "naive = audit('cross_entropy_logits', lambda z, t: -(t * jnp.log(jax.nn.softmax(z))).sum(-1).mean(),\n"
        "              backend='jax', dtype='float32')\n"
        "assert {'inf', 'grad-nan'} & set(naive.counts()), naive.counts()\n"
        "sp = audit('softplus', lambda x: keras.ops.log(1 + keras.ops.exp(x)), backend='jax', dtype='float32')\n"
        "assert 'inf' in sp.counts(), sp.counts()\n"
        "right = audit('softplus', keras.activations.softplus, backend='jax', dtype='float32')\n"
        "assert not set(right.counts()) & {'nan', 'inf', 'grad-nan', 'grad-inf', 'crash'}, right.counts()\n"
        "print('ok')\n")
    out = run_fresh(code, timeout=600)
    assert out.strip().endswith("ok"), out


def test_cli_audit_optax_writes_reports_and_exit_codes(tmp_path):
    p = run_cli(["audit", "optax", "mse", "--dtype", "float32", "--out", str(tmp_path)])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "audit 1/1 optax float32 mse" in p.stderr                       # progress, on stderr (one line: no TTY)
    md = (tmp_path / "audit" / "optax.md").read_text()
    assert "| mse | `optax.losses.squared_error(predicted, target).mean()` |" in md
    p = run_cli(["audit", "keras", "focal", "--dtype", "float32", "--json", "--out", str(tmp_path)])
    assert p.returncode == 1
    data = json.loads((tmp_path / "audit" / "keras.json").read_text())
    assert data[0]["key"] == "focal" and data[0]["counts"]["inaccurate"] >= 1
    value = next(f for f in data[0]["findings"] if f["kind"] == "inaccurate")
    assert value["reproducer"].startswith("keras.losses.binary_focal_crossentropy(jax.numpy.array(")
    target = next(f for f in data[0]["findings"] if f["wrt"] == "target")      # differentiated w.r.t. the target
    assert target["reproducer"].startswith("jax.grad(lambda _x: keras.losses.binary_focal_crossentropy(")


def test_max_and_index_losses_right_in_their_libraries_and_a_wrong_ignore_is_found():
    reports = by_key(audit_library("torch", ["cross_entropy_index"], ("float32", "float64")))
    reports.update(by_key(audit_library("optax", ["multiclass_hinge", "multiclass_perceptron", "ntxent"],
                                        ("float32",))))
    reports.update(by_key(audit_library("keras", ["categorical_hinge", "cross_entropy_index"], ("float32",))))
    for (key, dtype), r in reports.items():
        assert set(r.counts()) <= {"convention"}, (key, dtype, r.counts())
        assert all("splits" in f.detail for f in r.findings), key      # only JAX's ties, at tie points
    assert reports["multiclass_hinge", "float32"].findings            # the kink points do tie
    code = ("import torch\nfrom check import audit\n"
            "r = audit('cross_entropy_index', lambda z, t: torch.nn.functional.cross_entropy(z, t.argmax(-1)),\n"
            "          backend='torch', dtype='float64')\n"
            "print(sorted(r.counts()))\n")
    out = run_fresh(code, timeout=600)                  # all-zero rows as class 0
    assert "inaccurate" in out, out
