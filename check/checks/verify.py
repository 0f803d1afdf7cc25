"""Rigorous verification: a formula against the truth at exact points, in exact-or-ball arithmetic.

    outcome = compare(truth, formula, points, shape, what="hand-written gradient")

``truth(point)`` returns the spec's values at an exact point (a list of ``check.numeric.real.Real``) and
``formula(point, xp)`` the formula's array, both evaluated inside a ``precision(bits)`` block of
the ladder ``LADDER``.  At each point, entry by entry, with g the formula and w the truth:

* both finite: the difference g − w is decided.  Exact and 0: agreement.  Exact and not 0, or a
  ball that excludes 0: a **failure** at that point, at whatever size the difference has (10⁻³⁰⁰
  relative included).  A ball that holds 0 is an agreement once it is within 2^−TARGET_BITS of
  |w| — or, for an entry near 0, of the point's scale S (the largest |value| at the point, or the
  magnitude of the terms a value cancelling to 0 was summed from, read off its ball's radius);
  else the precision is raised (4× a step) and the point evaluated again;
* w finite, g not (±inf, nan: a 0/0 in the branch ``where`` kept): a **failure**;
* w not finite, g finite: the truth is not finite inside the domain (**not_finite**: a condition
  is missing);
* neither finite: the point lies where the derivative is not defined (**undefined**; a check
  says "where defined" and names the points); likewise a disagreement where the spec's forward
  itself is not finite (``defined``);
* a comparison no precision decides, or a ball still too wide at the last rung: **unresolved**.

A formula that raises, or returns the wrong shape, fails at that point.  ``bound_bits`` is the
agreement reached: at every agreeing entry |g − w| ≤ 2^−bound_bits of its scale (infinite when
every difference was exactly 0).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from spec.errors import GradspecError

from check.numeric import real as R
from check.checks.points import Point
from check.numeric.real import Undecided, precision
from check.numeric.xp_arb import ARB
from derive.budget import BudgetExceeded, soft

LADDER = (1280, 5120, 20480)       # bits; the first rung decides almost everything
TARGET_BITS = 1000                 # agreement asked of every entry: 2^-1000 relative (10^-301)
SECONDS = 60.0                     # per comparison; points left after it are unresolved
POINT_SECONDS = 30.0               # per point (a formula that loops is stopped, the point unresolved)


@dataclass
class Failure:
    point: Point
    index: tuple
    expected: object               # Real (or None when the formula raised)
    got: object
    error: float                   # |g − w| / |w| as a float (inf where one side is not finite)
    exception: str | None = None
    expected_array: object = None
    got_array: object = None
    bits: int = 0                  # the precision that decided it
    shape_error: str | None = None


@dataclass
class Outcome:
    failures: list = field(default_factory=list)
    trusted: int = 0               # points where every defined entry agreed
    exact: int = 0                 # ... exactly (every difference an exact 0)
    undefined: list = field(default_factory=list)    # points with entries where neither side is finite
    not_finite: list = field(default_factory=list)   # points where the truth is not finite, the formula is
    unresolved: list = field(default_factory=list)   # (point, why)
    worst: float = 0.0             # largest |g − w| / |w| over agreeing entries (an upper bound)
    bound_bits: float = math.inf   # see the module docstring
    max_bits: int = 0              # the highest precision any point needed
    total: int = 0

    @property
    def points(self) -> int:
        return self.total

    def merge(self, other: "Outcome") -> "Outcome":
        self.failures += other.failures
        self.trusted += other.trusted
        self.exact += other.exact
        self.undefined += other.undefined
        self.not_finite += other.not_finite
        self.unresolved += other.unresolved
        self.worst = max(self.worst, other.worst)
        self.bound_bits = min(self.bound_bits, other.bound_bits)
        self.max_bits = max(self.max_bits, other.max_bits)
        self.total += other.total
        return self


def _is_number(v) -> bool:
    """A real number of some kind (a bool counts: NumPy would compute with it); not a string, None,
    a complex number or a nested sequence."""
    return isinstance(v, (R.Real, int, float, np.integer, np.floating, np.bool_)) or (
        type(v).__name__ in ("Fraction", "fmpq", "arb"))


def relative(got: R.Real, want: R.Real) -> float:
    """|got − want| / |want| as a float (for messages); inf where one side is not finite or want is 0."""
    if not (got.finite and want.finite):
        return 0.0 if (not got.finite and not want.finite) else math.inf
    try:
        if R.signum(want) == 0:
            return 0.0 if (got - want).exact and (got - want).v == 0 else math.inf
        return abs(float(R.div(got - want, want)))
    except R.Undecided:
        return math.inf


def _lg(x) -> float:
    """log2 of a nonnegative exact arb (a bound), good to one unit; -inf for 0."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return -math.inf if m == 0 else e + math.log2(abs(m)) if abs(m) < 2 ** 1000 else e + abs(m).bit_length()


