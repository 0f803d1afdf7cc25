"""The stable rewrites applied to a gradient's closed form before it is printed, as named rules.

    expr, bindings = stable(expr)      # bindings: {_lse0: the Sum it stands for, …}, hoisted by the printer

Each ``Rewrite`` is one identity, true for every real input, that trades a form which overflows or
cancels in floating point for one that does not (as SymPy's ``sympy.codegen.rewriting`` keeps its
``ReplaceOptim`` rules).  ``REWRITES`` applies them in order; a rule may name a subexpression (the
log-sum-exp of a row) in ``bindings``, which the printer assigns before the return.  Proving the
emitted code right is not this module's job: check.checks.emitted checks it exactly and in floats.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import sympy as sp


@dataclass(frozen=True)
class Rewrite:
    """One named rewrite: ``apply(expr, bindings) -> expr`` (a rule introducing names adds them to
    ``bindings``); ``identity`` is the math it relies on, ``why`` what it avoids."""
    name: str
    identity: str
    why: str
    apply: Callable


def _hoist_logsumexp(expr, bindings):
    for k, S in enumerate(sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)):
        if isinstance(S.function, sp.exp) and len(S.limits) == 1:
            L = sp.Symbol(f"_lse{k}", real=True)
            bindings[L] = S
            expr = expr.xreplace({S: sp.exp(L)})
    return expr


def _shift_by_logsumexp(expr, bindings):
    by_body = {(S.function.args[0], S.limits[0]): L for L, S in bindings.items()}
    for S in expr.atoms(sp.Sum):
        if len(S.limits) == 1:
            for g in [e.args[0] for e in S.function.atoms(sp.exp)]:
                L = by_body.get((g, S.limits[0]))
                if L is not None:
                    shifted = sp.Sum(S.function.xreplace({sp.exp(g): sp.exp(g - L)}), S.limits[0])
                    expr = expr.xreplace({S: sp.exp(L) * shifted})
    return expr


def _combine_exp(expr, bindings):
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    return expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda e: sp.Sum(sp.powsimp(sp.expand(e.function), combine="exp"), *e.limits))


#: The largest expression (SymPy operations) the sigmoid rule tries: it cancels the whole expression
#: once per exp, which took 6 s on focal's 770-operation gradient — and was not kept; every rewrite
#: the rule keeps in the catalog is on 25 operations or fewer.
SIGMOID_MAX_OPS = 200


def _through_sigmoid(expr, bindings):
    if sp.count_ops(expr) > SIGMOID_MAX_OPS:
        return expr
    for e in sorted(expr.atoms(sp.exp), key=sp.default_sort_key):
        a = e.args[0]
        if not a.has(sp.Indexed) or a.has(sp.Sum) or any(x in bindings for x in a.free_symbols):
            continue
        base = -a if a.could_extract_minus_sign() else a
        if not expr.has(sp.exp(base)) and not expr.has(sp.exp(-base)):
            continue                                   # already rewritten with a sibling atom
        S = sp.Dummy("s", positive=True)
        candidate = sp.factor(sp.cancel(expr.xreplace({sp.exp(base): S / (1 - S), sp.exp(-base): (1 - S) / S})))
        num, den = sp.fraction(candidate)
        if S in candidate.free_symbols and S not in den.free_symbols and not candidate.has(sp.exp(base), sp.exp(-base)):
            expr = candidate.xreplace({S: sp.Function("_sigmoid")(base)})
    return expr


def _tanh(expr, bindings):
    a = sp.Wild("a")
    expr = expr.xreplace({e: sp.tanh(e.args[0]) * sp.cosh(e.args[0]) for e in expr.atoms(sp.sinh)})
    if expr.has(sp.tanh):
        expr = sp.factor_terms(expr).replace(1 - sp.tanh(a) ** 2, sp.cosh(a) ** -2)
    return expr


def _log1p(expr, bindings):
    return expr.replace(lambda e: isinstance(e, sp.log) and e.args[0].is_Add and 1 in e.args[0].args,
                        lambda e: sp.Function("_log1p")(e.args[0] - 1))


REWRITES = (
    Rewrite("logsumexp", "Σ_c exp(x[k, c]) = exp(lse_k),  lse = max + log Σ exp(x − max)",
            "exp of a large logit overflows", _hoist_logsumexp),
    Rewrite("shift by logsumexp", "Σ_c h·exp(g) = exp(lse) Σ_c h·exp(g − lse)",
            "a sum of overflowing terms beside the log-sum-exp of the same row", _shift_by_logsumexp),
    Rewrite("combine exp", "exp(a)·exp(b) = exp(a + b)",
            "a product of an overflowing and an underflowing factor (inf · 0)", _combine_exp),
    Rewrite("sigmoid", "exp(±a) = (σ/(1 − σ))^±1, σ = σ(a) computed via exp(−|a|): kept where the "
            "denominator is then free of σ, e.g. exp(a)/(1 + exp(a))² = σ(1 − σ); tried on expressions of at "
            "most SIGMOID_MAX_OPS operations",
            "exp of a large argument", _through_sigmoid),
    Rewrite("tanh", "sinh = tanh·cosh;  1 − tanh² = 1/cosh²",
            "the cancellation of 1 − tanh² near ±1", _tanh),
    Rewrite("log1p", "log(1 + a) = log1p(a)", "the cancellation of 1 + a for small a", _log1p),
)


def stable(expr):
    """``expr`` with every rule of REWRITES applied in order; returns (expr, {name: what it stands for}).
    Computed once per expression in a process (each emitted target asks for the same one)."""
    out, bindings = _stable(expr)
    return out, dict(bindings)


@functools.lru_cache(maxsize=256)
def _stable(expr):
    bindings: dict = {}
    for rule in REWRITES:
        expr = rule.apply(expr, bindings)
    return expr, tuple(bindings.items())
