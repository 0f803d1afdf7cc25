"""The points a check visits: ordinary samples, each input's extremes, and both sides of every kink.

Points are dicts from input name to an object array of Fractions, with the ``origin`` of each
(``ordinary``, ``extreme:<input>``, ``kink:<where>``) kept beside it for counterexamples and hints.
Sampling is seeded from the entry's name: the same check visits the same points every run.
"""
from __future__ import annotations

import random
from fractions import Fraction
import zlib
from dataclasses import dataclass, field

import numpy as np

from spec.domains import REAL
from spec.entry import Condition, Spec

from check.numeric.formats import format_of

ORDINARY = 6


@dataclass
class Point:
    values: dict          # input name -> Fraction array, in input order
    origin: str
    extras: dict = field(default_factory=dict)   # "cotangent" / "tangent" -> Fraction array, in argument order

    @property
    def values_flat(self) -> list:
        """Every input entry in input order, then each extra's: the truth's argument list."""
        return [v for arr in list(self.values.values()) + list(self.extras.values()) for v in arr.flat]

    @property
    def cotangent(self):
        return self.extras.get("cotangent")


def in_domain(spec: Spec, values: dict) -> bool:
    return all(i.domain.contains(values[i.name]) for i in spec.inputs)


def sample(spec: Spec, shape: tuple, params: dict, *, seed: int = 0, extras: dict | None = None) -> list[Point]:
    """Points of the domain; ``extras`` (name -> shape) adds real arrays such as a cotangent or a
    tangent to each (every fourth one all ones)."""
    rng = random.Random(zlib.crc32(spec.name.encode()) + seed)
    shapes = spec.shapes(shape)
    base = [{i.name: i.domain.ordinary(shapes[i.name], rng) for i in spec.inputs} for _ in range(ORDINARY)]
    points = [Point(b, "ordinary") for b in base]
    for inp in spec.inputs:
        for arr in inp.domain.extremes(shapes[inp.name], rng):
            points.append(Point(dict(base[0], **{inp.name: arr}), f"extreme:{inp.name}"))
    for kink in spec.kinks:
        for b in base[:2]:
            points += [Point(v, f"kink:{kink.description}") for v in kink.points(b, params)]
    points = [p for p in points if in_domain(spec, p.values)]
    for k, p in enumerate(points):
        for name, ext_shape in (extras or {}).items():
            arr = REAL.ordinary(ext_shape, rng)
            p.extras[name] = np.asarray(arr if k % 4 else arr * 0 + 1, dtype=object)   # 0-d stays an array
    return points


def restrict(points: list[Point], conditions: list[Condition], params: dict) -> list[Point]:
    """The points inside every condition (projected inside where the condition can, else dropped)."""
    out = []
    for p in points:
        values = p.values
        for c in conditions:
            if not c.holds(values, params) and c.inside is not None:
                values = c.inside(values, params)
        if all(c.holds(values, params) for c in conditions):
            out.append(Point(values, p.origin, p.extras))
    return out


def outside(points: list[Point], condition: Condition, params: dict) -> list[Point]:
    """Points moved outside a condition."""
    out = []
    for p in points:
        values = condition.outside(p.values, params)
        if values is not None and not condition.holds(values, params):
            out.append(Point(values, f"outside:{condition.name}", p.extras))
    return out


def rounded(values: dict, dtype: str) -> dict | None:
    """Each array rounded to the float format ``dtype`` and made exact again (Fractions); None when
    an entry does not fit (overflows, or a nonzero entry flushes to zero)."""
    fmt, out = format_of(dtype), {}
    for name, arr in values.items():
        wide = np.asarray(arr, dtype=np.float64)
        f = fmt.cast_array(wide)
        if not np.isfinite(f).all() or (f == 0).sum() != (wide == 0).sum():
            return None
        ex = np.empty(f.size, dtype=object)
        ex[:] = [Fraction(float(v)) for v in f.flat]
        out[name] = ex.reshape(f.shape)
    return out
