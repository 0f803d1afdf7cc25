"""Numbers: exact-or-ball reals (arb) and their xp namespace, SymPy compiled to them, the truth of a
spec at a point (``truth``), rounding it to a float format (``rounding``), and the one judgement of a
float result (``float_error``).  No module here imports mpmath: ball arithmetic is the one engine."""
