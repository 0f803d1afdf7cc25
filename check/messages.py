"""The text of a result: several lines naming the spec and check, the numbers, and a hint.

Error text is part of gradspec's contract (tests read it).  A refutation names the inputs exactly,
the entry that differs, both values, the precision, where the point came from, and a guess at the
cause when the numbers suggest one (a constant factor, a sign, a kink, a tiny relative error).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from . import numeric
from .result import Counterexample


def decimal(v, digits: int = 20) -> str:
    """An exact input or an mpmath value as a short decimal string."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        f = float(v)
        return repr(f) if Fraction(repr(f)) == v else mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, digits)
    if v is None:
        return "—"
    if numeric.is_finite(v):
        return mpmath.nstr(v, digits)
    return str(v)


def nested(arr) -> object:
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 0:
        return decimal(arr.item())
    return [nested(a) for a in arr]


def counterexample(failure, dps: int) -> Counterexample:
    p = failure.point
    return Counterexample(
        inputs={k: nested(v) for k, v in p.values.items()}, index=tuple(int(i) for i in failure.index),
        expected=decimal(failure.expected), got=decimal(failure.got), precision=dps, origin=p.origin,
        extras={k: nested(v) for k, v in p.extras.items()}, error=failure.exception)


def hint(failures, what: str) -> str:
    """A guess at the cause from all failures, or a generic next step."""
    if any(f.exception for f in failures):
        return "hint: the callable raised; fix it so it returns an array for every point of the domain"
    ratios = set()
    for f in failures:
        for w, g in zip(f.expected_array.flat, f.got_array.flat):
            if numeric.is_finite(w) and numeric.is_finite(g) and w != 0 and g != 0:
                ratios.add(mpmath.nstr(g / w, 6))      # 6 digits: a cancelling formula is noisy at extremes
    if any(not numeric.is_finite(f.got) for f in failures):
        return (f"hint: the {what} is not finite where the truth is: an unstable form "
                "(exp overflow, log of 0, 0/0)? write it in a stable form")
    worst = max(f.error for f in failures)
    if worst < 1e-6:
        return (f"hint: off by a tiny relative amount ({worst:.1e}): a float constant where an exact one "
                "is meant (0.1 is not 1/10; int/int is a float), or an approximation?")
    if len(ratios) == 1:
        r = float(ratios.pop())
        if r == -1:
            return "hint: off by a factor −1 everywhere: a sign error"
        for k in (r, 1 / r):
            if abs(k - round(k)) < 1e-9 and round(k) >= 2:
                return (f"hint: off by a constant factor {mpmath.nstr(r, 6)} everywhere: a missing or "
                        f"extra 1/N? (the reduction divides by {round(k)} here)")
        return f"hint: off by a constant factor {mpmath.nstr(r, 6)} everywhere"
    origins = {f.point.origin for f in failures}
    if all(o.startswith("kink:") for o in origins):
        return ("hint: wrong only on or beside a kink (" + "; ".join(sorted(o[5:] for o in origins)) +
                "): check the branch condition and the convention at the kink")
    if all(o.startswith("extreme:") for o in origins):
        return "hint: wrong only at extreme inputs (" + ", ".join(sorted(o[8:] for o in origins)) + ")"
    return "hint: compare the formula with `gradspec derive` for this entry"


def refuted(spec, check, failures, total, dps, what) -> tuple[str, Counterexample]:
    worst = min(failures, key=lambda f: (_size(f.point), -f.error))
    cx = counterexample(worst, dps)
    head = f"gradspec: {spec} {check}: REFUTED at {dps} digits ({len(failures)} of {total} points disagree)"
    if cx.error:
        body = [f"the {what} raised {cx.error}", "at " + ", ".join(cx.describe())]
    else:
        idx = "[" + ", ".join(map(str, cx.index)) + "]"
        err = "∞" if worst.error == float("inf") else f"{worst.error:.3g}"
        body = [f"the {what} differs from the spec" + ("" if check.startswith("form[") else "'s derivative"),
                "at " + ", ".join(cx.describe()) + f"   ({cx.origin} point)",
                f"entry {idx}: expected {cx.expected}, got {cx.got} (relative error {err})"]
    return "\n  ".join([head] + body + [hint(failures, what)]), cx


def _size(point) -> tuple:
    """Smaller is simpler: the largest |entry|, then the longest decimal."""
    vals = [v for arr in point.values.values() for v in arr.flat]
    vals = vals or [Fraction(0)]
    return (max(abs(v) for v in vals), max(len(str(v)) for v in vals))
