"""celu — the continuously differentiable exponential linear unit (Barron).

    y = max(0, x) + min(0, α (exp(x/α) − 1))      (α = alpha > 0)
    VJP: x̄ = v where x > 0, else v exp(x/α)
    At x = 0 both sides have slope 1 for every α.

PyTorch: torch.nn.functional.celu(x, alpha=alpha); JAX: jax.nn.celu(x, alpha).
"""
from spec.build import Analogue, Derivative, Input, Param, activation
from spec.domains import REAL
from spec.entry import Kink, positive
from spec.kinks import entries_at


def forward(x, *, xp, alpha):
    return xp.where(x > 0, x, alpha * xp.expm1(x / alpha))


def vjp(x, cotangent, *, xp, alpha):
    return xp.where(x > 0, cotangent, cotangent * xp.exp(x / alpha))



def hvp(x, cotangent, tangent, *, xp, alpha):
    """celu'' = 0 for x > 0, exp(x/α)/α for x ≤ 0."""
    return xp.where(x > 0, 0 * cotangent, cotangent * xp.exp(x / alpha) / alpha * tangent)

SPEC = activation("celu", forward, inputs=[Input("x", REAL, "x")],
                  params=[Param("alpha", 1, positive("alpha"), "α: the negative saturation −α")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hvp, kind="hvp")],
                  kinks=[Kink("x = 0", "celu'(0) = 1 from both sides", entries_at("x", lambda params: [0]))],
                  analogue=Analogue("torch.nn.functional.celu", {"x": "input", "alpha": "alpha"}),
                  variants=[{"alpha": 2}])
