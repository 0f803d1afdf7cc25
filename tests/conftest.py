import mpmath
import pytest


def pytest_configure(config):
    """Every test process's symbolic budgets are soft (``derive.budget.soft_only``), as in the
    workers of ``gradspec verify``.  Otherwise a process forks for every hard budget until it loads
    a framework (then never): how many tests an xdist worker ran before its first torch test decided
    whether it forked ~1,200 times — 20 s of system time, each child's SymPy caches lost — and adding
    four tests made the fast tier 30 % slower.  The fork itself is tested with ``hard_budgets``."""
    from derive import budget
    budget.soft_only()


@pytest.fixture
def hard_budgets(monkeypatch):
    """``derive.budget.run`` forks a child per step again, as for a caller of the Python API in a
    plain process — where this process may fork (no framework loaded; else the budget stays soft)."""
    from derive import budget
    monkeypatch.setattr(budget, "_in_child", False)


@pytest.fixture(autouse=True)
def global_precision_untouched():
    """gradspec never changes mpmath's or python-flint's global precision: every test ends as it began
    (ball arithmetic runs inside ``check.numeric.real.precision`` blocks only)."""
    import flint
    before, before_bits = mpmath.mp.dps, flint.ctx.prec
    yield
    assert mpmath.mp.dps == before, "a check changed mpmath's global precision"
    assert flint.ctx.prec == before_bits, "a check changed python-flint's global precision"


@pytest.fixture(scope="session")
def user_package(tmp_path_factory):
    """tests/example_user_pkg installed (pip, no build isolation) into a temporary folder: the
    folder to put on PYTHONPATH, where its ``gradspec.specs`` entry point is found."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    work = tmp_path_factory.mktemp("user_pkg")
    source = shutil.copytree(Path(__file__).parent / "example_user_pkg", work / "source")   # builds stay out of the repo
    target = work / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"installing the example user package failed:\n{done.stdout}\n{done.stderr}"
    assert list(target.glob("gradspec_example_losses-*.dist-info/entry_points.txt")), "no entry point installed"
    return target


@pytest.fixture
def user_specs(monkeypatch):
    """The example package's specs registered in this process (from its source folder), removed afterwards."""
    from pathlib import Path

    import spec
    from spec.registry import unregister
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "example_user_pkg"))
    names = spec.load_module("example_losses.specs")
    yield names
    for n in names:
        unregister(n)
    import sys
    for m in [m for m in sys.modules if m.startswith("example_losses")]:
        del sys.modules[m]


@pytest.fixture(autouse=True)
def own_result_cache(tmp_path, monkeypatch):
    """Each test its own result cache (check.checks.cache), subprocesses included: no test is served
    a result another test (or `make verify`) computed."""
    monkeypatch.setenv("GRADSPEC_CACHE_DIR", str(tmp_path / "gradspec-cache"))
