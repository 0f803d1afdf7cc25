"""Keras 3's losses and activations on its JAX backend, as ``gradspec audit keras`` calls them.

Keras losses take (y_true, y_pred) and average over the last axis; the adapters put the spec's
inputs in that order and take the mean of the rows.  Keras' type promotion maps 64-bit dtypes to
32-bit ones ("aligned with JAX's default behavior", keras.src.backend.common.dtypes), so its
float64 results carry float32 precision: every adapter states that as a convention in float64.  ``KERAS_BACKEND=jax`` is set before Keras is
first imported (in the framework worker); a Keras already loaded with another backend is refused.
"""
from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from .common import (JAX_ABS, JAX_MAX_TIE, JAX_TIE, Adapter, Convention, at_values, floats, hinge_margin,
                     row_max_tied, rows_not_normalised, tie)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    if keras.backend.backend() != "jax":
        raise RuntimeError(f"keras runs on the {keras.backend.backend()} backend here; gradspec audits it on jax "
                           "(set KERAS_BACKEND=jax)")
    return keras


def _losses():
    return _keras().losses


def _activations():
    return _keras().activations


def _jnp():
    import jax.numpy as jnp
    return jnp


def _at_clamp(name):
    """Some entry of ``name`` at or beyond Keras' clamp [epsilon, 1 − epsilon], in the input's own dtype."""
    def applies(values, params):
        a = np.asarray(values[name])
        eps = np.asarray(1e-7, dtype=a.dtype)
        return bool(((a <= eps) | (a >= np.asarray(1, dtype=a.dtype) - eps)).any())
    return applies


def _float64(values, params):
    return any(np.asarray(v).dtype == np.float64 for v in values.values())


def _difference(values, params):
    return floats(values, "predicted") - floats(values, "target")


def _kl_clipped(values, params):
    """A target below 1e-7, or p = exp(log_probs) below 1e-7 or at 1: where Keras' clips act."""
    p = np.exp(floats(values, "log_probs"))
    return bool((floats(values, "target") < 1e-7).any() or (p < 1e-7).any() or (p >= 1).any())


def _others(values, params):
    """(1 − t) ⊙ x: the row whose max is categorical_hinge's neg."""
    return (1 - floats(values, "target")) * floats(values, "predicted")


def _categorical_hinge_margin(values, params):
    """neg − pos + 1 per row: where it is 0, jnp.maximum splits the gradient."""
    pos = (floats(values, "target") * floats(values, "predicted")).sum(axis=-1)
    return _others(values, params).max(axis=-1) - pos + 1


def _sparse_labels(t):
    """One-hot rows as class indices, all-zero rows as −1 (Keras' ignore_class)."""
    jnp = _jnp()
    return jnp.where(t.sum(-1) > 0, t.argmax(-1), -1)


EPSILON = ("Keras clips to [epsilon, 1 − epsilon] with epsilon = 1e-7 rounded to the dtype, and 1 − epsilon "
           "computed in it; the spec clamps at the exact 1e-7 and 1 − 1e-7")

