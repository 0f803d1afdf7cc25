"""derive: closed forms from a spec — the gradient of a loss, the VJP of an activation.

    import derive
    derive.gradient("kl_div", "target", shape=(2, 3))          # SymArray of SymPy expressions
    derive.problem("mse", (2, 3)).forward()                    # the forward as a SymPy expression
    derive.hessian("bce_with_logits", shape=(2, 3))            # (2, 3, 2, 3) array; also jacobian, jvp, hvp

derive knows spec; it knows nothing of check.
"""
from .gradient import Problem, forward, gradient, problem, vjp
from .higher import hessian, hvp, jacobian, jvp, kink_set, tangent

__all__ = ["Problem", "forward", "gradient", "hessian", "hvp", "jacobian", "jvp", "kink_set", "problem", "tangent", "vjp"]
