"""Evaluating a formula against the spec's derivative at one shape: the points, the truth, the comparison.

    shapes = shapes_for(spec, prob, requested=None, every_size=True)   # (2, 3), (1, 1), (3, 4), (3,), (1, 2, 3)
    run = run(spec, (2, 3), params, "grad", "predicted", conditions, hand, bits=1280)
    run.outcome          # check.checks.verify.Outcome: failures, agreement, where undefined, …

The points at a shape are the domain's (check.checks.points: ordinary, extremes, both sides of every
kink), the structure's (check.checks.structure: boundaries of the formula's and the spec's branches,
equality sets, singular points, found by running the formula on the SymPy namespace under a
budget), and the equality of same-shaped inputs; those outside the conditions are projected in or
dropped.  The truth is derive's derivative at that shape compiled to exact-or-ball code
(check.numeric.arb_code); the formula runs on the arb namespace (check.numeric.xp_arb).  ``shapes_for`` picks the
shapes a check evaluates at, keeping only those the spec accepts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

import derive
from derive import budget
from derive.gradient import check_shape
from derive.xp_sympy import XP as SYMPY_XP, tracing
from spec.errors import GradspecError, lines
from spec.xp import NUMPY

from check.checks import points as pts
from check.checks import structure
from check.numeric import real as R
from check.numeric.arb_code import compile_arb
from check.checks.kinds import flat_symbols
from check.checks.verdict import params_for
from check.checks.verify import Outcome, compare
from check.numeric.xp_arb import ARB

BITS = 1280                   # the first rung of the precision ladder (bits); then 4× and 16×
MAX_BITS = 20480
STRUCTURE_SECONDS = 30.0      # a safety net for tracing the formula and solving its boundaries, per shape:
                              # the work is bounded by counts (check.checks.structure), so points never depend
                              # on the machine's speed


def check_bits(bits) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or not BITS <= bits <= MAX_BITS:
        raise GradspecError(lines(f"gradspec: precision bits={bits!r} is out of range",
                                  f"give an integer from {BITS} (the default: differences down to 2^-1000 "
                                  f"are decided) to {MAX_BITS}"))


def ladder(bits: int) -> tuple:
    return (bits, 4 * bits, 16 * bits)


@dataclass
class Run:
    """One shape's evaluation."""
    shape: tuple
    outcome: Outcome
    structure_points: int
    structure_note: str | None = None     # why the structure could not be read (budget, SymPy)
    truth_at: object = None               # point -> the spec's values (Reals), at the caller's precision
    formula: object = None                # (point, xp) -> the formula's array
    convention: str = ""                  # the truth's convention where it is not classical (Operator)


def accepts(spec, shape: tuple, params: dict) -> bool:
    """Whether the spec takes inputs at ``shape``: their shapes exist and the forward runs on NumPy."""
    try:
        check_shape(spec, shape)
        shapes = spec.shapes(shape)
        rng = random.Random(0)
        values = [np.asarray(i.domain.ordinary(shapes[i.name], rng), dtype=np.float64) for i in spec.inputs]
        with np.errstate(all="ignore"):
            out = spec.forward(*values, xp=NUMPY, **dict(params))
        return spec.kind != "loss" or np.shape(out) == ()
    except Exception:
        return False


def shapes_for(spec, prob, *, requested, every_size: bool) -> list[tuple]:
    """The shapes a check evaluates at: the requested one alone; else the default, 1×1 and a larger
    one (for entries whose inputs have shapes of their own: a batch of one and a larger batch), and
    for an every-size claim also a vector and three axes — each only where the spec accepts it."""
    if requested is not None:
        return [prob.shape]
    d = prob.shape
    candidates = [(1,) * len(d), tuple(k + 1 for k in d), (1,) + d[1:], (d[0] + 1,) + d[1:]]
    out = [d]
    for c in candidates:
        if len(out) >= 3:
            break
        if c not in out and accepts(spec, c, prob.params):
            out.append(c)
    if every_size:
        for c in ((d[-1],), (1,) + d):
            if c not in out and accepts(spec, c, prob.params):
                out.append(c)
    return out


def _structure(spec, prob, op, prefer, hand, bases):
    """Points from the formula's and the spec's structure at this shape (runs under a budget)."""
    args = [prob.symbols[n] for n in spec.input_names]
    with tracing() as trace:
        try:
            got = hand(prob, args, list(op.extra_symbols), SYMPY_XP)
        except Exception:                     # the formula may not run on symbols; its structure is lost
            got = None
    exprs = [("spec", op.truth)] + ([("formula", np.asarray(got, dtype=object))] if got is not None else [])
    bounds = structure.boundaries(list(trace), exprs)
    owners = structure.owners_of(prob, op.extras)
    found = structure.points(spec, bounds, owners, bases, prefer)
    if bases:
        found += structure.witnesses(spec, structure.branches(exprs, owners), owners, bases[0])
        found += structure.equal_inputs(spec, bases[0])
    return found


def _key(p) -> tuple:
    return tuple(v for v in p.values_flat)


def unique(points: list) -> list:
    seen, out = set(), []
    for p in points:
        k = _key(p)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def run(spec, shape, params, target, hand, *, bits: int = BITS, select=None, prefer=None) -> Run:
    """Evaluate ``hand(prob, args, extras, xp)`` against ``target(prob)`` (a check.checks.kinds.Operator:
    the truth, its extra arguments, a noun for messages) at ``shape``; ``select(points, prob)`` keeps
    the points to judge (by default all of them)."""
    prob = derive.problem(spec, shape, params)
    op = target(prob)
    sampled = pts.sample(spec, prob.shape, prob.params, extras=op.extra_shapes)
    bases = [p for p in sampled if p.origin == "ordinary"]
    extra, why = budget.run(STRUCTURE_SECONDS, _structure, spec, prob, op, prefer or spec.input_names[0], hand, bases,
                            kind="wall")     # a safety net around the user's formula (see STRUCTURE_SECONDS)
    points = sampled + (extra or [])
    points = unique(select(points, prob) if select is not None else points)
    truth = compile_arb(flat_symbols(prob, op.extra_symbols), op.truth)
    names = list(spec.input_names)

    def truth_at(p):
        return truth(*[R.real(v) for v in p.values_flat])

    def formula(p, xp):
        return hand(prob, [xp.array(p.values[n]) for n in names], [xp.array(a) for a in p.extras.values()], xp)

    outcome = compare(truth_at, formula, points, op.truth.shape, what=op.noun, ladder=ladder(bits),
                      defined=forward_defined(spec, prob.params))
    return Run(prob.shape, outcome, len(extra or []), why, truth_at, formula, op.convention)


def forward_defined(spec, params):
    """p -> whether the spec's forward is finite at p (exact-or-ball, at the caller's precision).
    Only a forward that is decidedly not finite (or divides by an exact 0) counts as undefined: an
    undecided comparison or any other error keeps the point's failure."""
    arb_params = params_for(params, ARB)

    def defined(p) -> bool:
        try:
            out = spec.forward(*[ARB.array(p.values[n]) for n in spec.input_names], xp=ARB, **arb_params)
            values = [R.real(v) for v in np.asarray(out, dtype=object).flat]
        except ZeroDivisionError:
            return False
        except Exception:
            return True
        return all(v.finite or v.unknown for v in values)
    return defined


def inside(conditions):
    """A ``select`` keeping the points inside every condition (projected in where it can)."""
    return lambda points, prob: pts.restrict(points, conditions, prob.params)
