"""The audit's CI gate: findings already known, kept in a baseline file (as linters keep theirs).

    write_baseline("audit-baseline.json", pairs)     # every finding that is not a stated convention
    known = read_baseline("audit-baseline.json")
    new = new_findings(pairs, known)                 # [(suite, report, finding)] not in the file

A finding is known by what makes it that finding, not by what the library returned: the call
audited (the adapter's key, or the spec and implementation for ``--impl``), the dtype, the kind,
where the point came from, the entry, and the exact inputs (hashed); a finding of the search for
the worst input (check.audits.search) by the call, the dtype and the kind only.  A new library
version that returns another wrong value at the same point is the same finding; a finding at a new
point, of a new kind, in a new dtype or on a new execution path (compiled, autocast, a device:
check.frameworks.execution; the default eager CPU path is named by the dtype alone) is new.  A convention finding (a difference the adapter states) never
needs a baseline.  The file is JSON, sorted, one finding per entry with its expected and returned
values beside the key, so that a change of it reads well in a review.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spec.errors import GradspecError, lines

FORMAT = "gradspec-audit-baseline/1"


def suite_of(adapter, report) -> str:
    """The call audited: the adapter's key (``smooth_l1 {beta=0}``), or spec and implementation."""
    return adapter.key if adapter is not None else f"{report.spec} {report.implementation}"


def finding_key(suite: str, report, finding) -> str:
    dtype = report.dtype if report.execution == "eager" else f"{report.dtype} {report.execution}"
    if finding.origin.startswith("search"):
        # the search's worst point of a kind: known by call, dtype and kind (which point is the worst
        # may move with the platform's libm — a bracketed truth's bits — and the points are the seed's)
        return f"{suite} | {dtype} | {finding.label} | search"
    inputs = hashlib.sha256(json.dumps(finding.inputs, sort_keys=True).encode()).hexdigest()[:16]
    index = ",".join(str(i) for i in finding.index)
    return f"{suite} | {dtype} | {finding.label} | {finding.origin} | [{index}] | {inputs}"


def _unexplained(pairs):
    for adapter, report in pairs:
        suite = suite_of(adapter, report)
        for f in report.findings:
            if f.kind != "convention":
                yield suite, report, f


def write_baseline(path, pairs) -> int:
    """Write every finding of ``pairs`` that is not a convention to ``path``; returns how many."""
    entries = sorted(({"key": finding_key(s, r, f), "expected": f.expected, "got": f.got}
                      for s, r, f in _unexplained(pairs)), key=lambda e: e["key"])
    unique = list({e["key"]: e for e in entries}.values())
    Path(path).write_text(json.dumps({"format": FORMAT, "findings": unique}, indent=1) + "\n")
    return len(unique)


def read_baseline(path) -> set:
    """The keys of the findings in the baseline file ``path``; a clear error if it is not one."""
    try:
        data = json.loads(Path(path).read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"its format is {str(data.get('format'))[:40]!r}, not {FORMAT!r}")
        return {e["key"] for e in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise GradspecError(lines(f"gradspec: --baseline {str(path)[:80]}: not a readable audit baseline "
                                  f"({type(e).__name__}: {str(e)[:120]})",
                                  "write one with the same audit and --write-baseline FILE, and commit it")) from None


def new_findings(pairs, known: set) -> list:
    """(suite, report, finding) for every finding that is neither a convention nor in ``known``."""
    return [(s, r, f) for s, r, f in _unexplained(pairs) if finding_key(s, r, f) not in known]
