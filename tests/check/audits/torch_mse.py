"""mse as a torch.autograd.Function whose backward can be made wrong in chosen ways: the audit tests'
implementations that are right, or wrong in one gradient only."""


def torch_mse(input_scale=1, target_scale=1, detached_backward=False, once=False, no_double=False):
    """mse(p, t) with its backward d = 2(p − t)/n: ``input_scale``·d for p and ``target_scale``·(−d)
    for t (None: no target gradient); ``detached_backward``: d from detached tensors (H·u = 0, a wrong
    double backward); ``once``: once-differentiable (torch then silently gives a first gradient
    without a graph: H·u = 0 too); ``no_double``: a double backward that raises (as torch's ops
    whose second derivative is not implemented)."""
    import torch

    class NoDouble(torch.autograd.Function):
        @staticmethod
        def forward(ctx, d):
            return d.clone()

        @staticmethod
        def backward(ctx, g):
            raise RuntimeError("the derivative for 'mse_backward' is not implemented")

    def backward(ctx, g):
        p, t = ctx.saved_tensors
        if detached_backward:
            p, t = p.detach(), t.detach()
        d = 2 * (p - t) / p.numel() * g
        if no_double:
            d = NoDouble.apply(d)
        return input_scale * d, (None if target_scale is None else -target_scale * d)

    class MSE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, p, t):
            ctx.save_for_backward(p, t)
            return ((p - t) ** 2).mean()

    MSE.backward = staticmethod(torch.autograd.function.once_differentiable(backward) if once else backward)
    return lambda p, t: MSE.apply(p, t)
