"""The search for the worst input: random points over the format's whole range, then a local search
in ulps, judged against the exact truth — where the audit's fixed points do not go.

    summary = search_worst(s, prob, plan, impl, "bfloat16", report, n=2000, seed=0)

1. ``n`` random points (check.audits.sampling: log-uniform magnitudes of both signs, a row's one
   dominant logit, probabilities near 0 and 1, …), each rounded to the format.
2. The implementation at all of them (``impl.evaluate``, in batches of BATCH), the truth at all of
   them (check.numeric.fast_truth: vectorised intervals, arb where they do not decide — the same
   correctly rounded numbers — for at most ARB_POINTS points a search: past that budget a point the
   intervals leave undecided is not compared, and counted as ``uncompared``), judged entry by entry
   by the one judgement
   (check.numeric.float_error.judge_array).  A point's *error* is the largest bits of error of its
   value and gradient entries (a crash: all the format's bits).
3. Local search: the LOCAL_POINTS worst points, each moved LOCAL_ROUNDS times by the best of
   LOCAL_PROPOSALS neighbours — one entry of a continuous input moved ±2^j ulps of the format
   (j = 0 … 10) — while the error grows.
4. Findings: for each kind found (nan, inf, wrong, inaccurate, crash, and their grad- forms), the
   point with the largest error of that kind is judged by the audit itself (check.audits.auditor.
   judge_case: conventions, reproducers), origin ``search`` or ``search:local``.

The summary (``AuditReport.search``): points searched, the worst error of the value and the gradient
and where, the points failing by kind, the *failure ranges* — along each input (``coordinates``: an
activation's entry where the error is, a loss input's entry of largest magnitude), the binades in which some point was not finite or inaccurate,
merged into ranges (the MAX_RANGES with the most failing points) — and a sample of (coordinate,
error) pairs for the error plot
(check.audits.plots).  Deterministic for a seed.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from check.audits.auditor import AuditReport, Case, judge_case
from check.audits.sampling import random_rows
from check.checks import points as pts
from check.numeric import float_error as fe
from check.numeric.fast_truth import BatchTruth
from check.numeric.formats import format_of

BATCH = 4096              # points per request to the implementation
LOCAL_POINTS = 8
LOCAL_ROUNDS = 6
LOCAL_PROPOSALS = 16
MAX_STEP = 10             # ulps moved: 2^0 … 2^MAX_STEP
MAX_RANGES = 4           # failure ranges reported per input and class (those with the most failing points)
PLOT_POINTS = 1500        # (coordinate, error) pairs kept per input for the plot
MAX_SEARCH = 1_000_000    # points a search may ask for
ARB_POINTS = 2000         # points a search computes in arb where the intervals do not decide (the rest: uncompared)

CONTINUOUS = ("real", "nonzero", "positive", "nonnegative", "probability", "log_probability")


class _Layout:
    """Where each input's entries sit in a row (check.audits.sampling.random_rows' order)."""

    def __init__(self, s, shapes: dict, extra_shapes: dict):
        self.inputs, start = [], 0
        for inp in s.inputs:
            shape = tuple(shapes[inp.name])
            size = int(np.prod(shape, dtype=int))
            self.inputs.append((inp.name, inp.domain.name, shape, slice(start, start + size)))
            start += size
        self.extras = []
        for name, shape in extra_shapes.items():
            size = int(np.prod(shape, dtype=int))
            self.extras.append((name, tuple(shape), slice(start, start + size)))
            start += size
        self.width = start
        movable = np.zeros(start, dtype=bool)
        for _, domain, _, sl in self.inputs:
            movable[sl] = domain in CONTINUOUS
        self.movable = np.flatnonzero(movable)

    def case(self, row: np.ndarray, fmt, origin: str, exact: bool = False) -> Case:
        args = [np.asarray(row[sl].reshape(shape), dtype=fmt.numpy_dtype) for _, _, shape, sl in self.inputs]
        cot = None
        for name, shape, sl in self.extras:
            if name == "cotangent":
                cot = np.asarray(row[sl].reshape(shape), dtype=fmt.numpy_dtype)
        point = self.point(row, origin) if exact else None
        return Case(point, args, cot)

    def point(self, row: np.ndarray, origin: str) -> pts.Point:
        def exact(sl, shape):
            arr = np.empty(int(np.prod(shape, dtype=int)), dtype=object)
            arr[:] = [Fraction(float(v)) for v in row[sl]]
            return arr.reshape(shape)
        return pts.Point({n: exact(sl, shape) for n, _, shape, sl in self.inputs}, origin,
                         {n: exact(sl, shape) for n, shape, sl in self.extras})

    def domain_clip(self, rows: np.ndarray, fmt) -> np.ndarray:
        least = math.ldexp(1.0, fmt.emin - fmt.p + 1)
        for _, domain, _, sl in self.inputs:
            block = rows[:, sl]
            if domain == "probability":
                block = np.clip(block, 0.0, 1.0)
            elif domain == "log_probability":
                block = np.minimum(block, 0.0)
            elif domain == "positive":
                block = np.maximum(block, least)
            elif domain == "nonnegative":
                block = np.maximum(block, 0.0)
            elif domain == "nonzero":
                block = np.where(block == 0, least, block)
            rows[:, sl] = block
        return rows


def _evaluate(impl, layout, rows, fmt, dtype):
    """The implementation at every row: a list of (value, grad) or an exception/message."""
    out = []
    for start in range(0, rows.shape[0], BATCH):
        cases = [layout.case(r, fmt, "search") for r in rows[start:start + BATCH]]
        out += impl.evaluate(cases, dtype, further=False)      # the first input's gradient is searched
    return out


def _flat(x, size):
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    return np.broadcast_to(a, (size,)) if a.size == 1 and size != 1 else a


def _gots(results, nv: int, ng: int):
    """The implementation's results as arrays: (values (rows, nv), gradients (rows, ng), crashed)."""
    n = len(results)
    got_v, got_g = np.full((n, nv), np.nan), np.full((n, ng), np.nan)
    crashed = np.zeros(n, dtype=bool)
    for i, r in enumerate(results):
        if isinstance(r, (BaseException, str)):
            crashed[i] = True
            continue
        value, g = r[0], r[1]
        v = _flat(value, nv)
        if v.size == nv:
            got_v[i] = v
        if ng and g is not None:
            gg = _flat(g, ng)
            if gg.size == ng:
                got_g[i] = gg
    return got_v, got_g, crashed


