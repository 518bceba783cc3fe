"""The notice a command prints when the first run after an install compiles the kernels."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.cli import compiling


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


def _fresh(module: str) -> Any:
    """A numba function not compiled yet in this process, said to live in ``module``."""
    import numba

    def twice(x: np.ndarray) -> float:
        return float(2.0 * x.sum())

    twice.__module__ = module
    return numba.njit(cache=False)(twice)


@pytest.fixture
def listening(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The module's listener list, empty for the test; its listener unregistered after it."""
    from numba.core import event

    fresh: list[Any] = []
    monkeypatch.setattr(compiling, "_listening", fresh)
    yield fresh
    for listener in fresh:
        event.unregister("numba:compile", listener)  # type: ignore[no-untyped-call]


def test_a_terminal_is_told_once_when_a_kernel_of_ours_compiles(listening: list[Any]) -> None:
    stream = Terminal()
    compiling.announce_compiling(stream)
    compiling.announce_compiling(stream)  # a second command in the process: one listener
    assert len(listening) == 1
    _fresh("tests.elsewhere")(np.ones(3))  # not ours: nothing
    assert stream.getvalue() == ""
    _fresh("sim.core.example")(np.ones(3))
    _fresh("sim.core.another")(np.ones(3))
    assert stream.getvalue() == compiling.NOTICE + "\n"


def test_output_that_is_not_a_terminal_gets_no_notice(listening: list[Any]) -> None:
    stream = io.StringIO()
    compiling.announce_compiling(stream)
    _fresh("sim.core.example")(np.ones(3))
    assert listening == [] and stream.getvalue() == ""


@pytest.mark.parametrize("cold", [True, False])
def test_a_sweep_on_a_terminal_is_told_when_its_workers_will_compile(
    monkeypatch: pytest.MonkeyPatch, cold: bool
) -> None:
    monkeypatch.setattr(compiling, "kernels_cold", lambda: cold)
    stream, piped = Terminal(), io.StringIO()
    compiling.announce_cold_workers(stream)
    compiling.announce_cold_workers(piped)
    assert stream.getvalue() == (compiling.SWEEP_NOTICE + "\n" if cold else "")
    assert piped.getvalue() == ""


def test_the_kernels_are_cold_in_an_empty_cache_and_warm_once_compiled(tmp_path: Path) -> None:
    """numba's cache locator, in a fresh process on an empty cache: cold, still cold once a
    solve has compiled the generic Newton (the library's shapes have loops of their own), warm
    once those have compiled too."""
    code = (
        "from sim.cli.compiling import kernels_cold\n"
        "from sim.core.newton_kernel import compiled_newton\n"
        "from sim.core.newton_loop import SPECIALISED\n"
        "import numpy as np\n"
        "def solve(m, k):\n"
        "    n, a = 1, m + 1\n"
        "    compiled_newton()(np.full((n, a, k), 0.5), np.full((n, a, k), 0.5), np.arange(n),\n"
        "        np.zeros((n, m)), np.zeros(n), np.zeros((n, m)), np.zeros((n, k)),\n"
        "        np.zeros((n, a)), np.zeros((n, m, m)), np.zeros(n, bool), False)\n"
        "seen = [kernels_cold()]\n"
        "solve(2, 2)\n"
        "seen.append(kernels_cold())\n"
        "for m, k in SPECIALISED:\n"
        "    solve(m, k)\n"
        "print(*seen, kernels_cold())\n"
    )
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", "True", "False"]
