"""Models composed with losses (the seeds' NN.API.Runtime.Autograd): specs built from a name.

    linear:IxO                 y = x Wᵀ + b            W (O×I), b (O), x (batch×I)
    mlp:IxHxO[:ACT]            y = act(x W1ᵀ + b1) W2ᵀ + b2     ACT in tanh (default), sigmoid, softplus
    MODEL+LOSS[,k=v...]        L = LOSS(y, target) for a catalog loss whose first input is the prediction,
                               with the loss's parameters k set to v (e.g. linear:3x2+huber,delta=0.5)

``spec.get("linear:3x2+mse")`` builds (and caches) the entry, validated as a registered spec is
(spec.validate); the ``k=v`` values become the entry's parameter defaults, checked by the loss.  A model alone is an entry of kind
"model": its derivatives are VJPs ∂⟨v, y⟩/∂θ (the seeds' vjpParams / vjpInputs; derive.jacobian
gives jacrev).  A composed entry is a loss over the parameters, the inputs and the target: its
gradients are gradParams / gradInputs, and derive.jvp / derive.hvp give jvpParams / hvpParams.

The hand-written derivatives are the backprop rules, composed from the catalog's own formulas:
δ = ∂L/∂y from the loss's hand-written gradient, ∂L/∂W = δᵀ x, ∂L/∂b = Σ_batch δ, ∂L/∂x = δ W,
and through an activation δ_h = (the activation's hand-written VJP at the pre-activation, δ W2).
Shapes: the entry's shape is x's, (batch, I).
"""
from __future__ import annotations

import dataclasses
import functools
import re

from .domains import REAL
from .entry import Derivative, Input, Spec, accepted_params
from . import param_text
from .errors import GradspecError, lines

ACTIVATIONS = ("tanh", "sigmoid", "softplus")
_MODEL = re.compile(r"^(linear):(\d+)x(\d+)$|^(mlp):(\d+)x(\d+)x(\d+)(?::(\w+))?$")


def _usage(name, why):
    return GradspecError(lines(f"gradspec: cannot read the model {name!r}: {why}",
                               "write linear:IxO or mlp:IxHxO[:tanh|sigmoid|softplus], optionally +LOSS[,k=v...]",
                               "e.g. linear:3x2+mse, mlp:2x3x2:tanh+cross_entropy_logits, "
                               "linear:3x2+huber,delta=0.5"))


def _layer(x, W, b):
    return x @ W.T + b


def _model(kind, dims, act):
    """(inputs, forward, backprop(params..., x, delta) -> {input: grad}, shapes)."""
    from . import registry
    if kind == "linear":
        i, o = dims
        inputs = [Input("W", REAL, "W"), Input("b", REAL, "b"), Input("x", REAL, "x")]

        def forward(W, b, x, *, xp):
            return _layer(x, W, b)

        def backprop(W, b, x, delta, *, xp):
            return {"W": delta.T @ x, "b": xp.sum(delta, axis=0), "x": delta @ W}

        def shapes(shape):
            return {"W": (o, i), "b": (o,), "x": (shape[0], i)}
        return inputs, forward, backprop, shapes, i, o
    i, h, o = dims
    a = registry.get(act)
    inputs = [Input("W1", REAL, "W"), Input("b1", REAL, "b"), Input("W2", REAL, "V"), Input("b2", REAL, "c"),
              Input("x", REAL, "x")]

    def forward(W1, b1, W2, b2, x, *, xp):
        return _layer(a.fn(_layer(x, W1, b1), xp=xp), W2, b2)

    def backprop(W1, b1, W2, b2, x, delta, *, xp):
        pre = _layer(x, W1, b1)
        hidden = a.fn(pre, xp=xp)
        vjp = a.derivatives_for("x")[0].fn
        delta1 = vjp(pre, delta @ W2, xp=xp)
        return {"W2": delta.T @ hidden, "b2": xp.sum(delta, axis=0), "W1": delta1.T @ x,
                "b1": xp.sum(delta1, axis=0), "x": delta1 @ W1}

    def shapes(shape):
        return {"W1": (h, i), "b1": (h,), "W2": (o, h), "b2": (o,), "x": (shape[0], i)}
    return inputs, forward, backprop, shapes, i, o


def _check_shape(name, i):
    def check(shape):
        if len(shape) != 2 or shape[1] != i:
            raise GradspecError(lines(f"gradspec: {name} takes x of shape (batch, {i}), not {shape}",
                                      f"hint: --shape B,{i}"))
    return check


#: The largest layer width a model name may ask for (its derivatives are derived entry by entry).
MAX_WIDTH = 64


def _loss_and_values(name: str, text: str) -> tuple[str, dict]:
    """``LOSS[,k=v...]`` as (LOSS, {k: value}); a tuple value's own commas stay with its item
    (``+cross_entropy,weight=1,2,3``)."""
    loss_name, *rest = text.split(",")
    texts: list[str] = []
    for token in rest:
        if "=" in token or not texts:
            texts.append(token)
        else:
            texts[-1] += "," + token
    return loss_name, param_text.items(texts, where=f"parameter in the model name {name!r}",
                                       example="linear:3x2+huber,delta=0.5")


