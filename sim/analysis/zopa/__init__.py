"""The zone of possible agreement: optimisation, Monte Carlo volume and text description."""
