"""Printers of a gradient's closed form as vectorised code: one class per target, its function tables.

    code = NumpyPrinter(names, ref="logits").doprint(expr)

``GradientPrinter`` is a SymPy printer (``sympy.printing.printer.Printer``: ``_print_<Class>``
methods found along the expression's class hierarchy, as SymPy's own ``NumPyPrinter`` and
``JaxPrinter(NumPyPrinter)`` are built); it prints the generic entry x[k, l] as the whole array
``x``, a Sum over the last index as a kept-dims sum along ``axis=-1``, over the first along
``axis=-2``, over both as a full sum, and the sizes m, n as ``_m``, ``_n``.  A target subclass is
its tables: the namespace of elementwise functions, the formats of sums, log-sum-exp and the
stable sigmoid, the helpers those may call, and how constants print.  An expression with no
printing rule raises ``derive.sizes.Unsupported``.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.printer import Printer

from ..sizes import DIMS, Unsupported

#: SymPy functions (by class name) and the elementwise function of the xp protocol each prints as.
ELEMENTWISE = {"exp": "exp", "log": "log", "Abs": "abs", "sign": "sign", "tanh": "tanh", "cosh": "cosh",
               "sinh": "sinh", "_log1p": "log1p", "erf": "erf"}
_RELATIONS = {">", ">=", "<", "<=", "=="}


class GradientPrinter(Printer):
    """The printing rules every target shares; subclasses set the tables below."""

    printmethod = "_gradspec_code"
    name = ""
    imports = ""                # the module header
    ns = ""                     # the prefix of elementwise functions ("xp", "torch", "jnp")
    signature_tail = ""         # after the arguments: the xp keyword of the numpy target
    sum = ""                    # format of a kept-dims sum along one axis: {body}, {axis}
    sum_all = ""                # format of a sum of every entry: {body}
    logsumexp = ""              # format of a kept-dims log-sum-exp along one axis: {z}, {axis}
    sigmoid = ""                # format of a stable logistic sigmoid: {a}
    helpers: tuple = ()         # module-level helpers the formats may call (each included when used)
    functions: dict = {}        # elementwise functions the namespace spells otherwise: {name: format of {a}}
    fold_constants = True       # print constant subexpressions as one float; numpy keeps them exact,
                                # so that its code, run on gradspec's SymPy namespace, is the exact formula
    constant_branch = "{v}"     # a constant branch of a where, given the dtype of array {ref}: torch.where
                                # on two Python numbers makes a tensor of torch's default dtype (float32)
    rows = "{x}.size // {x}.shape[-1]"   # the rows m of an input {x} of any rank: every axis but the last
    exact_int = "{k}"           # an integer numerator over sizes: numpy's must stay exact (1 / _m of ints is a float)

    def __init__(self, names: dict, ref: str):
        super().__init__()
        self.names = names      # IndexedBase/Symbol -> argument name
        self.ref = ref          # an argument whose dtype constants take

    # constants first, then SymPy's dispatch ----------------------------------------------------
    def _print(self, expr, **kwargs) -> str:
        if isinstance(expr, sp.Basic) and expr.is_number and not expr.is_Integer:
            if expr.is_Float or self.fold_constants:
                return repr(float(expr.evalf(30)))     # log(999999) − 6·log(10): one constant, no float32 cancellation
            if not expr.is_Rational and not isinstance(expr, sp.log):
                combined = sp.logcombine(expr, force=True)      # log(10⁶) − log(999999) = log(10⁶/999999)
                if isinstance(combined, sp.log) and combined.args[0].is_Rational and abs(combined.args[0] - 1) < 1:
                    return f"{self.ns}.log1p({self._print(combined.args[0] - 1)})"   # … = log1p(1/999999)
        return super()._print(expr, **kwargs)

    def emptyPrinter(self, expr):
        raise Unsupported(f"no code for {type(expr).__name__}")

    def _print_Integer(self, e) -> str:
        return str(int(e)) if abs(e) < 2 ** 31 else repr(float(e))   # jax refuses int64 Python constants

    def _print_Rational(self, e) -> str:                    # exact on gradspec's namespaces, rounded once on numpy
        return f"(xp.asarray({e.p}) / {e.q})"

    def _print_Pi(self, e) -> str:
        return f"{self.ns}.pi"

    # arrays and sizes ------------------------------------------------------------------------
    def _print_Indexed(self, e) -> str:
        return self.names[e.base]

    def _print_Symbol(self, e) -> str:
        if e in self.names:
            return self.names[e]
        return {DIMS[0]: "_m", DIMS[1]: "_n"}.get(e, e.name)

    def axis_of(self, body, var) -> int:
        """The axis a Sum over ``var`` runs along: -2 the rows, -1 the last axis."""
        axes = {i for ind in body.atoms(sp.Indexed) for i, v in enumerate(ind.indices) if v == var}
        if len(axes) != 1:
            raise Unsupported(f"a sum over {var} that is not along one axis")
        return axes.pop() - 2

    def _print_Sum(self, e) -> str:
        axes = [self.axis_of(e.function, var) for var, _, _ in e.limits]
        if len(axes) == 1:
            return self.sum.format(body=self._print(e.function), axis=axes[0])
        return self.sum_all.format(body=self._print(e.function))

    # arithmetic ------------------------------------------------------------------------------
    def _print_Add(self, e) -> str:
        return "(" + " + ".join(self._print(a) for a in e.args) + ")"

    def _print_Mul(self, e) -> str:
        """exp factors print in the numerator as they are: 1/exp(a) would overflow where exp(−a) does not."""
        p = self._print
        exps = [f for f in e.args if isinstance(f, sp.exp)]
        num, den = sp.Mul(*[f for f in e.args if not isinstance(f, sp.exp)]).as_numer_denom()
        factors = [p(f) for f in [*(num.args if num.is_Mul else () if num == 1 else (num,)), *exps]] or ["1"]
        if len(factors) > 1 and factors[0] == "-1":
            top = "(-" + (factors[1] if len(factors) == 2 else "(" + " * ".join(factors[1:]) + ")") + ")"
        else:
            top = factors[0] if len(factors) == 1 else "(" + " * ".join(factors) + ")"
        if den != 1 and num.is_Integer and not exps:
            top = self.exact_int.format(k=top) if not top.startswith("(-") else f"(-{self.exact_int.format(k=-num)})"
        return top if den == 1 else f"({top} / {p(den)})"

    def _print_Pow(self, e) -> str:
        if e.exp.is_Integer and e.exp < 0:          # 1 / b**k, never b ** -k (an int power -1 is a float)
            inner = self._print(e.base) if e.exp == -1 else f"({self._print(e.base)} ** {self._print(-e.exp)})"
            return f"({self.exact_int.format(k=1)} / {inner})"
        return f"({self._print(e.base)} ** {self._print(e.exp)})"

    # functions -------------------------------------------------------------------------------
    def _print_Function(self, e) -> str:
        name = type(e).__name__
        if name == "_sigmoid":
            return self.sigmoid.format(a=self._print(e.args[0]))
        if name not in ELEMENTWISE:
            raise Unsupported(f"no code for {name}")
        if ELEMENTWISE[name] in self.functions:
            return self.functions[ELEMENTWISE[name]].format(a=self._print(e.args[0]))
        return f"{self.ns}.{ELEMENTWISE[name]}({self._print(e.args[0])})"

    # selection -------------------------------------------------------------------------------
    def branch(self, e) -> str:
        """A branch of a where: a constant in the dtype of ``ref`` (see ``constant_branch``)."""
        return self.constant_branch.format(v=self._print(e), ref=self.ref) if e.is_number else self._print(e)

    def _print_Piecewise(self, e) -> str:
        (val, cond), *rest = e.args
        other = (self._print(sp.Piecewise(*rest)) if rest and rest[0][1] is not sp.true
                 else self.branch(rest[0][0]) if rest else self.branch(sp.Integer(0)))
        return f"{self.ns}.where({self._print(cond)}, {self.branch(val)}, {other})"

    def _print_Relational(self, e) -> str:
        if e.rel_op not in _RELATIONS:
            raise Unsupported(f"no code for {type(e).__name__}")
        return f"({self._print(e.lhs)} {e.rel_op} {self._print(e.rhs)})"

    def _print_And(self, e) -> str:
        return "(" + " & ".join(self._print(a) for a in e.args) + ")"

    def _print_Or(self, e) -> str:
        return "(" + " | ".join(self._print(a) for a in e.args) + ")"


_NUMPY_HELPERS = ('''def _sigmoid(a, xp):
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


''', '''def _erf(a, xp):
    if hasattr(xp, "erf"):                  # gradspec's namespaces
        return xp.erf(a)
    import math
    a = numpy.asarray(a)
    out = numpy.vectorize(math.erf, otypes=[numpy.float64])(a)
    return out.astype(a.dtype) if a.dtype.kind == "f" else out


''', '''def _logsumexp(z, axis, xp):
    top = xp.max(z, axis=axis, keepdims=True)
    return top + xp.log(xp.sum(xp.exp(z - top), axis=axis, keepdims=True))


''')


class NumpyPrinter(GradientPrinter):
    """Code on the xp protocol (default numpy): the same source runs on gradspec's exact namespaces."""
    name = "numpy"
    imports = "import numpy\n\n\n"
    ns = "xp"
    signature_tail = ", *, xp=numpy"
    sum = "xp.sum({body}, axis={axis}, keepdims=True)"
    sum_all = "xp.sum({body}, axis=None, keepdims=True)"
    logsumexp = "_logsumexp({z}, {axis}, xp)"
    sigmoid = "_sigmoid({a}, xp)"
    helpers = _NUMPY_HELPERS
    functions = {"erf": "_erf({a}, xp)"}
    fold_constants = False
    exact_int = "xp.asarray({k})"


