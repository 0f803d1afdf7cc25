"""Contract cards: one per entry, formulas from derive, deterministic bytes, drift caught."""
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

import spec
from check.cards import render as cards
from check.cards import slices
from derive.sizes import every_size_derivative
from derive.symbols import exact
from tests.fresh_python import run_cli

pytestmark = pytest.mark.slow          # cards generated (every check of an entry, slices, pictures)

REPORTS = Path(__file__).resolve().parents[3] / "reports"


def test_every_entry_has_a_committed_card_linked_from_the_index():
    index = (REPORTS / "README.md").read_text()
    for name in spec.names():
        for ext in ("md", "json", "svg"):
            assert (REPORTS / "cards" / f"{name}.{ext}").is_file(), f"no {ext} card for {name}: run `make cards`"
        assert f"](cards/{name}.md)" in index
        data = json.loads((REPORTS / "cards" / f"{name}.json").read_text())
        assert data["name"] == name and data["provenance"]["spec_source_sha256"] == cards.source_hash(spec.get(name))


@pytest.mark.parametrize("name", ["mse", "cross_entropy_logits", "softmax", "cosine_similarity"])
def test_card_formulas_are_derives_output(name):
    s = spec.get(name)
    data = json.loads((REPORTS / "cards" / f"{name}.json").read_text())
    params = {k: exact(v) for k, v in s.resolve_params(None).items()}
    for g in data["gradients"]:
        expr, _ = every_size_derivative(s, g["wrt"], params)
        assert g["latex"] == cards._latex(expr)
        assert g["scope"].startswith("every size")
    assert "{p}_{k,l} - 2 {t}_{k,l}}{m n}" in json.loads((REPORTS / "cards" / "mse.json").read_text())[
        "gradients"][0]["latex"]                                   # ∂mse/∂p = (2p − 2t)/(m n), by hand


def test_verdicts_and_measurements_in_a_card():
    data, picture = cards.card("cross_entropy_logits")
    checks = {v["check"]: v for v in data["checks"]}
    assert checks["grad[logits] (general)"]["status"] == "proved"
    assert checks["grad[logits] (general)"]["scope"] == "every m×n"
    assert checks["grad[logits] (general)"]["shapes"][:3] == ["2×3", "1×1", "3×4"]
    assert checks["grad[logits] (general)"]["precision"] == 1280 and not checks["grad[logits] (general)"]["prover_disagreement"]
    naive = next(f for f in data["forms"] if f["name"] == "log_of_softmax")
    stable = next(f for f in data["forms"] if f["name"] == "max_shifted")
    f32 = naive["float_failures"]["float32"]
    assert any(r["why"] == "not finite" and 80 < r["from"] < 100 for r in f32)     # exp overflow near 88.7
    assert stable["float_failures"]["float32"] == [] and stable["float_failures"]["float64"] == []
    cond = data["conditions"][0]["verdict"]
    assert cond["counterexample"] and cond["counterexample"]["origin"].startswith("outside:")
    assert "seconds" not in json.dumps(data)                         # timings stay out of cards
    assert picture.startswith("<?xml") and "<svg" in picture


def test_two_generations_are_byte_identical():
    first = cards.generate(["log_softmax", "kl_div"])
    second = cards.generate(["log_softmax", "kl_div"])
    assert set(first) == {f"cards/{n}.{e}" for n in ("log_softmax", "kl_div") for e in ("md", "json", "svg")}
    assert first == second


def test_a_changed_spec_is_drift(monkeypatch, tmp_path):
    shutil.copytree(REPORTS, tmp_path / "reports")
    original = spec.get("mse")

    def terms(predicted, target, *, xp):            # a "small fix" to mse: 3 instead of the square's 2
        return 1.5 * (predicted - target) ** 2

    changed = dataclasses.replace(original, fn=terms)
    real_get = spec.get
    monkeypatch.setattr(spec, "get", lambda n: changed if n == "mse" else real_get(n))
    files = cards.generate(["mse"])
    found = dict(cards.drift(files, tmp_path / "reports", whole=False))
    assert found.get("cards/mse.md") == "changed" and found.get("cards/mse.json") == "changed"


def test_drift_names_missing_and_stale_files(tmp_path):
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "old_loss.md").write_text("a card of an entry that is gone\n")
    found = cards.drift({"cards/mse.md": "x", "README.md": "y"}, tmp_path)
    assert ("cards/mse.md", "missing") in found and ("cards/old_loss.md", "stale") in found


def test_cli_check_fails_naming_the_card_and_exits_0_when_current(tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(REPORTS, out)
    ok = run_cli(["cards", "mse", "--check", "--out", str(out)])
    assert ok.returncode == 0 and "up to date" in ok.stdout
    md = out / "cards" / "mse.md"
    md.write_text(md.read_text().replace("proved", "verified", 1))
    bad = run_cli(["cards", "mse", "--check", "--out", str(out)])
    assert bad.returncode == 1
    assert f"{out}/cards/mse.md: changed" in bad.stdout and f"gradspec cards --out {out}" in bad.stdout


@pytest.mark.parametrize("seed", ["1", "2"])
def test_cards_do_not_depend_on_the_process_hash_seed(seed):
    """Point counts and bounds go into cards: the structure's points, the order of a compiled sum's
    terms (its ball's radius) must not follow Python's per-process string hashes."""
    import os
    p = run_cli(["cards", "soft_margin", "huber", "--check", "--quiet", "--out", str(REPORTS)],
                env={**os.environ, "PYTHONHASHSEED": seed})
    assert p.returncode == 0, p.stdout + p.stderr


def test_cli_cards_bad_input_exits_2(tmp_path):
    (tmp_path / "afile").write_text("")
    p = run_cli(["cards", "--out", str(tmp_path / "afile")])
    assert p.returncode == 2 and "is a file, not a folder" in p.stderr and "Traceback" not in p.stderr
    p = run_cli(["cards", "no_such_loss", "--check"])
    assert p.returncode == 2 and "unknown spec" in p.stderr


def test_slice_failure_ranges_flag_naive_softplus_in_bce_with_logits():
    s = spec.get("bce_with_logits")
    ranges = slices.failure_ranges(slices.form_errors(s))
    assert any(why == "not finite" for _, _, why in ranges[("sigmoid_then_log", "float32")])
    assert ranges[("softplus_stable", "float32")] == []


def test_a_formula_too_long_to_read_is_left_out_of_the_card_at_a_shape_the_spec_takes():
    import sympy as sp
    import spec as spec_pkg
    from check.cards.render import LATEX_LIMIT, _shaped_latex, _small_shape
    assert _small_shape(spec_pkg.get("mse")) == (1, 2)
    assert _small_shape(spec_pkg.get("ntxent")) == (3, 2)            # a batch needs two rows
    x = sp.Symbol("x")
    text, scope = _shaped_latex(spec_pkg.get("ntxent"), lambda shape: [[sum(x ** k for k in range(2000))]])
    assert text.startswith("\\text{") and "too long to print" in text and scope == "shape 3×2"
    text, _ = _shaped_latex(spec_pkg.get("mse"), lambda shape: [[x + 1]])
    assert text == sp.latex(sp.Matrix([[x + 1]])) and len(text) < LATEX_LIMIT
