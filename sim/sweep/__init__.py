"""Monte Carlo sweeps: plan chunks, run them on a backend, write parts, merge, record a manifest."""
