"""Symbolic proof that an expression is identically 0 on a domain, under a time budget.

``prove_zero(expr)`` tries, in order of cost (each step sound on its own):
  1. exact rewriting: ``cancel`` (first as the numerator of ``together``, expanded) / ``expand``
     reduce it to 0;
  2. generalisation: every exp(a) is written as a product of fresh positive symbols E_i
     (exp(x+y) = E_x E_y) and every Max/Min, and every row's max/min as xp.max writes it (a
     Piecewise choosing its first maximal entry), by a fresh real symbol — if the result is 0 for all values of the new symbols, it
     is 0 in particular for the original ones;
  3. Piecewise forms: first every branch choice — each relation in a branch condition as a free
     boolean, the expression must reduce to 0 by steps 1–2 under every assignment of them, or the
     assignment's linear relations must have no real solution (check.proof.linear: exact
     Fourier–Motzkin), within a quarter of the budget; then branch by branch: the expression is
     folded into one Piecewise; a branch whose (effective) condition is unsatisfiable is
     discharged, every other branch must be 0;
  4. a sign case split, when one real symbol x is the only one inside every Abs, sign, Max/Min
     and branch condition: x = y, x = −y (y > 0) and x = 0 cover the reals, and each case
     must reduce to 0 by steps 1–3; for a sum over entries each with its own such symbol (a
     stable form of a reduced loss), the sum's terms grouped by their symbol, each group split
     by sign — every group 0 makes the sum 0;
  5. ``simplify`` under what is left of the budget.
It answers (True, how) or (False, why).  It never answers True without a reduction to 0, nor
for a difference holding a SymPy Float (a constant rounded to 53 bits: the formula is judged
exactly, and check.checks.derivative confirms every proof by evaluating the formula itself).
"""
from __future__ import annotations

import functools

import sympy as sp

from derive import budget, dag

from check.proof import linear


def _exp_to_symbols(expr):
    """exp(a) → products of fresh positive symbols; returns (expression, {argument: symbol})."""
    expr = sp.expand(expr, power_exp=True, mul=False, multinomial=False, deep=True)
    table = {}

    def sym(arg):
        if arg not in table:
            table[arg] = sp.Symbol(f"E{len(table)}", positive=True)
        return table[arg]

    def rewrite(e):
        if isinstance(e, sp.exp):
            coeff, terms = e.args[0].as_coeff_add()
            out = sp.exp(coeff) if coeff else sp.Integer(1)
            for t in terms:
                c, rest = t.as_coeff_Mul()
                if c.is_Integer:
                    out *= sym(rest) ** c
                else:
                    out *= sym(t)
            return out
        return e
    return expr.replace(lambda e: isinstance(e, sp.exp), rewrite), table


def _exp_log_normal(expr, table):
    """Also x → log E_x for each symbol x whose exp became E_x (a bijection of ℝ onto E_x > 0),
    then every log argument over a common denominator and logs of products expanded."""
    back = {x: sp.log(E) for x, E in table.items() if isinstance(x, sp.Symbol)}
    if not back:
        return None
    e = expr.xreplace(back)
    e = e.replace(lambda a: isinstance(a, sp.log), lambda a: sp.log(sp.factor(sp.together(a.args[0]))))
    return sp.expand_log(e, force=False)


def _is_row_extreme(p) -> bool:
    """A Piecewise as xp.max/xp.min of a row writes it (derive.xp_sympy): real values v_0 … v_k,
    branch j taken where v_j ≥ (≤) every later value, the last one otherwise."""
    if not isinstance(p, sp.Piecewise) or len(p.args) < 2 or p.args[-1][1] is not sp.true:
        return False
    values = [v for v, _ in p.args]
    if not all(v.is_extended_real for v in values):
        return False
    for j, (v, c) in enumerate(p.args[:-1]):
        relations = c.args if isinstance(c, sp.And) else (c,)
        if not all(isinstance(r, (sp.Ge, sp.Le)) and r.lhs == v and r.rhs in values[j + 1:] for r in relations):
            return False
    return True


