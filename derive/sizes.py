"""Every size at once: an entry over symbolic dimensions (m×n), with indexed sums.

An input becomes one generic entry x[k, l] of an array of shape (m, n); a formula written with the
``xp`` protocol is evaluated lazily by ``INDEXED`` — ``IArray`` holds the expression of a generic
entry — so ``xp.sum(a, axis=-1)`` is Sum(a[k, c], (c, 0, n − 1)) and ``a.size`` is m·n.

The derivative of the forward w.r.t. the generic entry x[k, l] is SymPy's ``diff`` of the indexed
sums, which leaves KroneckerDeltas; ``collapse`` applies the rule, proved once:

    Sum(δ(a, k) · f(a), (a, 0, N − 1)) = f(k)        for 0 ≤ k ≤ N − 1 (k is a generic entry index)

and pulls every factor free of the summation variable out of its sum, so both sides of an
identity reach one canonical form (bound variables renamed by depth).  A hand-written
derivative evaluated the same way can then be proved equal to it for every m and n.

Public (what check/ and the cards use): ``every_size_forward``, ``every_size_derivative``,
``every_size_formula``, ``every_size_identities`` and the exceptions ``Unsupported`` and
``SizeDependent``; the rest is this module's machinery.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from spec.entry import accepted_params, call

from .xp_sympy import _as_number, exact_number

M, N = sp.symbols("m n", integer=True, positive=True)
ENTRY = sp.symbols("k l", integer=True, nonnegative=True)
DIMS = (M, N)


class Unsupported(Exception):
    """The formula uses something the indexed namespace cannot express for every size."""


class SizeDependent(Unsupported):
    """The formula compares, branches or loops on a size: no claim can hold for every size."""


class Size:
    """A symbolic size (m, n, m·n, …) as a formula sees it in ``x.shape`` and ``x.size``.

    Integer arithmetic is allowed (``x.size // x.shape[-1]``, ``m * n``) and stays symbolic, and an
    array divided by a size is exact (``x / x.shape[0]``).  A size divided by a number (``1 / x.size``,
    ``x.size ** -1``) is a Python float at every concrete size, so it is refused (``Unsupported``)
    rather than made exact here; a comparison, ``bool``, ``int`` or ``range`` would decide something
    about one size — Python would answer it structurally (m == 3 is False) — so it raises
    ``SizeDependent``."""

    __slots__ = ("expr",)

    def __init__(self, expr):
        self.expr = sp.sympify(expr)

    def _sympy_(self):
        return self.expr

    def _refuse(self, what):
        raise SizeDependent(f"the formula {what} a size ({self.expr}): code that depends on the size "
                            "cannot be proved for every size")

    def _arith(self, other, f, reverse=False):
        if isinstance(other, IArray):
            return NotImplemented
        o = other.expr if isinstance(other, Size) else exact_number(other)
        return Size(f(o, self.expr) if reverse else f(self.expr, o))

    def __add__(self, o): return self._arith(o, lambda a, b: a + b)
    def __radd__(self, o): return self._arith(o, lambda a, b: a + b, True)
    def __sub__(self, o): return self._arith(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._arith(o, lambda a, b: a - b, True)
    def __mul__(self, o): return self._arith(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._arith(o, lambda a, b: a * b, True)
    def __truediv__(self, o): self._inexact("/")
    def __rtruediv__(self, o): self._inexact("/")
    def __floordiv__(self, o): return self._arith(o, lambda a, b: sp.floor(a / b))
    def __rfloordiv__(self, o): return self._arith(o, lambda a, b: sp.floor(a / b), True)
    def __pow__(self, o):
        if not (isinstance(o, (int, np.integer)) and o >= 0):
            self._inexact("**")
        return self._arith(o, lambda a, b: a ** b)

    def __neg__(self): return Size(-self.expr)

    def _inexact(self, op):
        raise Unsupported(f"the formula computes with a size as a Python number ({self.expr} {op} …): at every "
                          "concrete size that is a float division, not an exact one; divide the array by the size "
                          "instead (x / x.size), or use spec.reduction.count")

    def __eq__(self, o): self._refuse("compares")
    def __ne__(self, o): self._refuse("compares")
    def __lt__(self, o): self._refuse("compares")
    def __le__(self, o): self._refuse("compares")
    def __gt__(self, o): self._refuse("compares")
    def __ge__(self, o): self._refuse("compares")
    def __bool__(self): self._refuse("branches on")
    def __int__(self): self._refuse("takes the integer value of")
    def __index__(self): self._refuse("loops or indexes with")
    def __float__(self): self._refuse("takes the float value of")
    __hash__ = None

    def __repr__(self):
        return f"Size({self.expr})"


def _expr(a, *, as_number=True):
    if isinstance(a, IArray):
        e = a.expr
    elif isinstance(a, Size):
        e = a.expr
    else:
        e = exact_number(a)
    return _as_number(e) if as_number else e


def _idx(a):
    return a.idx if isinstance(a, IArray) else ()


def _shape(a):
    return a.dims if isinstance(a, IArray) else ()


def _align(*arrays, as_number=True):
    """Broadcast (numpy rules, right-aligned); returns expressions, shape and index tuple."""
    nd = max(len(_shape(a)) for a in arrays)
    shape, idx = [1] * nd, [None] * nd
    for a in arrays:
        off = nd - len(_shape(a))
        for ax, (s, i) in enumerate(zip(_shape(a), _idx(a))):
            if s != 1:
                if shape[off + ax] not in (1, s):
                    raise Unsupported(f"shapes {shape} and {_shape(a)} do not broadcast")
                shape[off + ax] = s
            if i is not None:
                idx[off + ax] = idx[off + ax] or i
    exprs = []
    for a in arrays:
        e = _expr(a, as_number=as_number)
        off = nd - len(_shape(a))
        for ax, i in enumerate(_idx(a)):
            if i is not None and idx[off + ax] != i:
                e = e.xreplace({i: idx[off + ax]})
        exprs.append(e)
    return exprs, tuple(shape), tuple(idx)


_CMP = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


class IArray:
    """A generic entry ``expr`` of an array of (symbolic) shape ``dims``; ``idx[a]`` indexes axis a
    (None for a broadcast axis of length 1).  ``shape`` and ``size`` are ``Size`` values a formula
    may compute with but not compare; operators are exact and ``==`` is a relation (as
    derive.xp_sympy)."""
    __array_priority__ = 1000
    _op_priority = 1e9          # SymPy numbers defer to IArray's reflected operators
    __hash__ = None

    def __init__(self, expr, shape, idx):
        self.expr, self.dims, self.idx = sp.sympify(expr), tuple(shape), tuple(idx)

    @property
    def shape(self):
        return tuple(Size(d) for d in self.dims)

    @property
    def ndim(self):
        return len(self.dims)

    @property
    def size(self):
        return Size(sp.Mul(*self.dims) if self.dims else sp.Integer(1))

    def _op(self, other, f, reverse=False, as_number=True):
        (a, b), shape, idx = _align(self, other, as_number=as_number)
        return IArray(f(b, a) if reverse else f(a, b), shape, idx)

    def __add__(self, o): return self._op(o, lambda a, b: a + b)
    def __radd__(self, o): return self._op(o, lambda a, b: a + b, True)
    def __sub__(self, o): return self._op(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._op(o, lambda a, b: a - b, True)
    def __mul__(self, o): return self._op(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._op(o, lambda a, b: a * b, True)
    def __truediv__(self, o): return self._op(o, lambda a, b: a / b)
    def __rtruediv__(self, o): return self._op(o, lambda a, b: a / b, True)
    def __pow__(self, o): return self._op(o, lambda a, b: a ** b)
    def __rpow__(self, o): return self._op(o, lambda a, b: a ** b, True)
    def __neg__(self): return IArray(-_as_number(self.expr), self.dims, self.idx)
    def __abs__(self): return IArray(sp.Abs(_as_number(self.expr)), self.dims, self.idx)
    def __lt__(self, o): return self._op(o, _CMP["<"])
    def __le__(self, o): return self._op(o, _CMP["<="])
    def __gt__(self, o): return self._op(o, _CMP[">"])
    def __ge__(self, o): return self._op(o, _CMP[">="])
    def __eq__(self, o): return self._op(o, _CMP["=="])
    def __ne__(self, o): return self._op(o, _CMP["!="])
    def __and__(self, o): return self._op(o, sp.And, as_number=False)
    def __rand__(self, o): return self._op(o, sp.And, True, as_number=False)
    def __or__(self, o): return self._op(o, sp.Or, as_number=False)
    def __ror__(self, o): return self._op(o, sp.Or, True, as_number=False)
    def __invert__(self): return IArray(sp.Not(self.expr), self.dims, self.idx)

    def __bool__(self):
        raise Unsupported("the truth value of an array of every size")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"arrays of every size have no attribute {name!r}")


class IndexedNamespace:
    """The xp protocol over IArrays (no max/min over an axis: a max-shift has no closed form here)."""
    name = "indexed"
    pi = sp.pi
    _map1 = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
             "tanh": sp.tanh, "cosh": sp.cosh, "sinh": sp.sinh, "erf": sp.erf,
             "log1p": lambda e: sp.log(1 + e), "expm1": lambda e: sp.exp(e) - 1}

    def __getattr__(self, item):
        if item in self._map1:
            f = self._map1[item]
            return lambda a: IArray(f(_expr(a)), _shape(a), _idx(a))
        raise Unsupported(f"xp.{item} has no every-size form here")

    def _many(self, f, *args):
        exprs, shape, idx = _align(*args)
        return IArray(f(*exprs), shape, idx)

    def maximum(self, a, b):
        return self._many(lambda a, b: sp.Piecewise((a, sp.Ge(a, b)), (b, True)), a, b)

    def minimum(self, a, b):
        return self._many(lambda a, b: sp.Piecewise((a, sp.Le(a, b)), (b, True)), a, b)

    def clip(self, x, lo, hi):
        return self._many(lambda x, lo, hi: sp.Piecewise((lo, sp.Lt(x, lo)), (hi, sp.Gt(x, hi)), (x, True)), x, lo, hi)

    def where(self, c, a, b):
        (c, a, b), shape, idx = _align(c, a, b, as_number=False)
        if not (isinstance(c, sp.logic.boolalg.Boolean) and not isinstance(c, sp.Expr)):
            c = sp.Ne(c, 0)                           # a number used as a mask
        return IArray(sp.Piecewise((_as_number(a), c), (_as_number(b), True)), shape, idx)

    def xlogy(self, a, b):
        return self._many(lambda a, b: a * sp.log(b), a, b)

    def logaddexp(self, a, b):
        return self._many(lambda a, b: sp.log(sp.exp(a) + sp.exp(b)), a, b)

    def asarray(self, a):
        """A Python number, exactly (an array has no generic entry here)."""
        if isinstance(a, IArray):
            return a
        if isinstance(a, (int, float, np.integer, np.floating)) or isinstance(a, sp.Basic):
            return exact_number(a)
        raise Unsupported("xp.asarray of an array has no every-size form")

    def ones_like(self, a):
        return IArray(1, _shape(a), (None,) * len(_shape(a)))

    def zeros_like(self, a):
        return IArray(0, _shape(a), (None,) * len(_shape(a)))

    def sum(self, a, axis=None, keepdims=False):
        if not isinstance(a, IArray):
            raise Unsupported("sum of a scalar")
        axes = range(a.ndim) if axis is None else [axis % a.ndim]
        e, shape, idx = _as_number(a.expr), list(a.dims), list(a.idx)
        for ax in axes:
            if idx[ax] is not None:
                d = sp.Dummy("s", integer=True, nonnegative=True)
                e = sp.Sum(e.xreplace({idx[ax]: d}), (d, 0, shape[ax] - 1))
            elif shape[ax] != 1:
                e = e * shape[ax]
            shape[ax], idx[ax] = 1, None
        if not keepdims:
            keep = [ax for ax in range(a.ndim) if ax not in axes]
            shape, idx = [shape[ax] for ax in keep], [idx[ax] for ax in keep]
        return IArray(e, shape, idx)

    def max(self, *args, **kwargs):
        raise Unsupported("max over an axis")

    min = max

    def eye_like(self, a):
        raise Unsupported("eye_like")


INDEXED = IndexedNamespace()


def generic(base: str, ndim: int, assumptions: dict) -> IArray:
    """The generic entry base[k, l] of an m×n array (base[l] for a vector of length n)."""
    b = sp.IndexedBase(base, **assumptions)
    dims, idx = DIMS[-ndim:], ENTRY[-ndim:]
    return IArray(b[idx] if ndim else sp.Symbol(base, **assumptions), dims, idx)


def generic_inputs(s) -> list:
    """Each input of ``s`` as the generic entry of an m×n array; Unsupported when the entry gives its
    inputs shapes of their own (per-row labels, models): one generic m×n shape would misstate them."""
    if s.input_shapes is not None:
        raise Unsupported(f"the inputs of {s.name} have shapes of their own, not all m×n")
    return [generic(i.symbol, 2, i.domain.assumptions) for i in s.inputs]


# --- the collapse rule ----------------------------------------------------------------------------

def _delta_of(e, var):
    return next((d for d in sp.Mul.make_args(e) if isinstance(d, sp.KroneckerDelta) and var in d.args), None)


def _pull_delta(term, var):
    """δ·Piecewise((δ-free a, c), …) for a Piecewise whose every branch is δ(var, ·)·a or 0."""
    out = []
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.Piecewise):
            factor = sp.Piecewise(*[(sp.factor_terms(e), c) for e, c in factor.args])
            deltas = {_delta_of(e, var) for e, _ in factor.args if e != 0}
            if len(deltas) == 1 and None not in deltas:
                (d,) = deltas
                factor = d * sp.Piecewise(*[(e / d if e != 0 else e, c) for e, c in factor.args])
        out.append(factor)
    return sp.Mul(*out)


def _collapse_sum(f, var, lo, hi, ranges):
    out = []
    for term in sp.Add.make_args(sp.expand(f, power_exp=False, log=False)):
        term = _pull_delta(term, var)
        factors = sp.Mul.make_args(term)
        delta = next((d for d in factors if isinstance(d, sp.KroneckerDelta) and var in d.args), None)
        if delta is not None:
            other = delta.args[0] if delta.args[1] == var else delta.args[1]
            if ranges.get(other) == (lo, hi):
                out.append((term / delta).xreplace({var: other}))
                continue
        if var not in term.free_symbols:
            out.append(term * (hi - lo + 1))
            continue
        free = sp.Mul(*[a for a in factors if var not in a.free_symbols])
        bound = sp.Mul(*[a for a in factors if var in a.free_symbols])
        out.append(free * sp.Sum(bound, (var, lo, hi)))
    return sp.Add(*out)


def collapse(expr, ranges: dict):
    """Apply Sum(δ(a, k) f(a)) = f(k) for each generic index k in ``ranges`` (k ↦ (0, N−1)),
    split sums over their terms, and pull out factors free of the summation variable."""
    if isinstance(expr, sp.Sum):
        f = collapse(expr.function, ranges)          # inner sums first
        for var, lo, hi in expr.limits:              # then this one, innermost limit first
            f = _collapse_sum(f, var, lo, hi, ranges)
        return f
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    return expr.func(*[collapse(a, ranges) for a in expr.args])


def canonical(expr, depth=0):
    """Rename every Sum's bound variable by its nesting depth, so equal sums compare equal."""
    if isinstance(expr, sp.Sum):
        names = {var: sp.Symbol(f"_c{depth + k}", integer=True, nonnegative=True)
                 for k, (var, _, _) in enumerate(expr.limits)}
        body = canonical(expr.function.xreplace(names), depth + len(names))
        return sp.Sum(body, *[(names[v], lo, hi) for v, lo, hi in expr.limits])
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    return expr.func(*[canonical(a, depth) for a in expr.args])


RANGES = {ENTRY[0]: (0, DIMS[0] - 1), ENTRY[1]: (0, DIMS[1] - 1)}


def entry(value):
    """A formula's result as the expression of its generic entry, indices renamed to (k, l)."""
    if not isinstance(value, IArray):
        return sp.sympify(value)
    rename = {a: b for a, b in zip(value.idx, ENTRY[-len(value.idx):]) if a is not None and a != b}
    return value.expr.xreplace(rename)


# --- the public functions: what check/ and the cards use -------------------------------------------

def every_size_forward(s, params: dict):
    """The canonical generic entry of the forward for every size: of the terms before reduction (a
    loss) or of the output (an activation or op).  ``params`` are exact (SymPy) values.  Raises
    Unsupported where there is no every-size form."""
    ins = generic_inputs(s)
    if s.kind == "loss":
        rest = {k: v for k, v in params.items() if k != "reduction"}
        return canonical(entry(_evaluated(lambda: call(s.fn, ins, INDEXED, rest))))
    return canonical(entry(_evaluated(lambda: s.forward(*ins, xp=INDEXED, **dict(params)))))


def _evaluated(forward):
    """The forward's value on generic entries; Unsupported when it does not run there (e.g. per-class
    weights that need a concrete number of classes)."""
    try:
        return forward()
    except Unsupported:
        raise
    except Exception as e:
        raise Unsupported(f"the forward did not evaluate on arrays of every size ({type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''})") from None


def every_size_derivative(s, wrt: str, params: dict):
    """The canonical every-size entry of ∂F/∂wrt (F the loss, or ⟨v, f⟩ for an activation or op),
    and the generic arguments a formula receives: the inputs, then the cotangent v if any.
    ``params`` are exact (SymPy) values.  Raises Unsupported where there is no every-size form.
    Computed once per (spec, wrt, params) in a process (the proofs, the emitter and the cards ask
    for the same one)."""
    frozen = tuple(sorted(params.items()))
    try:
        hash(frozen)
    except TypeError:                                   # an unhashable parameter value: not memoised
        return _every_size_derivative(s, wrt, params)
    expr, args = _memo_derivative(s, wrt, frozen)
    return expr, list(args)


@functools.lru_cache(maxsize=256)
def _memo_derivative(s, wrt: str, frozen: tuple):
    expr, args = _every_size_derivative(s, wrt, dict(frozen))
    return expr, tuple(args)


def _every_size_derivative(s, wrt: str, params: dict):
    ins = generic_inputs(s)
    out = _evaluated(lambda: s.forward(*ins, xp=INDEXED, **dict(params)))
    args = list(ins)
    if s.kind != "loss":
        shaped_out = isinstance(out, IArray) and bool(out.dims)
        v = generic("v", out.ndim, {"real": True}) if shaped_out else sp.Symbol("v", real=True)
        args.append(v)
        out = INDEXED.sum(out * v) if shaped_out else out * v
    x = ins[s.input_names.index(wrt)]
    return canonical(_all_indices_bound(collapse(sp.diff(entry(out), x.expr), RANGES))), args


def _all_indices_bound(expr, bound=frozenset()):
    """``expr`` itself, once every index of every entry in it is the generic entry's (k, l) or bound by
    an enclosing Sum; Unsupported otherwise — a summation index that escaped its sum (as SymPy's
    collapse of a branch inside a row sum has done) makes a closed form that is wrong, never one to use."""
    if isinstance(expr, sp.Sum):
        inner = bound | {v for v, _, _ in expr.limits}
        for _, lo, hi in expr.limits:
            _all_indices_bound(lo, bound), _all_indices_bound(hi, bound)
        _all_indices_bound(expr.function, inner)
        return expr
    if isinstance(expr, sp.Indexed):
        for i in expr.indices:
            loose = {v for v in sp.sympify(i).free_symbols if v not in bound and v not in ENTRY and v not in DIMS}
            if loose:
                raise Unsupported(f"an index ({', '.join(sorted(map(str, loose)))}) escaped its sum in the "
                                  "every-size derivative: no closed form for every size here")
        return expr
    for a in expr.args:
        _all_indices_bound(a, bound)
    return expr


def every_size_formula(fn, args: list, params: dict):
    """The canonical generic entry of a hand-written formula ``fn(*args, xp, **params)`` whose result
    must be an m×n array of numbers (a gradient or VJP of m×n inputs).  Raises SizeDependent when the
    formula decides something about a size, Unsupported with the reason otherwise (another shape,
    entries that are not numbers, code that does not run on indexed arrays)."""
    try:
        got = fn(*args, xp=INDEXED, **accepted_params(fn, params))
    except Unsupported:
        raise
    except Exception as e:                              # the formula may not run on indexed arrays
        raise Unsupported(f"the formula did not evaluate on arrays of every size ({type(e).__name__}: {e})") \
            from None
    if isinstance(got, IArray) and not isinstance(got.expr, sp.Expr):
        raise Unsupported("the formula's entries are not numbers")
    if not isinstance(got, IArray) or got.dims != DIMS or None in got.idx:
        shown = "a scalar" if not isinstance(got, IArray) else "shape (" + ", ".join(
            str(d) if i is not None else "1" for d, i in zip(got.dims, got.idx)) + ")"
        raise Unsupported(f"the formula returned {shown} for an m×n input (m, n)")
    return canonical(collapse(entry(got), RANGES))


def every_size_identities(conditions, s, args: list, params: dict) -> dict:
    """The conditions' every-size identities as substitutions {canonical entry: value}, for the generic
    arguments ``args`` of ``every_size_derivative`` (e.g. Σ_c t[k, c] ↦ 1 for targets on the simplex)."""
    subs = {}
    named = dict(zip(s.input_names, args))
    for c in conditions:
        if c.identities is not None:
            for arr, value in c.identities(named, params, INDEXED):
                subs[canonical(arr.expr if isinstance(arr, IArray) else sp.sympify(arr))] = value
    return subs
