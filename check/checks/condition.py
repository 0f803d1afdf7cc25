"""Checking that a domain condition is needed: outside it, the derivative it guards fails.

    check_condition(name, condition_name, *, shape=None, params=None)

Inside the condition the guarded derivatives are checked by ``check_derivative``.  This check
steps outside: each sampled point (the domain's and the structure's, check.checks.evaluation) is moved
just out of the condition, and at least one outside point must show it is needed — the spec's
derivative is not finite there (kl_div at a zero target, log at 0), or the guarded formula
disagrees with it (the simplex-only cross-entropy gradient on a row summing to 1/2), decided in
exact-or-ball arithmetic.  The first such point is the result's ``counterexample``.  No such
point means the condition claims more than the sampled points show: inconclusive.
"""
from __future__ import annotations

import time

import numpy as np

import derive
import spec as spec_pkg
from derive.xp_sympy import XP as SYMPY_XP
from spec.entry import Condition, accepted_params
from spec.errors import GradspecError, lines

from check.checks import evaluation
from check.checks import messages
from check.checks import points as pts
from check.numeric import real as R
from check.checks.kinds import derivative_id, operator
from spec.kinds import declared_kind
from check.checks.probe import probe
from check.checks.result import CheckResult, Counterexample
from check.checks.verdict import params_for, shape_text
from check.numeric.xp_arb import ARB


def _outside(cond, others):
    def select(points, prob):
        return pts.outside(pts.restrict(points, others, prob.params), cond, prob.params)
    return select


def _witness(run) -> tuple | None:
    """(point, index, expected, got, why) for the first outside point showing the condition is needed."""
    o = run.outcome
    if o.failures:
        f = o.failures[0]
        return f.point, f.index, f.expected, f.got, "the guarded formula disagrees with the spec's derivative"
    for p in o.not_finite + o.undefined:
        with R.precision(run.outcome.max_bits or evaluation.BITS):
            want = list(run.truth_at(p))
            got = np.asarray(run.formula(p, ARB), dtype=object)
        for k, idx in enumerate(np.ndindex(got.shape)):
            if not want[k].finite:
                return p, idx, want[k], R.real(got[idx]), "the spec's derivative is not finite"
    return None


def check_condition(name, condition, *, shape=None, params=None, bits=evaluation.BITS) -> CheckResult:
    start = time.monotonic()
    s = spec_pkg.get(name)
    evaluation.check_bits(bits)
    probe(s)
    cond = s.condition(condition) if isinstance(condition, str) else condition
    if not isinstance(cond, Condition):
        raise GradspecError(lines(f"gradspec: check_condition takes a condition's name or a spec.Condition, "
                                  f"got {str(condition)[:60]!r}",
                                  f"{s.name}'s conditions are: {', '.join(c.name for c in s.conditions) or '(none)'}"))
    prob = derive.problem(s, shape, params)
    check = f"condition[{cond.name}]"
    guarded = [d for d in s.derivatives if cond.name in d.conditions]
    witnesses, tried, lines_, top = [], 0, [], 0
    for d in guarded:
        kind = declared_kind(s, d)
        others = [s.condition(c) for c in d.conditions if c != cond.name]

        def hand(p, args, extras, xp, d=d):
            return d.fn(*args, *extras, xp=xp, **accepted_params(d.fn, params_for(p.params, xp)
                                                                 if xp is not SYMPY_XP else p.sym_params))
        run = evaluation.run(s, prob.shape, prob.params, lambda p, d=d, kind=kind: operator(p, kind, d.wrt), hand,
                             bits=bits, select=_outside(cond, others), prefer=d.wrt)
        tried += run.outcome.total
        top = max(top, run.outcome.max_bits)
        found = _witness(run)
        label = derivative_id(s, d)
        if found:
            p, i, w, g, why = found
            witnesses.append(Counterexample({k: messages.nested(v) for k, v in p.values.items()}, tuple(map(int, i)),
                                            messages.decimal(w), messages.decimal(g), run.outcome.max_bits, p.origin,
                                            {k: messages.nested(v) for k, v in p.extras.items()},
                                            shape=list(prob.shape)))
            lines_.append(f"{label}: outside at " + ", ".join(witnesses[-1].describe())
                          + f": {why} (entry {list(i)}: spec {witnesses[-1].expected}, formula {witnesses[-1].got})")
        else:
            lines_.append(f"{label}: held at every one of {run.outcome.total} outside points")
    common = dict(conditions=[cond.description], precision=top or bits, points=tried,
                  scope=f"shape {shape_text(prob.shape)}", shapes=[shape_text(prob.shape)],
                  seconds=time.monotonic() - start)
    if guarded and len(witnesses) == len(guarded):
        msg = "\n  ".join([f"gradspec: {s.name} {check}: verified needed in ball arithmetic — "
                           f"outside '{cond.description}' the derivative fails"] + lines_)
        return CheckResult(s.name, check, "verified",
                           f"counterexample outside the condition, ball arithmetic at {top} bits",
                           msg, counterexample=witnesses[0], **common)
    msg = "\n  ".join([f"gradspec: {s.name} {check}: INCONCLUSIVE — no outside point showed "
                       f"'{cond.description}' to be needed"] + (lines_ or ["no derivative carries this condition"])
                      + ["hint: drop the condition, or give it an outside() that leaves the derivative's domain"])
    return CheckResult(s.name, check, "inconclusive", f"ball arithmetic at {top or bits} bits", msg, **common)
