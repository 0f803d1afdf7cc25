"""Registration-time validation of a spec: what can be told wrong before any check runs.

``validate(spec)`` raises ``GradspecError`` naming the spec, the field and the fix when

  * a field has the wrong type (a domain that is not a ``spec.domains.Domain``, a derivative
    that is not a ``Derivative``, a name that cannot appear in a check id, …);
  * a formula's signature does not fit the declared inputs: a positional argument that is not a
    declared input ("an input used but not declared"), or a keyword that is neither ``xp`` nor a
    declared parameter;
  * a domain does not fit its input's shape (a row-wise domain on a scalar, a shape that is not
    positive integers, ``input_shapes`` missing an input);
  * the forward, evaluated in float64 NumPy at one sample of the domains at the default shape, is
    not a real number (a loss) or not an array of numbers (an activation or op) — a free SymPy
    symbol that is not an input shows up here;
  * another form of the forward gives another shape there (a loss's form forgot its reduction);
  * a hand-written derivative returns the wrong shape there (a gradient, VJP or HVP is shaped like
    the input it differentiates; a Hessian like input × input; a JVP like the output), or refers to
    an input or condition the spec does not declare; a variant sets an unknown parameter.

A derivative that *raises* at the sample is not rejected: its values are the checks' business
(they report it as a finding).  Validation evaluates NumPy only — no SymPy — so registering the
whole catalog stays cheap.
"""
from __future__ import annotations

import inspect
import random
import re

import numpy as np

from .domains import Domain
from .entry import EMITTED_MODES
from .errors import GradspecError, lines
from .kinds import declared_kind, extra_arguments, fits

KINDS = ("loss", "activation", "op")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
#: A model entry's name (spec.models), whose grammar its parser has already checked: linear:3x2+huber,delta=0.5.
_MODEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-:+,=]*$")


class _Malformed(Exception):
    def __init__(self, field, problem, *fix):
        super().__init__(problem)
        self.field, self.problem, self.fix = field, problem, fix


def validate(s, *, model: bool = False) -> None:
    """Raise GradspecError when ``s`` (a spec.Spec) is malformed; return None when it is not.
    ``model``: ``s`` was built from a model name (spec.models), whose grammar allows : + , =."""
    try:
        _validate(s, model)
    except _Malformed as m:
        raise GradspecError(lines(f"gradspec: the spec {getattr(s, 'name', s)!r} is malformed: {m.field}: {m.problem}",
                                  *m.fix)) from None


