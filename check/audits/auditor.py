"""Auditing a third-party loss (or activation) against its spec, in float16, bfloat16, float32 or
float64 (check.numeric.formats), at extreme inputs.

    report = audit("cross_entropy_logits", lambda z, t, reduction: F.cross_entropy(z, t), backend="torch",
                   dtype="float32")
    report.findings            # [Finding(kind="grad-inaccurate", inputs=…, expected=…, got=…, bits=…), …]

The implementation is called on the backend's arrays at every point of the spec's domain sampler
(ordinary values, each input's extremes, both sides of every kink; for a real first input also
x[0, 0] = ±89 and ±710, just past where exp overflows float32 and float64, and ±12 in float16) and at any given
``points``.  Each point is first rounded to ``dtype``; the truth is the spec at that rounded point,
computed in rigorous ball arithmetic and correctly rounded to ``dtype`` (check.numeric.truth,
check.numeric.rounding: precision is raised only until the ball decides the float).  Value and gradient
(w.r.t. the first input; for an activation the VJP with a seeded cotangent) are compared entry by
entry; so is the gradient w.r.t. every other input the backend's autograd differentiates — each
input whose domain is neither discrete nor constrained row by row (a probability target, a
variance, a second embedding; not one-hot rows, labels or counts, which a call may take as class
indices, nor simplex rows: ``further_gradients``), each finding naming its
input (``Finding.wrt``, kinds such as ``grad-inaccurate[target]``).  A call that gives no gradient
for such an input (torch's autograd finds no path to it) is listed in ``AuditReport.undifferentiated``;
one whose backward for it raises is a crash finding of that input's gradient.  With autograd the
second derivative w.r.t. the first input is judged too, where the library has a double backward:
H·u for a fixed tangent u (``TANGENT``, exact in every format), H the Hessian of the loss (of
⟨cotangent, f⟩ for an activation), against derive's HVP (at a kink: the branch the kink convention
selects, the Dirac part dropped; at a corner of the gradient, where no second derivative exists, a
value that agrees with one side's is a convention: check.audits.corners).  A double backward that raises at every point is no finding
(``AuditReport.second_note`` says so); one that raises at some points only is ``hvp-crash`` there:

    nan / grad-nan             NaN where the truth is a finite float of the dtype
    inf / grad-inf             ±inf where the truth is a finite float of the dtype
    hvp-nan, hvp-inf, hvp-wrong, hvp-inaccurate, hvp-crash    the same, of H·u
    wrong / grad-wrong         inaccurate (below), and off by more than the entry's own value: a
                               wrong sign, a factor of 2 or more, a missing term
    inaccurate / grad-inaccurate
                               an error above 2^(p/2) ulps of the entry's magnitude (p = 11, 8, 24, 53):
                               more than half the digits lost, where the magnitude is the truth with
                               every sum taken term by term — the scale any rounding is bounded by
                               (check.numeric.float_error.judge, the one judgement of every float check)
    crash                      the implementation raised
A truth that is not a finite float of the dtype (it overflows), or that no precision decides, is
never a finding: the entry is not compared.  The error of every compared entry is counted in bits
(check.numeric.float_error.bits: log2 of 1 + the floats between).  Each finding carries a one-line
reproducer.

The implementation runs wherever the evaluator of its ``Implementation`` runs it: ``audit`` calls
it in this process; ``gradspec audit LIBRARY`` in the framework worker (check.frameworks.worker),
so that gradspec's own process never imports torch, jax or keras — and as its ``execution`` says
(check.frameworks.execution: compiled, under autocast, on a CUDA device).  The truth is the same
on every path, rounded to the inputs' dtype.  Under autocast the report lists each operator the
forward ran with its output dtypes (``AuditReport.ops``); compiled, each case also runs eagerly and
``AuditReport.versus_eager`` counts the entries where the two differ and by how many bits (no
finding: the truth judges both).
"""
from __future__ import annotations

import importlib.util
import math
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Callable

import numpy as np

import derive
import spec as spec_pkg
from spec.errors import GradspecError, lines
from spec.kinds import first_order_kind

