"""Points from a formula's and a spec's own structure: where branches switch, where things vanish.

    boundaries(traced, exprs)                       -> [Boundary(kind, expr, source)]
    points(spec, prob, boundaries, bases, params)    -> [Point]   (call under derive.budget)

A *boundary* is an expression g that vanishes where the structure changes:
    condition    a comparison's lhs − rhs (a where, a mask, ``p == t``: the equality set itself)
    kink         the argument of abs / sign, a − b of maximum/minimum, x − lo / x − hi of clip,
                 the differences of a row's entries under max/min (ties)
    denominator  a divisor (``x / x`` is recorded before SymPy cancels it to 1)
    log, sqrt    the argument of a log (log1p: 1 + x, xlogy: y) or a square root
They come from the formula as it runs on the SymPy namespace (``derive.xp_sympy.tracing``, so
nothing SymPy simplifies away is lost) and from walking the expressions of the formula's result
and of the spec's derivative (Piecewise conditions, Abs, sign, Max/Min, negative powers, logs).

Each boundary is solved exactly for one input entry at a base point (the other entries fixed):
polynomial equations (also under abs and sign, split by sign) by their exact roots, the rest by
sign changes and bisection; an irrational root is approximated to 40 digits.  Around each root r the sampler puts
points at r, at r·(1 ± ε) for ε = 10⁻¹, 10⁻⁴, 10⁻⁹, 10⁻¹⁵, at the two doubles adjacent to r and
halfway to them (exact rationals: an error confined to the gap between two doubles is visited),
at ±10⁻¹, ±10⁻⁹, ±10⁻⁴⁰ and ±2⁻¹⁰⁷⁴ when r = 0, and halfway between consecutive roots of the same
entry (a band between two thresholds, however narrow).  Boundaries that differ only in which
entry they concern are solved for a few entries and, together, for all of them at once.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp
from mpmath.libmp import NoConvergence

from derive import budget, dag

from check.numeric import real as R
from check.numeric.arb_code import compile_plain
from check.checks.points import Point, in_domain
from check.numeric.real import precision

RELATIVE = (Fraction(1, 10), Fraction(1, 10**4), Fraction(1, 10**9), Fraction(1, 10**15))
AT_ZERO = (Fraction(1, 10), Fraction(1, 10**9), Fraction(1, 10**40), Fraction(1, 2**1074))
PER_SIGNATURE = 2             # boundaries solved one by one per shape of boundary (besides all at once)
TOGETHER = 6                  # boundaries of one shape put on their boundary at once (at the first base)
BASES = 2                     # base points each boundary is solved at
MAX_BOUNDARIES = 40           # distinct boundary shapes kept (the first found)


@dataclass(frozen=True)
class Boundary:
    kind: str          # condition | kink | denominator | log | sqrt
    expr: object       # a SymPy expression that is 0 on the boundary
    source: str        # "formula" | "spec"

    @functools.cached_property
    def text(self) -> str:
        e = sp.sstr(self.expr)
        return f"{self.kind} {e if len(e) <= 50 else e[:47] + '...'} = 0 ({self.source})"


def walk(expr, source: str, seen: set | None = None, has_symbols=None) -> list[Boundary]:
    """Boundaries read off a SymPy expression, each distinct subexpression once (``seen``: nodes
    visited by earlier calls, not entered again — their boundaries were found then;
    ``has_symbols``: a derive.dag.HasSymbols to share)."""
    out = []
    expr = sp.sympify(expr)
    if not isinstance(expr, sp.Basic):
        return out
    for node in dag.preorder([expr], seen):
        if isinstance(node, sp.core.relational.Relational):
            out.append(Boundary("condition", node.lhs - node.rhs, source))
        elif isinstance(node, (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta)):
            out.append(Boundary("kink", node.args[0], source))
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            out += [Boundary("kink", a - b, source) for i, a in enumerate(args) for b in args[i + 1:]]
        elif isinstance(node, sp.log):
            out.append(Boundary("log", node.args[0], source))
        elif isinstance(node, sp.Pow) and node.exp.is_number:
            if node.exp.is_negative:
                out.append(Boundary("denominator", node.base, source))
            elif not node.exp.is_integer:
                out.append(Boundary("sqrt", node.base, source))
    has_symbols = has_symbols or dag.HasSymbols()
    return [b for b in out if has_symbols(b.expr)]


def boundaries(traced: list, exprs: list) -> list[Boundary]:
    """The formula's traced structure, then what its result and the spec's derivative show;
    duplicates removed (an expression and its negation are one boundary)."""
    found = [Boundary(kind, e, "formula") for kind, e in traced]
    visited, has_symbols = set(), dag.HasSymbols()
    for source, arr in exprs:
        for e in np.asarray(arr, dtype=object).flat:
            found += walk(e, source, visited, has_symbols)
    out, seen = [], set()
    for b in found:
        key = b.expr
        if key in seen or -key in seen or not isinstance(key, sp.Expr):
            continue
        seen.add(key)
        out.append(b)
    return out


def _signature(expr, owners: dict):
    """The expression with each entry symbol replaced by its input's name: boundaries that differ
    only in which entry they concern share it (an expression, compared structurally, as a key)."""
    rename = {s: sp.Symbol(owners[s][0]) for s in expr.free_symbols if s in owners}
    return expr.xreplace(rename)


def _fraction(value) -> Fraction | None:
    """A real SymPy number as an exact Fraction (irrational: its 40-digit decimal), else None."""
    value = sp.sympify(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if value.is_real is False or value.has(sp.I, sp.zoo, sp.oo, sp.nan):
        return None
    approx = sp.N(value, 40)
    if not approx.is_Float:
        return None
    return Fraction(str(approx)) if math.isfinite(float(approx)) else None


GRID = tuple(sorted({0, *(sgn * v for sgn in (1, -1) for v in (
    Fraction(1, 10**9), Fraction(1, 1000), Fraction(1, 10), Fraction(1, 2), 1, 2, 3, 5, 10, 40, 100, 10**4))}))
BISECTIONS = 90
SIGN_BITS = 256               # precision of the signs the bisection decides
SMALL = 40                    # operations: a boundary this small is asked whether it has one sign
ROOT_SECONDS = 2.0            # a safety net per boundary solved (the limits above make the work finite;
                              # the points, and so the cards, must not depend on the machine's speed)


def _polynomial_roots(g, s) -> list | None:
    """Exact roots of a polynomial with rational coefficients (None for any other coefficients)."""
    poly = sp.Poly(g, s)
    if poly.domain not in (sp.ZZ, sp.QQ):
        return None
    if poly.degree() <= 0:
        return []
    if poly.degree() <= 4:
        return list(sp.roots(poly, filter="R").keys())
    try:
        return [r for r in poly.nroots(n=40, maxsteps=200) if r.is_real]
    except NoConvergence:                   # mpmath's polyroots gave up: bracket the roots instead
        return None


def _abs_cases(g, s) -> list | None:
    """Roots of g with every Abs(h) / sign(h) (h polynomial in s) split by the sign of h; None when
    g is not of that form."""
    atoms = sorted((a for a in g.atoms(sp.Abs, sp.sign) if a.has(s)), key=sp.default_sort_key)
    if not atoms or len(atoms) > 3 or not all(a.args[0].is_polynomial(s) for a in atoms):
        return None
    import itertools
    out = []
    for signs in itertools.product((1, -1, 0), repeat=len(atoms)):
        rep = {a: (sgn * a.args[0] if isinstance(a, sp.Abs) else sp.Integer(sgn)) for a, sgn in zip(atoms, signs)}
        h = g.xreplace(rep)
        if not h.is_polynomial(s):
            return None
        candidates = _polynomial_roots(h, s) if h.has(s) else []
        if candidates is None:
            return None
        if any(sgn == 0 for sgn in signs):        # on a kink: where an argument is 0
            for a, sgn in zip(atoms, signs):
                if sgn == 0:
                    zeros = _polynomial_roots(a.args[0], s)
                    if zeros is None:
                        return None
                    candidates += zeros
        for r in candidates:
            vals = [a.args[0].xreplace({s: r}) for a in atoms]
            if all(sp.sign(v) == sgn for v, sgn in zip(vals, signs)) and sp.simplify(g.xreplace({s: r})) == 0:
                out.append(r)
    return out


def _bracketed(g, s) -> list:
    """Roots of a non-polynomial g located by sign changes over GRID and bisected (BISECTIONS
    halvings), every sign decided in ball arithmetic at SIGN_BITS bits: a value whose ball holds
    0 (log(1 − σ(10⁴)) at low precision) has no sign, so it starts no false bracket."""
    try:
        f = compile_plain(s, g)
    except (NotImplementedError, SyntaxError, TypeError):
        return []

    def sign(x: Fraction):
        with precision(SIGN_BITS):
            try:
                v = f(R.real(x))
                return R.signum(v) if v.finite else None
            except (R.Undecided, ZeroDivisionError, TypeError, ValueError):
                return None
    out = []
    grid = [Fraction(x) for x in GRID if not (s.is_positive and x <= 0) and not (s.is_nonnegative and x < 0)
            and not (s.is_negative and x >= 0) and not (s.is_nonpositive and x > 0)]   # exact midpoints
    signs = [sign(x) for x in grid]
    for k, (x, v) in enumerate(zip(grid, signs)):
        if v == 0:
            out.append(x)
        before = signs[k - 1] if k else None
        if v and before and v != before:
            lo, hi, slo = grid[k - 1], x, before
            for _ in range(BISECTIONS):
                mid = (lo + hi) / 2
                sm = sign(mid)
                if sm is None:
                    break
                if sm == 0:
                    lo = hi = mid
                    break
                if sm == slo:
                    lo = mid
                else:
                    hi = mid
            out.append((lo + hi) / 2)
    return [sp.Rational(r.numerator, r.denominator) for r in out]


def roots(g, s) -> list[Fraction]:
    """The real solutions of g(s) = 0 as Fractions: exact for polynomials (also under Abs and sign),
    else located by sign changes and bisection (good to ~2^-90 of the bracket).  A g of one sign
    (a sum of exponentials) has none."""
    g = sp.sympify(g)
    if not g.has(s):
        return []
    try:
        if sp.count_ops(g) <= SMALL and (g.is_positive or g.is_negative):
            return []
        found = _polynomial_roots(g, s) if g.is_polynomial(s) else _abs_cases(g, s)
        if found is None:
            found = _bracketed(g, s)
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError, ZeroDivisionError, AttributeError):
        return []
    out = []
    for r in found:
        f = _fraction(r)
        if f is not None and f not in out:
            out.append(f)
    return out


#: roots(g, s) already solved in this process.  The same boundaries at the same base points recur in
#: every check of an entry (the truth's boundaries in the gradient's, the HVP's and the emitted
#: code's checks): about half of the solving.  Only a result computed in full is kept (a budget
#: that ran out is not remembered), so the points are those found without the memo.
_SOLVED: dict = {}
SOLVED_LIMIT = 20000


def solved_roots(g, s) -> list[Fraction] | None:
    """``roots(g, s)`` under its budget (None past it), remembered for the process."""
    key = (g, s)
    if key in _SOLVED:
        return _SOLVED[key]
    rs, _ = budget.run(ROOT_SECONDS, roots, g, s)
    if rs is not None and len(_SOLVED) < SOLVED_LIMIT:
        _SOLVED[key] = rs
    return rs


def _double_neighbours(r: Fraction) -> list[Fraction]:
    f = float(r)
    if not math.isfinite(f):
        return []
    down, up = math.nextafter(f, -math.inf), math.nextafter(f, math.inf)
    out = []
    for n in (down, up):
        if math.isfinite(n):
            fn = Fraction(n)
            out += [fn, (fn + r) / 2]
    return out


def around(r: Fraction) -> list[Fraction]:
    """r, points beside it at relative offsets down to the gap between adjacent doubles."""
    out = [r]
    if r == 0:
        for e in AT_ZERO:
            out += [e, -e]
        return out
    for e in RELATIVE:
        out += [r * (1 - e), r * (1 + e)]
    return out + _double_neighbours(r)


def _set(values: dict, owners: dict, s, v: Fraction, spec) -> dict | None:
    """``values`` with the entry of symbol s set to v (a simplex row rebalanced on another entry);
    None when the point leaves the input's domain."""
    name, idx = owners[s]
    arr = values[name].copy()
    arr[idx] = v
    dom = next((i.domain for i in spec.inputs if i.name == name), None)
    if dom is not None and dom.row_wise and arr.ndim:
        row = arr[idx[:-1]]
        other = (idx[-1] + 1) % row.shape[0] if row.shape[0] > 1 else None
        if other is None:
            return None
        row[other] = row[other] + 1 - sum(row)
    out = dict(values)
    out[name] = arr
    return out


