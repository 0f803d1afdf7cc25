"""derive: closed forms from a spec — the gradient of a loss, the VJP of an activation.

    import derive
    derive.gradient("kl_div", "target", shape=(2, 3))          # SymArray of SymPy expressions
    derive.problem("mse", (2, 3)).forward()                    # the forward as a SymPy expression

derive knows spec; it knows nothing of check.
"""
from .gradient import Problem, forward, gradient, problem, vjp

__all__ = ["Problem", "forward", "gradient", "problem", "vjp"]
