"""The prover's steps (check.proof.prove)."""
import sympy as sp

from check.proof.prove import prove_zero, unsatisfiable

x, y = sp.symbols("x y", real=True)


def test_proves_cancellation():
    assert prove_zero(sp.exp(x) / (sp.exp(x) + sp.exp(y)) + sp.exp(y) / (sp.exp(x) + sp.exp(y)) - 1, 2)[0]


def test_never_proves_a_nonzero_expression():
    for e in (x - y, sp.exp(x) - 1, sp.Piecewise((1, x > 0), (0, True)), sp.log(1 + sp.exp(x)) - x):
        ok, why = prove_zero(e, 1)
        assert not ok and why


def test_unreachable_branches_are_discharged_exactly():
    assert unsatisfiable(sp.And(x < 1, x >= 1))
    assert unsatisfiable(sp.And(sp.Abs(x - y) < 1, sp.Abs(x - y) > 2))
    assert not unsatisfiable(sp.And(x < 1, x > 0))
    assert not unsatisfiable(sp.And(x < 1, y > 2))       # two generalised symbols: not decided


def test_piecewise_branch_by_branch():
    e = sp.Piecewise((x, x > 0), (0, True)) - sp.Piecewise((0, x <= 0), (x, True))
    assert prove_zero(e, 2)[0]