def points(spec, bounds: list[Boundary], owners: dict, bases: list[Point], prefer: str) -> list[Point]:
    """Points on and beside every boundary, solved at each base point.  ``owners`` maps each
    entry symbol to (input or extra name, index); ``prefer`` is the input solved for first.
    Deterministic: the work is bounded by counts (MAX_BOUNDARIES, TOGETHER, PER_SIGNATURE, BASES,
    BISECTIONS), never by the clock."""
    by_signature: dict = {}
    for b in bounds:
        by_signature.setdefault(_signature(b.expr, owners), []).append(b)
    signatures = list(by_signature.items())[:MAX_BOUNDARIES]
    out: list[Point] = []
    for b_index, base in enumerate(bases[:BASES]):
        flat = {**base.values, **base.extras}
        subs_all = {s: sp.Rational(flat[n][i].numerator, flat[n][i].denominator) if isinstance(
            flat[n][i], Fraction) else sp.sympify(flat[n][i]) for s, (n, i) in owners.items()}
        found: dict = {}                             # symbol -> [(root, boundary)]
        for _, group in signatures:
            together, moved_any = dict(flat), False
            for k, b in enumerate(group[:TOGETHER] if b_index == 0 else group[:PER_SIGNATURE]):
                syms = sorted((s for s in b.expr.free_symbols if s in owners),
                              key=lambda s: (owners[s][0] != prefer, str(s)))[:2]
                for s in syms:
                    g = b.expr.xreplace({t: v for t, v in subs_all.items() if t != s})
                    rs = solved_roots(g, s)
                    if not rs:
                        continue
                    found.setdefault(s, []).extend((r, b) for r in rs)
                    if k < PER_SIGNATURE:
                        label = f"boundary:{b.text}"
                        for r in rs[:2]:
                            for v in around(r):
                                moved = _set(flat, owners, s, v, spec)
                                if moved is not None:
                                    out.append(_point(spec, moved, base, label))
                    moved = _set(together, owners, s, rs[0], spec)
                    if moved is not None:
                        together, moved_any = moved, True
                    break
            if len(group) > 1 and moved_any:
                out.append(_point(spec, together, base, f"boundary:{group[0].text} (every entry)"))
        for s, rs in found.items():                  # halfway between consecutive roots of one entry
            values = sorted({r for r, _ in rs})
            for a, b in zip(values, values[1:]):
                moved = _set(flat, owners, s, (a + b) / 2, spec)
                if moved is not None:
                    out.append(_point(spec, moved, base, f"between:{s} = {float(a):.6g} and {float(b):.6g}"))
    return [p for p in out if in_domain(spec, p.values)]