from check.audits.corners import Corners
from check.checks import points as pts
from check.frameworks.execution import EAGER, execution_for
from check.numeric.truth import TruthPlan
from check.frameworks.backends import BACKENDS, evaluate_cases
from check.numeric.float_error import bits as bits_apart, judge
from check.numeric.formats import format_of

KINDS = ("nan", "inf", "wrong", "inaccurate", "crash", "grad-nan", "grad-inf", "grad-wrong", "grad-inaccurate",
         "hvp-nan", "hvp-inf", "hvp-wrong", "hvp-inaccurate", "hvp-crash", "convention")
#: The tangent u of the second-derivative check H·u, entry k = TANGENT[k mod 8]: exact in every format,
#: of both signs and several sizes (a constant u would miss a Hessian whose rows sum to 0, as softmax's)
TANGENT = (1.0, -0.5, 2.0, -1.25, 0.75, -2.0, 0.5, -1.0)
DTYPES = ("float16", "bfloat16", "float32", "float64")     # check.numeric.formats
# exp overflows float16 just below 11.09, bfloat16 and float32 just below 88.7, float64 just below 709.79
OVERFLOW_EDGES = (89, 710)
HALF_OVERFLOW_EDGE = 12          # float16's, added in float16 (89 and 710 do not fit there)


@dataclass(frozen=True)
class Finding:
    kind: str
    inputs: dict                # name -> nested lists of exact decimal strings (the values the library saw)
    index: tuple                # the entry of the value or gradient
    expected: str               # the truth, correctly rounded to the dtype
    got: str
    bits: float
    origin: str                 # ordinary / extreme:… / kink:… / overflow-edge / given
    reproducer: str
    detail: str = ""
    wrt: str = ""               # a gradient finding about an input other than the first: its name

    @property
    def label(self) -> str:
        """The kind, with the input of a further gradient: ``grad-inaccurate[target]``."""
        return f"{self.kind}[{self.wrt}]" if self.wrt else self.kind


@dataclass
class AuditReport:
    spec: str
    implementation: str
    backend: str
    dtype: str
    points: int = 0
    compared: int = 0
    worst_bits: float = 0.0
    worst_grad_bits: float = 0.0
    gradient_checked: bool = False
    gradients: list = field(default_factory=list)        # the inputs whose gradients were judged
    second_checked: bool = False                          # H·u by the library's double backward judged
    worst_hvp_bits: float = 0.0
    second_note: str = ""                                 # why H·u was not judged (no double backward)
    undifferentiated: list = field(default_factory=list)  # inputs asked for whose gradient the call gave none
    findings: list = field(default_factory=list)
    search: dict | None = None      # check.audits.search.search_worst's summary, when searched
    execution: str = "eager"        # check.frameworks.execution.Execution.label: how the calls ran
    ops: dict = field(default_factory=dict)           # under autocast: operator -> dtypes of its outputs
    versus_eager: dict | None = None                  # compiled: where the compiled results differ from eager

    @property
    def ok(self) -> bool:
        return not self.findings

    def counts(self) -> dict:
        """Findings by label (the kind, with the input of a further gradient), in the order of KINDS."""
        out: dict = {}
        for f in sorted(self.findings, key=lambda f: (KINDS.index(f.kind), f.wrt)):
            out[f.label] = out.get(f.label, 0) + 1
        return out

    def to_json(self) -> dict:
        d = asdict(self)
        d["counts"] = self.counts()
        return d


def _decimal(v: float) -> str:
    return repr(float(v))


def _nested(arr) -> list:
    return np.vectorize(_decimal, otypes=[object])(np.asarray(arr, dtype=np.float64)).tolist()


def array_literal(a, dtype: str, backend: str) -> str:
    """Source text that rebuilds array ``a`` in the backend at ``dtype`` (exactly: repr of each float)."""
    make = {"numpy": "numpy.array({v}, dtype={m}.{d})", "torch": "torch.tensor({v}, dtype=torch.{d})",
            "jax": "jax.numpy.array({v}, dtype=jax.numpy.{d})"}[backend]
    module = "ml_dtypes" if dtype == "bfloat16" else "numpy"          # NumPy has no bfloat16 of its own
    return make.format(v=np.asarray(a, dtype=np.float64).tolist(), d=dtype, m=module)


