"""gradspec's catalog: each loss, activation and op written once.

    import spec
    spec.names()            # every entry's name
    s = spec.get("kl_div")  # the entry: s.name, s.kind, s.inputs (name, domain), s.params (defaults)

See ``spec.entry`` for what an entry holds and ``spec.xp`` for the array protocol formulas use.
Importing spec imports NumPy only; SymPy and mpmath are imported by derive and check.
"""
from .entry import Analogue, Condition, Derivative, Form, Input, Kink, Param, Spec
from .errors import GradspecError
from .registry import get, names, register

__all__ = ["Analogue", "Condition", "Derivative", "Form", "GradspecError", "Input", "Kink", "Param",
           "Spec", "get", "names", "register"]
