"""check.numeric.intervals: every enclosure holds the exact value (checked in arb), ends that cannot
be certain are NaN (undecided), comparisons and branches are taken only when certain; and the
interval code of a SymPy expression (check.numeric.interval_code) encloses what arb computes."""
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from flint import arb

from check.numeric import intervals as I
from check.numeric.interval_code import compile_intervals
from check.numeric.real import precision

RNG = np.random.default_rng(7)
X = np.concatenate([RNG.normal(0, 3, 300), np.ldexp(RNG.uniform(0.5, 1, 200), RNG.integers(-80, 80, 200))
                    * RNG.choice([-1, 1], 200), [0.0, 1.0, -1.0, 0.1, 1e-300, 700.0]])
Y = np.concatenate([RNG.normal(0, 3, 300), np.ldexp(RNG.uniform(0.5, 1, 200), RNG.integers(-80, 80, 200)),
                    [3.0, 0.1, 7.0, 0.2, 2.0, -3.0]])


def _encloses(iv, exact_of, xs, ys=None):
    """Every entry's exact value (arb, 256 bits) lies in [lo, hi] where both ends are finite."""
    checked = 0
    with precision(256):
        for k, x in enumerate(xs):
            lo, hi = float(np.broadcast_to(iv.lo, xs.shape)[k]), float(np.broadcast_to(iv.hi, xs.shape)[k])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                continue
            e = exact_of(arb(float(x))) if ys is None else exact_of(arb(float(x)), arb(float(ys[k])))
            if not e.is_finite():
                continue
            assert arb(lo) <= e and e <= arb(hi), (x, lo, hi, e)
            checked += 1
    return checked


OPS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div", lambda a, b: a / b, lambda a, b: a / b),
]


@pytest.mark.parametrize("name,op,exact", OPS, ids=[o[0] for o in OPS])
def test_arithmetic_encloses_the_exact_result(name, op, exact):
    assert _encloses(op(I.Iv.point(X), I.Iv.point(Y)), exact, X, Y) > 400
    third = I.Iv.const(Fraction(1, 3))                       # a constant that is not a float
    assert _encloses(op(I.Iv.point(X), third), lambda a: exact(a, arb(1) / 3), X) > 400


FUNCTIONS = [("exp", I.exp, lambda a: a.exp()), ("log", I.log, lambda a: a.log()), ("tanh", I.tanh, lambda a: a.tanh()),
             ("sinh", I.sinh, lambda a: a.sinh()), ("cosh", I.cosh, lambda a: a.cosh()), ("erf", I.erf, lambda a: a.erf()),
             ("sqrt", I.sqrt, lambda a: a.sqrt()), ("abs", I.absolute, abs), ("cube", lambda x: I.power(x, 3), lambda a: a ** 3),
             ("inverse square", lambda x: I.power(x, -2), lambda a: 1 / a ** 2)]