def backward_reproducer(call: str, args, cotangent, dtype: str, backend: str, grad_label: str | None,
                        k: int = 0) -> str:
    """One line computing the gradient a ``grad-`` finding is about: w.r.t. input ``k`` of the
    value's reproducer ``call`` (its array literal there becomes ``_x``), of the output — summed
    against the cotangent for an activation — by the backend's autograd; for NumPy, the hand-written
    gradient ``grad_label`` called on the literals.  ``call`` itself when that input's literal is not
    in it exactly once (a reproducer of the caller's own; two inputs with the same values)."""
    lits = [array_literal(a, dtype, backend) for a in args]
    if backend == "numpy":
        extra = [array_literal(cotangent, dtype, backend)] if cotangent is not None else []
        return f"{grad_label}({', '.join(lits + extra)})" if grad_label else call
    if call.count(lits[k]) != 1:
        return call
    body = call.replace(lits[k], "_x", 1)
    if backend == "torch":
        out = _torch_scalar(body, cotangent, dtype)
        return f"(lambda _x: torch.autograd.grad({out}, _x)[0])({lits[k][:-1]}, requires_grad=True))"
    if cotangent is None:
        return f"jax.grad(lambda _x: {body})({lits[k]})"
    return f"jax.vjp(lambda _x: {body}, {lits[k]})[1]({array_literal(cotangent, dtype, backend)})[0]"


def _torch_scalar(body: str, cotangent, dtype: str) -> str:
    """The scalar a torch reproducer differentiates: the call's output summed — against the cotangent
    for an activation (its VJP)."""
    if cotangent is None:
        return f"({body}).sum()"
    return f"(({body}) * {array_literal(cotangent, dtype, 'torch')}).sum()"


def hvp_reproducer(call: str, args, cotangent, tangent, dtype: str, backend: str) -> str:
    """One line computing H·u w.r.t. the first input of the value's reproducer ``call`` by the
    backend's double backward (torch.autograd.functional.hvp: the gradient of ⟨∂L/∂x, u⟩; JAX: the
    JVP of the gradient); ``call`` itself where the first input's literal is not in it exactly once."""
    lits = [array_literal(a, dtype, backend) for a in args]
    if backend == "numpy" or call.count(lits[0]) != 1:
        return call
    body, u = call.replace(lits[0], "_x", 1), array_literal(tangent, dtype, backend)
    if backend == "torch":              # (a first gradient without a graph of its own: H·u = 0, as here)
        return f"torch.autograd.functional.hvp(lambda _x: {_torch_scalar(body, cotangent, dtype)}, {lits[0]}, {u})[1]"
    if cotangent is None:
        return f"jax.jvp(jax.grad(lambda _x: {body}), ({lits[0]},), ({u},))[1]"
    return (f"jax.jvp(lambda _y: jax.vjp(lambda _x: {body}, _y)[1]({array_literal(cotangent, dtype, backend)})[0], "
            f"({lits[0]},), ({u},))[1]")


def tangent_for(shape: tuple) -> np.ndarray:
    """The tangent u of the H·u check at ``shape`` (TANGENT repeated), float64."""
    n = int(np.prod(shape, dtype=int))
    return np.array([TANGENT[k % len(TANGENT)] for k in range(n)], dtype=np.float64).reshape(shape)


def further_gradients(s) -> tuple:
    """The inputs besides the first whose gradients an audit with autograd judges: those whose
    domain is neither discrete (spec.domains.Domain.discrete: one-hot rows, labels, counts) nor
    constrained row by row (simplex rows: on a row that must sum to 1 only the gradient's component
    along the simplex is defined — optax's poly-1 loss writes ε Σ t(1 − s) for the spec's ε(1 − p_t),
    equal on the simplex, and its ambient target gradient is the spec's plus ε — so two right
    libraries may differ by a constant per row; such gradients are not judged)."""
    return tuple(i.name for i in s.inputs[1:] if not i.domain.discrete and not i.domain.row_wise)


