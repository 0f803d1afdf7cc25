"""Time budgets for symbolic steps: SymPy must never hang a CI job.

    with budget(2.0):
        sympy.simplify(expr)      # raises BudgetExceeded after 2 s of wall time

The budget is enforced with SIGALRM (``setitimer``), which interrupts pure-Python SymPy between
bytecodes; nested budgets keep the tighter deadline.  Signals only reach the main thread, so off
the main thread ``budget`` raises BudgetUnavailable at once: the caller treats the step as not
done (a proof is then "not attempted", never assumed).
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time


class BudgetExceeded(Exception):
    """A symbolic step ran out of its time budget."""


class BudgetUnavailable(Exception):
    """No budget can be enforced here (not the main thread, or no SIGALRM on this platform)."""


_deadlines: list[float] = []


def _on_alarm(signum, frame):
    raise BudgetExceeded()


def _arm(now: float) -> None:
    if _deadlines:
        signal.setitimer(signal.ITIMER_REAL, max(min(_deadlines) - now, 1e-4))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def budget(seconds: float):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        raise BudgetUnavailable("time budgets need SIGALRM in the main thread")
    previous = signal.signal(signal.SIGALRM, _on_alarm)
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


def run(seconds: float, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` under a budget; returns (value, None) or (None, reason)."""
    try:
        with budget(seconds):
            return fn(*args, **kwargs), None
    except BudgetExceeded:
        return None, f"time budget of {seconds:g} s exceeded"
    except BudgetUnavailable as e:
        return None, str(e)
    except RecursionError:
        return None, "SymPy recursion limit reached"
