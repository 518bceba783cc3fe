"""The figure families a results folder gets, by name, and writing them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.analysis.fan import fan_data
from sim.analysis.results import Results
from sim.core.records import ROUNDS_FILE
from sim.errors import ResultsError
from sim.io import save_figure
from sim.output.figure_kinds import FIGURE_NAMES
from sim.output.figures.agreement import agreement_plot
from sim.output.figures.base import _actor_names, _issue_names
from sim.output.figures.convergence import convergence_plot
from sim.output.figures.drivers import drivers_plot
from sim.output.figures.fan import fan_plot
from sim.output.figures.gains import gains_plot
from sim.output.figures.scatter import default_scatter_actors, utility_scatter_plot
from sim.output.figures.terms import joint_plot, terms_plot
from sim.output.figures.timing import timing_plot

# --------------------------------------------------------------------------------------------
# All figures of a results folder


def figures(
    results: Results, *, cells: Sequence[int] | None = None, kinds: Sequence[str] | None = None
) -> dict[str, Figure]:
    """Every figure that applies to a results folder (joint needs two issues, drivers a
    sampled parameter, fan the round-by-round file of a sweep), keyed by name; only ``kinds``
    when given, and then one that does not apply is a :class:`ResultsError`."""
    chosen = results.select(cells)
    builders = _builders(chosen)
    wanted = list(kinds) if kinds else [k for k in FIGURE_NAMES if k in builders]
    for kind in wanted:
        if kind not in FIGURE_NAMES:
            raise ValueError(f"unknown figure kind {kind!r}; kinds are {', '.join(FIGURE_NAMES)}")
        if kind not in builders:
            raise ResultsError(f"{results.path}: no {kind} figure: {_WHY_NOT[kind]}")
    return {kind: builders[kind]() for kind in wanted}


_WHY_NOT = {
    "terms": "the records have no agreed terms",
    "gains": "the records have no gains",
    "scatter": "the records have fewer than two actors",
    "joint": "the records have fewer than two issues",
    "drivers": "no parameter was sampled",
    "fan": f"no {ROUNDS_FILE} (made by a sweep of this version of Parley)",
}


def _builders(chosen: Results) -> dict[str, Callable[[], Figure]]:
    """How to draw each figure that applies to ``chosen``."""
    records = chosen.runs
    scenario = chosen.scenario_for(chosen.cell_ids[0])
    common: dict[str, Any] = {"labels": chosen.labels(), "name": chosen.title}
    issues, actors = _issue_names(scenario, records), _actor_names(scenario, records)
    made: dict[str, Callable[[], Figure]] = {
        "agreement": lambda: agreement_plot(records, **common),
        "convergence": lambda: convergence_plot(records, **common),
        "timing": lambda: timing_plot(records, scenario, **common),
    }
    if issues:
        made["terms"] = lambda: terms_plot(records, scenario, **common)
    if actors:
        made["gains"] = lambda: gains_plot(records, scenario, **common)
    pair = default_scatter_actors(actors)
    if pair is not None:
        made["scatter"] = lambda: utility_scatter_plot(records, pair, **common)
    if len(issues) >= 2:
        made["joint"] = lambda: joint_plot(records, scenario, **common)
    params = [c for c in chosen.param_columns if records[c].nunique(dropna=True) > 1]
    if params:
        made["drivers"] = lambda: drivers_plot(records, params, **common)
    if (chosen.path / ROUNDS_FILE).is_file():
        made["fan"] = lambda: fan_plot(
            fan_data(chosen), chosen.actors, chosen.issues, records, **common
        )
    return made


def write_all_figures(
    results: Results,
    out_dir: str | Path,
    fmt: str = "png",
    *,
    cells: Sequence[int] | None = None,
    kinds: Sequence[str] | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Write every applicable figure (or the ``kinds`` named) to ``out_dir/<name>.<fmt>`` and return the paths."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported format {fmt!r}; use png, svg or pdf")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, figure in figures(results, cells=cells, kinds=kinds).items():
        path = directory / f"{kind}.{fmt}"
        save_figure(figure, path, format=fmt, dpi=dpi)
        paths.append(path)
    return paths
