"""The prover's steps (check.proof.prove)."""
import pytest
import sympy as sp

from check.proof.prove import prove_zero, unsatisfiable
from tests.fresh_python import run_fresh

x, y = sp.symbols("x y", real=True)


def test_proves_cancellation():
    assert prove_zero(sp.exp(x) / (sp.exp(x) + sp.exp(y)) + sp.exp(y) / (sp.exp(x) + sp.exp(y)) - 1, 2)[0]


def test_a_rational_identity_is_proved_through_its_numerator_and_a_near_miss_is_not():
    """The numerator of together(expr), expanded, is 0 for a softmax's Hessian-vector product written
    two ways; one coefficient off (a near miss) leaves a nonzero numerator and no proof."""
    z = sp.symbols("z0:3", real=True)
    u = sp.symbols("u0:3", real=True)
    e = [sp.exp(v) for v in z]
    S = sum(e)
    s = [ei / S for ei in e]
    su = sum(si * ui for si, ui in zip(s, u))
    hvp = [s[i] * u[i] - s[i] * su for i in range(3)]
    written = [e[i] * (u[i] * S - sum(ej * uj for ej, uj in zip(e, u))) / S ** 2 for i in range(3)]
    for h, w in zip(hvp, written):
        ok, how = prove_zero(h - w, 5)
        assert ok and how == "cancel"
    off = e[0] * (u[0] * S - sum(ej * uj for ej, uj in zip(e, u)) - e[0] * u[0] / 1000) / S ** 2
    assert not prove_zero(hvp[0] - off, 2)[0]


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


def _entries(n):
    return sp.symbols(f"a0:{n}", real=True), sp.symbols(f"b0:{n}", real=True)


def test_a_sum_of_stable_entries_is_proved_entry_by_entry_and_a_wrong_entry_is_not():
    """Step 4 entry by entry: each entry's own kink argument (p − t here, a generalisation to one real
    symbol) split by sign; the constants SymPy summed (n·log 2) shared out again."""
    p, t = _entries(4)
    entry = lambda a: sp.log(1 + sp.exp(-2 * sp.Abs(a))) + sp.Abs(a) - sp.log(sp.cosh(a)) - sp.log(2)
    right = sum(entry(pi - ti) for pi, ti in zip(p, t)) / 4
    ok, how = prove_zero(right, 2)
    assert ok and "entry by entry" in how
    assert not prove_zero(right + sp.log(2) / 8, 2)[0]                     # a constant too many: rejected
    wrong = right + (sp.Abs(p[2] - t[2]) - (p[2] - t[2])) / 4             # one entry off where p < t
    assert not prove_zero(wrong, 2)[0]
    softplus = lambda z: sp.Max(z, 0) + sp.log(1 + sp.exp(-sp.Abs(z)))
    stable = sum(ti * softplus(-pi) + (1 - ti) * softplus(pi) - (sp.log(1 + sp.exp(pi)) - ti * pi)
                 for pi, ti in zip(p, t))
    assert prove_zero(stable, 2)[0]
    assert not prove_zero(stable.xreplace({sp.Max(p[1], 0): sp.Max(p[1], 1)}), 2)[0]   # one kink moved


def test_kinks_of_two_entries_in_one_term_or_a_kink_argument_used_alone_are_not_split():
    x, y = sp.symbols("x y", real=True)
    assert not prove_zero(sp.Max(x, 0) * sp.Max(y, 0) - sp.Max(x * y, 0), 2)[0]      # false at x = y = −1
    p, t = sp.symbols("p t", real=True)
    assert prove_zero(sp.Abs(p - t) - (p - t) * sp.sign(p - t), 2)[0]
    assert not prove_zero(sp.Abs(p - t) - (p - t), 2)[0]                               # false for p < t
    assert not prove_zero(sp.Abs(p - t) - sp.Abs(p) + sp.Abs(t), 2)[0]                 # p, t also alone


