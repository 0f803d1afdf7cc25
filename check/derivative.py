"""Checking a hand-written derivative against the spec: ``check_gradient``, ``check_vjp``,
``check_jvp``, ``check_hessian`` and ``check_hvp`` (see ``check.operators`` for their signatures).

    check_gradient(name, grad, *, wrt=None, shape=None, params=None, conditions=None)
        grad(*inputs, xp=..., <params it names>) -> ∂L/∂wrt, shaped like the input ``wrt``
    check_vjp(name, vjp, *, wrt=None, shape=None, params=None, conditions=None)
        vjp(*inputs, cotangent, xp=..., ...) -> ∂⟨cotangent, f(x)⟩/∂wrt

Order: prove (the entrywise difference to derive's derivative reduces to 0, for the shape, under
a time budget), else verify (mpmath, ``dps`` digits, points inside the conditions), else refute
(the simplest failing point).  ``conditions`` defaults to those every catalog derivative for that
input carries (e.g. kl_div w.r.t. target: nonzero targets); pass [] to check everywhere.
"""
from __future__ import annotations

import inspect
import time

import numpy as np

import derive
from derive import budget
import spec as spec_pkg
from derive.xp_sympy import XP as SYMPY_XP
from spec.entry import accepted_params
from spec.errors import GradspecError, lines

from . import numeric, points as pts
from .every_size import prove_every_size
from .operators import KINDS, operator
from .prove import prove_all_zero
from .result import CheckResult
from .verdict import params_for, shape_text, verdict
from .verify import compare

DPS = 50
PROVE_SECONDS = 2.0


def _validate_callable(spec, fn, n_args, what, example):
    if not callable(fn):
        raise GradspecError(lines(f"gradspec: the {what} for {spec.name} is not callable: {fn!r}",
                                  f"expected a function like {example}"))
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(*([None] * n_args), xp=None, **accepted_params(fn, dict.fromkeys(p.name for p in spec.params)))
    except TypeError as e:
        raise GradspecError(lines(
            f"gradspec: the {what} for {spec.name} has the wrong signature{str(sig)!r}: {e}",
            f"expected {example}",
            "it receives the inputs positionally, xp= as a keyword, and any parameter it names"))


def _default_conditions(spec, wrt):
    ds = spec.derivatives_for(wrt)
    if not ds:
        return []
    common = set(ds[0].conditions).intersection(*(d.conditions for d in ds[1:]))
    return [c for c in ds[0].conditions if c in common]


def _resolve_conditions(spec, wrt, conditions):
    names = _default_conditions(spec, wrt) if conditions is None else list(conditions)
    return [spec.condition(n) for n in names]        # an unknown name: GradspecError listing the spec's


def check_derivative(name, fn, *, wrt=None, shape=None, params=None, conditions=None, kind="grad",
                     dps=DPS, prove=True, check_name=None) -> CheckResult:
    start = time.monotonic()
    s = spec_pkg.get(name)
    if kind not in KINDS:
        raise GradspecError(lines(f"gradspec: unknown derivative kind {kind!r}", f"kinds: {', '.join(KINDS)}"))
    if kind in ("grad", "vjp") and (kind == "grad") != (s.kind == "loss"):
        other = "check_vjp" if kind == "grad" else "check_gradient"
        raise GradspecError(lines(f"gradspec: {s.name} is {'a loss' if s.kind == 'loss' else 'an ' + s.kind}",
                                  f"use {other} for it"))
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < DPS:
        raise GradspecError(lines(f"gradspec: precision dps={dps!r} is too low",
                                  f"verification runs at ≥ {DPS} significant digits (the default)"))
    inp = s.input(wrt)
    prob = derive.problem(s, shape, params)
    op = operator(prob, kind, inp.name)
    example = (f"{kind}({', '.join(list(s.input_names) + [n for n, _ in op.extras])}, *, xp"
               + "".join(f", {p.name}" for p in s.params) + ")")
    _validate_callable(s, fn, len(s.inputs) + len(op.extras), op.noun, example)
    conds = _resolve_conditions(s, inp.name, conditions)
    check = check_name or f"{kind}[{inp.name}]"
    cond_text = [c.description for c in conds]

    def hand(args, extras, xp):
        values = prob.sym_params if xp is SYMPY_XP else params_for(prob.params, xp)
        return fn(*args, *extras, xp=xp, **accepted_params(fn, values))

    # 1. prove: for every size when no shape was asked for; else, or failing that, for the shape ----
    every_why = None
    if prove and shape is None:
        result, why = budget.run(PROVE_SECONDS, prove_every_size, s, fn, inp.name, prob.params, conds, kind,
                                 PROVE_SECONDS)
        ok, every_why = result if result is not None else (False, why)
        if ok:
            return CheckResult(s.name, check, "proved", f"symbolic, every size: {every_why}",
                               f"gradspec: {s.name} {check}: proved for all sizes (every m×n, m, n ≥ 1)"
                               + (f" where {'; '.join(cond_text)}" if cond_text else "")
                               + f"\n  on a generic entry [k, l] the difference to the spec's derivative reduces "
                               f"to 0 ({every_why})", scope="all sizes", conditions=cond_text,
                               seconds=time.monotonic() - start)
    not_every = f"\n  not proved for every size: {every_why}" if every_why else ""
    reason = "proof not attempted"
    if prove:
        how, proved = _try_prove(s, prob, conds, op, hand)
        reason = f"shape {shape_text(prob.shape)}: {how}" + (f"; every size: {every_why}" if every_why else "")
        if proved:
            return CheckResult(s.name, check, "proved", f"symbolic: {how}",
                               f"gradspec: {s.name} {check}: proved for shape {shape_text(prob.shape)}"
                               + (f" where {'; '.join(cond_text)}" if cond_text else "")
                               + f"\n  the difference to the spec's derivative reduces to 0 ({how})" + not_every,
                               scope=f"shape {shape_text(prob.shape)}", conditions=cond_text,
                               seconds=time.monotonic() - start)

    # 2. verify / 3. refute ---------------------------------------------------------------------
    sampled = pts.sample(s, prob.shape, prob.params, extras=op.extra_shapes)
    inside = pts.restrict(sampled, conds, prob.params)
    truth_fn = lambda d: numeric.compile_exprs(prob, f"{kind}:{inp.name}", op.truth, d, extras=op.extra_symbols)

    def formula(point, xp):
        args = [xp.array(point.values[n]) for n in s.input_names]
        return hand(args, [xp.array(point.extras[n]) for n, _ in op.extras], xp)

    outcome = compare(truth_fn, formula, inside, dps, op.truth.shape, what=op.noun)
    return verdict(s.name, check, outcome, len(inside), dps, op.noun, reason, cond_text, prob, start)


