"""Checking emitted gradient code (derive.emit): exactly, and in floating point per framework.

    check_emitted(name, wrt=None, params=None) -> (CheckResult exact, [FloatReport, ...])
    emitted_result(name, wrt, target="numpy" | "torch" | "jax") -> one CheckResult

Exact: the numpy emission is a formula on the ``xp`` protocol, so it is checked like any
hand-written derivative (proved for every size, else at the default shape, else verified).  The
torch and jax emissions print the same SymPy expression with their framework's primitives
(torch.logsumexp, jax.nn.sigmoid, …); they are checked in floating point only.

Floating point: the code runs in the framework at one format (``RUNTIMES``) at the domain's points
(extremes included), each input first rounded to that format — the truth (check.numeric.truth: ball
arithmetic, correctly rounded to the format) is then taken at the *rounded* point, so the
comparison measures the code, not the rounding of its inputs.  A point whose inputs do not fit the
format (1e300 in float32) is skipped and counted.  Each entry is judged as every float check judges
(check.numeric.float_error.judge), against the gradient array's magnitude — the largest of its
entries' truths with every sum taken term by term (|a − b| → |a| + |b|), the scale any float
evaluation's rounding is bounded by (where terms cancel to 0, as in a softmax VJP with a constant
cotangent, a float result of 1e-17 is a rounding).  Two things fail a report:
  overflow   a non-finite result where the truth is a finite float of the format;
  wrong      inaccurate by the judgement (more than 2^(p/2) ulps of the magnitude): the code
             computes a different function (a printer bug), not a rounding.  Not judged at kink
             points: there the float threshold (1e-06 ≠ 1/1000000) may pick the other side, as in
             any float code.
"""
from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field, replace

import numpy as np

import derive
import spec as spec_pkg
from derive.emit import NoClosedForm, compile_emitted, emit
from spec.errors import GradspecError, lines

from spec.kinds import first_order_kind

from check.checks import points as pts
from check.checks.derivative import DerivativeOptions, check_derivative
from check.checks.result import CheckResult
from check.frameworks.worker import run_in_framework
from check.numeric.float_error import judge
from check.numeric.truth import TruthPlan


@dataclass(frozen=True)
class Runtime:
    """One framework at one float format."""
    target: str            # derive.emit target
    dtype: str             # "float32" | "float64"
    module: str            # what must be importable

    @property
    def label(self) -> str:
        return f"{self.target} {self.dtype}"

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def run(self, code, arg_lists: list) -> tuple[list, str | None]:
        """Outputs (float64 arrays) of the emitted ``code`` on each argument list, or an error message.

        numpy runs here (``code`` may be a function on ``xp``); torch and jax run in the framework
        worker (check.frameworks.worker), given the source."""
        if self.target != "numpy":
            return run_in_framework(code, self.target, self.dtype, arg_lists)
        fn = compile_emitted(code) if isinstance(code, str) else code
        try:
            with np.errstate(all="ignore"):
                return [np.asarray(fn(*[np.asarray(a, dtype=self.dtype) for a in args], xp=np), dtype=np.float64)
                        for args in arg_lists], None
        except Exception as e:
            return [], f"{type(e).__name__}: {e}"


RUNTIMES = {
    "numpy": (Runtime("numpy", "float64", "numpy"),),
    "torch": (Runtime("torch", "float32", "torch"), Runtime("torch", "float64", "torch")),
    "jax": (Runtime("jax", "float32", "jax"),),     # jax computes in float32 unless x64 is enabled
}


@dataclass
class FloatReport:
    runtime: str                # e.g. "torch float32"
    points: int
    worst_bits: float
    worst_scaled: float         # largest error in ulps of the array's magnitude (kink points aside)
    overflow: list              # origins of points where the code was not finite but the truth was
    wrong: list = field(default_factory=list)    # origins of points judged inaccurate
    skipped: int = 0            # points whose inputs do not fit the format
    error: str | None = None    # the framework rejected the code or crashed: a finding

    @property
    def ok(self) -> bool:
        return not self.overflow and not self.wrong and self.error is None and self.points > 0

    def summary(self) -> str:
        return (f"{self.runtime}: worst {self.worst_bits:.1f} bits of error, {self.worst_scaled:.2g} ulps of "
                f"magnitude, over {self.points} points"
                + (f" ({self.skipped} not representable, skipped)" if self.skipped else ""))


def float_report(s, code, wrt, params=None, runtime: Runtime = RUNTIMES["numpy"][0]) -> FloatReport:
    """Run emitted ``code`` (its source; for numpy also a function on ``xp``) at the domain's points,
    rounded to the runtime's format, against the truth correctly rounded to that format."""
    prob = derive.problem(s, None, params)
    plan = TruthPlan.build(prob, first_order_kind(s), wrt, gradient=True)
    report = FloatReport(runtime.label, 0, 0.0, 0.0, [])
    points = []
    for p in pts.sample(s, prob.shape, prob.params, extras=plan.op.extra_shapes):   # the truth needs no conditions
        values, extras = pts.rounded(p.values, runtime.dtype), pts.rounded(p.extras, runtime.dtype)
        if values is None or extras is None:
            report.skipped += 1
        else:
            points.append(pts.Point(values, p.origin, extras))
    outputs, error = runtime.run(code, [list(p.values.values()) + list(p.extras.values()) for p in points])
    if error is not None:
        report.error = error
        return report
    shape = plan.op.truth.shape
    for point, got in zip(points, outputs):
        wants, scales = plan.gradient(point, runtime.dtype)
        report.points += 1
        for w, scale, g in zip(wants, scales, np.broadcast_to(got, shape).reshape(-1)):
            j = judge(float(g), float(w), float(scale), runtime.dtype)
            if j is None:
                continue                          # the truth itself is not a finite float: not a finding
            report.worst_bits = max(report.worst_bits, j.bits)
            if j.kind in ("nan", "inf"):
                report.overflow.append(point.origin)
                continue
            if point.origin.startswith("kink:"):
                continue                          # the float threshold may pick the other side
            report.worst_scaled = max(report.worst_scaled, j.ulps)
            if j.kind:
                report.wrong.append(point.origin)
    return report


