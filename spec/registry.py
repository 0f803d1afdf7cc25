"""The registry of catalog entries: ``names()``, ``get(name)``, ``register(spec)``.

The catalog (``spec/catalog/``) is imported on first use, so ``import spec`` stays light.
"""
from __future__ import annotations

import difflib

from .entry import Spec
from .errors import GradspecError, lines

_REGISTRY: dict[str, Spec] = {}
_loaded = False


def register(spec: Spec) -> Spec:
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise GradspecError(lines(f"gradspec: a spec named {spec.name!r} is already registered",
                                  "hint: give the new entry another name"))
    _REGISTRY[spec.name] = spec
    return spec


def _load_catalog() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import catalog  # noqa: F401  (registers every entry)


def names() -> list[str]:
    """Every registered entry's name: losses, then activations, then ops, each in catalog order."""
    _load_catalog()
    rank = {"loss": 0, "activation": 1, "op": 2}
    return sorted(_REGISTRY, key=lambda n: rank.get(_REGISTRY[n].kind, 3))


def get(name) -> Spec:
    """The entry called ``name`` (a Spec passes through).  Unknown names raise GradspecError."""
    if isinstance(name, Spec):
        return name
    _load_catalog()
    if name in _REGISTRY:
        return _REGISTRY[name]
    if isinstance(name, str) and ":" in name:
        from .models import parse     # a model, or a model composed with a loss: "linear:3x2+mse"
        return parse(name)
    close = difflib.get_close_matches(str(name), list(_REGISTRY), n=3, cutoff=0.5)
    raise GradspecError(lines(
        f"gradspec: unknown spec {name!r}",
        f"did you mean: {', '.join(close)}?" if close else "",
        "run `gradspec list` to see every entry"))
