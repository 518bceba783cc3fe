"""Per-cell summaries of records (agreement, terms, gains, rounds) and their text tables."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import numpy as np
import pandas as pd

from sim.analysis.statistics import wilson_interval
from sim.core.records import (
    END_REASON_NAMES,
    END_REASONS,
    EQUILIBRIUM_RESIDUAL,
    FAILURE,
    FAILURES,
    FUNNEL,
    GAIN,
    NOT_RATIFIED,
    TERM,
    UNSETTLED_RESIDUAL,
)

# --------------------------------------------------------------------------------------------
# Per-cell summary


class TermSummary(TypedDict):
    """The agreed terms on one issue: count, median and 5th/95th percentiles."""

    n: int
    median: float | None
    p05: float | None
    p95: float | None


class GainSummary(TypedDict):
    """An actor's mean gain over no deal, in all worlds and in agreed ones."""

    mean: float | None
    mean_if_agreed: float | None


class RoundsSummary(TypedDict):
    """When the talks ended: mean and median round."""

    mean: float | None
    median: float | None


class StageSummary(TypedDict):
    """One stage of a deal's funnel (signed, ratified, durable): count, share, 95% interval."""

    k: int
    p: float | None
    ci95: list[float]


class CellSummary(TypedDict):
    """One cell's summary: P(agreement) with its interval, end reasons, terms, gains, rounds."""

    cell: int
    label: str
    n: int
    agreed: int
    p_agreement: float | None
    ci95: list[float]
    terms: dict[str, TermSummary]
    gains: dict[str, GainSummary]
    rounds_to_agreement: RoundsSummary
    end_reasons: dict[str, float]
    failures: dict[str, float]
    funnel: dict[str, StageSummary]
    unsettled: NotRequired[int]
    """Worlds whose equilibrium thresholds did not converge (records with the column only)."""


def _float_or_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def summarize(
    records: pd.DataFrame,
    issues: Sequence[str],
    actors: Sequence[str],
    *,
    labels: Mapping[int, str] | None = None,
) -> list[CellSummary]:
    """Summarise outcome records per cell (the whole frame is cell 0 if it has no ``cell``).

    For each cell: N; P(agreement) with its 95% Wilson interval; the median and 5–95% range of
    each issue's agreed term (over worlds that agreed); each actor's mean gain over all worlds
    (0 without a deal) and over the worlds that agreed; mean and median round of agreement; the
    share of each end reason, and of each failure (``rejected``, ``no-offer``) where recorded;
    where equilibrium thresholds are recorded, how many worlds' did not converge
    (``unsettled``).  Plain JSON-ready values: missing numbers are ``None``.
    """
    cells = records["cell"] if "cell" in records.columns else pd.Series(0, index=records.index)
    summaries: list[CellSummary] = []
    for cell in sorted(int(c) for c in pd.unique(cells)):
        frame = records[cells == cell]
        label = (labels or {}).get(cell, f"cell {cell}")
        summaries.append(_summarize_cell(frame, cell, label, issues, actors))
    return summaries


def _summarize_cell(
    frame: pd.DataFrame, cell: int, label: str, issues: Sequence[str], actors: Sequence[str]
) -> CellSummary:
    n = len(frame)
    agreed_mask = frame["agreed"].to_numpy(dtype=bool)
    k = int(agreed_mask.sum())
    low, high = wilson_interval(k, n)
    agreed = frame[agreed_mask]

    terms: dict[str, TermSummary] = {}
    for issue in issues:
        column = TERM + issue
        values = agreed[column].to_numpy(dtype=float) if column in agreed else np.array([])
        values = values[np.isfinite(values)]
        if values.size:
            p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
            terms[issue] = TermSummary(
                n=int(values.size), median=float(median), p05=float(p05), p95=float(p95)
            )
        else:
            terms[issue] = TermSummary(n=0, median=None, p05=None, p95=None)

    gains: dict[str, GainSummary] = {}
    for actor in actors:
        column = GAIN + actor
        if column not in frame:
            gains[actor] = GainSummary(mean=None, mean_if_agreed=None)
            continue
        everyone = frame[column].to_numpy(dtype=float)
        winners = agreed[column].to_numpy(dtype=float)
        gains[actor] = GainSummary(
            mean=_float_or_none(float(np.mean(everyone))) if everyone.size else None,
            mean_if_agreed=_float_or_none(float(np.mean(winners))) if winners.size else None,
        )

    rounds = agreed["round"].to_numpy(dtype=float)
    rounds_summary = RoundsSummary(
        mean=float(np.mean(rounds)) if rounds.size else None,
        median=float(np.median(rounds)) if rounds.size else None,
    )
    counts = frame["end_reason"].astype(str).value_counts()
    # "not-ratified" only where some talks ended that way (scenarios without ratifiers never do)
    known = [r for r in END_REASONS if r != END_REASON_NAMES[NOT_RATIFIED] or r in counts.index]
    reasons = known + sorted(str(r) for r in counts.index if r not in END_REASONS)
    end_reasons = {r: (float(counts.get(r, 0)) / n if n else 0.0) for r in reasons}
    failures: dict[str, float] = {}
    if FAILURE in frame:
        why = frame[FAILURE].astype(str)
        failures = {f: (float((why == f).sum()) / n if n else 0.0) for f in FAILURES}

    summary = CellSummary(
        cell=cell,
        label=label,
        n=n,
        agreed=k,
        p_agreement=k / n if n else None,
        ci95=[low, high],
        terms=terms,
        gains=gains,
        rounds_to_agreement=rounds_summary,
        end_reasons=end_reasons,
        failures=failures,
        funnel=funnel_of(frame),
    )
    if EQUILIBRIUM_RESIDUAL in frame:
        change = frame[EQUILIBRIUM_RESIDUAL].to_numpy(dtype=float)
        summary["unsettled"] = int((change > UNSETTLED_RESIDUAL).sum())
    return summary


