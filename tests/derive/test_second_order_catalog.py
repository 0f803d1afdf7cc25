"""The catalog's second derivatives (HVPs): each entry's own passes, and a formula wrong in one
typical way — a dropped term, a sign, 1/t² for 1/t, the kink's branch (≤ for <), a missing factor —
is refuted."""
import importlib

import pytest

from check import check_hvp
from spec.catalog.poly1_cross_entropy import _log_softmax
from spec.reduction import count, rows_count

pytestmark = pytest.mark.slow          # 14 checks in ball arithmetic


def _sigmoid(x, xp):
    return 1 / (1 + xp.exp(-x))


def _poly1_without_poly_term(z, t, v, *, xp, epsilon, reduction):
    s = xp.exp(_log_softmax(z, xp))
    ce = xp.sum(t, axis=-1, keepdims=True) * (s * v - s * xp.sum(s * v, axis=-1, keepdims=True))
    return ce / rows_count(z, reduction)


WRONG = {
    "relu": ("x", lambda x, c, v, *, xp: c * v),                                         # the slope, not its derivative
    "silu": ("x", lambda x, c, v, *, xp: c * _sigmoid(x, xp) * (1 - _sigmoid(x, xp))     # a sign inside
             * (2 - x * (1 - 2 * _sigmoid(x, xp))) * v),
    "bce": ("predicted", lambda p, t, v, *, xp, eps, reduction: t / (p * p) * v / count(p, reduction)),  # (1−t) term
    "kl_div": ("target", lambda lp, t, v, *, xp, reduction: v / (t * t * count(lp, reduction))),      # 1/t² for 1/t
    "smooth_l1": ("predicted", lambda p, t, v, *, xp, beta, reduction: xp.where(                      # ≤: the kink
        xp.abs(p - t) <= beta, v / beta, 0 * v) / count(p, reduction)),
    "poly1_cross_entropy": ("logits", _poly1_without_poly_term),
    "hardswish": ("x", lambda x, c, v, *, xp: xp.where(x < -3, 0 * c, xp.where(x > 3, 0 * c, c * v / 3))),
}
OWN = {"relu": "hvp", "silu": "hvp", "hardswish": "hvp", "bce": "hvp_predicted", "kl_div": "hvp_target",
       "smooth_l1": "hvp_predicted", "poly1_cross_entropy": "hvp_logits"}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_the_catalogs_hvp_passes_and_a_wrong_one_is_refuted(name):
    wrt, wrong = WRONG[name]
    own = getattr(importlib.import_module(f"spec.catalog.{name}"), OWN[name])
    assert check_hvp(name, own, wrt=wrt).status in ("proved", "verified")
    assert check_hvp(name, wrong, wrt=wrt).status == "refuted"
