"""The declarative catalog entry: one loss, activation or op, written once.

An entry holds
  * ``inputs``: ordered, each with a domain and a one-letter symbol for printing;
  * ``params``: keyword parameters with defaults and a validity check;
  * ``fn``: the forward written with the xp protocol (for a loss: its per-entry *terms*; the
    forward is ``reduce(terms, reduction)``), from which derive builds the SymPy expression;
  * ``derivatives``: hand-written gradients (losses) or VJPs (activations), one per input,
    each possibly restricted by named ``conditions``;
  * ``forms``: other ways to write the forward (stable rewrites, and the naive forms they replace);
  * ``conditions``: domain conditions, each with a predicate and a way to step outside it;
  * ``kinks``: where the forward is not smooth, with the convention taken there and points
    on and beside the kink;
  * ``analogue``: the PyTorch function and how its arguments map;
  * ``variants``: parameter settings (e.g. ``{"beta": 0}``, class weights, label smoothing) whose
    derivatives and forms the catalog checks too — each formula that takes every varied parameter.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import KW_ONLY, dataclass
from typing import Any, Callable

from .domains import Domain
from .errors import GradspecError, lines
from .reduction import REDUCTIONS, WEIGHTED_MEAN, reduce


@dataclass(frozen=True)
class Input:
    name: str
    domain: Domain
    symbol: str


#: The largest magnitude a numeric parameter may have (beyond it a float would overflow).
PARAM_LIMIT = 1e300


def number_problem(name, v) -> str | None:
    """Why ``v`` is not a usable number for parameter ``name`` (a bool, not a number, not finite, or
    beyond ±PARAM_LIMIT), else None."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return f"{name} must be a number, got {v!r}"
    try:
        finite = math.isfinite(v)
    except OverflowError:                  # an int beyond any float
        return f"{name} must be within ±1e300, got {_short(v)}"
    if not finite:
        return f"{name} must be finite, got {_short(v)}"
    if abs(v) > PARAM_LIMIT:
        return f"{name} must be within ±1e300, got {_short(v)}"
    return None


def _range_problem(name, value) -> str | None:
    """Numbers (alone or in a tuple) beyond ±PARAM_LIMIT or not finite, whatever a spec's check allows."""
    values = value if isinstance(value, tuple) else (value,)
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            problem = number_problem(name, v)
            if problem:
                return problem
    return None


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def number(name):
    """A parameter check: any finite real number (within ±PARAM_LIMIT)."""
    return lambda v: number_problem(name, v)


def positive(name):
    def check(v):
        problem = number_problem(name, v)
        if problem:
            return problem
        if v <= 0:
            return f"{name} must be > 0, got {v!r}"
        return None
    return check


def _reduction_check(allowed):
    def check(v):
        if v not in allowed:
            return f"reduction must be one of {', '.join(repr(r) for r in allowed)}, got {v!r}"
        return None
    return check


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    check: Callable[[Any], str | None]
    description: str = ""


def reduction_param(default: str, weighted: bool = False) -> Param:
    allowed = REDUCTIONS + ((WEIGHTED_MEAN,) if weighted else ())
    return Param("reduction", default, _reduction_check(allowed),
                 "mean: sum/size; sum; batchmean: sum/rows (all axes but the last)"
                 + ("; weighted_mean: sum/Σ weights (PyTorch's mean with class weights)" if weighted else ""))


@dataclass(frozen=True)
class Derivative:
    """A hand-written derivative w.r.t. ``wrt``: by default the gradient (loss) or VJP (activation);
    ``kind`` "jvp", "hessian" or "hvp" for the others (signatures in spec.kinds).

    ``expected_refutation``: why this formula is *expected* to be refuted — a documented finding
    kept visible and checked (as OpInfo keeps expected failures beside the op); the check then
    passes only while it is refuted.  Empty for a formula that must be proved or verified.

    ``shape``: check it at this one shape only (no every-size proof, no other shapes) — for a
    derivative whose exact truth outgrows the budgets beyond it (ntxent's HVP: 4 MB of SymPy at
    3×2); None: every size, then the usual shapes."""
    wrt: str
    fn: Callable
    conditions: tuple[str, ...] = ()
    label: str = ""
    kind: str = ""
    expected_refutation: str = ""
    shape: tuple | None = None


@dataclass(frozen=True)
class Form:
    """Another way to write the forward; ``stable`` marks the numerically stable rewrite."""
    name: str
    fn: Callable
    stable: bool
    description: str


@dataclass(frozen=True)
class Condition:
    """A domain condition under which a hand-written derivative holds.

    ``holds(point, params)`` decides it on exact points; ``inside(point, params)`` projects a
    sampled point into it (or None: such points are dropped); ``outside(point, params)`` returns a
    point that violates it (or None); ``subs(symbols, params, xp)`` gives the substitutions that
    impose it in a proof (e.g. the last entry of a simplex row = 1 − the others, or a clamp's
    relation ‖p‖ ≥ eps = True), built with the SymPy ``xp`` it is handed; ``identities(symbols,
    params, xp)`` states the same for every size, as (array, value) pairs built with the indexed
    ``xp`` (each row sum of t is 1; the relation ‖p‖ ≥ eps is True).
    """
    name: str
    description: str
    holds: Callable[[dict, dict], bool]
    outside: Callable[[dict, dict], dict | None]
    inside: Callable[[dict, dict], dict | None] | None = None
    subs: Callable[[dict, dict, object], dict] | None = None
    identities: Callable[[dict, dict, object], list] | None = None   # every-size proofs: [(xp array, value)]


