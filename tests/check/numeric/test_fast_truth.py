"""check.numeric.fast_truth: the batch truth is check.numeric.truth's, number for number wherever arb
decides — at the spec's sample points and at random points over the format's range — and a point
the intervals cannot decide (a tie, float64, an overflow) goes to arb instead of being guessed."""
from fractions import Fraction

import numpy as np
import pytest

import derive
import spec as spec_pkg
from spec.kinds import first_order_kind

from check.audits.sampling import random_rows
from check.checks import points as pts
from check.numeric.fast_truth import BatchTruth
from check.numeric.formats import format_of
from check.numeric.truth import TruthPlan

FAST = [("mse", (2, 3)), ("softplus", None), ("relu", None), ("huber", None)]
SLOW = [("cross_entropy_logits", (2, 3)), ("gelu", None), ("kl_div", None), ("log_softmax", None),
        ("bce_with_logits", None), ("bce", None), ("focal", None), ("mish", None)]


def _plan(name, shape):
    s = spec_pkg.get(name)
    prob = derive.problem(s, shape, None)
    return s, prob, TruthPlan.build(prob, first_order_kind(s), s.input_names[0], True)


def _points(s, prob, plan, dtype, n_random=40):
    out = []
    for p in pts.sample(s, prob.shape, prob.params, extras=plan.op.extra_shapes):
        v, e = pts.rounded(p.values, dtype), pts.rounded(p.extras, dtype)
        if v is not None and e is not None:
            out.append(pts.Point(v, p.origin, e))
    from check.audits.search import _Layout
    layout = _Layout(s, s.shapes(prob.shape), plan.op.extra_shapes)
    rows = random_rows(s, s.shapes(prob.shape), plan.op.extra_shapes, dtype, n_random, seed=3)
    return out + [layout.point(r, "search") for r in rows]


def _same_as_arb(name, shape, dtype):
    s, prob, plan = _plan(name, shape)
    batch = BatchTruth.build(plan)
    assert batch.available
    points = _points(s, prob, plan, dtype)
    got = batch.evaluate(points, dtype)
    tiny = format_of(dtype).tiny
    for i, p in enumerate(points):
        v, vs = plan.value(p, dtype)
        g, gs = plan.gradient(p, dtype)
        # where arb decides, the same number; an entry arb leaves undecided the intervals may decide
        # (mish's gradient at −22736: NaN in arb at every precision, −0 by the enclosure)
        for want, have in ((v, got.values[i]), (g, got.grads[i])):
            decided = ~np.isnan(want)
            assert np.array_equal(want[decided], have[decided]), (name, dtype, p.origin, want, have)
        for want, have in ((vs, got.value_scales[i]), (gs, got.grad_scales[i])):
            close = np.abs(want - have) <= 2.0 ** -7 * np.abs(want)           # the scale is good to 8 bits,
            assert np.all(close | ((want < tiny) & (have < tiny)) | (np.isinf(want) & np.isinf(have))), (want, have)
    return got.fast, len(points)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("name,shape", FAST)
def test_the_batch_truth_is_the_arb_truth(name, shape, dtype):
    fast, n = _same_as_arb(name, shape, dtype)
    assert fast > n // 2                      # most points decided by the intervals


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,shape", SLOW)
def test_the_batch_truth_is_the_arb_truth_across_the_catalog(name, shape, dtype):
    fast, n = _same_as_arb(name, shape, dtype)
    assert fast > 0


def test_float64_and_undecidable_points_go_to_arb():
    s, prob, plan = _plan("mse", (1, 2))
    batch = BatchTruth.build(plan)

    def point(x):
        return pts.Point({"predicted": np.array([[Fraction(x), 0]], dtype=object),
                          "target": np.array([[0, 0]], dtype=object)}, "given")
    # float64: no float64 enclosure decides a float64 rounding
    assert batch.evaluate([point(3)], "float64").fast == 0
    # mse = x²/2 at x = 2^-12 is 2^-25, half float16's least subnormal: a tie (to even: 0) that no
    # enclosure decides — arb does
    tie = point(Fraction(1, 2 ** 12))
    got = batch.evaluate([tie], "float16")
    assert got.fast == 0
    assert got.values[0, 0] == plan.value(tie, "float16")[0][0] == 0.0
    assert batch.evaluate([point(3)], "float16").fast == 1          # an ordinary point: decided


def test_a_wrong_interval_function_would_be_caught():
    """The comparison above is not vacuous: a batch truth whose gradient is 1 % off disagrees with
    arb at some point."""
    import check.numeric.intervals as I
    s, prob, plan = _plan("softplus", None)
    batch = BatchTruth.build(plan)
    nv = plan.value_size

    def shifted(*args):
        out = batch.fn(*args)
        return [I.Iv(v.lo * 1.01, v.hi * 1.01) if 2 * nv <= k < 3 * nv else v for k, v in enumerate(out)]
    points = _points(s, prob, plan, "float32")
    got = BatchTruth(plan, shifted).evaluate(points, "float32")
    assert any(not np.array_equal(plan.gradient(p, "float32")[0], got.grads[i], equal_nan=True)
               for i, p in enumerate(points))


def test_logits_past_scaled_exponents_are_decided_by_the_shifted_pass():
    """bfloat16 logits past 3·10^15 (e^x past every exponent a float64 holds exactly): the scaled
    pass leaves the softmax undecided; the shifted one (check.numeric.shifted) decides it, number for
    number with arb's truth."""
    s, prob, plan = _plan("cross_entropy_logits", (2, 3))
    full = BatchTruth.build(plan)
    without = BatchTruth(plan, full.fn, full.scaled_fn)
    fmt = format_of("bfloat16")
    rng = np.random.default_rng(5)
    logits = fmt.cast_array(np.ldexp(rng.uniform(0.5, 1, (24, 2, 3)), rng.integers(52, 128, (24, 2, 3)))
                            * rng.choice([-1.0, 1.0], (24, 2, 3)))
    logits[::4, :, 1] = logits[::4, :, 0]                      # ties between huge logits too
    target = np.array([[0.25, 0.5, 0.25], [1.0, 0.0, 0.0]])
    points = [pts.Point({"logits": np.array([[Fraction(float(v)) for v in r] for r in z], dtype=object),
                         "target": np.array([[Fraction(v) for v in r] for r in target], dtype=object)}, "huge")
              for z in logits]
    assert without.evaluate(points, "bfloat16").fast < len(points) // 2
    got = full.evaluate(points, "bfloat16")
    assert got.fast >= len(points) * 2 // 3
    for i, p in enumerate(points):
        for want, have in ((plan.value(p, "bfloat16")[0], got.values[i]), (plan.gradient(p, "bfloat16")[0], got.grads[i])):
            decided = ~np.isnan(want)
            assert decided.any() and np.array_equal(want[decided], have[decided]), (p, want, have)
