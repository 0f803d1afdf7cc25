"""Directional and second derivatives of an entry at a shape.

With F the objective (a loss L; for an activation or op f with cotangent v, ⟨v, f(x)⟩) and u a
tangent shaped like the input x:

    jvp(x; u)     = Σ_i ∂f/∂x_i · u_i     (the forward output's directional derivative; a scalar for a loss)
    jacobian(x)   = ∂f_k/∂x_i             (output shape + input shape)
    hessian(x)    = ∂²F/∂x_i∂x_j          (input shape + input shape)
    hvp(x; u)     = Σ_j ∂²F/∂x_i∂x_j · u_j

Tangent symbols are named u_{…}; every entry is exact SymPy, differentiated under a hard budget.

Second derivatives of piecewise objectives (huber, smooth_l1, mae, relu) are taken **almost
everywhere**: where the first derivative jumps (a kink: |d| = delta, d = 0) SymPy's derivative
holds a Dirac delta; it is dropped, leaving the classical second derivative off the kink set and,
on it, the derivative of the branch the kink convention selects.  ``kink_set`` names the arguments
of the dropped deltas, so a check can state the convention.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import dag
from .gradient import DERIVE_SECONDS, Problem, _raw_gradient, problem, symbolic
from .symbols import shaped
from .xp_sympy import symarray


@functools.lru_cache(maxsize=256)
def tangent(prob: Problem, wrt: str):
    """Tangent symbols u shaped like the input ``wrt``."""
    return shaped("u", prob.symbols[wrt].shape, {"real": True})


def _budgeted(what, prob, wrt, fn, *args):
    return symarray(symbolic(prob.spec, f"the {what} w.r.t. {wrt}", fn, *args, seconds=DERIVE_SECONDS,
                             shape=prob.shape))


def _jacobian(prob, wrt):
    out = np.asarray(prob.forward(), dtype=object)
    xs = prob.symbols[wrt]
    jac = np.empty(out.shape + xs.shape, dtype=object)
    with dag.sympy_memoised():
        for k in np.ndindex(out.shape):
            for i in np.ndindex(xs.shape):
                jac[k + i] = sp.diff(out[k], xs[i])
    return jac


def _almost_everywhere(e, kinks: set):
    """e with every DiracDelta(a) (and its derivatives) replaced by 0; their arguments added to ``kinks``."""
    deltas = dag.atoms(e, sp.DiracDelta)
    if not deltas:
        return e
    kinks.update(d.args[0] for d in deltas)
    return dag.xreplace(e, {d: 0 for d in deltas})


def _hessian(prob, wrt):
    grad = _raw_gradient(prob, wrt)
    xs = prob.symbols[wrt]
    hess = np.empty(xs.shape + xs.shape, dtype=object)
    kinks: set = set()
    with dag.sympy_memoised():
        for i in np.ndindex(xs.shape):
            for j in np.ndindex(xs.shape):
                hess[i + j] = _almost_everywhere(sp.diff(grad[i], xs[j]), kinks)
    return hess, tuple(sorted(kinks, key=sp.default_sort_key))


@functools.lru_cache(maxsize=256)
def _jacobian_cached(prob, wrt):
    return _budgeted("Jacobian", prob, wrt, _jacobian, prob, wrt)


@functools.lru_cache(maxsize=256)
def _hessian_and_kinks(prob, wrt):
    hess, kinks = symbolic(prob.spec, f"the Hessian w.r.t. {wrt}", _hessian, prob, wrt, seconds=DERIVE_SECONDS,
                           shape=prob.shape)
    return symarray(hess), kinks


def _hessian_cached(prob, wrt):
    return _hessian_and_kinks(prob, wrt)[0]


def _contract(arr, vec, axes: int):
    """Σ over the last ``axes`` axes of arr·vec, entries kept exact."""
    arr = np.asarray(arr, dtype=object)
    lead = arr.shape[:arr.ndim - axes]
    out = np.empty(lead, dtype=object)
    for k in np.ndindex(lead):
        out[k] = sp.Add(*(a * b for a, b in zip(np.asarray(arr[k]).flat, np.asarray(vec).flat)))
    return symarray(out)


def jacobian(name, wrt=None, *, shape=None, params=None):
    prob = problem(name, shape, params)
    return _jacobian_cached(prob, prob.spec.input(wrt).name)


def jvp(name, wrt=None, *, shape=None, params=None):
    prob = problem(name, shape, params)
    wrt = prob.spec.input(wrt).name
    return _contract(_jacobian_cached(prob, wrt), tangent(prob, wrt), prob.symbols[wrt].ndim)


def hessian(name, wrt=None, *, shape=None, params=None):
    prob = problem(name, shape, params)
    return _hessian_cached(prob, prob.spec.input(wrt).name)


def kink_set(name, wrt=None, *, shape=None, params=None) -> tuple:
    """The expressions a at whose zeros the Hessian dropped a Dirac delta (its first derivative jumps)."""
    prob = problem(name, shape, params)
    return _hessian_and_kinks(prob, prob.spec.input(wrt).name)[1]


def hvp(name, wrt=None, *, shape=None, params=None):
    prob = problem(name, shape, params)
    wrt = prob.spec.input(wrt).name
    return _contract(_hessian_cached(prob, wrt), tangent(prob, wrt), prob.symbols[wrt].ndim)
