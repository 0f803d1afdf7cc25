"""Audits of float implementations against the exact truth: the points, the expected values, findings
and the report."""
