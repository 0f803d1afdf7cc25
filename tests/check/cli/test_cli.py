"""The gradspec command: list, derive, verify; exit codes 0 / 1 / 2; no tracebacks."""
import json
import subprocess
import sys

import pytest

from check.checks import catalog
from check.cli.app import main
from tests.fresh_python import run_cli, run_fresh


def run(*args):
    p = run_cli(list(args))
    assert "Traceback" not in p.stderr, p.stderr
    return p


@pytest.mark.slow
def test_list_and_json():
    p = run("list")
    assert p.returncode == 0 and "kl_div" in p.stdout and "simplex_rows" in p.stdout
    rows = json.loads(run("list", "--json").stdout)
    assert {r["name"] for r in rows} >= {"mse", "sum"}
    assert next(r for r in rows if r["name"] == "huber")["params"] == {"delta": 1, "reduction": "mean"}


@pytest.mark.slow
def test_derive_prints_pretty_and_latex():
    p = run("derive", "mse", "--shape", "1,2")
    assert p.returncode == 0
    assert "LaTeX:" in p.stdout and "\\left[" in p.stdout and "p_{0,0}" in p.stdout


@pytest.mark.slow
def test_derive_wrt_and_param():
    p = run("derive", "huber", "--wrt", "target", "--shape", "1", "--param", "delta=0.5")
    assert p.returncode == 0 and "1/2" in p.stdout or "0.5" in p.stdout


@pytest.mark.slow
def test_verify_named_entries_json(capsys):
    assert main(["verify", "mse", "kl_div", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["spec"], r["check"]) for r in lines} >= {("kl_div", "grad[target]"), ("kl_div", "condition[target_nonzero]")}
    for r in lines:
        assert set(r) >= {"spec", "check", "status", "method", "seconds", "message"}
        assert r["status"] in ("proved", "verified")


@pytest.mark.slow
def test_verify_fails_when_a_check_is_refuted(monkeypatch, capsys):
    monkeypatch.setattr(catalog, "known_deviations", lambda *emitted: {})     # the seed's cosine refutation is now unexpected
    assert main(["verify", "cosine_similarity"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "REFUTED" in out


def test_a_stale_known_deviation_fails(monkeypatch, capsys):
    stale = {("mse", "grad[predicted]"): {"status": "refuted", "reason": "pretend"}}
    monkeypatch.setattr(catalog, "known_deviations", lambda *emitted: stale)
    assert main(["verify", "mse"]) == 1
    assert "stale" in capsys.readouterr().out


@pytest.mark.parametrize("args, needle", [
    (["verify", "kl_dvi"], "did you mean: kl_div"),
    (["derive", "mse", "--wrt", "x"], "no input 'x'"),
    (["derive", "mse", "--shape", "2,a"], "invalid --shape"),
    (["derive", "huber", "--param", "delta=-1"], "delta must be > 0"),
    (["derive", "huber", "--param", "delta"], "NAME=VALUE"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_a_message(args, needle, capsys):
    assert main(args) == 2                        # in this process (the entry point's own run: test_list_and_json)
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) >= 2 and "Traceback" not in err


@pytest.mark.slow
def test_a_closed_pipe_is_not_a_traceback():
    p = subprocess.run(f"{sys.executable} -m check list | head -1", shell=True, capture_output=True, text=True)
    assert p.returncode == 0 and "Traceback" not in p.stderr and p.stdout.startswith("mse")


@pytest.mark.slow
def test_help_and_list_start_without_sympy():
    """Start-up: `gradspec --help` and `gradspec list` import neither SymPy nor python-flint (the
    timings are in make bench)."""
    code = ("import sys, contextlib, io\nfrom check.cli.app import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['list'])\n"
            "print(sorted(m for m in ('sympy', 'flint', 'mpmath') if m in sys.modules))")
    out = run_fresh(code, timeout=120)
    assert out.strip() == "[]", out
