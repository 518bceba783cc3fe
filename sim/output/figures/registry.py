"""The figure families a results folder gets, by name, and writing them all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis.results import Results
from sim.io import save_figure
from sim.output.figures.agreement import agreement_plot
from sim.output.figures.base import _actor_names, _issue_names
from sim.output.figures.drivers import drivers_plot
from sim.output.figures.gains import gains_plot
from sim.output.figures.joint import joint_plot
from sim.output.figures.terms import terms_plot
from sim.output.figures.timing import timing_plot

FIGURE_NAMES = ("agreement", "terms", "gains", "timing", "joint", "drivers")


# --------------------------------------------------------------------------------------------
# All figures of a results folder


def figures(results: Results, *, cells: Sequence[int] | None = None) -> dict[str, Figure]:
    """Every figure that applies to a results folder (joint needs two issues, drivers a
    sampled parameter), keyed by name."""
    chosen = results.select(cells)
    records = chosen.runs
    scenario = chosen.scenario_for(chosen.cell_ids[0])
    labels = chosen.labels()
    name = chosen.name
    made: dict[str, Figure] = {
        "agreement": agreement_plot(records, labels=labels, name=name),
    }
    if _issue_names(scenario, records):
        made["terms"] = terms_plot(records, scenario, labels=labels, name=name)
    if _actor_names(scenario, records):
        made["gains"] = gains_plot(records, scenario, labels=labels, name=name)
    made["timing"] = timing_plot(records, scenario, labels=labels, name=name)
    if len(_issue_names(scenario, records)) >= 2:
        made["joint"] = joint_plot(records, scenario, labels=labels, name=name)
    params = [c for c in chosen.param_columns if records[c].nunique(dropna=True) > 1]
    if params:
        made["drivers"] = drivers_plot(records, params, labels=labels, name=name)
    return made


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
    for figure_name, figure in figures(results, cells=cells).items():
        path = directory / f"{figure_name}.{fmt}"
        save_figure(figure, path, format=fmt, dpi=dpi)
        paths.append(path)
    return paths
