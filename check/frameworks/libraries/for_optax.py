"""optax's losses, as ``gradspec audit optax`` calls them; gradients by jax.vjp.

optax returns a loss per element (or per row); the adapters take its mean, so that the call is
the spec's reduction ("mean" over elements, "batchmean" over rows); ntxent returns its scalar.
"""
from __future__ import annotations

import numpy as np

from .common import JAX_MAX_TIE, JAX_TIE, Adapter, Convention, floats, hinge_margin, row_max_tied, tie


def _hinge_shifted(values, params):
    """x + 1 − t, the multi-class hinge's row whose max is taken."""
    return floats(values, "scores") + 1 - floats(values, "target")


def _tiny_norm_in_float64(values, params):
    """A float64 row whose squared norm is below the spec's eps (float32's): optax clips at float64's."""
    return np.asarray(values["embeddings"]).dtype == np.float64 and bool(((floats(values, "embeddings") ** 2).sum(-1) < params["eps"]).any())


def _losses():
    import optax.losses
    return optax.losses


ADAPTERS = [
    Adapter("mse", "optax.losses.squared_error(predicted, target).mean()",
            lambda p: lambda x, t: _losses().squared_error(x, t).mean()),
    Adapter("huber", "optax.losses.huber_loss(predicted, target, delta=delta).mean()",
            lambda p: lambda x, t: _losses().huber_loss(x, t, delta=p["delta"]).mean()),
    Adapter("log_cosh", "optax.losses.log_cosh(predicted, target).mean()",
            lambda p: lambda x, t: _losses().log_cosh(x, t).mean()),
    Adapter("cross_entropy_logits", "optax.losses.softmax_cross_entropy(logits, target).mean()",
            lambda p: lambda z, t: _losses().softmax_cross_entropy(z, t).mean()),
    Adapter("cross_entropy_logits", "optax.losses.softmax_cross_entropy(logits, "
            "optax.losses.smooth_labels(target, label_smoothing)).mean()",
            lambda p: lambda z, t: _losses().softmax_cross_entropy(
                z, _losses().smooth_labels(t, p["label_smoothing"])).mean(),
            params={"label_smoothing": 0.1}),
    Adapter("bce_with_logits", "optax.losses.sigmoid_binary_cross_entropy(logits, target).mean()",
            lambda p: lambda z, t: _losses().sigmoid_binary_cross_entropy(z, t).mean()),
    Adapter("kl_div", "optax.losses.kl_divergence(log_probs, target).mean()",
            lambda p: lambda lp, t: _losses().kl_divergence(lp, t).mean()),
    Adapter("hinge", "optax.losses.hinge_loss(predicted, target).mean()",
            lambda p: lambda x, t: _losses().hinge_loss(x, t).mean(),
            (Convention(JAX_TIE, tie(hinge_margin)),)),
    Adapter("cosine_similarity", "optax.losses.cosine_distance(predicted.ravel(), target.ravel(), epsilon=eps**2)",
            lambda p: lambda x, t: _losses().cosine_distance(x.ravel(), t.ravel(), epsilon=p["eps"] ** 2)),
    Adapter("focal", "optax.losses.sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma).mean()",
            lambda p: lambda z, t: _losses().sigmoid_focal_loss(z, t, alpha=p["alpha"], gamma=p["gamma"]).mean()),
    Adapter("focal", "optax.losses.sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma).mean()",
            lambda p: lambda z, t: _losses().sigmoid_focal_loss(z, t, alpha=p["alpha"], gamma=p["gamma"]).mean(),
            params={"alpha": None, "gamma": 0.5}),
    Adapter("poly1_cross_entropy", "optax.losses.poly_loss_cross_entropy(logits, target, epsilon=epsilon).mean()",
            lambda p: lambda z, t: _losses().poly_loss_cross_entropy(z, t, epsilon=p["epsilon"]).mean()),
    Adapter("multiclass_hinge", "optax.losses.multiclass_hinge_loss(scores, target.argmax(-1)).mean()",
            lambda p: lambda x, t: _losses().multiclass_hinge_loss(x, t.argmax(-1)).mean(),
            (Convention(JAX_MAX_TIE, row_max_tied(_hinge_shifted)),)),
    Adapter("multiclass_perceptron", "optax.losses.multiclass_perceptron_loss(scores, target.argmax(-1)).mean()",
            lambda p: lambda x, t: _losses().multiclass_perceptron_loss(x, t.argmax(-1)).mean(),
            (Convention(JAX_MAX_TIE, row_max_tied(lambda values, params: floats(values, "scores"))),)),
    Adapter("ntxent", "optax.losses.ntxent(embeddings, target.argmax(-1), temperature=temperature)",
            lambda p: lambda e, t: _losses().ntxent(e, t.argmax(-1), temperature=p["temperature"]),
            (Convention("optax clips each squared norm at the dtype's machine epsilon (2⁻⁵² in float64); the "
                        "spec at eps = 2⁻²³", _tiny_norm_in_float64),)),
]
