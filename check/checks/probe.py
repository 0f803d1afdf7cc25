"""A user's spec exercised on gradspec's own namespaces before any check relies on it.

    probe(spec)       # None, or GradspecError naming the spec, the field and the fix

Registration (spec.validate) runs a spec in float64 NumPy only, so that registering stays cheap
and ``spec`` needs no SymPy.  The checks run it on two more namespaces: arrays of SymPy symbols
(proofs, derivations) and exact-or-ball reals (verification, audits).  Code that NumPy accepts can
fail there — ``np.exp(x)`` instead of ``xp.exp(x)``, ``xp.sin`` (not in the protocol), ``math.log``
on an entry — and a kink's or a condition's own functions run only when checks sample points.
``probe`` runs all of them once, at the default shape, and turns what fails into a clear error
instead of a traceback later.  Catalog entries are checked by ``make verify`` and skipped here;
a spec probed once is not probed again.

When ``check.checks.probe`` is imported it also asks the registry to probe every spec registered from
then on (``spec.registry.on_register``).
"""
from __future__ import annotations

import random

import numpy as np

import derive
from derive.gradient import describe_error
from spec import registry
from spec.errors import GradspecError, lines
from spec.xp import PROTOCOL_NAMES

from check.numeric import real as R
from check.checks.verdict import params_for
from check.numeric.xp_arb import ARB


_PROBED: set = set()


def _fail(spec, field: str, problem: str, *fix) -> GradspecError:
    return GradspecError(lines(f"gradspec: the spec {spec.name!r} is malformed: {field}: {problem}", *fix))


def _sample(spec, params: dict) -> dict:
    shapes = spec.shapes(spec.default_shape)
    rng = random.Random(0)
    return {i.name: i.domain.ordinary(tuple(shapes[i.name]), rng) for i in spec.inputs}


def probe(spec) -> None:
    """Exercise ``spec`` (a user's) on the SymPy and the exact-or-ball namespaces; see the module."""
    if id(spec) in _PROBED or registry.is_own(registry.origin_of(spec)):
        return
    params = spec.resolve_params({})
    derive.forward(spec, params=params)           # SymPy: raises GradspecError naming the forward
    values = _sample(spec, params)
    with R.precision(128):
        try:
            spec.forward(*[ARB.array(values[n]) for n in spec.input_names], xp=ARB, **params_for(params, ARB))
        except R.Undecided:
            pass                                  # a comparison 128 bits cannot decide: not a defect
        except GradspecError:
            raise
        except Exception as e:
            raise _fail(spec, "fn (the forward)", f"raised {describe_error(e)} on the exact-or-ball namespace "
                        "(verification)", f"use xp functions only: {' '.join(PROTOCOL_NAMES)}",
                        "NumPy's own functions (np.exp) and math's (math.log) work on floats only") from None
    for k, kink in enumerate(spec.kinks):
        try:
            moved = kink.points(dict(values), params)
            ok = isinstance(moved, list) and all(isinstance(m, dict) and set(m) >= set(spec.input_names) and all(
                np.shape(m[n]) == np.shape(values[n]) for n in spec.input_names) for m in moved)
        except Exception as e:
            raise _fail(spec, f"kinks[{k}] ({getattr(kink, 'description', kink)!s:.40}).points",
                        f"raised {describe_error(e)}", "points(point, params) returns a list of points "
                        "(dicts of the inputs' arrays) on and beside the kink; see spec.kinks") from None
        if not ok:
            raise _fail(spec, f"kinks[{k}].points", f"returned {str(moved)[:60]}, not a list of points",
                        "return [dict(point, predicted=...), ...], each with every input at its shape; "
                        "spec.kinks.residual_at and entries_at build them")
    for k, c in enumerate(spec.conditions):
        try:
            held = c.holds(dict(values), params)
            out = c.outside(dict(values), params)
            if c.inside is not None:
                c.inside(dict(values), params)
        except Exception as e:
            raise _fail(spec, f"conditions[{k}] ({c.name})", f"raised {describe_error(e)} at a sample point",
                        "holds/outside/inside take (point, params); see spec.conditions") from None
        if not isinstance(held, (bool, np.bool_)) or not (out is None or isinstance(out, dict)):
            raise _fail(spec, f"conditions[{k}] ({c.name})", f"holds gave {held!r} and outside {str(out)[:40]}",
                        "holds returns a bool; outside a point (dict of the inputs) or None")
    _PROBED.add(id(spec))


registry.on_register(probe)
