"""How far a float result is from the truth, and the one judgement of it every float check uses.

    judge(got, want, scale, dtype) -> Judgement(kind, bits, ulps)
    bits(got, want, dtype)   log2(1 + the number of floats of dtype between got and want), as
                             Herbie counts it; all the format's bits when got is not finite
    magnitude(expr)          |expr| with every sum taken term by term (|a − b| → |a| + |b|, through
                             products and integer powers): any float evaluation of expr rounds
                             within a few ulps of it, so an error far above that is not a rounding

The judgement (used by the emitted-code checks, the cards' slices and the audits alike):

    want     the truth correctly rounded to the dtype (check.numeric.rounding); NaN where no
             precision decided it or it is not a finite float of the dtype: not compared (None)
    nan/inf  got is NaN / ±inf where the truth is a finite float of the dtype
    ulps     |got − want| / (eps · max(scale, |want|, tiny)): the error in ulps of the entry's
             magnitude ``scale`` (never below |want| itself, nor below the smallest normal number)
    inaccurate   ulps > INACCURATE_ULPS[dtype] = 2^(p/2) (p = 11, 8, 24, 53 for float16, bfloat16,
             float32, float64): more than half the
             significand's bits lost against the magnitude — a rounding cannot do that
    underflow    inaccurate where the truth is subnormal in the dtype (below its smallest normal)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from check.numeric.formats import FORMATS, format_of

INACCURATE_ULPS = {name: 2.0 ** (f.p / 2) for name, f in FORMATS.items()}
RULE = "not finite where the truth is a finite float, or off by more than 2^(p/2) ulps of the entry's magnitude"


def bits(got: float, want: float, dtype: str = "float64") -> float:
    """log2(1 + the number of floats of ``dtype`` between got and want); all the format's bits when
    got is not finite."""
    fmt = format_of(dtype)
    if not math.isfinite(got):
        return float(fmt.width) if math.isfinite(want) else 0.0
    return math.log2(1 + abs(fmt.ordinal(fmt.cast(got)) - fmt.ordinal(fmt.cast(want))))


@dataclass(frozen=True)
class Judgement:
    kind: str | None        # None (good), "nan", "inf", "inaccurate" or "underflow"
    bits: float             # Herbie's bits of error
    ulps: float             # the error in ulps of the magnitude (inf when got is not finite)
    relative: float         # the error relative to the magnitude, ulps · eps (what a card plots)


def judge(got: float, want: float, scale: float, dtype: str) -> Judgement | None:
    """The one judgement of a float result; None when the truth is not a finite float (not compared)."""
    if not math.isfinite(want):
        return None
    fmt = format_of(dtype)
    eps, tiny = fmt.eps, fmt.tiny
    b = bits(got, want, dtype)
    if math.isnan(got):
        return Judgement("nan", b, math.inf, math.inf)
    if math.isinf(got):
        return Judgement("inf", b, math.inf, math.inf)
    scale = scale if math.isfinite(scale) else 0.0
    ulps = abs(got - want) / (eps * max(scale, abs(want), tiny))
    kind = None
    if ulps > INACCURATE_ULPS[dtype]:
        kind = "underflow" if 0 < abs(want) < tiny else "inaccurate"
    return Judgement(kind, b, ulps, ulps * eps)


#: Codes of ``judge_array``'s kinds (NOT_COMPARED where the truth is not a finite float of the dtype).
NOT_COMPARED, GOOD, NAN, INF, INACCURATE, UNDERFLOW = -1, 0, 1, 2, 3, 4
KIND_CODES = {NAN: "nan", INF: "inf", INACCURATE: "inaccurate", UNDERFLOW: "underflow"}


def judge_array(got, want, scale, dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``judge`` of many results at once (broadcast float64 arrays): (kind codes, bits, ulps) —
    the same judgement entry by entry (tested against ``judge``); NOT_COMPARED and 0 bits where the
    truth is not a finite float."""
    fmt = format_of(dtype)
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    got, want = np.broadcast_arrays(got, want)
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), got.shape)
    with np.errstate(all="ignore"):
        compared = np.isfinite(want)
        finite = np.isfinite(got)
        near = np.maximum(np.maximum(np.where(np.isfinite(scale), scale, 0.0), np.abs(want)), fmt.tiny)
        ulps = np.where(finite, np.abs(got - want) / (fmt.eps * near), np.inf)
        a = fmt.ordinal_array(fmt.cast_array(np.where(finite, got, 0.0)))
        w = fmt.ordinal_array(np.where(compared, want, 0.0))
        # exact in int64 on one side of 0; across it |a| + |w| (float64: float64's ordinals reach 2^62)
        between = np.where((a >= 0) == (w >= 0), np.abs(a - w).astype(np.float64),
                           np.abs(a.astype(np.float64)) + np.abs(w.astype(np.float64)))
        b = np.where(finite, np.log2(1.0 + between), float(fmt.width))
    code = np.full(got.shape, GOOD, dtype=np.int8)
    bad = ulps > INACCURATE_ULPS[dtype]
    code[bad & (np.abs(want) < fmt.tiny) & (want != 0)] = UNDERFLOW
    code[bad & ~((np.abs(want) < fmt.tiny) & (want != 0))] = INACCURATE
    code[np.isinf(got)] = INF
    code[np.isnan(got)] = NAN
    code[~compared] = NOT_COMPARED
    return code, np.where(compared, b, 0.0), np.where(compared, ulps, 0.0)


def magnitude(e):
    """|e| with every Add taken term by term: an upper bound of the terms a float evaluation sums."""
    if isinstance(e, sp.Add):
        return sp.Add(*[magnitude(a) for a in e.args])
    if isinstance(e, sp.Mul):
        return sp.Mul(*[magnitude(a) for a in e.args])
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        return magnitude(e.base) ** e.exp
    return sp.Abs(e)
