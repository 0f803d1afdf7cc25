"""The audit's search for the worst input (check.audits.search): it finds an error planted in a
narrow input range that the fixed points miss, and a format-only error in that format only; a right
implementation has no finding; the same seed gives the same report; failure ranges bracket the
planted range; the error plots are written, byte-identical from run to run."""
import json

import numpy as np
import pytest

from check.audits.auditor import audit
from check.audits.sampling import random_rows

import derive
import spec as spec_pkg
from tests.fresh_python import run_cli

PLANTED = (2000.0, 4000.0)        # no fixed point of softplus is in here (…, 100, ±710, 10^4)


def right_softplus(x):
    """softplus(x) = log(1 + e^x), computed in float64 and rounded once to the format."""
    return np.logaddexp(0.0, x.astype(np.float64)).astype(x.dtype)


def planted_softplus(x):
    """Right, except 0 for x in [2000, 4000): an error the fixed points do not visit."""
    out = right_softplus(x)
    wide = x.astype(np.float64)
    return np.where((wide >= PLANTED[0]) & (wide < PLANTED[1]), np.zeros_like(out), out)


def test_the_fixed_points_miss_the_planted_error_and_the_search_finds_it():
    assert audit("softplus", planted_softplus, backend="numpy", dtype="float32", grad=False).ok
    r = audit("softplus", planted_softplus, backend="numpy", dtype="float32", grad=False, search=3000, seed=0)
    assert not r.ok
    found = [f for f in r.findings if f.origin.startswith("search")]
    assert found and all(f.kind in ("wrong", "inaccurate") for f in found)
    x = [float(v) for row in found[0].inputs["x"] for v in row]
    assert any(PLANTED[0] <= v < PLANTED[1] for v in x)
    assert r.search["worst"]["value"]["bits"] > 20
    inaccurate = [g for g in r.search["ranges"] if g["kind"] == "inaccurate"]
    assert inaccurate
    for g in inaccurate:                          # every failing range lies inside the planted one
        assert PLANTED[0] <= float(g["from"]) <= float(g["to"]) < PLANTED[1], g


def test_a_right_implementation_has_no_finding_in_the_search():
    for dtype in ("float16", "bfloat16", "float32"):
        r = audit("softplus", right_softplus, backend="numpy", dtype=dtype, grad=False, search=2000, seed=1)
        assert r.ok, (dtype, r.findings[:1])
        assert r.search["failing"] == {} and r.search["ranges"] == []
        assert r.search["random"] == 2000 and r.search["compared"] > 0


def sum_of_squares_mse(p, t):
    """Wrong in float16 only: the squares summed in the format overflow where the mean fits."""
    d = p - t
    return ((d * d).sum() / np.asarray(d.size, dtype=p.dtype)).astype(p.dtype)


def wide_mse(p, t):
    d = p.astype(np.float64) - t.astype(np.float64)
    return (d * d).mean().astype(p.dtype)


def test_an_overflow_of_the_format_is_found_where_that_format_overflows():
    """The sum of squares overflows float16 at residuals of a few hundred, bfloat16 only near 10^19:
    the search finds each where it is, and the float64 accumulation nowhere."""
    assert audit("mse", sum_of_squares_mse, backend="numpy", dtype="float16", grad=False).ok   # fixed points miss it
    r16 = audit("mse", sum_of_squares_mse, backend="numpy", dtype="float16", grad=False, search=1500)
    assert any(f.kind == "inf" for f in r16.findings)
    assert any(abs(float(g["from"])) < 1000 for g in r16.search["ranges"] if g["kind"] == "not finite")
    rb = audit("mse", sum_of_squares_mse, backend="numpy", dtype="bfloat16", grad=False, search=1500)
    for f in rb.findings:
        big = max(abs(float(v)) for arr in f.inputs.values() for row in arr for v in row)
        assert big > 1e18, f                       # bfloat16 overflows only with float32-sized residuals
    for dtype in ("float16", "bfloat16"):
        assert audit("mse", wide_mse, backend="numpy", dtype=dtype, grad=False, search=1500).ok


def test_the_same_seed_gives_the_same_report_and_another_seed_other_points():
    runs = [audit("softplus", planted_softplus, backend="numpy", dtype="bfloat16", grad=False, search=800, seed=s)
            for s in (5, 5, 6)]
    a, b, c = (json.dumps(r.to_json(), sort_keys=True) for r in runs)
    assert a == b
    assert a != c


