"""How the checks of gradspec's emitted code count for a user's spec (check.checks.catalog.emitted_mode):
a warning by default (gradspec's limitation, not the user's failure), a failure when asked, none when
skipped; only for the inputs the spec declares a derivative for."""
import pytest

from check.checks import catalog
from check.cli.app import main
from spec import Derivative, GradspecError, Input, loss
from spec.catalog import focal
from spec.domains import PROBABILITY, REAL
from spec.registry import unregister

FOCAL_PARAMS = [p for p in focal.SPEC.params if p.name != "reduction"]


def _user_focal(name, **fields):
    """The catalog's focal terms and right gradient, as a user's own spec: its emitted code overflows
    (derive.emit.LIMITATIONS) although the user's gradient is right."""
    return loss(name, focal.terms, inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
                params=FOCAL_PARAMS, derivatives=[Derivative("logits", focal.grad_logits)], **fields)


@pytest.fixture
def user_focal():
    _user_focal("my_focal")
    yield "my_focal"
    unregister("my_focal")


@pytest.mark.slow
def test_a_right_user_loss_with_unstable_emitted_code_passes_with_warnings(user_focal, capsys):
    checks = {c.id: c for c in catalog.checks(user_focal)}
    assert "emitted[logits]" in checks and "emitted[target]" not in checks      # only the declared input
    known = catalog.known_deviations()
    grad = checks["grad[logits]"].run()
    emitted = checks["emitted[logits]"].run()
    assert grad.ok and emitted.status == "refuted"
    ok, note = catalog.passed(emitted, known)
    assert ok and note.startswith("warning: refuted") and "gradspec's emitted code, not your formula" in note
    assert catalog.passed(emitted, catalog.known_deviations("check")) == (False, "")   # asked for: it fails

    assert main(["verify", user_focal, "--no-cache", "--quiet", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "warn my_focal" in out and "warnings (gradspec's emitted code" in out
    assert main(["verify", user_focal, "--no-cache", "--quiet", "--jobs", "1", "--emitted", "check"]) == 1
    capsys.readouterr()
    assert main(["verify", user_focal, "--no-cache", "--quiet", "--jobs", "1", "--emitted", "skip"]) == 0
    assert "emitted" not in capsys.readouterr().out


def test_a_wrong_user_gradient_still_fails_under_warn(capsys):
    def wrong(logits, target, *, xp, alpha, gamma, reduction):
        return 2 * focal.grad_logits(logits, target, xp=xp, alpha=alpha, gamma=gamma, reduction=reduction)
    loss("my_focal_wrong", focal.terms, inputs=[Input("logits", REAL, "z"), Input("target", PROBABILITY, "t")],
         params=FOCAL_PARAMS, derivatives=[Derivative("logits", wrong)], emitted="skip")
    try:
        assert [c.id for c in catalog.checks("my_focal_wrong")] == ["grad[logits]"]
        assert main(["verify", "my_focal_wrong", "--no-cache", "--quiet", "--jobs", "1"]) == 1
        assert "FAIL my_focal_wrong" in capsys.readouterr().out
    finally:
        unregister("my_focal_wrong")


def test_the_spec_chooses_and_the_catalog_checks():
    assert catalog.emitted_mode(catalog.spec_pkg.get("focal")) == "check"
    assert catalog.emitted_mode(catalog.spec_pkg.get("focal"), "warn") == "warn"
    _user_focal("my_focal_strict", emitted="check")
    try:
        assert catalog.emitted_mode(catalog.spec_pkg.get("my_focal_strict")) == "check"
        assert catalog.known_deviations().get(("my_focal_strict", "emitted[logits]")) is None
    finally:
        unregister("my_focal_strict")
    with pytest.raises(GradspecError, match="emitted: 'loud' is not a way to count"):
        _user_focal("my_focal_bad", emitted="loud")


def test_a_bad_emitted_flag_exits_2(capsys):
    assert main(["verify", "mse", "--emitted", "loud"]) == 2
    assert "invalid choice: 'loud'" in capsys.readouterr().err


def test_a_spec_with_no_code_to_emit_gets_an_inconclusive_emitted_check_not_a_crash():
    from spec import activation
    from spec.catalog import logsumexp
    activation("my_lse", logsumexp.forward, inputs=[Input("x", REAL, "x")], kind="op",
               derivatives=[Derivative("x", logsumexp.vjp)])
    try:
        (emitted,) = [c for c in catalog.checks("my_lse") if c.id == "emitted[x]"]
        r = emitted.run()
        assert r.status == "inconclusive" and "no code was emitted" in r.message
        assert catalog.passed(r, catalog.known_deviations())[0]                  # a user's: a warning
        assert not catalog.passed(r, catalog.known_deviations("check"))[0]       # asked for: it fails
    finally:
        unregister("my_lse")
