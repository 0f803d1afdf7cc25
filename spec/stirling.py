"""PyTorch's ``full=True`` term of the Poisson NLL: Stirling's approximation of log(t!), where t > 1.

    S(t) = t log t − t + ½ log(2π t)    where t > 1, else 0       (PyTorch masks t ≤ 1 to 0)
    S'(t) = log t + 1 / (2t)            where t > 1, else 0

S jumps at t = 1 (S(1⁺) = ½ log 2π − 1 ≈ −0.081): counts are integers, so only t = 0, 1 (no term)
and t ≥ 2 (the term) occur.
"""
from __future__ import annotations

from .entry import Kink, Param


def _bool(v):
    return None if isinstance(v, bool) else f"full must be True or False, got {v!r}"


FULL = Param("full", False, _bool, "add Stirling's approximation of log(t!) where t > 1 (PyTorch's full=True)")


def stirling(target, *, xp):
    safe = xp.where(target > 1, target, xp.ones_like(target))        # no log 0 in the branch not taken
    return xp.where(target > 1, safe * xp.log(safe) - safe + xp.log(2 * xp.pi * safe) / 2, 0 * target)


def stirling_derivative(target, *, xp):
    safe = xp.where(target > 1, target, xp.ones_like(target))
    return xp.where(target > 1, xp.log(safe) + 1 / (2 * safe), 0 * target)


def _at_one_and_two(p, params):
    if not params.get("full"):
        return []
    out = []
    for v in (1, 2):
        q = dict(p)
        a = p["target"].copy()
        a[...] = v
        q["target"] = a
        out.append(q)
    return out


KINK = Kink("target = 1 (full=True)", "the Stirling term is added only where target > 1 (PyTorch's mask); "
            "it jumps from 0 to ½ log 2π − 1 there", _at_one_and_two)
