"""Constructors for catalog entries: ``loss(...)`` and ``activation(...)``.

They fill in the conventions every entry shares (the ``reduction`` parameter of a loss, the kind)
so that a catalog file states only what is particular to its entry.
"""
from __future__ import annotations

import inspect

from .entry import Analogue, Derivative, Form, Input, Param, Spec, reduction_param
from .registry import register


def _doc_of(fn) -> str:
    module = inspect.getmodule(fn)
    return inspect.cleandoc(module.__doc__ or "") if module else ""


def loss(name, terms, *, inputs, derivatives, params=(), reduction="mean", forms=(), conditions=(),
         kinks=(), analogue: Analogue | None = None, default_shape=(2, 3), input_shapes=None,
         reduction_weights=None, variants=()) -> Spec:
    """Register a loss whose forward is ``reduce(terms(*inputs, xp, **params), reduction)``.

    ``reduction_weights(*inputs, xp, **params)``, when given, offers the reduction "weighted_mean"
    (sum of terms / sum of these weights); ``input_shapes(shape)`` gives inputs shapes of their own."""
    return register(Spec(name, "loss", tuple(inputs),
                         tuple(params) + (reduction_param(reduction, reduction_weights is not None),), terms,
                         tuple(derivatives), tuple(forms), tuple(conditions), tuple(kinks), analogue,
                         _doc_of(terms), tuple(default_shape), input_shapes, reduction_weights,
                         tuple(variants)))


def activation(name, forward, *, inputs, derivatives, params=(), kind="activation", forms=(), conditions=(),
               kinks=(), analogue: Analogue | None = None, default_shape=(2, 3), variants=()) -> Spec:
    """Register an activation or op; its derivatives are VJPs ``vjp(*inputs, cotangent, xp, ...)``."""
    return register(Spec(name, kind, tuple(inputs), tuple(params), forward, tuple(derivatives), tuple(forms),
                         tuple(conditions), tuple(kinks), analogue, _doc_of(forward), tuple(default_shape),
                         variants=tuple(variants)))


__all__ = ["Analogue", "Derivative", "Form", "Input", "Param", "activation", "loss"]
