"""Fuzzing gradspec as a careless or hostile user would: malformed command lines and API calls.

    python -m check.cli.fuzz [N] [--seed S]        # `make fuzz`: N cases (default 10,000), counts printed

Each case is built from a valid, cheap command or call with one defect put in by construction
(an unknown name, a bad shape, size, number or parameter, an output path that cannot be written,
a module that exits, raises or is not a module, a flag that does not go with the others, an
argument of the wrong type, a formula returning what is not a number …), so its outcome is known:
exit code 2 with a message (the CLI) or ``GradspecError`` (the API) — or, for the valid cases
mixed in, exit 0 and a result.  A case *fails* when

* a traceback reaches the user: an exception other than ``GradspecError`` leaves the API, an
  exception or "Traceback"/"Exception ignored" text leaves the CLI, or it exits 3 (an internal
  error: gradspec's own bug);
* the exit code is not the expected one;
* it hangs: it runs past ``HANG_SECONDS`` (a valid check takes seconds; bad input is refused
  before any work).

The CLI runs in this process (``check.cli.app.main``, its output captured), so thousands of cases take
minutes; a watchdog thread interrupts a case past its time.  ``run(n, seed)`` returns the counts;
``tests/test_fuzz.py`` runs a few hundred cases, ``make fuzz`` ten thousand.
"""
from __future__ import annotations

import _thread
import contextlib
import io
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

HANG_SECONDS = 60.0

SPECS = ("mse", "kl_div", "huber", "softmax", "relu", "cross_entropy_logits", "bce")
BAD_NAMES = ("", "nope", "kl_dvi", "MSE", "../mse", "mse ", "💥", "x" * 300, "linear:3x2+", "linear:0x2",
             "linear:99x99+mse", "mlp:2x3x2:relu", "linear:3x2+softmax", "linear:3x2+nope", "mse+kl_div", ":", "+")
BAD_SHAPES = ("", " ", ",", "2,", ",3", "a,b", "0", "-1", "0,3", "2,-3", "1.5", "2.0,3", "1e3", "nan",
              "100000,100000", "99999999999999999999", "2" + ",2" * 20, "2;3", "2 3", "--1")
BAD_PARAMS = ("delta", "=1", "delta=", "delta=x", "delta=nan", "delta=inf", "delta=-1", "delta=0", "delta=1e400",
              "delta=" + "9" * 400, "nope=1", "reduction=nope", "reduction=", "delta=1,2", "delta=true",
              "delta=none", "weight=1,x", "delta==1")
BAD_TARGETS = ("", "cobol", "NUMPY", "pytorch", "numpy ", "latex2")
BAD_DTYPES = ("", ",", "float16x", "float8", "int32", "float32,,float64", "FLOAT32", "float64;float32")
BAD_LIBRARIES = ("", "pytorch", "tensorflow", "sklearn", "torch ", "numpy2")
BAD_IMPLS = ("", "x", ":", "nomodule:f", "os:", ":path", "os:nope", "math:pi", "a b:c", "os.path:join:x")
BAD_MODULES = ("nomodule_xyz", "gradspec_fuzz_exits", "gradspec_fuzz_raises", "gradspec_fuzz_nospecs", "a/b", "",
               "1abc", "os.path.", ".hidden", "gradspec_fuzz_badspec")
FLAGS = ("--bogus", "--json=1", "--shape", "--param", "-x", "--quiet=no", "---", "--module")


@dataclass
class Counts:
    cases: int = 0
    tracebacks: list = field(default_factory=list)
    wrong_exit: list = field(default_factory=list)
    hangs: list = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)

    @property
    def failures(self) -> int:
        return len(self.tracebacks) + len(self.wrong_exit) + len(self.hangs)


# --- the modules a --module case imports ----------------------------------------------------------
MODULES = {
    "gradspec_fuzz_exits": "import sys\nsys.exit(3)\n",
    "gradspec_fuzz_raises": "raise ValueError('boom at import')\n",
    "gradspec_fuzz_nospecs": "x = 1\n",
    "gradspec_fuzz_badspec": ("import numpy as np\nfrom spec import Derivative, Input, loss\nfrom spec.domains import REAL\n"
                              "loss('fuzz_bad_np', lambda p, t, *, xp: np.exp(p - t), inputs=[Input('p', REAL, 'p'), "
                              "Input('t', REAL, 't')], derivatives=[Derivative('p', lambda p, t, *, xp: p)])\n"),
}


