"""PyTorch's losses and activations, as ``gradspec audit torch`` calls them (torch.nn.functional)."""
from __future__ import annotations

import numpy as np

from .common import Adapter, Convention, below, floats, outside_clamp, tie


def _F():
    import torch.nn.functional as F
    return F


def _torch():
    import torch
    return torch


def _mean(reduction: str) -> str:
    """PyTorch's reduction for a spec reduction: its "mean" of per-row or weighted losses is ours
    "batchmean" / "weighted_mean"."""
    return "mean" if reduction in ("batchmean", "weighted_mean") else reduction


def _tensor(value, like):
    return None if value is None else _torch().as_tensor(value, dtype=like.dtype)


def _ranking_margin(values, params):
    return -floats(values, "target") * (floats(values, "x1") - floats(values, "x2")) + params["margin"]


def _embedding_tie(values, params):
    x, y = floats(values, "x"), floats(values, "target")
    return np.where(y < 0, x - params["margin"], 1.0)


def _tiny_rows(values, params):
    return bool(((floats(values, "x1") ** 2).sum(-1) < 1e-6).any() or ((floats(values, "x2") ** 2).sum(-1) < 1e-6).any())


def _cosine_tie(values, params):
    a, b, y = floats(values, "x1"), floats(values, "x2"), floats(values, "target").reshape(-1)
    cos = (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    return bool(((y < 0) & (np.abs(cos - params["margin"]) < 1e-6)).any())


def _label_indices(t):
    """Multi-hot rows as PyTorch's multilabel_margin target: each row's label indices, then −1s."""
    torch = _torch()
    out = torch.full(t.shape, -1, dtype=torch.long)
    for row in range(t.reshape(-1, t.shape[-1]).shape[0]):
        labels = torch.nonzero(t.reshape(-1, t.shape[-1])[row] == 1).flatten()
        out.reshape(-1, t.shape[-1])[row, :len(labels)] = labels
    return out


def _index_or_ignored(t, ignore_index=-100):
    """One-hot rows as class indices, all-zero rows as ``ignore_index``."""
    torch = _torch()
    return torch.where(t.sum(-1) > 0, t.argmax(-1), torch.full_like(t.argmax(-1), ignore_index))


def _triplet_tie(values, params):
    a, q, n = floats(values, "anchor"), floats(values, "positive"), floats(values, "negative")
    dist = lambda x, y: np.sqrt(((x - y + params["eps"]) ** 2).sum(-1))     # noqa: E731
    return bool((np.abs(dist(a, q) - dist(a, n) + params["margin"]) < 1e-9).any())


CLAMP_MIN = "PyTorch's clamp_min(0) passes the gradient at the tie; the spec takes the subgradient 0 there"

ADAPTERS = [
    Adapter("mse", "torch.nn.functional.mse_loss(predicted, target)",
            lambda p: lambda x, t: _F().mse_loss(x, t, reduction=p["reduction"])),
    Adapter("mae", "torch.nn.functional.l1_loss(predicted, target)",
            lambda p: lambda x, t: _F().l1_loss(x, t, reduction=p["reduction"])),
    Adapter("smooth_l1", "torch.nn.functional.smooth_l1_loss(predicted, target, beta=beta)",
            lambda p: lambda x, t: _F().smooth_l1_loss(x, t, reduction=p["reduction"], beta=p["beta"])),
    Adapter("smooth_l1", "torch.nn.functional.smooth_l1_loss(predicted, target, beta=beta)",
            lambda p: lambda x, t: _F().smooth_l1_loss(x, t, reduction=p["reduction"], beta=p["beta"]),
            params={"beta": 0}),
    Adapter("huber", "torch.nn.functional.huber_loss(predicted, target, delta=delta)",
            lambda p: lambda x, t: _F().huber_loss(x, t, reduction=p["reduction"], delta=p["delta"])),
    Adapter("cross_entropy_logits", "torch.nn.functional.cross_entropy(logits, target)  # probability targets",
            lambda p: lambda z, t: _F().cross_entropy(z, t, reduction=_mean(p["reduction"]))),
    Adapter("cross_entropy_logits", "torch.nn.functional.cross_entropy(logits, target, weight=torch.tensor(weight), "
            "label_smoothing=label_smoothing)  # probability targets",
            lambda p: lambda z, t: _F().cross_entropy(z, t, weight=_tensor(p["weight"], z), reduction=_mean(p["reduction"]),
                                                      label_smoothing=p["label_smoothing"]),
            params={"weight": (1, 2, 0.5), "label_smoothing": 0.1}),
    Adapter("cross_entropy_index", "torch.nn.functional.cross_entropy(logits, index)  # index: argmax of a "
            "one-hot row, -100 (ignore_index) for an all-zero row",
            lambda p: lambda z, t: _F().cross_entropy(z, _index_or_ignored(t), reduction=_mean(p["reduction"]))),
    Adapter("cross_entropy_index", "torch.nn.functional.cross_entropy(logits, index, weight=torch.tensor(weight), "
            "label_smoothing=label_smoothing)",
            lambda p: lambda z, t: _F().cross_entropy(z, _index_or_ignored(t), weight=_tensor(p["weight"], z),
                                                      reduction=_mean(p["reduction"]),
                                                      label_smoothing=p["label_smoothing"]),
            params={"weight": (1, 2, 0.5), "label_smoothing": 0.1}),
    Adapter("nll", "torch.nn.functional.nll_loss(log_probs, target.argmax(-1))  # one-hot rows as indices",
            lambda p: lambda lp, t: _F().nll_loss(lp, t.argmax(-1), reduction=_mean(p["reduction"]))),
    Adapter("nll", "torch.nn.functional.nll_loss(log_probs, target.argmax(-1), weight=torch.tensor(weight))",
            lambda p: lambda lp, t: _F().nll_loss(lp, t.argmax(-1), weight=_tensor(p["weight"], lp),
                                                  reduction=_mean(p["reduction"])),
            params={"weight": (1, 2, 0.5), "reduction": "weighted_mean"}),
    Adapter("bce", "torch.nn.functional.binary_cross_entropy(predicted, target)",
            lambda p: lambda x, t: _F().binary_cross_entropy(x, t, reduction=p["reduction"]),
            (Convention("torch clamps each log term at −100 and does not clamp p; the spec clamps p to "
                        "[eps, 1 − eps] (its gradient is 0 outside)", outside_clamp("predicted")),)),
    # self-consistency: the same call against the spec of its own forward (logs clamped at −100), so
    # that its backward is audited against the derivative of what it computes
    Adapter("bce_log_clamped", "torch.nn.functional.binary_cross_entropy(predicted, target)",
            lambda p: lambda x, t: _F().binary_cross_entropy(x, t, reduction=p["reduction"])),
    Adapter("bce_with_logits", "torch.nn.functional.binary_cross_entropy_with_logits(logits, target)",
            lambda p: lambda z, t: _F().binary_cross_entropy_with_logits(z, t, reduction=p["reduction"])),
    Adapter("bce_with_logits", "torch.nn.functional.binary_cross_entropy_with_logits(logits, target, "
            "weight=torch.tensor(weight), pos_weight=torch.tensor(pos_weight))",
            lambda p: lambda z, t: _F().binary_cross_entropy_with_logits(
                z, t, weight=_tensor(p["weight"], z), pos_weight=_tensor(p["pos_weight"], z), reduction=p["reduction"]),
            params={"pos_weight": 3, "weight": 0.5}),
    Adapter("kl_div", "torch.nn.functional.kl_div(log_probs, target, reduction='batchmean')",
            lambda p: lambda lp, t: _F().kl_div(lp, t, reduction=p["reduction"])),
    Adapter("poisson_nll", "torch.nn.functional.poisson_nll_loss(log_rate, target)",
            lambda p: lambda lr, t: _F().poisson_nll_loss(lr, t, reduction=p["reduction"])),
    Adapter("poisson_nll", "torch.nn.functional.poisson_nll_loss(log_rate, target, full=True)",
            lambda p: lambda lr, t: _F().poisson_nll_loss(lr, t, full=True, reduction=p["reduction"]),
            params={"full": True}),
    Adapter("poisson_nll_rate", "torch.nn.functional.poisson_nll_loss(rate, target, log_input=False)",
            lambda p: lambda r, t: _F().poisson_nll_loss(r, t, log_input=False, eps=p["eps"], reduction=p["reduction"])),
    Adapter("cosine_similarity", "1 - torch.nn.functional.cosine_similarity(predicted.flatten(), target.flatten(), "
            "dim=0, eps=eps)",
            lambda p: lambda x, t: 1 - _F().cosine_similarity(x.flatten(), t.flatten(), dim=0, eps=p["eps"])),
    Adapter("soft_margin", "torch.nn.functional.soft_margin_loss(predicted, target)",
            lambda p: lambda x, y: _F().soft_margin_loss(x, y, reduction=p["reduction"])),
    Adapter("multilabel_soft_margin", "torch.nn.functional.multilabel_soft_margin_loss(predicted, target)",
            lambda p: lambda x, y: _F().multilabel_soft_margin_loss(x, y, reduction=p["reduction"])),
    Adapter("multilabel_soft_margin", "torch.nn.functional.multilabel_soft_margin_loss(predicted, target, "
            "weight=torch.tensor(weight))",
            lambda p: lambda x, y: _F().multilabel_soft_margin_loss(x, y, weight=_tensor(p["weight"], x),
                                                                    reduction=p["reduction"]),
            params={"weight": (1, 2, 0.5)}),
    Adapter("margin_ranking", "torch.nn.functional.margin_ranking_loss(x1, x2, target, margin=margin)",
            lambda p: lambda a, b, y: _F().margin_ranking_loss(a, b, y, margin=p["margin"], reduction=p["reduction"]),
            (Convention(CLAMP_MIN, tie(_ranking_margin)),)),
    Adapter("hinge_embedding", "torch.nn.functional.hinge_embedding_loss(x, target, margin=margin)",
            lambda p: lambda x, y: _F().hinge_embedding_loss(x, y, margin=p["margin"], reduction=p["reduction"]),
            (Convention(CLAMP_MIN, tie(_embedding_tie)),)),
    Adapter("cosine_embedding", "torch.nn.functional.cosine_embedding_loss(x1, x2, target.reshape(-1), margin=margin)",
            lambda p: lambda a, b, y: _F().cosine_embedding_loss(a, b, y.reshape(-1), margin=p["margin"],
                                                                 reduction=p["reduction"]),
            (Convention("PyTorch adds EPSILON = 1e-12 to each squared norm: rows of norm ≲ 1e-3 are not at "
                        "their cosine", _tiny_rows),
             Convention(CLAMP_MIN, _cosine_tie))),
    Adapter("kl_div_log_target", "torch.nn.functional.kl_div(log_probs, target, reduction='batchmean', log_target=True)",
            lambda p: lambda lp, t: _F().kl_div(lp, t, reduction=p["reduction"], log_target=True)),
    Adapter("gaussian_nll", "torch.nn.functional.gaussian_nll_loss(predicted, target, var, full=full, eps=eps)",
            lambda p: lambda x, t, v: _F().gaussian_nll_loss(x, t, v, full=p["full"], eps=p["eps"],
                                                             reduction=p["reduction"]),
            (Convention("PyTorch clamps var at eps without recording the clamp for autograd: below eps its var "
                        "gradient is that of the clamped value, the spec's is 0", below("var", 1e-6)),)),
    Adapter("triplet_margin", "torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin=margin, "
            "eps=eps)",
            lambda p: lambda a, q, n: _F().triplet_margin_loss(a, q, n, margin=p["margin"], eps=p["eps"],
                                                               reduction=p["reduction"]),
            (Convention(CLAMP_MIN, _triplet_tie),)),
    Adapter("multi_margin", "torch.nn.functional.multi_margin_loss(predicted, target.argmax(-1), margin=margin)",
            lambda p: lambda x, t: _F().multi_margin_loss(x, t.argmax(-1), margin=p["margin"], reduction=p["reduction"])),
    Adapter("multilabel_margin", "torch.nn.functional.multilabel_margin_loss(predicted, label indices padded with -1)",
            lambda p: lambda x, t: _F().multilabel_margin_loss(x, _label_indices(t), reduction=p["reduction"])),
    Adapter("logsumexp", "torch.logsumexp(x, dim=-1)", lambda p: lambda x: _torch().logsumexp(x, dim=-1)),
    Adapter("softmax", "torch.softmax(x, dim=-1)", lambda p: lambda x: _torch().softmax(x, dim=-1)),
    Adapter("log_softmax", "torch.log_softmax(x, dim=-1)", lambda p: lambda x: _torch().log_softmax(x, dim=-1)),
    Adapter("sigmoid", "torch.sigmoid(x)", lambda p: lambda x: _torch().sigmoid(x)),
    Adapter("log_sigmoid", "torch.nn.functional.logsigmoid(x)", lambda p: lambda x: _F().logsigmoid(x)),
    Adapter("tanh", "torch.tanh(x)", lambda p: lambda x: _torch().tanh(x)),
    Adapter("softplus", "torch.nn.functional.softplus(x)", lambda p: lambda x: _F().softplus(x),
            (Convention("torch's softplus returns x itself where beta·x > threshold = 20 (log1p(exp(−x)) dropped)",
                        lambda values, params: bool((floats(values, "x") > 20).any())),)),
    Adapter("softplus", "torch.nn.functional.softplus(x, beta=beta, threshold=threshold)",
            lambda p: lambda x: _F().softplus(x, beta=p["beta"], threshold=p["threshold"]),
            params={"beta": 2, "threshold": 20}),
    Adapter("relu", "torch.relu(x)", lambda p: lambda x: _torch().relu(x)),
    Adapter("gelu", "torch.nn.functional.gelu(x, approximate='tanh')",
            lambda p: lambda x: _F().gelu(x, approximate="tanh")),
    Adapter("gelu_erf", "torch.nn.functional.gelu(x)", lambda p: lambda x: _F().gelu(x)),
    Adapter("silu", "torch.nn.functional.silu(x)", lambda p: lambda x: _F().silu(x)),
    Adapter("mish", "torch.nn.functional.mish(x)", lambda p: lambda x: _F().mish(x)),
    Adapter("elu", "torch.nn.functional.elu(x, alpha=alpha)", lambda p: lambda x: _F().elu(x, alpha=p["alpha"])),
    Adapter("selu", "torch.nn.functional.selu(x)", lambda p: lambda x: _F().selu(x)),
    Adapter("celu", "torch.nn.functional.celu(x, alpha=alpha)", lambda p: lambda x: _F().celu(x, alpha=p["alpha"])),
    Adapter("leaky_relu", "torch.nn.functional.leaky_relu(x, negative_slope)",
            lambda p: lambda x: _F().leaky_relu(x, p["negative_slope"])),
    Adapter("hardtanh", "torch.nn.functional.hardtanh(x, min_val, max_val)",
            lambda p: lambda x: _F().hardtanh(x, p["min_val"], p["max_val"])),
    Adapter("relu6", "torch.nn.functional.relu6(x)", lambda p: lambda x: _F().relu6(x)),
    Adapter("hardsigmoid", "torch.nn.functional.hardsigmoid(x)", lambda p: lambda x: _F().hardsigmoid(x)),
    Adapter("hardswish", "torch.nn.functional.hardswish(x)", lambda p: lambda x: _F().hardswish(x)),
    Adapter("softsign", "torch.nn.functional.softsign(x)", lambda p: lambda x: _F().softsign(x)),
    Adapter("exp", "torch.exp(x)", lambda p: lambda x: _torch().exp(x)),
    Adapter("log", "torch.log(x)", lambda p: lambda x: _torch().log(x)),
    Adapter("reciprocal", "torch.reciprocal(x)", lambda p: lambda x: _torch().reciprocal(x)),
]