@functools.lru_cache(maxsize=64)
def parse(name: str) -> Spec:
    """The model (or model+loss) entry ``name``, validated; GradspecError naming what is wrong."""
    from .validate import validate
    built = _build(name)
    validate(built, model=True)
    return built


def _build(name: str) -> Spec:
    from . import registry
    model_part, plus, loss_part = name.partition("+")
    if plus and not loss_part:
        raise _usage(name, "nothing follows the '+': name the loss, e.g. +mse")
    m = _MODEL.match(model_part)
    if not m:
        raise _usage(name, "the model part is not linear:IxO or mlp:IxHxO[:ACT]")
    if m.group(1):
        kind, dims, act = "linear", (int(m.group(2)), int(m.group(3))), None
    else:
        kind, dims, act = "mlp", (int(m.group(5)), int(m.group(6)), int(m.group(7))), m.group(8) or "tanh"
        if act not in ACTIVATIONS:
            raise _usage(name, f"unknown activation {act!r}")
    if any(d < 1 for d in dims):
        raise _usage(name, "every size must be ≥ 1")
    if any(d > MAX_WIDTH for d in dims):
        raise _usage(name, f"every size must be ≤ {MAX_WIDTH} (symbolic derivatives are taken entry by entry)")
    inputs, forward, backprop, shapes, i, o = _model(kind, dims, act)
    check = _check_shape(name, i)

    def sized(shape):
        check(shape)
        return shapes(shape)

    names = [inp.name for inp in inputs]
    if not loss_part:
        def vjp_for(wrt):
            def vjp(*args, xp):
                *values, v = args
                return backprop(*values, v, xp=xp)[wrt]
            return vjp
        derivs = [Derivative(n, _positional(len(names) + 1, vjp_for(n))) for n in names]
        return Spec(name, "model", tuple(inputs), (), forward, derivatives=tuple(derivs), doc=__doc__,
                    default_shape=(2, i), input_shapes=sized)
    loss_part, values = _loss_and_values(name, loss_part)
    loss = registry.get(loss_part)
    if loss.kind != "loss":
        raise _usage(name, f"{loss_part!r} is not a loss")
    target = loss.inputs[1]
    grad_pred = loss.derivatives_for(loss.input_names[0])
    if not grad_pred:
        raise _usage(name, f"{loss_part} has no hand-written gradient for its prediction")
    grad_pred = next(d for d in grad_pred if not d.conditions and not d.kind) if any(
        not d.conditions and not d.kind for d in grad_pred) else grad_pred[0]
    grad_target = loss.derivatives_for(target.name)
    all_inputs = tuple(inputs) + (Input(target.name, target.domain, target.symbol),)

    def composed(*args, xp, **params):
        *values, t = args
        return loss.fn(forward(*values, xp=xp), t, **accepted_params(loss.fn, dict(params, xp=xp)))

    def delta(values, t, xp, params):
        y = forward(*values, xp=xp)
        return y, grad_pred.fn(y, t, xp=xp, **accepted_params(grad_pred.fn, params))

    def grad_for(wrt):
        def grad(*args, xp, **params):
            *values, t = args
            y, d = delta(values, t, xp, params)
            if wrt == target.name:
                g = grad_target[0].fn
                return g(y, t, xp=xp, **accepted_params(g, params))
            return backprop(*values, d, xp=xp)[wrt]
        return grad

    derivs = [Derivative(n, _positional(len(all_inputs), grad_for(n)), grad_pred.conditions)
              for n in names] + ([Derivative(target.name, _positional(len(all_inputs), grad_for(target.name)))]
                                 if grad_target else [])

    def out_shapes(shape):
        s = sized(shape)
        s[target.name] = (shape[0], o)
        return s
    used = tuple(loss.condition(c) for c in grad_pred.conditions)
    chosen = loss.resolve_params(values)              # the loss's own checks decide (a GradspecError)
    params = tuple(dataclasses.replace(p, default=chosen[p.name]) for p in loss.params)
    return Spec(name, "loss", all_inputs, params, composed, derivatives=tuple(derivs), conditions=used,
                doc=__doc__, default_shape=(2, i), input_shapes=out_shapes)


def _positional(n, fn):
    """Give a *args formula an explicit signature of n positional inputs (for arity checks)."""
    import inspect
    params = [inspect.Parameter(f"a{k}", inspect.Parameter.POSITIONAL_ONLY) for k in range(n)]
    params += [inspect.Parameter("xp", inspect.Parameter.KEYWORD_ONLY),
               inspect.Parameter("params", inspect.Parameter.VAR_KEYWORD)]
    fn.__signature__ = inspect.Signature(params)
    return fn