@pytest.mark.parametrize("name,fn,exact", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_enclose_the_exact_result(name, fn, exact):
    with np.errstate(all="ignore"):
        out = fn(I.Iv.point(X))
    assert _encloses(out, exact, X) > 150


def test_an_inexact_result_is_widened_and_an_uncertain_one_is_undecided():
    s = I.Iv.point(np.array([0.1])) + I.Iv.point(np.array([0.2]))
    assert s.lo[0] < 0.1 + 0.2 < s.hi[0]                               # never the bare rounded sum
    with np.errstate(all="ignore"):
        assert np.isnan(I.log(I.Iv(np.array([-1e-20]), np.array([1e-20]))).lo).all()   # log of [−ε, ε]
        assert np.isnan((I.Iv.const(1) / I.Iv(np.array([-1.0]), np.array([1.0]))).lo).all()
        assert np.isnan(I.sqrt(I.Iv(np.array([-1.0]), np.array([4.0]))).hi).all()
        assert np.isnan(I.sign(I.Iv(np.array([-1e-9]), np.array([1e-9]))).lo).all()
        big = I.exp(I.Iv.point(np.array([1000.0])))                    # overflows float64: no finite ends
        assert not (np.isfinite(big.lo).all() and np.isfinite(big.hi).all())


def test_the_enclosure_check_catches_arithmetic_that_does_not_round_outward(monkeypatch):
    """Without the outward steps (each end the bare rounded result) some product misses its exact value."""
    monkeypatch.setattr(I, "_down", lambda x: x)
    monkeypatch.setattr(I, "_up", lambda x: x)
    with pytest.raises(AssertionError):
        _encloses(I.Iv.point(X) * I.Iv.point(Y), lambda a, b: a * b, X, Y)


def _sums(seed: int, signs: bool):
    """Columns of terms for an n-ary sum: magnitudes over 2^±60 (cancellation where ``signs``), an
    exact 0, and a row whose float sum loses every low bit (1 + 2^-60 − 1)."""
    rng = np.random.default_rng(seed)
    n, k = 9, 400
    terms = np.ldexp(rng.uniform(0.5, 1, (n, k)), rng.integers(-60, 60, (n, k)))
    if signs:
        terms *= rng.choice([-1, 1], (n, k))
    terms[:, 0] = 0.0
    terms[:3, 1] = [1.0, 2.0 ** -60, -1.0] if signs else [1.0, 2.0 ** -60, 1.0]
    terms[3:, 1] = 0.0
    return terms


def _holds(lo, hi, exact) -> bool:
    return all(Fraction(float(lo[j])) <= want <= Fraction(float(hi[j])) for j, want in enumerate(exact))


@pytest.mark.parametrize("signs", [False, True], ids=["nonnegative", "mixed signs"])
def test_an_n_ary_sum_encloses_the_exact_sum(signs):
    """intervals.total (one outward step for a whole sum) against the exact rational sum, on point
    terms and on widened ones; the same check rejects the bare float sum total starts from."""
    terms = _sums(3, signs)
    exact = [sum(Fraction(float(v)) for v in terms[:, j]) for j in range(terms.shape[1])]
    for ivs in ([I.Iv.point(t) for t in terms], [I.Iv(I._down(t), I._up(t)) for t in terms]):
        s = I.total(*ivs)
        assert _holds(s.lo, s.hi, exact)
    bare = terms[0] + terms[1]
    for t in terms[2:]:
        bare = bare + t
    assert not _holds(bare, bare, exact)                       # unwidened, some row misses its sum


def test_an_n_ary_sum_of_non_finite_terms_is_undecided():
    a = I.Iv.point(np.array([1.0, np.inf, 1.0]))
    b = I.Iv(np.array([1.0, 1.0, np.nan]), np.array([2.0, 2.0, np.nan]))
    s = I.total(a, b, I.Iv.const(1))
    assert np.isfinite(s.lo[0]) and np.isfinite(s.hi[0])
    assert not (np.isfinite(s.lo[1]) and np.isfinite(s.hi[1]))
    assert np.isnan(s.lo[2]) and np.isnan(s.hi[2])


def test_comparisons_and_branches_are_taken_only_when_certain():
    a = I.Iv(np.array([0.0, 1.0, 2.0]), np.array([0.5, 3.0, 2.0]))
    b = I.Iv(np.array([1.0, 2.0, 2.0]), np.array([1.0, 2.0, 2.0]))
    lt = I.decide("<", a, b)
    assert lt.yes.tolist() == [True, False, False] and lt.no.tolist() == [False, False, True]
    eq = I.decide("==", a, b)
    assert eq.yes.tolist() == [False, False, True] and eq.no.tolist() == [True, False, False]
    pw = I.piecewise((I.Iv.const(10), lt), (I.Iv.const(20), True))
    assert pw.lo[0] == 10 and math.isnan(pw.lo[1]) and pw.lo[2] == 20      # the middle one: undecided


def test_the_platform_libm_is_within_the_allowance():
    assert I.libm_trusted()


def test_compiled_interval_code_encloses_what_arb_computes():
    x, y = sp.symbols("x y", real=True)
    exprs = [sp.log(1 + sp.exp(x)) - x * y / 3, sp.Piecewise((x ** 2 / 2, sp.Abs(x - y) <= 1), (sp.Abs(x) - sp.Rational(1, 2), True)),
             sp.tanh(x) * sp.sqrt(y ** 2 + 1), sp.Max(x, y, 0) - sp.Min(x, 1), sp.erf(x / 7),
             # shared factors taken out (x·e^y·(y + y²/3 − 1)) and a sum of many terms as one _sum
             x * sp.exp(y) * y + x * sp.exp(y) * y ** 2 / 3 - x * sp.exp(y), x - y + sp.exp(x) + sp.Rational(1, 3) + x * y]
    fn = compile_intervals((x, y), exprs)
    assert "_sum(" in fn.source and ") * (" in fn.source
    xs, ys = RNG.normal(0, 4, 400), RNG.normal(0, 4, 400)
    with np.errstate(all="ignore"):
        out = fn(I.Iv.point(xs), I.Iv.point(ys))
    for e, iv in zip(exprs, out):
        f = sp.lambdify((x, y), e, modules="mpmath")
        with precision(256):
            for k in range(len(xs)):
                lo, hi = float(np.broadcast_to(iv.lo, xs.shape)[k]), float(np.broadcast_to(iv.hi, xs.shape)[k])
                if math.isnan(lo):
                    continue
                import mpmath
                with mpmath.workprec(256):
                    v = f(mpmath.mpf(float(xs[k])), mpmath.mpf(float(ys[k])))
                assert mpmath.mpf(lo) <= v <= mpmath.mpf(hi), (e, xs[k], ys[k], lo, hi, v)


def test_an_expression_without_an_interval_form_has_no_function():
    x = sp.Symbol("x", real=True)
    assert compile_intervals((x,), [sp.besselj(0, x)]) is None


# --- scaled enclosures (check.numeric.scaled) ---------------------------------------------------------
from check.numeric import scaled as S  # noqa: E402


def _scaled_encloses(x: "S.Sv", exact_of, xs):
    """Every entry's exact value lies in [m.lo·2^e, m.hi·2^e] (checked in arb, exponents exact)."""
    checked = 0
    with precision(256):
        for k, v in enumerate(xs):
            lo = float(np.broadcast_to(x.m.lo, xs.shape)[k])
            hi = float(np.broadcast_to(x.m.hi, xs.shape)[k])
            e = float(np.broadcast_to(x.e, xs.shape)[k])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                continue
            want = exact_of(arb(float(v)))
            scale = arb(2) ** int(e)
            assert arb(lo) * scale <= want <= arb(hi) * scale, (v, lo, hi, e)
            checked += 1
    return checked


def test_scaled_enclosures_hold_values_far_past_float64():
    xs = np.concatenate([RNG.uniform(-70000, 70000, 200), RNG.normal(0, 3, 100), [60000.0, -60000.0, 0.0]])
    with np.errstate(all="ignore"):
        e = S.exp(S.Sv.point(xs))
        assert _scaled_encloses(e, lambda a: a.exp(), xs) == xs.size          # every one decided
        ratio = e / (e + S.Sv.const(1))                                       # a logistic of huge arguments
        assert _scaled_encloses(ratio, lambda a: a.exp() / (a.exp() + 1), xs) == xs.size
        lg = S.log(e + S.Sv.const(1))                                          # softplus through e^x
        assert _scaled_encloses(lg, lambda a: (a.exp() + 1).log(), xs) > 250
        assert _scaled_encloses(S.power(S.Sv.point(xs), 7), lambda a: a ** 7, xs) == xs.size
        assert _scaled_encloses(S.sqrt(S.Sv.point(np.abs(xs))), lambda a: abs(a).sqrt(), xs) == xs.size


def test_scaled_comparisons_keep_tiny_values_apart_from_zero():
    with np.errstate(all="ignore"):
        tiny = S.exp(S.Sv.point(np.array([-5000.0])))                         # e^-5000: far below float64
        assert S.decide(">", tiny, S.Sv.const(0)).yes.all()
        assert S.decide("<", tiny, S.exp(S.Sv.point(np.array([-4999.0])))).yes.all()
        big = S.exp(S.Sv.point(np.array([1e300])))                            # past every exponent: undecided
        assert not np.isfinite(S.plain(big).lo).all() or np.isnan(big.m.lo).all()


def test_the_scaled_enclosure_check_catches_a_wrong_ln2(monkeypatch):
    """ln 2 one part in 10^12 off (outside its enclosure): e^60000's enclosure misses the exact value."""
    monkeypatch.setattr(S, "_LN2", I.Iv(math.log(2) * (1 + 1e-12), math.log(2) * (1 + 1e-12)))
    with np.errstate(all="ignore"), pytest.raises(AssertionError):
        _scaled_encloses(S.exp(S.Sv.point(np.array([60000.0]))), lambda a: a.exp(), np.array([60000.0]))


# --- shifted enclosures (check.numeric.shifted) -------------------------------------------------------
from check.numeric import shifted as H  # noqa: E402


def _huge(n, seed, top=128):
    """bfloat16-like logits of both signs with magnitudes 2^20 … 2^top (past scaled's exact exponents)."""
    rng = np.random.default_rng(seed)
    return np.ldexp(np.round(rng.uniform(128, 256, n)) / 256, rng.integers(21, top, n)) * rng.choice([-1, 1], n)


def _remainder_cases():
    """x up to 2^60 and y with low bits: fl(x + y) drops up to 2^7 of x + y, so e^(x + y − fl(x + y))
    is an ordinary number, and 1 where nothing is dropped."""
    x = _huge(200, 13, top=61)
    y = np.round(np.random.default_rng(14).uniform(2 ** 20, 2 ** 21, 200)) + 0.5
    return x, y, x + y


def _plain_encloses(x, exact, n):
    """Every finite end of s·e^d (as a plain float64 interval) holds the exact value (arb, 512 bits)."""
    p = S.plain(H.plain(x))
    checked = 0
    with precision(512):
        for k in range(n):
            lo, hi = float(np.broadcast_to(p.lo, (n,))[k]), float(np.broadcast_to(p.hi, (n,))[k])
            if math.isfinite(lo) and math.isfinite(hi):
                want = exact(k)
                assert arb(lo) <= want and want <= arb(hi), (k, lo, hi, want)
                checked += 1
    return checked


def _two_logit_cases():
    a = _huge(300, 11)
    b = np.where(np.arange(300) % 3 == 0, a, _huge(300, 12))         # a third: equal logits
    b[1::3] = a[1::3] + np.sign(a[1::3]) * np.ldexp(1.0, np.frexp(a[1::3])[1] - 8)   # one bfloat16 step apart
    return a, b


def test_shifted_enclosures_decide_softmaxes_of_logits_past_scaled_exponents():
    """A softmax and a log-sum-exp of two logits up to 2^127: scaled.exp leaves e^x undecided past
    3·10^15; s·e^d decides the softmax at every point, each enclosure holding arb's value."""
    a, b = _two_logit_cases()
    with np.errstate(all="ignore"):
        ea, eb = H.exp(H.Hv.point(a)), H.exp(H.Hv.point(b))
        soft = ea / (ea + eb)
        assert _plain_encloses(soft, lambda k: 1 / (1 + (arb(float(b[k])) - arb(float(a[k]))).exp()), a.size) == a.size
        lse = H.log(ea + eb) - H.Hv.point(np.maximum(a, b))             # log(1 + e^-|a − b|)
        assert _plain_encloses(lse, lambda k: (1 + (-abs(arb(float(a[k])) - arb(float(b[k])))).exp()).log(), a.size) > 0
        scaled = S.exp(S.Sv.point(a)) / (S.exp(S.Sv.point(a)) + S.exp(S.Sv.point(b)))
        assert np.isnan(S.plain(scaled).lo).sum() > a.size // 2        # what the scaled pass could not decide


def test_shifted_products_keep_the_twosum_remainder():
    """e^x·e^y / e^fl(x + y) = e^(x + y − fl(x + y)): the remainder TwoSum keeps is the whole answer;
    a product of far exponents (e^(−2^110)·e^(2^97)) is enclosed in [0, e^(h/2)]."""
    x, y, z = _remainder_cases()
    assert sum(Fraction(float(a)) + Fraction(float(b)) != Fraction(float(c)) for a, b, c in zip(x, y, z)) > 20
    with np.errstate(all="ignore"):
        q = H.exp(H.Hv.point(x)) * H.exp(H.Hv.point(y)) / H.exp(H.Hv.point(z))
        assert _plain_encloses(q, lambda k: (arb(float(x[k])) + arb(float(y[k])) - arb(float(z[k]))).exp(), x.size) == x.size
        far = H.exp(H.Hv.point(np.array([-2.0 ** 110]))) * H.exp(H.Hv.point(np.array([2.0 ** 97 + 2.0 ** 60])))
        p = S.plain(H.plain(far))
        assert p.lo[0] <= 0 <= p.hi[0] < 1e-300                          # e^(−2^110 + 2^97 + 2^60) > 0, tiny


def test_the_shifted_enclosure_check_catches_a_dropped_remainder(monkeypatch):
    """Without TwoSum's remainder (d₁ + d₂ taken as the rounded sum) the quotient above misses e^l."""
    x, y, z = _remainder_cases()
    real = H.two_sum
    monkeypatch.setattr(H, "two_sum", lambda a, b: (real(a, b)[0], 0.0 * real(a, b)[1]))
    with np.errstate(all="ignore"), pytest.raises(AssertionError):
        q = H.exp(H.Hv.point(x)) * H.exp(H.Hv.point(y)) / H.exp(H.Hv.point(z))
        _plain_encloses(q, lambda k: (arb(float(x[k])) + arb(float(y[k])) - arb(float(z[k]))).exp(), x.size)
