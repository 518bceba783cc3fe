"""How the local pool's workers start (sim.sweep.start_method): forked from a process that runs
no other Python thread, spawned otherwise; ``PARLEY_START_METHOD`` overrides the choice, and a
bad value is one line and exit status 2 before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import SweepError
from sim.sweep.backends import _Progress
from sim.sweep.start_method import START_METHOD_VARIABLE, pool_context, start_method

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(START_METHOD_VARIABLE, raising=False)


def test_the_variable_picks_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    for method in ("fork", "spawn", " Spawn "):
        monkeypatch.setenv(START_METHOD_VARIABLE, method)
        assert start_method() == method.strip().lower()
        assert pool_context().get_start_method() == method.strip().lower()


@pytest.mark.parametrize("value", ["forkserver", "threads", "0"])
def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(START_METHOD_VARIABLE, value)
    with pytest.raises(SweepError, match="use one of fork, spawn"):
        start_method()


CHOICES = """
import threading
from sim.sweep.start_method import start_method
print(start_method())
release = threading.Event()
other = threading.Thread(target=release.wait)
other.start()
print(start_method())
release.set()
other.join()
print(start_method())
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or sys.version_info >= (3, 12),
    reason="workers are forked on Linux before Python 3.12 only",
)
def test_a_process_with_one_thread_forks_and_one_with_another_spawns() -> None:
    """In a fresh interpreter (this test process may hold other tests' threads)."""
    env = {k: v for k, v in os.environ.items() if k != START_METHOD_VARIABLE}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", CHOICES], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["fork", "spawn", "fork"], done.stderr


def test_a_near_miss_gets_a_did_you_mean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(START_METHOD_VARIABLE, "sppawn")
    with pytest.raises(SweepError, match="did you mean 'spawn'"):
        start_method()


def test_the_progress_bar_starts_no_thread() -> None:
    """tqdm's monitor thread would make every ``parley sweep`` with a bar spawn its workers."""
    before = threading.active_count()
    with _Progress(10, enabled=True) as bar:
        bar.update(4)
        assert threading.active_count() == before


def test_the_cli_refuses_a_bad_value_before_writing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(START_METHOD_VARIABLE, "vfork")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["sweep", "baseline-uncertainty", "--runs", "10", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "PARLEY_START_METHOD='vfork'" in lines[0], result.output
    assert "Traceback" not in result.output
    assert not (out / "manifest.json").exists()
