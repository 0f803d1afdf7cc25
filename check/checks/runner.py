"""Running the checks (and cards) of many entries: the result cache first, then the machine's cores.

    for outcome in run_entries(names, cards={"mse"}, cache=Cache(), jobs=2, modules=[]):
        outcome.name, outcome.results, outcome.card, outcome.cached

An entry is the unit of work: its checks (check.checks.catalog.checks, in that order) and, for the
names in ``cards``, its card files (check.cards.render).  An entry whose key (check.checks.cache.entry_key)
is in the cache is served from it; the others run — in this process when there is one to run or
``jobs`` is 1 (or an entry was made where a fresh interpreter cannot find it: ``__main__``),
else in ``jobs`` worker processes (check.checks.workers: *spawned* interpreters that import
gradspec and the ``modules`` of users' specs, never forked from this process, each entry under a
hard limit; each starts its own framework worker when it needs one).  An entry a worker could
not finish (the limit, a crash) gets every check "inconclusive" with the reason, and is not
cached.  Outcomes are yielded in the order of
``names`` whatever order the workers finish in (or start in: ``start_order``), so output and
reports are the same for any ``jobs``, with or without the cache.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

import spec as spec_pkg
from spec.errors import GradspecError

from check.checks import catalog
from check.checks.cache import Cache, entry_key
from check.checks.result import CheckResult
from check.checks.workers import Workers


@dataclass(frozen=True)
class EntryOutcome:
    name: str
    results: tuple            # CheckResult, in catalog.checks order
    card: dict | None         # {path relative to the reports folder: text}, when cards were asked for
    cached: bool              # served from the cache, nothing run


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def compute_entry(name: str, card: bool, libs: dict | None = None, results: list | None = None,
                  emitted: str | None = None):
    """Run every check of ``name`` (``emitted``: catalog.checks') — unless ``results`` (their JSON)
    are given — and make its card when ``card``: ([result JSON], card files or None)."""
    if results is None:
        results = [c.run().to_json() for c in catalog.checks(name, emitted)]
    files = None
    if card:
        from check.cards import render
        made = [CheckResult.from_json(r) for r in results]
        files = render.card_files(name, {r.check: r for r in made}, libs)
    return results, files


def _portable(name: str) -> bool:
    """Whether a spawned worker finds the entry ``name`` too: a catalog entry, a model, or a spec
    registered by a module it can import (an installed package's, a --module's) — not one made in
    ``__main__`` or a script's own code."""
    s = spec_pkg.get(name)
    if s.name not in spec_pkg.names():
        return ":" in name                                  # a model: built from registered entries
    origin = spec_pkg.registry.origin(s.name)
    if origin in ("?", "__main__"):
        return False
    try:
        return importlib.util.find_spec(origin) is not None
    except (ImportError, ValueError):
        return False


def _in_worker(name: str, card: bool, libs, results, emitted):
    """compute_entry in a worker; None when the worker cannot find the entry (registered at run time,
    inside a function): the caller then runs it itself."""
    try:
        spec_pkg.get(name)
    except GradspecError:
        return None
    return compute_entry(name, card, libs, results, emitted)


def _stopped(name: str, why: str, emitted: str | None) -> list:
    """Every check of ``name`` inconclusive because its worker stopped (JSON, as compute_entry's)."""
    return [CheckResult(name, c.id, "inconclusive", "none",
                        f"gradspec: {name} {c.id}: inconclusive — the entry's checks did not finish: {why}; "
                        f"`gradspec verify {name} --jobs 1` runs each symbolic step in a process of its own "
                        "under a hard budget").to_json()
            for c in catalog.checks(name, emitted)]


def start_order(names: list) -> list:
    """The order workers start entries in: those whose inputs have shapes of their own (models,
    ntxent: the largest symbolic problems) first, so that no worker is left running one alone at
    the end; otherwise as given.  Only the start changes: outcomes still come in ``names`` order."""
    return sorted(names, key=lambda n: (spec_pkg.get(n).input_shapes is None, names.index(n)))


def run_entries(names: list, *, cards=frozenset(), cache: Cache | None = None, jobs: int = 1,
                modules: list = (), on_start=None, emitted: str | None = None):
    """Yield an EntryOutcome per name, in order (see the module docstring).  ``on_start(name)`` is
    called as the work on an entry begins (or it is found in the cache).  A cached entry without
    its card gets its card made from the cached results.  ``emitted`` overrides each spec's
    emitted_mode (catalog.checks)."""
    libs = None
    if cards:
        from check.cards import render
        libs = render.versions()
    keys, hits, todo = {}, {}, []
    for name in names:
        if cache is not None:
            keys[name] = entry_key(spec_pkg.get(name), [c.id for c in catalog.checks(name, emitted)])
            hit = cache.get(keys[name])
            if isinstance(hit, dict) and isinstance(hit.get("results"), list):
                hits[name] = hit
                if name not in cards or hit.get("card") is not None:
                    continue
        todo.append(name)

    def work(name):
        return name, name in cards, libs, hits.get(name, {}).get("results"), emitted
    workers = None
    if jobs > 1 and len(todo) > 1 and all(_portable(n) for n in todo):
        workers = Workers(min(jobs, len(todo)), modules)
    try:
        finished, stream = {}, workers.run({n: work(n) for n in start_order(todo)}, _in_worker) if workers else iter(())
        for name in names:
            if on_start:
                on_start(name)
            value = hits.get(name)
            if name in todo:
                while workers and name not in finished:
                    done_name, kind, payload = next(stream)
                    finished[done_name] = kind, payload
                kind, done = finished.pop(name) if workers else ("ok", None)
                if kind == "raise":
                    raise done
                stopped = kind == "stopped"
                if stopped:
                    done = compute_entry(name, name in cards, libs, _stopped(name, done, emitted), emitted)
                results, card = done if done is not None else compute_entry(*work(name))
                value = {"results": results, "card": card if card is not None else (value or {}).get("card")}
                if cache is not None and not stopped:
                    cache.put(keys[name], value)
            ran = name in todo and name not in hits
            yield EntryOutcome(name, tuple(CheckResult.from_json(r) for r in value["results"]),
                               value.get("card") if name in cards else None, not ran)
    finally:
        if workers is not None:
            workers.close()
