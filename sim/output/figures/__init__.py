"""Figures, one module per family; :mod:`~sim.output.figures.registry` lists them."""
