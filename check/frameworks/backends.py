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

torch and jax are imported when their backend is first used, never on import of gradspec.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np


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


def _numpy_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None):
    value = np.asarray(impl(*args, **named(impl, params)), dtype=np.float64)
    g = None
    if grad and impl_grad is not None:
        extra = [cotangent] if cotangent is not None else []
        g = np.asarray(impl_grad(*args, *extra, **named(impl_grad, params)), dtype=np.float64)
    return value, g, tuple(None for _ in wrt[1:]), None   # a hand-written gradient is the first input's only


def _float64(torch, t, shape):
    """A torch tensor as a float64 NumPy array; zeros of ``shape`` for None (autograd found no path:
    the derivative is 0)."""
    return np.zeros(tuple(shape)) if t is None else t.detach().to(torch.float64).numpy()


def _torch_hvp(torch, g, x, tangent, dt):
    """H·u from the first gradient ``g`` (made with create_graph) of ``x``: the exception on failure."""
    try:
        if g is None or not g.requires_grad:                # the gradient does not depend on x: H = 0
            return np.zeros(tuple(x.shape))
        (h,) = torch.autograd.grad((g * torch.tensor(_wide(tangent), dtype=dt)).sum(), x, allow_unused=True,
                                   retain_graph=True)           # the further gradients still need the graph
        return _float64(torch, h, x.shape)
    except Exception as e:                                  # noqa: BLE001 — no double backward: the caller says so
        return e


def _torch_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None):
    import torch
    dt = getattr(torch, dtype)
    tensors = [torch.tensor(_wide(a), dtype=dt, requires_grad=(grad and k in wrt)) for k, a in enumerate(args)]
    out = impl(*tensors, **named(impl, params))
    value = out.detach().to(torch.float64).numpy()
    if not grad:
        return value, None, tuple(None for _ in wrt[1:]), None
    target = out if cotangent is None else (out * torch.tensor(_wide(cotangent), dtype=dt)).sum()
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
            others.append(None if o is None else o.detach().to(torch.float64).numpy())
        except Exception as e:                      # noqa: BLE001 — e.g. a derivative torch does not implement
            others.append(e)
    return value, g, tuple(others), hvp


def _jax_evaluate(impl, args, dtype, wrt, cotangent, grad, params, impl_grad=None, tangent=None):
    import jax
    with jax.enable_x64(dtype == "float64"):        # else JAX silently computes float64 arrays in float32
        return _jax_evaluate_x64(jax, impl, args, dtype, wrt, cotangent, grad, params, tangent)


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


def evaluate_cases(backend: str, impl, arg_lists: list, dtype: str, grad: bool, params: dict,
                   impl_grad=None, also: tuple = ()) -> list:
    """``impl`` at each (args, cotangent[, tangent]) of ``arg_lists``: (value, grad, others, hvp) per
    case — ``others`` the gradients w.r.t. the argument indices ``also``, ``hvp`` H·tangent where a
    tangent is given (see the module) — or the exception it raised (the library's failure is a
    finding, not gradspec's)."""
    from derive.budget import BudgetExceeded, soft
    evaluate = BACKENDS[backend].evaluate
    out = []
    for args, cotangent, *tangent in arg_lists:
        try:
            with np.errstate(all="ignore"), soft(CALL_SECONDS):
                out.append(evaluate(impl, args, dtype, (0, *also), cotangent, grad, params, impl_grad,
                                    tangent[0] if tangent else None))
        except BudgetExceeded:
            out.append(TimeoutError(f"the implementation did not return within {CALL_SECONDS:g} s"))
        except Exception as e:                          # noqa: BLE001 — reported as a crash finding
            out.append(e)
    return out
