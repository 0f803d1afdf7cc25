"""Nothing crashes, nothing hangs: bad input gets a several-line message and exit 2 (the CLI) or a
GradspecError (the API); a user's failing code is a finding or an error naming it; every step has a
budget; a process with a framework loaded is never forked.  Cases of our own for each family."""
import subprocess
import sys
import textwrap

import pytest

from check import check_gradient
from check.cli.app import main
from spec import Derivative, Input, Kink, Param, loss
from spec.domains import REAL
from spec.errors import GradspecError
from spec.registry import unregister


def cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Exception ignored" not in out.err
    return code, out.out, out.err


# --- output paths and arguments are checked before any work ---------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["verify", "mse", "--junit", "{file}/x.xml"], "is a file, so nothing can be made under it"),
    (["verify", "mse", "--junit", "{dir}"], "is a folder; it names the file to write"),
    (["verify", "mse", "--junit", ""], "--junit was given an empty value"),
    (["cards", "mse", "--out", "{file}"], "is a file, not a folder"),
    (["cards", "mse", "--out", "{file}/deeper/still"], "is a file, so nothing can be made under it"),
    (["audit", "numpy", "--out", "{file}"], "is a file, not a folder"),
    (["audit", "numpy", "softmax", "--junit", "{dir}"], "is a folder"),
    (["derive", "mse", "--shape", ""], "--shape was given an empty value"),
    (["derive", "mse", "--shape", " "], "--shape was given an empty value"),
    (["derive", "mse", "--emit", ""], "--emit was given an empty value"),
])
def test_output_paths_and_empty_values_are_refused_up_front(capsys, tmp_path, argv, needle):
    (tmp_path / "afile").write_text("")
    argv = [a.format(file=tmp_path / "afile", dir=tmp_path) for a in argv]
    code, out, err = cli(capsys, *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) >= 2
    assert out == ""                                   # refused before anything ran


# --- a user's spec code, on gradspec's own namespaces -------------------------------------------------------

def _register(name, terms, **kw):
    return loss(name, terms, inputs=[Input("p", REAL, "p"), Input("t", REAL, "t")],
                derivatives=[Derivative("p", lambda p, t, *, xp: 2 * (p - t) / p.size)], **kw)


@pytest.mark.parametrize("terms, needle", [
    (lambda p, t, *, xp: __import__("numpy").exp(p - t), "it calls numpy.exp on gradspec's arrays (write xp.exp)"),
    (lambda p, t, *, xp: xp.sin(p - t), "'sin' is not in the xp protocol"),
    (lambda p, t, *, xp: xp.asarray([[__import__("math").exp(v) for v in row] for row in p - t]),   # math on entries
     "raised TypeError"),
])
def test_a_forward_that_only_numpy_accepts_is_malformed_naming_the_field(terms, needle):
    import check.checks.probe  # noqa: F401  (installs the registration hook, as any check does)
    with pytest.raises(GradspecError) as e:
        _register("rb_forward", terms)
    unregister("rb_forward")
    text = str(e.value)
    assert "rb_forward" in text and "the forward" in text and needle in text


def test_a_kink_that_raises_or_is_malformed_and_a_param_check_that_raises():
    import check.checks.probe  # noqa: F401
    def boom(point, params):
        raise KeyError("residual")
    with pytest.raises(GradspecError, match=r"kinks\[0\].*raised KeyError"):
        _register("rb_kink", lambda p, t, *, xp: (p - t) ** 2, kinks=[Kink("p = t", "0", boom)])
    with pytest.raises(GradspecError, match=r"kinks\[0\].*not a Kink"):
        _register("rb_kink2", lambda p, t, *, xp: (p - t) ** 2, kinks=["p = t"])
    with pytest.raises(GradspecError, match=r"kinks\[0\]\.points.*not a list of points"):
        _register("rb_kink3", lambda p, t, *, xp: (p - t) ** 2, kinks=[Kink("p = t", "0", lambda pt, ps: 5)])

    def raising_check(v):
        return 1 / 0
    with pytest.raises(GradspecError, match=r"params\[0\] \(scale\)\.check.*raised ZeroDivisionError"):
        _register("rb_param", lambda p, t, *, xp, scale: scale * (p - t) ** 2,
                  params=[Param("scale", 1, raising_check)])
    for n in ("rb_kink", "rb_kink2", "rb_kink3", "rb_param"):
        unregister(n)


