"""The one truth engine for float checks: a spec's value and first derivative at an exact point,
correctly rounded to a float format.  The audits, the emitted-code checks and the cards' slices all
take their truth here (the verdicts' own comparison is check.checks.verify, in the same arithmetic).

    plan = TruthPlan.build(prob, kind="grad", wrt="logits", gradient=True)
    value, value_scale = plan.value(point, "float32")       # float64 arrays (entries of the dtype)
    grad, grad_scale = plan.gradient(point, "float32")

The value is the spec's forward evaluated on the arb namespace itself (so xlogy's 0·log 0 = 0
holds where the SymPy expression would read 0·log 0); the gradient is the derived closed form
(derive), compiled once for arb (check.numeric.arb_code).  Both are rounded by check.numeric.rounding: rigorous
balls, precision raised only where a ball does not decide the float, NaN where nothing does.
The scales are the entries' magnitudes (check.numeric.float_error.magnitude: every sum taken term by
term), the bound a float evaluation's rounding error is measured against; the gradient's scale is
the largest finite magnitude of its entries, shared by all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import derive

from check.numeric.arb_code import compile_arb
from check.numeric.float_error import magnitude
from check.checks.kinds import flat_symbols, operator
from check.checks.points import Point
from check.numeric.formats import format_of
from check.numeric.rounding import rounded_truth, scale_of
from check.checks.verdict import params_for
from check.numeric.real import real
from check.numeric.xp_arb import ARB


def _arbs(values: list) -> list:
    return [real(v) for v in values]               # Fractions holding floats of the dtype: exact


@dataclass(frozen=True)
class TruthPlan:
    prob: object
    op: object                      # check.checks.kinds.Operator: the gradient (loss) or VJP (activation)
    value_size: int                 # entries of the forward (1 for a loss)
    value_magnitude: object         # compiled: inputs -> magnitudes of the forward's entries
    grad_truth: object | None       # compiled: inputs, extras -> gradient entries
    grad_magnitude: object | None

    @classmethod
    def build(cls, prob, kind: str, wrt: str, gradient: bool) -> "TruthPlan":
        op = operator(prob, kind, wrt)
        fwd = np.asarray(derive.forward(prob.spec, shape=prob.shape, params=prob.params), dtype=object).reshape(-1)
        inputs_only = flat_symbols(prob)
        with_extras = flat_symbols(prob, op.extra_symbols)
        mags = np.vectorize(magnitude, otypes=[object])
        value_mag = compile_arb(inputs_only, mags(fwd))
        grad_truth = grad_mag = None
        if gradient:
            truth = np.asarray(op.truth, dtype=object)
            grad_truth = compile_arb(with_extras, truth)
            grad_mag = compile_arb(with_extras, mags(truth))
        return cls(prob, op, fwd.size, value_mag, grad_truth, grad_mag)

    def value(self, point: Point, dtype: str) -> tuple[np.ndarray, np.ndarray]:
        s, params = self.prob.spec, self.prob.params
        inputs = [v for n in s.input_names for v in point.values[n].flat]
        n = self.value_size
        scales = scale_of(lambda: self.value_magnitude(*_arbs(inputs)), n)

        def at():
            out = s.forward(*[ARB.array(point.values[m]) for m in s.input_names], xp=ARB, **params_for(params, ARB))
            return list(np.asarray(out, dtype=object).reshape(-1))
        return rounded_truth(at, n, dtype, scales), scales

    def gradient(self, point: Point, dtype: str) -> tuple[np.ndarray, np.ndarray]:
        flat = point.values_flat
        n = int(np.prod(self.op.truth.shape, dtype=int))
        mags = scale_of(lambda: self.grad_magnitude(*_arbs(flat)), n)
        fmax = format_of(dtype).largest
        scale = max((m for m in mags if m <= fmax), default=0.0)
        scales = np.full(n, scale)
        return rounded_truth(lambda: self.grad_truth(*_arbs(flat)), n, dtype, scales), scales