def _validate(s, model: bool) -> None:
    from .entry import Condition, Derivative, Form, Input, Kink, Param
    if not isinstance(s.name, str) or not (_MODEL_NAME if model else _NAME).match(s.name):
        raise _Malformed("name", f"{s.name!r} cannot name a spec",
                         "use letters, digits, _ . - (it appears in check ids such as NAME::grad[INPUT])")
    if s.kind not in KINDS + (("model",) if model else ()):
        raise _Malformed("kind", f"{s.kind!r} is not a kind", f"kinds: {', '.join(KINDS)}")
    if not s.inputs:
        raise _Malformed("inputs", "no inputs", "declare each array the forward takes: Input(name, domain, symbol)")
    seen = set()
    for k, i in enumerate(s.inputs):
        if not isinstance(i, Input):
            raise _Malformed(f"inputs[{k}]", f"{i!r} is not an Input", "write Input('predicted', REAL, 'p')")
        if not isinstance(i.name, str) or not i.name.isidentifier() or i.name in seen:
            raise _Malformed(f"inputs[{k}]", f"the name {i.name!r} is not a fresh Python identifier",
                             "give each input a distinct identifier, e.g. 'predicted', 'target'")
        seen.add(i.name)
        if not isinstance(i.domain, Domain):
            raise _Malformed(f"inputs[{k}] ({i.name}).domain", f"{i.domain!r} is not a Domain",
                             "use one of spec.domains: REAL, POSITIVE, NONNEGATIVE, NONZERO, PROBABILITY, "
                             "LOG_PROBABILITY, SIMPLEX_ROWS, ONEHOT_ROWS, ONEHOT_OR_IGNORED_ROWS, PAIRED_ONEHOT_ROWS, "
                             "MULTIHOT_ROWS, SIGN_LABELS, COUNTS")
        if not isinstance(i.symbol, str) or not i.symbol:
            raise _Malformed(f"inputs[{k}] ({i.name}).symbol", f"{i.symbol!r} is not a symbol name",
                             "give a short name for printed formulas, e.g. 'p'")
    if s.emitted not in (None,) + EMITTED_MODES:
        raise _Malformed("emitted", f"{s.emitted!r} is not a way to count the emitted-code checks",
                         "emitted='check' (a failure fails), 'warn' (reported, never failing) or 'skip'; "
                         "leave it out for the default (warn for your specs)")
    taken = set(s.input_names) | {"xp"}
    for k, p in enumerate(s.params):
        if not isinstance(p, Param):
            raise _Malformed(f"params[{k}]", f"{p!r} is not a Param", "write Param(name, default, check, description)")
        if p.name in taken:
            raise _Malformed(f"params[{k}]", f"the name {p.name!r} is taken (an input, xp, another parameter, or "
                             "the reduction loss() adds)", "give the parameter another name")
        taken.add(p.name)
        try:
            problem = p.check(p.default) if callable(p.check) else "its check is not callable"
        except Exception as e:
            raise _Malformed(f"params[{k}] ({p.name}).check", f"raised {type(e).__name__}: {e} on the default "
                             f"{p.default!r}", "a check returns None for a valid value and a message otherwise; "
                             "it never raises") from None
        if problem:
            raise _Malformed(f"params[{k}] ({p.name})", f"the default {p.default!r} fails its own check: {problem}",
                             "make the default a valid value")
    params = {p.name: p.default for p in s.params}
    _check_signature("fn (the forward)" if s.kind != "loss" else "fn (the terms)", s.fn, s, 0, params)
    for k, c in enumerate(s.conditions):
        if not isinstance(c, Condition):
            raise _Malformed(f"conditions[{k}]", f"{c!r} is not a Condition", "see spec.conditions for ready ones")
        for part in ("holds", "outside"):
            if not callable(getattr(c, part)):
                raise _Malformed(f"conditions[{k}] ({c.name}).{part}", f"{getattr(c, part)!r} is not callable",
                                 "holds(point, params) -> bool; outside(point, params) -> a point or None")
    for k, kink in enumerate(s.kinks):
        if not isinstance(kink, Kink):
            raise _Malformed(f"kinks[{k}]", f"{kink!r} is not a Kink",
                             "write Kink(description, convention, points); spec.kinks builds points")
        if not callable(kink.points):
            raise _Malformed(f"kinks[{k}] ({kink.description}).points", f"{kink.points!r} is not callable",
                             "points(point, params) returns points on and beside the kink (spec.kinks)")
    conditions = {c.name for c in s.conditions}
    for k, d in enumerate(s.derivatives):
        if not isinstance(d, Derivative):
            raise _Malformed(f"derivatives[{k}]", f"{d!r} is not a Derivative", "write Derivative('predicted', grad_fn)")
        if d.wrt not in s.input_names:
            raise _Malformed(f"derivatives[{k}].wrt", f"{d.wrt!r} is not an input",
                             f"the inputs are: {', '.join(s.input_names)}")
        if not isinstance(d.expected_refutation, str):
            raise _Malformed(f"derivatives[{k}].expected_refutation", f"{d.expected_refutation!r} is not a string",
                             "give the reason the formula is expected to be refuted, or leave it out")
        if d.shape is not None and not (isinstance(d.shape, tuple) and 1 <= len(d.shape) <= 6 and all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 1024 for n in d.shape)):
            raise _Malformed(f"derivatives[{k}].shape", f"{d.shape!r} is not a shape",
                             "give a tuple of 1 to 6 sizes from 1 to 1024, e.g. shape=(3, 2), or leave it out")
        kind = declared_kind(s, d)
        if not fits(s, kind):
            raise _Malformed(f"derivatives[{k}].kind", f"{kind!r} does not apply to a {s.kind}",
                             "a loss has grad, jvp, hessian, hvp; an activation or op vjp, jvp, hessian, hvp")
        missing = [c for c in d.conditions if c not in conditions]
        if missing:
            raise _Malformed(f"derivatives[{k}].conditions", f"{', '.join(map(repr, missing))} is not a condition "
                             "of this spec", f"its conditions are: {', '.join(sorted(conditions)) or '(none)'}",
                             "declare it in conditions=[...] (see spec.conditions)")
        _check_signature(f"derivatives[{k}] ({kind}[{d.wrt}])", d.fn, s, len(_extras(s, kind)), params)
    for k, f in enumerate(s.forms):
        if not isinstance(f, Form):
            raise _Malformed(f"forms[{k}]", f"{f!r} is not a Form", "write Form(name, fn, stable, description)")
        _check_signature(f"forms[{k}] ({f.name})", f.fn, s, 0, params)
    for k, v in enumerate(s.variants):
        unknown = sorted(set(v) - set(params)) if isinstance(v, dict) else ["(not a dict)"]
        if unknown:
            raise _Malformed(f"variants[{k}]", f"sets {', '.join(unknown)}, not a parameter",
                             f"the parameters are: {', '.join(params) or '(none)'}")
        for name, value in v.items():
            try:
                problem = next(p for p in s.params if p.name == name).check(value)
            except Exception as e:
                problem = f"the check of {name} raised {type(e).__name__}: {e} on {value!r}"
            if problem:
                raise _Malformed(f"variants[{k}]", problem, "give each varied parameter a valid value")
    shapes = _shapes(s)
    _evaluate(s, shapes, params)


