"""Reductions of a loss's per-entry terms to a scalar.

For a term array T (the loss's elementwise or per-row values):

    mean      : sum(T) / T.size
    sum       : sum(T)
    batchmean : sum(T) / rows,   rows = T.size / T.shape[-1]  (every axis but the last; 1 for 0-d T)
    weighted_mean : sum(T) / sum(W), W the entry's reduction weights — PyTorch's "mean" of nll_loss
                and cross_entropy with class weights and class-index targets: Σ w[y_i] ℓ_i / Σ w[y_i]
                (only entries that define W offer it)

PyTorch's defaults are followed: "mean" for most losses, "batchmean" for cross-entropy, NLL and KL.
Hand-written derivatives divide by ``count(x, reduction)`` — an exact integer, so that a SymPy
proof stays exact — rather than multiply by a float 1/N.
"""
from __future__ import annotations

REDUCTIONS = ("mean", "sum", "batchmean")
WEIGHTED_MEAN = "weighted_mean"


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
    if reduction == WEIGHTED_MEAN:
        raise ValueError("weighted_mean divides by a sum of weights, not a count: use divisor()")
    raise ValueError(f"unknown reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)}")


def rows_count(arr, reduction: str) -> int:
    """The divisor for a loss with one term per last-axis row of ``arr`` (multilabel_soft_margin,
    cosine_embedding): the rows for mean and batchmean, 1 for sum."""
    return 1 if reduction == "sum" else count(arr, "batchmean")


def divisor(arr, reduction: str, weights=None, *, xp=None):
    """What the reduction divides the summed terms by: ``count(arr, reduction)``, or for
    weighted_mean ``xp.sum(weights)`` (weights shaped like the terms)."""
    if reduction == WEIGHTED_MEAN:
        return xp.sum(weights)
    return count(arr, reduction)


def reduce(terms, reduction: str, *, xp, weights=None):
    """Reduce a term array to a scalar: ``xp.sum(terms) / divisor(terms, reduction, weights)``."""
    return xp.sum(terms) / divisor(terms, reduction, weights, xp=xp)
