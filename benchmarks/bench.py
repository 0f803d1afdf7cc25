"""``make bench``: what proofs and verdicts cost, and how that grows with size.

For cross_entropy_logits and kl_div (each hand-written gradient of the catalog): the time of the
every-size proof beside proofs at the concrete shapes (1, n), n = 2, 8, 32, 128 (derivation
included, each capped at CAP seconds); then what a whole verdict costs (``verdicts``): a few
catalog checks end to end (claim, certificate points, shapes), a verification without a proof
at one 2×3 shape, and the smallest relative error a 2×3 gradient check refutes; then the wall
time of `make verify`'s command cold (an empty result cache, as on a fresh clone), warm, and after
one catalog file changed, of the two test tiers, and of the CLI's start-up; then the
audit throughput of torch's cross_entropy (points a second, truth included, beside the float
evaluation alone) and the wall time of `gradspec audit LIBRARY` for each library; the fast truth
tier's points a second for cross_entropy 4×10 in bfloat16 and float16 beside torch's float
evaluation, and a 10^5-point search.  Then what users'
specs cost to bring in: registration-time validation per catalog entry, loading the pytest
plugin (a fresh interpreter), and hypothesis draws a second from ``check.testing.strategies.inputs``.
A benchmark, not a test: it prints numbers and asserts nothing about time.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import derive
import spec
from derive import budget
from derive.gradient import DERIVE_SECONDS
from spec.errors import GradspecError

from check.checks import derivative
from check.proof.every_size import prove_every_size
from check.checks.kinds import derivative_id, operator
from spec.kinds import declared_kind

CAP = 120.0
SIZES = (2, 8, 32, 128)
ENTRIES = ("cross_entropy_logits", "kl_div")


def _concrete(s, d, n):
    def run():
        prob = derive.problem(s, (1, n), None)
        op = operator(prob, declared_kind(s, d), d.wrt)
        conds = [s.condition(c) for c in d.conditions]

        def hand(p, args, extras, xp):
            return d.fn(*args, *extras, xp=xp, **derivative.accepted_params(d.fn, p.sym_params))
        return derivative._prove(s, prob, conds, op, hand, CAP)      # the prover's budget: the cap
    try:
        start = time.monotonic()
        value, why = budget.run(CAP, run)
        took = time.monotonic() - start
    except GradspecError:                       # the derivation itself ran out of its budget
        return f">{DERIVE_SECONDS:.0f} s (derive)"
    ok = value is not None and value[1]
    return (f"{took:7.2f} s" if ok else f">{CAP:.0f} s" if value is None else f"{took:6.2f} s (not proved)")


def _every(s, d):
    params = s.resolve_params({})
    conds = [s.condition(c) for c in d.conditions]
    start = time.monotonic()
    value, why = budget.run(CAP, prove_every_size, s, d.fn, d.wrt, params, conds, declared_kind(s, d), CAP)
    took = time.monotonic() - start
    return f"{took:7.3f} s" if value and value[0] else f"not proved ({why or value[1]})"


def main() -> int:
    proof_times()
    verdicts()
    _verify_and_tests()
    _fast_truth_throughput()         # before the audits: they load torch, and then nothing forks
    _audit_throughput()
    _user_side()
    return 0


def proof_times() -> None:
    """Each hand-written gradient's every-size proof beside its proofs at the shapes (1, n)."""
    print(f"proof time: every size vs concrete shapes (1, n); cap {CAP:.0f} s per proof\n")
    header = f"{'check':52s} {'every m×n':>12s}" + "".join(f" {'n=' + str(n):>12s}" for n in SIZES)
    print(header)
    print("-" * len(header))
    for name in ENTRIES:
        s = spec.get(name)
        for d in s.derivatives:
            if d.kind:
                continue
            row = f"{name + ' ' + derivative_id(s, d):52s} {_every(s, d):>12s}"
            print(row, end="", flush=True)
            for n in SIZES:
                print(f" {_concrete(s, d, n):>12s}", end="", flush=True)
            print()


#: Catalog checks timed end to end by ``verdicts`` (spec, check id).
VERDICT_CHECKS = (("mse", "grad[predicted]"), ("kl_div", "grad[target]"), ("huber", "grad[predicted]"),
                  ("cross_entropy_logits", "grad[logits] (general)"), ("softmax", "vjp[x]"),
                  ("bce_with_logits", "form[softplus_stable]"), ("mse", "hessian[predicted]"))