def _extrema_to_symbols(expr):
    """Each Max/Min, and each row's max/min as xp.max writes it (its first maximal entry), as a
    fresh real symbol — the same one where they are equal."""
    table = {}
    for m in sorted(dag.atoms(expr, sp.Max, sp.Min, sp.Piecewise), key=sp.default_sort_key):
        if not isinstance(m, sp.Piecewise) or _is_row_extreme(m):
            table[m] = sp.Symbol(f"M{len(table)}", real=True)
    return expr.xreplace(table) if table else expr


def _plain_zero(expr) -> str | None:
    """A reason string if a cheap exact rewriting brings expr to 0, else None."""
    if expr == 0:
        return "identical"
    gen = _extrema_to_symbols(expr)
    # where that takes away every Piecewise (a log-sum-exp's row max), the generalised form first:
    # cancel on the Piecewise form costs 6x as much there and fails (poly1_cross_entropy's emitted
    # gradient: 0.30 s an entry against 0.05 s, which put its proof at its budget)
    first = gen != expr and not gen.has(sp.Piecewise)
    if first and sp.cancel(sp.expand(gen)) == 0:
        return "max as a free symbol"
    if not expr.has(sp.Piecewise) and sp.expand(sp.fraction(sp.together(expr))[0]) == 0:
        return "cancel"         # the rational function's numerator is 0: what cancel finds, 5x cheaper
    if sp.cancel(expr) == 0:    # (poly1_cross_entropy's H·u entries: 0.08 s against 0.38 s)
        return "cancel"
    if sp.expand(expr) == 0:
        return "expand"
    if gen != expr and not first and sp.cancel(sp.expand(gen)) == 0:
        return "max as a free symbol"
    if gen.has(sp.tanh, sp.cosh, sp.sinh):
        gen = gen.rewrite(sp.exp)
    gen, table = _exp_to_symbols(gen)
    if sp.cancel(gen) == 0:
        return "exp as positive symbols"
    if sp.cancel(sp.expand_log(gen, force=False)) == 0:
        return "log expansion"
    normal = _exp_log_normal(gen, table)
    if normal is not None and sp.cancel(normal) == 0:
        return "exp/log normal form"
    return None


def _generalised_condition(cond):
    """Each relation's non-constant side becomes a fresh real symbol (shared when equal)."""
    table = {}
    def rel(r):
        e = r.lhs - r.rhs
        c, g = e.as_coeff_Add()
        k, h = g.as_coeff_Mul()
        if h not in table:
            table[h] = sp.Symbol(f"u{len(table)}", real=True)
        return r.func(c + k * table[h], 0)
    return cond.replace(lambda e: isinstance(e, sp.core.relational.Relational), rel), table


def unsatisfiable(cond) -> bool:
    """True only when no real value satisfies ``cond``.

    After generalisation every relation reads c + k·u ⋈ 0 with numbers c, k: linear in one fresh
    symbol u, so the condition's truth can change only at the roots −c/k.  Testing it at each root,
    between consecutive roots and beyond both ends decides it exactly.  Conditions in more than one
    generalised symbol are not decided (False: the branch must then be proved 0).
    """
    if cond is sp.false:
        return True
    if cond is sp.true:
        return False
    gen, table = _generalised_condition(cond)
    if gen is sp.false:
        return True
    if gen is sp.true or len(table) != 1:
        return False
    (u,) = table.values()
    roots = set()
    for r in gen.atoms(sp.core.relational.Relational):
        c, k = (r.lhs - r.rhs).as_independent(u, as_Add=True)
        k = k / u
        if not (c.is_Number and k.is_Number and k != 0):
            return False
        roots.add(-c / k)
    roots = sorted(roots)
    probes = list(roots) + [a + (b - a) / 2 for a, b in zip(roots, roots[1:])]
    probes += [roots[0] - 1, roots[-1] + 1] if roots else [sp.Integer(0)]
    return all(gen.xreplace({u: v}) is sp.false for v in probes)


