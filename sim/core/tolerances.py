"""Numerical tolerances, one per meaning, shared by the engine and the analyses."""

from __future__ import annotations

# A package meets a threshold when U_i(x) >= theta_i - FEASIBILITY_TOLERANCE: the proposer's
# solver (sim.core.solver) certifies offers to this accuracy, and responders accept on it.
FEASIBILITY_TOLERANCE = 2e-7

# The SLSQP programs of the forecasts and the zone of agreement (ftol 1e-13) verify their answers
# to this accuracy: a package meets a floor (a no-deal value, a threshold) if it falls short by
# less than this.
OPTIMUM_TOLERANCE = 1e-9

# The inner problem's smallest curvature the dual's Newton inverts (sim.core.dual.DualProblem.at):
# 1 / curvature is capped at 1 / CURVATURE_FLOOR so the Hessian never fills with inf and NaN.
CURVATURE_FLOOR = 1e-300
