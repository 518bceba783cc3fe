"""The figure families a results folder gets, by name, and writing them all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis.results import Results
from sim.io import save_figure
from sim.output.figures.agreement import agreement_plot
from sim.output.figures.base import _actor_names, _issue_names
from sim.output.figures.convergence import convergence_plot
from sim.output.figures.drivers import drivers_plot
from sim.output.figures.gains import gains_plot
from sim.output.figures.joint import joint_plot
from sim.output.figures.scatter import default_scatter_actors, utility_scatter_plot
from sim.output.figures.terms import terms_plot
from sim.output.figures.timing import timing_plot

FIGURE_NAMES = (
    "agreement",
    "convergence",
    "terms",
    "gains",
    "scatter",
    "timing",
    "joint",
    "drivers",
)


# --------------------------------------------------------------------------------------------
# All figures of a results folder


def figures(results: Results, *, cells: Sequence[int] | None = None) -> dict[str, Figure]:
    """Every figure that applies to a results folder (joint needs two issues, drivers a
    sampled parameter), keyed by name."""
    chosen = results.select(cells)
    records = chosen.runs
    scenario = chosen.scenario_for(chosen.cell_ids[0])
    labels = chosen.labels()
    name = figure_name(chosen)
    made: dict[str, Figure] = {
        "agreement": agreement_plot(records, labels=labels, name=name),
        "convergence": convergence_plot(records, labels=labels, name=name),
    }
    if _issue_names(scenario, records):
        made["terms"] = terms_plot(records, scenario, labels=labels, name=name)
    actors = _actor_names(scenario, records)
    if actors:
        made["gains"] = gains_plot(records, scenario, labels=labels, name=name)
    pair = default_scatter_actors(actors)
    if pair is not None:
        made["scatter"] = utility_scatter_plot(records, pair, labels=labels, name=name)
    made["timing"] = timing_plot(records, scenario, labels=labels, name=name)
    if len(_issue_names(scenario, records)) >= 2:
        made["joint"] = joint_plot(records, scenario, labels=labels, name=name)
    params = [c for c in chosen.param_columns if records[c].nunique(dropna=True) > 1]
    if params:
        made["drivers"] = drivers_plot(records, params, labels=labels, name=name)
    return made


def figure_name(results: Results) -> str:
    """What every figure's title names: the experiment and all the scenarios it ran."""
    scenarios = list(results.scenarios)
    shown = ", ".join(scenarios)
    if scenarios == [results.name]:
        return results.name
    return f"{results.name} [{shown}]" if shown else results.name


def write_all_figures(
    results: Results,
    out_dir: str | Path,
    fmt: str = "png",
    *,
    cells: Sequence[int] | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Write every applicable figure to ``out_dir/<name>.<fmt>`` and return the paths."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported format {fmt!r}; use png, svg or pdf")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, figure in figures(results, cells=cells).items():
        path = directory / f"{kind}.{fmt}"
        save_figure(figure, path, format=fmt, dpi=dpi)
        paths.append(path)
    return paths
