"""Closed-form gradients (losses) and VJPs (activations, ops) of a catalog entry, at a shape.

For a loss L(x₁, …, x_k) the gradient w.r.t. input x_i is the array ∂L/∂x_i (same shape as x_i).
For an activation or op f with cotangent v (shaped like f's output) the VJP w.r.t. x_i is
∂⟨v, f(x)⟩/∂x_i — so both are the gradient of one scalar *objective*.

The expressions come from SymPy's ``diff`` of the forward built with the SymPy ``xp`` namespace;
``simplified=True`` simplifies each entry under a time budget (an entry whose budget runs out is
returned as differentiated, which is still exact).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

import spec as spec_pkg
from spec.entry import Spec, call
from spec.errors import GradspecError, lines

from . import budget
from .symbols import exact, shaped
from .xp_sympy import XP, symarray

SIMPLIFY_SECONDS = 2.0
DERIVE_SECONDS = 60.0     # differentiating the forward at one shape; a hard budget


@dataclass(frozen=True, eq=False)     # identity: one Problem per (entry, shape, params), cached
class Problem:
    """An entry at one shape with fixed parameters: its input symbols and forward."""
    spec: Spec
    shape: tuple
    params: dict            # validated, as the user gave them (floats, strings)
    symbols: dict           # input name -> SymArray
    cotangent: object       # SymArray shaped like the output (activations/ops), else None

    @property
    def sym_params(self) -> dict:
        return {k: exact(v) for k, v in self.params.items()}

    def forward(self):
        args = [self.symbols[n] for n in self.spec.input_names]
        return self.spec.forward(*args, xp=XP, **self.sym_params)

    def objective(self):
        """L for a loss; ⟨v, f(x)⟩ for an activation or op."""
        out = self.forward()
        if self.spec.kind == "loss":
            return sp.sympify(np.asarray(out, dtype=object).item())
        return sp.Add(*(np.asarray(self.cotangent * out, dtype=object).flat))


def check_shape(spec: Spec, shape) -> tuple:
    shape = tuple(spec.default_shape if shape is None else shape)
    if not shape or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in shape):
        raise GradspecError(lines(
            f"gradspec: invalid shape {shape!r} for {spec.name}",
            "a shape is one or more positive integers, e.g. (2, 3) or --shape 2,3",
            "the last axis is the class/row axis for row-wise entries"))
    return tuple(int(s) for s in shape)


def _freeze(params: dict) -> tuple:
    return tuple(sorted(params.items()))


@functools.lru_cache(maxsize=256)
def _problem(spec: Spec, shape: tuple, frozen: tuple) -> Problem:
    params = dict(frozen)
    shapes = spec.shapes(shape)
    symbols = {i.name: shaped(i.symbol, shapes[i.name], i.domain.assumptions) for i in spec.inputs}
    cot = None
    if spec.kind != "loss":
        sym_params = {k: exact(v) for k, v in params.items()}
        out = call(spec.fn, [symbols[n] for n in spec.input_names], XP, sym_params)
        cot = shaped("v", np.shape(out), {"real": True})
    return Problem(spec, shape, params, symbols, cot)


def problem(name, shape=None, params=None) -> Problem:
    spec = spec_pkg.get(name)
    shape = check_shape(spec, shape)
    return _problem(spec, shape, _freeze(spec.resolve_params(params)))


def _differentiate(prob: Problem, wrt: str) -> np.ndarray:
    obj = prob.objective()
    xs = prob.symbols[wrt]
    out = np.empty(xs.shape, dtype=object)
    for idx in np.ndindex(xs.shape):
        out[idx] = sp.diff(obj, xs[idx])
    return out


@functools.lru_cache(maxsize=256)
def _raw_gradient(prob: Problem, wrt: str):
    value, why = budget.run(DERIVE_SECONDS, _differentiate, prob, wrt)
    if value is None:
        raise GradspecError(lines(
            f"gradspec: differentiating {prob.spec.name} w.r.t. {wrt} at shape {prob.shape} did not finish: {why}",
            "hint: try a smaller shape"))
    return symarray(value)


def _simplify_each(arr, seconds):
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        value, _ = budget.run(seconds, sp.simplify, arr[idx])
        out[idx] = arr[idx] if value is None else value
    return symarray(out)


def gradient(name, wrt=None, *, shape=None, params=None, simplified=False):
    """∂(objective)/∂wrt as a SymArray: the gradient of a loss, or the VJP of an activation."""
    prob = problem(name, shape, params)
    wrt = prob.spec.input(wrt).name
    raw = _raw_gradient(prob, wrt)
    return _simplify_each(raw, SIMPLIFY_SECONDS) if simplified else raw


vjp = gradient


def forward(name, *, shape=None, params=None):
    """The forward as a SymArray (0-d for a loss or a reducing op)."""
    return symarray(np.asarray(problem(name, shape, params).forward(), dtype=object))