class TorchPrinter(GradientPrinter):
    """PyTorch tensors in, a tensor out."""
    name = "torch"
    imports = "import torch\n\n\n"
    ns = "torch"
    sum = "torch.sum({body}, dim={axis}, keepdim=True)"
    sum_all = "torch.sum({body})"
    logsumexp = "torch.logsumexp({z}, dim={axis}, keepdim=True)"
    sigmoid = "torch.sigmoid({a})"
    constant_branch = "torch.as_tensor({v}, dtype={ref}.dtype)"
    rows = "{x}.numel() // {x}.shape[-1]"


class JaxPrinter(GradientPrinter):
    """JAX arrays in, an array out."""
    name = "jax"
    imports = "import jax\nimport jax.numpy as jnp\n\n\n"
    ns = "jnp"
    sum = "jnp.sum({body}, axis={axis}, keepdims=True)"
    sum_all = "jnp.sum({body}, axis=None, keepdims=True)"
    logsumexp = "jax.nn.logsumexp({z}, axis={axis}, keepdims=True)"
    sigmoid = "jax.nn.sigmoid({a})"
    functions = {"erf": "jax.lax.erf({a})"}
    constant_branch = "jnp.asarray({v}, dtype={ref}.dtype)"


#: The printer of each code target.
PRINTERS = {p.name: p for p in (NumpyPrinter, TorchPrinter, JaxPrinter)}