def _branches(expr):
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return [(folded, sp.true)]
    out, before = [], sp.false
    for e, c in folded.args:
        out.append((e, sp.And(c, sp.Not(before))))
        before = sp.Or(before, c)
    return out


def _with_row_extremes(expr) -> bool:
    return any(_is_row_extreme(p) for p in dag.atoms(expr, sp.Piecewise))


def _zero_branchwise(expr, deadline, extremes_tried: bool = False) -> str | None:
    if not expr.has(sp.Piecewise):
        return _plain_zero(expr)
    if not extremes_tried and _with_row_extremes(expr):
        how = _plain_zero(expr)            # a row's max as a free symbol, before folding its branches
        if how:
            return how
    used = set()
    for e, cond in _branches(expr):
        if budget.clock() > deadline:
            raise budget.BudgetExceeded()
        how = _plain_zero(e)
        if how is None:
            if unsatisfiable(cond):
                used.add("unreachable branch discharged")
                continue
            return None
        used.add(how)
    return "branch by branch (" + ", ".join(sorted(used)) + ")"


MAX_CONDITION_ATOMS = 10        # branch choices tried: 2^atoms at most
BRANCH_CHOICE_SHARE = 0.25      # of a proof's budget, at most, for them
#: SymPy's simplify, the last resort, only for differences of at most this many operations
#: (count_ops): it proves small identities the rewritings miss (softsign's every-size VJP, 18
#: operations: sign(x)·x = |x| on indexed entries) and on larger ones only spends the rest of the
#: budget — over the catalog it proved nothing else: triplet_margin's 130–420-operation
#: differences took 1–2.4 s each (17 s of its checks), the emitted activations' 25–80-operation
#: ones 0.3–1.6 s each (7 s).  A count, not the clock, so the verdict does not depend on the
#: machine's load.
SIMPLIFY_MAX_OPS = 24


def _relation_atom(r):
    """(key, negated) with ``r`` ⇔ key (negated False) or ¬key (True): key = (e, ">=" | ">" | "==")
    for the relation e ⋈ 0, e = ±(lhs − rhs) of canonical sign, so that a ≥ b, b ≤ a, ¬(a < b)
    and their negations share one key."""
    e = r.lhs - r.rhs
    flip = e.could_extract_minus_sign()
    if flip:
        e = -e
    if isinstance(r, (sp.Eq, sp.Ne)):
        return (e, "=="), isinstance(r, sp.Ne)
    strict = isinstance(r, (sp.Gt, sp.Lt))
    upward = isinstance(r, (sp.Ge, sp.Gt)) != flip        # e > 0 / e ≥ 0 (True) or e < 0 / e ≤ 0
    if upward:
        return (e, ">" if strict else ">="), False
    return (e, ">=" if strict else ">"), True              # e < 0 ⇔ ¬(e ≥ 0); e ≤ 0 ⇔ ¬(e > 0)


class _OutOfShare(Exception):
    """Every branch choice has used its share of the budget."""


def _choice_relations(keys: dict, choice: dict, symbols) -> list:
    """The relations (e, op) a choice of some of the keys' truth values asserts, with the symbols'
    own signs (a positive symbol s: s > 0)."""
    out = []
    for (e, op), b in keys.items():
        if b not in choice:
            continue
        if choice[b]:
            out.append((e, op))
        else:
            out.append({">=": (-e, ">"), ">": (-e, ">="), "==": (e, "!=")}[op])
    for x in symbols:
        if x.is_positive:
            out.append((x, ">"))
        elif x.is_nonnegative:
            out.append((x, ">="))
    return out


