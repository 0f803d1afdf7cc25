"""Time budgets for symbolic steps: SymPy must never hang a CI job.

    value, why = run(2.0, sympy.simplify, expr)     # (result, None) or (None, "time budget of 2 s exceeded")

``run`` is a hard budget: the step runs in a forked child process (copy-on-write, so it sees
everything the parent has built), which is killed when the deadline passes.  Nothing a SymPy call
does — a long C-level operation, a swallowed exception — can outlast it.  The result comes back
pickled; an exception the step raises is raised again in the caller.

Inside that child, nested ``run`` calls use a soft budget instead (so do all calls in a process
that declared ``soft_only()``: a worker whose parent kills it past a hard limit of its own):
a timer signal (``setitimer``) raising BudgetExceeded — a BaseException, so SymPy's ``except Exception`` blocks do not swallow
it — and firing again every 0.1 s until the budget is left.

**The clock.** A budget counts CPU time (``clock``: this process's, and that of its children
once they have finished; the soft budget's timer is ITIMER_PROF, SIGPROF), so that what it lets
finish — a proof, a point of a comparison — does not depend on what else the machine runs: with
wall-clock budgets a proof near its budget failed on a loaded run, and a card's "proved" became
"verified" (README, Limits).  A deadline is ``clock() + seconds`` taken in the process that checks it: a forked
child's CPU time starts at 0, so a parent's deadline would lie far in the child's future (why the
first attempt at CPU budgets was taken back).  A CPU budget also has a wall-clock net at
``WALL_FACTOR`` times the budget plus ``GRACE``, for a step that waits instead of computing; the
parent of a hard budget's child waits that long before killing it (the child stops itself at the
budget's CPU seconds).  ``budget(seconds, "wall")`` (``run(..., kind="wall")``) counts
wall-clock time (ITIMER_REAL, SIGALRM) instead: for someone else's code, which may wait rather than
compute — a user's formula evaluated at a point or traced for its structure, an audited
implementation's call.  ``budget(seconds)`` is that soft
budget as a context manager.  An alarm that lands in a finalizer (a weakref callback, a
``__del__``) cannot raise there; it is dropped silently (never "Exception ignored in …" on
stderr) and fires again 0.1 s later.  A step a soft budget stops may leave a library's global
state changed — mpmath's precision, set by SymPy (``nsimplify``, ``nroots``) and restored in a
``finally`` the alarm interrupted (30 digits instead of 15 were left behind once in the fast test
tier) —, so mpmath's and python-flint's precisions are put back as they were when the budget began.

**Fork safety.** A process that has loaded PyTorch, JAX, TensorFlow, Keras or Dask's distributed (their threads make
``fork`` unsafe: a child may deadlock) is never forked: there ``run`` uses the soft budget in the
process itself (main thread only; elsewhere it answers that no budget can be enforced).
``FRAMEWORKS`` names the modules looked for in ``sys.modules``.
"""
from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time

from spec.errors import BudgetExceeded

GRACE = 0.5          # seconds the parent waits beyond the budget before killing the child
WALL_FACTOR = 4      # the parent's wall-clock wait, in budgets: the child's CPU budget decides first


def clock() -> float:
    """The clock every symbolic budget and deadline counts, in seconds: the CPU time of this process
    (all its threads) less the time its garbage collector took, plus that of its children that have
    finished and been waited for — so a deadline spanning several hard budgets (each step a forked
    child) counts their work too.  The collector's time is left out because it depends on the
    process's history, not on the step: a full collection walks every object the process holds —
    0.5–0.76 s each late in the slow test tier's process (39 of them, 9.6 s), as long as a proof,
    landing in one at random (README, Limits).  A step that only makes garbage is still stopped by
    the wall-clock net."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() - _collector[0] + children.ru_utime + children.ru_stime


#: [CPU seconds the garbage collector has taken in this process, when the running collection began]
_collector = [0.0, None]


def _on_collection(phase, info) -> None:
    """gc.callbacks: the collector's CPU time, summed (left out of ``clock``)."""
    if phase == "start":
        _collector[1] = time.process_time()
    elif _collector[1] is not None:
        _collector[0] += time.process_time() - _collector[1]
        _collector[1] = None