ADAPTERS = [
    Adapter("mse", "keras.losses.mean_squared_error(target, predicted).mean()",
            lambda p: lambda x, t: _losses().mean_squared_error(t, x).mean()),
    Adapter("mae", "keras.losses.mean_absolute_error(target, predicted).mean()",
            lambda p: lambda x, t: _losses().mean_absolute_error(t, x).mean(),
            (Convention(JAX_ABS, tie(_difference)),)),
    Adapter("huber", "keras.losses.huber(target, predicted, delta=delta).mean()",
            lambda p: lambda x, t: _losses().huber(t, x, delta=p["delta"]).mean()),
    Adapter("log_cosh", "keras.losses.log_cosh(target, predicted).mean()",
            lambda p: lambda x, t: _losses().log_cosh(t, x).mean()),
    Adapter("bce", "keras.losses.binary_crossentropy(target, predicted).mean()",
            lambda p: lambda x, t: _losses().binary_crossentropy(t, x).mean(),
            (Convention(EPSILON, _at_clamp("predicted")),),
            params={"eps": 1e-7}),
    Adapter("bce_with_logits", "keras.losses.binary_crossentropy(target, logits, from_logits=True).mean()",
            lambda p: lambda z, t: _losses().binary_crossentropy(t, z, from_logits=True).mean()),
    Adapter("cross_entropy", "keras.losses.categorical_crossentropy(target, predicted).mean()",
            lambda p: lambda x, t: _losses().categorical_crossentropy(t, x).mean(),
            (Convention("Keras divides predicted by its row sum before the log (the spec does not normalise)",
                        rows_not_normalised("predicted")),
             Convention(EPSILON, _at_clamp("predicted"))),
            params={"eps": 1e-7}),
    Adapter("cross_entropy_logits", "keras.losses.categorical_crossentropy(target, logits, from_logits=True).mean()",
            lambda p: lambda z, t: _losses().categorical_crossentropy(t, z, from_logits=True).mean()),
    Adapter("cross_entropy_logits", "keras.losses.categorical_crossentropy(target, logits, from_logits=True, "
            "label_smoothing=label_smoothing).mean()",
            lambda p: lambda z, t: _losses().categorical_crossentropy(
                t, z, from_logits=True, label_smoothing=p["label_smoothing"]).mean(),
            params={"label_smoothing": 0.1}),
    Adapter("kl_div", "keras.losses.kl_divergence(target, exp(log_probs)).mean()",
            lambda p: lambda lp, t: _losses().kl_divergence(t, _jnp().exp(lp)).mean(),
            (Convention("Keras clips both distributions to [1e-7, 1] with jnp.clip: a target below 1e-7 adds "
                        "1e-7·log(1e-7/p) instead of 0, p = exp(log_probs) below 1e-7 is taken as 1e-7 (no "
                        "gradient), and at p = 1 JAX splits the gradient at the clip's bound (half)", _kl_clipped),)),
    Adapter("poisson_nll_rate", "keras.losses.poisson(target, rate).mean()",
            lambda p: lambda r, t: _losses().poisson(t, r).mean(), params={"eps": 1e-7}),
    Adapter("cosine_similarity", "1 + keras.losses.cosine_similarity(target.ravel(), predicted.ravel())",
            lambda p: lambda x, t: 1 + _losses().cosine_similarity(t.ravel(), x.ravel()),
            params={"eps": 1e-7}),                   # its normalize() clamps each norm at epsilon() = 1e-7
    Adapter("hinge", "keras.losses.hinge(target, predicted).mean()",
            lambda p: lambda x, t: _losses().hinge(t, x).mean(),
            (Convention(JAX_TIE, tie(hinge_margin)),)),
    Adapter("focal", "keras.losses.binary_focal_crossentropy(target, logits, apply_class_balancing=True, "
            "alpha=alpha, gamma=gamma, from_logits=True).mean()",
            lambda p: lambda z, t: _losses().binary_focal_crossentropy(
                t, z, apply_class_balancing=True, alpha=p["alpha"], gamma=p["gamma"], from_logits=True).mean()),
    Adapter("cross_entropy_index", "keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)"
            "(labels, logits)  # labels: argmax of a one-hot row, -1 for an all-zero row",
            lambda p: lambda z, t: _losses().SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
                _sparse_labels(t), z)),
    Adapter("categorical_hinge", "keras.losses.categorical_hinge(target, predicted).mean()",
            lambda p: lambda x, t: _losses().categorical_hinge(t, x).mean(),
            (Convention(JAX_TIE, tie(_categorical_hinge_margin)), Convention(JAX_MAX_TIE, row_max_tied(_others)))),
    Adapter("softmax", "keras.activations.softmax(x, axis=-1)", lambda p: lambda x: _activations().softmax(x, axis=-1)),
    Adapter("log_softmax", "keras.activations.log_softmax(x, axis=-1)",
            lambda p: lambda x: _activations().log_softmax(x, axis=-1)),
    Adapter("sigmoid", "keras.activations.sigmoid(x)", lambda p: lambda x: _activations().sigmoid(x)),
    Adapter("log_sigmoid", "keras.activations.log_sigmoid(x)", lambda p: lambda x: _activations().log_sigmoid(x)),
    Adapter("tanh", "keras.activations.tanh(x)", lambda p: lambda x: _activations().tanh(x)),
    Adapter("softplus", "keras.activations.softplus(x)", lambda p: lambda x: _activations().softplus(x)),
    Adapter("relu", "keras.activations.relu(x)", lambda p: lambda x: _activations().relu(x)),
    Adapter("gelu", "keras.activations.gelu(x, approximate=True)",
            lambda p: lambda x: _activations().gelu(x, approximate=True)),
    Adapter("squared_hinge", "keras.losses.squared_hinge(target, predicted).mean()",
            lambda p: lambda x, t: _losses().squared_hinge(t, x).mean()),
    Adapter("gelu_erf", "keras.activations.gelu(x, approximate=False)",
            lambda p: lambda x: _activations().gelu(x, approximate=False)),
    Adapter("silu", "keras.activations.silu(x)", lambda p: lambda x: _activations().silu(x)),
    Adapter("mish", "keras.activations.mish(x)", lambda p: lambda x: _activations().mish(x)),
    Adapter("elu", "keras.activations.elu(x, alpha=alpha)", lambda p: lambda x: _activations().elu(x, alpha=p["alpha"])),
    Adapter("selu", "keras.activations.selu(x)", lambda p: lambda x: _activations().selu(x)),
    Adapter("leaky_relu", "keras.activations.leaky_relu(x, negative_slope=negative_slope)",
            lambda p: lambda x: _activations().leaky_relu(x, negative_slope=p["negative_slope"]),
            (Convention("Keras' leaky_relu (jax.nn's) takes slope 1 at x = 0; the spec takes PyTorch's s",
                        at_values("x", lambda params: [0])),)),
    Adapter("softsign", "keras.activations.softsign(x)", lambda p: lambda x: _activations().softsign(x)),
    Adapter("exp", "keras.activations.exponential(x)", lambda p: lambda x: _activations().exponential(x)),
]

KERAS_64 = Convention("Keras promotes 64-bit dtypes to 32-bit ones: float64 inputs are computed in float32",
                      _float64)
ADAPTERS = [replace(a, conventions=a.conventions + (KERAS_64,)) for a in ADAPTERS]
