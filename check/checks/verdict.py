"""From a claim and evaluations to a verdict: proved, verified, refuted or inconclusive.

    judge(Subject(spec, check, what), Evidence(claim, runs, reason, conditions, started)) -> CheckResult

``Subject`` says what the verdict is about; ``Evidence`` what was found: ``claim`` is what the
prover established (``Claim.every_size`` for every m×n, ``Claim.at_shape`` for one shape) or
None; ``runs`` are the evaluations at each shape (check.checks.evaluation.Run).

* any failure → **refuted**.  A failure at a shape the claim covers is a *prover disagreement*:
  the evaluation of the formula itself wins, and the result says so (``prover_disagreement``);
* else, the truth not finite where the formula is, at some point → **inconclusive** (a condition
  is missing), even with a claim;
* else a claim with at least one agreeing point → **proved** (the evaluation is its certificate);
* else agreement at every point → **verified**, with the precision and the bound reached;
* else → **inconclusive**, with why (points no precision decided, no point at all).

Points where neither side is finite make the verdict hold "where defined", said in the
conditions and the message.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from check.checks import messages
from check.checks.result import CheckResult
from check.checks.verify import Outcome


@dataclass(frozen=True)
class Claim:
    scope: str           # "every m×n" | "shape 2×3"
    method: str          # how the prover reduced the difference to 0
    every: bool
    shape: tuple | None = None

    @classmethod
    def every_size(cls, how: str) -> "Claim":
        return cls("every m×n", f"symbolic, every size: {how}", True)

    @classmethod
    def at_shape(cls, shape: tuple, how: str) -> "Claim":
        return cls(f"shape {shape_text(shape)}", f"symbolic: {how}", False, tuple(shape))

    def covers(self, shape: tuple) -> bool:
        return len(shape) == 2 if self.every else tuple(shape) == self.shape


@dataclass(frozen=True)
class Subject:
    """What a verdict is about: the entry, the check's id, the formula as messages name it
    ("the gradient", "form 'stable'"), what it is compared with, and what "where defined" refers to."""
    spec: str
    check: str
    what: str
    against: str = "the spec's derivative"
    defined: str = "the derivative"


@dataclass(frozen=True)
class Evidence:
    """What the check found: the prover's claim (or None), the evaluations, why there is no proof
    (empty when there is one), the conditions assumed, and when the check started (time.monotonic)."""
    claim: Claim | None
    runs: list
    reason: str
    conditions: list
    started: float


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


def bound_text(outcome: Outcome) -> str:
    if outcome.bound_bits == math.inf:
        return "every difference exactly 0"
    return (f"every difference exactly 0 or within 2^-{int(outcome.bound_bits)} of the entry "
            f"(relative; of the largest entry for entries near 0)")


def _where_defined(outcome: Outcome, subject: str) -> list[str]:
    if not outcome.undefined:
        return []
    first = outcome.undefined[0]
    at = ", ".join(f"{k} = {messages.nested(v)}" for k, v in first.values.items())
    return [f"where {subject} is defined: at {len(outcome.undefined)} sampled point(s) neither it "
            f"nor the formula is finite (first: {at}, a {first.origin} point)"]


def judge(subject: Subject, evidence: Evidence) -> CheckResult:
    """The verdict on ``subject`` from ``evidence``; the rules are in the module docstring."""
    spec_name, check, what, against = subject.spec, subject.check, subject.what, subject.against
    claim, runs, reason, conditions = evidence.claim, evidence.runs, evidence.reason, evidence.conditions
    total = Outcome()
    for r in runs:
        total.merge(r.outcome)
    conventions = [r.convention for r in runs if r.convention][:1]
    cond_text = [c.description for c in conditions] + conventions + _where_defined(total, subject.defined)
    shapes = [shape_text(r.shape) for r in runs]
    common = dict(conditions=cond_text, precision=total.max_bits, points=total.total, shapes=shapes,
                  undefined=len(total.undefined), unresolved=len(total.unresolved))
    seconds = lambda: time.monotonic() - evidence.started            # noqa: E731
    where = f" where {'; '.join(cond_text)}" if cond_text else ""
    not_proved = f"\n  not proved — {reason}" if reason else ""

    failures = [(f, r) for r in runs for f in r.outcome.failures]
    if failures:
        covered = [(f, r) for f, r in failures if claim is not None and claim.covers(r.shape)]
        shown = covered or failures
        disagreement = ""
        if covered:
            disagreement = (f"PROVER DISAGREEMENT: the prover reduced the difference to 0 ({claim.method}, "
                            f"{claim.scope}), but the formula itself, evaluated, disagrees with {against}")
        elif claim is not None:
            disagreement = (f"proved for {claim.scope} ({claim.method}), but wrong at another shape the spec accepts")
        msg, cx = messages.refuted(spec_name, check, [(f, r.shape) for f, r in shown], total.total, what,
                                   disagreement)
        return CheckResult(spec_name, check, "refuted", f"ball arithmetic at {total.max_bits} bits", msg,
                           scope=f"shape {shape_text(cx.shape)}",
                           counterexample=cx, prover_disagreement=bool(covered), seconds=seconds(), **common)

    problems = []
    if total.not_finite:
        first = total.not_finite[0]
        problems.append(f"at {len(total.not_finite)} point(s) inside the domain {against} is not finite "
                        f"but the formula is (first: "
                        + ", ".join(f"{k} = {messages.nested(v)}" for k, v in first.values.items())
                        + f", a {first.origin} point)")
    if total.unresolved and (claim is None or total.trusted == 0):
        p, why = total.unresolved[0]
        problems.append(f"{len(total.unresolved)} point(s) no precision decided (first, a {p.origin} point: {why})")
    if claim is not None and total.trusted == 0 and not problems:
        problems.append("no point confirmed the proof")
    if problems or total.trusted == 0:
        head = f"gradspec: {spec_name} {check}: INCONCLUSIVE"
        if claim is not None:
            head += f" — proved for {claim.scope} ({claim.method}), but the evaluation does not confirm it"
        msg = "\n  ".join([head] + ([f"no proof: {reason}"] if claim is None and reason else [])
                          + [f"agreement at {total.trusted} of {total.total} points (shapes {', '.join(shapes)})"]
                          + (problems or ["no point of the domain could be evaluated"])
                          + ["hint: narrow the domain or state the condition under which it holds"])
        return CheckResult(spec_name, check, "inconclusive", f"ball arithmetic at {total.max_bits} bits", msg,
                           scope=f"shapes {', '.join(shapes)}", worst_error=total.worst, seconds=seconds(), **common)

    certificate = (f"at {total.trusted} points, shapes {', '.join(shapes)}, {total.max_bits} bits: "
                   f"{bound_text(total)}")
    unresolved = (f"\n  {len(total.unresolved)} further point(s) were not decided at the last precision "
                  f"(first: {total.unresolved[0][1]})") if total.unresolved else ""
    if claim is not None:
        title = "proved for every m×n (m, n ≥ 1)" if claim.every else f"proved for {claim.scope}"
        msg = (f"gradspec: {spec_name} {check}: {title}{where}\n  the difference to {against} "
               f"reduces to 0 ({claim.method})\n  certificate: the formula itself agrees with {against} "
               f"in ball arithmetic {certificate}{unresolved}" + (f"\n  not proved — {reason}" if reason else ""))
        return CheckResult(spec_name, check, "proved", claim.method, msg, scope=claim.scope,
                           worst_error=total.worst, bound_bits=total.bound_bits, seconds=seconds(), **common)
    msg = (f"gradspec: {spec_name} {check}: verified in ball arithmetic {certificate}{where}{not_proved}")
    return CheckResult(spec_name, check, "verified", f"ball arithmetic at {total.max_bits} bits", msg,
                       scope=f"shapes {', '.join(shapes)}", worst_error=total.worst, bound_bits=total.bound_bits,
                       seconds=seconds(), **common)

