"""Running emitted code, and library calls under audit, in a worker process gradspec never forks.

    outputs, error = run_in_framework(source, "torch", "float32", [[x, t], [x2, t2], ...])
    results = evaluate_library("torch", "kl_div", params, "float32", [(args, cotangent), ...], grad=True)

gradspec forks children for its time budgets (derive.budget); JAX and PyTorch start threads, and
a fork after they are loaded may deadlock.  So neither is imported in gradspec's own process:
one worker (``python -m check.frameworks.worker``, started on first use and kept for the process's
life; a plain subprocess, so a caller's script needs no ``__main__`` guard) imports the framework,
compiles the emitted source (or builds the library's call) and runs it on every argument list
through ``check.frameworks.backends`` — the one module that calls framework code, here and in an
in-process audit of a user's own function.  Requests and answers are
pickled, length-prefixed, over the worker's stdin and stdout.  Arguments go in and results come
back as NumPy arrays (inputs rounded to ``dtype`` by the caller, so the conversion is exact).

A framework error or a crash of the worker is returned as a message, not raised: emitted code
that the framework rejects is a finding of the check.
"""
from __future__ import annotations

import atexit
import pickle
import struct
import subprocess
import sys
import threading

import numpy as np

from check.frameworks.execution import COMPILE_SECONDS, EAGER

_worker: subprocess.Popen | None = None

#: The emitted-code targets run in the worker (numpy code runs in gradspec's own process).
FRAMEWORK_TARGETS = ("torch", "jax")


def _framework(backend: str) -> None:
    """Load ``backend``'s framework in the worker, once, single-threaded (the audits' timings and
    results must not depend on the machine's cores)."""
    if backend == "torch":
        import torch
        torch.set_num_threads(1)


def _worker_run(source: str, target: str, dtype: str, arg_lists: list) -> tuple[list, str | None]:
    """In the worker: compile ``source`` and call it on each argument list, through the target's
    backend (check.frameworks.backends: the one place framework code is called)."""
    from check.frameworks.backends import BACKENDS
    ns: dict = {}
    try:
        if target not in FRAMEWORK_TARGETS:
            raise ValueError(f"no framework worker for {target!r}")
        _framework(target)
        exec(compile(source, "<gradspec emitted>", "exec"), ns)
        fn = next(v for k, v in ns.items() if k.startswith("grad_"))
        evaluate = BACKENDS[target].evaluate
        return [evaluate(fn, args, dtype, (0,), None, False, {})[0] for args in arg_lists], None
    except Exception as e:                              # the finding is reported by the caller
        return [], f"{type(e).__name__}: {e}"


def _message(e) -> str:
    return f"{type(e).__name__}: {e}"


def _worker_audit(library: str, key: str, params: dict, dtype: str, cases: list, grad: bool,
                  also: tuple = (), execution=EAGER, traced: bool = True) -> list:
    """In the worker: the library's call for adapter ``key`` (check.frameworks.libraries), its value and
    gradients (the first input's, then those of the input indices ``also``) at each case, run as
    ``execution`` says (check.frameworks.execution; ``traced``: with the eager comparison and the operators
    recorded); ("ok", value, grad, others, hvp, trace) or
    ("crash", message) per case — a backward's exception in ``others``, ``hvp`` or the trace's eager
    run as its message."""
    from check.frameworks.backends import evaluate_cases
    from check.frameworks.libraries import LIBRARIES
    backend = LIBRARIES[library].backend
    _framework(backend)
    try:
        impl = LIBRARIES[library].adapters[key].make(params)
    except Exception as e:                              # the library lacks the function: every case crashes
        return [("crash", _message(e))] * len(cases)
    return [("crash", _message(r)) if isinstance(r, BaseException) else
            ("ok", r[0], r[1], tuple(_message(o) if isinstance(o, BaseException) else o for o in r[2]),
             _message(r[3]) if isinstance(r[3], BaseException) else r[3],
             {k: _message(v) if isinstance(v, BaseException) else v for k, v in r[4].items()})
            for r in evaluate_cases(backend, impl, cases, dtype, grad, params, also=also, execution=execution,
                                     traced=traced)]


