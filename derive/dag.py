"""SymPy expressions walked as DAGs: each distinct subexpression once.

A derivative of a composed loss shares most of its subtrees (the softmax of a row appears in every
entry of a gradient); SymPy's own tree walks (``preorder_traversal``, ``xreplace``,
``free_symbols``) visit a shared subtree once per occurrence, which grows with the product of the
nesting depths.  These walks memoise on the subexpression (equal subexpressions are one node) and
give the same results as SymPy's:

    preorder(exprs)            the nodes of ``preorder_traversal`` of each expression in turn, each
                               distinct node at its first occurrence only (a node seen before is not
                               entered again: everything under it was yielded with it)
    xreplace(expr, rule)       ``expr.xreplace(rule)``: the same expression, rebuilt the same way
    atoms(expr, *types)        ``expr.atoms(*types)``
    HasSymbols()(expr)         ``bool(expr.free_symbols)`` for Basic trees whose leaves are atoms
    with sympy_memoised():     ``free_symbols`` and ``diff`` memoised inside the block (differentiating)
"""
from __future__ import annotations

import contextlib

import sympy as sp


def preorder(exprs, seen: set | None = None):
    """Distinct nodes of the expressions in ``exprs``, in preorder of their first occurrence; ``seen``
    (a set, updated) carries what was visited over several calls."""
    seen = set() if seen is None else seen
    for root in exprs:
        if not isinstance(root, sp.Basic):
            continue
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            yield node
            stack.extend(a for a in reversed(node.args) if a not in seen)


_DESCEND = object()                 # a node's value needs its arguments' (``_bottom_up``)


def _bottom_up(expr, memo: dict, early, combine):
    """``memo[expr]``, each distinct subexpression's value computed once, arguments first:
    ``early(node)`` is a node's value without its arguments (or _DESCEND), else
    ``combine(node, [the arguments' values])``."""
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not ready:
            value = early(node)
            if value is not _DESCEND:
                memo[node] = value
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        memo[node] = combine(node, [memo[a] for a in node.args])
    return memo[expr]


def postorder(exprs) -> list:
    """The distinct non-atomic nodes of the expressions in ``exprs``, each after its arguments
    (``_bottom_up``'s order: the same in every process, never hash order)."""
    out, memo = [], {}
    for root in exprs:
        if isinstance(root, sp.Basic):
            _bottom_up(root, memo, lambda node: _DESCEND if node.args else None, lambda node, _: out.append(node))
    return out


_BASIC_XREPLACE = sp.Basic._xreplace


def xreplace(expr, rule: dict, memo: dict | None = None):
    """``expr.xreplace(rule)`` with each distinct subexpression rebuilt once (``memo``: node →
    replacement, shared over calls with the same ``rule``)."""
    if not isinstance(expr, sp.Basic):
        return expr

    def early(node):
        if node in rule:
            return rule[node]
        if type(node)._xreplace is not _BASIC_XREPLACE:
            return node.xreplace(rule)                  # a class with a replacement rule of its own
        return node if not node.args else _DESCEND

    def combine(node, new):
        return node.func(*new) if any(n is not a for n, a in zip(new, node.args)) else node
    return _bottom_up(expr, {} if memo is None else memo, early, combine)


_BASIC_FREE = sp.Basic.free_symbols


class HasSymbols:
    """``bool(e.free_symbols)``, memoised over the calls of one instance."""

    def __init__(self):
        self._memo: dict = {}

    @staticmethod
    def _early(node):
        if isinstance(node, sp.Symbol):
            return True
        if not isinstance(node, sp.Basic) or not node.args or type(node).free_symbols is not _BASIC_FREE:
            return bool(getattr(node, "free_symbols", ()))      # an atom, or bound variables
        return _DESCEND

    def __call__(self, expr) -> bool:
        return _bottom_up(expr, self._memo, self._early, lambda node, values: any(values))


_memos: list = []                   # (free_symbols, diff, has-a-Derivative memos) of the open blocks (nested ones share)
_EXPR_DIFF = sp.Expr.diff
_ONE = sp.Integer(1)


def _memoised_free_symbols(self):
    if not _memos:                      # left installed by an interrupted exit: SymPy's own
        return _BASIC_FREE.fget(self)
    memo = _memos[-1][0]
    found = memo.get(self)
    if found is None:
        found = frozenset().union(*(a.free_symbols for a in self.args))
        memo[self] = found
    return set(found)                   # a fresh set, as SymPy's: callers may change it


