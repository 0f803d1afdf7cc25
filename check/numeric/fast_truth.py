"""The fast truth tier: a spec's value and gradient at many points at once, correctly rounded to a
narrow format (float16, bfloat16, float32) — the same numbers as check.numeric.truth, for a
fraction of the cost.

    batch = BatchTruth.build(plan)                          # plan: check.numeric.truth.TruthPlan
    t = batch.evaluate(points, "bfloat16")                  # points: check.checks.points.Point list
    t.values, t.value_scales, t.grads, t.grad_scales        # (N, entries) float64 arrays
    t.fast                                                  # how many points the intervals decided

Every expression the TruthPlan compiles for arb (the forward, the gradient or VJP, their
magnitudes) is compiled once more for vectorised float64 intervals (check.numeric.interval_code)
and evaluated at all the points in one pass.  An entry is *decided* when both ends of its
enclosure are finite float64s that round to the same number of the format (rounding is monotone
and the exact value lies between them, so that number is the correctly rounded truth); a magnitude
when its enclosure is finite and its ends agree to 8 bits (check.numeric.rounding.scale_of's
precision: the enclosure's upper end is taken).  A point with any entry or magnitude undecided —
a comparison the intervals cannot settle, an overflow in float64, a cancellation, a value within
2^-40 of a rounding boundary — is evaluated again on scaled enclosures ([lo, hi]·2^e,
check.numeric.scaled: an overflow of float64 decided there), then on shifted ones (s·e^d,
check.numeric.shifted: e^x of a bfloat16 logit past 3·10^15, whose base-2 exponent float64 does not
hold exactly, decided there), then computed by the TruthPlan in
arb, as without this tier (``brackets``: an entry only bracketed between two adjacent floats is
left to the caller as the pair; ``arb_points`` caps the arb work, the rest uncompared), as is
every point in float64 (whose rounding no float64 enclosure can decide) and every point when an
expression has no interval form or the platform's libm failed ``intervals.libm_trusted``.

Where arb decides an entry, the tier gives the same number (tested across the catalog); it may
decide an entry arb's ladder leaves NaN (uncompared) at every precision — mish's gradient at
x = −22736, −0 by its enclosure — which the audit then compares.
"""
from __future__ import annotations

import mmap
import multiprocessing
import os
from dataclasses import dataclass

import numpy as np

import derive
from derive.budget import fork_safe

from check.checks.kinds import flat_symbols
from check.numeric import intervals as I
from check.numeric import scaled as S
from check.numeric import shifted as H
from check.numeric.float_error import magnitude
from check.numeric.formats import format_of
from check.numeric.interval_code import compile_intervals

FAST_FORMATS = ("float16", "bfloat16", "float32")
SCALE_AGREEMENT = 1 + 2.0 ** -8          # a magnitude's ends agree to 8 bits


@dataclass
class BatchResult:
    values: np.ndarray          # (N, value entries): the truth correctly rounded; NaN where not decided
    value_scales: np.ndarray
    grads: np.ndarray | None    # (N, gradient entries), or None without a gradient
    grad_scales: np.ndarray | None
    fast: int                   # points decided by the intervals (the rest by arb, or bracketed)
    value_pairs: tuple = None   # (lower, upper) candidates per entry: the truth is one of them (equal
    grad_pairs: tuple = None    # where decided); only with ``brackets``, else None
    bracketed: np.ndarray = None    # per point: some entry is only bracketed (never without ``brackets``)
    skipped: int = 0                # points left uncompared (NaN) past ``arb_points``


def _rounded(lo: np.ndarray, hi: np.ndarray, dtype: str):
    """Of enclosures [lo, hi]: (round(lo), round(hi), decided, bracketed) — decided where both ends
    round to one float (the truth), bracketed where they round to two adjacent floats (the truth is
    one of them: the enclosure holds one rounding boundary and is too wide to tell which side)."""
    fmt = format_of(dtype)
    finite = np.isfinite(lo) & np.isfinite(hi)
    a, b = fmt.round_array(np.where(finite, lo, 0.0)), fmt.round_array(np.where(finite, hi, 0.0))
    decided = finite & (a == b)
    bracketed = np.zeros(decided.shape, dtype=bool)
    rest = np.flatnonzero(finite & ~decided)                # few: the ordinals only there
    if rest.size:
        ar, br = a[rest], b[rest]
        with np.errstate(invalid="ignore"):
            bracketed[rest] = (np.isfinite(ar) & np.isfinite(br)
                               & (fmt.ordinal_array(br) - fmt.ordinal_array(ar) == 1))
    return a, b, decided, bracketed


