"""Users' own specs: registration-time validation, --module, the gradspec.specs entry point, cards,
assertions — with the example user package (tests/example_user_pkg: charbonnier right, pseudo_huber wrong)."""
import json
import os
import xml.etree.ElementTree as ET
import subprocess
import sys
from pathlib import Path

import pytest

import spec
from check import AuditFailed, GradientCheckFailed, assert_gradient, assert_implementation
from spec import Derivative, Input, Param, loss, positive
from spec.domains import REAL, SIMPLEX_ROWS
from spec.errors import GradspecError
from spec.reduction import count

pytestmark = pytest.mark.slow          # the example user package installed, verify/cards/pytest run on it

PKG = Path(__file__).resolve().parents[1] / "example_user_pkg"
GRADSPEC = [sys.executable, "-m", "check"]


def run(args, *, cwd, pythonpath=None, timeout=600):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# --- validation at registration ---------------------------------------------------------------
def _sq(p, t, *, xp):
    return (p - t) ** 2


def _inputs(t_domain=REAL):
    return [Input("p", REAL, "p"), Input("t", t_domain, "t")]


MALFORMED = [
    ("an input used but not declared", lambda: loss("u1", lambda p, t, w, *, xp: w * (p - t) ** 2, inputs=_inputs(),
                                                    derivatives=[]),
     ["'u1' is malformed", "fn (the terms)", "takes 3 arrays (p, t, w)", "declare w as Input"]),
    ("a symbol that is not an input", lambda: loss("u2", lambda p, t, *, xp: (p - t) ** 2 * __import__("sympy").Symbol("a"),
                                                   inputs=_inputs(), derivatives=[]),
     ["'u2' is malformed", "not a real number", "SymPy symbol that is not an input"]),
    ("terms that are not an array", lambda: loss("u3", lambda p, t, *, xp: ((p - t) ** 2, p), inputs=_inputs(),
                                                 derivatives=[]),
     ["'u3' is malformed", "returned tuple", "one array of numbers"]),
    ("a gradient of the wrong shape", lambda: loss("u4", _sq, inputs=_inputs(), derivatives=[
        Derivative("p", lambda p, t, *, xp, reduction: xp.sum(2 * (p - t), axis=0))]),
     ["'u4' is malformed", "derivatives[0] (grad[p])", "returned shape (3,), expected (2, 3)", "keepdims=True"]),
    ("a Hessian of the wrong shape", lambda: loss("u5", _sq, inputs=_inputs(), derivatives=[
        Derivative("p", lambda p, t, *, xp, reduction: 2 + 0 * p, kind="hessian")]),
     ["derivatives[0] (hessian[p])", "expected (2, 3, 2, 3)", "input × input"]),
    ("a row-wise domain on a scalar", lambda: loss("u6", _sq, inputs=_inputs(SIMPLEX_ROWS), derivatives=[],
                                                   default_shape=()),
     ["'u6' is malformed", "inputs (t).domain", "simplex_rows constrains last-axis rows", "default_shape"]),
    ("a domain that is not a Domain", lambda: loss("u7", _sq, inputs=[Input("p", "real", "p"), Input("t", REAL, "t")],
                                                   derivatives=[]),
     ["inputs[0] (p).domain", "'real' is not a Domain", "REAL, POSITIVE"]),
    ("an undeclared parameter", lambda: loss("u8", lambda p, t, *, xp, delta: delta * (p - t) ** 2, inputs=_inputs(),
                                             derivatives=[]),
     ["needs the keyword delta", "Param(name, default, check)"]),
    ("a derivative of an unknown input", lambda: loss("u9", _sq, inputs=_inputs(), derivatives=[
        Derivative("q", lambda p, t, *, xp: p)]), ["derivatives[0].wrt", "'q' is not an input", "p, t"]),
    ("a derivative's shape that is not a shape", lambda: loss("u9s", _sq, inputs=_inputs(), derivatives=[
        Derivative("p", lambda p, t, *, xp, reduction: 2 * (p - t) / count(p, reduction), shape=(0, 2))]),
     ["derivatives[0].shape", "(0, 2) is not a shape", "shape=(3, 2)"]),
    ("an unknown condition", lambda: loss("u10", _sq, inputs=_inputs(), derivatives=[
        Derivative("p", lambda p, t, *, xp, reduction: 2 * (p - t) / count(p, reduction), ("p_nonzero",))]),
     ["derivatives[0].conditions", "'p_nonzero' is not a condition"]),
    ("a default failing its check", lambda: loss("u11", lambda p, t, *, xp, eps: (p - t) ** 2 + eps, inputs=_inputs(),
                                                 params=[Param("eps", -1, positive("eps"))], derivatives=[]),
     ["params[0] (eps)", "fails its own check", "eps must be > 0"]),
    ("a variant of an unknown parameter", lambda: loss("u12", _sq, inputs=_inputs(), derivatives=[],
                                                       variants=[{"beta": 0}]),
     ["variants[0]", "sets beta, not a parameter"]),
    ("a form that forgot its reduction", lambda: loss("u13", _sq, inputs=_inputs(), derivatives=[],
                                                      forms=[__import__("spec").Form("unreduced", _sq, True, "")]),
     ["forms[0] (unreduced)", "of shape (2, 3), the forward's shape is ()", "spec.reduction.reduce"]),
    ("a parameter named like the reduction", lambda: loss("u14", _sq, inputs=_inputs(), derivatives=[],
                                                          params=[Param("reduction", "sum", lambda v: None)]),
     ["params[1]", "the name 'reduction' is taken"]),
    ("a name that breaks check ids", lambda: loss("my loss::x", _sq, inputs=_inputs(), derivatives=[]),
     ["cannot name a spec", "NAME::grad[INPUT]"]),
]


