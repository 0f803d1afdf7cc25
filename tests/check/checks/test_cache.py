"""The result cache and the runner (check.checks.cache, check.checks.runner): a cache may skip work,
never change a verdict; processes never change an outcome or its order."""
import dataclasses
import importlib
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

import spec
from check.checks import cache as cache_mod
from check.checks.cache import Cache, entry_key, own_files
from check.checks.runner import run_entries
from check.cli.app import main
from spec.registry import unregister


def _verdicts(outcomes):
    """Everything of the results but the time they took."""
    return [(o.name, [dataclasses.replace(r, seconds=0.0) for r in o.results]) for o in outcomes]


def test_a_warm_run_serves_the_same_verdicts_and_a_cold_one_runs(tmp_path):
    store = Cache(tmp_path / "cache")
    cold = list(run_entries(["mse", "kl_div"], cache=store))
    warm = list(run_entries(["mse", "kl_div"], cache=store))
    assert [o.cached for o in cold] == [False, False] and [o.cached for o in warm] == [True, True]
    assert _verdicts(cold) == _verdicts(warm)
    assert [o.name for o in warm] == ["mse", "kl_div"]


def test_an_unreadable_cache_file_is_a_miss_not_an_error(tmp_path):
    store = Cache(tmp_path / "cache")
    list(run_entries(["mse"], cache=store))
    for f in (tmp_path / "cache").rglob("*.json"):
        f.write_text("{not json")
    (again,) = run_entries(["mse"], cache=store)
    assert not again.cached and all(r.ok for r in again.results)


def test_each_catalog_file_is_its_entries_own_code_and_the_core_is_hashed_once():
    assert [Path(f).name for f in own_files(spec.get("mse"))] == ["mse.py"]
    assert "mse.py" not in [Path(f).name for f in own_files(spec.get("kl_div"))]
    # an entry built on others reaches their files (cross_entropy_logits uses log_softmax and softmax)
    assert {"log_softmax.py", "softmax.py"} <= {Path(f).name for f in own_files(spec.get("cross_entropy_logits"))}
    assert {"mse.py", "tanh.py"} <= {Path(f).name for f in own_files(spec.get("mlp:2x3x2:tanh+mse"))}


def test_a_change_to_gradspec_itself_or_a_version_changes_every_key(monkeypatch):
    s = spec.get("mse")
    before = entry_key(s, ["grad[predicted]"])
    assert entry_key(s, ["grad[predicted]", "emitted[predicted]"]) != before      # another check list
    monkeypatch.setattr(cache_mod, "core_hash", lambda: "another gradspec")
    assert entry_key(s, ["grad[predicted]"]) != before
    monkeypatch.undo()
    monkeypatch.setattr(cache_mod, "versions", lambda: "sympy=0.0")
    assert entry_key(s, ["grad[predicted]"]) != before


RIGHT = "2 * (p - t) / p.size"
WRONG = "3 * (p - t) / p.size"


def _write_user_module(folder: Path, gradient: str, helper_factor: str = "1") -> None:
    (folder / "cache_demo_helper.py").write_text(f"FACTOR = {helper_factor}\n")
    (folder / "cache_demo_specs.py").write_text(textwrap.dedent(f'''
        """A user's loss for the cache test."""
        from spec import Derivative, Input, loss
        from spec.domains import REAL
        import cache_demo_helper

        def terms(p, t, *, xp):
            return cache_demo_helper.FACTOR * (p - t) ** 2

        loss("cache_demo_sq", terms, inputs=[Input("p", REAL, "p"), Input("t", REAL, "t")],
             derivatives=[Derivative("p", lambda p, t, *, xp: {gradient})])
    '''))


def _load(folder: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(folder))
    for m in ("cache_demo_specs", "cache_demo_helper"):
        sys.modules.pop(m, None)
    if "cache_demo_sq" in spec.names():
        unregister("cache_demo_sq")
    importlib.invalidate_caches()
    return spec.load_module("cache_demo_specs")


def _grad_status(store):
    (outcome,) = run_entries(["cache_demo_sq"], cache=store)
    (r,) = [r for r in outcome.results if r.check == "grad[p]"]
    return outcome.cached, r.status


def test_editing_a_formula_or_a_helper_it_uses_misses_and_the_refutation_appears(tmp_path, monkeypatch):
    store = Cache(tmp_path / "cache")
    _write_user_module(tmp_path, RIGHT)
    try:
        _load(tmp_path, monkeypatch)
        assert _grad_status(store) == (False, "proved")
        assert _grad_status(store) == (True, "proved")
        _write_user_module(tmp_path, WRONG)                  # the user edits their gradient: must be rejected
        _load(tmp_path, monkeypatch)
        assert _grad_status(store) == (False, "refuted")
        _write_user_module(tmp_path, RIGHT)                  # back: the first result is found again
        _load(tmp_path, monkeypatch)
        assert _grad_status(store) == (True, "proved")
        _write_user_module(tmp_path, RIGHT, helper_factor="2")   # the forward's helper module changes:
        _load(tmp_path, monkeypatch)                              # the same gradient is now wrong
        assert _grad_status(store) == (False, "refuted")
    finally:
        if "cache_demo_sq" in spec.names():
            unregister("cache_demo_sq")
        for m in ("cache_demo_specs", "cache_demo_helper"):
            sys.modules.pop(m, None)