def _worker_device(backend: str, device: str) -> str | None:
    """In the worker: None if ``backend`` has a ``device`` here, else why not (one line)."""
    if device == "cpu":
        return None
    if backend == "torch":
        import torch
        return None if torch.cuda.is_available() else (
            f"torch {torch.__version__} sees no CUDA device (torch.cuda.is_available() is False)")
    if backend == "jax":
        import jax
        try:
            jax.devices("gpu")
            return None
        except RuntimeError as e:
            return f"JAX has no GPU backend here ({str(e).splitlines()[0][:160]})"
    return f"{backend} runs on the CPU only"


_REQUESTS = {"emitted": _worker_run, "audit": _worker_audit, "device": _worker_device}


def _send(stream, obj) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(n))


def _serve() -> None:
    """The worker's loop: one request in, one answer out, until stdin closes."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                         # a print in emitted code must not corrupt the channel
    while True:
        try:
            request = _receive(inp)
        except EOFError:
            return
        kind, *args = request
        _send(out, _REQUESTS[kind](*args))


def shutdown(kill: bool = False) -> None:
    """Stop the worker (at exit); ``kill`` ends one that is stuck."""
    global _worker
    if _worker is not None:
        if kill:
            _worker.kill()
        else:
            _worker.stdin.close()
        try:
            _worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _worker.kill()
        _worker = None


def _ask(request: tuple, timeout: float):
    """Send one request to the worker (started on first use) and return its answer; raises
    WorkerDied when the worker dies or takes longer than ``timeout`` seconds."""
    global _worker
    if _worker is None or _worker.poll() is not None:
        _worker = subprocess.Popen([sys.executable, "-m", "check.frameworks.worker"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        atexit.register(shutdown)
    timer = threading.Timer(timeout, _worker.kill)
    timer.start()
    try:
        _send(_worker.stdin, request)
        return _receive(_worker.stdout)
    except (EOFError, BrokenPipeError, pickle.UnpicklingError):
        shutdown(kill=True)
        raise WorkerDied() from None
    finally:
        timer.cancel()


class WorkerDied(Exception):
    """The worker process died (a crash of the framework) or ran out of time."""


def run_in_framework(source: str, target: str, dtype: str, arg_lists: list, timeout: float = 300.0):
    """(outputs, error): float64 arrays, one per argument list; or ([], a message) if it failed."""
    try:
        return _ask(("emitted", source, target, dtype,
                     [[np.asarray(a, dtype=dtype) for a in args] for args in arg_lists]), timeout)
    except WorkerDied:
        return [], f"the {target} worker process died (or took over {timeout:.0f} s) running the emitted code"


def device_problem(backend: str, device: str, timeout: float = 120.0) -> str | None:
    """None if ``backend`` (torch, jax) has ``device`` (cpu, cuda) in the worker, else why not."""
    try:
        return _ask(("device", backend, device), timeout)
    except WorkerDied:
        return f"the {backend} worker process died (or took over {timeout:.0f} s) looking for a {device} device"


def require_device(backend: str, execution) -> None:
    """A clear error unless ``backend`` has the execution's device (asked of the worker: gradspec's
    own process never imports the framework)."""
    if execution.device == "cpu":
        return
    problem = device_problem(backend, execution.device)
    if problem:
        from spec.errors import GradspecError, lines
        raise GradspecError(lines(f"gradspec: --device {execution.device}: {problem}",
                                  "hint: run on a machine with a CUDA GPU and a CUDA build of the framework, "
                                  "or leave --device out (cpu)"))


def evaluate_library(library: str, key: str, params: dict, dtype: str, cases: list, grad: bool,
                     timeout: float = 600.0, also: tuple = (), execution=EAGER, traced: bool = True) -> list:
    """The value and gradients of the library's call for adapter ``key`` at each (args, cotangent) case,
    computed in the worker as ``execution`` says: (value, grad, others, hvp, trace) per case
    (check.frameworks.backends; ``also``: the further input indices differentiated), or a message
    string where the call raised (or the worker died)."""
    if execution.compile:
        timeout += len(cases) * COMPILE_SECONDS / 10      # a compilation per shape the cases take
    try:
        answers = _ask(("audit", library, key, params, dtype, cases, grad, tuple(also), execution, traced),
                       timeout)
    except WorkerDied:
        return [f"the {library} worker process died (or took over {timeout:.0f} s) evaluating {key}"] * len(cases)
    return [tuple(a[1:]) if a[0] == "ok" else a[1] for a in answers]


if __name__ == "__main__":
    _serve()