class _Verdict:
    """What one evaluation of one point says."""
    AGREE, FAIL, RETRY = range(3)


def _magnitude(x: R.Real, bits: int) -> float:
    """log2 of the scale of the computation behind x: |x|, or its radius times 2^(precision − 8)
    (a ball of a value that cancels to about 0 is as wide as the terms it summed allow)."""
    if not x.finite:
        return -math.inf
    if x.exact:
        return _lg(abs(x.ball()).upper()) if x.v != 0 else -math.inf
    return max(_lg(abs(x.v).upper()), _lg(x.v.rad()) + bits - 8)


def _judge(want: list, got: np.ndarray, shape) -> tuple:
    """(verdict, details) for one point at the current precision.

    An agreeing entry needs |g − w| ≤ 2^-TARGET_BITS · scale, the scale being |w| (its lower
    bound) or, for an entry near 0 (|w| below 2^-TARGET_BITS of S), S: the point's largest
    magnitude (check ``_magnitude``) over truth and formula."""
    bits = R.ctx.prec
    gots = [R.real(got[idx]) for idx in np.ndindex(shape)]
    S = max([_magnitude(x, bits) for x in want + gots] + [-math.inf])
    bits_here, undefined, not_finite, retry, bad = math.inf, [], [], False, []
    worst = 0.0
    for k, idx in enumerate(np.ndindex(shape)):
        w, g = want[k], gots[k]
        if w.unknown or g.unknown:
            retry = True
            continue
        if not w.finite:
            (undefined if not g.finite else not_finite).append(idx)
            continue
        if not g.finite:
            bad.append(idx)
            continue
        d = g - w
        if d.exact:
            if d.v != 0:
                bad.append(idx)
            continue
        if not d.v.contains(0):
            bad.append(idx)
            continue
        err = _lg(abs(d.v).upper())
        low = _lg(abs(w.ball()).lower())
        scale = low if low >= S - TARGET_BITS else S
        e = err - scale
        if e > -TARGET_BITS:
            retry = True
            continue
        bits_here = min(bits_here, -e)
        if scale == low:                           # a relative bound, where |w| is the scale
            worst = max(worst, 2.0 ** max(err - low, -1074))
    if bad:
        return _Verdict.FAIL, bad
    if retry:
        return _Verdict.RETRY, None
    return _Verdict.AGREE, (bits_here, undefined, not_finite, worst)


