"""The ``xp`` protocol: the array namespace every formula in gradspec is written against.

A formula (a forward, a hand-written derivative, a stable form) is a plain function
``f(*inputs, xp, **params)``.  Inputs are NumPy arrays; ``+ - * / **``, ``.shape``, ``.size`` and
indexing behave as NumPy's.  ``xp`` offers:

    exp log log1p expm1 sqrt abs sign tanh cosh sinh erf    elementwise (erf: the error function)
    sum max min (axis=None, keepdims=False)                 reductions
    maximum minimum clip where ones_like zeros_like          selection
    asarray(a): a Python number or array as the namespace's own (exact on the SymPy and arb ones)
    eye_like(x): the identity on x's entries, shaped x.shape + x.shape (for Hessians)
    pi: the constant π in the namespace's own arithmetic (exact on SymPy, a ball on arb)
    xlogy(a, b) = a·log(b), and 0 where a == 0               (forwards only; not in NumPy itself)
    logaddexp(a, b) = log(exp(a) + exp(b)), without overflow on NumPy

Namespaces implementing it: ``numpy`` itself (float32/float64 behaviour; ``NUMPY`` below adds
xlogy), a SymPy namespace (``derive.xp_sympy``) for proofs, the exact-or-ball namespace
(``check.numeric.xp_arb``) for verification, audits, emitted-code checks and the cards' slices.  The
last two hold one scalar object per array
entry; ``ObjectNamespace`` and ``ExactArray`` are their shared machinery: on all of them a Python
number meeting an array is exact (a float is its decimal value) and ``==`` is a comparison of
the namespace's own (a SymPy relation, a decided bool).

Kink conventions of the object namespaces (they decide derivatives at ties):
    maximum(a, b) picks a when a >= b, minimum(a, b) picks a when a <= b (ties go to the first argument);
    max/min over an axis pick the first maximal (minimal) entry along it (the derivative at a tie
    goes to that one entry, as torch.max(x, dim) does; JAX, TF and torch.amax split it among ties);
    clip(x, lo, hi) passes x through at its bounds (as torch.clamp does); sign(0) = 0.
"""
from __future__ import annotations

import math
import types

import numpy as np

#: The protocol's names by group — the one list of them (the module docstring describes each; the
#: probe of user specs and the namespaces' own tests read this).
PROTOCOL = {
    "elementwise": ("exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "tanh", "cosh", "sinh", "erf"),
    "reductions": ("sum", "max", "min"),
    "selection": ("maximum", "minimum", "clip", "where", "ones_like", "zeros_like"),
    "construction": ("asarray", "eye_like", "pi", "xlogy", "logaddexp"),
}
PROTOCOL_NAMES = tuple(name for group in PROTOCOL.values() for name in group)


def _numpy_xlogy(a, b):
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, np.zeros_like(a * b), a * np.log(b))


def _numpy_erf(a):
    """erf on floats (math.erf: within an ulp or two of float64, not correctly rounded), in the input's float format."""
    a = np.asarray(a)
    out = np.vectorize(math.erf, otypes=[np.float64])(a)
    return out.astype(a.dtype) if a.dtype.kind == "f" else out


#: numpy, plus the functions the protocol has and NumPy lacks (xlogy, erf).
NUMPY = types.SimpleNamespace(**{n: getattr(np, n) for n in dir(np) if not n.startswith("_")})
NUMPY.xlogy = _numpy_xlogy
NUMPY.erf = _numpy_erf
NUMPY.eye_like = lambda a: np.eye(np.size(a)).reshape(np.shape(a) * 2)
NUMPY.name = "numpy"


def diag(d, *, xp):
    """The diagonal operator of an array d: D[i, j] = d[i] where i == j, else 0 (shape d.shape × 2)."""
    d = np.asarray(d, dtype=object) if xp is not NUMPY else np.asarray(d)
    return xp.eye_like(d) * d.reshape(d.shape + (1,) * d.ndim)


_ARITHMETIC = {"add", "subtract", "multiply", "true_divide", "divide", "power", "float_power", "negative",
               "positive", "absolute", "matmul", "square", "reciprocal"}
_LOGICAL = {"logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
            "invert"}
_COMPARISONS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=", "equal": "==",
                "not_equal": "!="}


_HANDLED = frozenset(_ARITHMETIC | _LOGICAL | set(_COMPARISONS))     # the ufuncs ExactArray takes


class ExactArray(np.ndarray):
    """An object array of one namespace's numbers, whose operators stay in that namespace.

    Every operand of an arithmetic operator or NumPy ufunc — a Python or NumPy number, a float
    array, a mask — first becomes the namespace's own number (``namespace.number``: exact on the
    SymPy and arb namespaces, so ``0.1 * x`` multiplies by 1/10 and ``np.float64(2) * x`` by 2);
    comparisons, ``==`` and ``!=`` included, go through ``namespace.relation`` (a SymPy relation, or a
    decided bool); results keep the array class, 0-d ones too.  Ufuncs other than arithmetic,
    comparisons and logic (``np.exp`` on such an array) are refused: formulas use ``xp``.
    Subclasses set ``namespace``.
    """

    namespace = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        ns = type(self).namespace
        if kwargs.get("out") is not None or name not in _HANDLED:
            return NotImplemented
        if name in _COMPARISONS and method == "__call__":
            op = _COMPARISONS[name]
            a, b = (ns._operand(x, logical=False) for x in inputs)
            with np.errstate(all="ignore"):        # a comparison with an exact nan: a value, not a warning
                return ns._relations(np.frompyfunc(lambda x, y: ns.relation(op, x, y), 2, 1)(a, b))
        logical = name in _LOGICAL
        plain = [ns._operand(x, logical=logical) for x in inputs]
        ns.observe(name, plain)
        with np.errstate(all="ignore"):            # IEEE flags of exact ±inf / nan: values, not warnings
            out = getattr(ufunc, method)(*plain, **kwargs)
        return ns._wrap(out) if isinstance(out, np.ndarray) or not isinstance(out, (bool, np.bool_)) else out

    def __bool__(self):
        if self.size == 1:
            return bool(self.reshape(-1)[0])
        return super().__bool__()


