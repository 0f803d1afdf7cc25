"""check.numeric.formats: exact rounding to float16, bfloat16, float32 and float64, the formats'
constants, neighbours and the order of their numbers — against NumPy's and ml_dtypes' own casts."""
import math
import random
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from check.numeric.float_error import INACCURATE_ULPS, bits, judge
from check.numeric.formats import FORMATS, format_of
from check.numeric.rounding import decided, round_fraction
from flint import arb

BITS_VIEW = {"float16": (np.float16, np.int16), "bfloat16": (ml_dtypes.bfloat16, np.int16),
             "float32": (np.float32, np.int32), "float64": (np.float64, np.int64)}


def _values(seed, n=3000):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randrange(4)
        if k == 0:
            out.append(rng.choice((1, -1)) * math.ldexp(rng.random() + 0.5, rng.randrange(-160, 140)))
        elif k == 1:
            out.append(float(np.float32(rng.uniform(-70000, 70000))))
        elif k == 2:      # halfway cases of the narrow formats: an odd multiple of a small power of two
            out.append(math.ldexp(2 * rng.randrange(1, 2 ** 11) + 1, rng.randrange(-40, 6)))
        else:
            out.append(rng.choice((65504.0, 65520.0, 65519.99, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26,
                                   2.0 ** -133, 3.3895313892515355e38, 3.39e38, 1e-45)))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_rounding_equals_numpy_and_ml_dtypes_casts(seed):
    with np.errstate(over="ignore"):
        for v in _values(seed):
            assert FORMATS["float16"].round(v) == float(np.float16(v)), v
            assert FORMATS["float32"].round(v) == float(np.float32(v)), v
            assert FORMATS["float64"].round(v) == v
            for name in ("float16", "bfloat16", "float32", "float64"):      # the fast cast is the exact rounding
                fmt = FORMATS[name]
                assert fmt.cast(v) == fmt.round(v) or (math.isinf(fmt.cast(v)) and math.isinf(fmt.round(v))), (name, v)
            v32 = np.float32(v)       # ml_dtypes rounds float32 to bfloat16 to nearest, ties to even
            if math.isfinite(v32):
                assert FORMATS["bfloat16"].round(float(v32)) == float(np.array([v32]).astype(ml_dtypes.bfloat16)[0])


def test_rounding_is_exact_not_through_float64():
    # 1 + 2^-11 + 2^-80 is above float16's halfway point 1 + 2^-11: up, although its float64 is the tie
    f = 1 + Fraction(1, 2 ** 11) + Fraction(1, 2 ** 80)
    assert float(f) == 1 + 2.0 ** -11 and float(np.float16(float(f))) == 1.0     # the double rounding
    assert round_fraction(f, "float16") == 1 + 2.0 ** -10
    assert round_fraction(Fraction(1, 3), "bfloat16") == 0.333984375
    assert round_fraction(Fraction(-65520), "float16") == -math.inf          # the tie past the largest: inf
    assert round_fraction(Fraction(65520) - Fraction(1, 10 ** 30), "float16") == 65504.0
    assert round_fraction(Fraction(1, 2 ** 25), "float16") == 0.0             # half the least subnormal: to even 0
    assert round_fraction(Fraction(3, 2 ** 26), "float16") == 2.0 ** -24


@pytest.mark.parametrize("name", list(FORMATS))
def test_array_cast_equals_the_cast_of_each_entry(name):
    fmt = format_of(name)
    values = np.array(_values(11, 2000))
    expected = [fmt.cast(v) for v in values]
    assert fmt.cast_array(values).tolist() == expected


@pytest.mark.parametrize("name", list(FORMATS))
def test_constants_neighbours_and_order_match_the_bit_patterns(name):
    fmt = format_of(name)
    dt, view = BITS_VIEW[name]
    info = ml_dtypes.finfo(dt) if name == "bfloat16" else np.finfo(dt)
    assert (fmt.eps, fmt.tiny, fmt.largest) == (float(info.eps), float(info.tiny), float(info.max))
    for v in _values(7, 2000):
        c = fmt.round(v)
        if not math.isfinite(c) or c == 0:
            continue
        pattern = int(np.array([c], dtype=dt).view(view)[0])
        assert fmt.ordinal(c) == (pattern if pattern >= 0 else -(pattern & (2 ** (fmt.width - 1) - 1)))
        lo, hi = fmt.neighbours(c)
        assert fmt.ordinal(lo) == fmt.ordinal(c) - 1 and fmt.ordinal(hi) == fmt.ordinal(c) + 1
    assert fmt.ordinal(math.inf) == fmt.ordinal(fmt.largest) + 1


