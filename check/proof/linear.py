"""Whether a conjunction of linear relations over the reals has a solution: exact Fourier–Motzkin.

    infeasible([(x - y, ">="), (y - x, ">"), ...])     # True only when no real x, y, … satisfy them all

Each relation is (e, op): ``e op 0`` with op one of ">", ">=", "==", "!=", e a real SymPy
expression that expands to rational multiples of terms; each distinct term (a symbol, or a product
such as x·t) is one unknown — treating a product as independent of its factors only adds solutions,
so "infeasible" stays a proof (anything else: the answer is False, "not shown infeasible").  Equalities are solved for one symbol and substituted; then each
symbol is eliminated from the inequalities by pairing every lower bound with every upper bound (a
pair is strict when either is); what is left are constant relations, decided exactly.  Elimination is
exact for the reals with strict inequalities, so True is a proof.  "!=" splits into "<" or ">": both
systems must be infeasible.  Work is bounded (``MAX_RELATIONS`` after any elimination step, ``MAX_SPLITS``
disequalities): past a bound the answer is False.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

MAX_RELATIONS = 400
MAX_SPLITS = 6


def linear_form(e):
    """({term: Fraction}, Fraction) with e = Σ a·term + c after expansion, a rational and each term a
    real symbol or any other real product (x·t, √2·x, π·x: an unknown of its own — a relaxation, which
    can only enlarge the solutions); None when a term is not known to be real or a coefficient is
    a Float."""
    e = sp.expand(e)
    coeffs: dict = {}
    const = Fraction(0)
    for term in sp.Add.make_args(e):
        c, rest = term.as_coeff_Mul()
        if not c.is_Rational:                                # a Float: not judged
            return None
        if rest == 1:
            const += Fraction(int(c.p), int(c.q))
        elif rest.is_real:
            coeffs[rest] = coeffs.get(rest, Fraction(0)) + Fraction(int(c.p), int(c.q))
        else:
            return None
    return {s: a for s, a in coeffs.items() if a != 0}, const


def _holds(const: Fraction, op: str) -> bool:
    return {">": const > 0, ">=": const >= 0, "==": const == 0}[op]


def _substitute(rel, s, by):
    """rel with symbol s replaced by the linear form ``by`` = (coeffs, const)."""
    coeffs, const, op = rel
    a = coeffs.get(s)
    if a is None:
        return rel
    out = {k: v for k, v in coeffs.items() if k != s}
    for k, v in by[0].items():
        out[k] = out.get(k, Fraction(0)) + a * v
    return {k: v for k, v in out.items() if v != 0}, const + a * by[1], op


def _infeasible(rels: list) -> bool:
    rels = list(rels)
    # equalities first: solve one for a symbol, substitute everywhere
    while True:
        eq = next((r for r in rels if r[2] == "==" and r[0]), None)
        if eq is None:
            break
        coeffs, const, _ = eq
        s = min(coeffs, key=sp.default_sort_key)
        a = coeffs[s]
        by = ({k: -v / a for k, v in coeffs.items() if k != s}, -const / a)
        rels = [_substitute(r, s, by) for r in rels if r is not eq]
    while True:
        if any(not r[0] and not _holds(r[1], r[2]) for r in rels):
            return True
        rels = [r for r in rels if r[0]]
        if not rels:
            return False
        s = min({k for r in rels for k in r[0]}, key=sp.default_sort_key)
        lower = [r for r in rels if r[0].get(s, 0) > 0]      # a·s + … ⋈ 0 with a > 0: s ⋈ −(…)/a
        upper = [r for r in rels if r[0].get(s, 0) < 0]
        keep = [r for r in rels if s not in r[0]]
        if len(keep) + len(lower) * len(upper) > MAX_RELATIONS:
            raise OverflowError
        for lo in lower:
            for up in upper:
                a, b = lo[0][s], -up[0][s]                   # b·lo + a·up eliminates s
                coeffs = {}
                for k in set(lo[0]) | set(up[0]):
                    v = b * lo[0].get(k, 0) + a * up[0].get(k, 0)
                    if v != 0 and k != s:
                        coeffs[k] = v
                op = ">" if ">" in (lo[2], up[2]) else ">="
                keep.append((coeffs, b * lo[1] + a * up[1], op))
        rels = keep


def infeasible(relations) -> bool:
    """True only when no real values of the symbols satisfy every (e, op) in ``relations``; False
    when they may (or the relations are not all linear, or the work would pass its bounds)."""
    forms = []
    for e, op in relations:
        form = linear_form(e)
        if form is None:
            return False
        forms.append((form[0], form[1], op))
    systems = [[]]
    splits = 0
    for coeffs, const, op in forms:
        if op == "!=":
            splits += 1
            if splits > MAX_SPLITS:
                return False
            neg = ({k: -v for k, v in coeffs.items()}, -const, ">")
            systems = [s + [r] for s in systems for r in ((coeffs, const, ">"), neg)]
        else:
            systems = [s + [(coeffs, const, op)] for s in systems]
    try:
        return all(_infeasible(s) for s in systems)
    except OverflowError:
        return False
