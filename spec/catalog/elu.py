"""elu — the exponential linear unit, α (exp(x) − 1) below 0.

    y = x                   where x > 0
        α (exp(x) − 1)      where x ≤ 0            (α = alpha, 1 by default)
    VJP: x̄ = v where x > 0, else v α exp(x)
    At x = 0 the left branch's slope α is taken (as PyTorch and JAX do; α = 1 makes y smooth there).

PyTorch: torch.nn.functional.elu(x, alpha=alpha); JAX: jax.nn.elu(x, alpha); Keras: keras.activations.elu.
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.domains import REAL
from spec.entry import Kink, positive
from spec.kinks import entries_at


def forward(x, *, xp, alpha):
    return xp.where(x > 0, x, alpha * xp.expm1(x))


def vjp(x, cotangent, *, xp, alpha):
    return xp.where(x > 0, cotangent, cotangent * alpha * xp.exp(x))



def hvp(x, cotangent, tangent, *, xp, alpha):
    """elu'' = 0 for x > 0, α eˣ for x ≤ 0 (the branch the kink convention takes at 0)."""
    return xp.where(x > 0, 0 * cotangent, cotangent * alpha * xp.exp(x) * tangent)

SPEC = activation("elu", forward, inputs=[Input("x", REAL, "x")],
                  params=[Param("alpha", 1, positive("alpha"), "α: the negative saturation −α")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0", "elu'(0) = α (the left branch)", entries_at("x", lambda params: [0]))],
                  analogue=Analogue("torch.nn.functional.elu", {"x": "input", "alpha": "alpha"}),
                  variants=[{"alpha": 0.5}])