def verdicts() -> None:
    """End-to-end cost of catalog checks (proof, structure, certificate), a verification of a 2×3
    entry without a proof, and the smallest relative error detected on a 2×3 gradient."""
    from check.checks import catalog
    from check.checks.derivative import check_gradient
    print("\nverdicts end to end: a claim, then the formula itself evaluated in ball arithmetic\n")
    header = f"{'check':44s} {'status':>9s} {'scope':>21s} {'points':>7s} {'shapes':>26s} {'bits':>6s} {'time':>8s}"
    print(header)
    print("-" * len(header))
    for name, cid in VERDICT_CHECKS:
        c = next(c for c in catalog.checks(name) if c.id == cid)
        start = time.monotonic()
        r = c.run()
        took = time.monotonic() - start
        print(f"{name + ' ' + cid:44s} {r.status:>9s} {r.scope:>21s} {r.points:7d} {', '.join(r.shapes):>26s} "
              f"{r.precision:6d} {took:7.2f}s")
    clip = lambda p, t, *, xp, delta: xp.clip(p - t, -delta, delta) / p.size          # noqa: E731
    check_gradient("huber", clip, shape=(2, 3), prove=False)                          # warm: derive, compile
    start = time.monotonic()
    r = check_gradient("huber", clip, shape=(2, 3), prove=False)
    print(f"\nverification of huber's clip-form gradient at 2×3, no proof: {r.status} at {r.points} points in "
          f"{time.monotonic() - start:.2f} s ({r.points / (time.monotonic() - start):.0f} points/s)")
    for name, right in (("mse", lambda p, t, *, xp: 2 * (p - t) / p.size),
                        ("bce_with_logits", lambda z, t, *, xp: (1 / (1 + xp.exp(-z)) - t) / z.size)):
        smallest, missed, where = None, None, ""
        for k in (10, 30, 100, 200, 300, 350, 370, 380, 400, 500, 1000):
            wrong = (lambda *a, xp, k=k, f=right: f(*a, xp=xp) * (1 + xp.asarray(10) ** -k))
            r = check_gradient(name, wrong, shape=(2, 3), prove=False)
            if r.status != "refuted":
                missed = k
                break
            smallest, where = k, f"{r.counterexample.origin} point, entry {list(r.counterexample.index)}"
        print(f"smallest relative error refuted on {name}'s 2×3 gradient: 1e-{smallest} (caught at: {where})"
              + (f"; 1e-{missed} passes as verified, below the 2^-1000 asked: the bound it states" if missed
                 else "; where the gradient is rational at a sampled point, any error is decided exactly"))


ROOT = Path(__file__).resolve().parent.parent
GRADSPEC = [str(Path(sys.executable).with_name("gradspec"))]


def _timed(argv, env=None) -> tuple[float, str, int]:
    """(seconds of wall time, the last line of output, exit code) of a command run from the repository."""
    start = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
    lines = (p.stdout.strip() or p.stderr.strip()).splitlines()
    return time.monotonic() - start, lines[-1] if lines else "(no output)", p.returncode


def _verify_and_tests() -> None:
    """`make verify`'s command cold (an empty result cache, as on a fresh clone), warm (nothing changed),
    after one catalog file changed; the test tiers; the CLI's start-up."""
    verify = GRADSPEC + ["verify", "--cards", "reports", "--quiet"]
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, GRADSPEC_CACHE_DIR=folder)
        print()
        for label in ("cold (empty cache: a fresh clone)", "warm (nothing changed)"):
            took, last, code = _timed(verify, env)
            print(f"`gradspec verify --cards reports` {label}: {took:.1f} s wall ({last}; exit {code})")
        huber = ROOT / "spec" / "catalog" / "huber.py"
        original = huber.read_bytes()
        try:
            huber.write_bytes(original + b"\n# an edit (make bench)\n")
            took, last, code = _timed(GRADSPEC + ["verify", "--quiet"], env)
        finally:
            huber.write_bytes(original)
        print(f"`gradspec verify` after editing spec/catalog/huber.py: {took:.1f} s wall ({last})")
    for tier in ("fast", "slow"):                 # the Makefile's own commands (the fast tier in processes)
        start = time.monotonic()
        p = subprocess.run(["make", "--no-print-directory", f"test-{tier}"], capture_output=True, text=True,
                           cwd=ROOT, env=dict(os.environ, PYTEST_ADDOPTS="-rf"))     # -rf: name what failed
        took, out = time.monotonic() - start, p.stdout.strip().splitlines()
        print(f"make test-{tier}: {took:.0f} s wall ({out[-1] if out else p.stderr.strip()[-300:]})")
        for line in out:
            if line.startswith("FAILED"):
                print("  " + line)
    for argv in (["--help"], ["list"]):
        best = min(_timed(GRADSPEC + argv)[0] for _ in range(3))
        print(f"`gradspec {' '.join(argv)}` start-up (best of 3): {best:.2f} s")


