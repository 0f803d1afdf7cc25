"""A property of the checker: whenever it says "proved" (or "verified"), the formula agrees with the
spec's derivative — checked independently, in ball arithmetic, at random points, shapes and ranks.

Random elementwise activations are built from the xp primitives, exact constants, branches and
equality tests; each carries its derivative written by hand by the rules of its nodes (kink
conventions as spec.xp).  The hand-written VJP given to ``check_vjp`` is that derivative, either
as it is or written unusually (right), or mutated (wrong: a 1e-40 error — relative, and absolute
where the derivative vanishes, so that a constant's mutation is still wrong —, a branch behind
``x == c``, a 0/0 at x = 0).  A wrong one must never pass; a pass must hold at hypothesis' points —
the constants of the expression among them, where the mutations hide.
"""
import pytest
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from check import check_vjp
from check.numeric import real as R
from check.numeric.arb_code import compile_arb
from check.checks.kinds import flat_symbols
from check.numeric.xp_arb import ARB
from spec import Derivative, Input, activation
from spec.domains import REAL
from spec.registry import unregister

CONSTANTS = [0, 1, 2, -1, 0.5, 0.25, 1e-3, 3, -0.75]


class Node:
    """An expression of x with its value and its derivative, both written on ``xp``."""

    def __init__(self, value, deriv, consts=()):
        self.value, self.deriv, self.consts = value, deriv, tuple(consts)


def leaf_x():
    return Node(lambda x, xp: x, lambda x, xp: xp.ones_like(x))


def leaf_c(c):
    return Node(lambda x, xp: c + 0 * x, lambda x, xp: 0 * x, (c,))


def combine(op, a, b, c):
    if op == "add":
        return Node(lambda x, xp: a.value(x, xp) + b.value(x, xp),
                    lambda x, xp: a.deriv(x, xp) + b.deriv(x, xp), a.consts + b.consts)
    if op == "mul":
        return Node(lambda x, xp: a.value(x, xp) * b.value(x, xp),
                    lambda x, xp: a.deriv(x, xp) * b.value(x, xp) + a.value(x, xp) * b.deriv(x, xp),
                    a.consts + b.consts)
    if op == "tanh":
        return Node(lambda x, xp: xp.tanh(a.value(x, xp)),
                    lambda x, xp: (1 - xp.tanh(a.value(x, xp)) ** 2) * a.deriv(x, xp), a.consts)
    if op == "exp":                                   # of tanh: bounded, so no exp of exp
        return Node(lambda x, xp: xp.exp(xp.tanh(a.value(x, xp))),
                    lambda x, xp: xp.exp(xp.tanh(a.value(x, xp))) * (1 - xp.tanh(a.value(x, xp)) ** 2)
                    * a.deriv(x, xp), a.consts)
    if op == "abs":
        return Node(lambda x, xp: xp.abs(a.value(x, xp)),
                    lambda x, xp: xp.sign(a.value(x, xp)) * a.deriv(x, xp), a.consts)
    if op == "maximum":
        return Node(lambda x, xp: xp.maximum(a.value(x, xp), b.value(x, xp)),
                    lambda x, xp: xp.where(a.value(x, xp) >= b.value(x, xp), a.deriv(x, xp), b.deriv(x, xp)),
                    a.consts + b.consts)
    cmp = {"gt": lambda x: x > c, "ge": lambda x: x >= c, "eq": lambda x: x == c, "lt": lambda x: x < c}[op]
    return Node(lambda x, xp: xp.where(cmp(x), a.value(x, xp), b.value(x, xp)),
                lambda x, xp: xp.where(cmp(x), a.deriv(x, xp), b.deriv(x, xp)), a.consts + b.consts + (c,))


consts = st.sampled_from(CONSTANTS)
leaves = st.one_of(st.just(None).map(lambda _: leaf_x()), consts.map(leaf_c))
exprs = st.recursive(
    leaves,
    lambda sub: st.builds(combine, st.sampled_from(["add", "mul", "tanh", "exp", "abs", "maximum",
                                                    "gt", "ge", "eq", "lt"]), sub, sub, consts),
    max_leaves=5)

