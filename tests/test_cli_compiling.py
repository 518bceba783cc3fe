"""The notice a command prints when the first run after an install compiles the kernels."""

from __future__ import annotations

import io
from collections.abc import Iterator
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
