"""Audits in float16 and bfloat16: the truth correctly rounded to each format, the implementation
called on arrays of that format — a right implementation has no finding, and one that is wrong in
one format only (a sum of squares overflowing float16, a running sum stalling in bfloat16) is found
in that format and not in the others."""
import ml_dtypes
import numpy as np
import pytest

from check.audits.auditor import audit

SHAPE = (2, 3)


def _point(p00, t00):
    p, t = np.zeros(SHAPE), np.zeros(SHAPE)
    p[0, 0], t[0, 0] = p00, t00
    return [{"predicted": p, "target": t}]


#: one residual of 300: (p − t)² = 90000 overflows float16 (largest 65504); the mean, 15000, does not
OVERFLOWING_SQUARE = _point(300, 0)
#: 400 residuals of 1 (shape 1×400): a running sum in bfloat16 stalls at 256 (257 is a tie, to even 256)
ONES = [{"predicted": np.ones((1, 400)), "target": np.zeros((1, 400))}]


def wide_mse(p, t):
    """Right in every format: the sum in float32, one rounding back to the format."""
    d = p.astype(np.float32) - t.astype(np.float32)
    return (d * d).mean().astype(p.dtype)


def wide_mse_grad(p, t):
    return (2 * (p.astype(np.float32) - t.astype(np.float32)) / p.size).astype(p.dtype)


def sum_then_divide(p, t):
    d = p - t
    return (d * d).sum() / p.dtype.type(p.size)


def running_sum(p, t):
    """The squares added one by one in the format (no wider accumulator)."""
    acc = p.dtype.type(0)
    for v in ((p - t) * (p - t)).flat:
        acc = acc + v
    return acc / p.dtype.type(p.size)


def found(report):
    return {f.kind for f in report.findings if f.origin == "given"}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_a_right_numpy_mse_has_no_finding_in_any_format(dtype):
    r = audit("mse", wide_mse, dtype=dtype, points=OVERFLOWING_SQUARE, impl_grad=wide_mse_grad)
    assert r.ok and r.gradient_checked, [f.kind for f in r.findings]


def test_a_sum_of_squares_overflowing_float16_is_found_there_only():
    assert found(audit("mse", sum_then_divide, dtype="float16", points=OVERFLOWING_SQUARE)) == {"inf"}
    for dtype in ("bfloat16", "float32", "float64"):
        assert not found(audit("mse", sum_then_divide, dtype=dtype, points=OVERFLOWING_SQUARE)), dtype


@pytest.mark.slow
def test_a_running_sum_stalling_in_bfloat16_is_found_there_only():
    r = audit("mse", running_sum, dtype="bfloat16", points=ONES, grad=False, shape=(1, 400))
    wrong = [f for f in r.findings if f.origin == "given"]
    assert [(f.kind, f.expected, f.got) for f in wrong] == [("inaccurate", "1.0", "0.640625")]
    for dtype in ("float16", "float32"):          # float16 stalls only at 2048
        assert not found(audit("mse", running_sum, dtype=dtype, points=ONES, grad=False, shape=(1, 400))), dtype
    right = audit("mse", wide_mse, dtype="bfloat16", points=ONES, grad=False, shape=(1, 400))
    assert not found(right)


def test_the_implementation_gets_arrays_of_the_format():
    seen = set()

    def spy(p, t):
        seen.add(p.dtype)
        return wide_mse(p, t)
    audit("mse", spy, dtype="bfloat16", points=OVERFLOWING_SQUARE, grad=False)
    audit("mse", spy, dtype="float16", points=OVERFLOWING_SQUARE, grad=False)
    assert seen == {np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16)}


def test_torch_mse_loss_in_float16_overflows_where_the_mean_fits_and_a_float32_one_does_not():
    import torch
    import torch.nn.functional as F
    # a real finding on the CPU: F.mse_loss sums the squares in float16 (inf, where the mean is 15000)
    r = audit("mse", lambda p, t: F.mse_loss(p, t), backend="torch", dtype="float16", points=OVERFLOWING_SQUARE)
    inf = [f for f in r.findings if f.origin == "given"]
    assert [f.kind for f in inf] == ["inf"] and inf[0].expected == "15000.0"
    widened = audit("mse", lambda p, t: F.mse_loss(p.float(), t.float()).to(p.dtype), backend="torch",
                    dtype="float16", points=OVERFLOWING_SQUARE)
    assert widened.ok and widened.gradient_checked
    for dtype in ("bfloat16", "float32"):
        r = audit("mse", lambda p, t: F.mse_loss(p, t), backend="torch", dtype=dtype, points=OVERFLOWING_SQUARE)
        assert not found(r), dtype
    assert torch.get_default_dtype() == torch.float32          # the audit changed no global state


@pytest.mark.slow
def test_jax_mean_of_squares_in_float16_and_bfloat16():
    import jax.numpy as jnp
    r = audit("mse", lambda p, t: jnp.mean((p - t) ** 2), backend="jax", dtype="float16", points=OVERFLOWING_SQUARE)
    assert found(r) == {"inf"}
    r = audit("mse", lambda p, t: jnp.mean((p - t) ** 2), backend="jax", dtype="bfloat16", points=OVERFLOWING_SQUARE)
    assert not found(r)
