"""The registry of specs: ``names()``, ``get(name)``, ``register(spec)``, ``load_module(name)``.

Three sources fill it:
  * the catalog (``spec/catalog/``), imported on first use, so ``import spec`` stays light;
  * installed packages that declare an entry point in the group ``gradspec.specs`` (its value a
    module that registers specs when imported), loaded with the catalog;
  * a module named on demand (``load_module("mypkg.losses")``, ``gradspec verify --module``).
``register`` validates each spec (``spec.validate``) and remembers the module that registered it,
so ``module_names("mypkg")`` gives the specs a module (or package) registered.
"""
from __future__ import annotations

import difflib
import importlib
import sys

from .entry import Spec
from .errors import BudgetExceeded, GradspecError, lines

ENTRY_POINT_GROUP = "gradspec.specs"

_REGISTRY: dict[str, Spec] = {}
_ORIGIN: dict[str, str] = {}
_HOOKS: list = []
_loaded = False


def on_register(hook) -> None:
    """Call ``hook(spec)`` for every spec registered from now on, after validation (check.checks.probe
    exercises it on gradspec's exact namespaces); a hook raising GradspecError unregisters it."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def register(spec: Spec) -> Spec:
    """Validate ``spec`` and add it; raises GradspecError for a malformed spec or a taken name."""
    if not isinstance(spec, Spec):
        raise GradspecError(lines(f"gradspec: register() takes a Spec, got {spec!r}",
                                  "build one with spec.loss(...) or spec.activation(...) (they register it)"))
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise GradspecError(lines(f"gradspec: a spec named {spec.name!r} is already registered"
                                  f" (by {_ORIGIN.get(spec.name, 'unknown')})",
                                  "hint: give the new entry another name"))
    from .validate import validate
    validate(spec)
    _REGISTRY[spec.name] = spec
    _ORIGIN[spec.name] = _registering_module()
    try:
        for hook in _HOOKS:
            hook(spec)
    except GradspecError:
        _REGISTRY.pop(spec.name, None)
        _ORIGIN.pop(spec.name, None)
        raise
    return spec


def _registering_module() -> str:
    """The module whose code called loss()/activation()/register(): the first frame outside spec's builders."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") in ("spec.registry", "spec.build", "spec"):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?") if frame is not None else "?"


def _load_catalog() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import catalog  # noqa: F401  (registers every entry)
        load_entry_points()


def load_entry_points() -> list[str]:
    """Import every module installed packages declare in the entry point group ``gradspec.specs``."""
    from importlib.metadata import entry_points
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except GradspecError:
            raise
        except Exception as e:
            dist = getattr(getattr(ep, "dist", None), "name", "an installed package")
            raise GradspecError(lines(
                f"gradspec: the entry point {ep.name!r} = {ep.value!r} (group {ENTRY_POINT_GROUP}, from {dist}) "
                f"failed to load: {type(e).__name__}: {e}",
                f"hint: fix or uninstall {dist}; its module must import and register specs")) from None
        loaded.append(ep.value)
    return loaded


def load_module(name: str) -> list[str]:
    """Import the module ``name`` (the current folder first on the path) and return the specs it registered."""
    _load_catalog()
    import os
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if not isinstance(name, str) or not name or not all(part.isidentifier() for part in name.split(".")):
        raise GradspecError(lines(f"gradspec: {name!r} is not a module name",
                                  "--module takes a dotted module name such as mypkg.losses (not a path)"))
    try:
        importlib.import_module(name)
    except GradspecError:
        raise
    except KeyboardInterrupt:
        raise
    except SystemExit as e:                    # a module that exits at import must not end gradspec
        raise GradspecError(lines(f"gradspec: importing the module {name!r} called sys.exit({e.code!r})",
                                  "a spec module only defines and registers specs at import; "
                                  "move the script part under `if __name__ == '__main__':`")) from None
    except BudgetExceeded:                     # the --module import budget: the CLI reports it
        raise
    except BaseException as e:                 # noqa: BLE001 — anything a user's module raises, named
        raise GradspecError(lines(f"gradspec: cannot import the module {name!r}: {type(e).__name__}: {e}",
                                  "hint: run from the folder that holds it, or install its package; "
                                  "--module takes a dotted module name such as mypkg.losses")) from None
    found = module_names(name)
    if not found:
        raise GradspecError(lines(f"gradspec: the module {name!r} registered no specs",
                                  "a spec module calls spec.loss(...) or spec.activation(...) at import",
                                  "see the README's \"Your own losses\""))
    return found


def is_own(module: str) -> bool:
    """Whether ``module`` (a spec's origin) is gradspec's own package — the catalog, the models — and
    not a user's."""
    return module.startswith("spec.")


def unregister(name: str) -> None:
    """Remove the spec ``name`` (a test's own specs, after the test); catalog entries stay."""
    if is_own(_ORIGIN.get(name, "")):
        raise GradspecError(lines(f"gradspec: {name!r} is a catalog entry; it cannot be unregistered"))
    _REGISTRY.pop(name, None)
    _ORIGIN.pop(name, None)


def module_names(module: str) -> list[str]:
    """The registered specs whose registering module is ``module`` or inside it, in registration order."""
    return [n for n, origin in _ORIGIN.items() if origin == module or origin.startswith(module + ".")]


def origin(name: str) -> str:
    """The module that registered the spec ``name``."""
    return _ORIGIN.get(get(name).name, "?")


def origin_of(spec: Spec) -> str:
    """The module that registered ``spec`` (a model, never registered: the module of its forward)."""
    if _REGISTRY.get(spec.name) is spec:
        return _ORIGIN.get(spec.name, "?")
    return getattr(spec.fn, "__module__", "?") or "?"


def names() -> list[str]:
    """Every registered entry's name: losses, then activations, then ops, each in catalog order."""
    _load_catalog()
    rank = {"loss": 0, "activation": 1, "op": 2}
    return sorted(_REGISTRY, key=lambda n: rank.get(_REGISTRY[n].kind, 3))


def get(name) -> Spec:
    """The entry called ``name`` (a Spec passes through).  Unknown names raise GradspecError."""
    if isinstance(name, Spec):
        return name
    if not isinstance(name, str):
        raise GradspecError(lines(f"gradspec: a spec is named by a string (or given as a Spec), got {type(name).__name__} "
                                  f"{str(name)[:60]!r}", "run `gradspec list` to see every entry"))
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
