"""Time budgets for symbolic steps: SymPy must never hang a CI job.

    value, why = run(2.0, sympy.simplify, expr)     # (result, None) or (None, "time budget of 2 s exceeded")

``run`` is a hard budget: the step runs in a forked child process (copy-on-write, so it sees
everything the parent has built), which is killed when the deadline passes.  Nothing a SymPy call
does — a long C-level operation, a swallowed exception — can outlast it.  The result comes back
pickled; an exception the step raises is raised again in the caller.

Inside that child, nested ``run`` calls use a soft budget instead (so do all calls in a process
that declared ``soft_only()``: a worker whose parent kills it past a hard limit of its own):
SIGALRM (``setitimer``) raising BudgetExceeded — a BaseException, so SymPy's ``except Exception`` blocks do not swallow
it — and firing again every 0.1 s until the budget is left.  ``budget(seconds)`` is that soft
budget as a context manager.  An alarm that lands in a finalizer (a weakref callback, a
``__del__``) cannot raise there; it is dropped silently (never "Exception ignored in …" on
stderr) and fires again 0.1 s later.

**Fork safety.** A process that has loaded PyTorch, JAX, TensorFlow, Keras or Dask's distributed (their threads make
``fork`` unsafe: a child may deadlock) is never forked: there ``run`` uses the soft budget in the
process itself (main thread only; elsewhere it answers that no budget can be enforced).
``FRAMEWORKS`` names the modules looked for in ``sys.modules``.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time

from spec.errors import BudgetExceeded

GRACE = 0.5          # seconds the parent waits beyond the budget before killing the child


class BudgetUnavailable(Exception):
    """No soft budget can be enforced here (not the main thread, or no SIGALRM on this platform)."""


_deadlines: list[float] = []
_in_child = False

#: Modules whose presence makes forking unsafe (they start threads); a process holding one is never forked.
#: (distributed: a Dask client's event-loop thread, `gradspec audit --scheduler`.)
FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow", "keras", "distributed")


def fork_safe() -> bool:
    """Whether this process may fork for a hard budget: no framework with threads is loaded."""
    return not any(m in sys.modules for m in FRAMEWORKS)


def _quiet_unraisable(unraisable) -> None:
    """sys.unraisablehook while a soft budget is armed: an alarm in a finalizer is not an error."""
    if isinstance(unraisable.exc_value, BudgetExceeded):
        return
    _previous_hook(unraisable)


_previous_hook = sys.unraisablehook


def _alarm_possible() -> bool:
    """Whether a soft budget can be armed here: SIGALRM exists and this is the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    raise BudgetExceeded()


def _arm(now: float) -> None:
    if _deadlines:
        signal.setitimer(signal.ITIMER_REAL, max(min(_deadlines) - now, 1e-4), 0.1)
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def budget(seconds: float):
    """Soft budget: raise BudgetExceeded in this (main) thread after ``seconds``."""
    if not _alarm_possible():
        raise BudgetUnavailable("time budgets need SIGALRM in the main thread")
    global _previous_hook
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    if not _deadlines:
        _previous_hook, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    now = time.monotonic()
    _deadlines.append(now + seconds)
    _arm(now)
    try:
        yield
    finally:
        _deadlines.pop()
        _arm(time.monotonic())
        if not _deadlines:
            signal.signal(signal.SIGALRM, previous)
            sys.unraisablehook = _previous_hook


def soft(seconds: float):
    """``budget(seconds)`` where a soft budget can be armed (the main thread), else no budget at all:
    for running a user's own code (a formula, an implementation), which cannot be forked."""
    return budget(seconds) if _alarm_possible() else contextlib.nullcontext()


def _soft_run(seconds, fn, args, kwargs):
    try:
        with budget(seconds):
            return fn(*args, **kwargs), None
    except BudgetExceeded:
        return None, f"time budget of {seconds:g} s exceeded"
    except RecursionError:
        return None, "SymPy recursion limit reached"


def _child(conn, seconds, fn, args, kwargs):
    global _in_child
    _in_child = True
    try:
        value, why = _soft_run(seconds, fn, args, kwargs)
        conn.send(("ok", value) if why is None else ("stopped", why))
    except BaseException as e:                          # noqa: BLE001 — everything goes back to the parent
        try:
            conn.send(("raise", e))
        except Exception:                               # an unpicklable exception
            conn.send(("stopped", f"the step failed: {type(e).__name__}: {e}"))
    finally:
        conn.close()
        os._exit(0)


def soft_only() -> None:
    """Make every budget in this process soft, as in a budget's child: for a dedicated worker process
    (check.checks.workers) whose parent holds the hard limit — it kills the worker when an entry
    outruns it — so no step needs a fork of its own."""
    global _in_child
    _in_child = True


def run(seconds: float, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` under a hard budget; returns (value, None) or (None, reason).  In a
    budget's child, a ``soft_only`` process, or one that must not fork (``fork_safe``), a soft budget
    instead."""
    if _in_child or not fork_safe():
        try:
            return _soft_run(seconds, fn, args, kwargs)
        except BudgetUnavailable as e:
            return None, f"{e} (this process has loaded a framework, so it is not forked)"
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, seconds, fn, args, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        if receive.poll(seconds + GRACE):
            kind, payload = receive.recv()
        else:
            kind, payload = "stopped", f"time budget of {seconds:g} s exceeded (step killed)"
    except EOFError:
        kind, payload = "stopped", "the symbolic step died"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if kind == "ok":
        return payload, None
    if kind == "raise":
        raise payload
    return None, payload