def _codes(got, want, scales, dtype):
    code, bits, _ = fe.judge_array(got, want, scales, dtype)
    with np.errstate(invalid="ignore"):                     # off by more than the entry: a wrong value
        wrong = ((code == fe.INACCURATE) | (code == fe.UNDERFLOW)) & (np.abs(got - want) > np.abs(want))
    code[wrong] = WRONG
    return code, bits


def _judged(gots, truth, dtype):
    """(error per row (max bits), {part: (codes, bits, got, truth)}, rows to settle).  A bracketed
    entry (check.numeric.fast_truth: the truth one of two adjacent floats) is judged against both:
    where the kinds agree that is the judgement and its bits the larger count (at most one over);
    where they differ the row is returned, to be settled exactly and judged again."""
    got_v, got_g, crashed = gots
    parts, unsettled = {}, np.zeros(len(crashed), dtype=bool)
    sides = [("value", got_v, truth.value_pairs or (truth.values, truth.values), truth.value_scales)]
    if got_g.shape[1]:
        sides.append(("grad", got_g, truth.grad_pairs or (truth.grads, truth.grads), truth.grad_scales))
    for part, got, (lo, hi), scales in sides:
        c1, b1 = _codes(got, lo, scales, dtype)
        c2, b2 = _codes(got, hi, scales, dtype)
        unsettled |= (c1 != c2).any(axis=1)
        parts[part] = (c1, np.maximum(b1, b2), got, lo)
    err = np.zeros(len(crashed))
    for code, bits, _, _ in parts.values():
        if bits.shape[1]:
            err = np.maximum(err, bits.max(axis=1))
    err[crashed] = float(format_of(dtype).width)
    for code, _, _, _ in parts.values():
        code[crashed] = fe.NOT_COMPARED
    return err, parts, np.flatnonzero(unsettled & ~crashed)


WRONG = 9                  # a judgement code of this module: inaccurate and off by more than the entry