def test_kinks_whose_symbols_meet_in_a_whole_factor_are_not_split_entry_by_entry():
    """A factor the expansion keeps whole (a kink, a log) holding the symbols of two kink arguments
    puts both in one term: refused before expanding."""
    import time
    from check.proof.prove import _separable_by_sign
    p, t, s = sp.symbols("p t s", real=True)
    shared = sp.Abs(p - t) - (p - t) * sp.sign(p - t) + sp.Abs(p - s) - (p - s) * sp.sign(p - s)
    assert _separable_by_sign(shared, time.monotonic() + 2) is None
    q = sp.Symbol("q", real=True)
    disjoint = sp.Abs(p) - p * sp.sign(p) + sp.Abs(q) - q * sp.sign(q)
    assert _separable_by_sign(disjoint, time.monotonic() + 2) is not None
    assert not prove_zero(shared + sp.Abs(p - s) - (p - s), 2)[0]                     # false for p < s
    mixed = disjoint + sp.log(sp.exp(p) + sp.exp(q)) * (sp.Abs(p) - p * sp.sign(p))
    assert _separable_by_sign(mixed, time.monotonic() + 2) is None                    # log(e^p + e^q)


def test_a_rows_max_is_generalised_to_a_free_symbol_and_a_wrong_shift_is_not_proved():
    from derive.xp_sympy import XP
    import numpy as np
    x = sp.symbols("x0:3", real=True)
    row = XP.asarray(np.array([x], dtype=object))
    top = list(XP.max(row, axis=-1).flat)[0]                       # the first maximal entry, a Piecewise
    lse = sp.log(sum(sp.exp(v) for v in x))
    shifted = top + sp.log(sum(sp.exp(v - top) for v in x))
    ok, how = prove_zero(shifted - lse, 5)
    assert ok and "max as a free symbol" in how
    assert not prove_zero(shifted - lse + top - x[0], 1)[0]           # equal only where x0 is the max
    assert not prove_zero(2 * top + sp.log(sum(sp.exp(v - top) for v in x)) - lse, 1)[0]


def test_only_a_rows_max_or_min_is_generalised_not_other_branches():
    from check.proof.prove import _is_row_extreme
    a, b, c = sp.symbols("a b c", real=True)
    assert _is_row_extreme(sp.Piecewise((a, sp.And(a >= b, a >= c)), (b, b >= c), (c, True)))
    assert _is_row_extreme(sp.Piecewise((a, a <= b), (b, True)))
    assert not _is_row_extreme(sp.Piecewise((0, a < 0), (1, a > 1), (a, True)))          # a clip
    assert not _is_row_extreme(sp.Piecewise((a, b > 0), (c, True)))                      # a where
    assert not _is_row_extreme(sp.Piecewise((a, a >= b), (sp.log(b), True)))             # not a value of the row


a, b, c = sp.symbols("a b c", real=True)
FIRST_MIN = sp.And(a <= b, a <= c)


def test_every_branch_choice_discharges_infeasible_choices_exactly():
    # a row's first minimal entry written two ways (as xp.min's Piecewise and as an ITE of ties):
    # equal wherever the relations can hold together — Fourier–Motzkin shows the others cannot
    ties = sp.ITE(FIRST_MIN, True, sp.ITE(b <= c, sp.Eq(a, b), sp.Eq(a, c)))
    e = sp.Piecewise((1, FIRST_MIN), (0, True)) - sp.Piecewise((1, ties), (0, True))
    ok, how = prove_zero(e, 2)
    assert ok and how.startswith("every branch choice") and "infeasible choices discharged" in how


