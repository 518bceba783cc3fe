"""Numerical tolerances, one per meaning, shared by the engine and the analyses."""

from __future__ import annotations

# A package meets a threshold when U_i(x) >= theta_i - FEASIBILITY_TOLERANCE: the proposer's
# solver (sim.core.solver) certifies offers to this accuracy, and responders accept on it.
FEASIBILITY_TOLERANCE = 2e-7
