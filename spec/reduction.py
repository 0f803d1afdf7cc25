"""Reductions of a loss's per-entry terms to a scalar.

For a term array T (the loss's elementwise or per-row values):

    mean      : sum(T) / T.size
    sum       : sum(T)
    batchmean : sum(T) / rows,   rows = T.size / T.shape[-1]  (every axis but the last; 1 for 0-d T)

PyTorch's defaults are followed: "mean" for most losses, "batchmean" for cross-entropy, NLL and KL.
Hand-written derivatives divide by ``count(x, reduction)`` — an exact integer, so that a SymPy
proof stays exact — rather than multiply by a float 1/N.
"""
from __future__ import annotations

REDUCTIONS = ("mean", "sum", "batchmean")


def count(arr, reduction: str) -> int:
    """The divisor the reduction applies to a term array shaped like ``arr``."""
    shape = getattr(arr, "shape", ())
    size = 1
    for s in shape:
        size *= s
    if reduction == "mean":
        return size
    if reduction == "sum":
        return 1
    if reduction == "batchmean":
        return size // shape[-1] if shape else 1
    raise ValueError(f"unknown reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)}")


def reduce(terms, reduction: str, *, xp):
    """Reduce a term array to a scalar: ``xp.sum(terms) / count(terms, reduction)``."""
    return xp.sum(terms) / count(terms, reduction)