# --- CLI cases: (argv, expected exit code) -----------------------------------------------------------
def _valid_cli(rng) -> list:
    return rng.choice([
        ["list"], ["list", "--json"], ["derive", "mse", "--shape", "1,1"], ["derive", "kl_div", "--wrt", "target",
                                                                            "--shape", "1,2"],
        ["derive", "mse", "--emit", "numpy"], ["derive", "huber", "--param", "delta=0.5", "--shape", "1,2"],
        ["derive", "relu", "--emit", "latex"], ["--help"], ["verify", "--help"], ["derive", "softmax", "--shape", "1,2"],
    ])


def _bad_cli(rng, tmp) -> list:
    afile = os.path.join(tmp, "afile")
    spec = rng.choice(SPECS)
    kind = rng.randrange(18)
    if kind == 0:
        return [rng.choice(["derive", "verify", "cards"]), rng.choice(BAD_NAMES)]
    if kind == 1:
        return ["derive", spec, "--shape", rng.choice(BAD_SHAPES)]
    if kind == 2:
        return ["derive", rng.choice(("huber", "mse", "smooth_l1")), "--param", rng.choice(BAD_PARAMS), "--shape", "1,1"]
    if kind == 3:
        return ["derive", spec, "--emit", rng.choice(BAD_TARGETS)]
    if kind == 4:
        return ["derive", spec, "--emit", "numpy", "--shape", "2,3"]
    if kind == 5:
        return ["derive", spec, "--wrt", rng.choice(("nope", "", "xp", "target2")), "--shape", "1,1"]
    if kind == 6:
        return [rng.choice(["verify", "cards", "list", "derive"])] + (["mse"] if rng.random() < 0.5 else []) + [
            "--module", rng.choice(BAD_MODULES)]
    if kind == 7:
        return ["verify", spec, "--junit", rng.choice(("", tmp, afile + "/x.xml", afile + "/a/b.xml"))]
    if kind == 8:
        return ["cards", spec, "--out", rng.choice(("", afile, afile + "/sub"))] + (["--check"] if rng.random() < .5 else [])
    if kind == 9:
        return ["audit", rng.choice(("torch", "numpy")), "--out", rng.choice(("", afile, afile + "/x"))]
    if kind == 10:
        if rng.random() < 0.3:
            return ["audit", "numpy", rng.choice(("--search", "--seed")), rng.choice(("-1", "x", "", "1e9", "2.5",
                                                                                        str(10 ** 7), str(2 ** 40)))]
        return ["audit", rng.choice(BAD_LIBRARIES)] if rng.random() < 0.5 else ["audit", "numpy", "--dtype",
                                                                              rng.choice(BAD_DTYPES)]
    if kind == 11:
        flag = rng.choice((["--spec", "mse"], ["--backend", "torch"], ["--grad", "a:b"]))
        return ["audit", rng.choice(("torch", "numpy"))] + flag
    if kind == 12:
        return ["audit", "--impl", rng.choice(BAD_IMPLS), "--spec", rng.choice(("mse", "nope"))]
    if kind == 13:
        return ["audit", "--impl", "numpy:exp", "--spec", "exp", "--out", tmp]
    if kind == 14:
        return [rng.choice(["", "verfy", "prove", "LIST", "-v"])]
    if kind == 15:
        return [rng.choice(["list", "derive", "verify", "cards", "audit"]), rng.choice(FLAGS)]
    if kind == 16:
        return [rng.choice(["verify", "cards"]), spec, "--jobs", rng.choice(("0", "-2", "257", "x", "", "1.5", "1e9"))]
    if kind == 17:
        return ["verify", spec, "--cards", rng.choice(("", afile, afile + "/sub"))]
    return rng.choice([["derive", "--loss", "mse"], ["derive", "mse", "--model", "linear:3x2"],
                       ["derive", "--model", rng.choice(BAD_NAMES)], ["derive"],
                       ["derive", "--model", "linear:3x2", "--loss", rng.choice(("nope", "softmax", ""))]])


