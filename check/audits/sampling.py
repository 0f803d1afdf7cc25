"""Random inputs over a float format's whole range, for the audit's search (check.audits.search).

    rows = random_rows(spec, shapes, extra_shapes, "float16", n=1000, rng=np.random.default_rng(0))
    rows                                  # (n, entries) float64: every input flattened in input order,
                                          # then each extra (a VJP's cotangent): a Point's values_flat

Each entry is a number of the format, inside its input's domain:

    real, nonzero     a third each: sign · 2^u, u uniform over the format's exponents (its least
                      subnormal to its largest number — log-uniform magnitudes, both signs, as Herbie
                      samples bit patterns); ordinary N(0, 3²); ordinary rows with one dominant
                      entry ±2^u, u in [2, emax] (a softmax's one large logit)
    positive          2^u over the format's exponents (nonnegative: and 0 one time in twenty)
    probability       a third each: uniform in [0, 1]; 2^-u near 0; 1 − 2^-u near 1 (0 and 1 included)
    log_probability   −2^u over the format's exponents, and 0
    any other domain  (one-hot, simplex, multi-hot rows, labels, counts) a draw from a pool of the
                      domain's own samples (spec.domains) that stay inside it once rounded

An extra (cotangent, tangent) is ordinary N(0, 1), or all ones one time in four.
"""
from __future__ import annotations

import random

import numpy as np

from check.numeric.formats import format_of

POOL = 32                   # samples of a discrete domain to draw from


def _exponents(fmt, shape, rng, low=None, high=None):
    low = fmt.emin - fmt.p + 1 if low is None else low
    high = fmt.emax + 1 if high is None else high
    return np.exp2(rng.uniform(low, high, shape))


def _signs(shape, rng):
    return rng.choice(np.array([-1.0, 1.0]), shape)


def _real(fmt, n, shape, rng):
    out = rng.normal(0.0, 3.0, (n,) + shape)
    kind = rng.integers(0, 3, n)
    wide = kind == 0
    out[wide] = _signs((int(wide.sum()),) + shape, rng) * _exponents(fmt, (int(wide.sum()),) + shape, rng)
    dominant = np.flatnonzero(kind == 2)
    if dominant.size and shape:
        rows = int(np.prod(shape[:-1], dtype=int))
        flat = out.reshape(n, rows, shape[-1])
        cols = rng.integers(0, shape[-1], (dominant.size, rows))
        big = _signs((dominant.size, rows), rng) * _exponents(fmt, (dominant.size, rows), rng, 2, fmt.emax + 1)
        flat[dominant[:, None], np.arange(rows)[None, :], cols] = big
    return out


def _positive(fmt, n, shape, rng):
    return _exponents(fmt, (n,) + shape, rng)


def _probability(fmt, n, shape, rng):
    kind = rng.integers(0, 3, (n,) + shape)
    near = _exponents(fmt, (n,) + shape, rng, fmt.emin - fmt.p + 1, 0)      # (0, 1]
    out = np.where(kind == 0, rng.uniform(0.0, 1.0, (n,) + shape), np.where(kind == 1, near, 1.0 - near))
    edge = rng.random((n,) + shape) < 0.02
    return np.where(edge, rng.choice(np.array([0.0, 1.0]), (n,) + shape), out)


def _continuous(domain: str, fmt, n, shape, rng):
    if domain in ("real", "nonzero"):
        out = _real(fmt, n, shape, rng)
    elif domain in ("positive", "nonnegative"):
        out = _positive(fmt, n, shape, rng)
        if domain == "nonnegative":
            out[rng.random(out.shape) < 0.05] = 0.0
    elif domain == "probability":
        out = _probability(fmt, n, shape, rng)
    elif domain == "log_probability":
        out = -_positive(fmt, n, shape, rng)
        out[rng.random(out.shape) < 0.05] = 0.0
    else:
        return None
    out = fmt.cast_array(out)
    out = np.clip(out, -fmt.largest, fmt.largest)                           # an overflow to inf: the largest
    least = np.ldexp(1.0, fmt.emin - fmt.p + 1)
    if domain in ("nonzero", "positive"):
        out = np.where(out == 0, least, out)                                 # a flush to 0: the least subnormal
    if domain == "probability":
        out = np.clip(out, 0.0, 1.0)
    return out


def _pool(inp, shape, fmt, rng: random.Random) -> np.ndarray:
    """Samples of a discrete domain (the domain's ordinary and extreme arrays) that stay in it when
    rounded to the format, as float64 arrays: (count, *shape)."""
    from fractions import Fraction
    candidates = [inp.domain.ordinary(shape, rng) for _ in range(POOL)] + inp.domain.extremes(shape, rng)
    kept = []
    for arr in candidates:
        wide = fmt.cast_array(np.asarray(arr, dtype=np.float64))
        exact = np.empty(wide.shape, dtype=object)
        exact.flat[:] = [Fraction(float(v)) for v in wide.flat]
        if np.isfinite(wide).all() and inp.domain.contains(exact):
            kept.append(wide)
    if not kept:
        raise ValueError(f"no sample of {inp.domain.name} stays in the domain rounded to {fmt.name}")
    return np.array(kept)


def random_rows(s, shapes: dict, extra_shapes: dict, dtype: str, n: int, seed: int) -> np.ndarray:
    """n random points of spec ``s`` in ``dtype`` (see the module docstring), one row each: every
    input's entries in input order, then each extra's.  Deterministic in ``seed``."""
    fmt = format_of(dtype)
    rng = np.random.default_rng(seed)
    pool_rng = random.Random(seed)
    columns = []
    for inp in s.inputs:
        shape = tuple(shapes[inp.name])
        block = _continuous(inp.domain.name, fmt, n, shape, rng)
        if block is None:
            pool = _pool(inp, shape, fmt, pool_rng)
            block = pool[rng.integers(0, len(pool), n)]
        columns.append(block.reshape(n, -1))
    for _, shape in extra_shapes.items():
        block = fmt.cast_array(rng.normal(0.0, 1.0, (n,) + tuple(shape)))
        block[rng.random(n) < 0.25] = 1.0
        columns.append(block.reshape(n, -1))
    return np.hstack(columns) if columns else np.zeros((n, 0))