def _scaled(lo: np.ndarray, hi: np.ndarray, dtype: str):
    """(the magnitude's upper end, decided mask): finite, its ends within 8 bits, or below the
    format's smallest normal number (which the judgement's scale never goes below: check.numeric.
    float_error.judge takes max(scale, |want|, tiny))."""
    with np.errstate(all="ignore"):
        ok = np.isfinite(lo) & np.isfinite(hi) & ((hi <= lo * SCALE_AGREEMENT) | (hi < format_of(dtype).tiny))
    return np.where(ok, hi, 0.0), ok


#: Points evaluated per pass: a chunk's arrays stay in the CPU's cache (measured: 8192 of a 4×10
#: cross-entropy is 1.5× faster a point than 100,000 at once).
CHUNK = 8192

#: What a chunk writes per point: values (lower and upper candidates), their magnitudes, gradients
#: (both candidates) and the gradient's shared scale.
ROLES = ("v", "v2", "vm", "g", "g2", "gm")


def _outputs(roles, points: int, shared: bool) -> dict:
    """One (rows, points) float64 array per role (``ROLES``; "gm" one row); with ``shared`` in
    anonymous shared memory, so that forked processes write their chunks where this one reads them."""
    counts = {r: roles.count({"v2": "v", "g2": "g"}.get(r, r)) for r in ROLES}
    counts["gm"] = 1                                      # the gradient's one shared scale
    out = {}
    for r in ROLES:
        shape = (counts[r], points)
        if shared and counts[r] * points:
            buf = mmap.mmap(-1, counts[r] * points * 8)
            out[r] = np.frombuffer(buf, dtype=np.float64).reshape(shape)
        else:
            out[r] = np.empty(shape)
    return out


def _chunk(job, start: int, dest: dict):
    """One chunk of points, from row ``start`` of the job's (points, arguments) array: each output
    rounded (``_rounded``) or taken as a magnitude (``_scaled``) while in the cache, written to
    ``dest[role][:, start:…]``; returns (start, decided-or-bracketed per point, decided per point)."""
    fn, rows, roles, dtype, kind = job
    part = np.ascontiguousarray(rows[start:start + CHUNK].T)
    size = part.shape[1]
    cols = slice(start, start + size)
    with np.errstate(all="ignore"):
        ivs = fn(*[POINTS[kind](part[k]) for k in range(part.shape[0])])
        ivs = [PLAIN[kind](v) for v in ivs]
    ok, exact = np.ones(size, dtype=bool), np.ones(size, dtype=bool)
    at = {r: 0 for r in ROLES}
    fmax = format_of(dtype).largest          # the gradient's shared scale: its largest magnitude that fits
    gm = np.zeros(size)
    for role, v in zip(roles, ivs):
        lo = np.broadcast_to(np.asarray(v.lo, dtype=np.float64), (size,))
        hi = np.broadcast_to(np.asarray(v.hi, dtype=np.float64), (size,))
        if role in ("v", "g"):
            a, b, decided, bracketed = _rounded(lo, hi, dtype)
            dest[role][at[role], cols] = a
            dest[role + "2"][at[role], cols] = b
            ok &= decided | bracketed
            exact &= decided
        else:
            x, decided = _scaled(lo, hi, dtype)
            if role == "gm":
                np.maximum(gm, np.where(x <= fmax, x, 0.0), out=gm)
            else:
                dest[role][at[role], cols] = x
            ok &= decided
        at[role] += 1
    dest["gm"][0, cols] = gm
    return start, ok, exact


#: Per kind of enclosure (interval_code.MODULES): a column of points as enclosures, and an output
#: back as a plain interval (±inf or NaN ends where it is past float64).
POINTS = {"plain": I.Iv.point, "scaled": S.Sv.point, "shifted": H.Hv.point}
PLAIN = {"plain": I.iv, "scaled": lambda v: S.plain(S.sv(v)), "shifted": lambda v: S.plain(H.plain(v))}

#: The job and outputs forked workers use (set just before the fork; the compiled function is not
#: picklable, and the outputs are shared memory).
_JOB = None


def _forked_chunk(start: int):
    job, dest = _JOB
    return _chunk(job, start, dest)


