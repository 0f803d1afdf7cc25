"""NumPy and SciPy's special functions, as ``gradspec audit numpy`` calls them (values only: no autograd)."""
from __future__ import annotations

import numpy as np

from .common import Adapter


def _special():
    import scipy.special
    return scipy.special


ADAPTERS = [
    Adapter("softmax", "scipy.special.softmax(x, axis=-1)", lambda p: lambda x: _special().softmax(x, axis=-1)),
    Adapter("log_softmax", "scipy.special.log_softmax(x, axis=-1)",
            lambda p: lambda x: _special().log_softmax(x, axis=-1)),
    Adapter("sigmoid", "scipy.special.expit(x)", lambda p: lambda x: _special().expit(x)),
    Adapter("log_sigmoid", "scipy.special.log_expit(x)", lambda p: lambda x: _special().log_expit(x)),
    Adapter("tanh", "numpy.tanh(x)", lambda p: lambda x: np.tanh(x)),
    Adapter("softplus", "numpy.logaddexp(0, x)", lambda p: lambda x: np.logaddexp(0, x)),
    Adapter("relu", "numpy.maximum(x, 0)", lambda p: lambda x: np.maximum(x, 0)),
    Adapter("exp", "numpy.exp(x)", lambda p: lambda x: np.exp(x)),
    Adapter("log", "numpy.log(x)", lambda p: lambda x: np.log(x)),
    Adapter("reciprocal", "numpy.reciprocal(x)", lambda p: lambda x: np.reciprocal(x)),
    Adapter("huber", "scipy.special.huber(delta, predicted - target).mean()",
            lambda p: lambda x, t: _special().huber(np.asarray(p["delta"], dtype=x.dtype), x - t).mean()),
    Adapter("kl_div", "(scipy.special.xlogy(target, target) - target * log_probs).sum() / rows",
            lambda p: lambda lp, t: (_special().xlogy(t, t) - t * lp).sum() / lp.shape[0]),
]
