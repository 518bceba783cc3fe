"""Report sections for the analyses saved in a results folder: sensitivity and scenario discovery.

``parley sensitivity`` saves ``sensitivity.json`` and ``parley discover`` saves ``discovery.json``
next to the records; when they exist and were computed from the sweep now in the folder (the
same manifest hash and finishing time), the report shows their tables, their sentences and their
figures (drawn again from the saved analysis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import Any

from matplotlib.figure import Figure

from sim.analysis.discovery_results import DiscoveryReport, load_discovery
from sim.analysis.results import Results
from sim.analysis.sensitivity_results import SensitivityReport, load_sensitivity, sweep_stamp
from sim.output.figures.discovery import discovery_plot
from sim.output.figures.sensitivity import sensitivity_plot
from sim.output.report_sections import _table

TOP = 10
SENSITIVITY_CAPTION = (
    "Inputs ranked by their index, with intervals: Sobol' total (bars) and first-order "
    "(dots) indices with 95% bootstrap intervals, Morris mu* with its bootstrap interval, "
    "or the PAWN median with its range over slices and the 95% KS critical distance."
)
DISCOVERY_CAPTION = (
    "Left: PRIM's peeling trajectory, coverage against density (the chosen box ringed; "
    "dashed: the target's share of all worlds). Right: the chosen box's limits on each "
    "restricted input, with quasi-p-values."
)
_COLUMNS = {
    "sobol": [("S1", "first-order"), ("S1_conf", "±"), ("ST", "total"), ("ST_conf", "±")],
    "morris": [("mu_star", "mu*"), ("mu_star_conf", "±"), ("sigma", "sigma"), ("mu", "mu")],
    "pawn": [("median", "PAWN median"), ("minimum", "min"), ("maximum", "max")],
}


def analysis_sections(
    results: Results, encode: Callable[[Figure], str]
) -> list[tuple[str, str, str]]:
    """``(anchor, title, html)`` for each saved analysis of the results folder (maybe none).

    ``encode`` turns a figure into base64 PNG (the report's own encoder).
    """
    cells, stamp = set(results.cell_ids), sweep_stamp(results)
    saved: list[tuple[str, str, Any, Callable[[Any, Callable[[Figure], str]], str]]] = [
        ("sensitivity", "Sensitivity", load_sensitivity(results.path), _sensitivity),
        ("discovery", "Scenario discovery", load_discovery(results.path), _discovery),
    ]
    sections = []
    for anchor, title, report, render in saved:
        # Only an analysis of the sweep now in the folder, for the cells being reported.
        if report is None or report.sweep != stamp:
            continue
        kept = tuple(a for a in report.analyses if a.cell in cells or a.cell < 0)
        if kept:
            named = replace(report, analyses=kept, name=results.title)  # all the scenarios
            sections.append((anchor, title, render(named, encode)))
    return sections


def _section(
    anchor: str, title: str, parts: list[str], figure: Figure, caption: str,
    encode: Callable[[Figure], str],
) -> str:  # fmt: skip
    """A report section: its title, its parts, then its figure with a caption."""
    return (
        f'<section id="{anchor}"><h2>{title}</h2>{"".join(parts)}'
        f'<figure id="figure-{anchor}"><img src="data:image/png;base64,{encode(figure)}" '
        f'alt="{anchor} figure"><figcaption>{escape(caption)}</figcaption></figure></section>'
    )


def _sensitivity(report: SensitivityReport, encode: Callable[[Figure], str]) -> str:
    parts = [
        f"<p>Which uncertain inputs decide the outcome (design: <code>{escape(report.design)}"
        f"</code>, method: <code>{escape(report.method)}</code>; from "
        "<code>parley sensitivity</code>).</p>",
    ]
    parts += [f'<p class="muted">{escape(note)}</p>' for note in report.notes]
    for analysis in report.analyses:
        columns = _COLUMNS[analysis.method]
        table = analysis.table.head(TOP)
        rows = [
            [escape(str(row["factor"]))] + [f"{row[key]:.3f}" for key, _ in columns]
            for _, row in table.iterrows()
        ]
        parts.append(
            f"<h3>{escape(analysis.outcome)} — {escape(analysis.label)} "
            f"({analysis.n_worlds:,} worlds)</h3>"
        )
        parts += [f'<p class="muted">{escape(note)}</p>' for note in analysis.notes]
        parts.append(
            _table(["input"] + [title for _, title in columns], rows, range(1, len(columns) + 1))
        )
    figure = sensitivity_plot(report)
    return _section("sensitivity", "Sensitivity", parts, figure, SENSITIVITY_CAPTION, encode)


def _discovery(report: DiscoveryReport, encode: Callable[[Figure], str]) -> str:
    parts = [
        f"<p>Where in the uncertain inputs does <code>{escape(report.target)}</code> hold? "
        "A PRIM box (Friedman &amp; Fisher 1999) and a CART tree (from "
        "<code>parley discover</code>).</p>",
    ]
    for analysis in report.analyses:
        prim = analysis.prim
        parts.append(f"<h3>{escape(analysis.label)} ({analysis.n_worlds:,} worlds)</h3>")
        parts.append(f'<p class="question">{escape(analysis.sentence)}.</p>')
        rows = [
            [escape(str(name)), f"{row['low']:.3g}", f"{row['high']:.3g}", f"{row['qp']:.1e}"]
            for name, row in prim.limits.iterrows()
        ]
        parts.append(_table(["input", "low", "high", "quasi-p"], rows, (1, 2, 3)))
        leaves = [
            [f"{leaf['density']:.0%}", f"{leaf['worlds']:.0%}", escape(str(leaf["rule"]))]
            for _, leaf in analysis.cart.leaves.head(3).iterrows()
        ]
        parts.append(
            f"<p>CART tree (accuracy {analysis.cart.accuracy:.0%}), its densest leaves:</p>"
        )
        parts.append(_table(["target holds in", "of the worlds", "where"], leaves, (0, 1)))
    figure = discovery_plot(report)
    return _section("discovery", "Scenario discovery", parts, figure, DISCOVERY_CAPTION, encode)


__all__ = ["analysis_sections"]