@pytest.mark.parametrize("what, make, needles", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_spec_is_rejected_at_registration(what, make, needles):
    before = set(spec.names())
    with pytest.raises(GradspecError) as e:
        make()
    for n in needles:
        assert n in str(e.value), (what, str(e.value))
    assert len(str(e.value).splitlines()) >= 2                    # what is wrong, then how to fix it
    assert set(spec.names()) == before                             # nothing registered


def test_a_well_formed_spec_registers_and_a_taken_name_is_refused():
    from spec.registry import unregister
    s = loss("well_formed_sq", _sq, inputs=_inputs(),
             derivatives=[Derivative("p", lambda p, t, *, xp, reduction: 2 * (p - t) / count(p, reduction))])
    try:
        assert spec.get("well_formed_sq") is s and spec.origin("well_formed_sq") == __name__
        with pytest.raises(GradspecError, match="already registered"):
            loss("well_formed_sq", _sq, inputs=_inputs(), derivatives=[])
        with pytest.raises(GradspecError, match="catalog entry"):
            unregister("mse")
    finally:
        unregister("well_formed_sq")


def test_every_catalog_entry_passes_validation():
    from spec.validate import validate
    for name in spec.names():
        validate(spec.get(name))


def test_a_broken_entry_point_is_a_clear_error(monkeypatch):
    import importlib.metadata

    from spec.registry import load_entry_points
    broken = importlib.metadata.EntryPoint(name="broken", value="no_such_module_zz.specs", group="gradspec.specs")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [broken] if group == "gradspec.specs" else [])
    with pytest.raises(GradspecError) as e:
        load_entry_points()
    assert "the entry point 'broken' = 'no_such_module_zz.specs' (group gradspec.specs" in str(e.value)
    assert "failed to load: ModuleNotFoundError" in str(e.value) and "fix or uninstall" in str(e.value)


