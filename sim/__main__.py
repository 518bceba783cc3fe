"""The ``parley`` command (console script and ``python -m sim``): Ctrl-C handling first, then the
command line.

Importing the command line loads numpy, pandas and click (most of a second); the interrupt
handler is installed before that, so Ctrl-C at any moment ends ``parley`` with one line and
status 130 and no traceback (see :mod:`sim.interrupts`).  Keep this module's imports to the
standard library and :mod:`sim.interrupts`.
"""

from __future__ import annotations

from sim import interrupts


def main() -> None:
    """Run ``parley`` with Ctrl-C handled from the first moment."""
    interrupts.install()
    from sim.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