def _try_prove(s, prob, conds, op, hand):
    """(method, True) when proved; (reason, False) otherwise.  Runs under one hard time budget."""
    value, why = budget.run(PROVE_SECONDS, _prove, s, prob, conds, op, hand)
    return (why, False) if value is None else value


def _prove(s, prob, conds, op, hand):
    args = [prob.symbols[n] for n in s.input_names]
    try:
        got = hand(args, list(op.extra_symbols), SYMPY_XP)
    except GradspecError:
        raise
    except Exception as e:                     # numeric verification will report it properly
        return f"the formula could not be evaluated symbolically ({type(e).__name__})", False
    got = np.asarray(got, dtype=object)
    if got.shape != op.truth.shape:
        return f"shape {got.shape} differs from {op.truth.shape}", False
    subs = {}
    for c in conds:
        if c.subs is not None:
            subs.update(c.subs(prob.symbols, prob.sym_params, SYMPY_XP))
    diffs = [(g - t).xreplace(subs).subs(subs) if subs else g - t for g, t in zip(got.flat, op.truth.flat)]
    ok, how = prove_all_zero(diffs, PROVE_SECONDS)
    return how, ok


def check_gradient(name, grad, *, wrt=None, shape=None, params=None, conditions=None, dps=DPS, prove=True):
    """Check a hand-written gradient of a loss; see the module docstring."""
    return check_derivative(name, grad, wrt=wrt, shape=shape, params=params, conditions=conditions,
                            kind="grad", dps=dps, prove=prove)


def check_vjp(name, vjp, *, wrt=None, shape=None, params=None, conditions=None, dps=DPS, prove=True):
    """Check a hand-written VJP of an activation or op; see the module docstring."""
    return check_derivative(name, vjp, wrt=wrt, shape=shape, params=params, conditions=conditions,
                            kind="vjp", dps=dps, prove=prove)


def check_jvp(name, jvp, *, wrt=None, shape=None, params=None, conditions=None, dps=DPS, prove=True):
    """Check a hand-written JVP ``jvp(*inputs, tangent, xp)`` = Σ ∂f/∂x·tangent (a scalar for a loss)."""
    return check_derivative(name, jvp, wrt=wrt, shape=shape, params=params, conditions=conditions,
                            kind="jvp", dps=dps, prove=prove)


def check_hessian(name, hessian, *, wrt=None, shape=None, params=None, conditions=None, dps=DPS, prove=True):
    """Check a hand-written Hessian ``hessian(*inputs, [cotangent,] xp)``, shaped input + input."""
    return check_derivative(name, hessian, wrt=wrt, shape=shape, params=params, conditions=conditions,
                            kind="hessian", dps=dps, prove=prove)


def check_hvp(name, hvp, *, wrt=None, shape=None, params=None, conditions=None, dps=DPS, prove=True):
    """Check a hand-written HVP ``hvp(*inputs, [cotangent,] tangent, xp)`` = H·tangent."""
    return check_derivative(name, hvp, wrt=wrt, shape=shape, params=params, conditions=conditions,
                            kind="hvp", dps=dps, prove=prove)
