"""The arb truth's source (check.numeric.arb_code): shared subexpressions once, values exact."""
import random
from fractions import Fraction

import sympy as sp

from check.numeric import real as R
from check.numeric.arb_code import NAMESPACE, compile_arb, shared_subexpressions, source
from check.numeric.real import precision

x, y, z = sp.symbols("x y z", real=True)


def _softmax_grad_like():
    """A gradient-shaped list: a shared sum under powers −1 and −2, exps used in many entries."""
    s = sp.exp(x) + sp.exp(y) + sp.exp(z)
    return [sp.exp(v) / s - sp.exp(2 * v) / s ** 2 + z * sp.exp(x) * sp.exp(v) / s ** 2 for v in (x, y, z)]


def test_each_subexpression_used_twice_is_shared_once_children_first():
    exprs = _softmax_grad_like()
    shared = shared_subexpressions(exprs)
    s = sp.exp(x) + sp.exp(y) + sp.exp(z)
    assert s in shared and sp.exp(x) in shared
    assert shared.index(sp.exp(x)) < shared.index(s)                 # children before parents
    assert len(shared) == len(set(shared))
    assert sp.exp(2 * y) not in shared                                  # used once (e^x·e^x is e^2x: twice)
    assert shared_subexpressions([x + 1]) == [] and shared_subexpressions([x, x]) == []   # atoms never


def test_the_source_computes_a_shared_sum_once_and_keeps_x_times_its_power_by_name():
    src = source((x, y, z), tuple(_softmax_grad_like()))
    assert src.count("_exp(_a0)") == 1                                 # e^x: one call
    name = next(line.split(" = ")[0].strip() for line in src.splitlines() if "_pow(" in line and ", -2)" in line)
    assert src.count(f"*{name}") >= 3                                  # x·s⁻² multiplies s⁻² in by name
    assert ", 2)" not in src                                            # never x / s², a new power


def test_the_source_agrees_with_sympy_exactly_and_a_wrong_expression_does_not():
    """At exact rational points the compiled values enclose SymPy's own (to 60 digits); a source
    printed for a different expression is caught."""
    exprs = _softmax_grad_like() + [sp.Piecewise((x * y, x > y), (sp.log(1 + z ** 2), True)),
                                    sp.Max(x, y) - sp.Abs(x - y) / 2 - (x + y) / 2]
    f = compile_arb((x, y, z), exprs)
    wrong_exprs = list(exprs)
    wrong_exprs[1] = wrong_exprs[1] + sp.Rational(1, 10 ** 40)
    ns = dict(NAMESPACE)
    exec(source((x, y, z), tuple(wrong_exprs)), ns)
    wrong = ns["_truth"]
    rng = random.Random(3)
    for _ in range(20):
        point = [Fraction(rng.randint(-40, 40), rng.randint(1, 9)) for _ in range(3)]
        subs = {s: sp.Rational(v.numerator, v.denominator) for s, v in zip((x, y, z), point)}
        with precision(512):
            got = f(*[R.real(v) for v in point])
            bad = wrong(*[R.real(v) for v in point])
            d = bad[1] - got[1]
        for g, e in zip(got, exprs):
            want = sp.N(e.xreplace(subs), 60)
            assert abs(float(g) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))
        assert not d.v.contains(0)                                     # 10⁻⁴⁰ apart, decided


def test_an_integer_power_of_a_ball_around_zero_is_a_ball_around_zero_not_nan():
    """python-flint's ``**`` makes NaN of [0 ± r] ** 2: a value that cancelled to about 0, then
    squared (ntxent's HVP at a zero embedding), would have been a NaN truth — a point excluded as
    undefined.  Every integer power encloses x^k for every x in the ball."""
    from flint import arb
    with precision(1280):
        tiny = arb(0, arb(2) ** -1275)
        for k in (1, 2, 3, 6):
            v = R.power(R.Real(tiny), R.real(k))
            assert v.finite and v.v.contains(0) and abs(v.v).upper() <= arb(2) ** (-1275 * k + 1)
        wide = arb(0, 1)                                   # [−1, 1]
        for k in (2, 3):
            v = R.power(R.Real(wide), R.real(k)).v
            assert v.contains(1) and v.contains(0) and (k == 2 or v.contains(-1)) and not v.contains(2)
        near = arb(-3, arb(2) ** -100)                       # a ball away from 0 keeps flint's tight power
        assert R.power(R.Real(near), R.real(2)).v.rad() < arb(2) ** -90
        # the compiled truth: (x − y)² at x = y computed as a cancelled ball stays finite
        f = compile_arb((x, y), [sp.Pow(sp.exp(x) - sp.exp(y), 2, evaluate=False)])
        (got,) = f(R.real(Fraction(1, 3)), R.real(Fraction(1, 3)))
        assert got.finite and got.v.contains(0)
