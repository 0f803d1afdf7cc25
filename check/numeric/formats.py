"""The binary floating-point formats gradspec judges results in, and exact rounding to each.

    FORMATS["bfloat16"].round(Fraction(1, 3))    -> 0.333984375 (the nearest bfloat16, as a Python float)
    fmt.numpy_dtype                              -> np.float16 / ml_dtypes.bfloat16 / np.float32 / np.float64

A format is IEEE 754 binary with ``p`` significand bits (the leading one included) and largest
exponent ``emax``: normal numbers 2^emin ≤ |x| ≤ (2 − 2^(1−p))·2^emax with emin = 1 − emax,
subnormals spaced 2^(emin − p + 1) below, ties to even.  A value at or past the largest finite
number plus half its ulp rounds to ±inf (IEEE's round-to-nearest overflow).

    float16    p = 11, emax = 15     (largest 65504, smallest normal 2^-14, smallest subnormal 2^-24)
    bfloat16   p = 8,  emax = 127    (float32's range with 8 bits: largest ≈ 3.39e38)
    float32    p = 24, emax = 127
    float64    p = 53, emax = 1023

Every value of these formats is a float64, so results are returned as Python floats.  ``round`` is
exact (integer arithmetic on the Fraction's numerator and denominator): no double rounding through
float64 on the way to a narrower format.  bfloat16 arrays come from ml_dtypes (which JAX also uses),
imported only when a bfloat16 array is asked for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class Format:
    name: str
    p: int              # significand bits, the leading one included
    emax: int           # the largest exponent of a normal number
    width: int          # bits of storage

    @property
    def emin(self) -> int:
        return 1 - self.emax

    @property
    def eps(self) -> float:
        """2^(1−p): the gap between 1 and the next number."""
        return math.ldexp(1.0, 1 - self.p)

    @property
    def tiny(self) -> float:
        """The smallest positive normal number, 2^emin."""
        return math.ldexp(1.0, self.emin)

    @property
    def largest(self) -> float:
        """The largest finite number, (2 − 2^(1−p))·2^emax."""
        return math.ldexp(2.0 ** self.p - 1, self.emax - self.p + 1)

    @property
    def numpy_dtype(self):
        if self.name == "bfloat16":
            import ml_dtypes
            return np.dtype(ml_dtypes.bfloat16)
        return np.dtype(self.name)

    def round(self, f) -> float:
        """The number of this format nearest to the exact rational ``f`` (ties to even), as a
        Python float; ±inf past the range.  A Python float argument is taken exactly."""
        f = Fraction(f)
        if f == 0:
            return 0.0
        if self.p == 53:                                               # int / int rounds correctly
            try:
                return float(f)
            except OverflowError:
                return math.inf if f > 0 else -math.inf
        sign = -1.0 if f < 0 else 1.0
        a = abs(f)
        e = a.numerator.bit_length() - a.denominator.bit_length()      # 2^e ≤ a < 2^(e+2)
        if Fraction(2) ** e > a:
            e -= 1
        elif Fraction(2) ** (e + 1) <= a:
            e += 1
        quantum = max(e, self.emin) - (self.p - 1)                     # the spacing at a
        scaled = a / Fraction(2) ** quantum
        m = scaled.numerator // scaled.denominator
        rest = scaled - m
        if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and m % 2 == 1):
            m += 1
        top = self.emax - self.p + 1                                   # the spacing of the largest binade
        if quantum >= top and m << (quantum - top) > 2 ** self.p - 1:  # past the largest finite number
            return sign * math.inf
        return sign * math.ldexp(m, quantum)

    def cast(self, x: float) -> float:
        """A float64 rounded to this format (exactly, ties to even)."""
        if not math.isfinite(x):
            return x
        if self.name in _NUMPY_CASTS:                                  # NumPy's casts of a float64 round
            with np.errstate(over="ignore"):                          # correctly (tested against round)
                return float(_NUMPY_CASTS[self.name](x))
        return self.round(x)

    def cast_array(self, a) -> np.ndarray:
        """``cast`` of each entry of a float64 array, as a float64 array (NaN stays NaN)."""
        wide = np.asarray(a, dtype=np.float64)
        if self.name in _NUMPY_CASTS:
            with np.errstate(over="ignore"):
                return wide.astype(_NUMPY_CASTS[self.name]).astype(np.float64)
        return self.round_array(wide)

    def round_array(self, a) -> np.ndarray:
        """Each float64 of ``a`` rounded to this format, vectorised and exact: a normal number of the
        format by rounding the float64's significand bits to p (ties to even, on its integer bits);
        below the smallest normal number x = m·2^q with q the subnormals' spacing and m rounded by
        ``np.rint`` (ties to even; scaling by a power of two is exact); ±inf where the result passes
        the largest finite number.  Equal to ``round`` entry by entry (tested)."""
        x = np.asarray(a, dtype=np.float64)
        if self.p == 53:
            return np.array(x, copy=True)
        drop = 53 - self.p                     # on the bits: round the significand to p bits, ties to
        bits = x.view(np.int64)                # even; a carry moves into the exponent as it should
        bits = (bits + ((1 << (drop - 1)) - 1 + ((bits >> drop) & 1))) & ~np.int64((1 << drop) - 1)
        with np.errstate(invalid="ignore", over="ignore"):
            out = np.where(np.isfinite(x), bits.view(np.float64), x)
            q = self.emin - (self.p - 1)                       # the subnormals' spacing is 2^q
            ax = np.abs(x)
            out = np.where(ax <= math.ldexp(1.0, q - 1), np.copysign(0.0, x), out)   # to ±0 (a tie: to even 0)
            small = (ax < self.tiny) & (ax > math.ldexp(1.0, q - 1))
            if small.any():                    # a subnormal of the format: rounded on its fixed spacing
                out = np.where(small, np.ldexp(np.rint(np.ldexp(x, -q)), q), out)
            return np.where(np.abs(out) > self.largest, np.copysign(np.inf, x), out)

    def ordinal_array(self, a) -> np.ndarray:
        """``ordinal`` of each number of this format in the float64 array ``a`` (int64; ±inf one
        past the largest finite number's; NaN entries give 0)."""
        x = np.asarray(a, dtype=np.float64)
        with np.errstate(all="ignore"):
            ax = np.abs(np.where(np.isnan(x), 0.0, x))
            inf = np.isinf(ax)
            ax = np.where(inf, self.largest, ax)
            e = np.frexp(ax)[1] - 1
            sub = e < self.emin
            n_sub = np.ldexp(ax, -(self.emin - self.p + 1))
            n_norm = ((e - self.emin + 1).astype(np.int64) * 2 ** (self.p - 1)
                      + np.ldexp(ax, self.p - 1 - e).astype(np.int64) - 2 ** (self.p - 1))
            n = np.where(sub | (ax == 0), n_sub.astype(np.int64), n_norm) + inf.astype(np.int64)
        return np.where(x < 0, -n, n)

    def neighbours(self, c: float) -> tuple[float, float]:
        """The numbers of this format just below and just above the number ``c`` (±inf past the range)."""
        if c == 0:
            step = math.ldexp(1.0, self.emin - self.p + 1)
            return -step, step
        a = abs(c)
        e = math.frexp(a)[1] - 1                                       # 2^e ≤ a < 2^(e+1)
        up = math.ldexp(1.0, max(e, self.emin) - self.p + 1)
        down = up / 2 if a == math.ldexp(1.0, e) and e > self.emin else up
        lo, hi = (a - down, a + up) if c > 0 else (-(a + up), -(a - down))
        if abs(hi) > self.largest:
            hi = math.copysign(math.inf, hi)
        if abs(lo) > self.largest:
            lo = math.copysign(math.inf, lo)
        return lo, hi

    def ordinal(self, x: float) -> int:
        """The position of the number ``x`` among this format's numbers, in order (0 at ±0; the
        largest finite at 2^(width−1) − 2^(p−1) − 1): the number of numbers between two results is
        the difference of their ordinals."""
        if math.isinf(x):
            n = self.ordinal(self.largest) + 1
            return n if x > 0 else -n
        a = abs(x)
        if a == 0:
            return 0
        e = math.frexp(a)[1] - 1
        if e < self.emin:                                              # subnormal: a multiple of the least
            n = int(a / math.ldexp(1.0, self.emin - self.p + 1))
        else:
            frac = int(math.ldexp(a, self.p - 1 - e)) - 2 ** (self.p - 1)
            n = (e - self.emin + 1) * 2 ** (self.p - 1) + frac
        return n if x > 0 else -n


_NUMPY_CASTS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}

FORMATS = {f.name: f for f in (Format("float16", 11, 15, 16), Format("bfloat16", 8, 127, 16),
                               Format("float32", 24, 127, 32), Format("float64", 53, 1023, 64))}


def format_of(dtype: str) -> Format:
    try:
        return FORMATS[dtype]
    except KeyError:
        raise ValueError(f"{dtype!r} is not a float format gradspec judges ({', '.join(FORMATS)})") from None
