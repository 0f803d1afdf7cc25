"""Checking a hand-written derivative against the spec: ``check_gradient``, ``check_vjp``,
``check_jvp``, ``check_hessian`` and ``check_hvp`` (see ``check.checks.kinds`` for their signatures).

    check_gradient(name, grad, *, wrt=None, shape=None, params=None, conditions=None)
        grad(*inputs, xp=..., <params it names>) -> ∂L/∂wrt, shaped like the input ``wrt``
    check_vjp(name, vjp, *, wrt=None, shape=None, params=None, conditions=None)
        vjp(*inputs, cotangent, xp=..., ...) -> ∂⟨cotangent, f(x)⟩/∂wrt

A verdict is reached in two steps:

1. **prove** (under a time budget): with no ``shape``, for every m×n on generic entries
   (check.proof.every_size); failing that, or with a ``shape``, at that one shape.  A proof is a *claim*.
2. **evaluate** the formula itself against the spec's derivative in exact-or-ball arithmetic
   (check.checks.verify) at every sampled point — the domain's ordinary points and extremes, both sides
   of every kink, and the points the formula's and the spec's structure give (check.checks.structure:
   branch boundaries, equality sets, singular points, threshold magnitudes) — at several shapes:
   with no ``shape`` the default one, 1×1 and a larger one, and, for an every-size claim, the
   other ranks the spec accepts (a vector, three axes).  For a claim this is its *certificate*.

"proved" needs both: a claim, and no disagreement anywhere.  A disagreement at a shape the claim
covers refutes the formula and is counted as a *prover disagreement* (a bug of the prover, made
visible); one at another shape refutes it there.  Without a claim the evaluation decides:
verified, refuted or inconclusive.  Points where neither the formula nor the derivative is finite
are outside where the derivative is defined: the result says "where defined" and names them.
``conditions`` defaults to those every catalog derivative for that input carries (e.g. kl_div
w.r.t. target: nonzero targets); pass [] to check everywhere.
"""
from __future__ import annotations

import inspect
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp

import derive
from derive import budget
import spec as spec_pkg
from spec.kinds import fits
from derive.xp_sympy import XP as SYMPY_XP
from spec.entry import accepted_params
from spec.errors import GradspecError, lines

from check.checks import evaluation
from check.proof.every_size import prove_every_size
from check.checks.kinds import operator
from spec.kinds import KINDS
from check.checks.probe import probe
from check.proof.prove import prove_all_zero
from check.checks.result import CheckResult
from check.checks.verdict import Claim, Evidence, Subject, judge, params_for, shape_text

PROVE_SECONDS = 2.0
#: A second derivative's difference is a bigger expression: its proof at a shape gets more time, so
#: that proofs SymPy finds in 0.5–1.5 s on an idle 2-core machine (bce, focal, poly1_cross_entropy,
#: softmax, cosine HVPs) are not lost on a busy one, while ntxent's HVP (past 4 s) stays unproved —
#: a card must not depend on the machine's load (measured margins ≥ 1.6× either way; focal's
#: {gamma=0.5} HVP took 6.6 s until the prover tried a rational function's numerator first: 0.5 s).
SECOND_ORDER_PROVE_SECONDS = 4.0
BITS = evaluation.BITS


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
    if conditions is not None and (isinstance(conditions, str) or not isinstance(conditions, (list, tuple))
                                   or not all(isinstance(c, str) for c in conditions)):
        raise GradspecError(lines(f"gradspec: conditions for {spec.name} must be a list of condition names, "
                                  f"got {str(conditions)[:60]!r}",
                                  f"its conditions are: {', '.join(c.name for c in spec.conditions) or '(none)'}; "
                                  "None (the default) takes those its derivatives carry, [] checks everywhere"))
    names = _default_conditions(spec, wrt) if conditions is None else list(conditions)
    return [spec.condition(n) for n in names]        # an unknown name: GradspecError listing the spec's


@dataclass(frozen=True)
class DerivativeOptions:
    """How a hand-written derivative is checked: everything but the entry and the formula.

    ``kind`` (spec.kinds), ``wrt`` (default: the first input), ``shape`` (default: every size, then
    the default shape), ``params`` (default: the spec's), ``conditions`` (None: those its catalog
    derivatives carry; []: everywhere), ``bits`` (the first rung of the precision ladder),
    ``prove`` (False: evaluation only), ``check_name`` (the id in messages; default KIND[WRT]),
    ``prove_seconds`` (the proof at a shape's budget; default PROVE_SECONDS, or
    SECOND_ORDER_PROVE_SECONDS for a Hessian or HVP)."""
    kind: str = "grad"
    wrt: str | None = None
    shape: tuple | None = None
    params: dict | None = None
    conditions: list | None = None
    bits: int = BITS
    prove: bool = True
    check_name: str | None = None
    prove_seconds: float | None = None


