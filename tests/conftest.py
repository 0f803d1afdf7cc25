import mpmath
import pytest


@pytest.fixture(autouse=True)
def global_precision_untouched():
    """gradspec never changes mpmath's global precision: every test ends as it began."""
    before = mpmath.mp.dps
    yield
    assert mpmath.mp.dps == before, "a check changed mpmath's global precision"
