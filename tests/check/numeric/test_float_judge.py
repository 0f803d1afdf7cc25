"""check.numeric.float_error.judge: the one judgement of a float result (emitted code, card slices, audits)."""
import math

import numpy as np
import pytest

from check.numeric.float_error import INACCURATE_ULPS, judge


def _off(want, ulps, dtype):
    """want moved by ``ulps`` ulps of itself (want a power of two, so an ulp is eps · want)."""
    return want + ulps * float(np.finfo(dtype).eps) * want


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_threshold_is_half_the_significand_in_ulps_of_the_magnitude(dtype):
    limit = INACCURATE_ULPS[dtype]
    assert judge(_off(1.0, limit / 2, dtype), 1.0, 0.0, dtype).kind is None
    assert judge(_off(1.0, limit * 2, dtype), 1.0, 0.0, dtype).kind == "inaccurate"          # must be rejected
    # a large magnitude (terms that cancel) forgives the same absolute error ...
    assert judge(_off(1.0, limit * 2, dtype), 1.0, 1e3, dtype).kind is None
    # ... but never a magnitude below |truth|
    assert judge(_off(1.0, limit * 2, dtype), 1.0, 1e-3, dtype).kind == "inaccurate"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_non_finite_results_underflows_and_truths_that_are_not_floats(dtype):
    tiny = float(np.finfo(dtype).tiny)
    assert judge(math.nan, 1.0, 0.0, dtype).kind == "nan"
    assert judge(math.inf, 1.0, 0.0, dtype).kind == "inf"
    assert judge(0.0, tiny / 4, 0.0, dtype).kind == "underflow"        # a subnormal truth flushed to 0
    assert judge(0.0, tiny / 4, 1.0, dtype).kind is None                # ... is a rounding of terms of size 1
    assert judge(tiny / 4, tiny / 4, 0.0, dtype).kind is None
    assert judge(1.0, math.nan, 0.0, dtype) is None                     # undecided truth: not compared
    assert judge(1.0, math.inf, 0.0, dtype) is None                     # truth beyond the format: not compared


def test_bits_and_relative_error_are_reported():
    j = judge(_off(1.0, 7, "float64"), 1.0, 0.0, "float64")
    assert j.bits == pytest.approx(math.log2(8)) and j.ulps == pytest.approx(7) and j.kind is None
    assert j.relative == pytest.approx(7 * np.finfo(np.float64).eps)


def test_emitted_code_off_by_a_part_in_a_million_in_float64_is_refuted():
    import spec
    from check.checks.emitted import float_report
    s = spec.get("mse")
    wrong = "def grad_mse(predicted, target, *, xp):\n    return 2 * (predicted - target) / predicted.size * (1 + 1e-6)\n"
    right = "def grad_mse(predicted, target, *, xp):\n    return 2 * (predicted - target) / predicted.size\n"
    assert not float_report(s, wrong, "predicted").ok                  # must be rejected
    assert float_report(s, right, "predicted").ok