def _user_side() -> None:
    """Validation per entry, the pytest plugin's load time, strategy draws a second."""
    from spec.validate import validate
    names = [n for n in spec.names() if spec.origin(n).startswith("spec.catalog")]
    start = time.monotonic()
    for n in names:
        validate(spec.get(n))
    took = time.monotonic() - start
    print(f"\nregistration-time validation: {1000 * took / len(names):.2f} ms per entry "
          f"({len(names)} catalog entries, {1000 * took:.0f} ms in all)")
    code = "import time, pytest; t = time.perf_counter(); import gradspec_pytest_plugin; print(time.perf_counter() - t)"
    loads = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout) for _ in range(3)]
    print(f"loading the pytest plugin after pytest (fresh interpreter, best of 3): {1000 * min(loads):.1f} ms")
    from hypothesis import HealthCheck, given, settings

    from check.testing.strategies import inputs
    for name, shape in (("mse", (2, 3)), ("kl_div", (8, 16)), ("hinge", (2, 3))):
        count = 200

        @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(inputs(name, dtype="float32", shape=shape))
        def draw(x):
            pass
        start = time.monotonic()
        draw()
        print(f"strategies.inputs({name!r}, float32, {shape[0]}×{shape[1]}): "
              f"{count / (time.monotonic() - start):.0f} examples/s")


def _audit_throughput() -> None:
    """Points a second of audit("cross_entropy_logits", torch's F.cross_entropy), value and gradient."""
    import torch.nn.functional as F

    from check.audits.auditor import audit
    from check.frameworks.backends import BACKENDS
    impl = lambda z, t, reduction: F.cross_entropy(z, t)            # noqa: E731
    for shape in ((2, 3), (4, 10)):
        audit("cross_entropy_logits", impl, backend="torch", dtype="float32", shape=shape)   # warm: derive, compile
        start = time.monotonic()
        r = audit("cross_entropy_logits", impl, backend="torch", dtype="float32", shape=shape)
        took = time.monotonic() - start
        import numpy as np
        args = [np.zeros(shape, dtype="float32"), np.full(shape, 1 / shape[1], dtype="float32")]
        start = time.monotonic()
        for _ in range(r.points):
            BACKENDS["torch"].evaluate(impl, args, "float32", (0,), None, True, {"reduction": "batchmean"})
        floats = time.monotonic() - start
        print(f"audit torch cross_entropy {shape[0]}×{shape[1]} float32: {r.points / took:8.1f} points/s with the "
              f"truth; the float value and gradient alone {r.points / floats:8.0f} points/s "
              f"(truth {took / floats:.0f}× the float)")
    from check.frameworks.libraries import LIBRARIES
    for library in LIBRARIES:
        took, last, _ = _timed(GRADSPEC + ["audit", library, "--out", "/tmp/gradspec-bench-reports", "--quiet"])
        print(f"whole `gradspec audit {library}` (float32 and float64, {len(LIBRARIES[library].adapters)} calls): "
              f"{took:.1f} s wall ({last})")


def _numpy_cross_entropy(z, t):
    """cross_entropy_logits (batch mean) in float64, rounded once to the format of z: a right implementation."""
    import numpy as np
    z64, t64 = z.astype(np.float64), t.astype(np.float64)
    m = z64.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z64 - m).sum(axis=1, keepdims=True))
    return (-(t64 * (z64 - lse)).sum(axis=1).mean()).astype(z.dtype)


def _numpy_cross_entropy_grad(z, t):
    import numpy as np
    z64, t64 = z.astype(np.float64), t.astype(np.float64)
    e = np.exp(z64 - z64.max(axis=1, keepdims=True))
    soft = e / e.sum(axis=1, keepdims=True)
    return ((soft * t64.sum(axis=1, keepdims=True) - t64) / z.shape[0]).astype(z.dtype)