MUTATIONS = {        # name -> (right?, vjp built from the node e and a constant c)
    "as derived": (True, lambda e, c: lambda x, v, *, xp: v * e.deriv(x, xp)),
    "unusual": (True, lambda e, c: lambda x, v, *, xp: xp.where(x >= c, v * e.deriv(x, xp),
                                                               e.deriv(x, xp) * v) + 0 * xp.where(x == c, 1, 0)),
    # 1e-40 off: relatively, and absolutely where the derivative vanishes (a constant's derivative is
    # 0, and 0·(1 + 1e-40) is still right): the error 1e-40·v·(d² + d + 1) is never 0 where v is not
    "1e-40 off": (False, lambda e, c: lambda x, v, *, xp: v * e.deriv(x, xp) * (1 + xp.asarray(1e-40))
                  + v * xp.asarray(1e-40) * (1 + e.deriv(x, xp) ** 2)),
    "wrong at x == c": (False, lambda e, c: lambda x, v, *, xp: v * xp.where(x == c, e.deriv(x, xp) + 1,
                                                                            e.deriv(x, xp))),
    "0/0 at x = 0": (False, lambda e, c: lambda x, v, *, xp: v * e.deriv(x, xp) * (x / x)),
}

_counter = [0]


def _holds_at(name, vjp, shape, xs, vs):
    """The formula agrees with the spec's derivative at one exact point (ball arithmetic, 2048 bits)."""
    prob = derive.problem(name, shape)
    truth = compile_arb(flat_symbols(prob, (prob.cotangent,)), derive.gradient(name, shape=shape))
    x = np.array([Fraction(v) for v in xs[:int(np.prod(shape))]], dtype=object).reshape(shape)
    v = np.array([Fraction(w) for w in vs[:int(np.prod(shape))]], dtype=object).reshape(shape)
    with R.precision(2048):
        try:
            want = truth(*[R.real(a) for a in list(x.flat) + list(v.flat)])
            got = np.asarray(vjp(ARB.array(x), ARB.array(v), xp=ARB), dtype=object)
        except R.Undecided:
            return True                                     # nothing decided: nothing claimed here
        for w, g in zip(want, got.flat):
            g = R.real(g)
            if not w.finite:
                continue
            if not g.finite:
                return False
            d = g - w
            if (d.exact and d.v != 0) or (not d.exact and not d.v.contains(0)):
                return False
    return True


@settings(max_examples=14, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(e=exprs, mutation=st.sampled_from(sorted(MUTATIONS)), data=st.data())
@pytest.mark.slow
def test_a_pass_always_holds_and_a_wrong_formula_never_passes(e, mutation, data):
    right, make = MUTATIONS[mutation]
    c = data.draw(st.sampled_from(list(e.consts) or [0.5]), label="c")
    _counter[0] += 1
    name = f"prop_expr_{_counter[0]}"
    vjp = make(e, c)
    activation(name, lambda x, *, xp: e.value(x, xp), inputs=[Input("x", REAL, "x")],
               derivatives=[Derivative("x", lambda x, v, *, xp: v * e.deriv(x, xp))])
    try:
        r = check_vjp(name, vjp)
        if not right:
            assert r.status in ("refuted", "inconclusive"), f"{mutation} passed: {r.message}"
        if r.status in ("proved", "verified"):
            special = [float(k) for k in e.consts] + [float(c), 0.0]
            xs = data.draw(st.lists(st.one_of(st.sampled_from(special), st.floats(-50, 50, allow_nan=False)),
                                    min_size=6, max_size=6), label="points")
            vs = data.draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=6, max_size=6), label="cotangent")
            shape = data.draw(st.sampled_from([(3,), (1, 4), (2, 2), (1, 1, 2), (2, 3)]), label="shape")
            assert _holds_at(name, vjp, shape, xs, vs), f"{mutation}: {r.status} but wrong at {xs} ({shape})"
    finally:
        unregister(name)