def compare(truth, formula, points: list[Point], shape: tuple, *, what: str,
            ladder: tuple = LADDER, seconds: float = SECONDS, defined=None) -> Outcome:
    """Judge ``formula`` against ``truth`` at every point (see the module docstring).  ``defined(p)``,
    when given, says whether the spec's forward is finite at p: a disagreement where it is not is
    no finding (**undefined**: a derivative SymPy simplified — b·sign(a)/(a|b|) − b/(|a||b|) is 0 to it
    — can be finite where the function itself is 0/0)."""
    out = Outcome(total=len(points))
    deadline = time.monotonic() + seconds
    for p in points:
        if time.monotonic() > deadline:
            out.unresolved.append((p, f"the comparison's time budget of {seconds:g} s ran out"))
            continue
        try:
            # wall-clock: a user's formula may wait rather than compute (a CPU budget would let a
            # sleeping one run to its wall-clock net, 4× as long, at every point)
            with soft(min(POINT_SECONDS, max(deadline - time.monotonic(), 0.1)), "wall"):
                _one_point(out, truth, formula, p, shape, what, ladder, defined)
        except BudgetExceeded:
            out.unresolved.append((p, f"the evaluation did not finish within its time budget "
                                      f"({POINT_SECONDS:g} s a point, {seconds:g} s a comparison)"))
    return out


def _one_point(out: Outcome, truth, formula, p, shape, what, ladder, defined=None) -> None:
    """Judge one point, raising the precision along ``ladder`` as needed; records into ``out``."""
    why = "no precision was reached"
    for bits in ladder:
        out.max_bits = max(out.max_bits, bits)
        with precision(bits):
            try:
                want = list(truth(p))
            except Undecided as e:
                why = f"a comparison in the spec could not be decided at {bits} bits ({e})"
                continue
            try:
                got = formula(p, ARB)
            except Undecided as e:
                why = f"a comparison in the {what} could not be decided at {bits} bits ({e})"
                continue
            except GradspecError:
                raise
            except Exception as e:  # a formula that raises is a finding, not a crash
                out.failures.append(Failure(p, (), None, None, math.inf, f"{type(e).__name__}: {e}", bits=bits))
                break
            got = np.asarray(got, dtype=object)
            odd = next((v for v in got.flat if not _is_number(v)), None) if got.shape == tuple(shape) else None
            if odd is not None:
                out.failures.append(Failure(p, (), None, None, math.inf, bits=bits,
                                            shape_error=f"returned {type(odd).__name__} {str(odd)[:40]!r} as an "
                                                        "entry, not a real number"))
                break
            if got.shape != tuple(shape):
                out.failures.append(Failure(p, (), None, None, math.inf, bits=bits,
                                            shape_error=f"returned shape {got.shape}, expected {tuple(shape)}"))
                break
            try:
                verdict, detail = _judge(want, got, shape)
            except Undecided as e:
                why = f"a difference could not be decided at {bits} bits ({e})"
                continue
            except TypeError as e:      # an entry that is not a number (a string, None, a list)
                out.failures.append(Failure(p, (), None, None, math.inf, f"{type(e).__name__}: {e}", bits=bits))
                break
            if verdict == _Verdict.FAIL and defined is not None and not defined(p):
                out.undefined.append(p)            # the function itself is not finite here
                out.trusted += 1
                break
            if verdict == _Verdict.FAIL:
                wa = np.asarray(want, dtype=object).reshape(shape)
                ga = np.vectorize(R.real, otypes=[object])(got) if got.size else got
                errors = {i: relative(ga[i], wa[i]) for i in detail}
                worst = max(detail, key=lambda i: errors[i])
                out.failures.append(Failure(p, worst, wa[worst], ga[worst], errors[worst],
                                            expected_array=wa, got_array=ga, bits=bits))
                break
            if verdict == _Verdict.RETRY:
                why = f"a difference was still wider than 2^-{TARGET_BITS} at {bits} bits"
                continue
            bits_here, undefined, not_finite, worst = detail
            if not_finite:
                out.not_finite.append(p)
                break
            if undefined:
                out.undefined.append(p)
            out.trusted += 1
            out.exact += bits_here == math.inf
            out.bound_bits = min(out.bound_bits, bits_here)
            out.worst = max(out.worst, worst)
            break
    else:
        out.unresolved.append((p, why))
