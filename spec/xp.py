"""The ``xp`` protocol: the array namespace every formula in gradspec is written against.

A formula (a forward, a hand-written derivative, a stable form) is a plain function
``f(*inputs, xp, **params)``.  Inputs are NumPy arrays; ``+ - * / **``, ``.shape``, ``.size`` and
indexing behave as NumPy's.  ``xp`` offers:

    exp log log1p expm1 sqrt abs sign tanh cosh sinh        elementwise
    sum max min (axis=None, keepdims=False)                 reductions
    maximum minimum clip where ones_like zeros_like          selection
    asarray(a): a Python number or array as the namespace's own (exact on the SymPy and mpmath ones)
    eye_like(x): the identity on x's entries, shaped x.shape + x.shape (for Hessians)
    pi: the constant π in the namespace's own arithmetic (exact on SymPy, a ball on arb)
    xlogy(a, b) = a·log(b), and 0 where a == 0               (forwards only; not in NumPy itself)

Three namespaces implement it: ``numpy`` itself (float32/float64 behaviour; ``NUMPY`` below adds
xlogy), a SymPy namespace (``derive.xp_sympy``) for proofs, and an mpmath namespace at an explicit
precision (``check.xp_mpmath``) for verification.  The last two hold one scalar object per array
entry; ``ObjectNamespace`` is their shared machinery.

Kink conventions of the object namespaces (they decide derivatives at ties):
    maximum(a, b) picks a when a >= b, minimum(a, b) picks a when a <= b (ties go to the first argument);
    clip(x, lo, hi) passes x through at its bounds (as torch.clamp does); sign(0) = 0.
"""
from __future__ import annotations

import types

import numpy as np


def _numpy_xlogy(a, b):
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, np.zeros_like(a * b), a * np.log(b))


#: numpy, plus the one function the forwards use that NumPy lacks.
NUMPY = types.SimpleNamespace(**{n: getattr(np, n) for n in dir(np) if not n.startswith("_")})
NUMPY.xlogy = _numpy_xlogy
NUMPY.eye_like = lambda a: np.eye(np.size(a)).reshape(np.shape(a) * 2)
NUMPY.name = "numpy"


def diag(d, *, xp):
    """The diagonal operator of an array d: D[i, j] = d[i] where i == j, else 0 (shape d.shape × 2)."""
    d = np.asarray(d, dtype=object) if xp is not NUMPY else np.asarray(d)
    return xp.eye_like(d) * d.reshape(d.shape + (1,) * d.ndim)


class ObjectNamespace:
    """Shared machinery of the namespaces whose arrays hold one scalar object per entry.

    Subclasses provide the scalar functions (``_exp``, ``_log``, …) and ``_add_all`` / ``_max_all``
    / ``_min_all`` for reductions, may override ``_wrap`` to choose the array class, and ``number``
    to make a Python number exact in their arithmetic.  ``asarray`` does both, so that formula code
    can write an exact constant as ``xp.asarray(1) / 3`` (a float on numpy, 1/3 on these).
    """

    name = "object"
    elementwise = ("exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "tanh", "cosh", "sinh")

    def _wrap(self, a):
        return np.asarray(a, dtype=object)

    def number(self, value):
        return value

    def asarray(self, a):
        return self._wrap(np.frompyfunc(self.number, 1, 1)(np.asarray(a, dtype=object)))

    def _map(self, f, *args):
        out = np.frompyfunc(f, len(args), 1)(*args)
        return self._wrap(out)

    def __getattr__(self, item):
        if item in self.elementwise:
            scalar = getattr(self, "_" + item)
            return lambda a: self._map(scalar, a)
        raise AttributeError(f"the {self.name} xp namespace has no function {item!r}")

    # reductions -------------------------------------------------------------------------------
    def _reduce(self, combine, a, axis=None, keepdims=False):
        a = np.asarray(a, dtype=object)
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
        return self._map(self._clip, x, lo, hi)

    def where(self, cond, a, b):
        return self._map(self._where, cond, a, b)

    def xlogy(self, a, b):
        return self._map(self._xlogy, a, b)

    def ones_like(self, a):
        return self._wrap(np.full(np.shape(a), 1, dtype=object))

    def zeros_like(self, a):
        return self._wrap(np.full(np.shape(a), 0, dtype=object))

    def eye_like(self, a):
        n = int(np.prod(np.shape(a), dtype=int))
        out = np.full((n, n), 0, dtype=object)
        for i in range(n):
            out[i, i] = 1
        return self._wrap(out.reshape(np.shape(a) * 2))