@dataclass(frozen=True)
class Kink:
    """Where the forward is not smooth: the convention taken there and points on/beside it."""
    description: str
    convention: str
    points: Callable[[dict, dict], list[dict]]


@dataclass(frozen=True)
class Analogue:
    function: str
    args: dict
    notes: str = ""


#: How a spec's checks of gradspec's emitted code count (Spec.emitted; check.checks.catalog.emitted_mode).
EMITTED_MODES = ("check", "warn", "skip")

@dataclass(frozen=True, eq=False)     # compared and hashed by identity
class Spec:
    name: str
    kind: str                      # "loss" | "activation" | "op"
    inputs: tuple[Input, ...]
    params: tuple[Param, ...]
    fn: Callable
    _: KW_ONLY                     # the rest by name: Spec(name, kind, inputs, params, fn, derivatives=..., ...)
    derivatives: tuple[Derivative, ...] = ()
    forms: tuple[Form, ...] = ()
    conditions: tuple[Condition, ...] = ()
    kinks: tuple[Kink, ...] = ()
    analogue: Analogue | None = None
    doc: str = ""
    default_shape: tuple[int, ...] = (2, 3)
    input_shapes: Callable[[tuple], dict] | None = None   # shape -> {input: its shape}; default: all alike
    reduction_weights: Callable | None = None   # weights(*inputs, xp, **params): W of reduction "weighted_mean"
    variants: tuple = ()           # parameter settings checked besides the defaults (libraries' conventions)
    emitted: str | None = None     # gradspec's emitted-code checks: "check" (a failure fails), "warn" (reported,
                                   # never failing), "skip"; None: "check" in the catalog, "warn" for users' specs

    # ------------------------------------------------------------------------------------------
    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def input(self, name: str | None) -> Input:
        if name is None:
            return self.inputs[0]
        for i in self.inputs:
            if i.name == name:
                return i
        raise GradspecError(lines(
            f"gradspec: {self.name} has no input {name!r}",
            f"its inputs are: {', '.join(self.input_names)}",
            f"hint: pass wrt= one of those names (default: {self.inputs[0].name})"))

    def shapes(self, shape: tuple) -> dict:
        """Each input's shape when the entry is taken at ``shape``."""
        if self.input_shapes is None:
            return {i.name: tuple(shape) for i in self.inputs}
        return self.input_shapes(tuple(shape))

    def condition(self, name: str) -> Condition:
        """The condition called ``name``; an unknown name raises GradspecError listing the spec's."""
        for c in self.conditions:
            if c.name == name:
                return c
        raise GradspecError(lines(f"gradspec: {self.name} has no condition {name!r}",
                                  f"its conditions are: {', '.join(sorted(c.name for c in self.conditions)) or '(none)'}"))

    def resolve_params(self, given: dict | None) -> dict:
        """Defaults overridden by ``given``; every value checked.  Raises GradspecError."""
        if given is not None and not isinstance(given, dict):
            raise GradspecError(lines(
                f"gradspec: params for {self.name} must be a dict of parameter values, got {_short(given)}",
                'e.g. params={"delta": 0.5, "reduction": "sum"}'))
        given = dict(given or {})
        if any(not isinstance(k, str) for k in given):
            raise GradspecError(lines(f"gradspec: params for {self.name} must be keyed by parameter names (strings)",
                                      f"its parameters are: {', '.join(p.name for p in self.params) or '(none)'}"))
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise GradspecError(lines(
                f"gradspec: {self.name} has no parameter {', '.join(map(repr, unknown))}",
                f"its parameters are: {', '.join(known) or '(none)'}"))
        values = {p.name: given.get(p.name, p.default) for p in self.params}
        for name, value in values.items():
            try:
                problem = known[name].check(value) or _range_problem(name, value)
            except Exception as e:            # a spec's own check that raises: say so, not a traceback
                problem = f"{name} = {_short(value)} was not accepted (its check raised {type(e).__name__}: {e})"
            if problem:
                raise GradspecError(lines(
                    f"gradspec: invalid parameter for {self.name}: {problem}",
                    f"{name}: {known[name].description or 'see the spec'} (default {known[name].default!r})"))
        return values

    def forward(self, *inputs, xp, **params):
        """The forward value: for a loss ``reduce(terms, reduction)``, else ``fn`` itself."""
        if self.kind == "loss":
            reduction = params.pop("reduction")
            weights = (call(self.reduction_weights, inputs, xp, params) if reduction == WEIGHTED_MEAN else None)
            return reduce(call(self.fn, inputs, xp, params), reduction, xp=xp, weights=weights)
        return call(self.fn, inputs, xp, params)

    def derivatives_for(self, wrt: str) -> tuple[Derivative, ...]:
        return tuple(d for d in self.derivatives if d.wrt == wrt)


def variant_tag(params: dict) -> str:
    """`` {beta=0, weight=1,2,0.5}``: parameter settings as check ids and audit keys show them."""
    def text(v):
        return ",".join(map(str, v)) if isinstance(v, tuple) else str(v)
    return " {" + ", ".join(f"{k}={text(v)}" for k, v in params.items()) + "}"


def accepted_params(fn: Callable, params: dict) -> dict:
    """The subset of ``params`` a formula names (all of them if it takes **kwargs)."""
    sig = inspect.signature(fn)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return dict(params)
    return {k: v for k, v in params.items() if k in sig.parameters}


def call(fn: Callable, args, xp, params: dict):
    """Call a formula with positional arrays, ``xp=`` and the parameters it names."""
    return fn(*args, xp=xp, **accepted_params(fn, params))