@functools.lru_cache(maxsize=4096)
def _infeasible(relations: tuple) -> bool:
    """check.proof.linear.infeasible, remembered: the entries of one gradient share their branch
    conditions, so their choices ask about the same relations."""
    return linear.infeasible(relations)


class _Booleans:
    """The branch booleans under each node of an expression, memoised — SymPy walks the whole tree
    for every ``free_symbols`` — and a boolean set to a value by rebuilding only the nodes above it
    (``func(*args)``, as ``xreplace`` rebuilds, so that a Piecewise whose condition became True
    collapses as it would there)."""

    def __init__(self, bools):
        self.bools = frozenset(bools)
        self.memo: dict = {}

    def of(self, e) -> frozenset:
        if not e.args:
            return frozenset((e,)) if e in self.bools else frozenset()
        found = self.memo.get(e)
        if found is None:
            found = self.memo[e] = frozenset().union(*(self.of(a) for a in e.args))
        return found

    def set(self, e, b, value):
        if e is b or e == b:
            return value
        if b not in self.of(e):
            return e
        return e.func(*(self.set(a, b, value) for a in e.args))


def _every_branch_choice(expr, stop: float) -> str | None:
    """Branch conditions as booleans: each relation in a Piecewise condition becomes a boolean symbol
    (a relation and its negation, written either way round, share one), and for *every* assignment
    of them the expression must reduce to 0 (the cheap exact rewritings) — or the assignment must be
    infeasible: its relations, those linear with rational coefficients, have no real solution
    (check.proof.linear, exact).  At any real point the relations take one feasible assignment, so
    the expression is 0 there.  None when there is no Piecewise, more than ``MAX_CONDITION_ATOMS``
    relations, a feasible choice that does not reduce (or leaves a branch undecided), or past
    ``stop`` (``budget.clock``, this process's CPU seconds)."""
    pieces = dag.atoms(expr, sp.Piecewise)
    if not pieces:
        return None
    relations = set()
    for pw in pieces:
        for _, c in pw.args:
            relations |= getattr(c, "atoms", lambda *_: set())(sp.core.relational.Relational)
    keys, rule = {}, {}
    for r in sorted(relations, key=sp.default_sort_key):
        key, negated = _relation_atom(r)
        if key not in keys:
            keys[key] = sp.Dummy(f"b{len(keys)}")
        rule[r] = sp.Not(keys[key]) if negated else keys[key]
    if not keys or len(keys) > MAX_CONDITION_ATOMS:
        return None
    general = expr.xreplace(rule)
    bools = list(keys.values())
    done, used = set(), set()
    under = _Booleans(bools)

    def zero_for_every_completion(e, choice: dict) -> bool:
        # the booleans still in e are set one at a time, in order: a choice that leaves no branch
        # to take is reduced once for all its completions; one that does not reduce is discharged
        # when the relations chosen so far have no real solution
        if budget.clock() > stop:
            raise _OutOfShare()
        present = under.of(e)
        left = [b for b in bools if b in present]
        if left:
            b = left[0]
            return all(zero_for_every_completion(under.set(e, b, v), {**choice, b: v == sp.true})
                       for v in (sp.true, sp.false))
        if e == 0:
            used.add("identical")
            return True
        if e in done:
            return True
        # an infeasible choice before the rewritings: deciding that (exact, remembered) is cheaper
        # than the rewritings failing on a leaf no real point reaches
        if _infeasible(tuple(_choice_relations(keys, choice, expr.free_symbols))):
            used.add("infeasible choices discharged")
            return True
        how = None if e.has(sp.Piecewise) else _plain_zero(e)
        if how is not None:
            done.add(e)
            used.add(how)
            return True
        return False

    try:
        # a soft budget at the share's end where one can be armed (the main thread), so that no
        # single rewriting outlasts it; elsewhere the share is checked between choices only
        with budget.soft(max(stop - budget.clock(), 1e-3)):
            if not zero_for_every_completion(general, {}):
                return None
    except (_OutOfShare, budget.BudgetExceeded):
        if budget.clock() < stop:
            raise                           # the whole proof's budget, not this step's share
        return None
    return "every branch choice (" + ", ".join(sorted(used)) + ")"