# --- sizes, numbers, precision -------------------------------------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["derive", "huber", "--param", "delta=" + "7" * 400], "must be within ±1e300"),
    (["derive", "huber", "--param", "delta=1e400"], "must be finite"),
    (["derive", "huber", "--param", "delta=-0"], "must be > 0"),
    (["derive", "mse", "--shape", "100000,100000"], "too large for symbolic work"),
    (["derive", "mse", "--shape", "99999999999999999999"], "too large for symbolic work"),
    (["derive", "mse", "--shape", "1,1025"], "the limit is 1024 entries per input"),
    (["derive", "mse", "--shape", ",".join(["1"] * 7)], "6 axes"),
    (["derive", "--model", "linear:1000x1000"], "every size must be ≤ 64"),
])
def test_sizes_and_numbers_have_limits_and_say_them(capsys, argv, needle):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and needle in err


@pytest.mark.parametrize("kwargs, needle", [
    ({"params": {"delta": 10 ** 400}}, "within ±1e300"),
    ({"params": "delta=1"}, "must be a dict"),
    ({"params": {1: 2}}, "keyed by parameter names"),
    ({"shape": (10 ** 6, 10 ** 6)}, "too large for symbolic work"),
    ({"shape": "2,3"}, "invalid shape"),
    ({"bits": 10 ** 9}, "out of range"),
    ({"bits": 64}, "out of range"),
])
def test_the_api_refuses_what_the_cli_refuses(kwargs, needle):
    with pytest.raises(GradspecError, match=needle):
        check_gradient("huber", lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size, **kwargs)


def test_printing_a_large_closed_form_has_a_budget(capsys, monkeypatch):
    import check.cli.app
    monkeypatch.setattr(check.cli.app, "PRINT_SECONDS", 0.01)
    code, out, err = cli(capsys, "derive", "softmax", "--shape", "2,3")
    assert code == 0 and "(not printed: time budget" in out


# --- modules --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, needle", [
    ("import sys\nsys.exit(3)\n", "called sys.exit(3)"),
    ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ("x = 1\n", "registered no specs"),
])
def test_a_module_that_exits_raises_or_registers_nothing(capsys, tmp_path, monkeypatch, source, needle):
    (tmp_path / "rb_mod.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "verify", "--module", "rb_mod")
    assert code == 2 and needle in err
    sys.modules.pop("rb_mod", None)


def test_a_module_that_loops_at_import_is_stopped(capsys, tmp_path, monkeypatch):
    import check.cli.app
    (tmp_path / "rb_loop.py").write_text("while True:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(check.cli.app, "IMPORT_SECONDS", 0.5)
    code, out, err = cli(capsys, "list", "--module", "rb_loop")
    assert code == 2 and "did not finish within 0.5 s" in err


# --- flags are honoured or refused, never ignored ----------------------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["derive", "mse", "--emit", "numpy", "--shape", "2,3"], "--shape does not apply"),
    (["audit", "torch", "--spec", "mse"], "--spec goes with --impl"),
    (["audit", "numpy", "--backend", "jax"], "--backend goes with --impl"),
    (["audit", "numpy", "--grad", "a:b"], "--grad goes with --impl"),
    (["audit", "--impl", "numpy:exp", "--spec", "exp", "--out", "reports"], "--out writes a library's reports"),
    (["derive", "linear:3x2+"], "nothing follows the '+'"),
    (["derive", "--model", "linear:3x2", "--loss", ""], "--loss was given an empty value"),
    (["audit", "numpy", "--dtype", "float32,,float64"], "'' is not a dtype"),
])
def test_a_flag_that_does_not_apply_is_refused(capsys, argv, needle):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and needle in err


@pytest.mark.slow
def test_names_given_with_a_module_are_the_only_ones_run(capsys, user_specs):
    code, out, err = cli(capsys, "list", "--module", "example_losses.specs")
    assert code == 0 and "charbonnier" in out and "pseudo_huber" in out
    code, out, err = cli(capsys, "verify", "charbonnier", "--module", "example_losses.specs", "--json")
    import json
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["spec"] for r in rows} == {"charbonnier"}


# --- API misuse ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, needle", [
    (lambda: check_gradient(["mse"], lambda p, t, *, xp: p), "named by a string"),
    (lambda: check_gradient("kl_div", lambda l, t, *, xp: t, wrt="target", conditions=5), "list of condition names"),
    (lambda: check_gradient("kl_div", lambda l, t, *, xp: t, wrt="target", conditions="target_nonzero"),
     "list of condition names"),
    (lambda: __import__("check").check_form("mse", 5), "a form's name or a spec.Form"),
    (lambda: __import__("check").check_condition("kl_div", 5), "a condition's name or a spec.Condition"),
])
def test_api_misuse_is_a_gradspec_error(call, needle):
    with pytest.raises(GradspecError, match=needle):
        call()


