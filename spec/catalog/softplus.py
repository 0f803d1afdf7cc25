"""softplus — log(1 + exp(beta x)) / beta, with PyTorch's threshold as an option.

    y = log(1 + exp(β x)) / β                      (β = beta > 0)
        x where β x > threshold, if a threshold is given (PyTorch's float shortcut; None: never)
    VJP: x̄ = v · σ(β x) = v / (1 + exp(−β x))   (v itself where the threshold applies)
    Hessian of ⟨v, y⟩: diag(v β σ(β x)(1 − σ(β x)))   (0 where the threshold applies)
    Stable form: (max(β x, 0) + log1p(exp(−|β x|))) / β (log(1 + exp x) overflows for x > ~88 in float32).

PyTorch: torch.nn.functional.softplus(x, beta=beta, threshold=threshold) (threshold=20 by default: a
shortcut that differs from the math by < 2e-9 relative); JAX: jax.nn.softplus; NumPy:
numpy.logaddexp(0, x).
"""
from spec.build import Analogue, Derivative, Form, Input, Param, activation
from spec.domains import REAL
from spec.entry import Kink, positive
from spec.kinks import entries_at
from spec.xp import diag


def _threshold(v):
    if v is None or (not isinstance(v, bool) and isinstance(v, (int, float)) and abs(v) < float("inf")):
        return None
    return f"threshold must be None or a finite number, got {v!r}"


def _switched(x, beta, threshold, value, linear, xp):
    return value if threshold is None else xp.where(beta * x > threshold, linear, value)


def forward(x, *, xp, beta, threshold):
    return _switched(x, beta, threshold, xp.log(1 + xp.exp(beta * x)) / beta, x, xp)


def stable(x, *, xp, beta, threshold):
    bx = beta * x
    return _switched(x, beta, threshold, (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta, x, xp)


def vjp(x, cotangent, *, xp, beta, threshold):
    return _switched(x, beta, threshold, cotangent / (1 + xp.exp(-beta * x)), cotangent, xp)


def hessian(x, cotangent, *, xp, beta, threshold):
    s = 1 / (1 + xp.exp(-beta * x))
    return diag(_switched(x, beta, threshold, cotangent * beta * s * (1 - s), 0 * x, xp), xp=xp)


def _threshold_points(p, params):
    if params["threshold"] is None:
        return []
    return entries_at("x", lambda ps: [ps["threshold"] / ps["beta"]])(p, params)


SPEC = activation("softplus", forward, inputs=[Input("x", REAL, "x")],
                  params=[Param("beta", 1, positive("beta"), "the sharpness: log(1 + exp(beta x)) / beta"),
                          Param("threshold", None, _threshold, "x itself where beta x > threshold (PyTorch's "
                                                               "shortcut, 20 there); None: never")],
                  derivatives=[Derivative("x", vjp), Derivative("x", hessian, kind="hessian")],
                  forms=[Form("max_log1p", stable, True, "(max(βx, 0) + log1p(exp(−|βx|))) / β")],
                  kinks=[Kink("beta x = threshold", "the linear branch is taken where beta x > threshold "
                              "(a jump of log1p(e^−threshold)/beta there)", _threshold_points)],
                  analogue=Analogue("torch.nn.functional.softplus", {"x": "input", "beta": "beta",
                                                                      "threshold": "threshold"}, "threshold=20"),
                  variants=[{"beta": 2}, {"beta": 2, "threshold": 20}])
