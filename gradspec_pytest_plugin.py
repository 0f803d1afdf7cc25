"""The gradspec pytest plugin (entry point ``pytest11``): specs' checks as test items.

A top-level module (as hypothesis keeps ``_hypothesis_pytestplugin``): pytest loads it in every
session of every project where gradspec is installed, so loading it imports pytest alone — not
``check``, SymPy or python-flint.

    pytest --gradspec                              # checks of the specs installed packages register
    pytest --gradspec --gradspec-module mypkg.losses
    pytest --gradspec --gradspec-catalog           # gradspec's own catalog too (minutes)

Which specs: those registered through the ``gradspec.specs`` entry point group, those of each
``--gradspec-module`` (and of the ini option ``gradspec_modules``), and with ``--gradspec-catalog``
the catalog's.  Each spec's checks (check.checks.catalog.checks: derivatives, forms, conditions,
variants, emitted code) become items with ids ``SPEC::CHECK`` — ``kl_div::grad[target]`` — so
``-k``, ``--deselect``, ``-x`` and JUnit output work as for any test.  A check passes when it is
proved or verified (or refuted, where the spec declares an expected refutation); otherwise
the item fails with the check's own message.  The checks of gradspec's emitted code count as the
spec says (``emitted=``; for users' specs a failure is a pytest warning, not a failed item), or as
``--gradspec-emitted check|warn|skip`` says for every spec.

Fixture ``gradspec_check``: the module check.testing.assertions (``assert_gradient``,
``assert_implementation``).  Loading the plugin imports pytest only: gradspec, SymPy, python-flint and
the frameworks load when --gradspec is given or the fixture is used.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("gradspec", "gradspec: specs' derivative checks as test items")
    group.addoption("--gradspec", action="store_true", default=False,
                    help="collect the checks of every registered spec (installed gradspec.specs entry points, "
                         "--gradspec-module, ini gradspec_modules) as test items")
    group.addoption("--gradspec-module", action="append", default=[], metavar="MOD",
                    help="a module of your own specs, e.g. mypkg.losses (repeatable)")
    group.addoption("--gradspec-catalog", action="store_true", default=False,
                    help="with --gradspec: gradspec's own catalog as well")
    group.addoption("--gradspec-emitted", default=None, metavar="check|warn|skip",
                    help="how the checks of gradspec's emitted code count, for every spec (default: each spec's "
                         "own — warn for yours, check for the catalog)")
    parser.addini("gradspec_modules", "modules of specs that --gradspec collects", type="args", default=[])


def _chosen_specs(config) -> list[str]:
    import spec
    from spec.registry import is_own, module_names
    names = [n for n in spec.names() if not is_own(spec.origin(n))]     # installed packages' specs
    for m in list(config.getini("gradspec_modules")) + config.getoption("gradspec_module"):
        names += [n for n in spec.load_module(m) if n not in names]
    if config.getoption("gradspec_catalog"):
        names = module_names("spec.catalog") + names
    return names


@pytest.hookimpl(tryfirst=True)       # before -k / --deselect filter the items
def pytest_collection_modifyitems(session, config, items):
    if not config.getoption("gradspec"):
        return
    from spec.entry import EMITTED_MODES
    from spec.errors import GradspecError
    emitted = config.getoption("gradspec_emitted")
    if emitted is not None and emitted not in EMITTED_MODES:
        raise pytest.UsageError(f"gradspec: --gradspec-emitted {emitted!r} is not a mode\n"
                                f"  give one of {', '.join(EMITTED_MODES)}")
    try:
        names = _chosen_specs(config)
    except GradspecError as e:
        raise pytest.UsageError(str(e)) from None
    if not names:
        raise pytest.UsageError("gradspec: --gradspec found no specs to check\n"
                                "  install a package that declares a gradspec.specs entry point, or pass "
                                "--gradspec-module mypkg.losses (or --gradspec-catalog for gradspec's own)")
    for name in names:                # genitems: collection hooks and reports run, so counts are right
        items.extend(session.genitems(SpecCollector.from_parent(session, name=name, nodeid=name)))


class SpecCollector(pytest.Collector):
    """One spec: its checks."""

    def collect(self):
        from check.checks import catalog
        emitted = self.config.getoption("gradspec_emitted")
        known = catalog.known_deviations(emitted)
        return [SpecCheckItem.from_parent(self, name=c.id, check=c, known=known)
                for c in catalog.checks(self.name, emitted)]


class SpecCheckFailed(Exception):
    pass


class SpecCheckItem(pytest.Item):
    """One check of one spec; passes when proved or verified (or as a known deviation expects)."""

    def __init__(self, *, check, known, **kw):
        super().__init__(**kw)
        self.check, self.known = check, known
        self.result = None

    def runtest(self):
        from check.checks import catalog
        self.result = self.check.run()
        ok, note = catalog.passed(self.result, self.known)
        self.user_properties.append(("status", self.result.status))
        self.user_properties.append(("scope", self.result.scope))
        if not ok:
            raise SpecCheckFailed(note or self.result.message)
        if note.startswith("warning:"):
            import warnings                    # caught by pytest for this item: its "warnings summary"
            warnings.warn(pytest.PytestWarning(f"{self.parent.name}::{self.name}: {note}\n{self.result.message}"))

    def repr_failure(self, excinfo, style=None):
        from spec.errors import GradspecError
        if isinstance(excinfo.value, (SpecCheckFailed, GradspecError)):     # gradspec's own message, no traceback
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::{self.name}"


@pytest.fixture
def gradspec_check():
    """check.testing.assertions: ``gradspec_check.assert_gradient(spec, grad)`` and ``assert_implementation``."""
    from check.testing import assertions
    return assertions
