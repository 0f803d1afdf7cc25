"""The derivative operators a hand-written formula can implement, and what each one is checked against.

    kind      formula signature                                  returns (shape)            truth (derive)
    grad      grad(*inputs, xp)                      loss only    ∂L/∂x (input)              gradient
    vjp       vjp(*inputs, cotangent, xp)            act./op      ∂⟨v,f⟩/∂x (input)           gradient of ⟨v, f⟩
    jvp       jvp(*inputs, tangent, xp)              any          Σ ∂f/∂x·u (output)          jvp
    hessian   hessian(*inputs, [cotangent,] xp)      any          ∂²F/∂x∂x (input + input)    hessian
    hvp       hvp(*inputs, [cotangent,] tangent, xp) any          H·u (input)                 hvp

F is the loss, or ⟨cotangent, f(x)⟩ for an activation or op (whose Hessian depends on the cotangent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derive
from spec.kinds import declared_kind, extra_arguments

@dataclass(frozen=True)
class Operator:
    kind: str
    truth: object          # SymArray
    extras: tuple          # ((name, SymArray), ...) in argument order after the inputs
    noun: str              # for messages
    convention: str = ""   # how the truth is taken where it is not classical (second derivatives at kinks)

    @property
    def extra_symbols(self) -> tuple:
        return tuple(arr for _, arr in self.extras)

    @property
    def extra_shapes(self) -> dict:
        return {name: arr.shape for name, arr in self.extras}


def operator(prob, kind: str, wrt: str) -> Operator:
    s = prob.spec
    arrays = {"cotangent": lambda: prob.cotangent, "tangent": lambda: derive.tangent(prob, wrt)}
    extras = tuple((name, arrays[name]()) for name in extra_arguments(s, kind))
    kw = dict(shape=prob.shape, params=prob.params)
    if kind in ("grad", "vjp"):
        return Operator(kind, derive.gradient(s, wrt, **kw), extras,
                        "hand-written gradient" if kind == "grad" else "hand-written VJP")
    if kind == "jvp":
        return Operator(kind, derive.jvp(s, wrt, **kw), extras, "hand-written JVP")
    if kind == "hessian":
        return Operator(kind, derive.hessian(s, wrt, **kw), extras, "hand-written Hessian",
                        almost_everywhere(derive.kink_set(s, wrt, **kw)))
    if kind == "hvp":
        return Operator(kind, derive.hvp(s, wrt, **kw), extras, "hand-written HVP",
                        almost_everywhere(derive.kink_set(s, wrt, **kw)))
    raise ValueError(kind)


def almost_everywhere(kinks: tuple) -> str:
    """The convention of a second derivative whose first derivative jumps on ``kinks`` (derive.kink_set)."""
    if not kinks:
        return ""
    shown = ", ".join(f"{k} = 0" for k in kinks[:2]) + (", …" if len(kinks) > 2 else "")
    return (f"almost everywhere: the first derivative jumps where {shown}; there the Dirac part of the "
            "second derivative is dropped (the branch the kink convention selects is differentiated)")


def derivative_id(spec, d) -> str:
    """The check id of a catalog derivative: ``grad[target]``, ``hessian[logits]``, ``grad[logits] (general)``."""
    return f"{declared_kind(spec, d)}[{d.wrt}]" + (f" ({d.label})" if d.label else "")


def flat_symbols(prob, extras: tuple = ()) -> list:
    """Every input symbol in input order, then each extra symbol array's: the truth's arguments
    (the order of ``check.checks.points.Point.values_flat``)."""
    syms = [s for n in prob.spec.input_names for s in prob.symbols[n].flat]
    for arr in extras:
        syms += list(np.asarray(arr, dtype=object).flat)
    return syms
