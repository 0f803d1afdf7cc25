"""What a check returns: a status, how it was reached, and a message a person can act on.

Status, in order of strength:
  proved        the difference to the spec's derivative reduced to 0 symbolically (for ``scope``),
                and the formula itself, evaluated in ball arithmetic at ``points`` points and the
                ``shapes``, agrees with the spec's derivative everywhere (its certificate)
  verified      no proof, but at every sampled point every difference ball holds 0 at ``precision``
                bits, the differences bounded by 2^-``bound_bits`` (relative)
  refuted       a concrete counterexample (``counterexample``); ``prover_disagreement`` when the
                prover had claimed the identity at that shape
  inconclusive  neither, and ``message`` says why

A result is final once made (frozen): a check that refines another's result (a variant's id, the
emitted code's float reports) makes a new one with ``dataclasses.replace``.
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
    error: str | None = None          # the exception, when the callable raised (or its wrong shape)
    shape: list | None = None         # the shape the point was taken at

    @property
    def cotangent(self):
        return self.extras.get("cotangent")

    def describe(self) -> list[str]:
        return [f"{name} = {value}" for name, value in list(self.inputs.items()) + list(self.extras.items())]


@dataclass(frozen=True)
class CheckResult:
    spec: str
    check: str
    status: str
    method: str
    message: str
    scope: str = ""
    conditions: list = field(default_factory=list)
    counterexample: Counterexample | None = None
    precision: int | None = None     # bits (the highest rung of the precision ladder reached)
    points: int = 0
    worst_error: float | None = None
    seconds: float = 0.0
    shapes: list = field(default_factory=list)      # the shapes evaluated, e.g. ["2×3", "1×1", "3×4"]
    bound_bits: float | None = None  # every agreeing difference ≤ 2^-bound_bits relative (inf: all exactly 0)
    prover_disagreement: bool = False
    undefined: int = 0               # points where neither side is finite ("where defined")
    unresolved: int = 0              # points no precision decided

    @property
    def ok(self) -> bool:
        return self.status in ("proved", "verified")

    def __bool__(self) -> bool:
        return self.ok

    def to_json(self, *, judged: tuple[bool, str] | None = None, reproducible: bool = False) -> dict:
        """This result as JSON — the one shape of it every output uses (``--json``, audits, cards).

        ``judged``: (passed, note) from ``check.checks.catalog.passed`` — whether the result passes
        once an expected refutation is taken into account — added as "passed" and "note".
        ``reproducible``: only what a rerun on another machine reproduces (a card keeps this): no
        spec name, message, timing or point counts of undecided points; the worst error rounded to 3
        digits, the bound to whole bits; the counterexample's inputs, values and origin.
        A bound of every difference exactly 0 is "exact"."""
        bound = self.bound_bits
        bound = "exact" if bound == float("inf") else bound
        passed = {} if judged is None else {"passed": judged[0]}
        note = {} if judged is None else {"note": judged[1]}
        if not reproducible:
            d = asdict(self)
            d["bound_bits"] = bound
            if self.counterexample is not None:
                d["counterexample"]["index"] = list(self.counterexample.index)
            d["seconds"] = round(self.seconds, 4)
            return {**d, **passed, **note}
        ce = self.counterexample
        return {"check": self.check, "status": self.status, **passed, "scope": self.scope, "method": self.method,
                "conditions": list(self.conditions), "precision": self.precision, "points": self.points,
                "shapes": list(self.shapes), "bound_bits": int(bound) if isinstance(bound, float) else bound,
                "prover_disagreement": self.prover_disagreement,
                "worst_error": None if self.worst_error is None else float(f"{self.worst_error:.3g}"),
                **note, "counterexample": None if ce is None else {"inputs": ce.inputs, "expected": ce.expected,
                                                                  "got": ce.got, "origin": ce.origin}}

    @classmethod
    def from_json(cls, d: dict) -> "CheckResult":
        """The result ``to_json()`` wrote (not the reproducible form): ``from_json(r.to_json()) == r``
        but for ``seconds``, rounded there to 0.1 ms."""
        d = {k: v for k, v in d.items() if k not in ("passed", "note")}
        if d.get("bound_bits") == "exact":
            d["bound_bits"] = float("inf")
        ce = d.get("counterexample")
        if ce is not None:
            d["counterexample"] = Counterexample(**dict(ce, index=tuple(ce["index"])))
        return cls(**d)

    def __str__(self) -> str:
        return self.message
