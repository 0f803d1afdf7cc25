"""Constructors for catalog entries: ``loss(...)`` and ``activation(...)``.

They fill in the conventions every entry shares (the ``reduction`` parameter of a loss, the kind)
so that a catalog file states only what is particular to its entry.
"""
from __future__ import annotations

import inspect

from .entry import Analogue, Derivative, Form, Input, Param, Spec, reduction_param
from .registry import register


def _doc_of(fn) -> str:
    """The spec's description: its forward's own docstring, else its module's (a catalog file's)."""
    if (inspect.isfunction(fn) or inspect.ismethod(fn)) and fn.__doc__:     # not a partial's class doc
        return inspect.cleandoc(fn.__doc__)
    module = inspect.getmodule(fn)
    return inspect.cleandoc(module.__doc__ or "") if module else ""


def _entry(name, kind, inputs, params, fn, derivatives, **fields) -> Spec:
    """A Spec with every sequence field a tuple (catalog files write lists), registered."""
    return register(Spec(name, kind, tuple(inputs), tuple(params), fn, derivatives=tuple(derivatives), doc=_doc_of(fn),
                         **{k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in fields.items()}))


def loss(name, terms, *, inputs, derivatives, params=(), reduction="mean", forms=(), conditions=(),
         kinks=(), analogue: Analogue | None = None, default_shape=(2, 3), input_shapes=None,
         reduction_weights=None, variants=(), emitted=None) -> Spec:
    """Register a loss whose forward is ``reduce(terms(*inputs, xp, **params), reduction)``.

    ``reduction_weights(*inputs, xp, **params)``, when given, offers the reduction "weighted_mean"
    (sum of terms / sum of these weights); ``input_shapes(shape)`` gives inputs shapes of their own;
    ``emitted`` ("check", "warn", "skip") says how the checks of gradspec's emitted code count
    (check.checks.catalog.emitted_mode)."""
    return _entry(name, "loss", inputs, tuple(params) + (reduction_param(reduction, reduction_weights is not None),),
                  terms, derivatives, forms=forms, conditions=conditions, kinks=kinks, analogue=analogue,
                  default_shape=default_shape, input_shapes=input_shapes, reduction_weights=reduction_weights,
                  variants=variants, emitted=emitted)


def activation(name, forward, *, inputs, derivatives, params=(), kind="activation", forms=(), conditions=(),
               kinks=(), analogue: Analogue | None = None, default_shape=(2, 3), variants=(), emitted=None) -> Spec:
    """Register an activation or op; its derivatives are VJPs ``vjp(*inputs, cotangent, xp, ...)``."""
    return _entry(name, kind, inputs, params, forward, derivatives, forms=forms, conditions=conditions, kinks=kinks,
                  analogue=analogue, default_shape=default_shape, variants=variants, emitted=emitted)


__all__ = ["Analogue", "Derivative", "Form", "Input", "Param", "activation", "loss"]
