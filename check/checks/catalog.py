"""The catalog's own checks: every hand-written derivative, form and domain condition of an entry.

Check ids: ``grad[INPUT]`` / ``vjp[INPUT]`` (with `` (label)`` when an input has several
derivatives), ``form[NAME]``, ``condition[NAME]``, each with `` {beta=0}`` appended for a variant
of the entry's parameters (spec.Spec.variants: each derivative and form whose formula takes every
varied parameter is checked at it too), ``emitted[INPUT]`` (the emitted numpy gradient
code, exact and in float64), ``emitted-torch[INPUT]`` / ``emitted-jax[INPUT]`` (the code emitted for
PyTorch — float32 and float64 — and JAX — float32 — when the framework is installed).  A check declared as an expected refutation (spec.Derivative.expected_refutation, derive.emit.LIMITATIONS)
is expected to end with the status given there (a documented finding, such as the seeds' cosine
derivative): it passes only when it does, and fails as stale when it does not.

The emitted-code checks test gradspec's own code generator, not the spec's formulas, so how they
count is the spec's choice (``emitted_mode``): "check" — the catalog's default — fails on a
failure; "warn" — the default for users' specs — reports a failure as a warning and passes; "skip"
makes none.  A user's spec gets emitted checks only for the inputs it declares a derivative for;
``gradspec verify --emitted MODE`` and ``pytest --gradspec-emitted MODE`` choose for every spec (cards judge by each spec's own).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import spec as spec_pkg
from spec.entry import accepted_params, variant_tag
from spec.registry import is_own, origin_of

from check.checks.condition import check_condition
from check.checks.derivative import DerivativeOptions, check_derivative
from check.checks.form import check_form
from check.checks.kinds import derivative_id
from spec.kinds import declared_kind
from check.checks.result import CheckResult


#: Models composed with losses that ``gradspec verify`` checks besides the catalog (spec/models.py).
MODEL_EXAMPLES = ("linear:3x2", "linear:3x2+mse", "mlp:2x3x2:tanh+mse", "linear:3x2+cross_entropy_logits")


@dataclass(frozen=True)
class CatalogCheck:
    spec: str
    id: str
    run: Callable[[], CheckResult]


WARNING = ("gradspec's emitted code, not your formula: a limitation of gradspec's code generator "
           "(report it); `--emitted check` makes it fail, `emitted='skip'` in the spec drops it")


def emitted_mode(s, override: str | None = None) -> str:
    """How ``s``'s emitted-code checks count: ``override`` (the command line's), else the spec's own
    ``emitted``, else "check" for the catalog's entries and "warn" for everyone else's."""
    if override is not None:
        return override
    if s.emitted is not None:
        return s.emitted
    return "check" if is_own(origin_of(s)) else "warn"


def emitted_inputs(s) -> list:
    """The inputs whose emitted gradient is checked: all of a catalog entry's, the declared ones of a
    user's spec (a one-hot target's gradient, which nobody wrote, is nobody's concern)."""
    if is_own(origin_of(s)):
        return list(s.input_names)
    declared = {s.input(d.wrt).name for d in s.derivatives}
    return [n for n in s.input_names if n in declared]


def known_deviations(emitted: str | None = None) -> dict:
    """{(spec, check id): {"status": …, "reason": …}} for every registered spec: "refuted" for the
    derivatives declared with an ``expected_refutation`` (spec.Derivative) and the emitted-code
    checks of entries the emitter cannot yet make float-stable (derive.emit.LIMITATIONS); "warn"
    for the emitted-code checks of specs whose ``emitted_mode`` is warn."""
    from check.checks.emitted import check_id
    from derive.emit import LIMITATIONS, LIMITED_TARGETS
    out = {}
    for name in spec_pkg.names():
        s = spec_pkg.get(name)
        for d in s.derivatives:
            if d.expected_refutation:
                out[(s.name, derivative_id(s, d))] = {"status": "refuted", "reason": d.expected_refutation}
        warn = emitted_mode(s, emitted) == "warn"
        if s.name in LIMITATIONS or warn:
            for i in s.input_names:
                for target in (EMITTED_TARGETS if warn else LIMITED_TARGETS.get(s.name, EMITTED_TARGETS)):
                    out[(s.name, check_id(i, target))] = ({"status": "warn", "reason": WARNING} if warn else
                                                          {"status": "refuted", "reason": LIMITATIONS[s.name]})
    return out


