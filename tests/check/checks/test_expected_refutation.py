"""An expected refutation is declared on the derivative it concerns (Derivative.expected_refutation):
the check passes while the formula is refuted, and fails as stale once it is not."""
import pytest

from check.checks import catalog
from spec import Derivative, Input, loss
from spec.domains import REAL
from spec.errors import GradspecError
from spec.registry import unregister


def _spec(name, grad, why):
    return loss(name, lambda p, t, *, xp: (p - t) ** 2, inputs=[Input("p", REAL, "p"), Input("t", REAL, "t")],
                derivatives=[Derivative("p", grad, expected_refutation=why)])


def _run(name):
    known = catalog.known_deviations()
    (check,) = [c for c in catalog.checks(name) if c.id == "grad[p]"]
    return catalog.passed(check.run(), known)


def test_a_declared_wrong_formula_passes_while_refuted_and_a_right_one_is_stale():
    wrong = _spec("tmp_expected_wrong", lambda p, t, *, xp: (p - t) / p.size, "a documented factor-2 slip")
    right = _spec("tmp_expected_right", lambda p, t, *, xp: 2 * (p - t) / p.size, "once wrong, now fixed")
    try:
        ok, note = _run(wrong.name)
        assert ok and "expected refuted: a documented factor-2 slip" in note
        ok, note = _run(right.name)                         # must be rejected: the expectation is stale
        assert not ok and "stale" in note and "expected_refutation" in note
    finally:
        unregister(wrong.name), unregister(right.name)


def test_the_catalog_declares_its_expected_refutations_beside_the_entries():
    known = catalog.known_deviations()
    assert ("cosine_similarity", "grad[predicted] (seed)") in known
    assert {c for s, c in known if s == "focal"} == {"emitted[logits]", "emitted[target]", "emitted-torch[logits]",
                                                      "emitted-torch[target]", "emitted-jax[logits]",
                                                      "emitted-jax[target]"}
    assert {c for s, c in known if s in ("mish", "selu")} == {"emitted[x]", "emitted-torch[x]", "emitted-jax[x]"}
    assert {c for s, c in known if s == "triplet_margin"} == {"emitted[anchor]", "emitted[positive]",
                                                               "emitted[negative]"}     # numpy's exact check only
    assert not [k for k in known if k[0] not in ("cosine_similarity", "focal", "mish", "selu", "triplet_margin")]


def test_an_expected_refutation_that_is_not_text_is_malformed():
    with pytest.raises(GradspecError, match="expected_refutation"):
        _spec("tmp_expected_bad", lambda p, t, *, xp: 2 * (p - t) / p.size, True)
