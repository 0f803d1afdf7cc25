"""How an audited implementation is called: arrays in the backend's type, its value and its gradients out.

    value, grad, others, hvp = BACKENDS["torch"].evaluate(impl, args, dtype, wrt=(0, 1), cotangent=None,
                                                          grad=True, params, tangent=u)

``args`` are NumPy arrays already rounded to ``dtype``.  The gradient is taken w.r.t. argument
``wrt[0]`` (the first input) by the backend's own autograd (torch.autograd, jax.vjp — float64 under
``jax.enable_x64``, local to the call); for plain NumPy it comes from
the caller's ``impl_grad(*args, **params)``, if any.  ``others`` holds the gradients w.r.t. the
arguments ``wrt[1:]`` (a target, a variance), one each: an array; None where the call does not
differentiate that argument (torch's autograd finds no path to it); or the exception its backward
raised — a finding about that gradient alone, the value and the first gradient still judged.
With a ``tangent`` u (autograd backends), ``hvp`` is the second derivative w.r.t. the first input
applied to u — H·u, H the Hessian of the loss (of ⟨cotangent, f⟩ for an activation) — by the
library's double backward (torch: the gradient of ⟨∂L/∂x, u⟩ with ``create_graph``; JAX: the JVP
of the gradient); None without a tangent, the exception where the double backward raised.
Each is called with the spec parameters it
names (``named``), as hand-written formulas are.  For an activation (``cotangent`` given) the
gradient is that of ⟨cotangent, impl(...)⟩, i.e. the VJP.  All come back as float64 NumPy
arrays.  An exception of the implementation's forward (or first gradient) propagates; the audit
turns it into a finding.

The ``execution`` (check.frameworks.execution) says how the call runs: compiled (``prepare`` wraps
it once in torch.compile or jax.jit, the spec parameters bound first, so that JAX sees arrays
only), its forward under torch.autocast (the backward outside, as autocast's users run it), on
the CPU or a CUDA device (results come back to the CPU).  ``ops`` (a dict) collects, for torch,
each operator the forward ran with the dtypes of its outputs: under autocast, which ran in
bfloat16 or float16.

torch and jax are imported when their backend is first used, never on import of gradspec.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

from check.frameworks.execution import COMPILE_SECONDS, EAGER


def named(fn, params: dict) -> dict:
    """The parameters ``fn`` names (all with **kwargs; none when its signature cannot be read, as for
    a NumPy ufunc): an implementation is called with the spec parameters it takes, as formulas are."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return dict(params)
    return {k: v for k, v in params.items() if k in sig.parameters}


def _wide(a) -> np.ndarray:
    """An array of a format's numbers as float64 (exact): what every framework converts from (a
    bfloat16 array of ml_dtypes is not one torch takes)."""
    return np.asarray(a, dtype=np.float64)


def _numpy_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None,
                    execution=EAGER, ops=None):
    value = np.asarray(impl(*args, **named(impl, params)), dtype=np.float64)
    g = None
    if grad and impl_grad is not None:
        extra = [cotangent] if cotangent is not None else []
        g = np.asarray(impl_grad(*args, *extra, **named(impl_grad, params)), dtype=np.float64)
    return value, g, tuple(None for _ in wrt[1:]), None   # a hand-written gradient is the first input's only


def _float64(torch, t, shape):
    """A torch tensor as a float64 NumPy array; zeros of ``shape`` for None (autograd found no path:
    the derivative is 0)."""
    return np.zeros(tuple(shape)) if t is None else t.detach().to("cpu", torch.float64).numpy()


def _torch_hvp(torch, g, x, tangent, dt):
    """H·u from the first gradient ``g`` (made with create_graph) of ``x``: the exception on failure."""
    try:
        if g is None or not g.requires_grad:                # the gradient does not depend on x: H = 0
            return np.zeros(tuple(x.shape))
        (h,) = torch.autograd.grad((g * torch.tensor(_wide(tangent), dtype=dt, device=x.device)).sum(), x,
                                   allow_unused=True,
                                   retain_graph=True)           # the further gradients still need the graph
        return _float64(torch, h, x.shape)
    except Exception as e:                                  # noqa: BLE001 — no double backward: the caller says so
        return e


#: Operators that move or relabel data without computing: not listed among those a forward ran.
_NOT_COMPUTING = frozenset({"detach", "view", "_unsafe_view", "alias", "expand", "t", "transpose", "unsqueeze",
                            "squeeze", "permute", "as_strided", "slice", "select", "clone", "lift_fresh"})
_recorder_class = None


