"""``python -m sim`` is the ``parley`` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
