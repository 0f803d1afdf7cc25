"""Assertions for a user's own test suite: a failing check fails the test with gradspec's message.

    from check import assert_gradient, assert_implementation

    def test_my_backward():
        assert_gradient("charbonnier", charbonnier_grad)                  # an xp-protocol formula
        assert_implementation("charbonnier", charbonnier, grad=charbonnier_backward,
                              dtype="float64")                              # plain NumPy training code

``assert_gradient(spec, grad, ...)`` runs ``check_gradient`` (``check_vjp`` for an activation or
op): it passes when the formula is proved or verified, and raises ``GradientCheckFailed`` (an
AssertionError) carrying the result, whose text is the check's own message — refuted with the
counterexample, or inconclusive with why — otherwise.  ``allow_inconclusive=True`` lets an
inconclusive result pass.

``assert_implementation(spec, impl, grad=..., backend=..., dtype=...)`` audits float code
(``check.audit``): it passes when the audit has no findings, and raises ``AuditFailed`` listing
them (kind, point, expected, got, a one-line reproducer) otherwise.
"""
from __future__ import annotations

import spec as spec_pkg
from spec.kinds import first_order_kind


class GradientCheckFailed(AssertionError):
    """A hand-written derivative was refuted (or left inconclusive); ``.result`` is the CheckResult."""

    def __init__(self, result):
        super().__init__(result.message)
        self.result = result


class AuditFailed(AssertionError):
    """An implementation has findings; ``.report`` is the AuditReport."""

    def __init__(self, report, text):
        super().__init__(text)
        self.report = report


def assert_gradient(name, grad, *, wrt=None, shape=None, params=None, conditions=None,
                    allow_inconclusive: bool = False):
    """Check ``grad`` against the spec ``name`` (a registered name or a Spec); return the result or raise."""
    from check.checks.derivative import DerivativeOptions, check_derivative
    s = spec_pkg.get(name)
    result = check_derivative(s, grad, DerivativeOptions(first_order_kind(s), wrt, shape, params, conditions))
    if result.status in ("proved", "verified") or (allow_inconclusive and result.status == "inconclusive"):
        return result
    raise GradientCheckFailed(result)


def assert_implementation(name, impl, *, grad=None, backend: str = "numpy", dtype: str = "float64",
                          params=None, shape=None):
    """Audit ``impl`` (and its hand-written ``grad``, for NumPy code) against the spec; return the report or raise."""
    from check.audits.report import findings_text
    from check.audits.auditor import audit
    report = audit(name, impl, backend=backend, dtype=dtype, params=params, shape=shape, impl_grad=grad)
    if report.ok:
        return report
    raise AuditFailed(report, findings_text(report))