def _has_derivative(expr, memo: dict) -> bool:
    """Whether an unevaluated ``Derivative`` is a node of ``expr`` (each distinct node looked at once)."""
    def early(node):
        if isinstance(node, sp.Derivative):
            return True
        return False if not getattr(node, "args", None) else _DESCEND
    return _bottom_up(expr, memo, early, lambda node, values: any(values))


def _diff_by_one_symbol(expr, v, has_derivative: dict):
    """``Expr.diff(expr, v)`` for one Symbol ``v`` — the same steps as SymPy's ``Derivative.__new__``
    (zero when ``v`` is not free; the expression's ``_eval_derivative_n_times(v, 1)``; that result if
    it is zero; else it with each unevaluated Derivative made canonical) — except that the last step's
    walk over the whole result (``replace``), done by SymPy at every nested step of the chain rule,
    and the zero test before it (an assumptions query) are skipped where no Derivative is in the
    result (memoised per node): either would return the result itself.  None where SymPy's own path is needed (an unevaluated Derivative, no
    ``_eval_derivative``, the derivative left unevaluated)."""
    if isinstance(expr, sp.Derivative) or not hasattr(expr, "_eval_derivative"):
        return None
    if v not in expr.free_symbols:
        return sp.S.Zero
    obj = expr._eval_derivative_n_times(v, _ONE)
    if obj is None:
        return None
    if not _has_derivative(obj, has_derivative) or obj.is_zero:     # SymPy's zero test only decides
        return obj                                                   # whether to walk: the same obj
    return obj.replace(lambda x: isinstance(x, sp.Derivative), lambda x: x.canonical)


def _one_symbol(symbols):
    """(v, k) when ``diff``'s arguments ask for the k-th derivative, k = 0 or 1, by one Symbol v —
    ``(v,)``, or ``((v, k),)`` as SymPy's product rule asks it — else None."""
    if len(symbols) != 1:
        return None
    v = symbols[0]
    if isinstance(v, sp.Symbol):
        return v, 1
    if (type(v) is tuple and len(v) == 2 and isinstance(v[0], sp.Symbol) and type(v[1]) is int
            and v[1] in (0, 1)):
        return v
    return None


def _memoised_diff(self, *symbols, **assumptions):
    if not _memos:
        return _EXPR_DIFF(self, *symbols, **assumptions)
    try:
        key = (self, symbols, frozenset(assumptions.items()))
        found = _memos[-1][1].get(key)
    except TypeError:                   # an unhashable argument: not memoised
        return _EXPR_DIFF(self, *symbols, **assumptions)
    if found is None:
        one = _one_symbol(symbols) if not assumptions else None
        if one is not None:
            found = self if one[1] == 0 else _diff_by_one_symbol(self, one[0], _memos[-1][2])
        if found is None:
            found = _EXPR_DIFF(self, *symbols, **assumptions)
        _memos[-1][1][key] = found
    return found


@contextlib.contextmanager
def sympy_memoised():
    """Within the block, two pure functions of SymPy's immutable expressions are memoised per
    distinct subexpression: ``Basic.free_symbols`` (the union over the arguments; classes with bound
    variables keep their own) and ``Expr.diff``.  SymPy's ``diff`` differentiates a shared subtree
    once per occurrence, asks ``free_symbols`` of every subexpression and walks every intermediate
    result looking for unevaluated Derivatives at every nested step (quadratic in the depth of a
    composed loss); memoised (``_diff_by_one_symbol``), each is done once — the results are the same
    objects SymPy would compute, only the time changes.  Nested blocks share the outermost
    memo; SymPy's own methods are restored when the outermost block ends."""
    if _memos:
        _memos.append(_memos[-1])
    else:
        _memos.append(({}, {}, {}))
        sp.Basic.free_symbols = property(_memoised_free_symbols)
        sp.Expr.diff = _memoised_diff
    try:
        yield
    finally:
        # an alarm (a soft time budget) may interrupt this block anywhere: SymPy's methods are put
        # back before the memo is dropped, and the memoised ones answer as SymPy's without a memo,
        # so no interruption leaves a wrong or failing method behind (a memo left over holds only
        # true answers)
        if len(_memos) == 1:
            sp.Basic.free_symbols = _BASIC_FREE
            sp.Expr.diff = _EXPR_DIFF
        _memos.pop()


def atoms(expr, *types) -> set:
    """``expr.atoms(*types)`` (the subexpressions that are instances of ``types``), each distinct
    subexpression visited once."""
    return {n for n in preorder([expr]) if isinstance(n, types)}