def search_worst(s, prob, plan, impl, dtype: str, report: AuditReport, n: int, seed: int, scheduler=None) -> dict:
    """The search (module docstring); adds its findings to ``report`` and returns the summary.
    ``scheduler``: a distributed.Client the truth's chunks run on (check.audits.scale_out)."""
    n = int(n)
    if not 0 < n <= MAX_SEARCH:
        raise ValueError(f"a search asks for 1 to {MAX_SEARCH:,} points, got {n}")
    fmt = format_of(dtype)
    shapes = s.shapes(prob.shape)
    layout = _Layout(s, shapes, plan.op.extra_shapes)
    batch = BatchTruth.build(plan)
    rows = random_rows(s, shapes, plan.op.extra_shapes, dtype, n, seed)
    origins = ["search"] * n

    nv = plan.value_size
    ng = int(np.prod(plan.op.truth.shape, dtype=int)) if impl.gradient else 0
    budget = {"arb": 0, "skipped": 0}

    def run(rows):
        results = _evaluate(impl, layout, rows, fmt, dtype)
        point_of = (lambda i: layout.point(rows[i], "search"))
        truth = batch.evaluate_rows(rows, dtype, impl.gradient, point_of, brackets=True,
                                    arb_points=max(0, ARB_POINTS - budget["arb"]), scheduler=scheduler)
        budget["arb"] += rows.shape[0] - truth.fast - int(truth.bracketed.sum()) - truth.skipped
        budget["skipped"] += truth.skipped
        gots = _gots(results, nv, ng)
        err, parts, unsettled = _judged(gots, truth, dtype)
        if unsettled.size:                           # the two candidates judged apart: the exact truth there
            batch.settle(truth, unsettled, dtype, point_of)
            err, parts, _ = _judged(gots, truth, dtype)
        return results, truth, err, parts, gots, unsettled.size

    results, truth, err, parts, gots, settled = run(rows)
    # local search: the worst points, moved in ulps while their error grows
    rng = np.random.default_rng(seed + 1)
    local = 0
    order = np.argsort(-err, kind="stable")[:LOCAL_POINTS]
    order = [int(i) for i in order if err[i] > 0]
    best = {i: (rows[i].copy(), err[i]) for i in order}
    for _ in range(LOCAL_ROUNDS if layout.movable.size else 0):
        if not best:
            break
        keys = list(best)
        proposals = np.repeat(np.array([best[i][0] for i in keys]), LOCAL_PROPOSALS, axis=0)
        cols = layout.movable[rng.integers(0, layout.movable.size, proposals.shape[0])]
        x = proposals[np.arange(proposals.shape[0]), cols]
        e = np.frexp(np.abs(x))[1] - 1
        ulp = np.ldexp(1.0, np.maximum(e, fmt.emin) - (fmt.p - 1))
        step = np.ldexp(1.0, rng.integers(0, MAX_STEP + 1, proposals.shape[0])) * rng.choice([-1.0, 1.0], proposals.shape[0])
        proposals[np.arange(proposals.shape[0]), cols] = np.clip(fmt.cast_array(x + step * ulp), -fmt.largest, fmt.largest)
        proposals = layout.domain_clip(proposals, fmt)
        p_results, p_truth, p_err, p_parts, p_gots, p_settled = run(proposals)
        local += proposals.shape[0]
        settled += p_settled
        rows = np.vstack([rows, proposals])
        results += p_results
        err = np.concatenate([err, p_err])
        gots = tuple(np.concatenate([a, b]) for a, b in zip(gots, p_gots))
        truth = _stack(truth, p_truth)
        origins += ["search:local"] * proposals.shape[0]
        for k, i in enumerate(keys):
            block = p_err[k * LOCAL_PROPOSALS:(k + 1) * LOCAL_PROPOSALS]
            j = int(np.argmax(block))
            if block[j] > best[i][1]:
                best[i] = (proposals[k * LOCAL_PROPOSALS + j].copy(), block[j])
    # the rows reported (the worst of each part and of each kind) get their exact truth
    point_of = (lambda i: layout.point(rows[i], origins[i]))
    while True:
        err, parts, _ = _judged(gots, truth, dtype)
        chosen = set(_reported_rows(parts, err, gots[2]))
        pending = [i for i in chosen if truth.bracketed[i]]
        if not pending:
            break
        batch.settle(truth, pending, dtype, point_of)
        settled += len(pending)
    arb_points = budget["arb"] + settled
    return _summary(s, plan, impl, dtype, report, layout, fmt, rows, origins, results, truth, err, parts, gots[2],
                    n, local, arb_points, seed, budget["skipped"])


