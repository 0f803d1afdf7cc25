"""Checking another form of the forward (a stable rewrite, or the naive form it replaces).

    check_form(name, form_name, *, shape=None, params=None)

The claim is the identity form(x) = forward(x) in exact arithmetic, at every point of the domain.
It is proved when the entrywise difference reduces to 0 (max/min generalised to free symbols:
the max-shift of log-softmax holds for every shift) *and* the form itself, evaluated in
exact-or-ball arithmetic, agrees with the forward at every sampled point — extremes included,
where the two differ most in floating point — at the default shape, 1×1 and a larger one
(check.checks.evaluation); without a proof that evaluation verifies or refutes it.
"""
from __future__ import annotations

import time

import numpy as np

import derive
from derive import budget
import spec as spec_pkg
from derive.xp_sympy import XP as SYMPY_XP, symarray
from spec.entry import Form, call
from spec.errors import GradspecError, lines

from check.checks import evaluation
from check.checks.derivative import PROVE_SECONDS
from check.checks.kinds import Operator
from check.checks.probe import probe
from check.proof.prove import prove_all_zero
from check.checks.result import CheckResult
from check.checks.verdict import Claim, Evidence, Subject, judge, params_for, shape_text


def _prove(form, prob, truth):
    args = [prob.symbols[n] for n in prob.spec.input_names]
    try:
        got = np.asarray(call(form.fn, args, SYMPY_XP, prob.sym_params), dtype=object)
    except GradspecError:
        raise
    except Exception as e:
        return False, f"the form could not be evaluated symbolically ({type(e).__name__})"
    if got.shape != truth.shape:
        return False, f"the form returned shape {got.shape}, expected {truth.shape}"
    return prove_all_zero([g - t for g, t in zip(got.flat, truth.flat)], PROVE_SECONDS)


def _forward(prob, form) -> Operator:
    truth = np.asarray(derive.forward(prob.spec, shape=prob.shape, params=prob.params), dtype=object)
    return Operator("form", symarray(truth), (), f"form {form.name!r}")


def check_form(name, form, *, shape=None, params=None, bits=evaluation.BITS) -> CheckResult:
    start = time.monotonic()
    s = spec_pkg.get(name)
    evaluation.check_bits(bits)
    probe(s)
    if isinstance(form, str):
        found = [f for f in s.forms if f.name == form]
        if not found:
            raise GradspecError(lines(f"gradspec: {s.name} has no form {form!r}",
                                      f"its forms are: {', '.join(f.name for f in s.forms) or '(none)'}"))
        form = found[0]
    if not isinstance(form, Form):
        raise GradspecError(lines(f"gradspec: check_form takes a form's name or a spec.Form, got {str(form)[:60]!r}",
                                  f"{s.name}'s forms are: {', '.join(f.name for f in s.forms) or '(none)'}"))
    prob = derive.problem(s, shape, params)
    check = f"form[{form.name}]"
    value, why = budget.run(PROVE_SECONDS, _prove, form, prob, _forward(prob, form).truth)
    ok, how = value if value is not None else (False, why)
    claim = Claim.at_shape(prob.shape, how) if ok else None
    reason = "" if ok else f"shape {shape_text(prob.shape)}: {how}"

    def hand(p, args, extras, xp):
        return call(form.fn, args, xp, p.sym_params if xp is SYMPY_XP else params_for(p.params, xp))

    shapes = evaluation.shapes_for(s, prob, requested=shape, every_size=False)
    runs = [evaluation.run(s, sh, prob.params, lambda p: _forward(p, form), hand, bits=bits) for sh in shapes]
    return judge(Subject(s.name, check, f"form {form.name!r}", against="the forward", defined="the forward"),
                 Evidence(claim, runs, reason, [], start))