@pytest.mark.parametrize("grad, needle", [
    (lambda p, t, *, xp: None, "returned shape ()"),
    (lambda p, t, *, xp: __import__("numpy").full(p.shape, "g", dtype=object), "returned str 'g' as an entry"),
    (lambda p, t, *, xp: (p - t) * 1j, "complex"),
    (lambda p, t, *, xp: [[0, 0, 0], [0, 0, 0]], "differs from the spec's derivative"),
    (lambda p, t, *, xp: 2 * (p - t) / p.size * 1e300 * 1e300, "differs from the spec's derivative"),
])
def test_a_formula_returning_what_is_not_a_number_is_a_finding(grad, needle):
    r = check_gradient("mse", grad, shape=(2, 3))
    assert r.status == "refuted" and needle in r.message


# --- exit codes: every documented one ------------------------------------------------------------------

def test_every_exit_code(capsys, monkeypatch):
    import check.cli.app
    assert cli(capsys, "list")[0] == 0
    assert cli(capsys, "verify", "kl_dvi")[0] == 2
    monkeypatch.setattr(check.cli.app, "cmd_list", lambda args: (_ for _ in ()).throw(ValueError("a bug")))
    code, out, err = cli(capsys, "list")
    assert code == check.cli.app.INTERNAL_ERROR == 3 and "internal error: ValueError: a bug" in err
    monkeypatch.setattr(check.cli.app, "cmd_list", lambda args: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert cli(capsys, "list")[0] == 130
    # exit 1 (a refuted check) is tested in test_cli.py::test_verify_fails_when_a_check_is_refuted


# --- budgets -----------------------------------------------------------------------------------------------

def test_an_alarm_in_a_finalizer_prints_nothing(capfd):
    from derive.budget import BudgetExceeded, budget

    import time

    def spin(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass

    class Slow:
        def __del__(self):                     # most alarms land here, where they cannot raise
            spin(0.15)
    with pytest.raises(BudgetExceeded):
        with budget(0.05):
            for _ in range(20):
                Slow()
                spin(0.3)                        # the alarm fires again here, and raises
    assert "Exception ignored" not in capfd.readouterr().err


@pytest.mark.slow
def test_a_process_with_torch_loaded_is_never_forked():
    code = textwrap.dedent("""
        import os, torch, torch.nn.functional as F
        forks = []
        real_fork = os.fork
        os.fork = lambda: forks.append(1) or real_fork()
        from check import audit, check_gradient
        r = audit("smooth_l1", lambda p, t, reduction, beta: F.smooth_l1_loss(p, t, reduction=reduction, beta=beta),
                  backend="torch", dtype="float32")
        g = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size)
        print(len(forks), r.points > 0, g.status)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True", "proved"] and "fork" not in done.stderr.lower()


@pytest.mark.slow
def test_a_formula_that_loops_is_unresolved_never_passed(monkeypatch):
    import check.checks.verify
    import time
    monkeypatch.setattr(check.checks.verify, "POINT_SECONDS", 0.2)

    def looping(p, t, *, xp):
        while True:
            time.sleep(0.01)
    r = check_gradient("mse", looping, shape=(2, 3), prove=False)
    assert r.status == "inconclusive" and "time budget" in r.message


def test_an_implementation_that_loops_is_a_crash_finding(monkeypatch):
    import check.frameworks.backends
    import time
    from check import audit
    monkeypatch.setattr(check.frameworks.backends, "CALL_SECONDS", 0.2)
    calls = []

    def looping(p, t):
        calls.append(1)
        if len(calls) == 1:
            while True:
                time.sleep(0.01)
        return ((p - t) ** 2).mean()
    report = audit("mse", looping, dtype="float64", grad=False)
    crashes = [f for f in report.findings if f.kind == "crash"]
    assert len(crashes) == 1 and "did not return within 0.2 s" in crashes[0].detail
    assert report.points > 1                             # the other points were still judged


def test_a_disk_error_is_exit_2_naming_the_file(capsys, monkeypatch, tmp_path):
    import check.cli.app
    target = tmp_path / "r.xml"

    def full(args):
        raise OSError(28, "No space left on device", str(target))
    monkeypatch.setattr(check.cli.app, "cmd_list", full)
    code, out, err = cli(capsys, "list")
    assert code == 2 and "No space left on device" in err and str(target) in err and "hint:" in err
