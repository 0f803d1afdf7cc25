"""What a check returns: a status, how it was reached, and a message a person can act on.

Status, in order of strength:
  proved        the difference to the spec's derivative reduced to 0 symbolically (for ``scope``)
  verified      no proof, but agreement at every sampled point at ``precision`` digits
  refuted       a concrete counterexample (``counterexample``)
  inconclusive  neither, and ``message`` says why
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("proved", "verified", "refuted", "inconclusive")


@dataclass
class Counterexample:
    """Where a formula and the truth part: exact inputs (decimal strings), both values, the precision.

    For a condition check it is the witness outside the condition (there the truth may be
    non-finite: ``expected`` is then "nan" or "±inf").
    """
    inputs: dict
    index: tuple
    expected: str
    got: str
    precision: int
    origin: str
    extras: dict = field(default_factory=dict)   # the cotangent / tangent the formula was given
    error: str | None = None          # the exception, when the callable raised

    @property
    def cotangent(self):
        return self.extras.get("cotangent")

    def describe(self) -> list[str]:
        return [f"{name} = {value}" for name, value in list(self.inputs.items()) + list(self.extras.items())]


@dataclass
class CheckResult:
    spec: str
    check: str
    status: str
    method: str
    message: str
    scope: str = ""
    conditions: list = field(default_factory=list)
    counterexample: Counterexample | None = None
    precision: int | None = None
    points: int = 0
    worst_error: float | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("proved", "verified")

    def __bool__(self) -> bool:
        return self.ok

    def to_json(self) -> dict:
        d = asdict(self)
        if self.counterexample is not None:
            d["counterexample"]["index"] = list(self.counterexample.index)
        return d

    def __str__(self) -> str:
        return self.message
