"""The pytest plugin: registered through pytest11, light to load, collecting specs' checks as items."""
import pytest
import sys
import xml.etree.ElementTree as ET

from tests.spec.test_user_specs import PKG, run
from tests.fresh_python import run_fresh

pytestmark = pytest.mark.slow          # pytest run in a subprocess

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    from importlib.metadata import entry_points
    eps = [ep for ep in entry_points(group="pytest11") if ep.name == "gradspec"]
    assert [ep.value for ep in eps] == ["gradspec_pytest_plugin"]


def test_loading_the_plugin_imports_nothing_of_gradspec_numpy_sympy_or_a_framework():
    code = ("import sys, gradspec_pytest_plugin; heavy = {'sympy', 'mpmath', 'flint', 'torch', 'jax', 'tensorflow', "
            "'keras', 'optax', 'derive', 'spec', 'numpy'}; print(sorted({m.split('.')[0] for m in sys.modules} & heavy))")
    out = run_fresh(code, timeout=120)
    assert out.strip() == "[]", out


def test_pytest_gradspec_collects_the_installed_specs_checks_with_readable_ids(user_package, tmp_path):
    done = run(PYTEST + ["--gradspec", "--collect-only", "-q"], cwd=tmp_path, pythonpath=user_package)
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert "charbonnier::grad[predicted]" in ids and "pseudo_huber::grad[predicted]" in ids
    assert "charbonnier::emitted[predicted]" in ids and "charbonnier::emitted[target]" not in ids  # declared only
    assert not any(i.startswith("kl_div::") for i in ids)          # the catalog only with --gradspec-catalog
    junit = tmp_path / "plugin.xml"
    done = run(PYTEST + ["--gradspec", "-v", "-k", "grad and not emitted", f"--junitxml={junit}"], cwd=tmp_path,
               pythonpath=user_package)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "charbonnier::grad[predicted] PASSED" in done.stdout
    assert "pseudo_huber::grad[predicted] FAILED" in done.stdout
    assert "gradspec: pseudo_huber grad[predicted]: REFUTED in ball arithmetic" in done.stdout   # the check's message
    assert "Traceback" not in done.stdout
    cases = {(c.get("classname"), c.get("name")): c.find("failure") for c in ET.parse(junit).getroot().iter("testcase")}
    assert set(cases) == {("charbonnier", "grad[predicted]"), ("pseudo_huber", "grad[predicted]")}
    assert cases[("charbonnier", "grad[predicted]")] is None
    assert "REFUTED" in cases[("pseudo_huber", "grad[predicted]")].get("message")


def test_module_option_and_the_catalog_option(tmp_path):
    done = run(PYTEST + ["--gradspec", "--gradspec-module", "example_losses.specs", "--collect-only", "-q"],
               cwd=tmp_path, pythonpath=PKG)
    assert "pseudo_huber::grad[predicted]" in done.stdout
    done = run(PYTEST + ["--gradspec", "--gradspec-catalog", "--collect-only", "-q", "-k", "kl_div"], cwd=tmp_path)
    assert "kl_div::grad[target]" in done.stdout and "kl_div::condition[target_nonzero]" in done.stdout
    chosen = "kl_div and grad and not emitted and not log_target"
    done = run(PYTEST + ["--gradspec", "--gradspec-catalog", "-q", "-k", chosen],
               cwd=tmp_path)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout


def test_emitted_checks_of_a_users_spec_are_warnings_unless_asked_for(tmp_path):
    (tmp_path / "focal_user.py").write_text(
        "from spec import Derivative, Input, loss\nfrom spec.catalog import focal\nfrom spec.domains import PROBABILITY, REAL\n"
        "loss('plugin_focal', focal.terms, inputs=[Input('logits', REAL, 'z'), Input('target', PROBABILITY, 't')],\n"
        "     params=[p for p in focal.SPEC.params if p.name != 'reduction'],\n"
        "     derivatives=[Derivative('logits', focal.grad_logits)])\n")
    base = PYTEST + ["--gradspec", "--gradspec-module", "focal_user", "-k", "emitted and not torch and not jax"]
    done = run(base + ["-q", "-W", "always"], cwd=tmp_path, pythonpath=tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert "gradspec's emitted code, not your formula" in done.stdout          # the warnings summary
    done = run(base + ["-q", "--gradspec-emitted", "check"], cwd=tmp_path, pythonpath=tmp_path)
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout + done.stderr
    done = run(base + ["-q", "--gradspec-emitted", "loud"], cwd=tmp_path, pythonpath=tmp_path)
    assert done.returncode == 4 and "--gradspec-emitted 'loud' is not a mode" in done.stderr


def test_without_specs_the_plugin_says_what_to_do_and_without_the_flag_it_does_nothing(tmp_path):
    done = run(PYTEST + ["--gradspec"], cwd=tmp_path)
    assert done.returncode == 4 and "found no specs to check" in done.stderr and "--gradspec-module" in done.stderr
    done = run(PYTEST + ["--gradspec", "--gradspec-module", "no_such_mod_q"], cwd=tmp_path)
    assert done.returncode == 4 and "cannot import the module 'no_such_mod_q'" in done.stderr
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert 1\n")
    done = run(PYTEST + ["-q"], cwd=tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout


def test_the_fixture_gives_the_assertions(tmp_path):
    (tmp_path / "test_fixture.py").write_text(
        "import pytest\n"
        "def test_right(gradspec_check):\n"
        "    gradspec_check.assert_gradient('mse', lambda p, t, *, xp, reduction: 2 * (p - t) / p.size)\n"
        "def test_wrong(gradspec_check):\n"
        "    gradspec_check.assert_gradient('mse', lambda p, t, *, xp: (p - t) / p.size)\n")
    done = run(PYTEST + ["-q"], cwd=tmp_path)
    assert done.returncode == 1 and "1 failed, 1 passed" in done.stdout
    assert "GradientCheckFailed: gradspec: mse grad[predicted]: REFUTED" in done.stdout
