"""What each library ships that the catalog specifies: the calls ``gradspec audit LIBRARY`` makes.

An ``Adapter`` maps a catalog entry — at the spec parameters ``params`` (a convention such as
``beta=0`` or class weights; the entry's defaults otherwise) — to one library call: ``make(params)``
returns the callable the audit runs (on the library's arrays, positional inputs in the spec's
order), ``call`` is the call as a person would type it (for reports and reproducers), and
``conventions`` name where the library's definition differs from the spec's on purpose.  A
finding at a point where a convention applies is reported with kind "convention" and the
difference stated — never dropped.

One file a library (for_torch, for_numpy, for_jax, for_optax, for_keras); none imports its
framework until ``make`` is called, which happens in the framework worker
(check.frameworks.worker), never in gradspec's own process.

    LIBRARIES["optax"] = Library("optax", backend="jax", module="optax", adapters={key: Adapter})
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .common import Adapter, Convention


@dataclass(frozen=True)
class Library:
    name: str
    backend: str                # the arrays the calls take (check.frameworks.backends)
    module: str                 # what must be installed
    adapters: dict = field(default_factory=dict)   # Adapter.key -> Adapter


def _library(name: str, backend: str, module: str, adapters: list) -> Library:
    return Library(name, backend, module, {a.key: a for a in adapters})


def _load() -> dict:
    from . import for_jax
    from . import for_keras
    from . import for_numpy
    from . import for_optax
    from . import for_torch
    return {
        "torch": _library("torch", "torch", "torch", for_torch.ADAPTERS),
        "jax": _library("jax", "jax", "jax", for_jax.ADAPTERS),
        "optax": _library("optax", "jax", "optax", for_optax.ADAPTERS),
        "numpy": _library("numpy", "numpy", "scipy", for_numpy.ADAPTERS),
        "keras": _library("keras", "jax", "keras", for_keras.ADAPTERS),
    }


LIBRARIES = _load()

__all__ = ["Adapter", "Convention", "LIBRARIES", "Library"]