# --- in-process: load_module, assertions -----------------------------------------------------------
def test_load_module_registers_the_users_specs(user_specs):
    assert user_specs == ["charbonnier", "pseudo_huber"]
    assert spec.module_names("example_losses") == user_specs
    assert spec.origin("charbonnier") == "example_losses.specs"
    with pytest.raises(GradspecError, match="cannot import the module 'no_such_module_xyz'"):
        spec.load_module("no_such_module_xyz")
    with pytest.raises(GradspecError, match="registered no specs"):
        spec.load_module("example_losses.losses")


def test_assert_gradient_passes_a_right_backward_and_fails_a_wrong_one(user_specs):
    from example_losses import specs
    assert assert_gradient("charbonnier", specs.charbonnier_grad).status == "proved"
    with pytest.raises(GradientCheckFailed) as e:
        assert_gradient("pseudo_huber", specs.pseudo_huber_grad)
    assert isinstance(e.value, AssertionError) and e.value.result.status == "refuted"
    text = str(e.value)
    assert "pseudo_huber grad[predicted]: REFUTED in ball arithmetic" in text and "expected" in text and "got" in text
    assert_gradient("pseudo_huber", specs.pseudo_huber_grad, params={"delta": 1})     # the bug is silent at δ = 1


def test_assert_implementation_audits_the_training_code(user_specs):
    from example_losses import losses
    report = assert_implementation("charbonnier", losses.charbonnier, grad=losses.charbonnier_backward)
    assert report.ok and report.gradient_checked and report.points > 0
    with pytest.raises(AuditFailed) as e:
        assert_implementation("pseudo_huber", losses.pseudo_huber, grad=losses.pseudo_huber_backward)
    assert "finding(s)" in str(e.value) and "grad-inaccurate" in str(e.value) and "reproduce:" in str(e.value)


# --- the CLI, with the package installed (entry point) or by --module ------------------------------
def test_an_installed_package_registers_its_specs_through_the_entry_point(user_package, tmp_path):
    done = run(GRADSPEC + ["list", "--json"], cwd=tmp_path, pythonpath=user_package)
    names = [r["name"] for r in json.loads(done.stdout)]
    assert "charbonnier" in names and "pseudo_huber" in names and "kl_div" in names
    junit = tmp_path / "out" / "verify.xml"
    done = run(GRADSPEC + ["verify", "charbonnier", "pseudo_huber", "--junit", str(junit)], cwd=tmp_path,
               pythonpath=user_package)
    assert done.returncode == 1, done.stderr
    assert "ok   charbonnier" in done.stdout and "FAIL pseudo_huber           grad[predicted]" in done.stdout
    assert "REFUTED" in done.stdout and done.stderr == ""          # not a terminal: no progress lines
    import xml.etree.ElementTree as ET
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("errors") == "0"
    suites = {s.get("name"): s for s in root}
    assert set(suites) == {"charbonnier", "pseudo_huber"}
    bad = suites["pseudo_huber"].find("testcase[@name='grad[predicted]']")
    assert bad.find("failure").get("message") == "refuted" and "REFUTED in ball arithmetic" in bad.find("failure").text
    good = suites["charbonnier"].find("testcase[@name='grad[predicted]']")
    assert good.find("failure") is None and good.find("system-out").text.startswith("proved")
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in root) == len(root.findall(".//testcase"))


