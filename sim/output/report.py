"""One self-contained HTML report of a sweep: question, scenarios with evidence, summary, figures.

The page needs no network: figures are embedded as base64 PNG, the style sheet is inline, and a
few lines of inline script only mark (``data-images-loaded`` on ``<body>``) whether every image
decoded, which the browser test reads back.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from sim.analysis.results import Results
from sim.io import write_text
from sim.output.report_headline import headline_section
from sim.output.report_sections import (
    _experiment_section,
    _manifest_section,
    _scenario_section,
    _summary_section,
)

FIGURE_CAPTIONS = {
    "agreement": "Probability of agreement per cell with its 95% Wilson interval, and how the "
    "talks ended (agreement, breakdown after a failed round, or the deadline) and why those "
    "without a deal failed: offers made and refused, or none made (hatched).",
    "terms": "Distribution of each issue's agreed term over the worlds that reached a deal; "
    "dashed lines mark each actor's ideal point, the solid black line the status quo.",
    "convergence": "P(agreement) over the first n worlds with its 95% Wilson band, per cell: "
    "where the band has settled, the sweep ran enough worlds.",
    "gains": "Each actor's gain over its no-deal utility in the worlds that reached a deal; "
    "each cell's share of deals is on its label (a no-deal gains 0 and is not drawn).",
    "scatter": "Each deal as a point: one actor's gain over its no-deal utility against "
    "another's (Russia against Ukraine when both take part); the dashed lines are their no-deal "
    "values.",
    "timing": "Share of worlds that have agreed by each round; each curve ends at its cell's "
    "probability of agreement.",
    "joint": "Joint distribution of two issues' agreed terms (hexagons count worlds).",
    "drivers": "Probability of agreement within quantile bins of each sampled parameter, with "
    "95% Wilson intervals.",
    "fan": "Round by round, per cell: each actor's acceptance threshold and no-deal value and the "
    "status quo on each issue (median, and the bands holding 50% and 90% of the worlds still "
    "negotiating), and the share of worlds agreed by that round with its 95% Wilson interval.",
}

STYLE = """
:root { --ink: #1a1a1a; --muted: #5c5c5c; --rule: #d9d9d9; --band: #f4f4f4; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
p.question { font-size: 1.15rem; border-left: 4px solid var(--accent); padding: .4rem .9rem;
             background: var(--band); margin: .8rem 0; }
p.meta, .muted { color: var(--muted); }
nav ol { columns: 2; margin: .4rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-scroll { overflow-x: auto; }
figure { margin: 1.2rem 0 2rem; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
code { background: var(--band); padding: 0 .25rem; border-radius: 3px; }
#finding ul { font-size: 1.05rem; }
details.evidence { margin: .5rem 0 1rem; }
details.evidence summary { cursor: pointer; color: var(--accent); }
mark { background: #ffe9a8; padding: 0 .2rem; }
"""

IMAGE_CHECK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.every(function (img) { return img.complete && img.naturalWidth > 0; });
  document.body.setAttribute("data-images-loaded", ok ? "true" : "false");
  document.body.setAttribute("data-image-count", String(images.length));
});
"""


def figure_png_base64(figure: Any, dpi: int = 100) -> str:
    """A Matplotlib figure as a base64-encoded PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def build_report(results: Results, *, cells: Sequence[int] | None = None, dpi: int = 100) -> str:
    """The whole report as one HTML string."""
    from sim.output.figures.registry import figures
    from sim.output.report_analyses import analysis_sections

    chosen = results.select(cells)
    analyses = analysis_sections(chosen, lambda figure: figure_png_base64(figure, dpi=dpi))
    summaries = chosen.summarize()
    made = figures(chosen)
    figure_html = []
    for name, figure in made.items():
        encoded = figure_png_base64(figure, dpi=dpi)
        caption = FIGURE_CAPTIONS.get(name, "")
        figure_html.append(
            f'<figure id="figure-{escape(name)}"><img src="data:image/png;base64,{encoded}" '
            f'alt="{escape(name)} figure"><figcaption><b>{escape(name.capitalize())}.</b> '
            f"{escape(caption)}</figcaption></figure>"
        )
    question = chosen.description or "(the experiment has no description)"
    scenario_names = ", ".join(chosen.scenarios)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(chosen.name)} — Parley report</title>"
        f"<style>{STYLE}</style></head>"
        '<body data-images-loaded="pending">'
        f"<header><h1>{escape(chosen.name)}</h1>"
        f'<p class="question">{escape(question)}</p>'
        f'<p class="meta">Scenario(s): {escape(scenario_names)} · '
        f"{len(chosen.runs):,} simulated worlds in {len(chosen.cells)} cell(s) · "
        f"Parley {escape(str(chosen.manifest.get('parley_version', '?')))}</p></header>"
        f"{headline_section(chosen, summaries)}"
        "<nav><b>Contents</b><ol>"
        '<li><a href="#finding">Finding</a></li>'
        '<li><a href="#summary">Summary</a></li>'
        '<li><a href="#figures">Figures</a></li>'
        + "".join(f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title, _ in analyses)
        + '<li><a href="#scenarios">Scenarios and evidence</a></li>'
        '<li><a href="#experiment">Experiment design</a></li>'
        '<li><a href="#manifest">Manifest</a></li></ol></nav>'
        f"{_summary_section(summaries)}"
        f'<section id="figures"><h2>Figures</h2>{"".join(figure_html)}</section>'
        + "".join(html for _, _, html in analyses)
        + f"{_scenario_section(chosen)}"
        f"{_experiment_section(chosen)}"
        f"{_manifest_section(chosen)}"
        f"<script>{IMAGE_CHECK}</script>"
        "</body></html>\n"
    )


def write_report(
    results: Results, out: str | Path | None = None, *, cells: Sequence[int] | None = None
) -> Path:
    """Write the report (default ``RESULTS/report.html``) and return its path."""
    path = Path(out) if out is not None else results.path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, build_report(results, cells=cells))
    return path
