"""Worker processes (check.checks.workers): soft budgets inside, a hard limit per entry outside — a
step no soft budget stops, or a worker that dies, never hangs the run nor passes a check."""
import os
import signal
import sys
import textwrap
import time

import pytest

import spec
from check.checks import workers as workers_mod
from check.checks.cache import Cache, entry_key
from check.checks.catalog import known_deviations, passed
from check.checks.runner import run_entries
from check.checks.workers import Workers
from spec.registry import unregister


def _stubborn(seconds):
    """Sleep with the budgets' signals blocked: what a long C call is to a soft budget."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGPROF})
    time.sleep(seconds)
    return seconds


def _die(code):
    os._exit(code)


def _fail(text):
    raise ValueError(text)


def _call(f, *args):
    return f(*args)


def _spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _soft_budget_is_on():
    from derive import budget
    value, why = budget.run(0.2, _spin, 5)          # interrupted in the worker itself (CPU time): no fork
    return value, why, budget._in_child


@pytest.mark.slow                 # waits out an 8 s limit
def test_an_entry_past_the_hard_limit_is_stopped_and_the_others_finish():
    # the limit counts from the task's start, which may include a fresh worker's imports (seconds in
    # a crowded test run): 8 s leaves them room and still stops the 60 s task early
    pool = Workers(2, seconds=8.0)
    try:
        start = time.monotonic()
        got = {name: (kind, value) for name, kind, value in
               pool.run({"slow": (_stubborn, 60), "quick": (_stubborn, 0.1), "later": (_stubborn, 0.2)}, _call)}
        assert time.monotonic() - start < 40
    finally:
        pool.close()
    assert got["slow"][0] == "stopped" and "hard limit of 8 s" in got["slow"][1]
    assert got["quick"] == ("ok", 0.1) and got["later"] == ("ok", 0.2)     # a fresh worker took over


def test_a_dying_worker_is_stopped_an_exception_comes_back_and_budgets_are_soft():
    pool = Workers(1, seconds=60.0)
    try:
        got = {name: (kind, value) for name, kind, value in
               pool.run({"dies": (_die, 3), "raises": (_fail, "bad"), "soft": (_soft_budget_is_on,)}, _call)}
    finally:
        pool.close()
    assert got["dies"][0] == "stopped" and "died" in got["dies"][1]
    assert got["raises"][0] == "raise" and isinstance(got["raises"][1], ValueError)
    assert got["soft"] == ("ok", (None, "time budget of 0.2 s exceeded", True))


HANGING = '''
    """A user's loss whose gradient, on exact arrays (not at registration, in float64), sits in a call
    no soft budget interrupts."""
    import signal
    import time
    from spec import Derivative, Input, loss
    from spec.domains import REAL

    def stuck(p, t, *, xp):
        if p.dtype != object:
            return 2 * (p - t) / p.size
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
        return 2 * (p - t) / p.size

    loss("worker_demo_stuck", lambda p, t, *, xp: (p - t) ** 2, inputs=[Input("p", REAL, "p"), Input("t", REAL, "t")],
         derivatives=[Derivative("p", stuck)])
'''


@pytest.mark.slow
def test_a_stuck_entry_is_inconclusive_not_cached_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "worker_demo_specs.py").write_text(textwrap.dedent(HANGING))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(workers_mod, "ENTRY_SECONDS", 15.0)
    store = Cache(tmp_path / "cache")
    spec.load_module("worker_demo_specs")
    try:
        outcomes = list(run_entries(["worker_demo_stuck", "mse"], cache=store, jobs=2,
                                    modules=["worker_demo_specs"]))
        assert [o.name for o in outcomes] == ["worker_demo_stuck", "mse"]
        stuck = {r.check: r for r in outcomes[0].results}["grad[p]"]
        assert stuck.status == "inconclusive" and not stuck.ok
        assert "hard limit of 15 s" in stuck.message and "--jobs 1" in stuck.message
        known = known_deviations()
        assert all(passed(r, known)[0] for r in outcomes[1].results)
        ids = [r.check for r in outcomes[0].results]
        assert store.get(entry_key(spec.get("worker_demo_stuck"), ids)) is None      # nothing stored for it
        assert store.get(entry_key(spec.get("mse"), [r.check for r in outcomes[1].results])) is not None
    finally:
        unregister("worker_demo_stuck")
        sys.modules.pop("worker_demo_specs", None)


def test_an_idle_worker_that_died_is_replaced():
    pool = Workers(1, seconds=60.0)
    try:
        assert [k for _, k, _ in pool.run({"first": (_stubborn, 0.0)}, _call)] == ["ok"]
        (idle,) = pool._idle
        idle.proc.kill()
        idle.proc.join()
        assert list(pool.run({"second": (_stubborn, 0.1)}, _call)) == [("second", "ok", 0.1)]
    finally:
        pool.close()
