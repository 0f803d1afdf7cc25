"""Numeric verification in arbitrary precision: a formula against the truth, point by point.

At each point the truth is evaluated at ``dps`` and at ``dps + 20`` digits; it is *trusted* only
when the two agree (to ``dps/2`` digits).  The formula is evaluated at ``dps``; an entry that
disagrees is evaluated again, formula and truth, at ``2·dps`` digits, so that rounding in a
cancelling formula is never taken for an error: only a disagreement that survives the higher
precision is a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spec.errors import GradspecError, lines

from . import numeric
from .points import Point

EXTRA_DIGITS = 20


@dataclass
class Failure:
    point: Point
    index: tuple
    expected: object
    got: object
    error: float
    exception: str | None = None
    expected_array: object = None
    got_array: object = None


@dataclass
class Outcome:
    failures: list = field(default_factory=list)
    trusted: int = 0
    untrusted: list = field(default_factory=list)     # points whose truth moved with precision
    not_finite: list = field(default_factory=list)    # points where the truth is not finite
    worst: float = 0.0


def _call(fn, point: Point, dps: int):
    xp = numeric.namespace(dps)
    return np.asarray(fn(point, xp), dtype=object)


def compare(truth, formula, points: list[Point], dps: int, shape: tuple, *, what: str,
            allow_nonfinite_truth: bool = False) -> Outcome:
    """``truth(dps)`` gives a compiled function of the point values; ``formula(point, xp)`` an array."""
    out = Outcome()
    for p in points:
        vals = p.values_flat
        want = numeric.evaluate(truth(dps), vals, dps, shape)
        want_hi = numeric.evaluate(truth(dps + EXTRA_DIGITS), vals, dps + EXTRA_DIGITS, shape)
        if not all(numeric.agree(a, b, dps) for a, b in zip(want.flat, want_hi.flat)):
            out.untrusted.append(p)
            continue
        if not all(numeric.is_finite(v) for v in want.flat) and not allow_nonfinite_truth:
            out.not_finite.append(p)
            continue
        try:
            got = _call(formula, p, dps)
        except GradspecError:
            raise
        except Exception as e:  # a formula that raises is a finding, not a crash
            out.failures.append(Failure(p, (), None, None, float("inf"), f"{type(e).__name__}: {e}"))
            continue
        if got.shape != shape:
            raise GradspecError(lines(
                f"gradspec: the {what} returned shape {got.shape}, expected {shape}",
                "it must return an array shaped like the input it differentiates",
                "hint: keep the input's shape (use keepdims=True in reductions; broadcast scalars)"))
        got = np.asarray([numeric.clean(v, numeric.namespace(dps)) for v in got.flat], dtype=object).reshape(shape)
        out.trusted += 1
        bad = [i for i in np.ndindex(shape) if not numeric.agree(got[i], want[i], dps)]
        if bad:
            dps2 = 2 * dps
            want2 = numeric.evaluate(truth(dps2), vals, dps2, shape)
            try:
                got2 = _call(formula, p, dps2)
            except Exception as e:
                out.failures.append(Failure(p, (), None, None, float("inf"), f"{type(e).__name__}: {e}"))
                continue
            got2 = np.asarray([numeric.clean(v, numeric.namespace(dps2)) for v in got2.flat],
                              dtype=object).reshape(shape)
            bad = [i for i in bad if not numeric.agree(got2[i], want2[i], dps)]
        errors = {i: numeric.rel_error(got[i], want[i]) for i in np.ndindex(shape)}
        if bad:
            worst = max(bad, key=lambda i: errors[i])
            out.failures.append(Failure(p, worst, want[worst], got[worst], errors[worst],
                                        expected_array=want, got_array=got))
        else:
            out.worst = max([out.worst] + list(errors.values()))
    return out
