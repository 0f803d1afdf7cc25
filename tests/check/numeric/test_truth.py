"""The audits' truth: ball arithmetic, decided comparisons, and correct rounding to float32/float64."""
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

from check.numeric.rounding import decided, round_fraction, rounded_truth, scale_of
from check.numeric.xp_arb import ARB, Undecided, decide, precision


def test_round_fraction_is_nearest_even_without_double_rounding():
    one, ulp = Fraction(1), Fraction(1, 2 ** 23)
    assert round_fraction(one + ulp / 2, "float32") == 1.0                      # a tie: to even (1.0)
    assert round_fraction(one + ulp + ulp / 2, "float32") == 1 + 2 * float(ulp)  # a tie: to even (1 + 2ulp)
    # just above a float32 tie but below float64's resolution of it: float64 first would round to the tie
    x = one + ulp / 2 + Fraction(1, 2 ** 80)
    assert float(np.float32(float(x))) == 1.0 and round_fraction(x, "float32") == 1 + float(ulp)
    assert round_fraction(Fraction(2) ** 200, "float32") == np.inf
    assert round_fraction(-Fraction(2) ** 2000, "float64") == -np.inf
    assert round_fraction(Fraction(3, 2 ** 150), "float32") == float(np.float32(2.0 ** -148))  # subnormal, tie to even


def test_a_ball_decides_a_float_only_when_both_ends_round_to_it():
    with precision(128):
        third = arb(1) / 3
        assert decided(third, "float32") == float(np.float32(1 / 3))
        wide = arb(1, 1e-3)                                                     # [1 ± 1e-3]
        assert decided(wide, "float32") is None
        assert decided(arb(1) / 0, "float64") is None                           # NaN ball


def test_comparisons_of_overlapping_balls_are_refused_not_guessed():
    with precision(64):
        a, b = arb(1) / 3, arb(1) / 3
        with pytest.raises(Undecided):
            decide("<", a, b)
        assert decide("<", arb(1) / 3, arb(1) / 2) is True
        assert decide("==", arb(0), 0) is True


def test_absorption_raises_the_precision_instead_of_answering_zero():
    """log(1 + e^−89) is 2.2e−39 (a float32 subnormal); at 128 bits 1 + e^−89 absorbs to 1 ± 2^−128."""
    x = arb(-89.0)

    def naive():
        return [ARB.log(ARB.asarray(1) + ARB.exp(ARB.array(np.array([x], dtype=object))))[0]]
    got = rounded_truth(naive, 1, "float32")
    assert got[0] == float(np.float32(np.log1p(np.exp(-89.0))))
    assert got[0] != 0.0
    assert scale_of(naive, 1)[0] == pytest.approx(2.2273e-39, rel=1e-3)


def test_a_where_on_an_undecided_ball_is_retried_at_higher_precision():
    """x − 1/3·3 == 0 exactly, but a ball at 64 bits cannot tell; a where on it must not pick a side."""
    def f():
        x = arb(1) - (arb(1) / 3) * 3                                           # [0 ± tiny]
        xs = ARB.array(np.array([x], dtype=object))
        return [ARB.where(xs > 0, xs * 0 + 1, xs * 0 - 1)[0]]
    with precision(64):
        with pytest.raises(Undecided):
            f()
    assert np.isnan(rounded_truth(f, 1, "float64")[0])                         # never decided: not compared


def test_the_arb_truth_reads_sympys_abs_of_an_expression_of_unknown_sign():
    """SymPy writes |log a| as sqrt(log a · conjugate(log a)) when it cannot tell a's sign (ntxent's
    magnitudes): on real inputs that is |log a|, and NaN where log a is not real."""
    import sympy as sp
    from fractions import Fraction
    from check.numeric.arb_code import compile_arb
    from check.numeric.real import real
    x = sp.Symbol("x", real=True)
    f = compile_arb((x,), [sp.sqrt(sp.log(x) * sp.conjugate(sp.log(x))), sp.re(sp.log(x) + 1) * x])
    at_third = f(real(Fraction(1, 3)))
    assert abs(float(at_third[0]) - 1.0986122886681098) < 1e-15          # |log(1/3)|
    assert abs(float(at_third[1]) - (1 - 1.0986122886681098) / 3) < 1e-15
    assert float(f(real(Fraction(-3)))[0]) != float(f(real(Fraction(-3)))[0])   # NaN: log(−3) is not real


def test_a_ball_far_past_a_format_rounds_without_writing_its_ends_as_rationals():
    """e^(10^30) has an exponent of about 1.4·10^30 bits: as a rational it would never fit in memory."""
    import math
    with precision(128):
        huge = arb(10 ** 30).exp()
        assert decided(huge, "bfloat16") == math.inf and decided(-huge, "float64") == -math.inf
        assert decided(1 / huge, "float16") == 0.0 and decided(-1 / huge, "float32") == 0.0
        assert decided(arb(0, arb(10) ** 400), "float64") is None     # [0 ± 10^400]: too wide to say
        # just past the largest + half an ulp is still inf, just below it the largest
        assert decided(arb(65520) + arb(2) ** -30, "float16") == math.inf
        assert decided(arb(65519), "float16") == 65504.0


def test_a_wide_ball_around_a_vanishing_midpoint_is_undecided_at_once():
    with precision(128):
        b = (-arb(10 ** 30)).exp() + arb(0, 0.001)          # [e^(−10^30) ± 0.001]
        assert decided(b, "float16") is None