_extras = extra_arguments          # the arrays a derivative of a kind takes after the inputs (spec.kinds)


def _check_signature(field, fn, s, extras: int, params: dict) -> None:
    if not callable(fn):
        raise _Malformed(field, f"{fn!r} is not callable", "give a function f(*inputs, *, xp, **params)")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    ps = list(sig.parameters.values())
    positional = [p for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in ps):
        pass
    elif len(positional) != len(s.inputs) + extras:
        want = list(s.input_names) + list(("cotangent/tangent",) * extras if extras else ())
        undeclared = [p.name for p in positional[len(s.inputs) + extras:]]
        raise _Malformed(field, f"takes {len(positional)} arrays ({', '.join(p.name for p in positional)}), "
                         f"the spec declares {len(s.inputs) + extras} ({', '.join(want)})",
                         (f"declare {', '.join(undeclared)} as Input(...) in inputs=[...], or make it a Param"
                          if undeclared else "take one positional argument per declared input, in order"),
                         "formulas are f(*inputs, [cotangent/tangent,] *, xp, **params)")
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in ps)
    if not takes_kwargs and "xp" not in sig.parameters:
        raise _Malformed(field, "takes no keyword xp", "write it as f(..., *, xp): every formula gets the array namespace")
    allowed = {"xp"} | set(params)
    unknown = [p.name for p in ps if p.kind is p.KEYWORD_ONLY and p.name not in allowed and p.default is p.empty]
    if unknown:
        raise _Malformed(field, f"needs the keyword {', '.join(unknown)}, which is not a declared parameter",
                         f"the parameters are: {', '.join(params) or '(none)'} (and xp)",
                         "declare it as Param(name, default, check) in params=[...]")


def _shapes(s) -> dict:
    shape = s.default_shape
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        raise _Malformed("default_shape", f"{shape!r} is not a tuple of positive integers", "e.g. default_shape=(2, 3)")
    try:
        shapes = s.shapes(shape)
    except Exception as e:
        raise _Malformed("input_shapes", f"raised {type(e).__name__}: {e} at {shape}",
                         "input_shapes(shape) returns {input name: its shape}") from None
    if not isinstance(shapes, dict) or set(shapes) != set(s.input_names):
        raise _Malformed("input_shapes", f"gave {shapes!r}, not one shape per input ({', '.join(s.input_names)})",
                         "input_shapes(shape) returns {input name: its shape}")
    for i in s.inputs:
        sh = tuple(shapes[i.name])
        if i.domain.row_wise and len(sh) == 0:
            raise _Malformed(f"inputs ({i.name}).domain", f"{i.domain.name} constrains last-axis rows, but the input "
                             "is a scalar at the default shape", "give the spec a default_shape with a last axis, "
                             "e.g. (2, 3), or choose an entrywise domain")
    return shapes


