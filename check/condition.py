"""Checking that a domain condition is needed: outside it, the derivative it guards fails.

    check_condition(name, condition_name, *, shape=None, params=None)

Inside the condition the guarded derivatives are checked by ``check_derivative``.  This check
steps outside: each sampled point is moved just out of the condition, and at least one outside
point must show it is needed — the spec's derivative is not finite there (kl_div at a zero
target, log at 0), or the guarded formula disagrees with it (the simplex-only cross-entropy
gradient on a row summing to 1/2).  The first such point is the result's ``counterexample``.
No such point means the condition claims more than the sampled points show: inconclusive.
"""
from __future__ import annotations

import time

import numpy as np

import derive
import spec as spec_pkg
from spec.entry import accepted_params

from . import messages, numeric, points as pts
from .derivative import DPS
from .verdict import params_for, shape_text
from .operators import derivative_id, derivative_kind, operator
from .result import CheckResult, Counterexample


def check_condition(name, condition, *, shape=None, params=None, dps=DPS) -> CheckResult:
    start = time.monotonic()
    s = spec_pkg.get(name)
    cond = s.condition(condition) if isinstance(condition, str) else condition
    prob = derive.problem(s, shape, params)
    check = f"condition[{cond.name}]"
    guarded = [d for d in s.derivatives if cond.name in d.conditions]
    witnesses, tried, lines_ = [], 0, []
    for d in guarded:
        op = operator(prob, derivative_kind(s, d), d.wrt)
        sampled = pts.sample(s, prob.shape, prob.params, extras=op.extra_shapes)
        others = [s.condition(c) for c in d.conditions if c != cond.name]
        outside = pts.outside(pts.restrict(sampled, others, prob.params), cond, prob.params)
        shape_ = op.truth.shape
        compiled = numeric.compile_exprs(prob, f"{op.kind}:{d.wrt}", op.truth, dps, extras=op.extra_symbols)
        found = None
        for p in outside:
            tried += 1
            want = numeric.evaluate(compiled, p.values_flat, dps, shape_)
            xp = numeric.namespace(dps)
            extra = [xp.array(a) for a in p.extras.values()]
            try:
                got = np.asarray(d.fn(*[xp.array(p.values[n]) for n in s.input_names], *extra, xp=xp,
                                      **accepted_params(d.fn, params_for(prob.params, xp))), dtype=object)
                got = np.asarray([numeric.clean(v, xp) for v in got.flat], dtype=object).reshape(shape_)
            except (ZeroDivisionError, ValueError, ArithmeticError):
                got = np.full(shape_, xp.ctx.nan, dtype=object)
            bad = [i for i in np.ndindex(shape_) if not numeric.is_finite(want[i])]
            why = "the spec's derivative is not finite"
            if not bad:
                bad = [i for i in np.ndindex(shape_) if not numeric.agree(got[i], want[i], dps)]
                why = "the guarded formula disagrees with the spec's derivative"
            if bad:
                i = bad[0]
                found = (p, i, want[i], got[i], why)
                break
        label = derivative_id(s, d)
        if found:
            p, i, w, g, why = found
            witnesses.append(Counterexample({k: messages.nested(v) for k, v in p.values.items()}, tuple(map(int, i)),
                                            messages.decimal(w), messages.decimal(g), dps, p.origin,
                                            {k: messages.nested(v) for k, v in p.extras.items()}))
            lines_.append(f"{label}: outside at " + ", ".join(witnesses[-1].describe())
                          + f": {why} (entry {list(i)}: spec {witnesses[-1].expected}, formula {witnesses[-1].got})")
        else:
            lines_.append(f"{label}: held at every one of {len(outside)} outside points")
    common = dict(conditions=[cond.description], precision=dps, points=tried,
                  scope=f"shape {shape_text(prob.shape)}", seconds=time.monotonic() - start)
    if guarded and len(witnesses) == len(guarded):
        msg = "\n  ".join([f"gradspec: {s.name} {check}: verified needed at {dps} digits — "
                           f"outside '{cond.description}' the derivative fails"] + lines_)
        return CheckResult(s.name, check, "verified", f"counterexample outside the condition, mpmath at {dps} digits",
                           msg, counterexample=witnesses[0], **common)
    msg = "\n  ".join([f"gradspec: {s.name} {check}: INCONCLUSIVE — no outside point showed "
                       f"'{cond.description}' to be needed"] + (lines_ or ["no derivative carries this condition"])
                      + ["hint: drop the condition, or give it an outside() that leaves the derivative's domain"])
    return CheckResult(s.name, check, "inconclusive", f"mpmath at {dps} digits", msg, **common)