gc.callbacks.append(_on_collection)


class BudgetUnavailable(Exception):
    """No soft budget can be enforced here (not the main thread, or no SIGALRM on this platform)."""


_in_child = False
#: kind -> (interval timer, its signal, its clock); a stack of deadlines per kind
_KINDS = {"cpu": ("ITIMER_PROF", "SIGPROF", clock), "wall": ("ITIMER_REAL", "SIGALRM", time.monotonic)}
#: how close to the wall-clock net a stopped step must be for its reason to name the net
_SLACK = 0.05
_deadlines: dict = {"cpu": [], "wall": []}

#: Modules whose presence makes forking unsafe (they start threads); a process holding one is never forked.
#: (distributed: a Dask client's event-loop thread, `gradspec audit --scheduler`.)
FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow", "keras", "distributed")


def _precisions() -> tuple:
    """The global working precisions (bits) of the arbitrary-precision libraries a step may use:
    mpmath's (SymPy's numerics) and python-flint's (the ball arithmetic, check.numeric.real)."""
    import flint
    import mpmath
    return mpmath.mp.prec, flint.ctx.prec


def _restore_precisions(saved: tuple) -> None:
    import flint
    import mpmath
    if mpmath.mp.prec != saved[0]:
        mpmath.mp.prec = saved[0]
    if flint.ctx.prec != saved[1]:
        flint.ctx.prec = saved[1]


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
    """Whether a soft budget can be armed here: interval timers exist and this is the main thread."""
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGPROF")
            and threading.current_thread() is threading.main_thread())


def _on_alarm(signum, frame):
    """Raise only when an armed deadline has passed on its clock: a signal delivered after its
    budget was left (a race with the context's exit) is dropped, and so — to fire again 0.1 s
    later — is one a timer's own accounting sends a little early (measured: 3–8 ms late, never
    early), so that a step's share that raised has always been spent (``clock() >= stop``)."""
    for kind, (_, _, now_of) in _KINDS.items():
        if _deadlines[kind] and min(_deadlines[kind]) <= now_of():
            raise BudgetExceeded()


def _arm(kind: str) -> None:
    timer, _, now_of = _KINDS[kind]
    if _deadlines[kind]:
        signal.setitimer(getattr(signal, timer), max(min(_deadlines[kind]) - now_of(), 1e-4), 0.1)
    else:
        signal.setitimer(getattr(signal, timer), 0)


@contextlib.contextmanager
def budget(seconds: float, kind: str = "cpu"):
    """Soft budget: raise BudgetExceeded in this (main) thread after ``seconds`` of this process's
    CPU time (``kind`` "cpu") — or, for a step that waits instead of computing (a user's formula
    that sleeps), after ``WALL_FACTOR`` times as much wall-clock time plus ``GRACE`` — or after
    ``seconds`` of wall-clock time ("wall").  When it stops the step, the libraries' global
    precisions are put back as they were on entry (``_precisions``)."""
    saved = _precisions()
    try:
        if kind == "cpu":
            with _armed(WALL_FACTOR * seconds + GRACE, "wall"), _armed(seconds, "cpu"):
                yield
        else:
            with _armed(seconds, kind):
                yield
    except BudgetExceeded:
        _restore_precisions(saved)     # (an enclosing budget's alarm landing here: that one restores)
        raise


@contextlib.contextmanager
def _armed(seconds: float, kind: str):
    """One deadline of ``kind`` pushed on its stack, its timer armed for the nearest."""
    if not _alarm_possible():
        raise BudgetUnavailable("time budgets need interval timers (SIGPROF, SIGALRM) in the main thread")
    global _previous_hook
    _, signame, now_of = _KINDS[kind]
    signum = getattr(signal, signame)
    previous = signal.signal(signum, _on_alarm)
    if not any(_deadlines.values()):
        _previous_hook, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    deadline = now_of() + seconds
    try:
        _deadlines[kind].append(deadline)
        _arm(kind)
        yield
    finally:
        # an alarm for an outer deadline may land in this cleanup; it is done again (each step
        # is idempotent) and the alarm, which repeats, reaches the outer budget after it
        while True:
            try:
                _disarm(kind, deadline, signum, previous)
                break
            except BudgetExceeded:
                continue


