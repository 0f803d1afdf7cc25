"""Numbers: exact-or-ball reals (arb), the arb and mpmath xp namespaces, SymPy compiled to arb,
rounding a truth to a float format, and how far a float is from it."""