def _kink_symbols(expr) -> set:
    syms = set()
    for a in dag.atoms(expr, sp.Abs, sp.sign, sp.Max, sp.Min):
        syms |= a.free_symbols
    for pw in dag.atoms(expr, sp.Piecewise):
        for _, c in pw.args:
            syms |= c.free_symbols if hasattr(c, "free_symbols") else set()
    return syms


def _kink_arguments(expr) -> set:
    """What every kink turns on, up to sign (a and −a are one): the argument of each Abs and sign,
    a − b of each Max(a, b) / Min(a, b), lhs − rhs of each relation in a branch condition."""
    found = [a.args[0] for a in dag.atoms(expr, sp.Abs, sp.sign)]
    for m in dag.atoms(expr, sp.Max, sp.Min):
        if len(m.args) != 2:
            return {None}                  # three-way extrema: not attempted
        found.append(m.args[0] - m.args[1])
    for pw in dag.atoms(expr, sp.Piecewise):
        for _, c in pw.args:
            found += [r.lhs - r.rhs for r in getattr(c, "atoms", lambda *_: ())(sp.core.relational.Relational)]
    return {-a if a.could_extract_minus_sign() else a for a in found}


def _one_kink_symbol(expr):
    """(expression, x) with x the one real symbol inside every kink — after a generalisation: when
    every Abs and sign holds ±a for one non-symbol a (|p − t|), and the expression depends on a's
    symbols through a alone, a becomes a fresh real symbol (0 for every real value of it is 0 in
    particular at a).  None when there is no such symbol."""
    syms = _kink_symbols(expr)
    if len(syms) == 1:
        (x,) = syms
        return (expr, x) if x.is_real else None
    args = _kink_arguments(expr)
    if len(args) != 1:
        return None
    (a,) = args
    if a is None or not a.is_real:
        return None
    u = sp.Dummy("u", real=True)
    general = expr.xreplace({a: u, -a: -u})
    if general.free_symbols & a.free_symbols:
        return None
    return general, u


def _by_sign(expr, deadline) -> str | None:
    found = _one_kink_symbol(expr)
    if found is None:
        return None
    expr, x = found
    y = sp.Symbol("y", positive=True)
    for case in (y, -y, sp.Integer(0)):
        if _zero_branchwise(expr.xreplace({x: case}), deadline) is None:
            return None
    return "sign case split"


def _whole_factors(expr) -> list:
    """The subexpressions ``expand`` (products over sums, no log, power or multinomial expansion)
    keeps whole as factors of a term: those reached from ``expr`` through sums and products only."""
    out, stack, seen = [], [expr], set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if isinstance(e, (sp.Add, sp.Mul)):
            stack.extend(e.args)
        elif not e.is_Atom:
            out.append(e)
    return out