def branches(exprs: list, owners: dict) -> list:
    """The effective condition of every branch of every Piecewise in ``exprs`` (a branch is taken
    where its condition holds and no earlier one does), one per shape of condition."""
    out, seen, visited = [], set(), set()
    for _, arr in exprs:
        for e in np.asarray(arr, dtype=object).flat:
            if not isinstance(e, sp.Basic):
                continue
            # those met in an earlier expression (visited) gave their conditions then
            found = {n for n in dag.preorder([e], visited) if isinstance(n, sp.Piecewise)}
            for pw in sorted(found, key=sp.default_sort_key):     # sets: hash order
                before = sp.false
                for _, c in pw.args:
                    effective = sp.And(c, sp.Not(before))
                    before = sp.Or(before, c)
                    if effective in (sp.true, sp.false) or not effective.free_symbols:
                        continue
                    key = _signature(effective, owners)
                    if key not in seen:
                        seen.add(key)
                        out.append(effective)
                    if len(out) >= MAX_BOUNDARIES:
                        return out
    return out


def _holds(cond, subs: dict) -> bool | None:
    """Whether a condition holds at exact values (None when SymPy cannot tell)."""
    try:
        v = cond.xreplace(subs)
        if v in (sp.true, sp.false):
            return v is sp.true
        return bool(v)
    except (TypeError, ValueError):
        return None