@pytest.mark.parametrize("wrong", [
    # a strict tie where the other is not: they differ at a = b ≤ c
    sp.Piecewise((1, FIRST_MIN), (0, True)) - sp.Piecewise((1, sp.And(a < b, a <= c)), (0, True)),
    # x > 0 against x ≥ 0: differ at 0
    sp.Piecewise((1, x > 0), (0, True)) - sp.Piecewise((1, x >= 0), (0, True)),
    # x > y and y > x do not cover x = y
    sp.Piecewise((1, x > y), (0, True)) + sp.Piecewise((1, y > x), (0, True)) - 1,
    # a real symbol may be ≤ 0
    sp.Piecewise((1, x > 0), (0, True)) - 1,
    # the right branches, a wrong value in one of them
    sp.Piecewise((a - b, a >= b), (0, True)) - sp.Piecewise((0, b > a), (a - b + sp.Rational(1, 10**30), True)),
])
def test_every_branch_choice_never_proves_a_difference_that_is_not_zero(wrong):
    ok, why = prove_zero(wrong, 2)
    assert not ok


def test_a_relation_and_its_negation_written_either_way_round_share_one_choice():
    p = sp.Symbol("p", positive=True)
    assert prove_zero(sp.Piecewise((1, x - y > 0), (0, True)) + sp.Piecewise((1, y >= x), (0, True)) - 1, 2)[0]
    assert prove_zero(sp.Piecewise((1, p > 0), (0, True)) - 1, 2)[0]       # p ≤ 0 is infeasible for p > 0


def test_setting_a_branch_boolean_rebuilds_as_xreplace_does_and_only_above_it():
    from check.proof.prove import _Booleans
    x, y = sp.symbols("x y", real=True)
    b, c = sp.Dummy("b"), sp.Dummy("c")
    e = sp.Piecewise((x, b), (y, c), (0, True)) + sp.Piecewise((2 * x, sp.Not(b)), (x * y, True)) + sp.exp(y)
    under = _Booleans([b, c])
    assert under.of(e) == {b, c} and under.of(sp.exp(y)) == frozenset()
    for value in (sp.true, sp.false):
        for flag in (b, c):
            assert under.set(e, flag, value) == e.xreplace({flag: value})
    untouched = sp.exp(y)
    assert under.set(untouched, b, sp.true) is untouched          # nothing without b is rebuilt


def test_simplify_is_the_last_resort_for_small_differences_only(monkeypatch):
    """A small identity only SymPy's simplify sees (sin² + cos² = 1) is proved; a near miss is not;
    past SIMPLIFY_MAX_OPS operations simplify is not run at all (a count, not the clock)."""
    import check.proof.prove as P
    small = sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1
    ok, how = prove_zero(small, 5)
    assert ok and how == "simplify"
    assert not prove_zero(small + sp.Rational(1, 10**30), 5)[0]
    big = small * sum(sp.sin(k * x + y) ** 2 for k in range(1, 25))
    assert sp.count_ops(big) > P.SIMPLIFY_MAX_OPS
    # a simplify that calls everything 0 (it may run in a forked budget process): proving nothing
    # with it shows it was not run
    monkeypatch.setattr(P.sp, "simplify", lambda e, *a, **k: sp.Integer(0))
    assert not prove_zero(big, 5)[0]
    assert prove_zero(small + 1, 5) == (True, "simplify")         # the small one still reaches it


def test_a_proofs_deadline_is_on_the_clock_of_the_process_that_runs_it():
    """Budgets count CPU time, and a forked child's starts at 0: the deadline a proof's steps check
    is taken in the child, so a caller that has already spent CPU seconds gives it the whole budget
    (not a deadline far in its future, which no step would ever reach)."""
    out = run_fresh("""
        import time
        import sympy as sp
        from check.proof import prove
        from derive import budget
        assert budget.fork_safe()
        end = time.process_time() + 1.0                  # the caller's own CPU second
        while time.process_time() < end:
            pass
        prove._separable_by_sign = lambda expr, deadline: f"{deadline - budget.clock():.3f}"
        print(prove.prove_zero(sp.Symbol("x"), 2.0)[1])
    """, timeout=120)
    assert 1.5 < float(out) <= 2.0
