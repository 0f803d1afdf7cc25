"""gradspec's specs: each loss, activation and op written once — the catalog's and your own.

    import spec
    spec.names()            # every registered spec's name (the catalog, then installed plugins')
    s = spec.get("kl_div")  # the entry: s.name, s.kind, s.inputs (name, domain), s.params (defaults)

Writing your own (the same API the catalog uses; see the README's "Your own losses")::

    from spec import Derivative, Input, Param, loss, positive
    from spec.domains import REAL
    from spec.reduction import count

    def terms(predicted, target, *, xp, eps):                 # per-entry terms; L = reduce(terms)
        return xp.sqrt((predicted - target) ** 2 + eps ** 2)

    def grad_predicted(predicted, target, *, xp, eps, reduction):
        return (predicted - target) / xp.sqrt((predicted - target) ** 2 + eps ** 2) / count(predicted, reduction)

    CHARBONNIER = loss("charbonnier", terms, inputs=[Input("predicted", REAL, "p"), Input("target", REAL, "t")],
                       params=[Param("eps", 0.1, positive("eps"))],
                       derivatives=[Derivative("predicted", grad_predicted)])

``loss``/``activation`` validate the spec (spec.validate) and register it; ``load_module(name)``
imports a module of specs and returns their names; an installed package registers its specs
without flags through the entry point group ``gradspec.specs``.  ``spec.domains`` holds the input
domains, ``spec.conditions`` ready-made domain conditions, ``spec.xp`` the array protocol formulas use.
Importing spec imports NumPy only; SymPy (with mpmath, which SymPy uses) and python-flint are imported by derive and check.
"""
from .build import activation, loss
from .entry import Analogue, Condition, Derivative, Form, Input, Kink, Param, Spec, positive
from .errors import GradspecError
from .registry import ENTRY_POINT_GROUP, get, load_module, module_names, names, origin, register

__all__ = ["Analogue", "Condition", "Derivative", "ENTRY_POINT_GROUP", "Form", "GradspecError", "Input", "Kink",
           "Param", "Spec", "activation", "get", "load_module", "loss", "module_names", "names", "origin",
           "positive", "register"]
