"""An entry along a 1-D slice: its value and derivative, and where each form fails in float32/64.

The slice moves one entry, x[0, 0] = a, of the entry's first input; every other entry of every
input stays at the entry's first ordinary sample (seeded, so every run takes the same slice).
``a`` runs over a range suited to the input's domain (``RANGES``); values of ``a`` that leave the
domain are dropped.

    curve(s)            a, the forward (a loss; entry [0, 0] of an activation) and its derivative
                        w.r.t. x[0, 0], at 30 digits — what a card plots
    form_errors(s)      per form and float format: the relative error along a log grid of a
    failure_ranges(s)   per form and format: the intervals of a where the form fails

A form *fails* at a point when its float result is not finite while the truth is a finite float
of the format, or when it has lost more than half its digits (relative error above 2^-12 in
float32, 2^-26 in float64).  The intervals are the grid's runs of failing points, so an edge is
known to the grid's spacing (``GRID_PER_DECADE`` points a decade).
"""
from __future__ import annotations

import random
import zlib
from fractions import Fraction

import numpy as np

import derive
from spec.entry import call
from spec.xp import NUMPY

from check.numeric import mp_fallback as numeric
from check.checks import points as points_mod
from check.checks.verdict import params_for

DPS = 30
MAX_DPS = 7680
GRID_PER_DECADE = 20
FORMATS = ("float32", "float64")
HALF_DIGITS = {"float32": 2.0 ** -12, "float64": 2.0 ** -26}

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


def _points(s, grid):
    """(a, point) for each a of the grid that keeps the point in the domain."""
    base, first = base_point(s), s.inputs[0]
    out = []
    for a in grid:
        arr = base[first.name].copy()
        arr.flat[0] = Fraction(float(a))
        if first.domain.contains(arr):
            out.append((float(a), dict(base, **{first.name: arr})))
    return out


def sliceable(s) -> bool:
    return s.inputs[0].domain.name in RANGES


def _truth(s, point, params):
    """The forward's entry [0, 0] at the point at up to MAX_DPS digits (numeric.settled): the spec's
    forward may itself be the naive formula (log(1 + exp(x)) at x = −1e4 needs some 4,400 digits)."""
    def at(dps):
        ns = numeric.namespace(dps)
        args = [ns.array(point[n]) for n in s.input_names]
        try:
            value = s.forward(*args, xp=ns, **params_for(params, ns))
        except (ZeroDivisionError, ValueError, OverflowError):
            return np.asarray([ns.ctx.nan], dtype=object)
        return np.asarray([numeric.clean(np.asarray(value, dtype=object).flat[0], ns)], dtype=object)
    return numeric.settled(at, dps=DPS, max_dps=MAX_DPS)[0]


def curve(s, n: int = 161, params=None) -> tuple[list, list, list]:
    """(a, value, derivative) along the plotted range; the derivative from derive's closed form."""
    params = s.resolve_params(params)
    (lo, hi), _ = RANGES[s.inputs[0].domain.name]
    prob = derive.problem(s, None, params)
    first = s.input_names[0]
    if s.kind == "loss":
        d = np.asarray(derive.gradient(s, first, shape=prob.shape, params=params), dtype=object).flat[0]
    else:
        jac = np.asarray(derive.jacobian(s, first, shape=prob.shape, params=params), dtype=object)
        d = jac.reshape(int(np.prod(jac.shape[: jac.ndim // 2])), -1)[0, 0]
    fwd = np.asarray(derive.forward(s, shape=prob.shape, params=params), dtype=object).flat[0]
    compiled = numeric.compile_exprs(prob, "slice", np.asarray([fwd, d], dtype=object), DPS)
    xs, values, slopes = [], [], []
    for a, point in _points(s, np.linspace(lo, hi, n)):
        flat = [v for name in s.input_names for v in point[name].flat]
        v, g = numeric.evaluate(compiled, flat, DPS, (2,))
        if numeric.is_finite(v) and numeric.is_finite(g):
            xs.append(a), values.append(float(v)), slopes.append(float(g))
    return xs, values, slopes


def form_errors(s, params=None) -> dict:
    """{(form name, format): (a list, relative error list, truth list)}, each point first rounded to the format
    and the truth taken there; inf where the form is not finite but the truth is a finite float of
    the format; points where the truth is not such a float are left out."""
    params = s.resolve_params(params)
    _, grid = RANGES[s.inputs[0].domain.name]
    points = _points(s, grid)
    out = {}
    for fmt in FORMATS:
        fmax = float(np.finfo(fmt).max)
        rounded = [(a, r) for a, r in ((a, points_mod.rounded(p, fmt)) for a, p in points) if r is not None]
        truths = [_truth(s, p, params) for _, p in rounded]
        for form in s.forms:
            xs, errs, wants = [], [], []
            for (a, point), want in zip(rounded, truths):
                if not numeric.is_finite(want) or abs(float(want)) > fmax:
                    continue
                args = [np.asarray(np.asarray(point[n], dtype=np.float64), dtype=fmt) for n in s.input_names]
                with np.errstate(all="ignore"):
                    got = float(np.asarray(call(form.fn, args, NUMPY, dict(params))).flat[0])
                w = float(np.asarray(float(want), dtype=fmt))     # the truth as a float of the format
                err = float("inf") if not np.isfinite(got) else abs(got - w) / abs(w) if w else abs(got)
                xs.append(a), errs.append(err), wants.append(w)
            out[(form.name, fmt)] = (xs, errs, wants)
    return out


def failure_ranges(errors: dict) -> dict:
    """{(form, format): [(first a, last a, why), ...]} from form_errors' output; why is "not finite",
    "underflows" (inaccurate where the truth is below the format's smallest normal number) or
    "inaccurate"."""
    out = {}
    for (name, fmt), (xs, errs, wants) in errors.items():
        runs, current = [], None
        tiny = float(np.finfo(fmt).tiny)
        for a, e, w in zip(xs, errs, wants):
            why = ("not finite" if e == float("inf") else None if e <= HALF_DIGITS[fmt]
                   else "underflows" if abs(w) < tiny else "inaccurate")
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
