"""The first maximal entry of each row, as a one-hot mask: the derivative of a row's max.

    first_max(v)[..., j] = 1  where v[..., j] = max_k v[..., k] and v[..., i] < v[..., j] for every i < j
                           0  elsewhere                                         (rows: the last axis)

This is the spec's convention for the derivative of ``xp.max`` at a tie (spec.xp: the first maximal
entry takes it, as torch.max(x, dim) does); JAX, TensorFlow and torch.amax split it equally among
the tied entries instead, which the audits state as a convention.  Written in the xp protocol, so it
runs on every namespace (NumPy, SymPy, exact-or-ball).
"""
from __future__ import annotations

import numpy as np


def first_max(v, *, xp):
    """One-hot rows marking the first maximal entry of each last-axis row of ``v``."""
    top = xp.max(v, axis=-1, keepdims=True)
    width = v.shape[-1]
    unit = np.eye(width, dtype=int)
    taken = 0 * top                                    # 1 once a row's maximum has been marked
    out = 0 * v
    for j in range(width):
        hit = xp.where(v[..., j:j + 1] == top, xp.ones_like(top), 0 * top) * (1 - taken)
        out = out + hit * unit[j]
        taken = taken + hit
    return out
