"""The Python API for notebooks: runs, sweeps, summaries and comparisons as pandas DataFrames,
and a results object with one-line access to each figure.

    import sim.api as parley

    one = parley.run("alaska-summit")            # .row (a Series), .trajectory (a DataFrame)
    worlds = parley.run_batch("alaska-summit", 10_000)   # one row per world
    results = parley.sweep("veto-structure", "results/veto", runs=2_000)
    results.summary()                            # one row per cell: P(agreement), interval, terms
    results.figure("agreement")                  # a matplotlib Figure
    parley.compare(results, results, cell_a=0, cell_b=1)

The numpy path stays as it was (:func:`sim.core.runner.run_batch` returns columns of arrays);
these functions wrap it and the CLI's library calls, and compute nothing of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import compare as comparing
from sim.analysis import results as folders
from sim.analysis.summaries import CellSummary
from sim.core import runner
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply_to_scenario
from sim.scenario.schema import Scenario
from sim.sweep.run import run_sweep

ScenarioLike = str | os.PathLike[str] | Scenario
"""A scenario: its name (``alaska-summit``), a path to its file, or a loaded :class:`Scenario`."""


def _scenario(scenario: ScenarioLike, changes: Sequence[str] = ()) -> Scenario:
    if isinstance(scenario, Scenario):
        return apply_to_scenario(scenario, list(changes)) if changes else scenario
    return load_scenario(scenario, list(changes))


@dataclass(frozen=True)
class Run:
    """One negotiation: its outcome as a row of the results columns (a Series), the record of
    ``parley run --json`` (a dict) and its rounds as a DataFrame."""

    scenario: Scenario
    row: pd.Series
    record: dict[str, Any]
    trajectory: pd.DataFrame


def run(
    scenario: ScenarioLike, *, world: int = 0, seed: int | None = None, changes: Sequence[str] = ()
) -> Run:
    """World ``world`` of a scenario (``changes`` as ``parley run --set``), as pandas objects
    (:func:`sim.core.runner.run_single`)."""
    loaded = _scenario(scenario, changes)
    single = runner.run_single(loaded, seed=seed, world=world)
    row = pd.DataFrame(runner.run_batch(loaded, np.array([world]), seed=seed)).iloc[0]
    return Run(loaded, row, single.record, pd.DataFrame(single.trajectory))


def run_batch(
    scenario: ScenarioLike,
    worlds: int | Iterable[int],
    *,
    seed: int | None = None,
    changes: Sequence[str] = (),
) -> pd.DataFrame:
    """Many worlds at once (``worlds``: a count from world 0, or the world numbers), one row per
    world with the columns of docs/results-schema.md (:func:`sim.core.runner.run_batch`)."""
    loaded = _scenario(scenario, changes)
    numbers = np.arange(worlds) if isinstance(worlds, int) else np.fromiter(worlds, np.int64)
    return pd.DataFrame(runner.run_batch(loaded, numbers, seed=seed))


@dataclass(frozen=True)
class Results:
    """A sweep's results for a notebook: the runs, manifest, cells and priors as pandas objects,
    per-cell summaries, and each figure in one call."""

    stored: folders.Results

    @property
    def runs(self) -> pd.DataFrame:
        """One row per world and cell (docs/results-schema.md)."""
        return self.stored.runs

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The sweep's ``manifest.json``."""
        return self.stored.manifest

    @property
    def cells(self) -> pd.DataFrame:
        """One row per cell: its label, scenario and factor values (one column per factor)."""
        rows = [
            {
                "cell": info.cell,
                "label": self.stored.cell_label(info.cell),
                "scenario": info.scenario,
            }
            | dict(info.factors)
            for info in self.stored.cells
        ]
        return pd.DataFrame(rows).set_index("cell")

    @property
    def priors(self) -> pd.DataFrame:
        """One row per uncertain field: its distribution and parameters, as the experiment gave."""
        uncertainty = self.stored.experiment.get("uncertainty") or {}
        rows = [{"field": path} | dict(prior) for path, prior in uncertainty.items()]
        return pd.DataFrame(rows, columns=None if rows else ["field", "dist"]).set_index("field")

    def summaries(self) -> list[CellSummary]:
        """Per-cell summaries as ``parley sweep`` prints them (nested dicts)."""
        return self.stored.summarize()

    def summary(self) -> pd.DataFrame:
        """Per-cell summary, one row per cell: worlds, deals, P(agreement) with its 95% interval,
        the median agreed term of each issue and the mean gain of each actor."""
        return summary_frame(self.summaries())

    def figures(self, cells: Sequence[int] | None = None) -> dict[str, Figure]:
        """Every figure that applies, by name (:func:`sim.output.figures.registry.figures`)."""
        from sim.output.figures.registry import figures

        return figures(self.stored, cells=cells)

    def figure(self, name: str, cells: Sequence[int] | None = None) -> Figure:
        """One figure by name (``agreement``, ``terms``, ``gains``, ``timing``, ...)."""
        made = self.figures(cells)
        if name not in made:
            raise KeyError(f"no figure {name!r} for these results; there are {sorted(made)}")
        return made[name]