def _evaluate(s, shapes: dict, params: dict) -> None:
    """The forward and every derivative at one float64 sample: types and shapes."""
    from .entry import call
    from .xp import NUMPY
    rng = random.Random(0)
    args = []
    for i in s.inputs:
        sample = i.domain.ordinary(tuple(shapes[i.name]), rng)
        if np.shape(sample) != tuple(shapes[i.name]) or not i.domain.contains(sample):
            raise _Malformed(f"inputs ({i.name}).domain", f"{i.domain.name} cannot fill the shape {shapes[i.name]}",
                             "choose a domain that fits the input's shape, or another default_shape")
        args.append(np.asarray(sample, dtype=float))
    with np.errstate(all="ignore"):
        if s.kind == "loss":
            try:
                terms = call(s.fn, args, NUMPY, {k: v for k, v in params.items() if k != "reduction"})
            except Exception:
                terms = np.zeros(())         # the forward below reports it
            if not isinstance(terms, (np.ndarray, np.generic, int, float)) or isinstance(terms, bool):
                raise _Malformed("fn (the terms)", f"returned {type(terms).__name__} {_describe(terms)}, not an array",
                                 "the terms are one array of numbers (per entry, per row, or a scalar) that the "
                                 "reduction turns into the loss")
        try:
            value = s.forward(*args, xp=NUMPY, **params)
        except Exception as e:
            raise _Malformed("fn (the forward)", f"raised {type(e).__name__}: {e} at a sample of the default shape "
                             f"{s.default_shape}", "the forward uses only its inputs, xp and declared parameters; "
                             "run it on NumPy arrays to see why") from None
        number = _is_numeric(value)
        if s.kind == "loss" and (not number or np.ndim(value) != 0):
            raise _Malformed("fn (the terms)", f"the loss is {_describe(value)}, not a real number",
                             "the terms are an array of numbers (reduced by the reduction) made from the declared "
                             "inputs only; a SymPy symbol that is not an input, or a tuple/None, does this")
        if s.kind != "loss" and not number:
            raise _Malformed("fn (the forward)", f"the output is {_describe(value)}, not an array of numbers",
                             "use only the declared inputs (a SymPy symbol that is not an input does this)")
        out_shape = np.shape(value)
        for k, f in enumerate(s.forms):
            try:
                other = call(f.fn, args, NUMPY, params)
            except Exception:
                continue                     # values are the checks' business
            if not _is_numeric(other) or np.shape(other) != out_shape:
                raise _Malformed(f"forms[{k}] ({f.name})", f"gave {_describe(other)} of shape {np.shape(other)}, "
                                 f"the forward's shape is {out_shape}",
                                 "a form is another way to write the whole forward"
                                 + (" (reduce its terms: spec.reduction.reduce(terms, reduction, xp=xp))"
                                    if s.kind == "loss" else ""))
        for k, d in enumerate(s.derivatives):
            kind = declared_kind(s, d)
            wrt_shape = tuple(shapes[d.wrt])
            extra = {"cotangent": np.ones(out_shape), "tangent": np.ones(wrt_shape)}
            try:
                got = call(d.fn, args + [extra[e] for e in _extras(s, kind)], NUMPY, params)
            except Exception:
                continue                     # values are the checks' business
            want = {"jvp": () if s.kind == "loss" else out_shape, "hessian": wrt_shape * 2}.get(kind, wrt_shape)
            if np.shape(got) != want:
                raise _Malformed(f"derivatives[{k}] ({kind}[{d.wrt}])",
                                 f"returned shape {np.shape(got)}, expected {want}"
                                 f" at the default shape {s.default_shape}",
                                 {"hessian": "a Hessian is shaped input × input (xp.eye_like helps)",
                                  "jvp": "a JVP is shaped like the output (a scalar for a loss)"}.get(
                                      kind, f"a {kind} is shaped like the input it differentiates ({d.wrt})"),
                                 "hint: keep the input's shape (keepdims=True in reductions; broadcast scalars)")


def _is_numeric(value) -> bool:
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    if arr.dtype == object:
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            return False
    return arr.dtype.kind in "biuf"


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
