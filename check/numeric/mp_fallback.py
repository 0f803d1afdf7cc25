"""mpmath evaluation: the spec's derivative or forward lambdified to mpmath, at exact points.

Used where the one rigorous engine (check.numeric.real: verdicts and audits) has not arrived yet: the
cards' slices (``settled``) and the float reports of emitted code (check.checks.emitted).  Verdicts
never use it.

A value is *finite* when it is a real mpf that is neither ±inf nor NaN.  Division by zero and a
complex result (log of a negative number) count as not finite: the formula is undefined there.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from check.checks.kinds import flat_symbols
from check.numeric.xp_mpmath import MpmathNamespace


@functools.lru_cache(maxsize=32)
def namespace(dps: int) -> MpmathNamespace:
    return MpmathNamespace(dps)


@functools.lru_cache(maxsize=512)
def _compiled(prob, key, exprs: tuple, dps: int, extras: tuple):
    ns = namespace(dps).namespace
    return sp.lambdify(flat_symbols(prob, extras), list(exprs), modules=[ns, "mpmath"])


def compile_exprs(prob, key: str, arr, dps: int, *, extras: tuple = ()):
    """A function of the exact point values returning the entries of ``arr`` at ``dps`` digits.

    Its arguments are the inputs' entries, then those of each array in ``extras`` (the cotangent
    symbols of a VJP, the tangent symbols of a JVP …), in order."""
    exprs = tuple(np.asarray(arr, dtype=object).flat)
    return _compiled(prob, key, exprs, dps, tuple(tuple(np.asarray(a, dtype=object).flat) for a in extras))


def evaluate(fn, values, dps: int, shape) -> np.ndarray:
    """Call a compiled truth at exact ``values``; entries that fail become NaN."""
    xp = namespace(dps)
    args = [xp.number(v) for v in values]
    try:
        out = fn(*args)
    except (ZeroDivisionError, ValueError, OverflowError):
        out = [xp.ctx.nan] * int(np.prod(shape, dtype=int))
    arr = np.empty(len(out), dtype=object)
    arr[:] = [clean(v, xp) for v in out]
    return arr.reshape(shape)


def clean(v, xp: MpmathNamespace):
    """A real mpf, or NaN for anything undefined (complex, non-number)."""
    ctx = xp.ctx
    if isinstance(v, (int, float)):
        return ctx.mpf(v)
    if isinstance(v, ctx.mpc):
        return v.real if v.imag == 0 else ctx.nan
    if isinstance(v, ctx.mpf):
        return v
    try:
        return ctx.mpf(sp.Float(v, xp.dps + 5))   # a SymPy number left by lambdify
    except (TypeError, ValueError):
        return ctx.nan


def is_finite(v) -> bool:
    return isinstance(v, mpmath.ctx_mp_python._mpf) and mpmath.isfinite(v)


def rel_error(got, want) -> float:
    """|got − want| / max(|want|, tiny) as a float; inf when exactly one side is not finite."""
    if not (is_finite(got) and is_finite(want)):
        same = (not is_finite(got) and not is_finite(want) and str(got) == str(want))
        return 0.0 if same else float("inf")
    diff = abs(got - want)
    if diff == 0:
        return 0.0
    scale = abs(want)
    return float(diff / scale) if scale else float("inf")


def agree(got, want, dps: int) -> bool:
    """Agreement to half the working digits, relative, with an absolute floor far below any float."""
    if not (is_finite(got) and is_finite(want)):
        return rel_error(got, want) == 0.0
    tol = mpmath.mpf(10) ** (-(dps // 2))
    floor = mpmath.mpf(10) ** (-(dps - 5))
    return abs(got - want) <= tol * abs(want) + floor


def settled(at, scales=None, *, dps: int = 50, max_dps: int = 1600) -> np.ndarray:
    """Values trusted only once two precisions agree: ``at(d)`` gives an array of mpf at d digits.

    The precision doubles from ``dps`` until each entry agrees with the previous precision to
    half its digits, relative to max(|value|, its scale in ``scales``) — a formula evaluated as
    written can lose digits (log(1 + e^−100) keeps 6 of 50).  An entry that never settles is NaN.
    An entry that settles at exactly 0 is taken at ``max_dps`` instead: absorption makes
    log(1 + e^−710) exactly 0 at 50 and at 100 digits; a value below 10^−max_dps is 0 in every
    float format anyway."""
    prev = at(dps)
    shape = prev.shape
    done = np.full(shape, None, dtype=object)
    while dps < max_dps:
        nxt = at(2 * dps)
        for i in np.ndindex(shape):
            if done[i] is not None:
                continue
            a, b = prev[i], nxt[i]
            if not is_finite(a) or not is_finite(b):
                if str(a) == str(b):
                    done[i] = b
                continue
            scale = abs(b)
            if scales is not None and is_finite(scales[i]):
                scale = max(scale, abs(scales[i]))
            if abs(a - b) <= mpmath.mpf(10) ** (-(dps // 2)) * scale:
                done[i] = b
        if all(v is not None for v in done.flat):
            break
        prev, dps = nxt, 2 * dps
    zeros = [i for i in np.ndindex(shape) if done[i] is not None and is_finite(done[i]) and done[i] == 0]
    if zeros:
        top = at(max_dps)
        for i in zeros:
            done[i] = top[i]
    nan = namespace(dps).ctx.nan
    return np.vectorize(lambda v: nan if v is None else v, otypes=[object])(done)