def check_derivative(name, fn, options: DerivativeOptions) -> CheckResult:
    """Check the hand-written derivative ``fn`` of the entry ``name`` as ``options`` say; see the module."""
    start = time.monotonic()
    s = spec_pkg.get(name)
    kind, wrt, shape, params, conditions = options.kind, options.wrt, options.shape, options.params, options.conditions
    bits, prove, check_name = options.bits, options.prove, options.check_name
    if kind not in KINDS:
        raise GradspecError(lines(f"gradspec: unknown derivative kind {kind!r}", f"kinds: {', '.join(KINDS)}"))
    if not fits(s, kind):
        other = "check_vjp" if kind == "grad" else "check_gradient"
        raise GradspecError(lines(f"gradspec: {s.name} is {'a loss' if s.kind == 'loss' else 'an ' + s.kind}",
                                  f"use {other} for it"))
    evaluation.check_bits(bits)
    probe(s)
    inp = s.input(wrt)
    prob = derive.problem(s, shape, params)
    op = operator(prob, kind, inp.name)
    example = (f"{kind}({', '.join(list(s.input_names) + [n for n, _ in op.extras])}, *, xp"
               + "".join(f", {p.name}" for p in s.params) + ")")
    _validate_callable(s, fn, len(s.inputs) + len(op.extras), op.noun, example)
    conds = _resolve_conditions(s, inp.name, conditions)
    check = check_name or f"{kind}[{inp.name}]"

    def hand(p, args, extras, xp):
        values = p.sym_params if xp is SYMPY_XP else params_for(p.params, xp)
        return fn(*args, *extras, xp=xp, **accepted_params(fn, values))

    # 1. the claim: every size, else the shape ---------------------------------------------------
    claim, reasons = None, []
    if prove and shape is None:
        result, why = budget.run(PROVE_SECONDS, prove_every_size, s, fn, inp.name, prob.params, conds, kind,
                                 PROVE_SECONDS)
        ok, how = result if result is not None else (False, why)
        if ok:
            claim = Claim.every_size(how)
        else:
            reasons.append(f"every size: {how}")
    if prove and claim is None:
        seconds = options.prove_seconds or (SECOND_ORDER_PROVE_SECONDS if kind in ("hessian", "hvp") else PROVE_SECONDS)
        how, proved = _try_prove(s, prob, conds, op, hand, seconds)
        if proved:
            claim = Claim.at_shape(prob.shape, how)
        else:
            reasons.append(f"shape {shape_text(prob.shape)}: {how}")
    if not prove:
        reasons.append("proof not attempted")

    # 2. the formula itself, evaluated rigorously: the certificate, or the verification -------------
    shapes = evaluation.shapes_for(s, prob, requested=shape, every_size=claim is not None and claim.every)
    runs = [evaluation.run(s, sh, prob.params, lambda p: operator(p, kind, inp.name), hand, bits=bits,
                           select=evaluation.inside(conds), prefer=inp.name) for sh in shapes]
    return judge(Subject(s.name, check, op.noun), Evidence(claim, runs, "; ".join(reasons), conds, start))


def _try_prove(s, prob, conds, op, hand, seconds: float = PROVE_SECONDS):
    """(method, True) when proved; (reason, False) otherwise.  Runs under one hard time budget."""
    value, why = budget.run(seconds, _prove, s, prob, conds, op, hand, seconds)
    return (why, False) if value is None else value


def _prove(s, prob, conds, op, hand, seconds: float = PROVE_SECONDS):
    args = [prob.symbols[n] for n in s.input_names]
    try:
        got = hand(prob, args, list(op.extra_symbols), SYMPY_XP)
    except GradspecError:
        raise
    except Exception as e:                     # numeric verification will report it properly
        return f"the formula could not be evaluated symbolically ({type(e).__name__})", False
    got = np.asarray(got, dtype=object)
    if got.shape != op.truth.shape:
        return f"the formula returned shape {got.shape}, expected {op.truth.shape}", False
    if not all(isinstance(g, (sp.Expr, int, float)) and not isinstance(g, bool) for g in got.flat):
        return "the formula returned entries that are not numbers", False
    subs = {}
    for c in conds:
        if c.subs is not None:
            subs.update(c.subs(prob.symbols, prob.sym_params, SYMPY_XP))
    try:
        diffs = [(g - t).xreplace(subs).subs(subs) if subs else g - t for g, t in zip(got.flat, op.truth.flat)]
    except Exception as e:                     # entries SymPy cannot subtract: the evaluation will say what
        return f"the difference could not be formed ({type(e).__name__})", False
    ok, how = prove_all_zero(diffs, seconds)
    return how, ok


def check_gradient(name, grad, *, wrt=None, shape=None, params=None, conditions=None, bits=BITS, prove=True):
    """Check a hand-written gradient of a loss; see the module docstring."""
    return check_derivative(name, grad, DerivativeOptions("grad", wrt, shape, params, conditions, bits, prove))


def check_vjp(name, vjp, *, wrt=None, shape=None, params=None, conditions=None, bits=BITS, prove=True):
    """Check a hand-written VJP of an activation or op; see the module docstring."""
    return check_derivative(name, vjp, DerivativeOptions("vjp", wrt, shape, params, conditions, bits, prove))


def check_jvp(name, jvp, *, wrt=None, shape=None, params=None, conditions=None, bits=BITS, prove=True):
    """Check a hand-written JVP ``jvp(*inputs, tangent, xp)`` = Σ ∂f/∂x·tangent (a scalar for a loss)."""
    return check_derivative(name, jvp, DerivativeOptions("jvp", wrt, shape, params, conditions, bits, prove))


def check_hessian(name, hessian, *, wrt=None, shape=None, params=None, conditions=None, bits=BITS, prove=True):
    """Check a hand-written Hessian ``hessian(*inputs, [cotangent,] xp)``, shaped input + input."""
    return check_derivative(name, hessian, DerivativeOptions("hessian", wrt, shape, params, conditions, bits, prove))


def check_hvp(name, hvp, *, wrt=None, shape=None, params=None, conditions=None, bits=BITS, prove=True):
    """Check a hand-written HVP ``hvp(*inputs, [cotangent,] tangent, xp)`` = H·tangent."""
    return check_derivative(name, hvp, DerivativeOptions("hvp", wrt, shape, params, conditions, bits, prove))
