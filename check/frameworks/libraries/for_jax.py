"""JAX's activations (jax.nn, jax.numpy), as ``gradspec audit jax`` calls them; gradients by jax.vjp."""
from __future__ import annotations

from .common import Adapter


def _nn():
    import jax.nn
    return jax.nn


def _jnp():
    import jax.numpy as jnp
    return jnp


ADAPTERS = [
    Adapter("softmax", "jax.nn.softmax(x, axis=-1)", lambda p: lambda x: _nn().softmax(x, axis=-1)),
    Adapter("log_softmax", "jax.nn.log_softmax(x, axis=-1)", lambda p: lambda x: _nn().log_softmax(x, axis=-1)),
    Adapter("sigmoid", "jax.nn.sigmoid(x)", lambda p: lambda x: _nn().sigmoid(x)),
    Adapter("log_sigmoid", "jax.nn.log_sigmoid(x)", lambda p: lambda x: _nn().log_sigmoid(x)),
    Adapter("softplus", "jax.nn.softplus(x)", lambda p: lambda x: _nn().softplus(x)),
    Adapter("relu", "jax.nn.relu(x)", lambda p: lambda x: _nn().relu(x)),
    Adapter("gelu", "jax.nn.gelu(x, approximate=True)", lambda p: lambda x: _nn().gelu(x, approximate=True)),
    Adapter("tanh", "jax.numpy.tanh(x)", lambda p: lambda x: _jnp().tanh(x)),
    Adapter("exp", "jax.numpy.exp(x)", lambda p: lambda x: _jnp().exp(x)),
    Adapter("log", "jax.numpy.log(x)", lambda p: lambda x: _jnp().log(x)),
    Adapter("reciprocal", "jax.numpy.reciprocal(x)", lambda p: lambda x: _jnp().reciprocal(x)),
]
