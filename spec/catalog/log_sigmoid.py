"""log_sigmoid — log σ(x) = −log(1 + exp(−x)).

    y = −log(1 + exp(−x))          VJP: x̄ = v · σ(−x) = v / (1 + exp(x))
    Stable form: min(x, 0) − log1p(exp(−|x|)) (exp(−x) overflows for x < −88 in float32, −709 in float64).

PyTorch: torch.nn.functional.logsigmoid(x); JAX: jax.nn.log_sigmoid; Keras: keras.activations.log_sigmoid;
SciPy: scipy.special.log_expit.
"""
from spec.build import Analogue, Derivative, Form, Input, activation
from spec.domains import REAL


def forward(x, *, xp):
    return -xp.log(1 + xp.exp(-x))


def stable(x, *, xp):
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def vjp(x, cotangent, *, xp):
    return cotangent / (1 + xp.exp(x))



def hvp(x, cotangent, tangent, *, xp):
    """log_sigmoid'' = −σ(x) σ(−x) = −eˣ / (1 + eˣ)²."""
    e = xp.exp(x)
    return -cotangent * e / ((1 + e) * (1 + e)) * tangent

SPEC = activation("log_sigmoid", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  forms=[Form("min_log1p", stable, True, "min(x, 0) − log1p(exp(−|x|))")],
                  analogue=Analogue("torch.nn.functional.logsigmoid", {"x": "input"}))
