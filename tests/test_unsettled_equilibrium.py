"""Worlds whose equilibrium thresholds did not converge are recorded and reported, not hidden.

The threshold iteration (:func:`sim.core.equilibrium.stationary_thresholds`) stops on stall or
after its iterations run out; the change it stopped at is each world's
``equilibrium_residual``, and a world above ``UNSETTLED_RESIDUAL`` was played on thresholds that
are no equilibrium.  No library scenario has such a world, so the tests cut the iterations short
(one step from the outside options is never a fixed point of the textbook cases).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim.core.equilibrium as equilibrium
from sim.analysis.summaries import format_summary, summarize
from sim.cli import main
from sim.core.batch import build_batch
from sim.core.equilibrium_cache import EquilibriumCache
from sim.core.records import EQUILIBRIUM_RESIDUAL, UNSETTLED_RESIDUAL, record_from_columns
from sim.core.runner import run_batch
from sim.output.describe import describe_record
from sim.scenario.loader import load_scenario

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
RANDOM_PROPOSER = LIBRARY / "textbook" / "random-proposer.yaml"
WORLDS = np.arange(40)


def test_converged_worlds_record_a_change_at_solver_noise() -> None:
    columns = run_batch(load_scenario(RANDOM_PROPOSER), WORLDS)
    change = columns[EQUILIBRIUM_RESIDUAL]
    assert change.shape == WORLDS.shape and np.isfinite(change).all()
    assert (change <= 1e-9).all()
    summary = summarize(pd.DataFrame(columns), ["share"], ["a", "b"])[0]
    assert summary["unsettled"] == 0
    assert "did not converge" not in format_summary([summary])


def test_concession_scenarios_have_no_such_column() -> None:
    columns = run_batch(load_scenario(LIBRARY / "textbook" / "nash-split.yaml"), WORLDS[:5])
    assert EQUILIBRIUM_RESIDUAL not in columns
    summary = summarize(pd.DataFrame(columns), ["share"], ["a", "b"])[0]
    assert "unsettled" not in summary


def test_the_iteration_reports_where_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = build_batch(load_scenario(RANDOM_PROPOSER), WORLDS)
    reservation = np.full((WORLDS.size, 2), 0.1)
    settled = EquilibriumCache(batch.structure, WORLDS.size)
    theta = settled.thresholds(batch, WORLDS, reservation)
    assert (settled.residual <= equilibrium.TOLERANCE).all()
    monkeypatch.setattr(equilibrium, "MAX_ITERATIONS", 1)
    cut = EquilibriumCache(batch.structure, WORLDS.size)
    cut.thresholds(batch, WORLDS, reservation)
    # Out of iterations: the change is how far the last step still moved the thresholds.
    assert (cut.residual > UNSETTLED_RESIDUAL).all()
    assert np.isfinite(theta).all()
    # The cache keeps each world's largest change: a settled round does not hide it.
    monkeypatch.undo()
    cut.thresholds(batch, WORLDS, reservation + 0.01)
    assert (cut.residual > UNSETTLED_RESIDUAL).all()


def test_unsettled_worlds_are_counted_and_warned_about(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(equilibrium, "MAX_ITERATIONS", 1)
    scenario = load_scenario(RANDOM_PROPOSER)
    columns = run_batch(scenario, WORLDS)
    assert (columns[EQUILIBRIUM_RESIDUAL] > UNSETTLED_RESIDUAL).all()
    summary = summarize(pd.DataFrame(columns), ["share"], ["a", "b"])[0]
    assert summary["unsettled"] == WORLDS.size
    assert f"in {WORLDS.size} of {WORLDS.size} worlds" in format_summary([summary])
    record = record_from_columns(columns, 0, scenario=scenario.name)
    assert record[EQUILIBRIUM_RESIDUAL] > UNSETTLED_RESIDUAL
    assert "did not converge" in describe_record(scenario, record)
    # ... and by the command line, which runs in this process with one worker.
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(
        f"name: unsettled\nscenario: {RANDOM_PROPOSER}\nruns: 30\nseed: 3\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["sweep", str(experiment), "--workers", "1", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "in 30 of 30 worlds the equilibrium thresholds did not converge" in result.output
    run = CliRunner().invoke(main, ["run", str(RANDOM_PROPOSER), "--out", str(tmp_path / "one")])
    assert run.exit_code == 0, run.output
    assert "Warning: the equilibrium thresholds did not converge" in run.output
