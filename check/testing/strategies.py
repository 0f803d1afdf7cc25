"""hypothesis strategies that draw a spec's inputs from its domains, extremes and kinks included.

    from hypothesis import given
    from check.testing import strategies

    @given(strategies.inputs("kl_div", dtype="float32", shape=(4, 5)))
    def test_my_kl(x):                        # x = {"log_probs": ndarray, "target": ndarray}
        assert np.isfinite(my_kl(x["log_probs"], x["target"]))

``inputs(name, dtype="float64", shape=None, *, params=None, conditions=None)`` draws one dict
{input name: array of ``dtype``} per example, jointly over the spec's inputs (so row-wise domains
such as simplex rows, and kinks that tie inputs together such as a hinge's t·p = 1, hold):

  * *ordinary* points — each input's domain sampled by a hypothesis-driven ``random.Random``,
    so examples shrink and replay (``@seed``, the example database) like any other strategy;
  * *extremes* — one input replaced by one of its domain's extreme arrays (0 and 1 for
    probabilities, ±40, ±100, ±1e4 and 1e-30 for reals, near-one-hot simplex rows, …);
  * *kinks* — a point on or beside one of the spec's kinks (``spec.Kink.points``).
Hypothesis shrinks toward ordinary points.  ``conditions`` (names of the spec's conditions, such as
"target_nonzero") keeps only points inside them, projected inside where the condition can.

``dtype`` is "float32", "float64" (NumPy arrays, each exact sample rounded to nearest — to
float32 through float64 —, so a simplex row sums to 1 within rounding) or "exact" (object arrays of fractions.Fraction, as the checks
use).  ``shape`` defaults to the spec's own; inputs with shapes of their own follow ``input_shapes``.
"""
from __future__ import annotations

import random

import numpy as np

import spec as spec_pkg
from spec.errors import GradspecError, lines

from check.checks.points import Point, restrict

DTYPES = ("float32", "float64", "exact")


def inputs(name, dtype: str = "float64", shape=None, *, params=None, conditions=None):
    """A strategy of {input name: array} drawn from the spec ``name``'s domains, extremes and kinks."""
    import hypothesis.strategies as st
    from hypothesis import assume
    s = spec_pkg.get(name)
    if dtype not in DTYPES:
        raise GradspecError(lines(f"gradspec: strategies.inputs: dtype {dtype!r} is not one of {', '.join(DTYPES)}",
                                  "float32/float64 give NumPy arrays; exact gives Fraction object arrays"))
    shape = tuple(s.default_shape if shape is None else shape)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        raise GradspecError(lines(f"gradspec: strategies.inputs: shape {shape!r} is not positive integers",
                                  f"e.g. shape=(2, 3); {s.name}'s default is {s.default_shape}"))
    shapes = s.shapes(shape)
    values = s.resolve_params(params)
    conds = [s.condition(c) for c in conditions or ()]
    with_extremes = [i for i in s.inputs if i.domain.extremes(tuple(shapes[i.name]), random.Random(0))]
    kinds = ["ordinary"] + (["extreme"] if with_extremes else []) + (["kink"] if s.kinks else [])

    @st.composite
    def draw(data):
        rng = data(st.randoms(use_true_random=False))
        point = {i.name: i.domain.ordinary(shapes[i.name], rng) for i in s.inputs}
        kind = data(st.sampled_from(kinds))
        if kind == "extreme":
            inp = data(st.sampled_from(with_extremes))
            options = inp.domain.extremes(shapes[inp.name], rng)
            point[inp.name] = options[data(st.integers(0, len(options) - 1))]
        elif kind == "kink":
            kink = data(st.sampled_from(s.kinks))
            near = [p for p in kink.points(point, values) if all(i.domain.contains(p[i.name]) for i in s.inputs)]
            if near:
                point = near[data(st.integers(0, len(near) - 1))]
        inside = restrict([Point(point, kind)], conds, values)     # projected inside where it can, else dropped
        assume(bool(inside))
        return {n: _as(inside[0].values[n], dtype) for n in s.input_names}

    return draw()


def _as(arr, dtype):
    arr = np.asarray(arr, dtype=object)
    if dtype == "exact":
        return arr
    return np.asarray(np.asarray(arr, dtype=np.float64), dtype=dtype)
