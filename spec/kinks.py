"""Points on and on both sides of a kink, for the entries that have one.

A kink at residual d = c (c a threshold such as delta, beta, 0 or the hinge margin) is visited at
c exactly and at c·(1 ± r), c ± r for r in 1e-1, 1e-4, 1e-9: a derivative wrong only in a narrow band
beside the kink is caught.
"""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from .domains import exact

OFFSETS = (F(1, 10), F(1, 10**4), F(1, 10**9))


def around(c) -> list[F]:
    """c, and values just below and just above it (relative offsets, absolute ones at c = 0)."""
    c = exact(c)
    out = [c]
    for r in OFFSETS:
        step = abs(c) * r if c else r
        out += [c - step, c + step]
    return out


def residual_at(thresholds, first="predicted", second="target"):
    """Points with ``first = second + d`` for d on and around each ±threshold(params)."""
    def points(p, params):
        out = []
        for c in thresholds(params):
            for d in sorted(set(around(c) + [-x for x in around(c)])):
                q = dict(p)
                q[first] = np.asarray(p[second] + d, dtype=object)
                out.append(q)
        return out
    return points


def entries_at(name, thresholds):
    """Points with every entry of ``name`` on and around each threshold(params)."""
    def points(p, params):
        out = []
        for c in thresholds(params):
            for v in around(c):
                q = dict(p)
                a = p[name].copy()
                a[...] = v
                q[name] = a
                out.append(q)
        return out
    return points