def test_verify_module_and_cards_module_without_installing(tmp_path):
    done = run(GRADSPEC + ["verify", "--module", "example_losses.specs", "--json"], cwd=PKG)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1 and {r["spec"] for r in rows} == {"charbonnier", "pseudo_huber"}
    assert [r["check"] for r in rows if not r["passed"]] == ["grad[predicted]"]
    out = tmp_path / "cards"
    done = run(GRADSPEC + ["cards", "--module", "example_losses.specs", "--out", str(out), "--quiet"], cwd=PKG)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "cards").glob("*.md")) == ["charbonnier.md", "pseudo_huber.md"]
    index = (out / "README.md").read_text()
    assert "[charbonnier](cards/charbonnier.md)" in index and "kl_div" not in index
    assert "refuted" in (out / "cards" / "pseudo_huber.md").read_text()
    assert "WARNING — 1 check(s) shown in these cards FAIL" in done.stderr and "pseudo_huber grad[predicted]" in done.stderr
    charbonnier = (out / "cards" / "charbonnier.md").read_text()    # its own docstring's first sentence, whole
    assert ("Charbonnier loss: sqrt((p − t)² + ε²) per entry, a smooth |p − t| (the L1 loss rounded off at 0 over "
            "a width ε).\n") in charbonnier and "Used in optical flow" not in charbonnier
    assert "Pseudo-Huber loss" in (out / "cards" / "pseudo_huber.md").read_text()
    assert index.startswith("# Gradient contract cards: example_losses.specs\n")
    assert "make verify" not in index + charbonnier and "reports/" not in index + charbonnier
    done = run(GRADSPEC + ["cards", "--module", "example_losses.specs", "--out", str(out), "--check", "--quiet"],
               cwd=PKG)
    assert done.returncode == 1 and "cards up to date" in done.stdout and "--check fails while" in done.stderr
    done = run(GRADSPEC + ["cards", "charbonnier", "--module", "example_losses.specs", "--out", str(out), "--check",
                           "--quiet"], cwd=PKG)
    assert done.returncode == 0 and "cards up to date" in done.stdout and "WARNING" not in done.stderr
    (out / "cards" / "charbonnier.md").write_text(charbonnier.replace("proved", "verified", 1))
    done = run(GRADSPEC + ["cards", "charbonnier", "--module", "example_losses.specs", "--out", str(out), "--check",
                           "--quiet"], cwd=PKG)
    assert done.returncode == 1 and f"run `gradspec cards --out {out}`" in done.stdout      # the actual --out
    done = run(GRADSPEC + ["list", "--module", "example_losses.specs"], cwd=PKG)
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["charbonnier", "pseudo_huber"]
    done = run(GRADSPEC + ["derive", "pseudo_huber", "--module", "example_losses.specs", "--shape", "1,1"], cwd=PKG)
    assert done.returncode == 0 and "pseudo_huber: gradient w.r.t. predicted, shape 1×1" in done.stdout
    (tmp_path / "mine.py").write_text("import numpy as np\n"
                                      "def pseudo_huber(p, t, delta=1.5):\n"
                                      "    return np.mean(delta ** 2 * (np.sqrt(1 + ((p - t) / delta) ** 2) - 1))\n")
    junit = tmp_path / "audit.xml"
    done = run(GRADSPEC + ["audit", "--module", "example_losses.specs", "--impl", "mine:pseudo_huber", "--spec",
                           "pseudo_huber", "--dtype", "float32", "--junit", str(junit)], cwd=tmp_path, pythonpath=PKG)
    assert done.returncode == 0 and "pseudo_huber           float32" in done.stdout, done.stderr
    assert "no findings; worst error" in junit.read_text() and "gradient not checked" in junit.read_text()
    for loss, code in (("charbonnier", 0), ("pseudo_huber", 1)):        # the training code and its backward
        done = run(GRADSPEC + ["audit", "--module", "example_losses.specs", "--impl", f"example_losses.losses:{loss}",
                               "--grad", f"example_losses.losses:{loss}_backward", "--spec", loss,
                               "--dtype", "float64", "--junit", str(junit)], cwd=PKG)
        assert done.returncode == code, done.stdout + done.stderr
    failure = ET.parse(junit).getroot().find(".//testcase/failure")
    assert failure.get("message") == "findings: grad-inaccurate: 28" and "reproduce: example_losses" in failure.text
    done = run(GRADSPEC + ["audit", "--grad", "example_losses.losses:charbonnier_backward", "torch"], cwd=PKG)
    assert done.returncode == 2 and "--grad goes with --impl" in done.stderr
    done = run(GRADSPEC + ["verify", "--module", "example_losses.nope"], cwd=PKG)
    assert done.returncode == 2 and "cannot import the module 'example_losses.nope'" in done.stderr
    assert "Traceback" not in done.stderr
