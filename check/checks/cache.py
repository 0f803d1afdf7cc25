"""The result cache: an entry's check results (and card), kept under what they were computed from.

    cache = Cache(".gradspec-cache")             # project-local; safe to delete at any time
    key = entry_key(spec, check_ids)             # everything the verdicts (and card) depend on, hashed
    cache.get(key) -> dict | None;  cache.put(key, value)

A cache may skip work; it must never change a verdict.  So the key is content-addressed by
everything a verdict of the entry depends on, and a change to any of it is a miss:

* gradspec's own code: the source of every module of ``spec`` (the catalog aside), ``derive`` and
  ``check``, and its version — a change to how any check works reruns every check;
* the entry's own code: the source files of every function it holds (forward, derivatives,
  forms, conditions, kinks, variants, input shapes — models' closures included), and of every
  module those files reach through their globals that is not installed (site-packages) nor the
  standard library: a user's helper module next to their specs counts, NumPy is counted by
  version.  Catalog files are counted one by one, so editing one reruns only its entries.  Besides
  the files, the compiled code of every function met (a function defined in a notebook or by
  ``exec`` has no file; the function under a decorator) and the plain values — numbers, strings,
  arrays — of every module global, closure cell, default and callable object's attribute met (a
  constant changed in memory);
* the entry's name, its parameters' defaults and variants, and the ids of its checks (which
  depend on the frameworks installed);
* the versions of Python, SymPy, python-flint, mpmath, NumPy, matplotlib (cards), and of PyTorch
  and JAX when installed (the emitted-code checks run in them).

Values are JSON files ``<folder>/<key[:2]>/<key>.json`` written atomically (a temporary file
renamed); an unreadable or malformed file is a miss, never an error.  The folder is
``.gradspec-cache`` in the current directory, or what ``$GRADSPEC_CACHE_DIR`` names; ``--no-cache``
bypasses it.  What the key cannot see is state outside the entry's code: gradspec's own modules
patched in memory (a test's monkeypatch) are not counted — a test suite gives each test its own
folder (tests/conftest.py).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
import sysconfig
import tempfile
import types
from importlib import metadata
from pathlib import Path

import numpy as np

#: The default folder, relative to the current directory (a project's own; .gitignore it) ...
FOLDER = ".gradspec-cache"
#: ... unless this environment variable names another (a CI job's cached folder, a test's own).
ENV = "GRADSPEC_CACHE_DIR"
#: Distributions whose versions every key includes (those that are installed).
VERSIONED = ("gradspec", "sympy", "python-flint", "mpmath", "numpy", "matplotlib", "torch", "jax", "jaxlib")
#: gradspec's own packages: hashed whole (``core_hash``), never walked file by file — except the
#: catalog's entry files, which are an entry's own code.
_CORE = ("spec", "derive", "check")
_CATALOG = "spec.catalog"


def _installed_roots() -> tuple:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return tuple(sorted(os.path.realpath(r) + os.sep for r in roots))


@functools.lru_cache(maxsize=None)
def _is_own_file(path: str) -> bool:
    """A file of this project (not the standard library, not an installed distribution): a source
    file, or a compiled extension module built here (hashed by its bytes)."""
    return not os.path.realpath(path).startswith(_installed_roots())


@functools.lru_cache(maxsize=1)
def core_hash() -> str:
    """SHA-256 over gradspec's own source (spec without its catalog's entries, derive, check) and version."""
    h = hashlib.sha256()
    for package in _CORE:
        root = Path(sys.modules[package].__file__).parent if package in sys.modules else None
        if root is None:
            root = Path(__import__(package).__file__).parent
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root.parent).as_posix()
            if rel.startswith("spec/catalog/") and path.name != "__init__.py":
                continue
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(_version("gradspec").encode())
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


@functools.lru_cache(maxsize=1)
def versions() -> str:
    return ";".join([f"python={sys.version.split()[0]}"] + [f"{d}={_version(d)}" for d in VERSIONED])


def _is_core(module_name: str) -> bool:
    if module_name == _CATALOG:
        return True                        # the catalog package imports every entry: never walked
    if module_name.startswith(_CATALOG + "."):
        return False
    return module_name.split(".")[0] in _CORE


def _plain(value) -> bytes | None:
    """A plain value's exact bytes (numbers, strings, arrays, tuples of them), else None."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return repr(value).encode()
    if isinstance(value, np.ndarray) and value.dtype != object:
        return f"{value.dtype}{value.shape}".encode() + value.tobytes()
    if isinstance(value, (tuple, list, frozenset)) and len(value) <= 10_000:
        parts = [_plain(v) for v in (sorted(value, key=repr) if isinstance(value, frozenset) else value)]
        return None if None in parts else b"(" + b",".join(parts) + b")"
    return None


