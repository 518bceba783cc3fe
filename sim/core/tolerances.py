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

# The step in alpha of the central difference for d'(alpha), the rate at which an uncertain
# responder's demand rises with its acceptance probability (sim.core.uncertain_offer and its
# compiled loops, sim.core.offer_kernel): RATE_STEP, or RATE_SHARE of alpha where that is
# smaller (alpha < 1e-4).  A fixed step larger than alpha itself differenced the demand across
# [0, alpha + 1e-6], where a belief's tail quantile changes by orders of magnitude, and turned the
# first-order signal negative while F still rose: experiments/joint_offers.py found offers to
# one uncertain responder in the baseline's first 2,000 worlds up to 40% of F below the optimum
# (with this step: at most 0.2%, where the root's absolute tolerance on alpha is coarse).  Error
# ~1e-10 at the fixed step, ~1e-4 relative at the proportional one: far below what the root
# finder needs.  The compiled loops take both in when they compile, and numba's on-disk cache
# does not see a change made here: after one, touch sim/core/offer_kernel.py.
RATE_STEP = 1e-6
RATE_SHARE = 1e-2
