"""The catalog: every named entry, its inputs in order, domains, parameters and conventions."""
import random

import pytest

import spec
from tests.fresh_python import run_fresh

LOSSES = ["mse", "mae", "smooth_l1", "huber", "cross_entropy", "cross_entropy_logits", "nll", "bce", "bce_log_clamped",
          "bce_with_logits", "kl_div", "hinge", "poisson_nll", "poisson_nll_rate", "cosine_similarity", "log_cosh",
          "soft_margin", "multilabel_soft_margin", "margin_ranking", "hinge_embedding", "cosine_embedding", "focal",
          "kl_div_log_target", "squared_hinge", "gaussian_nll", "poly1_cross_entropy", "triplet_margin",
          "multi_margin", "multilabel_margin", "multiclass_hinge", "multiclass_perceptron", "categorical_hinge",
          "cross_entropy_index", "ntxent"]
OTHERS = ["sigmoid", "log_sigmoid", "tanh", "softmax", "log_softmax", "softplus", "relu", "gelu", "exp", "log",
          "reciprocal", "safe_log", "safediv", "sum", "gelu_erf", "silu", "mish", "elu", "selu", "celu", "leaky_relu",
          "hardtanh", "hardsigmoid", "hardswish", "relu6", "softsign", "logsumexp"]


def test_every_entry_is_registered():
    assert set(spec.names()) == set(LOSSES + OTHERS)
    assert spec.names()[:len(LOSSES)] == LOSSES


@pytest.mark.parametrize("name, inputs", [
    ("smooth_l1", ["predicted", "target"]), ("cross_entropy_logits", ["logits", "target"]),
    ("nll", ["log_probs", "target"]), ("kl_div", ["log_probs", "target"]), ("poisson_nll", ["log_rate", "target"]),
    ("safediv", ["x", "y"]),
])
def test_input_order(name, inputs):
    assert list(spec.get(name).input_names) == inputs


@pytest.mark.parametrize("name, default", [
    ("cross_entropy", "batchmean"), ("cross_entropy_logits", "batchmean"), ("nll", "batchmean"),
    ("kl_div", "batchmean"), ("mse", "mean"), ("bce", "mean"), ("hinge", "mean"),
])
def test_reduction_defaults(name, default):
    assert spec.get(name).resolve_params({})["reduction"] == default


@pytest.mark.parametrize("name, params", [
    ("smooth_l1", {"beta": 1}), ("huber", {"delta": 1}), ("cross_entropy", {"eps": 1e-6}), ("bce", {"eps": 1e-6}),
    ("cosine_similarity", {"eps": 1e-6}), ("safe_log", {"eps": 1e-6}), ("safediv", {"eps": 1e-6}),
])
def test_parameter_defaults(name, params):
    values = spec.get(name).resolve_params({})
    assert all(values[k] == v for k, v in params.items())


def test_every_input_of_every_entry_has_a_hand_written_derivative():
    for name in spec.names():
        s = spec.get(name)
        assert {d.wrt for d in s.derivatives} == set(s.input_names), name
        assert s.analogue is not None and s.doc, name


def test_domain_samples_lie_in_their_domains():
    rng = random.Random(0)
    for name in spec.names():
        for inp in spec.get(name).inputs:
            for arr in [inp.domain.ordinary((2, 3), rng)] + inp.domain.extremes((2, 3), rng):
                assert inp.domain.contains(arr), (name, inp.name, arr)


def test_domains_reject_what_they_exclude():
    from fractions import Fraction
    import numpy as np
    from spec.domains import PROBABILITY, SIMPLEX_ROWS, SIGN_LABELS
    assert not PROBABILITY.contains(np.array([Fraction(3, 2)], dtype=object))
    assert not SIMPLEX_ROWS.contains(np.array([[Fraction(1, 2), Fraction(1, 3)]], dtype=object))
    assert not SIGN_LABELS.contains(np.array([Fraction(0)], dtype=object))


def test_importing_spec_does_not_import_sympy_or_frameworks():
    code = ("import sys, spec; spec.names(); "
            "bad = [m for m in ('sympy', 'torch', 'jax', 'tensorflow') if m in sys.modules]; "
            "assert not bad, bad")
    run_fresh(code, timeout=120)


def test_importing_check_does_not_import_frameworks():
    code = ("import sys, check, derive; from check import check_gradient, audit; "
            "import check.audits.auditor, check.frameworks.backends, check.frameworks.libraries, check.audits.report, check.cards.render, check.cli.app; "
            "import check.checks.emitted, check.frameworks.worker, derive.emit; "
            "bad = [m for m in ('torch', 'jax', 'tensorflow', 'keras') if m in sys.modules]; assert not bad, bad")
    run_fresh(code, timeout=120)


def test_every_namespace_offers_the_protocol_and_refuses_the_rest():
    """spec.xp.PROTOCOL is the one list of names: NumPy, SymPy and arb namespaces offer each of them,
    and an object namespace refuses a name outside it with a message naming the protocol."""
    from derive.xp_sympy import XP
    from check.numeric.xp_arb import ARB
    from spec.xp import NUMPY, PROTOCOL_NAMES
    for ns in (NUMPY, XP, ARB):
        missing = [n for n in PROTOCOL_NAMES if not hasattr(ns, n)]
        assert missing == [], (getattr(ns, "name", ns), missing)
    for ns in (XP, ARB):
        with pytest.raises(AttributeError, match="'sin' is not in the xp protocol"):
            ns.sin
    doc = __import__("spec.xp", fromlist=["x"]).__doc__
    assert all(n in doc for n in PROTOCOL_NAMES)
