"""Emitted gradient code: the every-size closed form of a gradient as a vectorised function.

    source = emit("cross_entropy_logits", "logits", target="numpy")   # Python source
    emit(..., target="latex")                                          # the generic entry, LaTeX

The closed form is derive.sizes' every-size entry of the gradient (of ⟨cotangent, f⟩ for an
activation or op).  Before printing, the named stable rewrites of ``derive.emit.rewrites`` are
applied (log-sum-exp of a row, exp through the sigmoid, 1 − tanh² as 1/cosh², log1p); then the
target's printer (``derive.emit.printers``: one SymPy printer class per target, its function
tables) writes the function.  The numpy target is written against the ``xp`` protocol (default
numpy), so gradspec checks its code like any hand-written formula, exactly and in float64; the
torch and jax targets call their framework directly (tensors in, a tensor out).  m (the rows:
every axis but the last) and n are read from the first input's shape.
"""
from __future__ import annotations

import sympy as sp

from spec.errors import GradspecError, lines

from ..sizes import IArray, Unsupported, every_size_derivative
from ..symbols import exact
from .printers import PRINTERS
from .rewrites import stable

#: Specs whose emitted code is known not to be float-stable (no rewrite rule covers them yet): the
#: emitted-code checks of these entries are expected to be refuted, with this reason (check.checks.catalog).
LIMITATIONS = {
    "focal": ("the emitter has no stable rewrite for the focal gradient: SymPy's every-size closed form "
              "expands into ~50 ratios of exp(k·z) terms, so the emitted code overflows to inf/NaN at "
              "|z| = 1e4 (exp beyond the float range) although the gradient there is finite; the spec's "
              "derivatives themselves are proved"),
    "mish": ("the emitter has no stable rewrite for tanh(log(1 + exp(x))): the emitted code evaluates exp(x), "
             "which overflows to inf at x = 1e4 (NaN after inf/inf) although the VJP there is v; the spec's VJP "
             "itself is proved"),
    "triplet_margin": ("the emitted code divides (x − y + eps) by the distance, 0/0 where a row's distance is 0 "
                       "(at 1×1 the derivative there is defined: |d|' = sign(0) = 0); the spec's gradients are "
                       "proved"),
    "selu": ("the printer has no rule for rationals with 31-digit numerators (SELU's exact decimal constants): "
             "it prints λα as a ratio of two floats near 5e61, which overflows in float32, and numpy's code "
             "carries them as floats, not exactly; the spec's VJP itself is proved"),
}

#: The targets a LIMITATIONS entry concerns, where not all of them: the exact numpy check alone
#: meets triplet_margin's zero distance (the float checks' points never put a row at distance 0).
LIMITED_TARGETS = {"triplet_margin": ("numpy",)}

class NoClosedForm(GradspecError):
    """The spec has no every-size closed form of this derivative, so there is no code to emit."""


#: What ``emit`` can write: source for each printer's framework, and LaTeX of the generic entry.
TARGETS = tuple(PRINTERS) + ("latex",)


def emit(s, wrt: str, *, target: str = "numpy", params: dict | None = None) -> str:
    """Source of ``def grad_<wrt>(*inputs[, cotangent])`` for ``target`` (or LaTeX of its generic entry)."""
    if target not in TARGETS:
        raise GradspecError(lines(f"gradspec: cannot emit {target!r}", f"targets: {', '.join(TARGETS)}"))
    resolved = s.resolve_params(params)
    try:
        expr, ins = every_size_derivative(s, wrt, {k: exact(v) for k, v in resolved.items()})
    except Unsupported as e:
        raise NoClosedForm(lines(f"gradspec: {s.name} has no every-size closed form to emit: {e}")) from None
    if target == "latex":
        return sp.latex(expr)
    expr, bindings = stable(expr)
    arg_names = list(s.input_names) + (["cotangent"] if s.kind != "loss" else [])
    names = {}
    for arr, name in zip(ins, arg_names):
        e = arr.expr if isinstance(arr, IArray) else arr
        names[e.base if isinstance(e, sp.Indexed) else e] = name
    printer = PRINTERS[target](names, arg_names[0])
    try:
        body = [f"    _m, _n = {printer.rows.format(x=arg_names[0])}, {arg_names[0]}.shape[-1]"]
        for L, S in bindings.items():
            inner = S.function.args[0]
            axis = printer.axis_of(inner, S.limits[0][0])
            body.append(f"    {L.name} = " + printer.logsumexp.format(z=printer.doprint(inner), axis=axis))
        code = printer.doprint(expr)
    except Unsupported as e:
        raise GradspecError(lines(f"gradspec: cannot emit {s.name}'s gradient w.r.t. {wrt}: {e}")) from None
    head = f"def grad_{wrt}({', '.join(arg_names)}{printer.signature_tail}):"
    fixed = ", ".join(f"{k}={v!r}" for k, v in resolved.items())
    doc = (f'    """∂{s.name}/∂{wrt}, emitted by gradspec from the spec for {printer.name}: every size, vectorised'
           + (f"; for {fixed}" if fixed else "") + '."""')
    ret = f"    return {code} + 0 * {wrt}"
    function = "\n".join([head, doc] + body + [ret]) + "\n"
    used = [h for h in printer.helpers if h[4:h.index("(")] + "(" in function]
    return printer.imports + "".join(used) + function


def compile_emitted(source: str):
    """The function an emitted source defines."""
    ns: dict = {}
    exec(compile(source, "<gradspec emitted>", "exec"), ns)
    return next(v for k, v in ns.items() if k.startswith("grad_"))