def test_the_search_audits_the_gradient_with_torch():
    import torch

    def clamped_softplus(x):
        """torch's softplus but with its gradient cut to 0 above x = 2000 (a planted backward error)."""
        y = torch.nn.functional.softplus(x)
        return torch.where(x.detach() > 2000, y.detach() + 0 * x, y)
    r = audit("softplus", clamped_softplus, backend="torch", dtype="float32", search=2000, seed=0)
    assert any(f.kind.startswith("grad-") and f.origin.startswith("search") for f in r.findings)
    assert r.search["worst"]["grad"]["bits"] > 20


def test_random_points_cover_the_format_and_stay_in_the_domain():
    s = spec_pkg.get("bce")
    prob = derive.problem(s, (2, 3), None)
    rows = random_rows(s, s.shapes(prob.shape), {}, "float16", 4000, seed=0)
    p = rows[:, :6]
    assert ((p >= 0) & (p <= 1)).all()
    assert (p < 1e-4).any() and (p > 1 - 1e-3).any() and ((p > 0.1) & (p < 0.9)).any()
    s = spec_pkg.get("softplus")
    x = random_rows(s, s.shapes(derive.problem(s, None, None).shape), {"cotangent": (2, 3)}, "bfloat16", 4000, 0)
    xs = x[:, :6]
    assert np.nanmax(np.abs(xs)) > 1e30 and np.nanmin(np.abs(xs[xs != 0])) < 1e-30 and (xs < 0).any()
    fmt_dtype = __import__("check.numeric.formats", fromlist=["x"]).format_of("bfloat16")
    assert np.array_equal(fmt_dtype.cast_array(x), x)          # numbers of the format


@pytest.mark.slow
def test_the_cli_search_writes_error_plots_identically_and_rejects_bad_sizes(tmp_path):
    cmd = ["audit", "numpy", "softplus", "--dtype", "bfloat16", "--search", "500", "--quiet"]
    outs = []
    for k in range(2):
        done = run_cli(cmd + ["--out", str(tmp_path / str(k))], timeout=300)
        assert done.returncode in (0, 1), done.stderr
        svgs = sorted((tmp_path / str(k) / "audit" / "numpy").glob("*.svg"))
        assert svgs
        outs.append([p.read_bytes() for p in svgs])
        assert "## Search for the worst input" in (tmp_path / str(k) / "audit" / "numpy.md").read_text()
    assert outs[0] == outs[1]
    for bad in (["--search", "-1"], ["--search", str(10 ** 9)], ["--seed", "-3"]):
        done = run_cli(["audit", "numpy", "softplus"] + bad, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "gradspec:" in done.stderr, bad


def test_bracketed_truths_give_the_exact_verdicts(monkeypatch):
    """Judging a point whose truth the intervals only bracket (one of two adjacent floats: mse's
    gradient (p − t)/3 is often a float16 tie) against both candidates gives the same findings,
    failing counts, worst errors and ranges as the exact truth everywhere — with far fewer arb points."""
    import check.audits.search as search
    from check.numeric.fast_truth import BatchTruth
    monkeypatch.setattr(search, "ARB_POINTS", 10 ** 6)                 # every undecided point exactly
    runs = {}
    for brackets in (True, False):
        if not brackets:
            real = BatchTruth.evaluate_rows
            monkeypatch.setattr(BatchTruth, "evaluate_rows",
                                lambda self, flat, dtype, gradient, point_of, brackets=False, arb_points=None,
                                scheduler=None: real(self, flat, dtype, gradient, point_of, False, arb_points,
                                                     scheduler))
        import torch

        def mse(p, t):
            return torch.nn.functional.mse_loss(p, t)
        r = audit("mse", mse, backend="torch", dtype="float16", search=1500, seed=2)
        runs[brackets] = r
    a, b = runs[True], runs[False]
    assert [f.__dict__ for f in a.findings] == [f.__dict__ for f in b.findings]
    for key in ("failing", "worst", "ranges", "compared"):
        assert a.search[key] == b.search[key], key
    assert a.search["arb_points"] < b.search["arb_points"] / 10


def test_past_its_arb_budget_a_search_leaves_points_uncompared_and_says_so(monkeypatch):
    import check.audits.search as search
    monkeypatch.setattr(search, "ARB_POINTS", 5)
    # float64: no enclosure decides a float64 rounding, so every point needs arb
    r = audit("softplus", right_softplus, backend="numpy", dtype="float64", grad=False, search=200, seed=2)
    assert r.ok and r.search["uncompared"] > 0 and r.search["arb_points"] <= 5 + LOCAL_REPORTED


LOCAL_REPORTED = 16        # rows settled for the report (worst of each kind and part) beyond the budget