def test_a_ball_decides_its_float16_value_only_when_it_cannot_straddle_a_boundary():
    assert decided(arb(1) / 3, "float16") == float(np.float16(1 / 3))
    tie = arb(1 + 2.0 ** -11)                                   # exactly halfway between 1 and 1 + 2^-10
    assert decided(tie + arb(0, 2.0 ** -40), "float16") is None  # a ball around the tie: undecided
    assert decided(tie, "float16") == 1.0                      # the exact tie: to even
    assert decided(arb(70000), "float16") == math.inf          # past the range: inf, which audits never compare
    assert judge(math.inf, math.inf, 70000.0, "float16") is None


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="float8"):
        format_of("float8")


def test_judgement_and_bits_in_the_half_formats():
    # bits count the numbers of the format between the results; a wrong value is inaccurate, a
    # rounding is not (2^(p/2) ulps: 45 in float16, 16 in bfloat16)
    assert bits(1.0, 1.0 + 2.0 ** -10, "float16") == 1.0 and bits(1.0, 1.0 + 2.0 ** -7, "bfloat16") == 1.0
    assert bits(math.inf, 1.0, "bfloat16") == 16.0
    assert INACCURATE_ULPS["float16"] == 2.0 ** 5.5 and INACCURATE_ULPS["bfloat16"] == 16.0
    assert judge(1.0 + 2.0 ** -10, 1.0, 1.0, "float16").kind is None
    assert judge(1.0 + 2.0 ** -4, 1.0, 1.0, "float16").kind == "inaccurate"           # 64 ulps
    assert judge(1.0 + 2.0 ** -4, 1.0, 1.0, "bfloat16").kind is None                  # 8 ulps of bfloat16
    assert judge(1.25, 1.0, 1.0, "bfloat16").kind == "inaccurate"                     # 32 ulps
    assert judge(0.0, 2.0 ** -15, 2.0 ** -15, "float16").kind == "underflow"         # a subnormal flushed
    assert judge(0.0, 2.0 ** -22, 2.0 ** -22, "float16").kind is None                 # 4 ulps of the least normal


@pytest.mark.parametrize("seed", range(3))
def test_vectorised_rounding_and_ordinals_equal_the_exact_ones(seed):
    v = np.array(_values(seed) + [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1e308, -1e308, 3.4e38, 65519.99,
                                  65520.0, 1.7976931348623157e308, 2.0 ** -25, -2.0 ** -25, 2.0 ** -150, 2.0 ** -134])
    for name, fmt in FORMATS.items():
        r = fmt.round_array(v)
        want = np.array([fmt.round(x) if math.isfinite(x) else x for x in v])
        assert np.array_equal(r, want, equal_nan=True), name
        c = fmt.cast_array(v[np.isfinite(v) | np.isinf(v)])
        assert np.array_equal(fmt.ordinal_array(c), [fmt.ordinal(x) for x in c]), name


def test_the_vectorised_rounding_is_not_a_truncation():
    """A value just above a bfloat16 tie rounds up, the tie itself to even: a truncating or
    ties-away cast would fail here."""
    f = FORMATS["bfloat16"]
    ulp = 2.0 ** -7
    assert f.round_array(np.array([1 + ulp / 2]))[0] == 1.0                     # tie: to even
    assert f.round_array(np.array([1 + ulp / 2 + 2.0 ** -30]))[0] == 1 + ulp    # above it: up
    assert f.round_array(np.array([1 + 3 * ulp / 2]))[0] == 1 + 2 * ulp         # tie: to even (up)


def test_judging_many_results_at_once_is_the_one_judgement():
    from check.numeric.float_error import GOOD, KIND_CODES, NOT_COMPARED, judge_array
    rng = random.Random(1)
    for dtype, f in FORMATS.items():
        wants, gots, scales = [], [], []
        for _ in range(3000):
            w = f.cast(rng.choice([1, -1]) * math.ldexp(rng.random() + 0.5, rng.randrange(-160, 130)))
            if rng.random() < 0.05:
                w = rng.choice([math.inf, math.nan, 0.0])
            k = rng.randrange(5)
            g = (w if k == 0 else -w if k == 1 else rng.choice([math.nan, math.inf, -math.inf]) if k == 2
                 else f.cast(w * (1 + rng.choice([1, -1]) * math.ldexp(1, -rng.randrange(1, 60)))) if math.isfinite(w)
                 else 0.0)
            wants.append(w), gots.append(g)
            scales.append(rng.choice([0.0, math.ldexp(1, rng.randrange(-100, 100)), math.inf]))
        code, b, ulps = judge_array(gots, wants, scales, dtype)
        for g, w, sc, c, bb, u in zip(gots, wants, scales, code, b, ulps):
            j = judge(g, w, sc, dtype)
            if j is None:
                assert c == NOT_COMPARED
                continue
            assert (KIND_CODES.get(int(c)) if c != GOOD else None) == j.kind, (dtype, g, w, sc)
            assert abs(bb - j.bits) < 1e-9 and (u == j.ulps or abs(u - j.ulps) <= 1e-12 * j.ulps)
