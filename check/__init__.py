"""check: prove, verify or refute hand-written derivatives, stable forms and domain conditions.

    from check import check_gradient, check_vjp
    r = check_gradient("mse", lambda p, t, *, xp: 2 * (p - t) / p.size)
    report = audit("softplus", my_softplus, backend="torch", dtype="float32")   # check.audits.auditor
    r.status        # "proved" | "verified" | "refuted" | "inconclusive"
    print(r.message)

In a test suite: ``assert_gradient(name, grad)`` / ``assert_implementation(name, impl, grad=...)``
(check.testing.assertions) fail with the check's message; ``check.testing.strategies.inputs(name, dtype, shape)``
draws hypothesis inputs from a spec's domains, extremes and kinks; ``pytest --gradspec`` collects
every registered spec's checks (check.testing.pytest_plugin).

check knows spec and derive.  SymPy and python-flint load on first use of a check, not on import of
``check`` alone.
"""
__all__ = ["AuditFailed", "GradientCheckFailed", "GradspecError", "assert_gradient", "assert_implementation", "audit",
           "check_condition", "check_form", "check_gradient", "check_hessian", "check_hvp",
           "check_jvp", "check_vjp"]


def __getattr__(name):                       # lazy: `import check.testing.pytest_plugin` (pytest11) must stay light
    if name == "GradspecError":
        from spec.errors import GradspecError
        return GradspecError
    if name in ("check_gradient", "check_vjp", "check_jvp", "check_hessian", "check_hvp", "check_derivative"):
        from check.checks import derivative
        return getattr(derivative, name)
    if name in ("assert_gradient", "assert_implementation", "GradientCheckFailed", "AuditFailed"):
        from check.testing import assertions
        return getattr(assertions, name)
    if name == "check_form":
        from check.checks.form import check_form
        return check_form
    if name == "check_condition":
        from check.checks.condition import check_condition
        return check_condition
    if name in ("audit", "AuditReport", "Finding"):
        from check.audits import auditor
        return getattr(auditor, name)
    if name in ("CheckResult", "Counterexample"):
        from check.checks import result
        return getattr(result, name)
    raise AttributeError(f"module 'check' has no attribute {name!r}")
