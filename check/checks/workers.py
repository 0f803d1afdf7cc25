"""Worker processes for entries: spawned interpreters, one entry at a time each, every entry under a
hard wall-clock limit.

    workers = Workers(jobs=2, modules=["mypkg.losses"])
    for name, kind, value in workers.run({"mse": args, "huber": args}, fn):   # as they finish
        kind is "ok" (value = fn(*args)), "raise" (value = the exception) or "stopped" (value = why)
    workers.close()

A worker is *spawned* (a fresh interpreter: never forked from the caller, which may have loaded a
framework) that imports gradspec and the users' ``modules``.  Inside it the symbolic steps' own
budgets are soft (``derive.budget.soft_only``: a timer signal in the process instead of a fork per step —
a cold ``make verify`` forks ~2,500 times and loses each step's SymPy caches with its child, a third
of its time).  A soft budget cannot stop a step that sits in C code, so the hard limit is kept one
level up: an entry that runs past ``seconds`` has its worker killed and is reported "stopped"; a
worker that dies is reported "stopped" too; a fresh worker takes the next entry.
"""
from __future__ import annotations

import time
from multiprocessing import get_context
from multiprocessing.connection import wait

#: The hard limit on one entry's checks (and card) in a worker: far above any entry's own steps
#: (the slowest catalog entry takes ~40 s on one core), there only for a step no soft budget stops.
ENTRY_SECONDS = 600.0


def _serve(conn, modules: list) -> None:
    """A worker's life: load the users' modules, then run tasks until told to stop (None)."""
    from derive import budget
    import spec as spec_pkg
    budget.soft_only()
    for m in modules:
        spec_pkg.load_module(m)
    while True:
        try:
            task = conn.recv()
        except EOFError:                           # the caller is gone
            return
        if task is None:
            return
        fn, args = task
        try:
            reply = ("ok", fn(*args))
        except BaseException as e:                 # noqa: BLE001 — every failure goes back to the caller
            reply = ("raise", e)
        try:
            conn.send(reply)
        except Exception as e:                     # an unpicklable value or exception
            conn.send(("raise", RuntimeError(f"a worker's reply could not be sent: {type(e).__name__}: {e}")))


class _Worker:
    def __init__(self, ctx, modules):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, list(modules)), daemon=True)
        self.proc.start()
        child.close()
        self.task = None            # the name it is running
        self.deadline = None

    def kill(self):
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class Workers:
    """Up to ``jobs`` spawned workers (started as tasks need them), each entry limited to ``seconds``."""

    def __init__(self, jobs: int, modules=(), seconds: float | None = None):
        self.jobs, self.modules = jobs, list(modules)
        self.seconds = ENTRY_SECONDS if seconds is None else seconds
        self._ctx = get_context("spawn")
        self._idle: list[_Worker] = []
        self._busy: list[_Worker] = []

    def run(self, tasks: dict, fn):
        """Yield (name, kind, value) for each ``name: args`` in ``tasks`` as it finishes; tasks start
        in the order given."""
        pending = list(tasks.items())
        busy = self._busy
        while pending or busy:
            while pending and len(busy) < self.jobs:
                name, args = pending.pop(0)
                w = self._idle.pop() if self._idle else _Worker(self._ctx, self.modules)
                try:
                    w.conn.send((fn, args))
                except OSError:                    # an idle worker that died meanwhile: a fresh one
                    w.kill()
                    w = _Worker(self._ctx, self.modules)
                    w.conn.send((fn, args))
                w.task, w.deadline = name, time.monotonic() + self.seconds
                busy.append(w)
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout)
            for w in list(busy):
                outcome = self._outcome(w, ready)
                if outcome is None:
                    continue
                busy.remove(w)
                if outcome[0] == "stopped":
                    w.kill()
                else:
                    self._idle.append(w)
                yield (w.task,) + outcome

    def _outcome(self, w: _Worker, ready: list):
        if w.conn in ready:
            try:
                return w.conn.recv()
            except (EOFError, OSError):
                return "stopped", f"the worker running it died (exit code {w.proc.exitcode})"
        if w.proc.sentinel in ready:
            return "stopped", f"the worker running it died (exit code {w.proc.exitcode})"
        if time.monotonic() >= w.deadline:
            return "stopped", f"it ran past the hard limit of {self.seconds:g} s per entry (worker killed)"
        return None

    def close(self):
        """Stop the idle workers; kill those still running a task (the caller stopped reading)."""
        for w in self._busy:
            w.kill()
        self._busy = []
        for w in self._idle:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self._idle:
            w.proc.join(timeout=5)
            w.kill()
        self._idle = []
