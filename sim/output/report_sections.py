"""The sections of the HTML report: summary table, scenario and evidence, experiment, manifest."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from sim.analysis.results import Results
from sim.analysis.summaries import CellSummary, format_p_agreement, format_term
from sim.output.report_headline import prior_in_words
from sim.scenario.overrides import value_at
from sim.scenario.schema import Scenario


def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="table-scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))


# --------------------------------------------------------------------------------------------
# Sections


def _summary_section(summaries: Sequence[CellSummary]) -> str:
    reasons = list(summaries[0]["end_reasons"]) if summaries else []
    failures = list(summaries[0].get("failures") or {}) if summaries else []
    outcome = _table(
        ["cell", "N", "P(agreement) [95% CI]", "mean round", "median round", *reasons, *failures],
        (
            [
                escape(s["label"]),
                f"{s['n']:,}",
                escape(format_p_agreement(s)),
                _number(s["rounds_to_agreement"]["mean"]),
                _number(s["rounds_to_agreement"]["median"]),
                *[f"{100 * s['end_reasons'].get(r, 0.0):.1f}%" for r in reasons],
                *[f"{100 * s['failures'].get(f, 0.0):.1f}%" for f in failures],
            ]
            for s in summaries
        ),
        numeric=range(1, 5 + len(reasons) + len(failures)),
    )
    issues = list(summaries[0]["terms"]) if summaries else []
    terms = _table(
        ["cell", *issues],
        (
            [
                escape(s["label"]),
                *[escape(format_term(s["terms"][i], s["agreed"] > 0)) for i in issues],
            ]
            for s in summaries
        ),
        numeric=range(1, 1 + len(issues)),
    )
    actors = list(summaries[0]["gains"]) if summaries else []
    gains = _table(
        ["cell", *actors],
        (
            [
                escape(s["label"]),
                *[
                    f"{_signed(s['gains'][a]['mean'])} ({_signed(s['gains'][a]['mean_if_agreed'])})"
                    for a in actors
                ],
            ]
            for s in summaries
        ),
        numeric=range(1, 1 + len(actors)),
    )
    return (
        '<section id="summary"><h2>Summary</h2>'
        '<h3>Outcomes</h3><p class="muted">P(agreement) with its 95% Wilson score interval; '
        "rounds over the worlds that agreed; shares of how the talks ended.</p>"
        f"{outcome}"
        '<h3>Agreed terms</h3><p class="muted">Median [5%, 95%] of each issue\'s agreed term, '
        "over the worlds that agreed.</p>"
        f"{terms}"
        '<h3>Gains</h3><p class="muted">Mean gain over the reservation utility: all worlds '
        "(worlds that agreed).</p>"
        f"{gains}</section>"
    )


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"


def _scenario_section(results: Results) -> str:
    parts = ['<section id="scenarios"><h2>Scenarios</h2>']
    for name, scenario in results.scenarios.items():
        data = scenario.model_dump()
        parts.append(f"<h3>{escape(name)}</h3>")
        if scenario.description:
            parts.append(f"<p>{escape(scenario.description)}</p>")
        parts.append(
            _table(
                ["issue", "0 means", "1 means", "status quo"],
                (
                    [
                        f"<code>{escape(key)}</code>",
                        escape(issue.low),
                        escape(issue.high),
                        _number(issue.status_quo),
                    ]
                    for key, issue in scenario.issues.items()
                ),
                numeric=[3],
            )
        )
        issues = scenario.issue_names
        parts.append(
            _table(
                [
                    "actor",
                    "capability",
                    "veto",
                    "utility",
                    "reservation",
                    "war cost",
                    "discount",
                    "strategy",
                ],
                (
                    [
                        f"<code>{escape(key)}</code> {escape(actor.name)}",
                        _number(actor.capability),
                        _number(actor.veto),
                        escape(actor.utility),
                        _number(actor.reservation) if actor.reservation is not None else "derived",
                        _number(actor.war_cost),
                        _number(actor.discount),
                        f"{escape(actor.strategy.kind)} (β = {actor.strategy.beta:g})",
                    ]
                    for key, actor in scenario.actors.items()
                ),
                numeric=[1, 4, 5, 6],
            )
        )
        parts.append(
            _table(
                ["ideal point (salience)", *issues],
                (
                    [
                        f"<code>{escape(key)}</code>",
                        *[
                            f"{_number(actor.position.get(i))} ({_number(actor.salience.get(i))})"
                            for i in issues
                        ],
                    ]
                    for key, actor in scenario.actors.items()
                ),
                numeric=range(1, 1 + len(issues)),
            )
        )
        protocol = scenario.protocol
        parts.append(
            "<p>Protocol: "
            f"<b>{escape(protocol.kind)}</b>, recognition {escape(json.dumps(protocol.recognition))}, "
            f"at most {protocol.max_rounds} rounds, breakdown probability "
            f"{protocol.breakdown_probability:g} a week without a deal and "
            f"{protocol.refusal_breakdown:g} more after a refused offer; scenario seed "
            f"{scenario.seed}.</p>"
        )
        evidence_rows = _evidence_rows(scenario, data)
        parts.append(_changes_table(results, name))
        if evidence_rows:
            parts.append(
                f'<details class="evidence"><summary>Evidence for {escape(name)} '
                f"({len(evidence_rows)} entries)</summary>"
                + _table(["where", "field", "value", "evidence"], evidence_rows, numeric=[2])
                + "</details>"
            )
        else:
            parts.append('<p class="muted">No evidence recorded for this scenario.</p>')
    parts.append("</section>")
    return "".join(parts)


def _changes_table(results: Results, name: str) -> str:
    """A variant's changes against its base (when the base is in the sweep too), highlighted."""
    from sim.scenario.diff import scenario_changes

    scenario = results.scenarios[name]
    base = results.scenarios.get(scenario.extends or "")
    if base is None:
        return ""
    changes = scenario_changes(scenario, base)
    if not changes:
        return f'<p class="muted">Sets nothing differently from {escape(base.name)}.</p>'
    rows = [
        [
            f"<code>{escape(c.path)}</code>",
            _number(c.base),
            f"<mark>{_number(c.variant)}</mark>",
            escape(c.base_evidence or "–"),
            "<i>(the base's evidence, not updated)</i>"
            if c.evidence_stale
            else escape(c.variant_evidence or "–"),
        ]
        for c in changes
    ]
    return (
        f'<div class="changes"><h4>What {escape(name)} changes against {escape(base.name)}</h4>'
        + _table(
            ["field", base.name, name, f"evidence ({base.name})", f"evidence ({name})"],
            rows,
            numeric=[1, 2],
        )
        + "</div>"
    )