def _failing(parts, crashed) -> dict:
    """Per finding kind (nan, grad-inf, …, crash): which rows have it."""
    out = {}
    for part, (code, _, _, _) in parts.items():
        prefix = "" if part == "value" else "grad-"
        for c, kind in KIND_OF.items():
            hit = (code == c).any(axis=1) if code.shape[1] else np.zeros(len(crashed), dtype=bool)
            if hit.any():
                out[prefix + kind] = out.get(prefix + kind, np.zeros(len(crashed), dtype=bool)) | hit
    if crashed.any():
        out["crash"] = crashed
    return out


def _reported_rows(parts, err, crashed) -> list:
    """The rows the summary and the findings name: the worst of each kind, the worst of each part."""
    rows = [int(np.flatnonzero(hit)[np.argmax(err[hit])]) for hit in _failing(parts, crashed).values()]
    for code, bits, _, _ in parts.values():
        if bits.shape[1]:
            rows.append(int(np.argmax(bits.max(axis=1))))
    return rows


def _stack(a, b):
    from check.numeric.fast_truth import BatchResult
    cat = (lambda x, y: None if x is None else np.vstack([x, y]))
    pair = (lambda x, y: None if x is None else (cat(x[0], y[0]), cat(x[1], y[1])))
    return BatchResult(cat(a.values, b.values), cat(a.value_scales, b.value_scales), cat(a.grads, b.grads),
                       cat(a.grad_scales, b.grad_scales), a.fast + b.fast, pair(a.value_pairs, b.value_pairs),
                       pair(a.grad_pairs, b.grad_pairs), np.concatenate([a.bracketed, b.bracketed]),
                       a.skipped + b.skipped)


KIND_OF = {fe.NAN: "nan", fe.INF: "inf", fe.INACCURATE: "inaccurate", fe.UNDERFLOW: "inaccurate", WRONG: "wrong"}


def _summary(s, plan, impl, dtype, report, layout, fmt, rows, origins, results, truth, err, parts, crashed,
             n, local, arb_points, seed, skipped) -> dict:
    # the points failing, by kind; the worst point of each kind is judged by the audit itself
    worst_of: dict = {}
    failing = _failing(parts, crashed)
    for name, hit in failing.items():
        i = int(np.flatnonzero(hit)[np.argmax(err[hit])])
        worst_of[name] = i
    conventions = set()
    for name, i in sorted(worst_of.items()):
        scratch = AuditReport(report.spec, report.implementation, report.backend, dtype,
                              gradient_checked=report.gradient_checked)
        case = layout.case(rows[i], fmt, origins[i], exact=True)
        r = results[i]
        truths = None
        if not isinstance(r, (BaseException, str)):
            gi = (truth.grads[i], truth.grad_scales[i]) if truth.grads is not None and r[1] is not None else None
            truths = ((truth.values[i], truth.value_scales[i]), gi)
        judge_case(scratch, s, plan, impl, dtype, case, r, truths)
        for f in scratch.findings:
            if f.kind == name or (f.kind == "convention" and f.detail.startswith(name + " ")):
                if f not in report.findings:
                    report.findings.append(f)
                if f.kind == "convention":
                    conventions.add(name)
    # the worst error of value and gradient, and where
    worst = {}
    for part, (code, bits, got, want) in parts.items():
        if not bits.shape[1]:
            continue
        per_row = bits.max(axis=1)
        i = int(np.argmax(per_row))
        k = int(np.argmax(bits[i]))
        worst[part] = {"bits": round(float(per_row[i]), 2), "origin": origins[i],
                       "inputs": {nm: [repr(float(v)) for v in rows[i][sl]] for nm, _, _, sl in layout.inputs},
                       "entry": k, "expected": repr(float(want[i, k])), "got": repr(float(got[i, k]))}
    coords = coordinates(layout, rows, parts)
    report.points += len(rows)
    report.worst_bits = max(report.worst_bits, worst.get("value", {}).get("bits", 0.0))
    report.worst_grad_bits = max(report.worst_grad_bits, worst.get("grad", {}).get("bits", 0.0))
    compared = sum(int((code != fe.NOT_COMPARED).sum()) for code, _, _, _ in parts.values())
    report.compared += compared
    return {"seed": seed, "random": n, "local": local, "arb_points": int(arb_points), "uncompared": int(skipped),
            "compared": compared,
            "worst": worst, "failing": {k: int(v.sum()) for k, v in sorted(failing.items())},
            "conventions": sorted(conventions),
            "ranges": failure_ranges(layout, coords, failing),
            "plot": _plot_sample(layout, coords, err, failing, seed)}