def input_positions(s, names) -> tuple:
    """The positions of the inputs ``names`` in the spec's call (what a backend differentiates by)."""
    return tuple(s.input_names.index(n) for n in names)


def default_reproducer(label: str, args, dtype: str, backend: str) -> str:
    return f"{label}({', '.join(array_literal(a, dtype, backend) for a in args)})"


def _extra_points(s, prob, extra_shapes, dtype: str) -> list:
    """x[0, 0] = ±89, ±710 (and ±12 in float16) on the first ordinary sample, when the first input is real."""
    first = s.inputs[0]
    if first.domain.name != "real":
        return []
    base = pts.sample(s, prob.shape, prob.params, extras=extra_shapes)[0]
    out = []
    for edge in ((HALF_OVERFLOW_EDGE,) if dtype == "float16" else ()) + OVERFLOW_EDGES:
        for sign in (1, -1):
            arr = base.values[first.name].copy()
            arr.flat[0] = Fraction(sign * edge)
            out.append(pts.Point(dict(base.values, **{first.name: arr}), "overflow-edge", base.extras))
    return out


def _classify(got: float, want: float, mag: float, dtype: str, prefix: str):
    """(kind or None, bits) for one entry by the one judgement (check.numeric.float_error.judge; an
    underflow is an inaccuracy, its detail says so); bits None when the truth is not a finite float
    of the dtype (it overflows, or no precision decided it): such an entry is not compared."""
    j = judge(got, want, mag, dtype)
    if j is None:
        return None, None
    kind = {"underflow": "inaccurate"}.get(j.kind, j.kind)
    if kind == "inaccurate" and abs(got - want) > abs(want):
        kind = "wrong"                      # off by more than the entry itself: a sign, a factor, a term
    return (prefix + kind if kind else None), j.bits


@dataclass
class Case:
    """One point as the implementation sees it: exact values rounded to the dtype, and the float arrays."""
    point: pts.Point
    args: list                  # NumPy arrays of the dtype, in input order
    cotangent: object           # NumPy array of the dtype (activations), else None
    tangent: object = None      # NumPy array of the dtype: the u of H·u (TANGENT), when it is judged


def _cases(s, prob, op, dtype, points) -> list:
    sampled = (pts.sample(s, prob.shape, prob.params, extras=op.extra_shapes)
               + _extra_points(s, prob, op.extra_shapes, dtype))
    for k, given in enumerate(points or []):
        missing = [n for n in s.input_names if n not in given]
        if missing:
            raise GradspecError(lines(f"gradspec: audit point {k} lacks input {missing[0]!r}",
                                      f"a point gives every input of {s.name}: {', '.join(s.input_names)}"))
        extras = {n: np.ones(shp, dtype=object) for n, shp in op.extra_shapes.items()}
        sampled.append(pts.Point({n: np.asarray(given[n], dtype=object) for n in s.input_names}, "given", extras))
    out = []
    for p in sampled:
        values, extras = pts.rounded(p.values, dtype), pts.rounded(p.extras, dtype)
        if values is None or extras is None:
            continue                                   # not representable in this dtype
        dt = format_of(dtype).numpy_dtype          # exact: the values are numbers of the format
        args = [np.asarray(np.asarray(values[n], dtype=np.float64), dtype=dt) for n in s.input_names]
        cot = np.asarray(np.asarray(extras["cotangent"], dtype=np.float64), dtype=dt) if extras else None
        out.append(Case(pts.Point(values, p.origin, extras), args, cot,
                        np.asarray(tangent_for(args[0].shape), dtype=dt)))
    return out


def arg_lists(cases, second: bool) -> list:
    """What check.frameworks.backends.evaluate_cases takes: (args, cotangent[, tangent]) per case."""
    return [(c.args, c.cotangent, c.tangent) if second else (c.args, c.cotangent) for c in cases]


def in_process(backend: str, impl, params: dict, grad: bool, impl_grad=None, also: tuple = (), second=False,
               execution=EAGER):
    """An evaluator calling ``impl`` here, on the backend's arrays, as ``execution`` says: cases ->
    [(value, grad, others, hvp, trace) or an exception]; ``also``: the further input indices
    differentiated, ``second``: H·u too, the trace (check.frameworks.backends) — none when not
    ``further``."""
    def evaluate(cases, dtype, further=True):
        return evaluate_cases(backend, impl, arg_lists(cases, second and further), dtype, grad, params, impl_grad,
                              also if further else (), execution, further)
    return evaluate