def _conjuncts(cond) -> list:
    cond = sp.to_nnf(cond)
    if isinstance(cond, sp.And):
        return sorted(cond.args, key=sp.default_sort_key)
    if isinstance(cond, sp.Or):
        return _conjuncts(min(cond.args, key=sp.default_sort_key))   # one way into the branch is enough
    return [cond]


def witnesses(spec, conds: list, owners: dict, base: Point) -> list[Point]:
    """For each branch condition a point where it holds, found from ``base`` by moving one entry per
    relation onto the side of its boundary the relation wants (relations met in order)."""
    flat = {**base.values, **base.extras}
    out = []
    for cond in conds:
        values, moved = dict(flat), set()
        for rel in _conjuncts(cond):
            subs = _subs(values, owners)
            if _holds(rel, subs) is not False:
                continue
            if not isinstance(rel, sp.core.relational.Relational):
                break
            g = rel.lhs - rel.rhs
            syms = sorted((x for x in g.free_symbols if x in owners), key=lambda x: (x in moved, str(x)))
            done = False
            for x in syms[:2]:
                rs = solved_roots(g.xreplace({t: v for t, v in subs.items() if t != x}), x)
                for r in rs or []:
                    for v in around(r):
                        trial = _set(values, owners, x, v, spec)
                        if trial is not None and _holds(rel, _subs(trial, owners)):
                            values, done = trial, True
                            moved.add(x)
                            break
                    if done:
                        break
                if done:
                    break
            if not done:
                break
        if values is not flat and _holds(cond, _subs(values, owners)):
            out.append(_point(spec, values, base, f"branch:{_short(cond)}"))
    return [p for p in out if in_domain(spec, p.values)]


