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

from . import budget, dag
from .symbols import exact, shaped
from .xp_sympy import XP, symarray

SIMPLIFY_SECONDS = 2.0    # per entry, when a derivative is printed simplified
SIMPLIFY_TOTAL = 20.0     # all entries together; past it the rest are printed as differentiated
DERIVE_SECONDS = 60.0     # differentiating the forward at one shape; a hard budget
FORWARD_SECONDS = 60.0    # making the symbols and the symbolic forward at one shape; a hard budget
MAX_ENTRIES = 1024        # entries of an input at a concrete shape: symbolic work is entry by entry
MAX_RANK = 6


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
    """``shape`` (default: the entry's) as a tuple of ints, within the limits of symbolic work."""
    try:
        shape = tuple(spec.default_shape if shape is None else shape)
    except TypeError:
        shape = (shape,)
    if not shape or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape):
        raise GradspecError(lines(
            f"gradspec: invalid shape {str(shape)[:60]} for {spec.name}",
            "a shape is one or more positive integers, e.g. (2, 3) or --shape 2,3",
            "the last axis is the class/row axis for row-wise entries"))
    shape = tuple(int(s) for s in shape)
    entries = 1
    for s in shape:
        entries *= s
    if entries > MAX_ENTRIES or len(shape) > MAX_RANK:
        raise GradspecError(lines(
            f"gradspec: the shape {'×'.join(map(str, shape))[:60]} is too large for symbolic work on {spec.name} "
            f"({entries if entries < 10**12 else 'over 10^12'} entries)",
            f"the limit is {MAX_ENTRIES} entries per input and {MAX_RANK} axes: every entry gets a symbol and "
            "its own derivative",
            "for every size at once leave the shape out (checks prove every m×n) or use "
            "`gradspec derive NAME --emit latex|numpy`"))
    return shape


def _freeze(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def symbolic(spec: Spec, what: str, run, *args, seconds: float = FORWARD_SECONDS, shape=None):
    """``run(*args)`` — SymPy work on the spec's own code — under a hard budget; what the spec's code
    raises, or the budget running out, becomes a GradspecError naming the spec and ``what``."""
    where = f" at shape {'×'.join(map(str, shape))}" if shape else ""
    try:
        value, why = budget.run(seconds, run, *args)
    except GradspecError:
        raise
    except Exception as e:
        raise GradspecError(lines(
            f"gradspec: {what} of {spec.name}{where} raised {describe_error(e)}",
            "on gradspec's SymPy namespace (proofs and derivations) the forward gets arrays of symbols:",
            "use xp functions (xp.exp, not np.exp or math.exp) and only the declared inputs and parameters")) from None
    if value is None and why:
        raise GradspecError(lines(f"gradspec: {what} of {spec.name}{where} did not finish: {why}",
                                  "hint: a smaller shape, or leave the shape out: checks prove every m×n"))
    return value


def describe_error(e: BaseException) -> str:
    """An exception from a user's formula, in one line: NumPy's refusal of its own ufunc on gradspec's
    arrays says which function to replace by xp's."""
    import re
    text = str(e)
    m = re.search(r"<ufunc '(\w+)'>", text)
    if isinstance(e, TypeError) and m and "NotImplemented" in text:
        return f"TypeError: it calls numpy.{m.group(1)} on gradspec's arrays (write xp.{m.group(1)})"
    text = " ".join(text.split())
    return f"{type(e).__name__}: {text if len(text) <= 200 else text[:197] + '...'}"


def _output_shape(spec: Spec, symbols: dict, params: dict) -> tuple:
    sym_params = {k: exact(v) for k, v in params.items()}
    return np.shape(call(spec.fn, [symbols[n] for n in spec.input_names], XP, sym_params))


@functools.lru_cache(maxsize=256)
def _problem(spec: Spec, shape: tuple, frozen: tuple) -> Problem:
    params = dict(frozen)
    try:
        shapes = spec.shapes(shape)
    except GradspecError:
        raise
    except Exception as e:
        raise GradspecError(lines(f"gradspec: the input_shapes of {spec.name} raised {type(e).__name__}: {e} "
                                  f"at shape {shape}", "input_shapes(shape) returns {input name: its shape}")) from None
    symbols = {i.name: shaped(i.symbol, shapes[i.name], i.domain.assumptions) for i in spec.inputs}
    cot = None
    if spec.kind != "loss":
        out_shape = symbolic(spec, "the forward", _output_shape, spec, symbols, params, shape=shape)
        cot = shaped("v", out_shape, {"real": True})
    return Problem(spec, shape, params, symbols, cot)


def problem(name, shape=None, params=None) -> Problem:
    spec = spec_pkg.get(name)
    shape = check_shape(spec, shape)
    return _problem(spec, shape, _freeze(spec.resolve_params(params)))


def _differentiate(prob: Problem, wrt: str) -> np.ndarray:
    obj = prob.objective()
    xs = prob.symbols[wrt]
    out = np.empty(xs.shape, dtype=object)
    with dag.sympy_memoised():
        for idx in np.ndindex(xs.shape):
            out[idx] = sp.diff(obj, xs[idx])
    return out


@functools.lru_cache(maxsize=256)
def _raw_gradient(prob: Problem, wrt: str):
    return symarray(symbolic(prob.spec, f"differentiating the forward w.r.t. {wrt}", _differentiate, prob, wrt,
                             seconds=DERIVE_SECONDS, shape=prob.shape))


def _simplify_each(arr, seconds, total=SIMPLIFY_TOTAL):
    """Each entry simplified within ``seconds``, all of them within ``total``; an entry past either is
    kept as differentiated (still exact)."""
    deadline = budget.clock() + total
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        rest = deadline - budget.clock()
        value = None
        if rest > 0.05:
            value, _ = budget.run(min(seconds, rest), sp.simplify, arr[idx])
        out[idx] = arr[idx] if value is None else value
    return symarray(out)


def gradient(name, wrt=None, *, shape=None, params=None, simplified=False):
    """∂(objective)/∂wrt as a SymArray: the gradient of a loss, or the VJP of an activation."""
    prob = problem(name, shape, params)
    wrt = prob.spec.input(wrt).name
    raw = _raw_gradient(prob, wrt)
    return _simplify_each(raw, SIMPLIFY_SECONDS) if simplified else raw


vjp = gradient


def _forward_array(prob: Problem):
    return np.asarray(prob.forward(), dtype=object)


@functools.lru_cache(maxsize=256)
def _forward_cached(prob: Problem):
    return symarray(symbolic(prob.spec, "the forward", _forward_array, prob, shape=prob.shape))


def forward(name, *, shape=None, params=None):
    """The forward as a SymArray (0-d for a loss or a reducing op)."""
    return _forward_cached(problem(name, shape, params))