def coordinates(layout, rows, parts) -> dict:
    """Each point's place along each input: for an input of as many entries as the value (an
    activation's), its entry where the error of the value and the gradient is largest — the entry
    the error is about; otherwise (a loss's inputs) its entry of largest magnitude.  Signed."""
    per_entry = None
    for code, bits, _, _ in parts.values():
        if bits.shape[1] and (per_entry is None or per_entry.shape == bits.shape):
            per_entry = bits if per_entry is None else np.maximum(per_entry, bits)
    out = {}
    for name, _, _, sl in layout.inputs:
        block = rows[:, sl]
        if per_entry is not None and per_entry.shape[1] == block.shape[1] > 1:
            k = np.argmax(per_entry, axis=1)
        else:
            k = np.argmax(np.abs(block), axis=1)
        out[name] = block[np.arange(len(rows)), k]
    return out


def _binade(x: np.ndarray) -> np.ndarray:
    """A sortable key per value: its sign times (its binade + 1100), 0 for zero."""
    e = np.frexp(np.abs(x))[1].astype(np.int64)
    return np.where(x == 0, 0, np.sign(x).astype(np.int64) * (e + 1100))


def failure_ranges(layout, coords: dict, failing: dict) -> list:
    """Along each input, the ranges of its coordinate (``coordinates``) over which points were not
    finite (nan, inf, crash) or inaccurate (inaccurate, wrong): consecutive binades holding a
    failing point merged, reported from the least to the largest failing coordinate in them, with
    the points failing and searched there."""
    out = []
    classes = {"not finite": [k for k in failing if k.split("-")[-1] in ("nan", "inf", "crash")],
               "inaccurate": [k for k in failing if k.split("-")[-1] in ("inaccurate", "wrong")]}
    found = []
    for name, _, _, _ in layout.inputs:
        coord = coords[name]
        keys = _binade(coord)
        order = np.unique(keys)
        for label, kinds in classes.items():
            if not kinds:
                continue
            bad = np.zeros(len(coord), dtype=bool)
            for k in kinds:
                bad |= failing[k]
            bad_bins = set(np.unique(keys[bad]).tolist())
            run = []
            for b in list(order.tolist()) + [None]:
                if b is not None and b in bad_bins:
                    run.append(b)
                    continue
                if run:
                    inside = np.isin(keys, run)
                    xs = coord[inside & bad]
                    found.append({"input": name, "kind": label, "from": repr(float(xs.min())),
                                  "to": repr(float(xs.max())), "failing": int((inside & bad).sum()),
                                  "of": int(inside.sum())})
                    run = []
            found.sort(key=lambda r: -r["failing"])          # the MAX_RANGES with the most failing points,
            out += sorted(found[:MAX_RANGES], key=lambda r: float(r["from"]))   # in order along the input
            found = []
    return out


def _plot_sample(layout, coords: dict, err, failing, seed) -> dict:
    """Per input: (coordinate, error bits, failed) for up to PLOT_POINTS points — every failing one
    first (a seeded sample where there are more), then a seeded sample of the rest."""
    rng = np.random.default_rng(seed + 2)
    bad = np.zeros(len(err), dtype=bool)
    for v in failing.values():
        bad |= v
    idx_bad, idx_good = np.flatnonzero(bad), np.flatnonzero(~bad)
    take_bad = idx_bad if idx_bad.size <= PLOT_POINTS // 2 else np.sort(rng.choice(idx_bad, PLOT_POINTS // 2, replace=False))
    room = PLOT_POINTS - take_bad.size
    take_good = idx_good if idx_good.size <= room else np.sort(rng.choice(idx_good, room, replace=False))
    chosen = np.concatenate([take_good, take_bad])
    out = {}
    for name, _, _, _ in layout.inputs:
        coord = coords[name][chosen]
        out[name] = [[float(c), round(float(e), 2), bool(b)] for c, e, b in zip(coord, err[chosen], bad[chosen])]
    return out
