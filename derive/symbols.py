"""Shaped symbols: one SymPy symbol per array entry, named after the input's letter and index.

    shaped("t", (2, 3), {"nonnegative": True})   →  [[t_{0,0}, t_{0,1}, t_{0,2}], [t_{1,0}, …]]

The assumptions come from the input's domain, so a proof under them covers the domain.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .xp_sympy import SymArray, symarray


def shaped(letter: str, shape: tuple, assumptions: dict) -> SymArray:
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        name = f"{letter}_{{{','.join(map(str, idx))}}}" if idx else letter
        out[idx] = sp.Symbol(name, **assumptions)
    return symarray(out)


def exact(value):
    """A parameter as SymPy sees it: a float is its decimal (1e-6 → 1/10⁶), exactly; a tuple (class
    weights) entry by entry; None, booleans and strings as they are."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, tuple):
        return tuple(exact(v) for v in value)
    if isinstance(value, float):
        return sp.Rational(repr(value))
    return sp.sympify(value)