class ObjectNamespace:
    """Shared machinery of the namespaces whose arrays hold one scalar object per entry.

    Subclasses provide the scalar functions (``_exp``, ``_log``, …) and ``_add_all`` / ``_max_all``
    / ``_min_all`` for reductions, set ``array_class`` (an ``ExactArray`` subclass), and give
    ``number`` (a Python number made exact in their arithmetic) and ``relation`` (``a op b`` for
    op in < <= > >= == !=).  Every argument of every function goes through ``number`` first, so
    ``xp.where(c, 1, 0)``, ``xp.clip(d, -1, 1)`` and ``xp.ones_like(x)`` hold the namespace's own
    numbers, never Python ints that would make a later ``/ N`` a float division.  ``asarray``
    lets formula code write an exact constant as ``xp.asarray(1) / 3`` (a float on numpy).
    """

    name = "object"
    array_class = None
    elementwise = PROTOCOL["elementwise"]

    def _wrap(self, a):
        out = np.asarray(a, dtype=object)
        return out.view(self.array_class) if self.array_class is not None else out

    def number(self, value):
        return value

    def relation(self, op: str, a, b):
        raise NotImplementedError

    def observe(self, ufunc: str, operands) -> None:
        """Called with each arithmetic ufunc's name and operands (the SymPy namespace records
        denominators there); nothing by default."""

    def _relations(self, out):
        """The array of ``relation`` results (object, or bool where they are all bools)."""
        out = np.asarray(out, dtype=object)
        if all(isinstance(v, (bool, np.bool_)) for v in out.flat):
            return out.astype(bool)
        return self._wrap(out)

    def _scalar_operand(self, v, logical):
        if logical and isinstance(v, (bool, np.bool_)):
            return v
        return self.number(v)

    def _operand(self, a, *, logical=False):
        """An operand as a plain object array (or scalar) of this namespace's numbers."""
        if isinstance(a, np.ndarray):
            if a.dtype == object and isinstance(a, ExactArray):
                return np.asarray(a).view(np.ndarray)
            return np.frompyfunc(lambda v: self._scalar_operand(v, logical), 1, 1)(np.asarray(a, dtype=object))
        return self._scalar_operand(a, logical)

    def asarray(self, a):
        return self._wrap(np.frompyfunc(self.number, 1, 1)(np.asarray(a, dtype=object)))

    def _map(self, f, *args):
        out = np.frompyfunc(f, len(args), 1)(*[self._operand(a) for a in args])
        return self._wrap(out)

    def __getattr__(self, item):
        if item in self.elementwise:
            scalar = getattr(self, "_" + item)
            return lambda a: self._map(scalar, a)
        raise AttributeError(f"{item!r} is not in the xp protocol (the {self.name} namespace offers "
                             f"{' '.join(PROTOCOL_NAMES)}; see spec.xp)")

    # reductions -------------------------------------------------------------------------------
    def _reduce(self, combine, a, axis=None, keepdims=False):
        a = np.asarray(self._operand(a), dtype=object)
        if axis is None:
            value = combine(list(a.flat))
            out = np.empty((1,) * a.ndim if keepdims else (), dtype=object)
            out[...] = value
            return self._wrap(out)
        axis = axis % a.ndim
        moved = np.moveaxis(a, axis, -1)
        out = np.empty(moved.shape[:-1], dtype=object)
        for idx in np.ndindex(out.shape):
            out[idx] = combine(list(moved[idx]))
        if keepdims:
            out = np.expand_dims(out, axis)
        return self._wrap(out)

    def sum(self, a, axis=None, keepdims=False):
        return self._reduce(self._add_all, a, axis, keepdims)

    def max(self, a, axis=None, keepdims=False):
        return self._reduce(self._max_all, a, axis, keepdims)

    def min(self, a, axis=None, keepdims=False):
        return self._reduce(self._min_all, a, axis, keepdims)

    # selection --------------------------------------------------------------------------------
    def maximum(self, a, b):
        return self._map(self._maximum, a, b)

    def minimum(self, a, b):
        return self._map(self._minimum, a, b)

    def clip(self, x, lo, hi):
        if lo is None:
            return self.minimum(x, hi)
        if hi is None:
            return self.maximum(x, lo)
        return self._map(self._clip, x, lo, hi)

    def where(self, cond, a, b):
        c = np.asarray(cond, dtype=object) if not isinstance(cond, (bool, np.bool_)) else cond
        return self._wrap(np.frompyfunc(self._where, 3, 1)(c, self._operand(a), self._operand(b)))

    def xlogy(self, a, b):
        return self._map(self._xlogy, a, b)

    def logaddexp(self, a, b):
        return self._map(self._logaddexp, a, b)

    def ones_like(self, a):
        return self._wrap(np.full(np.shape(a), self.number(1), dtype=object))

    def zeros_like(self, a):
        return self._wrap(np.full(np.shape(a), self.number(0), dtype=object))

    def eye_like(self, a):
        n = int(np.prod(np.shape(a), dtype=int))
        out = np.full((n, n), self.number(0), dtype=object)
        for i in range(n):
            out[i, i] = self.number(1)
        return self._wrap(out.reshape(np.shape(a) * 2))
