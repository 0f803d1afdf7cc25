"""Checking another form of the forward (a stable rewrite, or the naive form it replaces).

    check_form(name, form_name, *, shape=None, params=None)

The claim is the identity form(x) = forward(x) in exact arithmetic, at every point of the domain.
It is proved when the entrywise difference reduces to 0 (max/min generalised to free symbols:
the max-shift of log-softmax holds for every shift), else verified in mpmath at the domain's
points — extremes included, where the two differ most in floating point — else refuted.
"""
from __future__ import annotations

import time

import numpy as np

import derive
from derive import budget
import spec as spec_pkg
from derive.xp_sympy import XP as SYMPY_XP
from spec.entry import call
from spec.errors import GradspecError, lines

from . import numeric, points as pts
from .derivative import DPS, PROVE_SECONDS
from .verdict import params_for, shape_text, verdict
from .prove import prove_all_zero
from .result import CheckResult
from .verify import compare


def _prove(form, args, prob, truth):
    got = np.asarray(call(form.fn, args, SYMPY_XP, prob.sym_params), dtype=object)
    if got.shape != truth.shape:
        return None
    return prove_all_zero([g - t for g, t in zip(got.flat, truth.flat)], PROVE_SECONDS)


def check_form(name, form, *, shape=None, params=None, dps=DPS) -> CheckResult:
    start = time.monotonic()
    s = spec_pkg.get(name)
    if isinstance(form, str):
        found = [f for f in s.forms if f.name == form]
        if not found:
            raise GradspecError(lines(f"gradspec: {s.name} has no form {form!r}",
                                      f"its forms are: {', '.join(f.name for f in s.forms) or '(none)'}"))
        form = found[0]
    prob = derive.problem(s, shape, params)
    truth = derive.forward(s, shape=prob.shape, params=prob.params)
    check = f"form[{form.name}]"
    args = [prob.symbols[n] for n in s.input_names]
    reason = "the form could not be evaluated symbolically"
    try:
        proof, why = budget.run(PROVE_SECONDS, _prove, form, args, prob, truth)
        if proof is None:
            reason = why or "the form's shape differs from the forward's"
        elif proof:
            ok, reason = proof
            if ok:
                return CheckResult(s.name, check, "proved", f"symbolic: {reason}",
                                   f"gradspec: {s.name} {check}: proved for shape {shape_text(prob.shape)}\n"
                                   f"  {form.description} equals the forward identically ({reason})",
                                   scope=f"shape {shape_text(prob.shape)}", seconds=time.monotonic() - start)
    except GradspecError:
        raise
    except Exception as e:
        reason = f"{reason} ({type(e).__name__})"
    sampled = pts.sample(s, prob.shape, prob.params)
    truth_fn = lambda d: numeric.compile_exprs(prob, "forward", truth, d)

    def formula(point, xp):
        return call(form.fn, [xp.array(point.values[n]) for n in s.input_names], xp,
                    params_for(prob.params, xp))

    outcome = compare(truth_fn, formula, sampled, dps, truth.shape, what=f"form {form.name!r}")
    return verdict(s.name, check, outcome, len(sampled), dps, f"form {form.name!r}", reason, [], prob, start)
