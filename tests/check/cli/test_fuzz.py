"""A few hundred fuzzed command lines and API calls (fixed seed): no traceback, the right exit code
for each, no hang.  `make fuzz` runs ten thousand (check/cli/fuzz.py)."""
import pytest

from check.cli import fuzz

pytestmark = pytest.mark.slow          # the fuzzer drives the CLI


def test_fuzzed_cli_and_api_inputs_are_refused_cleanly():
    counts = fuzz.run(400, seed=12)
    assert counts.cases == 400 and counts.by_kind.get("cli-bad", 0) > 150 and counts.by_kind.get("api-bad", 0) > 60
    assert counts.by_kind.get("cli-mutated", 0) > 30 and counts.by_kind.get("api-finding") == 8
    assert counts.tracebacks == [] and counts.wrong_exit == [] and counts.hangs == []


def test_the_fuzzer_notices_a_traceback_a_wrong_exit_code_and_a_hang(monkeypatch):
    import check.cli.app
    monkeypatch.setattr(check.cli.app, "cmd_list", lambda args: {}["boom"])          # gradspec's own bug
    code, out, err, raised, hung = fuzz.run_cli(["list"])
    assert code == 3 and "internal error" in err
    monkeypatch.setattr(check.cli.app, "cmd_list", lambda args: 0)
    assert fuzz.run_cli(["verify", "nope"])[0] == 2
    import time
    monkeypatch.setattr(check.cli.app, "cmd_list", lambda args: time.sleep(5) or 0)
    code, out, err, raised, hung = fuzz.run_cli(["list"], seconds=0.3)
    assert hung
    problem = fuzz.run_api(lambda name: {}[name], {"name": "x"}, "bad")
    assert problem.startswith("traceback: KeyError")