def test_no_cache_writes_nothing_and_bad_jobs_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADSPEC_CACHE_DIR")                 # the default: .gradspec-cache in the current folder
    assert main(["verify", "mse", "--no-cache", "--quiet"]) == 0
    assert not (tmp_path / ".gradspec-cache").exists()
    assert main(["verify", "mse", "--quiet"]) == 0
    assert (tmp_path / ".gradspec-cache").is_dir()
    assert "(1 of 1 entries from the cache" not in capsys.readouterr().out
    assert main(["verify", "mse", "--quiet"]) == 0
    assert "(1 of 1 entries from the cache" in capsys.readouterr().out
    assert main(["verify", "mse", "--jobs", "0"]) == 2
    assert "--jobs 0 is not a number of processes" in capsys.readouterr().err


@pytest.mark.slow
def test_processes_change_no_outcome_and_no_order(tmp_path):
    names = ["mse", "kl_div", "huber", "linear:3x2+mse"]
    serial = list(run_entries(names, jobs=1))
    parallel = list(run_entries(names, jobs=2))
    assert _verdicts(serial) == _verdicts(parallel)


@pytest.mark.slow
def test_one_pass_cards_are_the_committed_ones_cold_and_warm(tmp_path, monkeypatch, capsys):
    reports = Path(__file__).resolve().parents[3] / "reports"
    copy = tmp_path / "reports"
    shutil.copytree(reports, copy)
    monkeypatch.chdir(tmp_path)
    for _ in range(2):                                   # cold (checks run), then warm (from the cache)
        assert main(["verify", "mse", "softplus", "--cards", str(copy), "--quiet", "--jobs", "2"]) == 0
        assert "cards up to date" in capsys.readouterr().out
    card = copy / "cards" / "mse.md"
    card.write_text(card.read_text().replace("proved", "verified", 1))
    assert main(["verify", "mse", "--cards", str(copy), "--quiet"]) == 1        # drift is found, warm too
    assert "cards/mse.md: changed" in capsys.readouterr().out


@pytest.mark.slow
def test_an_entry_registered_at_run_time_runs_here_when_workers_cannot_find_it(tmp_path):
    """A spec registered inside a function (not at a module's import) is unknown to a spawned worker:
    the runner runs it in this process, and its verdicts are those of a serial run."""
    from spec import Derivative, Input, loss
    from spec.domains import REAL
    loss("runtime_sq", lambda p, t, *, xp: (p - t) ** 2, inputs=[Input("p", REAL, "p"), Input("t", REAL, "t")],
         derivatives=[Derivative("p", lambda p, t, *, xp: 3 * (p - t) / p.size)])       # wrong: refuted
    try:
        outcomes = list(run_entries(["runtime_sq", "mse"], jobs=2))
        assert [o.name for o in outcomes] == ["runtime_sq", "mse"]
        assert {r.check: r.status for r in outcomes[0].results}["grad[p]"] == "refuted"
        assert all(r.ok for r in outcomes[1].results)
    finally:
        unregister("runtime_sq")


class _Scaled:
    """A gradient as a callable object whose factor lives in an attribute."""

    def __init__(self, k):
        self.k = k

    def __call__(self, p, t, *, xp):
        return self.k * (p - t) / p.size


def _unregistered(derivative_fn):
    from spec import Derivative, Input
    from spec.domains import REAL
    from spec.entry import Spec, reduction_param
    return Spec("key_demo", "loss", (Input("p", REAL, "p"), Input("t", REAL, "t")), (reduction_param("mean"),),
                lambda p, t, *, xp: (p - t) ** 2, derivatives=(Derivative("p", derivative_fn),))


def test_code_without_a_file_an_attribute_or_a_decorated_function_changes_the_key():
    """What no source file shows still counts: a function made by exec (a notebook), an attribute of a
    callable object, the function under a decorator."""
    import functools
    ids = ["grad[p]"]
    made = {}
    for k in (2, 3):
        exec(f"def grad(p, t, *, xp):\n    return {k} * (p - t) / p.size\n", made)
        made[k] = made["grad"]
    assert entry_key(_unregistered(made[2]), ids) != entry_key(_unregistered(made[3]), ids)
    assert entry_key(_unregistered(_Scaled(2)), ids) != entry_key(_unregistered(_Scaled(3)), ids)
    assert entry_key(_unregistered(_Scaled(2)), ids) == entry_key(_unregistered(_Scaled(2)), ids)
    wrapped = [functools.lru_cache()(made[k]) for k in (2, 3)]
    assert entry_key(_unregistered(wrapped[0]), ids) != entry_key(_unregistered(wrapped[1]), ids)


def test_entries_whose_inputs_have_shapes_of_their_own_start_first_and_output_keeps_its_order():
    from check.checks.runner import start_order
    names = ["mse", "ntxent", "kl_div", "linear:3x2+mse", "huber"]
    assert start_order(names) == ["ntxent", "linear:3x2+mse", "mse", "kl_div", "huber"]
    assert start_order(["mse", "huber"]) == ["mse", "huber"]
