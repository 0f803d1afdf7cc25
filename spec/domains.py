"""Input domains: what values an input may take, how SymPy should assume it, how to sample it.

Sample points are NumPy object arrays of ``fractions.Fraction``: exact, so a simplex row sums to
exactly 1, a kink sits exactly on its threshold, and a counterexample prints as the decimal it is.

Each domain gives ``ordinary`` samples (seeded, reproducible) and ``extremes``: arrays with edge
and extreme entries (0 and 1 for probabilities, ±40, ±100, ±1e4 for logits, 1e-45 and 1 − 1e-12
for probabilities, …), one extreme placed among ordinary entries, so every check sees them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction as F
from typing import Callable

import numpy as np


def exact(value) -> F:
    """A number as an exact Fraction; a float means its shortest decimal (1e-6 → 1/10⁶)."""
    return F(repr(value)) if isinstance(value, float) else F(value)


def frac_array(values, shape) -> np.ndarray:
    """An object array of Fractions of the given shape from a flat iterable."""
    arr = np.empty(shape, dtype=object)
    flat = list(values)
    for i, idx in enumerate(np.ndindex(shape)):
        arr[idx] = F(flat[i])
    return arr


def _decimal(rng: random.Random, lo: float, hi: float, places: int = 3) -> F:
    scale = 10**places
    return F(rng.randint(int(lo * scale), int(hi * scale)), scale)


@dataclass(frozen=True)
class Domain:
    """A set of admissible input arrays.

    ``assumptions`` are SymPy symbol assumptions valid on the whole domain (a proof under them
    covers the domain).  ``row_wise`` domains constrain each last-axis row jointly.  A ``discrete``
    domain (one-hot rows, labels, counts) has no neighbourhood inside it: an audit does not ask a
    library for the gradient with respect to such an input (its call may take it as class indices).
    """

    name: str
    description: str
    assumptions: dict
    _ordinary: Callable[[random.Random, tuple], np.ndarray]
    extreme_values: tuple = ()
    _extreme_rows: Callable[[int], list] | None = None
    _contains: Callable[[np.ndarray], bool] = field(default=lambda a: True)
    row_wise: bool = False
    discrete: bool = False

    def ordinary(self, shape: tuple, rng: random.Random) -> np.ndarray:
        return self._ordinary(rng, shape)

    def extremes(self, shape: tuple, rng: random.Random) -> list[np.ndarray]:
        """Arrays holding each extreme value (or extreme row) among ordinary entries."""
        out = []
        if self.row_wise:
            n = shape[-1] if shape else 1
            for row in self._extreme_rows(n) if self._extreme_rows else []:
                a = self.ordinary(shape, rng)
                a[(0,) * (len(shape) - 1)] = np.array(row, dtype=object) if shape else row[0]
                out.append(a)
            return out
        for v in self.extreme_values:
            a = self.ordinary(shape, rng)
            a[(0,) * len(shape)] = F(v)
            out.append(a)
        if self.extreme_values and np.prod(shape, dtype=int) > 1:   # all entries extreme at once
            out.append(frac_array([self.extreme_values[-1]] * int(np.prod(shape, dtype=int)), shape))
        return out

    def contains(self, arr: np.ndarray) -> bool:
        return bool(self._contains(np.asarray(arr, dtype=object)))


def _uniform(lo, hi, places=3):
    return lambda rng, shape: frac_array(
        (_decimal(rng, lo, hi, places) for _ in range(int(np.prod(shape, dtype=int)))), shape)


def _all(pred):
    return lambda a: all(pred(v) for v in a.flat)


def _rows(a: np.ndarray):
    return a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)


def _simplex_ordinary(rng, shape):
    out = np.empty(shape, dtype=object)
    for row in np.ndindex(shape[:-1]):
        w = [rng.randint(1, 20) for _ in range(shape[-1])]
        out[row] = np.array([F(x, sum(w)) for x in w], dtype=object)
    return out


def _simplex_extremes(n):
    onehot = [F(1)] + [F(0)] * (n - 1)
    tiny = [F(1, 10**30)] + [(1 - F(1, 10**30)) / (n - 1)] * (n - 1) if n > 1 else [F(1)]
    uniform = [F(1, n)] * n
    zero = [F(0)] + [F(1, n - 1)] * (n - 1) if n > 1 else [F(1)]
    return [onehot, tiny, uniform, zero]


def _onehot_ordinary(rng, shape):
    out = np.zeros(shape, dtype=object)
    out[...] = F(0)
    for row in np.ndindex(shape[:-1]):
        out[row + (rng.randrange(shape[-1]),)] = F(1)
    return out


def _onehot_or_ignored_ordinary(rng, shape):
    """One-hot rows, about a third of them all-zero (ignored); with two rows or more at least one of
    each, with one row that row one-hot."""
    out = _onehot_ordinary(rng, shape)
    rows = list(np.ndindex(shape[:-1]))
    ignored = {r for r in rows if rng.randrange(3) == 0}
    if len(rows) >= 2:
        kept, dropped = rng.sample(rows, 2)
        ignored = (ignored | {dropped}) - {kept}
    else:
        ignored = set()
    for r in ignored:
        out[r] = F(0)
    return out


def _is_onehot_or_ignored(a):
    rows = _rows(a)
    return (all(sorted(r) == [0] * (len(r) - 1) + [1] or all(v == 0 for v in r) for r in rows)
            and any(sum(r) == 1 for r in rows))


def _paired_onehot_ordinary(rng, shape):
    """One-hot rows with at least two rows alike (a random pair copied) where there are two rows."""
    out = _onehot_ordinary(rng, shape)
    rows = list(np.ndindex(shape[:-1]))
    if len(rows) >= 2:
        a, b = rng.sample(rows, 2)
        out[b] = out[a].copy()
    return out


def _is_paired_onehot(a):
    rows = [tuple(r) for r in _rows(a)]
    return _is_onehot(a) and len(set(rows)) < len(rows)


def _is_simplex(a):
    return all(all(v >= 0 for v in r) and sum(r) == 1 for r in _rows(a))


def _multihot_ordinary(rng, shape):
    """Rows of 0s and 1s with at least one of each where a row has two entries or more."""
    out = np.zeros(shape, dtype=object)
    out[...] = F(0)
    n = shape[-1] if shape else 1
    for row in np.ndindex(shape[:-1]):
        picks = [F(rng.randint(0, 1)) for _ in range(n)]
        if n >= 2:
            picks[rng.randrange(n)], picks[rng.randrange(n)] = F(1), F(0)
            if all(p == 0 for p in picks) or all(p == 1 for p in picks):
                picks[0], picks[-1] = F(1), F(0)
        else:
            picks = [F(1)]
        out[row] = np.array(picks, dtype=object)
    return out


def _is_multihot(a):
    return all(set(r) <= {0, 1} and (len(r) < 2 or 0 < sum(r) < len(r)) for r in _rows(a))


def _is_onehot(a):
    return all(sorted(r) == [0] * (len(r) - 1) + [1] for r in _rows(a))


REAL = Domain("real", "any real number", {"real": True}, _uniform(-3, 3),
              (0, 40, -40, 100, -100, 10**4, -10**4, F(1, 10**30)))
POSITIVE = Domain("positive", "a real number > 0", {"positive": True}, _uniform(0.1, 5),
                  (F(1, 10**30), F(1, 10**8), 1, 10**4), _contains=_all(lambda v: v > 0))
NONNEGATIVE = Domain("nonnegative", "a real number ≥ 0", {"nonnegative": True}, _uniform(0.1, 5),
                     (0, F(1, 10**30), F(1, 10**8), 10**4), _contains=_all(lambda v: v >= 0))
NONZERO = Domain("nonzero", "a real number ≠ 0", {"real": True, "nonzero": True},
                 lambda rng, shape: frac_array(
                     (_decimal(rng, 0.1, 3) * rng.choice((-1, 1)) for _ in range(int(np.prod(shape, dtype=int)))), shape),
                 (F(1, 10**30), -F(1, 10**30), 40, -40, 10**4, -10**4), _contains=_all(lambda v: v != 0))
PROBABILITY = Domain("probability", "a probability in [0, 1]", {"nonnegative": True}, _uniform(0.05, 0.95),
                     (0, F(1, 10**45), F(1, 10**12), 1 - F(1, 10**12), 1), _contains=_all(lambda v: 0 <= v <= 1))
LOG_PROBABILITY = Domain("log_probability", "a log-probability (≤ 0); rows need not normalise exactly",
                         {"nonpositive": True}, _uniform(-4, -0.05, 4), (0, -40, -100, -10**4, -F(1, 10**30)),
                         _contains=_all(lambda v: v <= 0))
SIMPLEX_ROWS = Domain("simplex_rows", "rows of probabilities (last axis) summing to 1",
                      {"nonnegative": True}, _simplex_ordinary, _extreme_rows=_simplex_extremes,
                      _contains=_is_simplex, row_wise=True)
ONEHOT_ROWS = Domain("onehot_rows", "one-hot rows (last axis): one 1, the rest 0", {"nonnegative": True},
                     _onehot_ordinary, _contains=_is_onehot, row_wise=True, discrete=True)
MULTIHOT_ROWS = Domain("multihot_rows", "multi-hot rows (last axis): 0s and 1s, at least one of each",
                       {"nonnegative": True}, _multihot_ordinary, _contains=_is_multihot, row_wise=True, discrete=True)
ONEHOT_OR_IGNORED_ROWS = Domain(
    "onehot_or_ignored_rows", "one-hot rows (last axis), or all-zero rows for an ignored target (ignore_index); "
    "at least one row one-hot", {"nonnegative": True}, _onehot_or_ignored_ordinary,
    _contains=_is_onehot_or_ignored, row_wise=True, discrete=True)
PAIRED_ONEHOT_ROWS = Domain(
    "paired_onehot_rows", "one-hot rows (last axis), at least two of them alike (a positive pair)",
    {"nonnegative": True}, _paired_onehot_ordinary, _contains=_is_paired_onehot, row_wise=True, discrete=True)
SIGN_LABELS = Domain("sign_labels", "labels in {−1, +1}", {"real": True, "nonzero": True},
                     lambda rng, shape: frac_array((rng.choice((-1, 1)) for _ in range(int(np.prod(shape, dtype=int)))), shape),
                     (), _contains=_all(lambda v: v in (-1, 1)), discrete=True)
COUNTS = Domain("counts", "a count: an integer ≥ 0", {"nonnegative": True},
                lambda rng, shape: frac_array((rng.randint(0, 6) for _ in range(int(np.prod(shape, dtype=int)))), shape),
                (0, 1, 10**4), _contains=_all(lambda v: v >= 0 and v.denominator == 1), discrete=True)