def _code_bytes(code) -> bytes:
    """A code object's instructions, names and constants (nested code too; sets in sorted order, so
    that the bytes do not depend on the process's hash seed)."""
    def const(c) -> bytes:
        if isinstance(c, types.CodeType):
            return _code_bytes(c)
        if isinstance(c, (frozenset, set)):
            return b"{" + b",".join(sorted(const(v) for v in c)) + b"}"
        if isinstance(c, tuple):
            return b"(" + b",".join(const(v) for v in c) + b")"
        return repr(c).encode()
    return b"\0".join([code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode(),
                       const(code.co_consts)])


class _Walk:
    """What an object's code reaches, hashed: own source files, the code of every function met (so
    that a function with no file — defined in a notebook, or by exec — is counted by its code),
    and the plain values of every module, closure and default met (a constant changed in memory)."""

    def __init__(self):
        self.files: set[str] = set()
        self.digest = hashlib.sha256()
        self._seen: set[int] = set()

    def _note(self, tag: str, data: bytes) -> None:
        self.digest.update(tag.encode() + b"\0" + data + b"\0")

    def value(self, obj, depth: int = 0) -> None:
        plain = _plain(obj)
        if plain is not None:
            self._note("value", plain)
            return
        if id(obj) in self._seen or depth > 12:
            return
        self._seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            self.module(obj, depth)
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            fn = getattr(obj, "__func__", obj)
            module = sys.modules.get(fn.__module__)
            if module is None or not _is_core(module.__name__):     # (gradspec's own code is in core_hash;
                                                                    # its closures — a model's loss — are walked)
                self._note("code", f"{fn.__module__}.{fn.__qualname__}".encode() + _code_bytes(fn.__code__))
                self.module(module, depth)
            for cell in fn.__closure__ or ():
                try:
                    self.value(cell.cell_contents, depth + 1)
                except ValueError:          # an empty cell
                    pass
            for v in list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values()):
                self.value(v, depth + 1)
        elif isinstance(obj, functools.partial):
            for v in (obj.func, *obj.args, *obj.keywords.values()):
                self.value(v, depth + 1)
        elif isinstance(obj, type):
            self.module(sys.modules.get(obj.__module__), depth)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                self.value(getattr(obj, f.name), depth + 1)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for v in (sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj):
                self.value(v, depth + 1)
        elif isinstance(obj, dict):
            for k, v in sorted(obj.items(), key=lambda kv: repr(kv[0])):
                self._note("key", repr(k).encode())
                self.value(v, depth + 1)
        elif callable(obj):                 # a decorated function (its __wrapped__), or an instance with
            self.value(type(obj), depth + 1)    # __call__: its class's module and its attributes
            if hasattr(obj, "__wrapped__"):
                self.value(obj.__wrapped__, depth + 1)
            for name, v in sorted(getattr(obj, "__dict__", {}).items()):
                self._note(f"attribute {name}", b"")
                self.value(v, depth + 1)

    def module(self, module, depth: int) -> None:
        if module is None or _is_core(module.__name__):
            return
        path = getattr(module, "__file__", None)
        if path and not _is_own_file(path):
            return                          # installed or standard library: counted by version
        key = path or f"<{module.__name__}>"
        if key in self.files:
            return
        self.files.add(key)
        if path:
            self._note("file", os.path.realpath(path).encode() + b"\0" + Path(path).read_bytes())
        for name, v in sorted(vars(module).items()):
            if name.startswith("__"):
                continue
            plain = _plain(v)
            if plain is not None:
                self._note(f"global {name}", plain)
            elif isinstance(v, (types.ModuleType, types.FunctionType, type, functools.partial)):
                self.value(v, depth + 1)


def own_files(s) -> list[str]:
    """The entry's own source files: those its functions' code reaches (the module docstring)."""
    walk = _Walk()
    walk.value(s)
    return sorted(f for f in walk.files if not f.startswith("<"))


def entry_key(s, check_ids: list) -> str:
    """The cache key of entry ``s``'s results and card: see the module docstring."""
    walk = _Walk()
    walk.value(s)
    h = hashlib.sha256()
    h.update(f"gradspec-cache-2\0{core_hash()}\0{versions()}\0{s.name}\0".encode())
    h.update(repr([(p.name, p.default) for p in s.params]).encode() + b"\0")
    h.update(repr([sorted(v.items()) for v in s.variants]).encode() + b"\0")
    h.update("\n".join(check_ids).encode() + b"\0")
    h.update(walk.digest.digest())
    return h.hexdigest()


class Cache:
    """JSON values under keys in ``folder`` (created on first write)."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder if folder is not None else os.environ.get(ENV) or FOLDER)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str):
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(value, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass                            # a cache that cannot be written is no cache: the run goes on