def dask_chunk(source: str, part: np.ndarray, roles: list, dtype: str, kind: str, start: int):
    """``_chunk`` as a Dask task: the interval function sent as its source text (compiled once per
    worker: interval_code.from_source), the chunk's own rows, the start it stands for; returns
    (start, outputs, decided-or-bracketed, decided)."""
    from check.numeric.interval_code import from_source
    dest = _outputs(roles, part.shape[0], False)
    _, ok, exact = _chunk((from_source(source, kind), part, roles, dtype, kind), 0, dest)
    return start, dest, ok, exact


#: Points past which chunks are spread over forked processes (below it, one process is faster).
PROCESS_POINTS = 6 * CHUNK


def _in_processes(job, scheduler=None) -> tuple[dict, list]:
    """(outputs, [(start, decided-or-bracketed, decided) per chunk]) of every chunk of the job's
    points: on the Dask cluster of ``scheduler`` (a distributed.Client) when one is given; else over
    the machine's cores in forked processes (writing to shared memory) when there are many points,
    fork is available and this process may fork (derive.budget.fork_safe: no framework, no Dask
    client loaded); else one after another, here."""
    global _JOB
    fn, rows, roles, dtype, kind = job
    n = rows.shape[0]
    starts = range(0, n, CHUNK)
    cores = min(os.cpu_count() or 1, 8)
    forked = (scheduler is None and cores >= 2 and n >= PROCESS_POINTS and fork_safe()
              and "fork" in multiprocessing.get_all_start_methods())
    dest = _outputs(roles, n, forked)
    if scheduler is not None:
        futures = [scheduler.submit(dask_chunk, fn.source, np.ascontiguousarray(rows[s:s + CHUNK]), roles, dtype,
                                    kind, s, pure=False) for s in starts]
        flags = []
        for s, part, ok, exact in scheduler.gather(futures):     # the same chunks and arithmetic: the same results
            for r in ROLES:
                dest[r][:, s:s + part[r].shape[1]] = part[r]
            flags.append((s, ok, exact))
        return dest, flags
    if not forked:
        return dest, [_chunk(job, s, dest) for s in starts]
    _JOB = (job, dest)
    try:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            return dest, pool.map(_forked_chunk, starts)
    finally:
        _JOB = None


