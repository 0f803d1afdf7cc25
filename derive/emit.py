"""Emitted gradient code: the every-size closed form of a gradient as a vectorised function.

    source = emit("cross_entropy_logits", "logits", target="numpy")   # Python source
    emit(..., target="latex")                                          # the generic entry, LaTeX

The generic entry x[k, l] of derive.sizes becomes the whole array x; Sum over the last index
becomes ``xp.sum(..., axis=-1, keepdims=True)``, over the first ``axis=0``, over both a full
sum; m and n are read from the first input's shape.  The function is written against the ``xp``
protocol (default numpy), so gradspec checks it like any hand-written formula.  Before printing,
stable rewrites are applied where the math allows:
    Σ_c exp(x[k, c])        → exp(lse_k),  lse = max + log Σ exp(x − max)   (no overflow)
    exp(a) / (exp(a) + 1)   → σ(a) via exp(−|a|)                             (no overflow)
    log(1 + a)              → log1p(a),  exp(a) − 1 → expm1(a)
"""
from __future__ import annotations

import sympy as sp

from spec.errors import GradspecError, lines

from .sizes import DIMS, IArray, Unsupported, generic_gradient
from .symbols import exact

TARGETS = ("numpy", "latex")


def _stable(expr):
    """The stable rewrites of the module docstring; returns (expr, {lse symbol: the Sum it stands for})."""
    bindings, by_body = {}, {}
    for k, S in enumerate(sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)):
        if isinstance(S.function, sp.exp) and len(S.limits) == 1:
            L = sp.Symbol(f"_lse{k}", real=True)
            bindings[L] = S
            by_body[(S.function.args[0], S.limits[0])] = L
            expr = expr.xreplace({S: sp.exp(L)})
    for S in expr.atoms(sp.Sum):                     # Σ h·exp(g) = exp(L) Σ h·exp(g − L), L = lse of g
        if len(S.limits) == 1:
            for g in [e.args[0] for e in S.function.atoms(sp.exp)]:
                L = by_body.get((g, S.limits[0]))
                if L is not None:
                    shifted = sp.Sum(S.function.xreplace({sp.exp(g): sp.exp(g - L)}), S.limits[0])
                    expr = expr.xreplace({S: sp.exp(L) * shifted})
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    expr = expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda e: sp.Sum(sp.powsimp(sp.expand(e.function), combine="exp"), *e.limits))
    expr = _through_sigmoid(expr)
    a = sp.Wild("a")
    expr = expr.xreplace({e: sp.tanh(e.args[0]) * sp.cosh(e.args[0]) for e in expr.atoms(sp.sinh)})   # sinh/cosh → tanh
    if expr.has(sp.tanh):                                                                               # 1 − tanh² → 1/cosh²:
        expr = sp.factor_terms(expr).replace(1 - sp.tanh(a) ** 2, sp.cosh(a) ** -2)                    # no cancellation
    expr = expr.replace(lambda e: isinstance(e, sp.log) and e.args[0].is_Add and 1 in e.args[0].args,
                        lambda e: sp.Function("_log1p")(e.args[0] - 1))
    return expr, bindings


def _through_sigmoid(expr):
    """exp(±a) = (s/(1 − s))^±1 with s = σ(a): kept when the result's denominator is free of s
    (e.g. exp(a)/(1 + exp(a))² = s(1 − s)), so no exp of a large argument is left to overflow."""
    for e in sorted(expr.atoms(sp.exp), key=sp.default_sort_key):
        a = e.args[0]
        if not a.has(sp.Indexed) or a.has(sp.Sum) or any(str(x).startswith("_lse") for x in a.free_symbols):
            continue
        base = -a if a.could_extract_minus_sign() else a
        if not expr.has(sp.exp(base)) and not expr.has(sp.exp(-base)):
            continue                                   # already rewritten with a sibling atom
        S = sp.Dummy("s", positive=True)
        candidate = sp.factor(sp.cancel(expr.xreplace({sp.exp(base): S / (1 - S), sp.exp(-base): (1 - S) / S})))
        num, den = sp.fraction(candidate)
        if S in candidate.free_symbols and S not in den.free_symbols and not candidate.has(sp.exp(base), sp.exp(-base)):
            expr = candidate.xreplace({S: sp.Function("_sigmoid")(base)})
    return expr


