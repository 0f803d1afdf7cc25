"""The checks: a hand-written derivative, a stable form or a domain condition against the spec —
points chosen from the formula's structure, the proof tried first, verification in ball arithmetic,
the verdict and its message."""