JUNK = ("", " ", "-", "--", "--shape", "1,2", "2,3", "x", "mse", "kl_div", "--wrt", "target", "--param", "delta=2",
        "--emit", "numpy", "--json", "--quiet", "--module", "--model", "linear:2x1", "--loss", "%s", "\x00", "🙂",
        "--shape=1,1", "-1", "1e400", "None", "true", "..", "/", "--check", "--out", "--junit", "--jobs", "--no-cache",
        "--cards")
SMALL_SHAPES = ("1", "2", "1,1", "1,2", "2,2", "1,3", "2,1,2")


def _mutated_cli(rng) -> list:
    """A cheap valid command (list, derive at a small shape) with tokens dropped, repeated, swapped or
    replaced by junk: it may stay valid (exit 0) or not (exit 2), never anything else."""
    argv = list(_valid_cli(rng))
    if argv[0] not in ("list", "derive"):
        argv = ["derive", "mse", "--shape", "1,1"]
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(4)
        k = rng.randrange(len(argv) + 1)
        if op == 0 and len(argv) > 1:
            del argv[min(k, len(argv) - 1)]
        elif op == 1 and argv:
            argv.insert(k, argv[min(k, len(argv) - 1)])
        elif op == 2:
            argv.insert(k, rng.choice(JUNK))
        elif argv:
            argv[min(k, len(argv) - 1)] = rng.choice(JUNK)
    # keep it cheap: shapes stay small, whatever the mutation put after --shape
    for i, a in enumerate(argv[:-1]):
        if a == "--shape":
            argv[i + 1] = rng.choice(SMALL_SHAPES) if argv[i + 1] in SMALL_SHAPES or rng.random() < 0.5 else argv[i + 1]
    return argv


def _watchdog(seconds: float) -> tuple:
    """(done, hung) events: unless ``done`` is set within ``seconds``, ``hung`` is set and the main
    thread interrupted (a KeyboardInterrupt where it runs)."""
    done, hung = threading.Event(), threading.Event()

    def watch():
        if not done.wait(seconds):
            hung.set()
            _thread.interrupt_main()
    threading.Thread(target=watch, daemon=True).start()
    return done, hung


def run_cli(argv, seconds=HANG_SECONDS) -> tuple:
    """(exit code, stdout, stderr, raised exception or None, hung) of ``gradspec ARGV`` in this process."""
    from check.cli.app import main
    out, err = io.StringIO(), io.StringIO()
    done, hung = _watchdog(seconds)
    raised, code = None, None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except SystemExit as e:                      # --help
        code = e.code if isinstance(e.code, int) else 0
    except KeyboardInterrupt:
        code = 130
    except BaseException as e:                   # noqa: BLE001 — exactly what must never happen
        raised = e
    finally:
        done.set()
    return code, out.getvalue(), err.getvalue(), raised, hung.is_set()


# --- API cases: (callable, kwargs, "bad" | "finding" | "ok") ---------------------------------------------
def _right(p, t, *, xp):
    return 2 * (p - t) / p.size