def _fast_truth_throughput(points: int = 100_000, search: int = 100_000) -> None:
    """The fast truth tier (check.numeric.fast_truth) for cross_entropy_logits 4×10: exact value and
    gradient, correctly rounded, at ``points`` points a second — ordinary ones (logits N(0, 3²),
    probabilities uniform) and the search's whole-range ones, as the search asks for them (a truth
    only bracketed between two adjacent floats is left so: the search judges against both) — beside
    torch's float evaluation of value and gradient (one call a point, as an audit makes); then a
    ``search``-point search."""
    import numpy as np

    from check.audits.auditor import audit
    from check.audits.sampling import random_rows
    from check.audits.search import ARB_POINTS
    from check.numeric.fast_truth import BatchTruth
    from check.numeric.formats import format_of
    from check.numeric.truth import TruthPlan
    from spec.kinds import first_order_kind
    s = spec.get("cross_entropy_logits")
    prob = derive.problem(s, (4, 10), None)
    start = time.monotonic()
    plan = TruthPlan.build(prob, first_order_kind(s), "logits", True)
    batch = BatchTruth.build(plan)
    built = time.monotonic() - start
    print(f"\nfast truth tier, cross_entropy_logits 4×10 (build: derive and compile {built:.1f} s, once)")
    rng = np.random.default_rng(0)
    ordinaries = {}
    for dtype in ("bfloat16", "float16"):
        fmt = format_of(dtype)
        ordinary = np.hstack([fmt.cast_array(rng.normal(0, 3, (points, 40))), fmt.cast_array(rng.uniform(0, 1, (points, 40)))])
        ordinaries[dtype] = ordinary
        wide = random_rows(s, s.shapes((4, 10)), {}, dtype, points, seed=0)
        for label, rows in (("ordinary", ordinary), ("whole-range", wide)):
            start = time.monotonic()
            r = batch.evaluate_rows(rows, dtype, True, lambda i, rows=rows: _row_point(s, rows[i]), brackets=True,
                                    arb_points=ARB_POINTS)
            took = time.monotonic() - start
            bracketed = int(r.bracketed.sum())
            print(f"  {dtype:8s} {label:11s} points: {points / took:9.0f} points/s exact value and gradient "
                  f"({r.fast:,} decided by the intervals, {bracketed:,} bracketed between two adjacent floats, "
                  f"{points - r.fast - bracketed - r.skipped:,} by arb, {r.skipped:,} past the search's arb budget)")
        if search:
            start = time.monotonic()
            rep = audit("cross_entropy_logits", _numpy_cross_entropy, backend="numpy", dtype=dtype, shape=(4, 10),
                        impl_grad=_numpy_cross_entropy_grad, search=search, seed=0)
            sr = rep.search
            print(f"  {dtype:8s} a {search:,}-point search (NumPy implementation, + {sr['local']} local points): "
                  f"{time.monotonic() - start:.1f} s, {sr['arb_points']:,} points in arb, {sr['uncompared']:,} uncompared, "
                  f"findings: {rep.counts() or 'none'}")
    # torch last: a process with torch loaded never forks (derive.budget.fork_safe), so the tier above
    # ran in one process per core, as in an audit (whose framework runs in a worker process)
    import torch
    import torch.nn.functional as F
    for dtype, ordinary in ordinaries.items():
        dt = getattr(torch, dtype)
        n_float = 2000
        start = time.monotonic()
        for row in ordinary[:n_float]:
            z = torch.tensor(row[:40].reshape(4, 10), dtype=dt, requires_grad=True)
            t = torch.tensor(row[40:].reshape(4, 10), dtype=dt)
            torch.autograd.grad(F.cross_entropy(z, t), z)
        print(f"  {dtype:8s} torch's float value and gradient alone, one call a point: "
              f"{n_float / (time.monotonic() - start):9.0f} points/s")


def _row_point(s, row):
    """A row of the 4×10 cross-entropy (logits, then target) as an exact Point (the arb fallback)."""
    from fractions import Fraction

    import numpy as np

    from check.checks import points as pts
    arrs = {}
    for k, name in enumerate(s.input_names):
        a = np.empty(40, dtype=object)
        a[:] = [Fraction(float(v)) for v in row[40 * k:40 * (k + 1)]]
        arrs[name] = a.reshape(4, 10)
    return pts.Point(arrs, "bench")


if __name__ == "__main__":
    sys.exit(main())
