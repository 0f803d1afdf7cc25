"""logsumexp — log Σ_c exp(x_c) over the last axis (one value per row).

    y_i = log Σ_c exp(x_ic)
    VJP: x̄_ic = v_i · softmax(x_i)_c = v_i exp(x_ic − y_i)
    Stable form: max-shifted, y_i = M_i + log Σ_c exp(x_ic − M_i), M_i = max_c x_ic (exp(x) overflows
    beyond ~88 in float32, ~709 in float64).
    No emitted code (emitted='skip'): derive.sizes has no every-size form of a VJP whose cotangent has
    one entry per row (it does not broadcast (m,) against the rows); the VJP is proved at each shape.

PyTorch: torch.logsumexp(x, dim=-1); JAX: jax.nn.logsumexp(x, axis=-1); SciPy: scipy.special.logsumexp.
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return xp.log(xp.sum(xp.exp(x), axis=-1))


def vjp(x, cotangent, *, xp):
    y = xp.log(xp.sum(xp.exp(x), axis=-1, keepdims=True))
    return cotangent.reshape(cotangent.shape + (1,)) * xp.exp(x - y)


def max_shifted(x, *, xp):
    top = xp.max(x, axis=-1, keepdims=True)
    return (top + xp.log(xp.sum(xp.exp(x - top), axis=-1, keepdims=True))).reshape(x.shape[:-1])



def hvp(x, cotangent, tangent, *, xp):
    """v_i · (s ⊙ u − s (s·u)) per row, s = softmax(x_i), u = tangent."""
    s = xp.exp(x - xp.log(xp.sum(xp.exp(x), axis=-1, keepdims=True)))
    v = cotangent.reshape(cotangent.shape + (1,))
    return v * (s * tangent - s * xp.sum(s * tangent, axis=-1, keepdims=True))

SPEC = activation("logsumexp", forward, inputs=[Input("x", REAL, "x")], kind="op",
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  forms=[Form("max_shifted", max_shifted, True, "M + log Σ exp(x − M), M = max over the row")],
                  analogue=Analogue("torch.logsumexp", {"x": "input"}, "dim=-1"), emitted="skip")
