"""The model: worlds as arrays, utilities, strategies, the proposer's problem, the Mesa model, records."""

from sim.core.mesa_compat import install_lean_mesa

install_lean_mesa()  # before any module of the model imports Mesa (a sweep worker starts faster)
