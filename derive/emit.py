"""Emitted gradient code: the every-size closed form of a gradient as a vectorised function.

    source = emit("cross_entropy_logits", "logits", target="numpy")   # Python source
    emit(..., target="latex")                                          # the generic entry, LaTeX

The generic entry x[k, l] of derive.sizes becomes the whole array x; Sum over the last index
becomes ``xp.sum(..., axis=-1, keepdims=True)``, over the first ``axis=0``, over both a full
sum; m (the rows: every axis but the last) and n are read from the first input's shape.  The function is written against the ``xp``
protocol (default numpy), so gradspec checks it like any hand-written formula.  Before printing,
stable rewrites are applied where the math allows:
    Σ_c exp(x[k, c])        → exp(lse_k),  lse = max + log Σ exp(x − max)   (no overflow)
    exp(a) / (exp(a) + 1)   → σ(a) via exp(−|a|)                             (no overflow)
    log(1 + a)              → log1p(a),  exp(a) − 1 → expm1(a)
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from spec.errors import GradspecError, lines

from .sizes import DIMS, IArray, Unsupported, every_size_derivative
from .symbols import exact

#: Specs whose emitted code is known not to be float-stable (no rewrite rule covers them yet): the
#: emitted-code checks of these entries are expected to be refuted, with this reason (check.checks.catalog).
LIMITATIONS = {
    "focal": ("the emitter has no stable rewrite for the focal gradient: SymPy's every-size closed form "
              "expands into ~50 ratios of exp(k·z) terms, so the emitted code overflows to inf/NaN at "
              "|z| = 1e4 (exp beyond the float range) although the gradient there is finite; the spec's "
              "derivatives themselves are proved"),
}


@dataclass(frozen=True)
class Target:
    """How one framework spells the primitives of an emitted gradient."""
    name: str
    imports: str                # the module header
    ns: str                     # the prefix of elementwise functions ("xp", "torch", "jnp")
    signature_tail: str         # after the arguments: the xp keyword of the numpy target
    sum: str                    # format of a kept-dims sum along one axis: {body}, {axis}
    sum_all: str                # format of a sum of every entry: {body}
    logsumexp: str              # format of a kept-dims log-sum-exp along one axis: {z}, {axis}
    sigmoid: str                # format of a stable logistic sigmoid: {a}
    helpers: tuple = ()         # module-level helpers the formats may call (each included when used)
    fold_constants: bool = True  # print constant subexpressions as one float; numpy keeps them exact,
                                 # so that its code, run on gradspec's SymPy namespace, is the exact formula
    constant_branch: str = "{v}"  # a constant branch of a where, given the dtype of array {ref}: torch.where
                                  # on two Python numbers makes a tensor of torch's default dtype (float32)
    rows: str = "{x}.size // {x}.shape[-1]"   # the rows m of an input {x} of any rank: every axis but the last
    exact_int: str = "{k}"      # an integer numerator over sizes: numpy's must stay exact (1 / _m of ints is a float)


_NUMPY_HELPERS = ('''def _sigmoid(a, xp):
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


''', '''def _logsumexp(z, axis, xp):
    top = xp.max(z, axis=axis, keepdims=True)
    return top + xp.log(xp.sum(xp.exp(z - top), axis=axis, keepdims=True))


''')

TARGET_SPECS = {
    "numpy": Target("numpy", "import numpy\n\n\n", "xp", ", *, xp=numpy",
                    "xp.sum({body}, axis={axis}, keepdims=True)", "xp.sum({body}, axis=None, keepdims=True)",
                    "_logsumexp({z}, {axis}, xp)", "_sigmoid({a}, xp)", _NUMPY_HELPERS, fold_constants=False,
                    exact_int="xp.asarray({k})"),
    "torch": Target("torch", "import torch\n\n\n", "torch", "",
                    "torch.sum({body}, dim={axis}, keepdim=True)", "torch.sum({body})",
                    "torch.logsumexp({z}, dim={axis}, keepdim=True)", "torch.sigmoid({a})",
                    constant_branch="torch.as_tensor({v}, dtype={ref}.dtype)", rows="{x}.numel() // {x}.shape[-1]"),
    "jax": Target("jax", "import jax\nimport jax.numpy as jnp\n\n\n", "jnp", "",
                  "jnp.sum({body}, axis={axis}, keepdims=True)", "jnp.sum({body}, axis=None, keepdims=True)",
                  "jax.nn.logsumexp({z}, axis={axis}, keepdims=True)", "jax.nn.sigmoid({a})",
                  constant_branch="jnp.asarray({v}, dtype={ref}.dtype)"),
}
#: What ``emit`` can write: source for the frameworks above, and LaTeX of the generic entry.
TARGETS = tuple(TARGET_SPECS) + ("latex",)


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
    def __init__(self, names: dict, target: Target, ref: str):
        self.names = names          # IndexedBase/Symbol -> argument name
        self.t = target
        self.ref = ref              # an argument whose dtype constants take

    def branch(self, e) -> str:
        """A branch of a where: a constant in the dtype of ``ref`` (see Target.constant_branch)."""
        return self.t.constant_branch.format(v=self(e), ref=self.ref) if e.is_number else self(e)

    def axis_of(self, body, var):
        axes = {i for ind in body.atoms(sp.Indexed) for i, v in enumerate(ind.indices) if v == var}
        if len(axes) != 1:
            raise Unsupported(f"a sum over {var} that is not along one axis")
        return axes.pop() - 2       # -2 rows, -1 last axis

    def _product(self, e) -> str:
        """exp factors print in the numerator as they are: 1/exp(a) would overflow where exp(−a) does not."""
        p = self
        exps = [f for f in e.args if isinstance(f, sp.exp)]
        num, den = sp.Mul(*[f for f in e.args if not isinstance(f, sp.exp)]).as_numer_denom()
        factors = [p(f) for f in [*(num.args if num.is_Mul else () if num == 1 else (num,)), *exps]] or ["1"]
        if len(factors) > 1 and factors[0] == "-1":
            top = "(-" + (factors[1] if len(factors) == 2 else "(" + " * ".join(factors[1:]) + ")") + ")"
        else:
            top = factors[0] if len(factors) == 1 else "(" + " * ".join(factors) + ")"
        if den != 1 and num.is_Integer and not exps:
            top = self.t.exact_int.format(k=top) if not top.startswith("(-") else f"(-{self.t.exact_int.format(k=-num)})"
        return top if den == 1 else f"({top} / {p(den)})"

    def __call__(self, e) -> str:
        p, ns = self, self.t.ns
        if isinstance(e, sp.Indexed):
            return self.names[e.base]
        if e in self.names:
            return self.names[e]
        if e == DIMS[0]:
            return "_m"
        if e == DIMS[1]:
            return "_n"
        if e.is_Integer:
            return str(int(e)) if abs(e) < 2 ** 31 else repr(float(e))   # jax refuses int64 Python constants
        if e.is_Float or (e.is_number and not e.is_Integer and self.t.fold_constants):
            return repr(float(e.evalf(30)))     # log(999999) − 6·log(10): one constant, not a float32 cancellation
        if e.is_Rational:                       # exact on gradspec's namespaces, rounded once on numpy
            return f"(xp.asarray({e.p}) / {e.q})"
        if e.is_number and not isinstance(e, sp.log):
            combined = sp.logcombine(e, force=True)          # log(10⁶) − log(999999) = log(10⁶/999999)
            if isinstance(combined, sp.log) and combined.args[0].is_Rational and abs(combined.args[0] - 1) < 1:
                return f"{ns}.log1p({p(combined.args[0] - 1)})"  # … = log1p(1/999999): no cancellation
        if e is sp.pi:
            return f"{ns}.pi"
        if isinstance(e, sp.Symbol):
            return e.name
        if isinstance(e, sp.Add):
            return "(" + " + ".join(p(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            return self._product(e)
        if isinstance(e, sp.Pow):
            if e.exp.is_Integer and e.exp < 0:          # 1 / b**k, never b ** -k (an int power -1 is a float)
                inner = p(e.base) if e.exp == -1 else f"({p(e.base)} ** {p(-e.exp)})"
                return f"({self.t.exact_int.format(k=1)} / {inner})"
            return f"({p(e.base)} ** {p(e.exp)})"
        if isinstance(e, sp.Sum):
            body, axes = e.function, []
            for var, _, _ in e.limits:
                axes.append(self.axis_of(body, var))
            if len(axes) == 1:
                return self.t.sum.format(body=p(body), axis=axes[0])
            return self.t.sum_all.format(body=p(body))
        simple = {sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sign: "sign", sp.tanh: "tanh",
                  sp.cosh: "cosh", sp.sinh: "sinh"}
        for f, name in simple.items():
            if isinstance(e, f):
                return f"{ns}.{name}({p(e.args[0])})"
        if e.func.__name__ == "_log1p":
            return f"{ns}.log1p({p(e.args[0])})"
        if e.func.__name__ == "_sigmoid":
            return self.t.sigmoid.format(a=p(e.args[0]))
        if isinstance(e, sp.Piecewise):
            (val, cond), *rest = e.args
            other = (p(sp.Piecewise(*rest)) if rest and rest[0][1] is not sp.true
                     else p.branch(rest[0][0]) if rest else p.branch(sp.Integer(0)))
            return f"{ns}.where({p(cond)}, {p.branch(val)}, {other})"
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


def emit(s, wrt: str, *, target: str = "numpy", params: dict | None = None) -> str:
    """Source of ``def grad_<wrt>(*inputs[, cotangent])`` for ``target`` (or LaTeX of its generic entry).

    The numpy target takes ``xp=numpy``, so the same source runs on gradspec's SymPy and mpmath
    namespaces; the torch and jax targets call their framework directly (tensors in, tensor out)."""
    if target not in TARGETS:
        raise GradspecError(lines(f"gradspec: cannot emit {target!r}", f"targets: {', '.join(TARGETS)}"))
    resolved = s.resolve_params(params)
    try:
        expr, ins = every_size_derivative(s, wrt, {k: exact(v) for k, v in resolved.items()})
    except Unsupported as e:
        raise GradspecError(lines(f"gradspec: {s.name} has no every-size closed form to emit: {e}")) from None
    if target == "latex":
        return sp.latex(expr)
    t = TARGET_SPECS[target]
    expr, bindings = _stable(expr)
    arg_names = list(s.input_names) + (["cotangent"] if s.kind != "loss" else [])
    names = {}
    for arr, name in zip(ins, arg_names):
        e = arr.expr if isinstance(arr, IArray) else arr
        names[e.base if isinstance(e, sp.Indexed) else e] = name
    printer = _Printer(names, t, arg_names[0])
    try:
        body = [f"    _m, _n = {t.rows.format(x=arg_names[0])}, {arg_names[0]}.shape[-1]"]
        for L, S in bindings.items():
            inner = S.function.args[0]
            axis = printer.axis_of(inner, S.limits[0][0])
            body.append(f"    {L.name} = " + t.logsumexp.format(z=printer(inner), axis=axis))
        code = printer(expr)
    except Unsupported as e:
        raise GradspecError(lines(f"gradspec: cannot emit {s.name}'s gradient w.r.t. {wrt}: {e}")) from None
    head = f"def grad_{wrt}({', '.join(arg_names)}{t.signature_tail}):"
    fixed = ", ".join(f"{k}={v!r}" for k, v in resolved.items())
    doc = (f'    """∂{s.name}/∂{wrt}, emitted by gradspec from the spec for {t.name}: every size, vectorised'
           + (f"; for {fixed}" if fixed else "") + '."""')
    ret = f"    return {code} + 0 * {wrt}"
    function = "\n".join([head, doc] + body + [ret]) + "\n"
    used = [h for h in t.helpers if h[4:h.index("(")] + "(" in function]
    return t.imports + "".join(used) + function


def compile_emitted(source: str):
    """The function an emitted source defines."""
    ns: dict = {}
    exec(compile(source, "<gradspec emitted>", "exec"), ns)
    return next(v for k, v in ns.items() if k.startswith("grad_"))
