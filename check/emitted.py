"""Checking emitted gradient code (derive.emit): exactly, and in float64.

    check_emitted(name, wrt=None, params=None) -> (CheckResult exact, FloatReport)

Exact: the emitted function is a formula on the ``xp`` protocol, so it is checked like any
hand-written derivative (proved for every size, else at the default shape, else verified).
Float64: it runs on NumPy float64 at the domain's points (extremes included) and is compared
with the truth at 50 digits rounded to float64; the error of each entry is counted in bits,
log2(1 + number of float64 values between the two), as Herbie counts it.  A non-finite result
where the truth is a finite float64 is an overflow failure (64 bits).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import derive
import spec as spec_pkg
from derive.emit import compile_emitted, emit

from . import numeric, points as pts
from .derivative import check_derivative
from .operators import derivative_kind, operator


@dataclass
class FloatReport:
    points: int
    worst_bits: float
    overflow: list          # origins of points where the emitted code was not finite but the truth was

    @property
    def ok(self) -> bool:
        return not self.overflow


def _ordered(x: float) -> int:
    i = int(np.array(x, dtype=np.float64).view(np.int64))
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def bits(got: float, want: float) -> float:
    """log2(1 + the number of float64 values between got and want); 64 when got is not finite."""
    if not math.isfinite(got):
        return 64.0 if math.isfinite(want) else 0.0
    return math.log2(1 + abs(_ordered(got) - _ordered(want)))


def float_report(s, fn, wrt, params=None, dps=50) -> FloatReport:
    prob = derive.problem(s, None, params)
    kind = "grad" if s.kind == "loss" else "vjp"
    op = operator(prob, kind, wrt)
    conds = [c for d in s.derivatives_for(wrt) if derivative_kind(s, d) == kind for c in d.conditions]
    sampled = pts.restrict(pts.sample(s, prob.shape, prob.params, extras=op.extra_shapes),
                           [s.condition(c) for c in dict.fromkeys(conds)], prob.params)
    compiled = numeric.compile_exprs(prob, f"{kind}:{wrt}", op.truth, dps, extras=op.extra_symbols)
    worst, overflow = 0.0, []
    with np.errstate(all="ignore"):
        for p in sampled:
            want = numeric.evaluate(compiled, p.values_flat, dps, op.truth.shape)
            args = [np.asarray(p.values[n], dtype=np.float64) for n in s.input_names]
            args += [np.asarray(a, dtype=np.float64) for a in p.extras.values()]
            got = np.asarray(fn(*args, xp=np), dtype=np.float64)
            for w, g in zip(want.flat, got.flat):
                w64 = float(w) if numeric.is_finite(w) else float("nan")
                if not math.isfinite(w64):
                    continue                   # the truth itself is not a finite float64: not a finding
                b = bits(float(g), w64)
                if not math.isfinite(float(g)):
                    overflow.append(p.origin)
                worst = max(worst, b)
    return FloatReport(len(sampled), worst, overflow)


def check_emitted(name, wrt=None, *, params=None):
    """(exact CheckResult, FloatReport) for the emitted gradient of ``name`` w.r.t. ``wrt``."""
    s = spec_pkg.get(name)
    wrt = s.input(wrt).name
    fn = compile_emitted(emit(s, wrt, params=params))
    kind = "grad" if s.kind == "loss" else "vjp"
    conds = next((d.conditions for d in s.derivatives_for(wrt) if derivative_kind(s, d) == kind), ())
    exact = check_derivative(s, fn, wrt=wrt, params=params, conditions=list(conds), kind=kind,
                             check_name=f"emitted[{wrt}]")
    return exact, float_report(s, fn, wrt, params)


def emitted_result(name, wrt=None, *, params=None):
    """One CheckResult: the exact check, refuted instead when float64 overflows where the truth does not;
    the float64 worst bits of error are added to the message and method."""
    exact, floats = check_emitted(name, wrt, params=params)
    note = f"float64: worst {floats.worst_bits:.1f} bits of error over {floats.points} points"
    exact.method += f"; {note}"
    if not floats.ok:
        exact.status = "refuted"
        exact.message = (f"gradspec: {exact.spec} {exact.check}: REFUTED in float64 — the emitted code is not finite "
                         f"where the truth is ({len(floats.overflow)} entries; first at a {floats.overflow[0]} point)"
                         f"\n  exact check: {exact.message.splitlines()[0]}\n  hint: a stable rewrite is missing in "
                         "derive/emit.py")
    else:
        exact.message += f"\n  {note}"
    return exact
