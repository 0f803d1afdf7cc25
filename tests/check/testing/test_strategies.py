"""check.testing.strategies.inputs: draws inside the spec's domains, reaching extremes and kinks."""
import numpy as np
import pytest
from hypothesis import find, given, settings

import spec
from check.testing import strategies
from spec.errors import GradspecError


@settings(max_examples=150, deadline=None)
@given(strategies.inputs("kl_div", dtype="float32", shape=(3, 4)))
def test_draws_lie_in_the_domains_at_the_dtype_and_shape(x):
    assert set(x) == {"log_probs", "target"}
    for a in x.values():
        assert a.dtype == np.float32 and a.shape == (3, 4)
    assert (x["target"] >= 0).all() and (x["target"] <= 1).all() and (x["log_probs"] <= 0).all()
    assert np.allclose(x["target"].sum(axis=-1), 1, atol=1e-6)            # simplex rows, within rounding


@settings(max_examples=60, deadline=None)
@given(strategies.inputs("cosine_embedding", dtype="exact"))
def test_inputs_with_shapes_of_their_own_and_exact_draws(x):
    s = spec.get("cosine_embedding")
    shapes = s.shapes(s.default_shape)
    for i in s.inputs:
        assert x[i.name].shape == tuple(shapes[i.name]) and i.domain.contains(x[i.name])


def test_extremes_and_kinks_are_reached():
    big = find(strategies.inputs("mse"), lambda x: np.abs(x["predicted"]).max() >= 1e4)
    assert np.abs(big["predicted"]).max() == 1e4
    zero = find(strategies.inputs("kl_div"), lambda x: (x["target"] == 0).any())
    assert (zero["target"] >= 0).all()
    s = spec.get("hinge")
    p, t = s.input_names
    on_kink = find(strategies.inputs("hinge", dtype="exact"),
                   lambda x: any(a * b == 1 for a, b in zip(x[p].flat, x[t].flat)))
    assert any(a * b == 1 for a, b in zip(on_kink[p].flat, on_kink[t].flat))


@settings(max_examples=80, deadline=None)
@given(strategies.inputs("kl_div", dtype="exact", conditions=["target_nonzero"]))
def test_conditions_keep_the_draws_inside(x):
    assert all(v != 0 for v in x["target"].flat)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(GradspecError, match="dtype 'float16' is not one of"):
        strategies.inputs("mse", dtype="float16")
    with pytest.raises(GradspecError, match="shape"):
        strategies.inputs("mse", shape=(0, 3))
    with pytest.raises(GradspecError, match="has no condition 'nope'"):
        strategies.inputs("kl_div", conditions=["nope"])
    with pytest.raises(GradspecError, match="unknown spec"):
        strategies.inputs("no_such_loss")
