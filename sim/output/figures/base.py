"""Figures of outcome records: each function takes records (a DataFrame) and returns a Figure.

In the style of the Axelrod library's ``plot.py``: the plots read records only, never a model,
and draw into an ``ax`` or figure you pass, or a new one.  Figures are plain
:class:`matplotlib.figure.Figure` objects (no pyplot state), so they render with Agg and never pop
up a window.  Actors keep one colour everywhere (:mod:`sim.output.palette`); axes are labelled with
the words of each issue's ends.  Data-bearing artists carry a ``gid`` so tests can read back
what was drawn.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure

from sim.core.records import GAIN, PARAM, TERM
from sim.output.palette import STATUS_QUO_COLOR
from sim.scenario.schema import Scenario

FIGURE_WIDTH = 10.0

AnyFigure = Figure | SubFigure


# --------------------------------------------------------------------------------------------
# Helpers


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure on an Agg canvas (no pyplot, no GUI backend)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _root(fig: AnyFigure) -> Figure:
    root = fig.figure if isinstance(fig, SubFigure) else fig
    assert isinstance(root, Figure)
    return root


def _cells(records: pd.DataFrame) -> list[int]:
    if "cell" not in records.columns:
        return [0]
    return sorted(int(c) for c in pd.unique(records["cell"]))


def _cell_frame(records: pd.DataFrame, cell: int) -> pd.DataFrame:
    if "cell" not in records.columns:
        return records
    return records[records["cell"] == cell]


def wrap_path(text: str, width: int) -> str:
    """An input's name on lines of at most ``width`` characters, broken after its dots where it
    is a dotted path (``ratification.ratifiers.us_congress.`` / ``threshold``), else at spaces."""
    if " " in text or "." not in text:
        return "\n".join(textwrap.wrap(text, width)) or text
    lines = [""]
    for piece in [f"{part}." for part in text.split(".")[:-1]] + [text.split(".")[-1]]:
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(lines)


def _label(labels: Mapping[int, str] | None, cell: int, width: int = 30) -> str:
    text = (labels or {}).get(cell, f"cell {cell}")
    return "\n".join(textwrap.wrap(text, width)) or text


def _n_text(records: pd.DataFrame) -> str:
    cells = _cells(records)
    text = f"N = {len(records):,} worlds"
    return text + (f" in {len(cells)} cells" if len(cells) > 1 else "")


def _title(name: str, what: str, records: pd.DataFrame, width: int = 90) -> str:
    prefix = f"{name}: " if name else ""
    return "\n".join(textwrap.wrap(f"{prefix}{what} ({_n_text(records)})", width))


def issue_ends(scenario: Scenario, issue: str, width: int = 56) -> str:
    """What 0 and 1 mean on an issue: one line if it fits in ``width`` characters, else two."""
    if issue not in scenario.issues:
        return "0 to 1"
    words = scenario.issues[issue]
    line = f"0 = {words.low}  ·  1 = {words.high}"
    if len(line) <= width:
        return line
    low = textwrap.wrap(f"0 = {words.low}", width)
    high = textwrap.wrap(f"1 = {words.high}", width)
    return "\n".join(low + high)


def issue_label(scenario: Scenario, issue: str, width: int = 56) -> str:
    """Axis label for an issue: its name, then what 0 and 1 mean."""
    return f"{issue}\n{issue_ends(scenario, issue, width)}"


UNIT_TICKS = ([0.0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.5", "0.75", "1"])


def _grid(count: int, max_columns: int) -> tuple[int, int]:
    columns = min(count, max_columns)
    return math.ceil(count / columns), columns


def panel_grid(fig: AnyFigure, count: int, max_columns: int, **kwargs: Any) -> list[Axes]:
    """``count`` axes on a grid of at most ``max_columns`` columns; spare cells hidden."""
    rows, columns = _grid(count, max_columns)
    grid = fig.subplots(rows, columns, squeeze=False, **kwargs)
    axes = [ax for row in grid for ax in row]
    for extra in axes[count:]:
        extra.remove()
    return axes[:count]


def _actor_names(scenario: Scenario, records: pd.DataFrame) -> list[str]:
    present = {str(c)[len(GAIN) :] for c in records.columns if str(c).startswith(GAIN)}
    names = [a for a in scenario.actor_names if a in present]
    return names + sorted(present - set(names))


def _issue_names(scenario: Scenario, records: pd.DataFrame) -> list[str]:
    present = [str(c)[len(TERM) :] for c in records.columns if str(c).startswith(TERM)]
    names = [i for i in scenario.issue_names if i in present]
    return names + [i for i in present if i not in names]


def _legend_below(fig: AnyFigure, handles: Sequence[Any], columns: int = 4) -> None:
    if handles:
        # As many columns as fit across the figure: an entry at 'small' size takes about
        # 0.075 in per character of its label plus the marker.
        longest = max(len(str(h.get_label())) for h in handles)
        fitting = int(_root(fig).get_figwidth() / (0.075 * (longest + 6)))
        fig.legend(
            handles=list(handles),
            loc="outside lower center",
            ncols=max(1, min(columns, len(handles), fitting)),
            frameon=False,
            fontsize="small",
        )


# --------------------------------------------------------------------------------------------
# Gains


def _jitter_points(
    ax: Axes, values: np.ndarray, position: float, color: str, horizontal: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    if values.size > 300:
        values = rng.choice(values, 300, replace=False)
    offsets = position + rng.uniform(-0.18, 0.18, values.size)
    x, y = (values, offsets) if horizontal else (offsets, values)
    ax.scatter(x, y, s=6, color=color, alpha=0.35, linewidths=0, zorder=2)


BOX_STYLE: dict[str, Any] = {
    "showmeans": True,
    "medianprops": {"color": STATUS_QUO_COLOR, "lw": 1.5, "gid": "median"},
    "meanprops": {
        "gid": "mean",
        "marker": "D",
        "markerfacecolor": "white",
        "markeredgecolor": STATUS_QUO_COLOR,
        "ms": 6,
    },
}


# --------------------------------------------------------------------------------------------
# Drivers


def parameter_label(column: str) -> str:
    """``param.actors.russia.war_cost`` → ``actors.russia.war_cost (sampled)``."""
    path = column.removeprefix(PARAM)
    return f"{path} (sampled)"


# --------------------------------------------------------------------------------------------
# Direct labels


def spread_labels(points: Sequence[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    """Label positions that do not collide: labels of values closer than ``gap / 2`` are joined
    into one ("a, b"), the rest are pushed apart (upwards from the lowest) to at least ``gap``."""
    groups: list[tuple[float, list[str]]] = []
    for value, text in sorted(points, key=lambda p: (p[0], p[1])):
        if groups and value - groups[-1][0] < gap / 2:
            groups[-1][1].append(text)
        else:
            groups.append((value, [text]))
    placed: list[tuple[float, str]] = []
    for value, texts in groups:
        y = value if not placed else max(value, placed[-1][0] + gap)
        placed.append((y, ", ".join(texts)))
    return placed


def direct_labels(
    ax: Axes, points: Sequence[tuple[float, str]], x: float, gap_fraction: float = 0.08
) -> None:
    """Write each label beside its line's value at ``x`` (right-aligned, just above), spread by
    :func:`spread_labels` so that no two overlap."""
    low, high = ax.get_ylim()
    gap = gap_fraction * (high - low)
    placed = spread_labels(points, gap)
    overflow = max(0.0, placed[-1][0] - (high - gap)) if placed else 0.0  # keep inside the axes
    for y, text in placed:
        y -= overflow
        ax.annotate(
            text,
            xy=(x, y),
            xytext=(0, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize="small",
            gid=f"label:{text}",
        )