@dataclass(frozen=True)
class BatchTruth:
    plan: object                     # check.numeric.truth.TruthPlan
    fn: object                       # the interval function (build); None when an expression has no interval form
    scaled_fn: object = None         # the same on scaled enclosures (check.numeric.scaled), for what overflows
    shifted_fn: object = None        # and on shifted ones (check.numeric.shifted), for e^x past scaled's

    @classmethod
    def build(cls, plan) -> "BatchTruth":
        """One interval function of every argument (the inputs, then a VJP's cotangent) returning the
        forward's entries, their magnitudes, then — with a gradient — the gradient's entries and
        theirs: one source, so their common subexpressions (the exps of a softmax) are computed once."""
        prob, op = plan.prob, plan.op
        fwd = np.asarray(derive.forward(prob.spec, shape=prob.shape, params=prob.params), dtype=object).reshape(-1)
        mags = np.vectorize(magnitude, otypes=[object])
        exprs = list(fwd) + list(mags(fwd))
        if plan.grad_truth is not None:
            truth = np.asarray(op.truth, dtype=object).reshape(-1)
            exprs += list(truth) + list(mags(truth))
        symbols = flat_symbols(prob, op.extra_symbols)
        return cls(plan, *(compile_intervals(symbols, exprs, kind) for kind in ("plain", "scaled", "shifted")))

    @property
    def available(self) -> bool:
        return self.fn is not None and I.libm_trusted()

    def evaluate(self, points: list, dtype: str, gradient: bool = True) -> BatchResult:
        """The truth at every point (check.checks.points.Point, values exact floats of ``dtype``)."""
        flat = np.array([[float(v) for v in p.values_flat] for p in points], dtype=np.float64)
        return self.evaluate_rows(flat.reshape(len(points), -1), dtype, gradient, points.__getitem__)

    def evaluate_rows(self, flat: np.ndarray, dtype: str, gradient: bool, point_of,
                      brackets: bool = False, arb_points: int | None = None, scheduler=None) -> BatchResult:
        """The truth at each row of ``flat`` (the point's ``values_flat`` as floats of ``dtype``:
        inputs, then the cotangent for an activation); ``point_of(i)`` gives row i as a Point for
        the arb fallback (made only for the rows the intervals leave undecided).  With ``brackets``
        a point whose entries are each decided or *bracketed* (the truth one of two adjacent floats:
        within 2^-40 or so of a rounding boundary) is not sent to arb: its candidates are in
        ``value_pairs``/``grad_pairs`` for a caller that judges against both (check.audits.search),
        and ``settle`` computes the exact truth of the points it names.  ``arb_points`` caps the
        points computed in arb (the first ones, in row order); the rest are left NaN — not
        compared — and counted in ``skipped``.  ``scheduler`` (a distributed.Client): the interval
        chunks run as Dask tasks there (the arb fallback stays here)."""
        plan = self.plan
        gradient = gradient and plan.grad_truth is not None
        n = flat.shape[0]
        nv = plan.value_size
        ng = int(np.prod(plan.op.truth.shape, dtype=int)) if gradient else 0
        out = {"v": np.full((nv, n), np.nan), "v2": np.full((nv, n), np.nan), "vm": np.zeros((nv, n)),
               "g": np.full((ng, n), np.nan), "g2": np.full((ng, n), np.nan), "gm": np.zeros((1, n))}
        ok = exact = np.zeros(n, dtype=bool)
        if n and dtype in FAST_FORMATS and self.available:
            ok, exact = self._fast(flat, dtype, gradient, out, scheduler)
        done = ok if brackets else exact
        pairs_v, pairs_g = (out["v"].T.copy(), out["v2"].T.copy()), (out["g"].T.copy(), out["g2"].T.copy())
        values = np.where(pairs_v[0] == pairs_v[1], pairs_v[0], np.nan)
        grads = np.where(pairs_g[0] == pairs_g[1], pairs_g[0], np.nan) if gradient else None
        result = BatchResult(values, out["vm"].T.copy(), grads, np.repeat(out["gm"].T, ng, axis=1) if gradient else None,
                             int(exact.sum()), pairs_v if brackets else None, pairs_g if (brackets and gradient) else None,
                             (ok & ~exact) if brackets else np.zeros(n, dtype=bool))
        rest = np.flatnonzero(~done)
        if arb_points is not None and rest.size > arb_points:
            result.skipped = int(rest.size - arb_points)      # left NaN: not compared, never guessed
            rest = rest[:arb_points]
        self.settle(result, rest, dtype, point_of)
        return result

    def settle(self, result: BatchResult, rows, dtype: str, point_of) -> None:
        """The exact truth (arb, check.numeric.truth) at ``rows``, in place: a bracketed point's
        candidates become its one truth."""
        plan = self.plan
        for i in rows:
            i = int(i)
            p = point_of(i)
            result.values[i], result.value_scales[i] = plan.value(p, dtype)
            if result.grads is not None:
                result.grads[i], result.grad_scales[i] = plan.gradient(p, dtype)
            if result.value_pairs is not None:
                for pair, now in ((result.value_pairs, result.values), (result.grad_pairs, result.grads)):
                    if pair is not None:
                        pair[0][i], pair[1][i] = now[i], now[i]
                result.bracketed[i] = False

    def _fast(self, flat, dtype, gradient, out, scheduler=None) -> tuple[np.ndarray, np.ndarray]:
        nv = self.plan.value_size
        n = flat.shape[0]
        none = np.zeros(n, dtype=bool)
        if flat.shape[1] < len(flat_symbols(self.plan.prob, self.plan.op.extra_symbols)):
            return none, none                               # a loss audited without its extras: arb
        ng = out["g"].shape[0]
        roles = ["v"] * nv + ["vm"] * nv + ["g"] * ng + ["gm"] * ng
        ok, exact = none.copy(), none.copy()
        todo = np.arange(n)
        # plain, then scaled where undecided, then shifted where still undecided
        for fn, kind in ((self.fn, "plain"), (self.scaled_fn, "scaled"), (self.shifted_fn, "shifted")):
            if fn is None or not todo.size:
                continue
            every = todo.size == n
            job = (fn, flat if every else flat[todo], roles, dtype, kind)
            dest, flags = _in_processes(job, scheduler)
            good = np.concatenate([g for _, g, _ in flags])
            certain = np.concatenate([c for _, _, c in flags])
            if every and good.all():
                out.update(dest)
            else:
                for r in out:
                    out[r][:, todo[good]] = dest[r][:, good]
            ok[todo[good]] = True
            exact[todo[good & certain]] = True
            todo = np.flatnonzero(~exact)
        return ok, exact
