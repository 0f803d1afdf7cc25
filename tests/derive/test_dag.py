"""derive.dag: the DAG walks give exactly SymPy's tree walks' results, and the memoised block leaves
SymPy as it found it."""
import random

import pytest
import sympy as sp

from derive import dag
from derive.gradient import gradient

x, y, z = sp.symbols("x y z", real=True)
LEAVES = [x, y, z, sp.Integer(2), sp.Rational(1, 3), sp.pi]


def _random_expr(rng, depth):
    if depth == 0:
        return rng.choice(LEAVES)
    a, b = _random_expr(rng, depth - 1), _random_expr(rng, depth - 1)
    pick = rng.randrange(9)
    if pick == 0:
        return a + b
    if pick == 1:
        return a * b
    if pick == 2:
        return sp.exp(a) / (1 + sp.exp(b))
    if pick == 3:
        return sp.Piecewise((a, x > b), (b, True))
    if pick == 4:
        return sp.Max(a, b, z)
    if pick == 5:
        return sp.Abs(a - b) + sp.sign(a)
    if pick == 6:
        return sp.log(1 + a ** 2) * b
    if pick == 7:
        return sp.sqrt(a ** 2 + 1) - b
    return (a + b) ** -1


def _tree_preorder(e):
    yield e
    for a in e.args:
        yield from _tree_preorder(a)


@pytest.mark.parametrize("seed", range(12))
def test_walks_equal_sympy_on_random_shared_expressions(seed):
    rng = random.Random(seed)
    e = _random_expr(rng, 4)
    e = e * e.subs(x, y) + e            # shared subtrees, as in a derivative
    assert list(dag.preorder([e])) == list(dict.fromkeys(_tree_preorder(e)))
    rule = {x: sp.Symbol("a"), sp.Integer(2): sp.Rational(5, 2)}
    assert dag.xreplace(e, rule) == e.xreplace(rule)
    assert dag.atoms(e, sp.Piecewise, sp.Abs) == e.atoms(sp.Piecewise, sp.Abs)
    assert dag.HasSymbols()(e) == bool(e.free_symbols)
    with dag.sympy_memoised():
        d = sp.diff(e, x)
        free = e.free_symbols
    assert d == sp.diff(e, x) and free == e.free_symbols


def test_preorder_skips_what_was_seen_before():
    seen = set()
    first = list(dag.preorder([x + y], seen))
    assert list(dag.preorder([(x + y) * z], seen)) == [(x + y) * z, z]
    assert first == [x + y, x, y]


def test_has_symbols_is_false_for_constants():
    has = dag.HasSymbols()
    assert not has(sp.pi + sp.Rational(1, 2) * sp.exp(3))
    assert has(sp.exp(3) + x)


def test_memoised_block_restores_sympy_and_returns_fresh_sets():
    before_free, before_diff = sp.Basic.__dict__["free_symbols"], sp.Expr.diff
    with dag.sympy_memoised():
        with dag.sympy_memoised():                   # nested: one memo, restored once, at the end
            s = (x + y).free_symbols
            s.add(z)                                 # a caller changing the set changes no memo
            assert (x + y).free_symbols == {x, y}
        assert sp.Basic.__dict__["free_symbols"] is not before_free
    assert sp.Basic.__dict__["free_symbols"] is before_free and sp.Expr.diff is before_diff


def test_memoised_block_is_left_even_on_an_error():
    with pytest.raises(ZeroDivisionError):
        with dag.sympy_memoised():
            1 / 0
    assert sp.Expr.diff is dag._EXPR_DIFF


def test_gradient_unchanged_by_the_memo():
    # the catalog's derivation runs inside the block: its result is SymPy's plain diff
    from derive.gradient import problem
    prob = problem("cross_entropy_logits", (2, 3))
    obj = prob.objective()
    plain = [sp.diff(obj, s) for s in prob.symbols["logits"].flat]
    assert list(gradient("cross_entropy_logits", "logits", shape=(2, 3)).flat) == plain


def test_an_interrupted_block_leaves_no_failing_method():
    # an alarm between restoring and dropping the memo: the memoised methods, if still installed,
    # answer as SymPy's own without a memo
    sp.Basic.free_symbols = property(dag._memoised_free_symbols)
    sp.Expr.diff = dag._memoised_diff
    try:
        assert not dag._memos
        assert (x * y).free_symbols == {x, y} and (x ** 2).diff(x) == 2 * x
    finally:
        sp.Basic.free_symbols, sp.Expr.diff = dag._BASIC_FREE, dag._EXPR_DIFF


F = sp.Function("f")


@pytest.mark.parametrize("expr, symbols", [
    (F(x * y) * sp.exp(x), (x,)),                   # an unevaluated Derivative in the result: made canonical
    (F(x, y) + x ** 3, ((x, 2),)),                  # a count of 2: SymPy's own path
    (sp.exp(x) * sp.sin(y), ((x, 0),)),             # a count of 0: the expression itself
    (sp.exp(x) * sp.sin(y), ((y, 1),)),             # the product rule's own form of a first derivative
    (sp.exp(x) * sp.sin(y), (z,)),                  # not free: zero
    (sp.Derivative(F(x), x) * x, (x,)),             # an unevaluated Derivative differentiated again
    (sp.Max(x, y) * x ** 2, (x, y)),                # two symbols: SymPy's own path
])
def test_memoised_diff_is_sympys_on_every_form_of_its_arguments(expr, symbols):
    plain = expr.diff(*symbols)
    with dag.sympy_memoised():
        memoised = expr.diff(*symbols)
        again = expr.diff(*symbols)
    assert memoised == plain and again is memoised


@pytest.mark.parametrize("name", ["ntxent", "focal", "cosine_embedding", "mish"])
def test_second_derivatives_unchanged_by_the_memo(name):
    # the Hessian differentiates each gradient entry again inside the block (SymPy's product rule
    # asks diff((v, k)) of every factor): the same expressions as SymPy's plain nested diff
    from derive.gradient import problem
    prob = problem(name)
    obj = prob.objective()
    xs = list(prob.symbols[prob.spec.input_names[0]].flat)[:2]
    plain = [sp.diff(sp.diff(obj, a), b) for a in xs for b in xs]
    with dag.sympy_memoised():
        memoised = [sp.diff(sp.diff(obj, a), b) for a in xs for b in xs]
    assert memoised == plain