def audit(name, impl, *, backend: str = "numpy", dtype: str = "float64", grad: bool = True, params=None,
          shape=None, points=None, impl_grad=None, label: str | None = None, reproducer=None,
          conventions=(), grad_label: str | None = None, search: int = 0, seed: int = 0,
          every_gradient: bool = True, second: bool = True, scheduler=None, execution=EAGER) -> AuditReport:
    """Audit ``impl(*inputs, **params)`` against spec ``name``; see the module docstring.  ``impl`` is
    given the spec parameters it names (all of them with **kwargs; none for a NumPy ufunc).

    ``params`` are the spec's parameters (used for the truth) — ``impl`` receives ``impl_params``
    through a closure if it needs other names.  ``points``: extra points, each a dict input name ->
    array.  ``reproducer(args) -> str`` may replace the default one-line call text.  ``conventions``
    (check.frameworks.libraries.Convention) relabel a finding at a point where one applies as "convention",
    the difference stated in its ``detail``.  ``search`` random points (and a local search from the
    worst: check.audits.search), reproducible by ``seed``.  ``every_gradient``: also the gradients
    w.r.t. the further inputs (``further_gradients``), where the backend has autograd; ``second``: H·u
    by the backend's double backward, likewise.  ``scheduler`` (a distributed.Client,
    check.audits.scale_out): the search's truth chunks run as Dask tasks there.  ``execution``
    (check.frameworks.execution): compiled, under autocast, on a device — what the backend can do."""
    if backend not in BACKENDS:
        raise GradspecError(lines(f"gradspec: unknown backend {backend!r}", f"backends: {', '.join(BACKENDS)}"))
    b = BACKENDS[backend]
    execution = execution_for(backend, compile=execution.compile, autocast=execution.autocast,
                              device=execution.device)
    if importlib.util.find_spec(b.module) is None:
        raise GradspecError(lines(f"gradspec: the {backend} backend needs {b.module}, which is not installed",
                                  f"hint: pip install 'gradspec[{backend}]'"))
    from check.frameworks.worker import require_device
    require_device(backend, execution)
    if not callable(impl):
        raise GradspecError(lines(f"gradspec: the implementation to audit must be callable, got {type(impl).__name__}"))
    s = spec_pkg.get(name)
    from check.checks.probe import probe
    probe(s)
    resolved = s.resolve_params(params)
    check_grad = grad and (b.autograd or impl_grad is not None)
    autograd = check_grad and b.autograd and impl_grad is None
    also = further_gradients(s) if autograd and every_gradient else ()
    audited = Implementation(in_process(backend, impl, resolved, check_grad, impl_grad,
                                        input_positions(s, also), autograd and second, execution),
                             backend, check_grad, label or getattr(impl, "__qualname__", "impl"), reproducer,
                             tuple(conventions),
                             grad_label or (getattr(impl_grad, "__qualname__", "impl_grad") if impl_grad else None),
                             also, autograd and second, execution)
    return audit_with(s, audited, dtype, params=params, shape=shape, points=points, search=search, seed=seed,
                      scheduler=scheduler)


@dataclass(frozen=True)
class Implementation:
    """What an audit calls and how its findings name it.

    ``evaluate(cases, dtype, further=True) -> [(value, grad, others) | exception | message]`` runs the
    implementation somewhere (here: ``in_process``; in the framework worker: check.audits.report;
    ``others`` empty when not ``further``); ``backend`` is
    where it runs, ``gradient`` whether a gradient comes back to be judged, ``also`` the further
    inputs whose gradients come back in ``others`` (names, in that order); ``label`` names it in
    findings, ``reproducer(args) -> str`` writes a finding's one-line call (None: the label called on
    array literals); ``conventions`` (check.frameworks.libraries.Convention) explain a finding at a
    point where one applies."""
    evaluate: Callable
    backend: str
    gradient: bool
    label: str = "impl"
    reproducer: Callable | None = None
    conventions: tuple = ()
    grad_label: str | None = None   # NumPy: the hand-written gradient's name in its findings' reproducers
    also: tuple = ()                # further inputs differentiated (check.audits.auditor.further_gradients)
    second: bool = False            # H·u by the double backward comes back (hvp) to be judged
    execution: object = EAGER       # check.frameworks.execution.Execution: how it runs