def checks(name, emitted: str | None = None) -> list[CatalogCheck]:
    """The checks of ``name`` in order; ``emitted`` overrides the spec's emitted_mode."""
    from check.checks.probe import probe
    s = spec_pkg.get(name)
    probe(s)                                         # a user's spec: malformed on the exact namespaces?
    out = [_derivative_check(s, d) for d in s.derivatives]
    for f in s.forms:
        out.append(CatalogCheck(s.name, f"form[{f.name}]", lambda f=f: check_form(s, f)))
    for c in s.conditions:
        out.append(CatalogCheck(s.name, f"condition[{c.name}]", lambda c=c: check_condition(s, c)))
    for variant in s.variants:
        out += _variant_checks(s, variant)
    if s.input_shapes is None and emitted_mode(s, emitted) != "skip":    # emitted code; not models
        from check.checks.emitted import check_id, emitted_result
        for target in (t for t in EMITTED_TARGETS if t == "numpy" or framework_installed(t)):
            for n in emitted_inputs(s):
                out.append(CatalogCheck(s.name, check_id(n, target),
                                        lambda n=n, t=target: emitted_result(s, n, target=t)))
    return out


def _derivative_check(s, d, variant: dict | None = None) -> CatalogCheck:
    """The check of declared derivative ``d`` (at ``variant``'s parameters, its tag on the id)."""
    cid = derivative_id(s, d) + (variant_tag(variant) if variant else "")
    options = DerivativeOptions(declared_kind(s, d), d.wrt, shape=d.shape, params=variant, conditions=d.conditions,
                                check_name=cid)
    return CatalogCheck(s.name, cid, lambda: check_derivative(s, d.fn, options))


def _takes(fn, variant: dict) -> bool:
    return set(variant) <= set(accepted_params(fn, {**variant, "__probe__": None}))


def _variant_checks(s, variant: dict) -> list:
    """The derivatives and forms of ``s`` whose formulas take every parameter ``variant`` sets, at it."""
    tag = variant_tag(variant)
    out = [_derivative_check(s, d, variant) for d in s.derivatives if _takes(d.fn, variant)]
    for f in s.forms:
        if _takes(f.fn, variant):
            out.append(CatalogCheck(s.name, f"form[{f.name}]{tag}",
                                    lambda f=f: _tagged(check_form(s, f, params=variant), tag)))
    return out


def _tagged(result: CheckResult, tag: str) -> CheckResult:
    """A form's result under its variant's check id (in the message too)."""
    return replace(result, check=result.check + tag,
                   message=result.message.replace(result.check, result.check + tag, 1))


#: Frameworks whose emitted code ``gradspec verify`` runs when they are installed (extras torch, jax).
FRAMEWORKS = ("torch", "jax")
#: Every target of the emitted-code checks: numpy always, the frameworks when installed.
EMITTED_TARGETS = ("numpy",) + FRAMEWORKS


def framework_installed(name: str) -> bool:
    """Whether ``name`` can be imported, found without importing it."""
    import importlib.util
    return importlib.util.find_spec(name) is not None


def passed(result: CheckResult, known: dict) -> tuple[bool, str]:
    """Whether a catalog result passes, and a note when a known deviation decided it (a warning's
    note starts with "warning:")."""
    dev = known.get((result.spec, result.check))
    if dev is None:
        return result.ok, ""
    if dev["status"] == "warn":
        return True, "" if result.ok else f"warning: {result.status} — {dev['reason']}"
    if result.status == dev["status"]:
        return True, f"expected {dev['status']}: {dev['reason']}"
    return False, (f"known deviation is stale: expected {dev['status']}, got {result.status} — "
                   "remove the expectation (Derivative.expected_refutation, or derive.emit.LIMITATIONS)")