def _api_case(rng):
    import derive
    from check import check_condition, check_form, check_gradient, check_vjp
    from check.audits.auditor import audit
    from check.testing import strategies
    kind = rng.randrange(16)
    if kind == 0:
        return check_gradient, dict(name=rng.choice([["mse"], 5, None, "", "nope", b"mse", 3.5]), grad=_right), "bad"
    if kind == 1:
        return check_gradient, dict(name="mse", grad=rng.choice([None, 5, "2*(p-t)", lambda p: p, lambda *, xp: 1])), "bad"
    if kind == 2:
        return check_gradient, dict(name="mse", grad=_right, shape=rng.choice(
            ["2,3", (0, 3), (2, -1), (10**6,), (2, 3.5), "x", (), (True, 2), (10**30, 1), 5.5])), "bad"
    if kind == 3:
        return check_gradient, dict(name="huber", grad=_right, params=rng.choice(
            ["delta=1", 5, {"delta": "x"}, {"nope": 1}, {"delta": 10**400}, {"delta": float("nan")}, {1: 2},
             {"delta": -1}, {"reduction": "nope"}, {"delta": 1e301}, [("delta", 1)]])), "bad"
    if kind == 4:
        return check_gradient, dict(name="kl_div", grad=_right, wrt="target", conditions=rng.choice(
            [5, "target_nonzero", ["nope"], [5], {"a": 1}, [None]])), "bad"
    if kind == 5:
        return check_gradient, dict(name="mse", grad=_right, bits=rng.choice(
            [50, 10**9, "x", True, 1280.5, -1, None])), "bad"
    if kind == 6:
        return check_gradient, dict(name="mse", grad=_right, wrt=rng.choice([5, "nope", "", ["predicted"]])), "bad"
    if kind == 7:
        return check_vjp, dict(name=rng.choice(["mse", "kl_div"]), vjp=_right), "bad"           # a loss, not an op
    if kind == 8:
        return rng.choice([check_form, check_condition]), dict(name="mse", **{"form": 5} if rng.random() < 0.5
                                                                   else {"condition": rng.choice(["nope", 5])}), "bad"
    if kind == 9:
        fn = rng.choice([derive.gradient, derive.forward])
        args = dict(name=rng.choice(["mse", "nope", 5]), shape=rng.choice([(0,), "2", (10**5, 10**5), (1, 1)]))
        ok = args["name"] == "mse" and args["shape"] == (1, 1)
        return fn, args, "ok" if ok else "bad"
    if kind == 10:
        return audit, dict(name="mse", impl=rng.choice([None, 5, "np.mean"]), backend=rng.choice(["numpy", "cobol"])), \
            "bad"
    if kind == 11:
        return strategies.inputs, dict(name=rng.choice(["nope", 5, "mse"]), dtype=rng.choice(["float16x", "exact", 5]),
                                       shape=rng.choice([(0, 3), "x", (2, 3)])), "lazy"
    if kind == 12:
        from check import check_hessian, check_hvp, check_jvp
        fn = rng.choice([check_jvp, check_hessian, check_hvp])
        return fn, dict(name=rng.choice(["mse", "nope", ["mse"]]), grad=rng.choice([None, 3, lambda p: p]),
                        shape=rng.choice([(0,), None, "2,3"])), "bad"
    if kind == 13:
        return audit, dict(name="mse", impl=lambda p, t: ((p - t) ** 2).mean(), dtype=rng.choice(
            ["float16x", "", 5, None, "int32"]), shape=rng.choice([(2, 3), (0, 3), "x"])), "bad"
    if kind == 14:
        fn = rng.choice([derive.jacobian, derive.hessian, derive.jvp, derive.hvp])
        return fn, dict(name=rng.choice(["softmax", "mse"]), wrt=rng.choice(["nope", 5, ""]),
                        shape=rng.choice([(1, 2), (0, 2)])), "bad"
    if kind == 15:
        from check.testing.assertions import assert_gradient
        return assert_gradient, dict(name=rng.choice(["nope", 5, ["mse"]]), grad=_right), "bad"
    raise AssertionError(kind)


FINDINGS = (                        # a formula that returns what is not a number is a finding, not a crash
    lambda p, t, *, xp: None, lambda p, t, *, xp: "grad", lambda p, t, *, xp: (p - t) * 1j,
    lambda p, t, *, xp: [[1, 2, 3], [4, 5, 6]], lambda p, t, *, xp: p > t, lambda p, t, *, xp: {"a": 1},
    lambda p, t, *, xp: 2 * (p - t) / p.size * 1e300 * 1e300, lambda p, t, *, xp: 1 / 0,
)