def _separable_by_sign(expr, deadline) -> str | None:
    """Σ over entries, each with its own kink argument: the expanded sum's terms grouped by the one
    kink argument whose symbols each holds (terms holding none form a group of their own, constants
    are shared out evenly among the kinked groups); every group 0 (by the sign case split) makes the
    sum 0.  A term holding the symbols of two kink arguments: not attempted."""
    args = _kink_arguments(expr)
    if len(args) < 2 or None in args:
        return None
    symbols_of = {a: a.free_symbols for a in args}
    for f in _whole_factors(expr):  # a factor the expansion keeps whole, holding the symbols of two
        held = f.free_symbols       # kink arguments: a term holds both (ntxent: log Σ exp over rows
        if sum(1 for a in args if held & symbols_of[a]) > 1:     # — 1.8 s of expanding, refused)
            return None
    groups: dict = {}
    for term in sp.Add.make_args(sp.expand(expr, log=False, power_exp=False, power_base=False,
                                           multinomial=False)):
        held = [a for a in args if term.free_symbols & symbols_of[a]]
        if len(held) > 1:
            return None
        groups.setdefault(held[0] if held else ("constant" if not term.free_symbols else None), []).append(term)
    shares = sp.Add(*groups.pop("constant", []))       # the entries' constants, summed by SymPy (6·log 2 / 6):
    kinked = [a for a in groups if a is not None]      # shared out evenly again
    for a in kinked:
        groups[a].append(shares / len(kinked))
    if len(kinked) < 2:
        return None
    for x, terms in groups.items():
        if budget.clock() > deadline:
            raise budget.BudgetExceeded()
        group = sp.Add(*terms)
        if (_zero_branchwise(group, deadline) if x is None else _by_sign(group, deadline)) is None:
            return None
    return "sign case split, entry by entry"


def prove_zero(expr, seconds: float, choice_seconds: float | None = None) -> tuple[bool, str]:
    """(True, method) if expr is proved identically 0 within ``seconds``; else (False, reason).
    A difference holding a SymPy Float (a constant rounded to 53 bits) is never proved.
    ``choice_seconds``: every branch choice's share (default BRANCH_CHOICE_SHARE of ``seconds``)."""
    if choice_seconds is None:
        choice_seconds = BRANCH_CHOICE_SHARE * seconds
    if isinstance(expr, sp.Basic) and expr.has(sp.Float):
        return False, "a rounded constant (a SymPy Float) is in the difference; formulas are judged exactly"

    def attempt():
        # the deadline on the clock of the process that runs the attempt (a forked child's CPU
        # time starts at 0: one computed here in the caller would lie far in its future)
        deadline = budget.clock() + seconds
        # entry by entry first: folding a sum of n Piecewise entries into one has up to 2^n branches
        # every branch choice before folding the branches: it is cheap where it applies, and stops
        # at its share of the budget (leaving the rest to the others) where it does not
        how = _separable_by_sign(expr, deadline)
        extremes = not how and _with_row_extremes(expr)
        if extremes:
            how = _plain_zero(expr)        # a row's max as a free symbol, before its branches
        share = budget.clock() + choice_seconds
        how = (how or _every_branch_choice(expr, min(share, deadline))
               or _zero_branchwise(expr, deadline, extremes_tried=extremes) or _by_sign(expr, deadline))
        if how:
            return how
        rest = deadline - budget.clock()
        if rest > 0.05 and sp.count_ops(expr) <= SIMPLIFY_MAX_OPS:
            value, why = budget.run(rest, sp.simplify, expr)
            if value is not None and value == 0:
                return "simplify"
        return None

    try:
        how, why = budget.run(seconds, attempt)
    except Exception as e:          # a SymPy failure (simplify of a Sum with a KroneckerDelta can raise
        return False, f"SymPy raised {type(e).__name__} while simplifying"    # StopIteration) proves nothing
    if how:
        return True, how
    return False, why or "the difference did not reduce to 0"


def prove_all_zero(diffs, seconds: float) -> tuple[bool, str]:
    """Prove every entry of an array of differences is 0, sharing one budget."""
    deadline = budget.clock() + seconds
    methods = set()
    for i, d in enumerate(diffs):
        rest = deadline - budget.clock()
        if rest <= 0:
            return False, f"time budget of {seconds:g} s exceeded at entry {i}"
        # every entry's branch choices get the same share, of the whole budget: a share of what
        # is left starved the last entries (categorical_hinge's sixth, 0.26 s, got 0.23 s of 2)
        ok, how = prove_zero(sp.sympify(d), rest, BRANCH_CHOICE_SHARE * seconds)
        if not ok:
            return False, f"entry {i}: {how}"
        methods.add(how)
    return True, "; ".join(sorted(methods))