def _subs(values: dict, owners: dict) -> dict:
    return {s: sp.Rational(values[n][i].numerator, values[n][i].denominator) for s, (n, i) in owners.items()
            if isinstance(values[n][i], Fraction)}


def _short(e) -> str:
    text = sp.sstr(e)
    return text if len(text) <= 60 else text[:57] + "..."


def _point(spec, values: dict, base: Point, origin: str) -> Point:
    inputs = {n: values[n] for n in base.values}
    extras = {n: values[n] for n in base.extras}
    return Point(inputs, origin, extras)


def equal_inputs(spec, base: Point) -> list[Point]:
    """The equality sets of same-shaped inputs: the second made equal to the first (p = t)."""
    out = []
    names = list(base.values)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if base.values[a].shape == base.values[b].shape:
                values = dict(base.values)
                values[b] = base.values[a].copy()
                if in_domain(spec, values):
                    out.append(Point(values, f"equal:{b} = {a}", dict(base.extras)))
    return out


def owners_of(prob, extras: tuple = ()) -> dict:
    """Each entry symbol of the inputs (and of the extras: cotangent, tangent) -> (name, index)."""
    out = {}
    for name, arr in prob.symbols.items():
        for idx in np.ndindex(arr.shape):
            out[arr[idx]] = (name, idx)
    for name, arr in extras:
        arr = np.asarray(arr, dtype=object)
        for idx in np.ndindex(arr.shape):
            out[arr[idx]] = (name, idx)
    return out