@dataclass(frozen=True)
class _At:
    """One case as its findings name it: the inputs (exact decimals), the point's origin, the
    reproducer, and the descriptions of the conventions that apply there."""
    inputs: dict
    origin: str
    reproducer: str
    conventions: tuple
    grad_reproducer: str = ""       # the gradient's line (check.audits.auditor.backward_reproducer)


def audit_with(name, impl: Implementation, dtype: str, *, params=None, shape=None, points=None, search: int = 0,
               seed: int = 0, scheduler=None) -> AuditReport:
    """The audit of ``impl`` against the entry ``name`` in ``dtype``; see the module docstring.
    ``search``: random points for the search of the worst input (check.audits.search), 0 for none;
    ``seed`` makes it reproducible."""
    s = spec_pkg.get(name)
    if dtype not in DTYPES:
        raise GradspecError(lines(f"gradspec: unknown dtype {dtype!r}", f"dtypes: {', '.join(DTYPES)}"))
    prob = derive.problem(s, shape, params)
    first = s.input_names[0]
    plan = TruthPlan.build(prob, first_order_kind(s), first, impl.gradient)
    further = {n: TruthPlan.build(prob, first_order_kind(s), n, True) for n in impl.also}
    hvp_plan = TruthPlan.build(prob, "hvp", first, True) if impl.second else None
    corners = Corners.build(hvp_plan, first) if hvp_plan else None
    report = AuditReport(s.name, impl.label, impl.backend, dtype, gradient_checked=impl.gradient,
                         gradients=[first, *impl.also] if impl.gradient else [], second_checked=impl.second,
                         execution=impl.execution.label)
    cases = _cases(s, prob, plan.op, dtype, points)
    for case, result in zip(cases, impl.evaluate(cases, dtype)):
        truths = None
        if not isinstance(result, (BaseException, str)):
            with_grad = impl.gradient and result[1] is not None
            others = {n: p.gradient(case.point, dtype) for (n, p), o in zip(further.items(), result[2])
                      if _is_array(o)}
            hv = result[3] if len(result) > 3 else None
            second = sides = None
            if hvp_plan and _is_array(hv):
                at = _hvp_point(hvp_plan, case)
                second = hvp_plan.gradient(at, dtype)
                sides = corners.sides(at, dtype, second[1])
            truths = (plan.value(case.point, dtype), plan.gradient(case.point, dtype) if with_grad else None, others,
                      second, sides)
        judge_case(report, s, plan, impl, dtype, case, result, truths)
    _no_double_backward(report)
    if search:
        from check.audits.search import search_worst
        report.search = search_worst(s, prob, plan, impl, dtype, report, search, seed, scheduler)
    return report


def _hvp_point(hvp_plan, case: Case) -> pts.Point:
    """The case's point with the extras H·u's truth takes, in its order: the cotangent, the tangent."""
    have = dict(case.point.extras, tangent=np.vectorize(Fraction, otypes=[object])(
        np.asarray(case.tangent, dtype=np.float64)))
    return pts.Point(case.point.values, case.point.origin, {n: have[n] for n, _ in hvp_plan.op.extras})


def _no_double_backward(report) -> None:
    """Where H·u raised at every point judged, the library has no double backward here: not a
    finding — ``second_note`` says so (and the check is off); else each raising point stays a finding."""
    crashes = [f for f in report.findings if f.kind == "hvp-crash"]
    judged = report.points - sum(f.kind == "crash" and not f.wrt for f in report.findings)
    if crashes and len(crashes) >= judged > 0:
        report.findings = [f for f in report.findings if f.kind != "hvp-crash"]
        report.second_checked = False
        report.second_note = f"no double backward: {crashes[0].detail}"


