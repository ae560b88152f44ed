"""Synthetic single-leg-stance clip generator (developer tool)."""
