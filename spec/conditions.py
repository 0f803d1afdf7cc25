"""Domain conditions shared by catalog entries.

Each returns a ``Condition``: a predicate on exact points, a projection inside it (or None), a
step outside it, and, where a proof can use it, SymPy substitutions imposing it.
"""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from .domains import exact
from .entry import Condition


def _replace(point: dict, name: str, arr) -> dict:
    out = dict(point)
    out[name] = arr
    return out


def rows_sum_to_one(name: str) -> Condition:
    """Every last-axis row of input ``name`` sums to exactly 1."""
    def holds(p, params):
        a = p[name]
        return all(sum(r) == 1 for r in a.reshape(-1, a.shape[-1]))

    def inside(p, params):
        a = p[name].copy()
        for idx in np.ndindex(a.shape[:-1]):
            s = sum(a[idx])
            a[idx] = a[idx] / s if s else np.array([F(1, a.shape[-1])] * a.shape[-1], dtype=object)
        return _replace(p, name, a)

    def outside(p, params):
        return _replace(inside(p, params), name, inside(p, params)[name] / 2)

    def subs(symbols, params, xp):
        s = symbols[name]
        return {s[idx + (-1,)]: 1 - sum(s[idx][:-1]) for idx in np.ndindex(s.shape[:-1])}

    def identities(symbols, params, xp):
        return [(xp.sum(symbols[name], axis=-1), 1)]

    return Condition(f"{name}_rows_sum_to_1", f"each {name} row (last axis) sums to 1",
                     holds, outside, inside, subs, identities)


def entries_nonzero(name: str) -> Condition:
    """No entry of ``name`` is 0 (outside: a row given a 0 entry, renormalised if it was a simplex row)."""
    def holds(p, params):
        return all(v != 0 for v in p[name].flat)

    def outside(p, params):
        a = p[name].copy()
        first = (0,) * a.ndim
        moved = a[first]
        a[first] = F(0)
        if a.ndim and a.shape[-1] > 1:                 # keep a simplex row on the simplex
            a[first[:-1] + (1,)] += moved
        return _replace(p, name, a)

    return Condition(f"{name}_nonzero", f"every {name} entry is nonzero", holds, outside)


def entries_above(name: str, bound, *, strict=True, label=None) -> Condition:
    """Every entry of ``name`` exceeds ``bound(params)`` (outside: entry 0 set to the bound, and below it)."""
    def holds(p, params):
        b = exact(bound(params))
        return all((v > b) if strict else (v >= b) for v in p[name].flat)

    def outside(p, params):
        a = p[name].copy()
        a[(0,) * a.ndim] = exact(bound(params)) - (0 if strict else 1)
        return _replace(p, name, a)

    return Condition(f"{name}_above_{label or 'bound'}",
                     f"every {name} entry {'>' if strict else '≥'} {label or 'the bound'}", holds, outside)


def norms_above_eps(*names: str) -> Condition:
    """The Euclidean norm of each named input exceeds eps (outside: the first input shrunk below eps)."""
    def holds(p, params):
        eps = exact(params["eps"])
        return all(sum(v * v for v in p[n].flat) > eps * eps for n in names)

    def outside(p, params):
        a = p[names[0]].copy()
        a[...] = exact(params["eps"]) / 10
        return _replace(p, names[0], a)

    def subs(symbols, params, xp):
        """The clamp max(‖x‖, eps) takes its first branch: the relation ‖x‖ ≥ eps is true."""
        eps = params["eps"]
        return {(xp.sqrt(xp.sum(symbols[n] * symbols[n])) >= eps).item(): True for n in names}

    def identities(symbols, params, xp):
        return [(xp.sqrt(xp.sum(symbols[n] * symbols[n])) >= params["eps"], True) for n in names]

    return Condition("norms_above_eps", f"the norms of {' and '.join(names)} exceed eps", holds, outside,
                     subs=subs, identities=identities)
