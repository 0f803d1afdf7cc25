"""The audit's CI gate: a baseline records the findings that are not conventions; a finding not in
it (a new point, kind, entry or dtype) is new and fails the gate, a changed returned value is not."""
import json
from dataclasses import replace

import pytest

from check.audits.auditor import AuditReport, Finding
from check.audits.baseline import FORMAT, new_findings, read_baseline, write_baseline
from spec.errors import GradspecError
from tests.fresh_python import run_cli


def _finding(kind="inf", index=(0, 0), x="1.5", got="inf"):
    return Finding(kind, {"x": [[x]]}, index, "2.0", got, 16.0, "extreme:x", "f(...)")


def _pairs(*findings, dtype="float16"):
    return [(None, AuditReport("exp", "mylib.exp", "numpy", dtype, findings=list(findings)))]


def test_known_findings_pass_and_new_ones_fail(tmp_path):
    path = tmp_path / "base.json"
    convention = replace(_finding(), kind="convention")
    assert write_baseline(path, _pairs(_finding(), convention)) == 1        # the convention is not recorded
    known = read_baseline(path)
    assert json.loads(path.read_text())["format"] == FORMAT
    assert new_findings(_pairs(_finding(), convention), known) == []
    assert new_findings(_pairs(_finding(got="nan")), known) == []            # another wrong value: the same finding
    for changed in (_finding(x="1.75"), _finding(index=(0, 1)), _finding(kind="nan")):
        assert len(new_findings(_pairs(changed), known)) == 1, changed
    assert len(new_findings(_pairs(_finding(), dtype="bfloat16"), known)) == 1
    assert new_findings(_pairs(), known) == []


def test_a_search_finding_is_known_by_call_dtype_and_kind(tmp_path):
    path = tmp_path / "base.json"
    found = replace(_finding(), origin="search")
    write_baseline(path, _pairs(found))
    known = read_baseline(path)
    moved = replace(_finding(x="7.25", index=(1, 0)), origin="search:local")     # another worst point
    assert new_findings(_pairs(moved), known) == []
    assert len(new_findings(_pairs(replace(found, kind="nan")), known)) == 1        # a new kind: new
    assert len(new_findings(_pairs(found, dtype="bfloat16"), known)) == 1          # a new dtype: new
    assert len(new_findings(_pairs(_finding()), known)) == 1                       # a fixed point: its own key


@pytest.mark.parametrize("text", ["", "{}", '{"format": "other/1", "findings": []}', "[1, 2]",
                                  '{"format": "%s", "findings": [{"no key": 1}]}' % FORMAT])
def test_a_file_that_is_not_a_baseline_is_a_clear_error(tmp_path, text):
    path = tmp_path / "base.json"
    path.write_text(text)
    with pytest.raises(GradspecError, match="not a readable audit baseline"):
        read_baseline(path)


@pytest.mark.slow
def test_cli_gate_exit_codes_with_a_written_baseline(tmp_path):
    (tmp_path / "mylosses.py").write_text("import numpy as np\n\ndef softplus(x):\n    return np.log(1 + np.exp(x))\n")
    base = tmp_path / "base.json"
    audit = ["audit", "--impl", "mylosses:softplus", "--spec", "softplus", "--dtype", "float16,float32"]

    def run(*extra):
        return run_cli(audit + list(extra), cwd=tmp_path)
    p = run()
    assert p.returncode == 1 and "first: inf at entry" in p.stdout           # the naive softplus overflows
    assert run("--write-baseline", str(base)).returncode == 0
    p = run("--baseline", str(base))
    assert p.returncode == 0 and " 0 new" in p.stdout, p.stdout
    data = json.loads(base.read_text())
    data["findings"] = [e for e in data["findings"] if "| float32 |" not in e["key"]]   # forget float32's
    base.write_text(json.dumps(data))
    p = run("--baseline", str(base))
    assert p.returncode == 1 and " 0 new" not in p.stdout
    p = run("--baseline", str(tmp_path / "missing.json"))
    assert p.returncode == 2 and "not a readable audit baseline" in p.stderr and "Traceback" not in p.stderr
    p = run("--baseline", str(base), "--write-baseline", str(base))
    assert p.returncode == 2 and "not both" in p.stderr


@pytest.mark.slow
@pytest.mark.parametrize("library", ["torch", "numpy"])
def test_the_committed_baselines_gate_the_librarys_audit(tmp_path, library):
    # `make audit` runs this for every library: the committed baseline holds every finding that is not
    # a stated convention, so the gate passes; without it the same audit fails
    from pathlib import Path
    base = Path(__file__).resolve().parents[3] / "reports" / "audit-baselines" / f"{library}.json"
    audit = ["audit", library, "--dtype", "float16,bfloat16,float32,float64", "--quiet", "--out", str(tmp_path)]
    p = run_cli(audit + ["--baseline", str(base)])
    assert p.returncode == 0 and " 0 new" in p.stdout, p.stdout[-2000:] + p.stderr[-2000:]
    assert len(read_baseline(base)) > 0
    if library == "numpy":                            # the same audit without it fails (torch's: 30 s more)
        p = run_cli(audit)
        assert p.returncode == 1 and " 0 new" not in p.stdout