def run_api(fn, kwargs, expect, seconds=HANG_SECONDS) -> str | None:
    """None when the call behaved as expected, else what went wrong."""
    from spec.errors import GradspecError
    done, hung = _watchdog(seconds)
    try:
        kwargs = dict(kwargs)
        args = [kwargs.pop("name")] + [kwargs.pop(k) for k in ("grad", "vjp", "impl", "form", "condition") if k in kwargs]
        value = fn(*args, **kwargs)
        if expect == "lazy":                     # a strategy: building it must fail cleanly or draw cleanly
            from hypothesis import HealthCheck, given, settings
            settings(max_examples=2, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(given(value)(lambda x: None))()
            return None
        if expect == "bad":
            return "accepted bad input"
        if expect == "finding" and getattr(value, "status", None) != "refuted":
            return f"a wrong formula was {getattr(value, 'status', value)!r}"
        return None
    except GradspecError:
        return None if expect in ("bad", "lazy") else "GradspecError on valid input"
    except KeyboardInterrupt:
        return "hang" if hung.is_set() else "interrupted"
    except BaseException as e:                   # noqa: BLE001
        return f"traceback: {type(e).__name__}: {e}"[:200]
    finally:
        done.set()


def run(n: int = 10_000, seed: int = 0, *, api_share: float = 0.3, findings: int = 8, log=None) -> Counts:
    """``n`` cases, CLI and API, built from ``seed``; the counts of what failed."""
    from check.checks.derivative import check_gradient
    rng = random.Random(seed)
    counts = Counts()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "afile"), "w").close()
        for name, text in MODULES.items():
            with open(os.path.join(tmp, name + ".py"), "w") as f:
                f.write(text)
        os.chdir(tmp)
        try:
            for k in range(n):
                counts.cases += 1
                if k < findings:
                    what = f"api: check_gradient('mse', FINDINGS[{k % len(FINDINGS)}])"
                    problem = run_api(check_gradient, dict(name="mse", grad=FINDINGS[k % len(FINDINGS)],
                                                           shape=(2, 3)), "finding")
                    _tally(counts, "api-finding", what, problem)
                elif rng.random() < api_share:
                    fn, kwargs, expect = _api_case(rng)
                    what = f"api: {getattr(fn, '__name__', fn)}({kwargs!r:.150})"
                    _tally(counts, f"api-{expect}", what, run_api(fn, kwargs, expect))
                else:
                    draw = rng.random()
                    kind = "cli-ok" if draw < 0.05 else "cli-mutated" if draw < 0.25 else "cli-bad"
                    argv = {"cli-ok": lambda: _valid_cli(rng), "cli-mutated": lambda: _mutated_cli(rng),
                            "cli-bad": lambda: _bad_cli(rng, tmp)}[kind]()
                    expected = {"cli-ok": (0,), "cli-mutated": (0, 2), "cli-bad": (2,)}[kind]
                    code, out, err, raised, hung = run_cli(argv)
                    what = "gradspec " + " ".join(repr(a) if (not a or " " in a) else a for a in argv)
                    problem = None
                    if hung:
                        problem = "hang"
                    elif raised is not None or "Traceback (most recent" in err or "Exception ignored" in err:
                        problem = f"traceback: {type(raised).__name__ if raised else err.strip()[-200:]}"
                    elif code == 3:
                        problem = f"traceback: internal error: {err.strip()[:200]}"
                    elif code not in expected:
                        problem = f"exit {code}, expected {' or '.join(map(str, expected))}: {(err or out).strip()[:200]}"
                    elif code == 2 and not err.startswith("gradspec"):
                        problem = f"exit 2 without gradspec's message: {err.strip()[:200]!r}"
                    _tally(counts, kind, what, problem)
                if log and (k + 1) % 1000 == 0:
                    log(f"{k + 1} cases, {counts.failures} failing")
        finally:
            os.chdir(cwd)
    return counts


def _tally(counts: Counts, kind: str, what: str, problem: str | None) -> None:
    counts.by_kind[kind] = counts.by_kind.get(kind, 0) + 1
    if problem is None:
        return
    bucket = (counts.hangs if problem == "hang" else counts.tracebacks if problem.startswith("traceback")
              else counts.wrong_exit)
    bucket.append(f"{what}: {problem}")


def main(argv=None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m check.cli.fuzz", description="fuzz gradspec's CLI and API")
    p.add_argument("n", nargs="?", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    start = time.monotonic()
    counts = run(args.n, args.seed, log=lambda m: print(m, file=sys.stderr, flush=True))
    took = time.monotonic() - start
    print(f"fuzz: {counts.cases} cases (seed {args.seed}) in {took:.0f} s: "
          f"{len(counts.tracebacks)} tracebacks, {len(counts.wrong_exit)} wrong exit codes, "
          f"{len(counts.hangs)} hangs past {HANG_SECONDS:g} s")
    print("  cases by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.by_kind.items())))
    for title, items in (("tracebacks", counts.tracebacks), ("wrong exit codes", counts.wrong_exit),
                         ("hangs", counts.hangs)):
        for line in items[:20]:
            print(f"  {title}: {line}")
    return 1 if counts.failures else 0


if __name__ == "__main__":
    sys.exit(main())
