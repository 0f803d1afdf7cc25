"""What each library ships that the catalog specifies: the calls ``gradspec audit LIBRARY`` makes.

An ``Adapter`` maps a catalog entry to one library call: ``make(params)`` returns the callable
the audit runs (on the library's arrays, positional inputs in the spec's order), ``call`` is the
call as a person would type it (for reports and reproducers), and ``conventions`` name where the
library's definition differs from the spec's on purpose.  A finding at a point where a convention
applies is reported with kind "convention" and the difference stated — never dropped.

Only NumPy-free frameworks are imported lazily, inside ``make``: importing this module imports
none of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np

from spec.domains import exact


@dataclass(frozen=True)
class Convention:
    description: str
    applies: Callable[[dict, dict], bool]       # (input name -> float array, spec params) -> bool


@dataclass(frozen=True)
class Adapter:
    spec: str
    call: str
    make: Callable[[dict], Callable]
    conventions: tuple = field(default_factory=tuple)


def _F():
    import torch.nn.functional as F
    return F


def _torch():
    import torch
    return torch


def _clamped_probability(name):
    """Some entry strictly outside [eps, 1 − eps], compared exactly (the float 1e-06 is below 1/10⁶)."""
    def applies(values, params):
        eps = exact(params.get("eps", 0))
        return any(Fraction(float(v)) < eps or Fraction(float(v)) > 1 - eps
                   for v in np.asarray(values[name], dtype=np.float64).flat)
    return applies


def _softplus_threshold(values, params):
    return bool((np.asarray(values["x"], dtype=np.float64) > 20).any())


TORCH = {a.spec: a for a in [
    Adapter("mse", "torch.nn.functional.mse_loss(predicted, target)",
            lambda p: lambda x, t, **_: _F().mse_loss(x, t, reduction=p["reduction"])),
    Adapter("mae", "torch.nn.functional.l1_loss(predicted, target)",
            lambda p: lambda x, t, **_: _F().l1_loss(x, t, reduction=p["reduction"])),
    Adapter("smooth_l1", "torch.nn.functional.smooth_l1_loss(predicted, target, beta=beta)",
            lambda p: lambda x, t, **_: _F().smooth_l1_loss(x, t, reduction=p["reduction"], beta=p["beta"])),
    Adapter("huber", "torch.nn.functional.huber_loss(predicted, target, delta=delta)",
            lambda p: lambda x, t, **_: _F().huber_loss(x, t, reduction=p["reduction"], delta=p["delta"])),
    Adapter("cross_entropy_logits", "torch.nn.functional.cross_entropy(logits, target)  # probability targets",
            lambda p: lambda z, t, **_: _F().cross_entropy(z, t, reduction="mean" if p["reduction"] == "batchmean"
                                                           else p["reduction"])),
    Adapter("nll", "torch.nn.functional.nll_loss(log_probs, target.argmax(-1))  # one-hot rows as indices",
            lambda p: lambda lp, t, **_: _F().nll_loss(lp, t.argmax(-1), reduction="mean" if p["reduction"] ==
                                                       "batchmean" else p["reduction"])),
    Adapter("bce", "torch.nn.functional.binary_cross_entropy(predicted, target)",
            lambda p: lambda x, t, **_: _F().binary_cross_entropy(x, t, reduction=p["reduction"]),
            (Convention("torch clamps each log term at −100 and does not clamp p; the spec clamps p to "
                        "[eps, 1 − eps] (its gradient is 0 outside)", _clamped_probability("predicted")),)),
    Adapter("bce_with_logits", "torch.nn.functional.binary_cross_entropy_with_logits(logits, target)",
            lambda p: lambda z, t, **_: _F().binary_cross_entropy_with_logits(z, t, reduction=p["reduction"])),
    Adapter("kl_div", "torch.nn.functional.kl_div(log_probs, target, reduction='batchmean')",
            lambda p: lambda lp, t, **_: _F().kl_div(lp, t, reduction=p["reduction"])),
    Adapter("poisson_nll", "torch.nn.functional.poisson_nll_loss(log_rate, target)",
            lambda p: lambda lr, t, **_: _F().poisson_nll_loss(lr, t, reduction=p["reduction"])),
    Adapter("softmax", "torch.softmax(x, dim=-1)", lambda p: lambda x, **_: _torch().softmax(x, dim=-1)),
    Adapter("log_softmax", "torch.log_softmax(x, dim=-1)", lambda p: lambda x, **_: _torch().log_softmax(x, dim=-1)),
    Adapter("sigmoid", "torch.sigmoid(x)", lambda p: lambda x, **_: _torch().sigmoid(x)),
    Adapter("tanh", "torch.tanh(x)", lambda p: lambda x, **_: _torch().tanh(x)),
    Adapter("softplus", "torch.nn.functional.softplus(x)", lambda p: lambda x, **_: _F().softplus(x),
            (Convention("torch's softplus returns x itself where x > threshold = 20 (log1p(exp(−x)) dropped)",
                        _softplus_threshold),)),
    Adapter("exp", "torch.exp(x)", lambda p: lambda x, **_: _torch().exp(x)),
    Adapter("log", "torch.log(x)", lambda p: lambda x, **_: _torch().log(x)),
    Adapter("reciprocal", "torch.reciprocal(x)", lambda p: lambda x, **_: _torch().reciprocal(x)),
]}


def _scipy_special():
    import scipy.special
    return scipy.special


NUMPY = {a.spec: a for a in [
    Adapter("softmax", "scipy.special.softmax(x, axis=-1)", lambda p: lambda x, **_: _scipy_special().softmax(x, axis=-1)),
    Adapter("log_softmax", "scipy.special.log_softmax(x, axis=-1)",
            lambda p: lambda x, **_: _scipy_special().log_softmax(x, axis=-1)),
    Adapter("sigmoid", "scipy.special.expit(x)", lambda p: lambda x, **_: _scipy_special().expit(x)),
    Adapter("tanh", "numpy.tanh(x)", lambda p: lambda x, **_: np.tanh(x)),
    Adapter("softplus", "numpy.logaddexp(0, x)", lambda p: lambda x, **_: np.logaddexp(0, x)),
    Adapter("exp", "numpy.exp(x)", lambda p: lambda x, **_: np.exp(x)),
    Adapter("log", "numpy.log(x)", lambda p: lambda x, **_: np.log(x)),
    Adapter("reciprocal", "numpy.reciprocal(x)", lambda p: lambda x, **_: np.reciprocal(x)),
    Adapter("kl_div", "scipy.special.rel_entr(target, exp(log_probs)) … summed / rows",
            lambda p: lambda lp, t, **_: (_scipy_special().xlogy(t, t) - t * lp).sum() / lp.shape[0]),
]}

#: library name -> (backend the calls run on, adapters, the module that must be installed)
LIBRARIES = {
    "torch": ("torch", TORCH, "torch"),
    "numpy": ("numpy", NUMPY, "scipy"),
}
