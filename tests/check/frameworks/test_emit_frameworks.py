"""Code emitted for PyTorch and JAX: printed with their primitives, run in float32/float64 in a
worker process (never in gradspec's own), and judged against the truth.

The frameworks are installed by ``make test`` (extras torch, jax); a missing one fails here."""
import importlib.util

import pytest

import spec
from check.checks.catalog import emitted_mode, known_deviations
from check.checks.emitted import emitted_result, float_report, RUNTIMES
from derive.emit import emit
from tests.fresh_python import run_fresh

pytestmark = pytest.mark.slow          # emitted code run in PyTorch and JAX

# every input of every entry whose inputs are all m×n (the emitter's generic entry) and that has emitted code
# (not emitted='skip': no every-size closed form, as multi_margin's)
EVERY_INPUT = [(n, i) for n in spec.names() if spec.get(n).input_shapes is None and emitted_mode(spec.get(n)) != "skip"
               for i in spec.get(n).input_names]
KNOWN = known_deviations()


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_framework_is_installed(framework):
    assert importlib.util.find_spec(framework) is not None, f"{framework} missing: run `make test`, which installs it"


def test_torch_and_jax_sources_use_their_stable_primitives():
    torch_src = emit(spec.get("cross_entropy_logits"), "logits", target="torch")
    assert "torch.logsumexp(logits, dim=-1, keepdim=True)" in torch_src and "xp=" not in torch_src
    jax_src = emit(spec.get("sigmoid"), "x", target="jax")
    assert "jax.nn.sigmoid(x)" in jax_src and "import jax.numpy as jnp" in jax_src
    assert "log(999999)" not in emit(spec.get("bce"), "target", target="torch")     # constants folded


@pytest.mark.parametrize("target", ["torch", "jax"])
@pytest.mark.parametrize("name,wrt", EVERY_INPUT)
def test_every_emitted_gradient_passes_in_the_framework(name, wrt, target):
    r = emitted_result(name, wrt, target=target)
    documented = KNOWN.get((name, r.check))
    if documented:                                            # a known finding (derive.emit.LIMITATIONS)
        assert r.status == documented["status"], r.message
        return
    assert r.status == "verified", r.message                  # floating point never claims a proof
    assert all(rt.label in r.method for rt in RUNTIMES[target])


def test_a_wrong_torch_printer_is_refuted():
    s = spec.get("cross_entropy_logits")
    wrong = emit(s, "logits", target="torch").replace("dim=-1", "dim=0")   # the sum along the batch axis
    r = float_report(s, wrong, "logits", runtime=RUNTIMES["torch"][0])
    assert not r.ok and r.wrong and r.worst_scaled > 1e3


def test_code_the_framework_rejects_is_a_finding_not_a_crash():
    s = spec.get("sigmoid")
    broken = emit(s, "x", target="jax").replace("jax.nn.", "jax.nn.no_such_")
    r = float_report(s, broken, "x", runtime=RUNTIMES["jax"][0])
    assert not r.ok and "AttributeError" in r.error


def test_float32_overflow_of_a_naive_formula_is_caught():
    s = spec.get("bce_with_logits")
    naive = ("import torch\n\n\ndef grad_logits(logits, target):\n"
             "    return (torch.exp(logits) / (1 + torch.exp(logits)) - target) / logits.numel()\n")
    r = float_report(s, naive, "logits", runtime=RUNTIMES["torch"][0])
    assert r.overflow and not r.ok                          # exp(89) is inf in float32, the truth is 1/N


def test_running_torch_checks_never_imports_torch_into_gradspec():
    code = ("import sys; from check.checks.emitted import emitted_result; "
            "r = emitted_result('mse', 'predicted', target='torch'); "
            "assert r.ok, r.message; assert 'torch' not in sys.modules and 'jax' not in sys.modules; print('ok')")
    out = run_fresh(code, timeout=300)
    assert out.strip() == "ok", out