def funnel_of(frame: pd.DataFrame) -> dict[str, StageSummary]:
    """P(signed), P(ratified), P(durable) with 95% Wilson intervals, for records that have the
    funnel's columns (empty otherwise)."""
    n = len(frame)
    stages: dict[str, StageSummary] = {}
    for stage in FUNNEL:
        if stage not in frame:
            return {}
        k = int(frame[stage].to_numpy(dtype=bool).sum())
        low, high = wilson_interval(k, n)
        stages[stage] = StageSummary(k=k, p=k / n if n else None, ci95=[low, high])
    return stages


def format_stage(stage: StageSummary) -> str:
    """``31.2% [30.6, 31.9]``: a funnel stage's share with its 95% interval in percent."""
    low, high = stage["ci95"]
    return f"{_percent(stage['p'])} [{100 * low:.1f}, {100 * high:.1f}]"


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100.0 * value:.1f}%"


def format_p_agreement(summary: CellSummary) -> str:
    """``62.3% [59.1, 65.4]``: P(agreement) with its 95% interval in percent."""
    low, high = summary["ci95"]
    return f"{_percent(summary['p_agreement'])} [{100 * low:.1f}, {100 * high:.1f}]"


def format_term(term: TermSummary, deals: bool = False) -> str:
    """``0.412 [0.210, 0.705]``: the median agreed term and its 5–95% range.  Without one: "no
    deals", or, where the cell has ``deals`` (a sweep whose scenarios differ in their issues),
    "not its issue"."""
    if term["median"] is None:
        return "not its issue" if deals else "no deals"
    return f"{_fmt(term['median'])} [{_fmt(term['p05'])}, {_fmt(term['p95'])}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def format_summary(summaries: Sequence[CellSummary]) -> str:
    """A plain-text rendering of :func:`summarize`'s output: outcomes, agreed terms, gains."""
    if not summaries:
        return "no records"
    labels = [textwrap.shorten(s["label"], 40, placeholder="…") for s in summaries]
    reasons = list(summaries[0]["end_reasons"])
    failures = list(summaries[0].get("failures") or {})
    outcome_rows = [
        [
            label,
            f"{s['n']:,}",
            format_p_agreement(s),
            f"{_fmt(s['rounds_to_agreement']['mean'], '.1f')} / "
            f"{_fmt(s['rounds_to_agreement']['median'], '.0f')}",
            *[_percent(s["end_reasons"].get(r, 0.0)) for r in reasons],
            *[_percent(s["failures"].get(f, 0.0)) for f in failures],
        ]
        for label, s in zip(labels, summaries, strict=True)
    ]
    parts = [
        "Outcomes (P(agreement) with 95% Wilson interval; how talks ended, and why those "
        "without a deal failed: offers refused, or none made)",
        _table(
            ["cell", "N", "P(agreement) [95% CI]", "round mean / median", *reasons, *failures],
            outcome_rows,
        ),
    ]
    unsettled = [
        f"warning: {label}: in {s['unsettled']:,} of {s['n']:,} worlds the equilibrium thresholds "
        f"did not converge (final change above {UNSETTLED_RESIDUAL:g}): those worlds were played "
        "on thresholds that are no equilibrium"
        for label, s in zip(labels, summaries, strict=True)
        if s.get("unsettled")
    ]
    parts += unsettled
    stages = list(summaries[0].get("funnel") or {})
    if stages:
        funnel_rows = [
            [label, *[format_stage(s["funnel"][stage]) for stage in stages]]
            for label, s in zip(labels, summaries, strict=True)
        ]
        parts += [
            "",
            "Deal funnel: P(signed) -> P(ratified at home) -> P(durable through implementation), "
            "95% Wilson intervals",
            _table(["cell", *[f"P({stage})" for stage in stages]], funnel_rows),
        ]
    issues = list(summaries[0]["terms"])
    if issues:
        term_rows = [
            [label, *[format_term(s["terms"][i], s["agreed"] > 0) for i in issues]]
            for label, s in zip(labels, summaries, strict=True)
        ]
        parts += ["", "Agreed terms: median [5%, 95%]", _table(["cell", *issues], term_rows)]
    actors = list(summaries[0]["gains"])
    if actors:
        gain_rows = [
            [
                label,
                *[
                    f"{_fmt(s['gains'][a]['mean'], '+.3f')} ({_fmt(s['gains'][a]['mean_if_agreed'], '+.3f')})"
                    for a in actors
                ],
            ]
            for label, s in zip(labels, summaries, strict=True)
        ]
        parts += [
            "",
            "Mean gain over reservation: all worlds (worlds that agreed)",
            _table(["cell", *actors], gain_rows),
        ]
    return "\n".join(parts)
