"""erf and logaddexp on every namespace: the same numbers on NumPy and in ball arithmetic, exact
on SymPy and on arrays of every size, and usable in a user's spec (right is proved, wrong refuted)."""
import math

import numpy as np
import sympy as sp

from check import check_gradient, check_vjp
from check.numeric import real as R
from check.numeric.xp_arb import ARB
from derive.sizes import INDEXED, generic
from derive.xp_sympy import XP
from spec import Derivative, Input, activation
from spec.domains import REAL
from spec.registry import unregister
from spec.xp import NUMPY

POINTS = np.array([-30.0, -1.5, -1e-8, 0.0, 0.25, 2.0, 800.0])


def test_numpy_and_arb_agree_and_numpy_does_not_overflow():
    with R.precision(200):
        erf_arb = [float(v.ball()) for v in ARB.erf(ARB.array(POINTS)).flat]
        lae_arb = [float(v.ball()) for v in ARB.logaddexp(ARB.array(POINTS), ARB.array(POINTS[::-1])).flat]
    assert list(NUMPY.erf(POINTS)) == [math.erf(x) for x in POINTS]
    assert np.allclose(NUMPY.erf(POINTS), erf_arb, rtol=4e-16, atol=0)        # math.erf: within ~1 ulp
    assert np.allclose(NUMPY.logaddexp(POINTS, POINTS[::-1]), lae_arb, rtol=1e-15)
    assert NUMPY.erf(np.float32([0.5])).dtype == np.float32
    assert float(NUMPY.logaddexp(1000.0, 1000.0)) == 1000.0 + math.log(2)


def test_sympy_and_every_size_forms_are_exact():
    x = sp.Symbol("x", real=True)
    assert XP.erf(XP.asarray(np.array([x]))).reshape(-1)[0] == sp.erf(x)
    assert XP.logaddexp(XP.asarray(np.array([x])), 0).reshape(-1)[0] == sp.log(sp.exp(x) + 1)
    g = generic("x", 2, {"real": True})
    assert INDEXED.erf(g).expr == sp.erf(g.expr)


def _erf_vjp(x, cotangent, *, xp):
    return cotangent * 2 * xp.exp(-x * x) / xp.sqrt(xp.pi)


def test_a_user_spec_with_erf_and_logaddexp():
    activation("my_erf", lambda x, *, xp: xp.erf(x), inputs=[Input("x", REAL, "x")],
               derivatives=[Derivative("x", _erf_vjp)])
    try:
        assert check_vjp("my_erf", _erf_vjp).ok
        wrong = check_vjp("my_erf", lambda x, cotangent, *, xp: cotangent * xp.exp(-x * x) / xp.sqrt(xp.pi))
        assert wrong.status == "refuted" and "constant factor 0.5" in wrong.message
    finally:
        unregister("my_erf")
    # softplus written with logaddexp: its gradient is the sigmoid
    assert check_gradient("bce_with_logits", lambda z, t, *, xp: (1 / (1 + xp.exp(-z)) - t) / z.size).ok
    r = check_vjp("softplus", lambda x, v, *, xp: v * xp.exp(x - xp.logaddexp(x, 0 * x)))
    assert r.ok
    r = check_vjp("softplus", lambda x, v, *, xp: v * xp.exp(x - xp.logaddexp(x, 1 + 0 * x)))
    assert r.status == "refuted"


def test_first_max_marks_the_first_tied_entry_on_every_namespace():
    from spec.argmax import first_max
    rows = [[1, 3, 3], [2, 2, 0], [-1, -2, -3]]
    expected = [[0, 1, 0], [1, 0, 0], [1, 0, 0]]
    assert first_max(np.asarray(rows, dtype=float), xp=np).tolist() == expected
    exact = first_max(ARB.asarray(np.asarray(rows, dtype=object)), xp=ARB)
    assert [[v.fraction() for v in r] for r in np.asarray(exact, dtype=object).tolist()] == expected
