"""The derivative kinds a spec can declare, and what each takes — written once, used by spec, derive and check.

    kind      formula signature                                  for
    grad      grad(*inputs, xp)                                  a loss (its first derivative)
    vjp       vjp(*inputs, cotangent, xp)                        an activation or op (its first derivative)
    jvp       jvp(*inputs, tangent, xp)                          any
    hessian   hessian(*inputs, [cotangent,] xp)                  any (the cotangent for an activation or op)
    hvp       hvp(*inputs, [cotangent,] tangent, xp)             any

    first_order_kind(spec)          "grad" for a loss, "vjp" for anything else
    declared_kind(spec, d)          a Derivative's kind: its own, else the first-order one
    extra_arguments(spec, kind)     the names of the arrays a derivative takes after the inputs
    fits(spec, kind)                whether a spec can have a derivative of this kind
"""
from __future__ import annotations

KINDS = ("grad", "vjp", "jvp", "hessian", "hvp")


def first_order_kind(spec) -> str:
    """A loss has gradients; an activation or op has VJPs."""
    return "grad" if spec.kind == "loss" else "vjp"


def declared_kind(spec, d) -> str:
    """The kind of a declared Derivative ``d``: its own ``kind``, else the first-order one."""
    return d.kind or first_order_kind(spec)


def fits(spec, kind: str) -> bool:
    """Whether ``spec`` can have a derivative of ``kind`` (a gradient only for a loss, a VJP only for the rest)."""
    return kind in KINDS and (kind not in ("grad", "vjp") or kind == first_order_kind(spec))


def extra_arguments(spec, kind: str) -> tuple:
    """The arrays a derivative of ``kind`` takes after the inputs, in order: a cotangent for an
    activation's VJP, Hessian and HVP; a tangent for a JVP and an HVP."""
    cot = () if spec.kind == "loss" else ("cotangent",)
    return {"grad": (), "vjp": ("cotangent",), "jvp": ("tangent",), "hessian": cot, "hvp": cot + ("tangent",)}[kind]
