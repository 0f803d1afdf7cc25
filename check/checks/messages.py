"""The text of a result: several lines naming the spec and check, the numbers, and a hint.

Error text is part of gradspec's contract (tests read it).  A refutation names the inputs exactly,
the shape and the entry that differ, both values, the precision, where the point came from, and a
guess at the cause when the numbers suggest one (a constant factor, a sign, a kink, a tiny
relative error, a value that is not finite).
"""
from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np

from check.numeric import real as R
from check.checks.result import Counterexample


def decimal(v, digits: int = 20) -> str:
    """An exact input or an exact-or-ball Real as a short decimal string (anything else as str)."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        f = float(v) if abs(v) < 10**300 else math.inf
        if math.isfinite(f) and f != 0 and Fraction(repr(f)) == v:
            return repr(f)
        with localcontext() as c:              # correctly rounded digits, in a local context
            c.prec = digits
            q = Decimal(v.numerator) / Decimal(v.denominator)
            return str(q.normalize()) if q == q.to_integral_value() or "E" in str(q.normalize()) else str(q).rstrip("0")
    if v is None:
        return "—"
    if isinstance(v, R.Real):
        if v.exact:
            return decimal(v.fraction(), digits)
        if v.special:
            return str(v.v)
        return v.v.str(digits, radius=False) if v.finite else "undecided"
    return str(v)


def nested(arr) -> object:
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 0:
        return decimal(arr.item())
    return [nested(a) for a in arr]


def counterexample(failure, bits: int, shape=None) -> Counterexample:
    p = failure.point
    return Counterexample(
        inputs={k: nested(v) for k, v in p.values.items()}, index=tuple(int(i) for i in failure.index),
        expected=decimal(failure.expected), got=decimal(failure.got), precision=bits, origin=p.origin,
        extras={k: nested(v) for k, v in p.extras.items()},
        error=failure.exception or failure.shape_error,
        shape=None if shape is None else list(shape))


def _finite(v) -> bool:
    return isinstance(v, R.Real) and v.finite


def _exact_zero(v) -> bool:
    return isinstance(v, R.Real) and v.exact and v.v == 0


def _differing(f):
    """(truth, got) of the entries of failure ``f`` that differ (both finite), as Reals."""
    out = []
    for w, g in zip(f.expected_array.flat, f.got_array.flat):
        if _finite(w) and _finite(g):
            try:
                if R.signum(R.sub(g, w)) != 0:
                    out.append((w, g))
            except R.Undecided:
                out.append((w, g))
    return out


def _factor_hint(r: float, failures) -> str:
    """The hint for a gradient off by one factor ``r``: a sign, or a divisor that counts the wrong
    thing (entries, rows, or the entries of a row) at the point's shape."""
    if r == -1:
        return "hint: off by a factor −1 everywhere: a sign error"
    shape = np.shape(next(iter(failures[0].point.values.values()), 0))
    size = int(np.prod(shape)) if shape else 1
    n = shape[-1] if shape else 1
    for k in (r, 1 / r):
        if not (abs(k) < 1e15 and abs(k - round(k)) < 1e-6 * abs(k) and round(k) >= 2):
            continue
        k = round(k)
        if k == n and n < size:
            return (f"hint: off by a constant factor {r:.6g} everywhere = the {n} entries of a row: the "
                    "forward's terms and its input have different shapes (one term per row?) — a loss with "
                    "one term per row divides by the rows: spec.reduction.rows_count(x, reduction), not "
                    "count(x, reduction) (which counts entries); or a sum that lost keepdims=True")
        if k == size or (k == size // n and n > 1):
            what = "entries" if k == size else "rows"
            return (f"hint: off by a constant factor {r:.6g} everywhere = the {k} {what} at this shape: a missing "
                    f"or extra 1/N? (count(x, reduction) divides by the entries for mean, rows_count by the rows)")
    return f"hint: off by a constant factor {r:.6g} everywhere"


def hint(failures, what: str) -> str:
    """A guess at the cause from all failures (the shown counterexample first), or a generic next step."""
    shown = failures[0]
    if shown.shape_error:
        return "hint: keep the input's shape (keepdims=True in reductions; broadcast scalars)"
    if shown.exception:
        return "hint: the callable raised; fix it so it returns an array for every point of the domain"
    raised = [f for f in failures if f.exception or f.shape_error]
    also = (f"\n  (it also raised or returned a wrong shape at {len(raised)} other point"
            f"{'s' if len(raised) > 1 else ''}, e.g. a {raised[0].point.origin} point: {raised[0].exception or raised[0].shape_error})"
            if raised else "")
    failures = [f for f in failures if not (f.exception or f.shape_error)]
    if any(not _finite(f.got) for f in failures):
        return (f"hint: the {what} is not finite where the truth is: a 0/0 or x/0 in the branch it keeps, "
                "an exp overflow or a log of 0? write it so it is defined there") + also
    pairs = [pair for f in failures for pair in _differing(f)]
    worst = max(f.error for f in failures)
    if worst < 1e-6:
        return (f"hint: off by a tiny relative amount ({worst:.1e}): a float constant where an exact one "
                "is meant (0.1 is 1/10 exactly here, but 1/3 written as 0.3333333333333333 is not 1/3; "
                "int/int is a float), or an approximation?") + also
    if pairs and all(R.signum(w) == 0 for w, _ in pairs):
        return ("hint: the truth is 0 at every entry that differs, the formula is not: a clamp, a tie or a "
                "flat branch (max(0, ·), clip) whose gradient is 0 there — check the branch conditions and "
                "the convention at the kink") + also
    ratios = []
    for w, g in pairs:
        try:
            ratios.append(float(R.div(g, w)) if R.signum(w) != 0 and R.signum(g) != 0 else 0.0)
        except R.Undecided:
            continue                              # a ratio no precision here decides (a truth ~1e-385): no evidence
    if ratios and all(math.isfinite(q) and q != 0 for q in ratios) \
            and max(ratios) - min(ratios) <= 1e-6 * min(abs(q) for q in ratios):   # one factor (extremes are noisy)
        return _factor_hint(ratios[0], failures) + also
    origins = {f.point.origin for f in failures}
    if all(o.startswith("kink:") for o in origins):
        return ("hint: wrong only on or beside a kink (" + "; ".join(sorted(o[5:] for o in origins)) +
                "): check the branch condition and the convention at the kink") + also
    if all(o.startswith(("kink:", "boundary:", "between:", "equal:")) for o in origins):
        return ("hint: wrong only on or beside a kink or a branch boundary (" + "; ".join(sorted(origins)[:3]) +
                "): check the branch conditions (< or <=), thresholds, equality tests and the kink conventions") + also
    if all(o.startswith("extreme:") for o in origins):
        return "hint: wrong only at extreme inputs (" + ", ".join(sorted(o[8:] for o in origins)) + ")" + also
    return "hint: compare the formula with `gradspec derive` for this entry" + also


def refuted(spec, check, failures, total, what, disagreement: str = "") -> tuple[str, Counterexample]:
    """The message and counterexample of a refutation; ``failures`` are (Failure, shape) pairs in the
    order of the shapes evaluated.  The counterexample is the simplest failing point (smallest
    entries, shortest decimals) at the first shape that fails; where another point is off by over
    ten times more, it is shown too (the largest difference)."""
    first_shape = failures[0][1]
    worst, worst_shape = min((fs for fs in failures if fs[1] == first_shape),
                             key=lambda fs: (_size(fs[0].point), -fs[0].error))
    shape_of = {id(f): sh for f, sh in failures}.__getitem__
    shape_of = (lambda f, table=shape_of: table(id(f)))
    failures = [f for f, _ in failures]
    bits = worst.bits
    cx = counterexample(worst, bits, worst_shape)
    shapes = sorted({shape_of(f) for f in failures}, key=lambda s: (len(s), s))
    where = f" at shape{'s' if len(shapes) > 1 else ''} {', '.join('×'.join(map(str, s)) for s in shapes)}"
    head = (f"gradspec: {spec} {check}: REFUTED in ball arithmetic at {bits} bits "
            f"({len(failures)} of {total} points disagree{where})")
    body = [disagreement] if disagreement else []
    if worst.shape_error:
        body += [f"the {what} {worst.shape_error} at shape {'×'.join(map(str, shape_of(worst)))}",
                 "at " + ", ".join(cx.describe()) + f"   ({cx.origin} point)"]
    elif worst.exception:
        body += [f"the {what} raised {worst.exception}", "at " + ", ".join(cx.describe())]
    else:
        idx = "[" + ", ".join(map(str, cx.index)) + "]"
        err = "∞" if worst.error == math.inf else f"{worst.error:.3g}"
        body += [f"the {what} differs from the spec" + ("" if check.startswith("form[") else "'s derivative"),
                 "at " + ", ".join(cx.describe()) + f"   ({cx.origin} point)",
                 f"entry {idx}: expected {cx.expected}, got {cx.got} (relative error {err})"]
    largest = max((f for f in failures if not (f.exception or f.shape_error)), key=lambda f: f.error, default=None)
    if largest is not None and largest is not worst and largest.error > 10 * worst.error:
        far = counterexample(largest, largest.bits, shape_of(largest))
        err = "∞" if largest.error == math.inf else f"{largest.error:.3g}"
        body += ["the largest difference: at " + ", ".join(far.describe()) + f"   ({far.origin} point, shape "
                 f"{'×'.join(map(str, shape_of(largest)))})",
                 f"entry [{', '.join(map(str, far.index))}]: expected {far.expected}, got {far.got} (relative error {err})"]
    same_shape = [worst] + [f for f in failures if shape_of(f) == worst_shape and f is not worst]
    return "\n  ".join([head] + [b for b in body if b] + [hint(same_shape, what)]), cx


def _size(point) -> tuple:
    """Smaller is simpler: the largest |entry|, then the longest decimal."""
    vals = [v for arr in point.values.values() for v in arr.flat]
    vals = vals or [Fraction(0)]
    return (max(abs(v) for v in vals), max(len(str(v)) for v in vals))