def _is_array(o) -> bool:
    """A further gradient that came back as numbers (not None: not differentiated; not an error)."""
    return o is not None and not isinstance(o, (BaseException, str))


def judge_case(report, s, plan, impl: Implementation, dtype: str, case: Case, result, truths) -> None:
    """Judge the implementation's ``result`` at one case against ``truths`` = ((values, scales),
    (gradient, scales) or None[, {further input: (gradient, scales)}, (H·u, scales) or None]) —
    check.numeric.truth's or the fast tier's, the same numbers — adding its findings (one per kind and
    gradient) to ``report``.  Further gradients and H·u without truths here (the search judges the
    first input's gradient alone) are not judged."""
    floats = dict(zip(s.input_names, case.args))
    call = (impl.reproducer(case.args) if impl.reproducer else
            default_reproducer(impl.label, case.args, dtype, impl.backend))
    at = _At({n: _nested(a) for n, a in zip(s.input_names, case.args)}, case.point.origin, call,
             tuple(c.description for c in impl.conventions if c.applies(floats, plan.prob.params)),
             backward_reproducer(call, case.args, case.cotangent, dtype, impl.backend, impl.grad_label))
    report.points += 1
    if isinstance(result, (BaseException, str)):
        report.findings.append(_crash("crash", at, dtype, at.reproducer, _error_text(result)))
        return
    value, g = result[0], result[1]
    _traced(report, at, result[4] if len(result) > 4 else {}, value, g, dtype)
    _compare(report, at, "", np.asarray(value, dtype=np.float64).reshape(-1), truths[0], dtype)
    shape_g = plan.op.truth.shape
    if impl.gradient and g is not None and truths[1] is not None:
        _compare(report, at, "grad-", np.broadcast_to(np.asarray(g, dtype=np.float64), shape_g).reshape(-1),
                 truths[1], dtype, shape_g)
    others = truths[2] if len(truths) > 2 else {}
    for name, o in zip(impl.also, result[2] if len(result) > 2 else ()):
        if o is None:
            if name not in report.undifferentiated:
                report.undifferentiated.append(name)
        elif not _is_array(o):
            report.findings.append(_crash("crash", at, dtype, _at_input(at, case, dtype, impl, s, name).grad_reproducer,
                                          f"the gradient w.r.t. {name} raised: {_error_text(o)}", name))
        elif name in others:
            shape_o = np.shape(case.args[s.input_names.index(name)])
            _compare(report, _at_input(at, case, dtype, impl, s, name), "grad-",
                     np.broadcast_to(np.asarray(o, dtype=np.float64), shape_o).reshape(-1), others[name], dtype,
                     shape_o, name)
    hv = result[3] if len(result) > 3 else None
    if hv is None or not impl.second:
        return
    second = replace(at, grad_reproducer=hvp_reproducer(at.reproducer, case.args, case.cotangent, case.tangent, dtype,
                                                        impl.backend))
    if not _is_array(hv):
        report.findings.append(_crash("hvp-crash", at, dtype, second.grad_reproducer,
                                      f"the double backward raised: {_error_text(hv)}"))
    elif len(truths) > 3 and truths[3] is not None:
        got = np.broadcast_to(np.asarray(hv, dtype=np.float64), shape_g).reshape(-1)
        if len(truths) > 4 and any(_agrees(got, side, dtype) for side in truths[4] or ()):
            second = replace(second, conventions=second.conventions + (CORNER,))
        _compare(report, second, "hvp-", got, truths[3], dtype, shape_g)


