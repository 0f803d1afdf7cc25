"""bce_log_clamped — torch's own BCE forward (each log clamped at −100) as a spec: its derivatives
are checked like any entry's, and the backward torch ships, written as a formula, is refuted — it
is not the derivative of its own forward below p ≈ 10⁻¹² nor past the log clamp."""
from check import check_gradient


def _count(p, reduction):
    return p.size if reduction == "mean" else (p.shape[0] if reduction == "batchmean" else 1)


def torch_backward(predicted, target, *, xp, reduction):
    """PyTorch's binary_cross_entropy backward for the input: (p − t) / max(p(1 − p), 1e-12)."""
    return (predicted - target) / xp.maximum(predicted * (1 - predicted), 1e-12 + 0 * predicted) / _count(
        predicted, reduction)


def unclamped(predicted, target, *, xp, reduction):
    """The derivative of the unclamped BCE: right wherever the clamp is not active, wrong past it."""
    return (-target / predicted + (1 - target) / (1 - predicted)) / _count(predicted, reduction)


def torch_target_backward(predicted, target, *, xp, reduction):
    """PyTorch's target gradient: log(1 − p) − log p, ignoring the clamp of its forward."""
    return (xp.log(1 - predicted) - xp.log(predicted)) / _count(predicted, reduction)


def test_the_catalog_gradient_is_proved_and_torchs_backward_is_refuted():
    from spec.catalog.bce_log_clamped import grad_predicted, grad_target
    assert check_gradient("bce_log_clamped", grad_predicted).status == "proved"
    assert check_gradient("bce_log_clamped", grad_target, wrt="target").status == "proved"
    r = check_gradient("bce_log_clamped", torch_backward)
    assert r.status == "refuted" and r.counterexample is not None


def test_a_gradient_that_ignores_the_log_clamp_is_refuted():
    assert check_gradient("bce_log_clamped", unclamped).status == "refuted"
    assert check_gradient("bce_log_clamped", torch_target_backward, wrt="target").status == "refuted"