def _op_recorder(torch, ops: dict):
    """A TorchDispatchMode adding, for each computing operator run under it, the dtypes of its tensor
    outputs to ``ops`` (operator name -> set of dtype names): below autocast, so it sees the casts."""
    global _recorder_class
    if _recorder_class is None:
        from torch.utils._python_dispatch import TorchDispatchMode

        class Recorder(TorchDispatchMode):
            def __init__(self, into):
                super().__init__()
                self.into = into

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                name = func.overloadpacket.__name__
                if name not in _NOT_COMPUTING:
                    outs = out if isinstance(out, (tuple, list)) else (out,)
                    self.into.setdefault(name, set()).update(
                        str(o.dtype).replace("torch.", "") for o in outs if isinstance(o, torch.Tensor))
                return out
        _recorder_class = Recorder
    return _recorder_class(ops)


def _torch_forward(torch, execution, ops):
    """The context of a forward: torch.autocast on the execution's device (its lower precision),
    and the operator recorder when ``ops`` is a dict."""
    stack = contextlib.ExitStack()
    if execution.autocast:
        stack.enter_context(torch.autocast(device_type=execution.device, dtype=getattr(torch, execution.autocast_dtype)))
    if ops is not None:
        stack.enter_context(_op_recorder(torch, ops))
    return stack


def _torch_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None,
                    execution=EAGER, ops=None):
    import torch
    dt, dev = getattr(torch, dtype), torch.device(execution.device)
    tensors = [torch.tensor(_wide(a), dtype=dt, device=dev, requires_grad=(grad and k in wrt))
               for k, a in enumerate(args)]
    with _torch_forward(torch, execution, ops):
        out = impl(*tensors, **named(impl, params))
    value = out.detach().to("cpu", torch.float64).numpy()
    if not grad:
        return value, None, tuple(None for _ in wrt[1:]), None
    target = out if cotangent is None else (out * torch.tensor(_wide(cotangent), dtype=dt, device=dev)).sum()
    rest = wrt[1:]
    second, hvp = tangent is not None, None
    try:
        (g0,) = torch.autograd.grad(target, tensors[wrt[0]], allow_unused=True, retain_graph=bool(rest) or second,
                                    create_graph=second)
    except Exception as e:                          # noqa: BLE001 — a backward that refuses create_graph
        if not second:
            raise
        (g0,), second, hvp = torch.autograd.grad(target, tensors[wrt[0]], allow_unused=True, retain_graph=True), False, e
    if second:
        hvp = _torch_hvp(torch, g0, tensors[wrt[0]], tangent, dt)
    g = _float64(torch, g0, args[wrt[0]].shape)
    others = []
    for n, k in enumerate(rest):                   # each alone: one backward's failure is its own finding
        try:
            (o,) = torch.autograd.grad(target, tensors[k], allow_unused=True, retain_graph=n < len(rest) - 1)
            others.append(None if o is None else o.detach().to("cpu", torch.float64).numpy())
        except Exception as e:                      # noqa: BLE001 — e.g. a derivative torch does not implement
            others.append(e)
    return value, g, tuple(others), hvp


def _jax_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None,
                  execution=EAGER, ops=None):
    import jax
    device = contextlib.nullcontext() if execution.device == "cpu" else jax.default_device(_jax_device(jax, execution))
    with jax.enable_x64(dtype == "float64"), device:   # else JAX silently computes float64 arrays in float32
        return _jax_evaluate_x64(jax, impl, args, dtype, wrt, cotangent, grad, params, tangent)


def _jax_device(jax, execution):
    """The first device of the execution's kind (JAX names CUDA devices "gpu")."""
    return jax.devices("gpu" if execution.device == "cuda" else execution.device)[0]


def _jax_hvp(jax, f, x, cot, tangent):
    """H·u: the JVP (forward over reverse) of x -> the VJP of ``f`` at x; the exception on failure."""
    import jax.numpy as jnp
    try:
        def first(y):
            return jax.vjp(f, y)[1](cot)[0]
        _, h = jax.jvp(first, (x,), (jnp.asarray(_wide(tangent), dtype=x.dtype),))
        return np.asarray(h, dtype=np.float64)
    except Exception as e:                                  # noqa: BLE001 — no second derivative: the caller says so
        return e


def _jax_evaluate_x64(jax, impl, args, dtype, wrt, cotangent, grad, params, tangent=None):
    import jax.numpy as jnp
    arrays = [jnp.asarray(_wide(a), dtype=getattr(jnp, dtype)) for a in args]
    if dtype == "float64" and any(a.dtype != jnp.float64 for a in arrays):
        raise RuntimeError("JAX did not keep float64 arrays (x64 disabled)")

    def f(*xs):
        full = list(arrays)
        for k, x in zip(wrt, xs):
            full[k] = x
        return impl(*full, **named(impl, params))
    if not grad:
        return np.asarray(f(arrays[wrt[0]]), dtype=np.float64), None, tuple(None for _ in wrt[1:]), None
    try:
        out, pullback = jax.vjp(f, *[arrays[k] for k in wrt])
        rest_failed = None
    except Exception as e:                          # noqa: BLE001 — retried for the first input alone below
        out, pullback = jax.vjp(f, arrays[wrt[0]])
        rest_failed = e
    cot = jnp.ones_like(out) if cotangent is None else jnp.asarray(np.asarray(cotangent), dtype=out.dtype)
    grads = pullback(cot)
    others = (tuple(rest_failed for _ in wrt[1:]) if rest_failed is not None
              else tuple(np.asarray(o, dtype=np.float64) for o in grads[1:]))
    hvp = _jax_hvp(jax, f, arrays[wrt[0]], cot, tangent) if tangent is not None else None
    return np.asarray(out, dtype=np.float64), np.asarray(grads[0], dtype=np.float64), others, hvp


