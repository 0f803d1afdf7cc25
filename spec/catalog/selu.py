"""selu — the scaled exponential linear unit (Klambauer et al.): λ elu(x, α).

    y = λ x                 where x > 0
        λ α (exp(x) − 1)    where x ≤ 0
    VJP: x̄ = v λ where x > 0, else v λ α exp(x);  at x = 0 the left branch (as PyTorch and JAX do)
    α = 1.6732632423543772848170429916717 and λ = 1.0507009873554804934193349852946 exactly as
    these decimals (the libraries round them to the nearest float; the difference is below 1e-16).

PyTorch: torch.nn.functional.selu(x); JAX: jax.nn.selu; Keras: keras.activations.selu.
"""
from spec.build import Analogue, Derivative, Input, activation
from spec.domains import REAL
from spec.entry import Kink
from spec.kinks import entries_at


def _constants(xp):
    alpha = xp.asarray(16732632423543772848170429916717) / 10 ** 31
    scale = xp.asarray(10507009873554804934193349852946) / 10 ** 31
    return alpha, scale


def forward(x, *, xp):
    alpha, scale = _constants(xp)
    return scale * xp.where(x > 0, x, alpha * xp.expm1(x))


def vjp(x, cotangent, *, xp):
    alpha, scale = _constants(xp)
    return scale * xp.where(x > 0, cotangent, cotangent * alpha * xp.exp(x))



def hvp(x, cotangent, tangent, *, xp):
    """selu'' = 0 for x > 0, λα eˣ for x ≤ 0."""
    alpha, scale = _constants(xp)
    return scale * xp.where(x > 0, 0 * cotangent, cotangent * alpha * xp.exp(x) * tangent)

SPEC = activation("selu", forward, inputs=[Input("x", REAL, "x")], derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0", "selu'(0) = λα (the left branch)", entries_at("x", lambda params: [0]))],
                  analogue=Analogue("torch.nn.functional.selu", {"x": "input"}))
