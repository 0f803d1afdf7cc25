"""check: prove, verify or refute hand-written derivatives, stable forms and domain conditions.

    from check import check_gradient, check_vjp
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size)
    report = audit("softplus", my_softplus, backend="torch", dtype="float32")   # check.audits.auditor
    r.status        # "proved" | "verified" | "refuted" | "inconclusive"
    print(r.message)

In a test suite: ``assert_gradient(name, grad)`` / ``assert_implementation(name, impl, grad=...)``
(check.testing.assertions) fail with the check's message; ``check.testing.strategies.inputs(name, dtype, shape)``
draws hypothesis inputs from a spec's domains, extremes and kinks; ``pytest --gradspec`` collects
every registered spec's checks (the top-level module gradspec_pytest_plugin).

check knows spec and derive.  SymPy and python-flint load on first use of a check, not on import of
``check`` alone.
"""
__all__ = ["AuditFailed", "DerivativeOptions", "GradientCheckFailed", "GradspecError", "assert_gradient", "assert_implementation", "audit",
           "check_condition", "check_derivative", "check_form", "check_gradient", "check_hessian", "check_hvp",
           "check_jvp", "check_vjp"]


#: Where each public name lives.  Imported on first use (PEP 562), so that ``gradspec --help`` and
#: ``gradspec list`` start without SymPy and python-flint (the CLI's entry point is in this package).
_PUBLIC = {
    "GradspecError": "spec.errors",
    **dict.fromkeys(("check_gradient", "check_vjp", "check_jvp", "check_hessian", "check_hvp", "check_derivative",
                     "DerivativeOptions"), "check.checks.derivative"),
    **dict.fromkeys(("assert_gradient", "assert_implementation", "GradientCheckFailed", "AuditFailed"),
                    "check.testing.assertions"),
    "check_form": "check.checks.form",
    "check_condition": "check.checks.condition",
    **dict.fromkeys(("audit", "AuditReport", "Finding"), "check.audits.auditor"),
    **dict.fromkeys(("CheckResult", "Counterexample"), "check.checks.result"),
}


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'check' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_PUBLIC[name]), name)
