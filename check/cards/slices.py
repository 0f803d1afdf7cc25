"""An entry along a 1-D slice: its value and derivative, and where each form fails in float32/64.

The slice moves one entry, x[0, 0] = a, of the entry's first input; every other entry of every
input stays at the entry's first ordinary sample (seeded, so every run takes the same slice).
``a`` runs over a range suited to the input's domain (``RANGES``); values of ``a`` that leave the
domain are dropped.

    curve(s)            a, the forward (a loss; entry [0, 0] of an activation) and its derivative
                        w.r.t. x[0, 0], correctly rounded to float64 — what a card plots
    form_errors(s)      per form and float format: along a log grid of a, each form's float result
                        judged against the truth (check.numeric.float_error.judge)
    failure_ranges(s)   per form and format: the intervals of a where the form fails

The truth is the one engine's (check.numeric.truth: ball arithmetic, correctly rounded to the format,
precision raised as far as a naive forward needs).  A form *fails* at a point as every float check
judges it: not finite where the truth is a finite float of the format, or more than 2^(p/2) ulps of
the forward's magnitude off ("underflows" where the truth is subnormal).  The intervals are the
grid's runs of failing points, so an edge is known to the grid's spacing (``GRID_PER_DECADE`` points
a decade).
"""
from __future__ import annotations

import random
import zlib
from fractions import Fraction

import numpy as np

import derive
from spec.entry import call
from spec.kinds import first_order_kind
from spec.xp import NUMPY

from check.checks import points as points_mod
from check.numeric.float_error import judge
from check.numeric.truth import TruthPlan

GRID_PER_DECADE = 20
FORMATS = ("float32", "float64")

#: domain name -> (plotted range of a, log-grid of a for failure ranges)
def _sym_log(lo_exp, hi_exp):
    pos = np.logspace(lo_exp, hi_exp, (hi_exp - lo_exp) * GRID_PER_DECADE + 1)
    return np.concatenate([-pos[::-1], [0.0], pos])


RANGES = {
    "real": ((-8.0, 8.0), _sym_log(-2, 4)),
    "nonzero": ((-8.0, 8.0), _sym_log(-4, 4)),
    "positive": ((0.01, 8.0), np.logspace(-40, 4, 44 * GRID_PER_DECADE + 1)),
    "nonnegative": ((0.0, 8.0), np.concatenate([[0.0], np.logspace(-40, 4, 44 * GRID_PER_DECADE + 1)])),
    "probability": ((0.001, 0.999), np.concatenate([np.logspace(-40, -0.31, 200), 1 - np.logspace(-0.31, -16, 200)])),
    "log_probability": ((-8.0, -0.01), -np.logspace(-4, 4, 8 * GRID_PER_DECADE + 1)),
}


def base_point(s) -> dict:
    """The fixed point the slice passes through: the entry's first ordinary sample (seeded)."""
    rng = random.Random(zlib.crc32(s.name.encode()))
    shapes = s.shapes(s.default_shape)
    return {i.name: i.domain.ordinary(shapes[i.name], rng) for i in s.inputs}


def _plan(s, params, gradient: bool) -> TruthPlan:
    return TruthPlan.build(derive.problem(s, None, params), first_order_kind(s), s.input_names[0], gradient)


def _points(s, grid, plan: TruthPlan):
    """(a, point) for each a of the grid that keeps the point in the domain; an activation's
    cotangent picks entry [0, 0] (its VJP there is ∂f[0, 0]/∂x[0, 0])."""
    base, first = base_point(s), s.inputs[0]
    extras = {}
    for name, shape in plan.op.extra_shapes.items():
        onehot = np.full(shape, Fraction(0), dtype=object)
        onehot.flat[0] = Fraction(1)
        extras[name] = onehot
    out = []
    for a in grid:
        arr = base[first.name].copy()
        arr.flat[0] = Fraction(float(a))
        if first.domain.contains(arr):
            out.append((float(a), points_mod.Point(dict(base, **{first.name: arr}), "slice", extras)))
    return out


def sliceable(s) -> bool:
    return s.inputs[0].domain.name in RANGES


def curve(s, n: int = 161, params=None) -> tuple[list, list, list]:
    """(a, value, derivative) along the plotted range, correctly rounded to float64; the derivative
    from derive's closed form.  Points where either is not a finite float64 are left out."""
    params = s.resolve_params(params)
    (lo, hi), _ = RANGES[s.inputs[0].domain.name]
    plan = _plan(s, params, gradient=True)
    xs, values, slopes = [], [], []
    for a, point in _points(s, np.linspace(lo, hi, n), plan):
        v = plan.value(point, "float64")[0][0]
        g = plan.gradient(point, "float64")[0][0]
        if np.isfinite(v) and np.isfinite(g):
            xs.append(a), values.append(float(v)), slopes.append(float(g))
    return xs, values, slopes


def form_errors(s, params=None) -> dict:
    """{(form name, format): (a list, relative error list, judgement kind list)}: each point first
    rounded to the format and the truth taken there; the relative error is against the forward's
    magnitude (inf where the form is not finite); points where the truth is not a finite float of
    the format are left out."""
    params = s.resolve_params(params)
    _, grid = RANGES[s.inputs[0].domain.name]
    plan = _plan(s, params, gradient=False)
    points = _points(s, grid, plan)
    out = {}
    for fmt in FORMATS:
        rounded = [(a, r) for a, r in ((a, points_mod.rounded(p.values, fmt)) for a, p in points) if r is not None]
        truths = [plan.value(points_mod.Point(r, "slice"), fmt) for _, r in rounded]
        for form in s.forms:
            xs, errs, kinds = [], [], []
            for (a, point), (wants, scales) in zip(rounded, truths):
                args = [np.asarray(np.asarray(point[n], dtype=np.float64), dtype=fmt) for n in s.input_names]
                with np.errstate(all="ignore"):
                    got = float(np.asarray(call(form.fn, args, NUMPY, dict(params))).flat[0])
                j = judge(got, float(wants[0]), float(scales[0]), fmt)
                if j is not None:
                    xs.append(a), errs.append(j.relative), kinds.append(j.kind)
            out[(form.name, fmt)] = (xs, errs, kinds)
    return out


def failure_ranges(errors: dict) -> dict:
    """{(form, format): [(first a, last a, why), ...]} from form_errors' output; why is "not finite",
    "underflows" or "inaccurate" (the judgement's kinds)."""
    why_of = {"nan": "not finite", "inf": "not finite", "underflow": "underflows", "inaccurate": "inaccurate"}
    out = {}
    for (name, fmt), (xs, _, kinds) in errors.items():
        runs, current = [], None
        for a, kind in zip(xs, kinds):
            why = why_of.get(kind)
            if why and current and current[2] == why:
                current[1] = a
            else:
                if current:
                    runs.append(tuple(current))
                current = [a, a, why] if why else None
        if current:
            runs.append(tuple(current))
        out[(name, fmt)] = runs
    return out
