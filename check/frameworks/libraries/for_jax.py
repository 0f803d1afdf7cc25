"""JAX's activations (jax.nn, jax.numpy), as ``gradspec audit jax`` calls them; gradients by jax.vjp."""
from __future__ import annotations

from .common import JAX_BOUNDS, Adapter, Convention, at_values


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
    Adapter("gelu_erf", "jax.nn.gelu(x, approximate=False)", lambda p: lambda x: _nn().gelu(x, approximate=False)),
    Adapter("silu", "jax.nn.silu(x)", lambda p: lambda x: _nn().silu(x)),
    Adapter("mish", "jax.nn.mish(x)", lambda p: lambda x: _nn().mish(x)),
    Adapter("elu", "jax.nn.elu(x, alpha)", lambda p: lambda x: _nn().elu(x, p["alpha"])),
    Adapter("selu", "jax.nn.selu(x)", lambda p: lambda x: _nn().selu(x)),
    Adapter("celu", "jax.nn.celu(x, alpha)", lambda p: lambda x: _nn().celu(x, p["alpha"])),
    Adapter("leaky_relu", "jax.nn.leaky_relu(x, negative_slope)",
            lambda p: lambda x: _nn().leaky_relu(x, p["negative_slope"]),
            (Convention("JAX's leaky_relu takes slope 1 at x = 0 (where(x >= 0, …)); the spec takes PyTorch's s",
                        at_values("x", lambda params: [0])),)),
    Adapter("hardtanh", "jax.nn.hard_tanh(x)", lambda p: lambda x: _nn().hard_tanh(x),
            (Convention(JAX_BOUNDS, at_values("x", lambda params: [-1, 1])),)),
    Adapter("relu6", "jax.nn.relu6(x)", lambda p: lambda x: _nn().relu6(x),
            (Convention(JAX_BOUNDS, at_values("x", lambda params: [0, 6])),)),
    Adapter("hardsigmoid", "jax.nn.hard_sigmoid(x)", lambda p: lambda x: _nn().hard_sigmoid(x),
            (Convention(JAX_BOUNDS, at_values("x", lambda params: [-3, 3])),)),
    Adapter("hardswish", "jax.nn.hard_swish(x)", lambda p: lambda x: _nn().hard_swish(x),
            (Convention(JAX_BOUNDS, at_values("x", lambda params: [-3, 3])),)),
    Adapter("softsign", "jax.nn.soft_sign(x)", lambda p: lambda x: _nn().soft_sign(x)),
    Adapter("logsumexp", "jax.nn.logsumexp(x, axis=-1)", lambda p: lambda x: _nn().logsumexp(x, axis=-1)),
    Adapter("tanh", "jax.numpy.tanh(x)", lambda p: lambda x: _jnp().tanh(x)),
    Adapter("exp", "jax.numpy.exp(x)", lambda p: lambda x: _jnp().exp(x)),
    Adapter("log", "jax.numpy.log(x)", lambda p: lambda x: _jnp().log(x)),
    Adapter("reciprocal", "jax.numpy.reciprocal(x)", lambda p: lambda x: _jnp().reciprocal(x)),
]