def _experiment_section(results: Results) -> str:
    experiment = results.experiment
    parts = ['<section id="experiment"><h2>Experiment design</h2>']
    uncertainty = experiment.get("uncertainty")
    if isinstance(uncertainty, Mapping) and uncertainty:
        design = escape(str(experiment.get("design", "monte-carlo")))
        parts.append(f"<h3>Sampled parameters (uncertainty; design: <code>{design}</code>)</h3>")
        parts.append(
            _table(
                ["parameter", "distribution"],
                (
                    [
                        f"<code>{escape(str(k))}</code>",
                        escape(prior_in_words(v) if isinstance(v, Mapping) else _compact(v)),
                    ]
                    for k, v in uncertainty.items()
                ),
            )
        )
    factors = experiment.get("factors")
    if isinstance(factors, Mapping) and factors:
        parts.append("<h3>Factors</h3>")
        parts.append(
            _table(
                ["factor", "levels"],
                (
                    [f"<code>{escape(str(k))}</code>", escape(_compact(v))]
                    for k, v in factors.items()
                ),
            )
        )
    counts = results.runs["cell"].value_counts()
    parts.append("<h3>Cells</h3>")
    parts.append(
        _table(
            ["cell", "scenario", "factors", "worlds"],
            (
                [
                    str(info.cell),
                    escape(info.scenario),
                    escape(", ".join(f"{k} = {v}" for k, v in info.factors.items()) or "–"),
                    f"{int(counts.get(info.cell, 0)):,}",
                ]
                for info in results.cells
            ),
            numeric=[0, 3],
        )
    )
    parts.append("</section>")
    return "".join(parts)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=False, default=str)


def _manifest_section(results: Results) -> str:
    manifest = results.manifest
    timings = manifest.get("timings") if isinstance(manifest.get("timings"), Mapping) else {}
    assert isinstance(timings, Mapping)
    seconds = timings.get("seconds")
    experiment = results.experiment
    rows = [
        ["Parley version", _number(manifest.get("parley_version"))],
        [
            "git commit",
            f"<code>{_number(manifest.get('git_commit'))}</code>"
            + (" (with uncommitted changes)" if manifest.get("git_dirty") else ""),
        ],
        ["status", _number(manifest.get("status", "–"))],
        ["experiment", escape(results.name)],
        ["seed", _number(manifest.get("seed", experiment.get("seed")))],
        ["worlds (N)", f"{len(results.runs):,}"],
        ["runs per cell", _number(experiment.get("runs"))],
        ["cells", str(len(results.cells))],
        ["started", _number(timings.get("started"))],
        ["finished", _number(timings.get("finished"))],
        ["time taken", f"{float(seconds):.1f} s" if isinstance(seconds, int | float) else "–"],
        ["platform", escape(_compact(manifest.get("platform", "–")))],
        *[
            [label, escape(_compact(manifest[key]))]
            for key, label in (("python", "Python"), ("backend", "backend"), ("workers", "workers"))
            if key in manifest
        ],
        ["results folder", f"<code>{escape(str(results.path))}</code>"],
    ]
    return '<section id="manifest"><h2>Manifest</h2>' + _table(["", ""], rows) + "</section>"


def _evidence_rows(scenario: Scenario, data: Any) -> list[list[str]]:
    """One row per evidence entry: where it is, the field, its value and the evidence text
    (issues, actors, the protocol, then the dynamics, each in the scenario's order)."""
    sources: list[tuple[str, str, Mapping[str, str]]] = [
        *(
            (f"issue <code>{escape(k)}</code>", f"issues.{k}", v.evidence)
            for k, v in scenario.issues.items()
        ),
        *(
            (f"actor <code>{escape(k)}</code>", f"actors.{k}", v.evidence)
            for k, v in scenario.actors.items()
        ),
        ("protocol", "protocol", scenario.protocol.evidence),
        *(
            (f"dynamics <code>{escape(k)}</code>", f"dynamics.{k}", v.evidence)
            for k, v in scenario.dynamics.items()
        ),
    ]
    return [
        [where, escape(field), _number(value_at(data, f"{prefix}.{field}")), escape(text)]
        for where, prefix, evidence in sources
        for field, text in evidence.items()
    ]
