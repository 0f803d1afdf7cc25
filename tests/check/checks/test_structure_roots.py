"""The structure's root finder: bisection keeps exact midpoints, and a polynomial whose numeric
roots mpmath cannot converge on is bracketed instead — a boundary never crashes a check
(cosine_similarity's HVP met one)."""
from fractions import Fraction

import sympy as sp
from mpmath.libmp import NoConvergence

from check.checks import structure


def test_roots_fall_back_to_brackets_when_nroots_does_not_converge(monkeypatch):
    s = sp.Symbol("s", real=True)
    g = s ** 5 - s - 1                      # degree 5: numeric roots; one real root near 1.1673
    exact = structure.roots(g, s)
    assert len(exact) == 1 and abs(float(exact[0]) - 1.1673039782614187) < 1e-12

    def no_convergence(self, *args, **kwargs):
        raise NoConvergence("convergence to root failed")
    monkeypatch.setattr(sp.Poly, "nroots", no_convergence)
    bracketed = structure.roots(g, s)
    assert len(bracketed) == 1 and isinstance(bracketed[0], Fraction)
    assert abs(float(bracketed[0]) - 1.1673039782614187) < 1e-12


def test_a_non_polynomial_root_between_two_integer_grid_points_is_found_exactly():
    """Bisection between grid points 1 and 2 once halved ints into floats and lost the root."""
    s = sp.Symbol("s", real=True)
    found = structure.roots(sp.exp(s) - 3, s)                 # log 3 = 1.0986…
    assert len(found) == 1 and isinstance(found[0], Fraction)
    assert abs(float(found[0]) - 1.0986122886681098) < 1e-15