class _Printer:
    def __init__(self, names: dict):
        self.names = names          # IndexedBase/Symbol -> argument name

    def axis_of(self, body, var):
        axes = {i for ind in body.atoms(sp.Indexed) for i, v in enumerate(ind.indices) if v == var}
        if len(axes) != 1:
            raise Unsupported(f"a sum over {var} that is not along one axis")
        return axes.pop() - 2       # -2 rows, -1 last axis

    def __call__(self, e) -> str:
        p = self
        if isinstance(e, sp.Indexed):
            return self.names[e.base]
        if e in self.names:
            return self.names[e]
        if e == DIMS[0]:
            return "_m"
        if e == DIMS[1]:
            return "_n"
        if e.is_Integer:
            return str(int(e))
        if e.is_Rational:
            return f"({e.p}/{e.q})"
        if e.is_Float:
            return repr(float(e))
        if isinstance(e, sp.Symbol):
            return e.name
        if isinstance(e, sp.Add):
            return "(" + " + ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = e.as_numer_denom()
            if den != 1:
                return f"({p(num)} / {p(den)})"
            return "(" + " * ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            return f"({p(e.base)} ** {p(e.exp)})"
        if isinstance(e, sp.Sum):
            body, axes = e.function, []
            for var, _, _ in e.limits:
                axes.append(self.axis_of(body, var))
            axis = axes[0] if len(axes) == 1 else None
            return f"xp.sum({p(body)}, axis={axis}, keepdims=True)"
        simple = {sp.exp: "xp.exp", sp.log: "xp.log", sp.Abs: "xp.abs", sp.sign: "xp.sign", sp.tanh: "xp.tanh",
                  sp.cosh: "xp.cosh", sp.sinh: "xp.sinh"}
        for f, name in simple.items():
            if isinstance(e, f):
                return f"{name}({p(e.args[0])})"
        if e.func.__name__ == "_log1p":
            return f"xp.log1p({p(e.args[0])})"
        if e.func.__name__ == "_sigmoid":
            a = p(e.args[0])
            return f"_sigmoid({a}, xp)"
        if isinstance(e, sp.Piecewise):
            (val, cond), *rest = e.args
            other = p(sp.Piecewise(*rest)) if rest and rest[0][1] is not sp.true else p(rest[0][0]) if rest else "0"
            return f"xp.where({p(cond)}, {p(val)}, {other})"
        rel = {sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<", sp.LessThan: "<=",
               sp.Equality: "=="}
        for f, op in rel.items():
            if isinstance(e, f):
                return f"({p(e.lhs)} {op} {p(e.rhs)})"
        if isinstance(e, sp.And):
            return "(" + " & ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Or):
            return "(" + " | ".join(p(a) for a in e.args) + ")"
        raise Unsupported(f"no code for {type(e).__name__}")


_SIGMOID = '''def _sigmoid(a, xp):
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))

'''


def emit(s, wrt: str, *, target: str = "numpy", params: dict | None = None) -> str:
    """Source of ``def grad_<wrt>(*inputs[, cotangent], xp=numpy)`` (or LaTeX of its entry)."""
    if target not in TARGETS:
        raise GradspecError(lines(f"gradspec: cannot emit {target!r} yet", f"targets: {', '.join(TARGETS)}"))
    resolved = s.resolve_params(params)
    try:
        expr, ins = generic_gradient(s, wrt, {k: exact(v) for k, v in resolved.items()})
    except Unsupported as e:
        raise GradspecError(lines(f"gradspec: {s.name} has no every-size closed form to emit: {e}")) from None
    if target == "latex":
        return sp.latex(expr)
    expr, bindings = _stable(expr)
    arg_names = list(s.input_names) + (["cotangent"] if s.kind != "loss" else [])
    names = {}
    for arr, name in zip(ins, arg_names):
        e = arr.expr if isinstance(arr, IArray) else arr
        names[e.base if isinstance(e, sp.Indexed) else e] = name
    printer = _Printer(names)
    try:
        body = [f"    _m, _n = {arg_names[0]}.shape[0], {arg_names[0]}.shape[-1]"]
        for L, S in bindings.items():
            inner = S.function.args[0]
            axis = printer.axis_of(inner, S.limits[0][0])
            z = printer(inner)
            body.append(f"    _z = {z}")
            body.append(f"    _top = xp.max(_z, axis={axis}, keepdims=True)")
            body.append(f"    {L.name} = _top + xp.log(xp.sum(xp.exp(_z - _top), axis={axis}, keepdims=True))")
        code = printer(expr)
    except Unsupported as e:
        raise GradspecError(lines(f"gradspec: cannot emit {s.name}'s gradient w.r.t. {wrt}: {e}")) from None
    head = f"def grad_{wrt}({', '.join(arg_names)}, *, xp=numpy):"
    fixed = ", ".join(f"{k}={v!r}" for k, v in resolved.items())
    doc = (f'    """∂{s.name}/∂{wrt}, emitted by gradspec from the spec: every size, vectorised'
           + (f"; for {fixed}" if fixed else "") + '."""')
    ret = f"    return {code} + 0 * {wrt}"
    return "import numpy\n\n\n" + (_SIGMOID if "_sigmoid(" in code else "") + "\n".join([head, doc] + body + [ret]) + "\n"


def compile_emitted(source: str):
    """The function an emitted source defines."""
    ns: dict = {}
    exec(compile(source, "<gradspec emitted>", "exec"), ns)
    return next(v for k, v in ns.items() if k.startswith("grad_"))