def _disarm(kind: str, deadline: float, signum, previous) -> None:
    if deadline in _deadlines[kind]:               # (equal deadlines are interchangeable)
        _deadlines[kind].remove(deadline)
    _arm(kind)
    if not _deadlines[kind]:
        signal.signal(signum, previous)
    if not any(_deadlines.values()):
        sys.unraisablehook = _previous_hook


def soft(seconds: float, kind: str = "cpu"):
    """``budget(seconds, kind)`` where a soft budget can be armed (the main thread), else no budget
    at all: for a step that cannot be forked — a user's own code (a formula, an implementation:
    ``kind`` "wall"), a share of a proof's budget."""
    return budget(seconds, kind) if _alarm_possible() else contextlib.nullcontext()


def _soft_run(seconds, fn, args, kwargs, kind="cpu"):
    started = time.monotonic()
    try:
        with budget(seconds, kind):
            return fn(*args, **kwargs), None
    except BudgetExceeded:
        # the net, only when its wall-clock time has passed: an alarm may also be an enclosing
        # budget's, whose deadline came first
        if kind == "cpu" and time.monotonic() - started >= WALL_FACTOR * seconds + GRACE - _SLACK:
            return None, _waited(seconds)
        return None, f"time budget of {seconds:g} s exceeded"
    except RecursionError:
        return None, "SymPy recursion limit reached"


def _waited(seconds: float) -> str:
    return (f"not finished within {WALL_FACTOR * seconds + GRACE:g} s of wall-clock time, short of its "
            f"budget of {seconds:g} s of CPU time (the step waited, sat in C code, or the machine is overloaded)")


def _child(conn, seconds, fn, args, kwargs, kind):
    global _in_child
    _in_child = True
    # the parent's objects out of this child's garbage collector: a full collection here would write
    # to every object's header, copying the parent's whole heap page by page (copy-on-write) — time
    # and memory for nothing, more the bigger the caller (a heap of 3 million small dicts: 0.2–0.3 s)
    gc.freeze()
    _collector[:] = [0.0, None]             # this child's clock: its own CPU time, less its own collections
    # the parent's armed deadlines stay on the stacks: a wall-clock one holds here too, and a CPU
    # one, on the parent's clock, lies beyond this child's (which starts at 0) — never too early
    try:
        value, why = _soft_run(seconds, fn, args, kwargs, kind)
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


def run(seconds: float, fn, *args, kind: str = "cpu", **kwargs):
    """``fn(*args, **kwargs)`` under a hard budget; returns (value, None) or (None, reason).  In a
    budget's child, a ``soft_only`` process, or one that must not fork (``fork_safe``), a soft budget
    instead.  ``kind`` as for ``budget``: "wall" for a safety net around a step that runs a user's
    code (a formula that sleeps would otherwise be waited for 4× as long)."""
    if _in_child or not fork_safe():
        try:
            return _soft_run(seconds, fn, args, kwargs, kind)
        except BudgetUnavailable as e:
            return None, f"{e} (this process has loaded a framework, so it is not forked)"
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, seconds, fn, args, kwargs, kind), daemon=True)
    proc.start()
    send.close()
    try:
        if receive.poll((WALL_FACTOR * seconds if kind == "cpu" else seconds) + GRACE):
            outcome, payload = receive.recv()
        elif kind == "cpu":
            outcome, payload = "stopped", _waited(seconds) + " (step killed)"
        else:
            outcome, payload = "stopped", f"time budget of {seconds:g} s exceeded (step killed)"
    except EOFError:
        outcome, payload = "stopped", "the symbolic step died"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if outcome == "ok":
        return payload, None
    if outcome == "raise":
        raise payload
    return None, payload
