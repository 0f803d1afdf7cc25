"""Shared by the checks: a verdict from a verification outcome, and small conversions.

``verdict`` turns an ``Outcome`` (check.verify) into a CheckResult: refuted when any point
failed, inconclusive when no point could be trusted or the truth was not finite inside the
domain, verified otherwise — with the message saying which, and why no proof was reached.
"""
from __future__ import annotations

import time

from . import messages
from .result import CheckResult


def params_for(values: dict, xp) -> dict:
    """Numeric parameters as numbers of ``xp`` (ints too: 1/6 must not become a Python float); a tuple
    (class weights) entry by entry; None, booleans and strings as they are."""
    def one(v):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, tuple):
            return tuple(one(x) for x in v)
        return xp.number(v)
    return {k: one(v) for k, v in values.items()}


def shape_text(shape) -> str:
    return "×".join(map(str, shape))


def verdict(spec_name, check, outcome, total, dps, what, reason, cond_text, prob, start):
    common = dict(conditions=cond_text, precision=dps, points=outcome.trusted,
                  scope=f"shape {shape_text(prob.shape)}")
    if outcome.failures:
        msg, cx = messages.refuted(spec_name, check, outcome.failures, total, dps, what)
        return CheckResult(spec_name, check, "refuted", f"mpmath at {dps} digits", msg, counterexample=cx,
                           seconds=time.monotonic() - start, **common)
    problems = []
    if outcome.untrusted:
        problems.append(f"{len(outcome.untrusted)} points where the truth was not stable at higher precision")
    if outcome.not_finite:
        problems.append(f"{len(outcome.not_finite)} points inside the domain where the truth is not finite "
                        f"(first: {messages.nested(next(iter(outcome.not_finite[0].values.values())))})")
    if outcome.trusted == 0 or problems:
        msg = "\n  ".join([f"gradspec: {spec_name} {check}: INCONCLUSIVE",
                           f"no proof: {reason}", f"verified at only {outcome.trusted} of {total} points"]
                          + problems + ["hint: narrow the domain or state the condition under which it holds"])
        return CheckResult(spec_name, check, "inconclusive", f"mpmath at {dps} digits", msg,
                           seconds=time.monotonic() - start, worst_error=outcome.worst, **common)
    where = f" where {'; '.join(cond_text)}" if cond_text else ""
    msg = (f"gradspec: {spec_name} {check}: verified at {dps} digits on {outcome.trusted} points{where} "
           f"(worst relative error {outcome.worst:.1e}), shape {shape_text(prob.shape)}\n  not proved: {reason}")
    return CheckResult(spec_name, check, "verified", f"mpmath at {dps} digits", msg, worst_error=outcome.worst,
                       seconds=time.monotonic() - start, **common)