@dataclass(frozen=True)
class Backend:
    name: str
    module: str                 # what must be importable
    evaluate: Callable
    autograd: bool              # whether the gradient comes from the backend itself


BACKENDS = {
    "numpy": Backend("numpy", "numpy", _numpy_evaluate, False),
    "torch": Backend("torch", "torch", _torch_evaluate, True),
    "jax": Backend("jax", "jax", _jax_evaluate, True),
}


#: Seconds one call of an audited implementation (value and gradient) may take; past it, a crash finding.
CALL_SECONDS = 30.0


def prepare(backend: str, impl, params: dict, execution) -> tuple:
    """(callable, params) to evaluate: ``impl`` itself, or — compiled — ``impl`` with the spec
    parameters it names bound, wrapped once in torch.compile (static shapes, dynamo's caches reset
    first so that no earlier call's recompilations count against its limit, and a limit hit an
    error, never a silent eager run) or jax.jit."""
    if not execution.compile:
        return impl, params
    bound = functools.partial(impl, **named(impl, params))

    def compiled_call(*xs):
        return bound(*xs)
    if backend == "torch":
        import torch
        import torch._dynamo
        import torch._inductor.config
        torch._dynamo.reset()
        torch._dynamo.config.fail_on_recompile_limit_hit = True
        torch._inductor.config.compile_threads = 1       # no pool of compiler processes on a 2-core machine
        return torch.compile(compiled_call, dynamic=False), {}
    import jax
    return jax.jit(compiled_call), {}


def _outcome(evaluate, fn, args, dtype, wrt, cotangent, grad, params, impl_grad, tangent, execution, ops,
             seconds):
    """One evaluation within ``seconds``: its (value, grad, others, hvp), or the exception it raised."""
    from derive.budget import BudgetExceeded, soft
    try:
        with np.errstate(all="ignore"), soft(seconds, "wall"):     # third-party code may wait, not compute
            return evaluate(fn, args, dtype, wrt, cotangent, grad, params, impl_grad, tangent, execution, ops)
    except BudgetExceeded:
        return TimeoutError(f"the implementation did not return within {seconds:g} s")
    except Exception as e:                          # noqa: BLE001 — reported as a crash finding
        return e


def evaluate_cases(backend: str, impl, arg_lists: list, dtype: str, grad: bool, params: dict,
                   impl_grad=None, also: tuple = (), execution=EAGER, traced: bool = True) -> list:
    """``impl`` at each (args, cotangent[, tangent]) of ``arg_lists``, run as ``execution`` says:
    (value, grad, others, hvp, trace) per case — ``others`` the gradients w.r.t. the argument indices
    ``also``, ``hvp`` H·tangent where a tangent is given (see the module), ``trace`` a dict: under
    autocast "ops" (operator -> sorted dtypes its outputs had, recorded in an eager run), compiled
    "eager" (the eager run's (value, grad), or its exception); empty when not ``traced`` — or the
    exception it raised (the library's failure is a finding, not gradspec's)."""
    evaluate = BACKENDS[backend].evaluate
    try:
        run, run_params = prepare(backend, impl, params, execution)
    except Exception as e:                              # noqa: BLE001 — the compiler refused it: every case
        return [e] * len(arg_lists)
    out, wrt, eager = [], (0, *also), execution.uncompiled()
    seconds = CALL_SECONDS + (COMPILE_SECONDS if execution.compile else 0.0)
    for args, cotangent, *tangent in arg_lists:
        u = tangent[0] if tangent else None
        ops = {} if execution.autocast and traced else None
        r = _outcome(evaluate, run, args, dtype, wrt, cotangent, grad, run_params, impl_grad, u, execution,
                     None if execution.compile else ops, seconds)
        if isinstance(r, BaseException):
            out.append(r)
            continue
        trace: dict = {}
        if execution.compile and traced:
            e = _outcome(evaluate, impl, args, dtype, (0,), cotangent, grad, params, impl_grad, None, eager, ops,
                         CALL_SECONDS)
            trace["eager"] = e if isinstance(e, BaseException) else (e[0], e[1])
        if ops is not None:
            trace["ops"] = {name: sorted(dts) for name, dts in sorted(ops.items())}
        out.append((*r, trace))
    return out