def _traced(report, at: _At, trace: dict, value, g, dtype: str) -> None:
    """Add a case's trace (check.frameworks.backends.evaluate_cases) to the report: the operators an
    autocast forward ran, and how the compiled value and gradient compare with the eager ones."""
    for name, dts in trace.get("ops", {}).items():
        report.ops[name] = sorted(set(report.ops.get(name, ())) | set(dts))
    if "eager" not in trace:
        return
    v = report.versus_eager = report.versus_eager or {"points": 0, "eager_failed": 0, "differing": 0,
                                                      "worst_bits": 0.0, "first": None}
    eager = trace["eager"]
    if not isinstance(eager, tuple):
        v["eager_failed"] += 1
        return
    v["points"] += 1
    differing = False
    for part, got, want in (("value", value, eager[0]), ("grad", g, eager[1])):
        if got is None or want is None:
            continue
        got, want = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (got, want))
        for k, (c, e) in enumerate(zip(got, want)):
            if c == e or (math.isnan(c) and math.isnan(e)):
                continue
            b = (bits_apart(c, e, dtype) if math.isfinite(c) and math.isfinite(e)
                 else float(format_of(dtype).width))
            differing = True
            v["worst_bits"] = max(v["worst_bits"], round(b, 2))
            if v["first"] is None:
                v["first"] = {"origin": at.origin, "entry": f"{part}[{k}]", "compiled": _decimal(c),
                              "eager": _decimal(e), "reproducer": at.reproducer}
    v["differing"] += differing


#: H·u at a corner of the gradient (check.audits.corners) that agrees with one side's value.
CORNER = ("at a corner of the gradient (a sign, |·| or branch argument exactly 0) the second derivative "
          "does not exist: H·u is one side's value")


def _agrees(got, truth: tuple, dtype: str) -> bool:
    """Whether every entry of ``got`` is compared and judged right against ``truth`` = (values,
    magnitudes): an entry the truth does not decide agrees with nothing."""
    wants, mags = truth
    for g, w, m in zip(got, wants, mags):
        kind, bits = _classify(float(g), float(w), float(m) if math.isfinite(m) else 0.0, dtype, "")
        if kind is not None or bits is None:
            return False
    return True


def _error_text(e) -> str:
    """An implementation's failure as text: a message as it came (from the framework worker), or an
    exception's type and message."""
    return e if isinstance(e, str) else f"{type(e).__name__}: {e}"


def _crash(kind: str, at: _At, dtype: str, reproducer: str, detail: str, wrt: str = "") -> Finding:
    """A crash finding (``crash``, or ``hvp-crash``) at this case: every bit of the format wrong."""
    return Finding(kind, at.inputs, (), "", "", float(format_of(dtype).width), at.origin, reproducer, detail, wrt)


def _at_input(at: _At, case: Case, dtype: str, impl: Implementation, s, name: str) -> _At:
    """``at`` with the reproducer of the gradient w.r.t. input ``name``."""
    return replace(at, grad_reproducer=backward_reproducer(at.reproducer, case.args, case.cotangent, dtype,
                                                           impl.backend, impl.grad_label, s.input_names.index(name)))


def _compare(report, at: _At, prefix: str, got, truth: tuple, dtype: str, shape=None, wrt: str = "") -> None:
    """Judge each entry of ``got`` against ``truth`` = (correctly rounded values, magnitudes); add one
    finding per kind at this case — labelled "convention" where a convention applies there; ``wrt``
    names the input of a further gradient."""
    wants, mags = truth
    seen = set()
    for k, (g, w, m) in enumerate(zip(got, wants, mags)):
        kind, b = _classify(float(g), float(w), float(m) if math.isfinite(m) else 0.0, dtype, prefix)
        if b is None:
            continue
        report.compared += 1
        if prefix == "hvp-":
            report.worst_hvp_bits = max(report.worst_hvp_bits, b)
        elif prefix:
            report.worst_grad_bits = max(report.worst_grad_bits, b)
        else:
            report.worst_bits = max(report.worst_bits, b)
        if kind and kind not in seen:                  # one finding per kind per point
            seen.add(kind)
            index = tuple(int(i) for i in np.unravel_index(k, shape)) if shape else ()
            detail = ("the truth is subnormal in this dtype: an underflow"
                      if kind.endswith("inaccurate") and 0 < abs(w) < format_of(dtype).tiny else "")
            if at.conventions:
                kind, detail = "convention", f"{kind} explained by a convention: {'; '.join(at.conventions)}"
            report.findings.append(Finding(kind, at.inputs, index, _decimal(w), _decimal(g), round(b, 2),
                                           at.origin, at.grad_reproducer if prefix else at.reproducer, detail, wrt))
