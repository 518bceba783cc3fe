"""Experiments: a spec (scenarios, factors, priors), the cells it expands to, and the per-world samples."""