#: The budget of an emitted gradient's proof at its shape: a closed form with a row's max shift and
#: stable rewrites is a bigger difference than the spec's own derivative (poly1_cross_entropy's and
#: cross_entropy_index's take 0.3–1.5 s on an idle 2-core machine, six entries each), so it gets
#: twice PROVE_SECONDS — a card must not depend on the machine's load (margins ≥ 2.5× either way).
EMITTED_PROVE_SECONDS = 4.0


def check_emitted(name, wrt=None, *, params=None, target: str = "numpy"):
    """(exact CheckResult or None, [FloatReport per runtime]) for the emitted gradient of ``name``.

    The exact check is made for the numpy target only (the others are not written on ``xp``), and
    only where every float report passes: a float report that fails is already the verdict, with
    its counterexample (refuted either way), and the exact check of code that overflows — a closed
    form of ~50 exp ratios (focal) — was the dearest of the catalog's checks."""
    s = spec_pkg.get(name)
    wrt = s.input(wrt).name
    if target not in RUNTIMES:
        raise GradspecError(lines(f"gradspec: no float checks for target {target!r}",
                                  f"targets: {', '.join(RUNTIMES)}"))
    missing = [r.module for r in RUNTIMES[target] if not r.available()]
    if missing:
        raise GradspecError(lines(f"gradspec: checking code emitted for {target} needs {missing[0]}, "
                                  "which is not installed",
                                  f"hint: pip install 'gradspec[{target}]' (make test installs it)"))
    source = emit(s, wrt, params=params, target=target)
    floats = [float_report(s, source, wrt, params, r) for r in RUNTIMES[target]]
    exact = None
    if target == "numpy" and all(f.ok for f in floats):
        fn = compile_emitted(source)
        exact = check_derivative(s, fn, DerivativeOptions(first_order_kind(s), wrt, params=params,
                                                          check_name=f"emitted[{wrt}]",
                                                          prove_seconds=EMITTED_PROVE_SECONDS))
    return exact, floats


def check_id(wrt: str, target: str) -> str:
    return f"emitted[{wrt}]" if target == "numpy" else f"emitted-{target}[{wrt}]"


def emitted_result(name, wrt=None, *, params=None, target: str = "numpy") -> CheckResult:
    """One CheckResult for the code emitted for ``target``.

    numpy: the exact check, refuted instead when float64 overflows or is wrong where the truth is
    finite.  torch / jax: *verified* when every float report passes (never proved: no symbolic
    step is taken on framework code), else refuted.  The worst bits of error go into the method."""
    start = time.perf_counter()
    s = spec_pkg.get(name)
    wrt = s.input(wrt).name
    try:
        exact, floats = check_emitted(s, wrt, params=params, target=target)
    except NoClosedForm as e:                   # nothing to emit: no code to check
        return CheckResult(s.name, check_id(wrt, target), "inconclusive", "none",
                           f"gradspec: {s.name} {check_id(wrt, target)}: inconclusive — no code was emitted: "
                           + str(e).removeprefix("gradspec: ").splitlines()[0],
                           seconds=time.perf_counter() - start)
    notes = "; ".join(f.summary() for f in floats)
    if exact is None:
        pts_total = sum(f.points for f in floats)
        unrun = "; not checked symbolically: the floating point refutes it" if target == "numpy" else ""
        exact = CheckResult(s.name, check_id(wrt, target), "verified",
                            f"emitted {target} code run in floating point; {notes}{unrun}",
                            f"gradspec: {s.name} {check_id(wrt, target)}: verified in floating point against the "
                            f"correctly rounded truth — not proved",
                            scope=f"shape {'×'.join(map(str, derive.problem(s, None, params).shape))}",
                            points=pts_total)
    else:
        exact = replace(exact, method=f"{exact.method}; {notes}")
    bad = next((f for f in floats if not f.ok), None)
    if bad is not None:
        if bad.error:
            why = f"the framework rejected the emitted code: {bad.error}"
        elif bad.overflow:
            why = (f"the emitted code is not finite where the truth is ({len(bad.overflow)} entries; "
                   f"first at a {bad.overflow[0]} point)")
        elif bad.wrong:
            why = (f"the emitted code is off by {bad.worst_scaled:.3g} ulps of the largest gradient entry "
                   f"({len(bad.wrong)} entries; first at a {bad.wrong[0]} point)")
        else:
            why = "no point of the domain fits the format"
        exact = replace(exact, status="refuted",
                        message=f"gradspec: {exact.spec} {exact.check}: REFUTED in {bad.runtime} — {why}"
                                f"\n  {notes}\n  hint: a stable rewrite (derive/emit/rewrites.py) or a printer rule (derive/emit/printers.py) is missing")
    else:
        exact = replace(exact, message=exact.message + "\n  " + "\n  ".join(f.summary() for f in floats))
    return replace(exact, seconds=time.perf_counter() - start)
