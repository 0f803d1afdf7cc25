"""JUnit XML from verify and audit, and the progress feedback (bar on a terminal, lines elsewhere)."""
import pytest
import io
import xml.etree.ElementTree as ET

from check.cli import app as cli
from check.cli.progress import Progress


@pytest.mark.slow
def test_verify_junit_records_each_check_and_how_it_passed(tmp_path, capsys):
    path = tmp_path / "v.xml"
    assert cli.main(["verify", "mse", "--junit", str(path)]) == 0
    assert capsys.readouterr().err == ""                       # not a terminal: verify's lines are its progress
    root = ET.parse(path).getroot()
    assert root.get("failures") == "0" and root.get("tests") == str(len(root.findall(".//testcase")))
    case = root.find("testsuite[@name='mse']/testcase[@name='grad[predicted]']")
    assert case.get("classname") == "mse" and case.find("system-out").text.startswith("proved")


@pytest.mark.slow
def test_verify_junit_records_a_refuted_check_as_a_failure(monkeypatch, tmp_path):
    from check.checks import catalog
    monkeypatch.setattr(catalog, "known_deviations", lambda *emitted: {})     # the seeds' cosine derivative: refuted
    path = tmp_path / "v.xml"
    assert cli.main(["verify", "cosine_similarity", "--junit", str(path), "--json"]) == 1
    root = ET.parse(path).getroot()
    failures = root.findall(".//testcase/failure")
    assert failures and root.get("failures") == str(len(failures))
    assert all(f.get("message") in ("refuted", "inconclusive") for f in failures)
    assert any("REFUTED" in f.text and "expected" in f.text for f in failures)


def test_audit_junit_fails_a_call_with_findings(tmp_path, monkeypatch, capsys):
    (tmp_path / "mysoftplus.py").write_text(
        "import numpy as np\n"
        "def naive(x):\n    return np.log(1 + np.exp(x))\n"
        "def stable(x):\n    return np.logaddexp(0, x)\n")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.xml"
    assert cli.main(["audit", "--impl", "mysoftplus:naive", "--spec", "softplus", "--dtype", "float64",
                     "--junit", str(path)]) == 1
    case = ET.parse(path).getroot().find(".//testcase")
    assert case.get("classname") == "softplus" and case.get("name") == "float64"
    failure = case.find("failure")
    assert failure.get("message").startswith("findings:") and "reproduce: " in failure.text
    assert cli.main(["audit", "--impl", "mysoftplus:stable", "--spec", "softplus", "--dtype", "float64",
                     "--junit", str(path)]) == 0
    ok = ET.parse(path).getroot().find(".//testcase")
    assert ok.find("failure") is None and "no findings" in ok.find("system-out").text
    err = capsys.readouterr().err
    assert "audit 1/1 mysoftplus:stable float64" in err                 # line-oriented progress, not a bar
    assert "\r" not in err


def test_progress_is_a_bar_on_a_terminal_lines_elsewhere_and_nothing_when_quiet():
    tty = io.StringIO()
    with Progress(4, "verify", stream=tty, tty=True) as bar:
        bar.step("mse grad[predicted]")
        bar.step("mse grad[target]")
    text = tty.getvalue()
    assert "\r" in text and "verify [#####...............] 2/4 mse grad[target]" in text
    assert text.endswith("\r")                                        # the bar is cleared at the end
    log = io.StringIO()
    with Progress(2, "audit", stream=log, tty=False) as bar:
        bar.step("torch float32 mse")
        bar.step("torch float32 kl_div")
    assert log.getvalue() == "audit 1/2 torch float32 mse\naudit 2/2 torch float32 kl_div\n"
    quiet = io.StringIO()
    with Progress(2, "audit", stream=quiet, tty=True, quiet=True) as bar:
        bar.step("x")
    assert quiet.getvalue() == ""