def summary_frame(summaries: Sequence[CellSummary]) -> pd.DataFrame:
    """Per-cell summaries (:func:`sim.analysis.summaries.summarize`) as one row per cell."""
    rows = []
    for cell in summaries:
        row: dict[str, Any] = {
            "cell": cell["cell"],
            "label": cell["label"],
            "n": cell["n"],
            "agreed": cell["agreed"],
            "p_agreement": cell["p_agreement"],
            "ci_low": cell["ci95"][0],
            "ci_high": cell["ci95"][1],
        }
        row |= {f"median.{issue}": term["median"] for issue, term in cell["terms"].items()}
        row |= {f"mean_gain.{actor}": gain["mean"] for actor, gain in cell["gains"].items()}
        rows.append(row)
    return pd.DataFrame(rows).set_index("cell")


def load(path: str | os.PathLike[str]) -> Results:
    """The results folder of a finished sweep (:func:`sim.analysis.results.load_results`)."""
    return Results(folders.load_results(Path(path)))


def sweep(
    experiment: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    runs: int | None = None,
    workers: int | None = None,
    **options: Any,
) -> Results:
    """Run an experiment (a name or a file) into ``out`` as ``parley sweep`` does
    (:func:`sim.sweep.run.run_sweep`; ``options`` are its keywords) and load its results."""
    loaded = load_experiment(experiment)
    if runs is not None:
        loaded = loaded.with_runs(runs)
    done = run_sweep(loaded, Path(out), workers=workers, **options)
    return load(done.out)


def compare(
    a: Results, b: Results, *, cell_a: int | None = None, cell_b: int | None = None
) -> pd.DataFrame:
    """Cell ``cell_b`` of ``b`` against cell ``cell_a`` of ``a`` (:func:`sim.analysis.compare.compare`):
    one row for P(agreement) and one per issue's median agreed term, with B − A and its 95%
    interval."""
    side_a = comparing.pick_side(a.stored, cell_a, "A")
    side_b = comparing.pick_side(b.stored, cell_b, "B")
    result = comparing.compare(side_a, side_b)
    agreement = result["agreement"]
    rows = [
        {
            "measure": "P(agreement)",
            "a": agreement["p_a"],
            "b": agreement["p_b"],
            "difference": agreement["difference"],
            **_interval(agreement["ci95"]),
        }
    ]
    for issue, entry in result["issues"].items():
        rows.append(
            {
                "measure": f"median {issue}",
                "a": entry["median_a"],
                "b": entry["median_b"],
                "difference": entry["shift"],
                **_interval(entry["ci95"]),
            }
        )
    return pd.DataFrame(rows).set_index("measure")


def _interval(ci95: Sequence[float] | None) -> dict[str, float | None]:
    low, high = ci95 if ci95 else (None, None)
    return {"ci_low": low, "ci_high": high}
