"""The report's opening: the finding first (each cell's P(agreement) with its interval, then the
largest differences, each in a sentence), and priors in words rather than raw JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np

from sim.analysis.compare import Side
from sim.analysis.paired import compare_paired, sharing
from sim.analysis.results import Results
from sim.analysis.summaries import CellSummary, format_p_agreement

MAX_DIFFERENCES = 3


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def prior_in_words(prior: Mapping[str, Any]) -> str:
    """A prior as a reader would say it: "normal, centred on the scenario's value, sd 0.02"."""
    kind = str(prior.get("dist", "?"))
    mean = prior.get("mean")
    where = "centred on the scenario's value" if mean is None else f"mean {_num(mean)}"
    if kind == "normal":
        return f"normal, {where}, sd {_num(prior.get('sd'))} (truncated to the valid range)"
    if kind == "beta":
        return f"beta, {where}, concentration {_num(prior.get('concentration'))}"
    if kind == "dirichlet":
        return (
            "dirichlet over the whole table, centred on the scenario's saliences, "
            f"concentration {_num(prior.get('concentration'))}"
        )
    if kind == "uniform":
        return f"uniform from {_num(prior.get('low'))} to {_num(prior.get('high'))}"
    if kind == "triangular":
        return (
            f"triangular from {_num(prior.get('low'))} to {_num(prior.get('high'))}, "
            f"most likely {_num(prior.get('mode'))}"
        )
    if kind == "choice":
        values = ", ".join(_num(v) for v in prior.get("values") or [])
        weights = prior.get("weights")
        shown = f" with weights {', '.join(_num(w) for w in weights)}" if weights else ""
        return f"one of {values}{shown}"
    return kind


def _side(results: Results, cell: int) -> Side:
    from sim.analysis.compare import pick_side

    return pick_side(results, cell, "A")


def _difference_sentence(results: Results, base: int, other: int, seed: int) -> str | None:
    side_a, side_b = _side(results, base), _side(results, other)
    paired, _ = sharing(side_a, side_b)
    if not paired:
        return None
    result = compare_paired(side_a, side_b, n_boot=400, seed=seed)
    agreement = result["agreement"]
    low, high = agreement["ci95"]
    sentence = (
        f"<b>{escape(results.cell_label(other))}</b> against "
        f"<b>{escape(results.cell_label(base))}</b>: P(agreement) "
        f"{100 * agreement['difference']:+.1f} points [{100 * low:+.1f}, {100 * high:+.1f}] "
        f"over the same {agreement['n']:,} worlds"
    )
    shifts = [
        (abs(entry["median_difference"]), issue, entry)
        for issue, entry in result["issues"].items()
        if entry["median_difference"] is not None and entry["ci95"] is not None
    ]
    if shifts:
        _, issue, entry = max(shifts, key=lambda item: item[0])
        if entry["median_difference"]:
            ci = entry["ci95"] or [0.0, 0.0]
            sentence += (
                f"; in the worlds that agree under both, the largest change in the terms is "
                f"<code>{escape(issue)}</code>, {entry['median_difference']:+.3f} "
                f"[{ci[0]:+.3f}, {ci[1]:+.3f}] (median paired difference)"
            )
    return sentence + "."


def headline_section(results: Results, summaries: Sequence[CellSummary]) -> str:
    """The finding: each cell's P(agreement) with its interval, then the largest differences
    from the first cell, each in a sentence (paired over shared worlds)."""
    parts = ['<section id="finding"><h2>Finding</h2><ul class="headline">']
    for summary in summaries:
        parts.append(
            f"<li><b>{escape(summary['label'])}</b>: P(agreement) "
            f"{escape(format_p_agreement(summary))} (95% interval), "
            f"{summary['n']:,} worlds</li>"
        )
    parts.append("</ul>")
    if len(summaries) > 1:
        base = summaries[0]
        rates = np.array([s["p_agreement"] or 0.0 for s in summaries[1:]])
        order = np.argsort(-np.abs(rates - (base["p_agreement"] or 0.0)), kind="stable")
        sentences = [
            _difference_sentence(results, base["cell"], summaries[1 + int(i)]["cell"], int(i))
            for i in order[:MAX_DIFFERENCES]
        ]
        shown = [s for s in sentences if s is not None]
        if shown:
            parts.append("<p>The largest differences:</p><ul>")
            parts += [f"<li>{s}</li>" for s in shown]
            parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)
