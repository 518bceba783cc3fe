"""Test configuration and the fixtures tests share.

Under CI (CI=true) hypothesis runs derandomised, so a run is repeatable.  ``tiny_files`` writes the one
tiny two-actor scenario (and its sweep experiment) the experiment, sweep, design and sensitivity
tests use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")


TINY_SCENARIO = """\
name: tiny
seed: 99
issues:
  land: {low: none, high: all, status_quo: 0.5}
  money: {low: none, high: all, status_quo: 0.2}
actors:
  east:
    name: East
    capability: 0.6
    position: {land: 1.0, money: 0.8}
    salience: {land: 0.7, money: 0.3}
    war_cost: 0.05
    discount: 0.95
    strategy: {beta: 0.5}
  west:
    name: West
    capability: 0.4
    position: {land: 0.0, money: 0.1}
    salience: {land: 0.4, money: 0.6}
    war_cost: 0.08
    discount: 0.9
    strategy: {beta: 1.5}
protocol: {max_rounds: 8, breakdown_probability: 0.05}
dynamics:
  land: {drift: 0.01, volatility: 0.02}
"""

TINY_SWEEP = """\
name: tiny-sweep
description: Does a stubborn East make a deal less likely?
scenario: ./tiny.yaml
runs: {runs}
seed: 7
uncertainty:
  actors.*.war_cost: {{dist: uniform, low: 0.0, high: 0.2}}
  actors.*.salience: {{dist: dirichlet, concentration: 10}}
  actors.west.discount: {{dist: beta, concentration: 50}}
  protocol.breakdown_probability: {{dist: triangular, low: 0.0, mode: 0.05, high: 0.2}}
factors:
  actors.east.strategy.beta: [0.5, 2.0]
"""


@dataclass(frozen=True)
class Tiny:
    """Writes the tiny scenario, and the sweep experiment over it, into a folder."""

    runs: int = 600

    def scenario(self, directory: Path) -> Path:
        """``directory/tiny.yaml``: two actors, two issues, drift on land."""
        path = directory / "tiny.yaml"
        path.write_text(TINY_SCENARIO, encoding="utf-8")
        return path

    def experiment(
        self, directory: Path, runs: int | None = None, design: str | None = None
    ) -> Path:
        """The tiny scenario and ``directory/tiny-sweep.yaml`` (or ``tiny-<design>.yaml``): priors on
        war costs, saliences, a discount and the breakdown risk; East's concession exponent a factor."""
        self.scenario(directory)
        text = TINY_SWEEP.format(runs=self.runs if runs is None else runs)
        name = "tiny-sweep.yaml"
        if design is not None:
            text = text.replace("seed: 7\n", f"seed: 7\ndesign: {design}\n")
            name = f"tiny-{design}.yaml"
        path = directory / name
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture(scope="session")
def tiny_files() -> Tiny:
    """The tiny scenario and sweep experiment builder."""
    return Tiny()


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished two-cell sweep (``out/``) with its experiment and scenario (the fuzz
    tests damage copies of it)."""
    from fuzzgen import finished_sweep_case
    from fuzzkit import run_in_process

    root = tmp_path_factory.mktemp("sweep")
    outcome = run_in_process(finished_sweep_case(), root)
    assert outcome.exit_code == 0, outcome.output + outcome.traceback
    return outcome.project
