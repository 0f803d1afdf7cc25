"""Symbolic proofs: a difference reduced to zero by SymPy under a budget, at a shape or for every size."""
