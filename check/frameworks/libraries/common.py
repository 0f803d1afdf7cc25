"""The pieces every library's adapters are made of: ``Adapter``, ``Convention`` and convention tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np

from spec.domains import exact
from spec.entry import variant_tag


@dataclass(frozen=True)
class Convention:
    description: str
    applies: Callable[[dict, dict], bool]       # (input name -> float array, spec params) -> bool


@dataclass(frozen=True)
class Adapter:
    spec: str
    call: str                                   # as a person types it; input and parameter names are replaced
    make: Callable[[dict], Callable]            # spec params -> the callable audited
    conventions: tuple = field(default_factory=tuple)
    params: dict = field(default_factory=dict)  # spec parameters this call implements (besides the defaults)

    @property
    def key(self) -> str:
        """The spec's name, with the parameters that differ from its defaults: ``smooth_l1 {beta=0}``."""
        return self.spec + variant_tag(self.params) if self.params else self.spec


def floats(values: dict, name: str) -> np.ndarray:
    return np.asarray(values[name], dtype=np.float64)


def outside_clamp(name: str, param: str = "eps"):
    """Some entry of ``name`` strictly outside [eps, 1 − eps], compared exactly (the float 1e-06 is below 1/10⁶)."""
    def applies(values, params):
        eps = exact(params.get(param, 0))
        return any(Fraction(float(v)) < eps or Fraction(float(v)) > 1 - eps for v in floats(values, name).flat)
    return applies


def below(name: str, bound: float):
    """Some entry of ``name`` below ``bound``."""
    return lambda values, params: bool((floats(values, name) < bound).any())


def tie(margin_of):
    """Some entry where ``margin_of(values, params)`` (a float64 array) is exactly 0: a kink's tie."""
    return lambda values, params: bool((np.asarray(margin_of(values, params)) == 0).any())


def hinge_margin(values, params):
    """1 − t·p, whose zeros are the hinge's ties."""
    return 1 - floats(values, "target") * floats(values, "predicted")


def rows_not_normalised(name: str):
    """Some last-axis row of ``name`` whose sum is not 1 (in float64)."""
    return lambda values, params: bool((np.abs(floats(values, name).sum(axis=-1) - 1) > 1e-6).any())


def row_max_tied(values_of):
    """Some last-axis row of ``values_of(values, params)`` (a float64 array) whose max is attained twice."""
    def applies(values, params):
        v = np.asarray(values_of(values, params))
        return bool(((v == v.max(axis=-1, keepdims=True)).sum(axis=-1) > 1).any())
    return applies


def at_values(name: str, points):
    """Some entry of ``name`` exactly at one of ``points(params)``: an activation's tie."""
    return lambda values, params: bool(np.isin(floats(values, name), np.asarray(points(params), dtype=float)).any())


JAX_ABS = "JAX's abs has slope 1 at 0; the spec takes sign(0) = 0 (the subgradient 0)"
JAX_TIE = ("JAX's maximum splits the gradient at a tie (half to each argument); the spec takes the "
           "subgradient 0 there")

JAX_MAX_TIE = ("JAX's max over a row splits the gradient equally among the tied entries; the spec gives it to "
               "the first tied entry")

JAX_BOUNDS = ("JAX's where(x > bound, …) and maximum/minimum pass or split the gradient at a bound; the spec "
              "takes PyTorch's slope there")
