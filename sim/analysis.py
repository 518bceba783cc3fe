"""Outcome analysis of result records: load a sweep's results, summarise each cell, find drivers.

Everything here reads records only (the columns documented in :mod:`sim.records`), never a live
model.  Proportions carry Wilson score intervals (Wilson 1927, "Probable inference, the law of
succession, and statistical inference", JASA 22:209–212), which keep their coverage near 0 and 1
where the Wald interval fails (Brown, Cai & DasGupta 2001).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.scenario import Scenario

RUNS_FILE = "runs.parquet"
MANIFEST_FILE = "manifest.json"
TERM = "term."
GAIN = "gain."
UTILITY = "utility."
RESERVATION = "reservation."
PARAM = "param."
END_REASONS = ("agreement", "breakdown", "deadline")
REQUIRED_COLUMNS = ("agreed", "end_reason", "round")


class ResultsError(Exception):
    """A results directory is missing, incomplete or unreadable."""


# --------------------------------------------------------------------------------------------
# Loading a results directory


@dataclass(frozen=True)
class CellInfo:
    """One cell of a sweep: the scenario it ran and the factor values that define it."""

    cell: int
    scenario: str
    factors: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """A sweep's records (one row per world) with its manifest and resolved scenarios."""

    path: Path
    runs: pd.DataFrame
    manifest: Mapping[str, Any]
    scenarios: Mapping[str, Scenario]
    cells: tuple[CellInfo, ...]

    @property
    def experiment(self) -> Mapping[str, Any]:
        experiment = self.manifest.get("experiment")
        return experiment if isinstance(experiment, Mapping) else {}

    @property
    def name(self) -> str:
        """The experiment's name, else the directory's name."""
        return str(self.experiment.get("name") or self.path.name)

    @property
    def description(self) -> str:
        return str(self.experiment.get("description") or "")

    @property
    def cell_ids(self) -> list[int]:
        """The cells that have records, in order."""
        return sorted(int(c) for c in pd.unique(self.runs["cell"]))

    def cell_info(self, cell: int) -> CellInfo:
        for info in self.cells:
            if info.cell == cell:
                return info
        raise KeyError(f"no cell {cell}; cells are {self.cell_ids}")

    def base_scenario(self, cell: int) -> Scenario:
        """The scenario a cell ran, before its factor values."""
        return self.scenarios[self.cell_info(cell).scenario]

    def scenario_for(self, cell: int) -> Scenario:
        """The scenario a cell ran with its factor values applied where they name a field."""
        info = self.cell_info(cell)
        return apply_factors(self.scenarios[info.scenario], info.factors)

    @property
    def issues(self) -> list[str]:
        """Issues with term columns, in the order the scenarios list them."""
        names = _ordered_union(s.issue_names for s in self.scenarios.values())
        present = _suffixes(self.runs.columns, TERM)
        return [n for n in names if n in present] + [n for n in present if n not in names]

    @property
    def actors(self) -> list[str]:
        """Actors with gain columns, in the order the scenarios list them."""
        names = _ordered_union(s.actor_names for s in self.scenarios.values())
        present = _suffixes(self.runs.columns, GAIN)
        return [n for n in names if n in present] + [n for n in present if n not in names]

    @property
    def param_columns(self) -> list[str]:
        """The sampled parameters' columns (``param.<path>``) with at least two distinct values."""
        return [
            c
            for c in self.runs.columns
            if c.startswith(PARAM) and self.runs[c].nunique(dropna=True) > 1
        ]

    def cell_label(self, cell: int) -> str:
        """A short label: the scenario, and the factor values when cells differ by factors."""
        info = self.cell_info(cell)
        parts = [info.scenario] if len(self.scenarios) > 1 or not info.factors else []
        parts += [f"{_short_path(k)}={_format_value(v)}" for k, v in info.factors.items()]
        label = ", ".join(parts) if parts else info.scenario
        return label if len(self.cells) == 1 else f"{cell}: {label}"

    def labels(self) -> dict[int, str]:
        return {c: self.cell_label(c) for c in self.cell_ids}

    def select(self, cells: Sequence[int] | None) -> Results:
        """The same results restricted to some cells (all when ``cells`` is None or empty)."""
        if not cells:
            return self
        unknown = [c for c in cells if c not in self.cell_ids]
        if unknown:
            raise ResultsError(f"no cell {unknown[0]} in {self.path}; cells are {self.cell_ids}")
        runs = self.runs[self.runs["cell"].isin(list(cells))].reset_index(drop=True)
        kept = tuple(info for info in self.cells if info.cell in cells)
        return Results(self.path, runs, self.manifest, self.scenarios, kept)

    def summarize(self) -> list[CellSummary]:
        return summarize(self.runs, self.issues, self.actors, labels=self.labels())


def load_results(path: str | Path) -> Results:
    """Read a results directory written by ``parley sweep``: ``runs.parquet`` + ``manifest.json``.

    Extra columns and manifest keys are kept and ignored.  Raises :class:`ResultsError` with a
    message naming the file and the problem when the directory cannot be used.
    """
    directory = Path(path)
    if directory.is_file() and directory.name in (RUNS_FILE, MANIFEST_FILE):
        directory = directory.parent
    if not directory.exists():
        raise ResultsError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory (expected a results folder)")
    runs_path = directory / RUNS_FILE
    manifest_path = directory / MANIFEST_FILE
    for required in (runs_path, manifest_path):
        if not required.exists():
            raise ResultsError(
                f"{directory}: no {required.name}; is this a folder written by `parley sweep`?"
            )

    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(f"{manifest_path}: cannot read: {error}") from error
    except json.JSONDecodeError as error:
        raise ResultsError(f"{manifest_path}:{error.lineno}: invalid JSON: {error.msg}") from error
    if not isinstance(manifest, dict):
        raise ResultsError(f"{manifest_path}: expected a JSON object")

    try:
        runs = pd.read_parquet(runs_path)
    except Exception as error:  # pyarrow raises several unrelated types for corrupt files
        raise ResultsError(f"{runs_path}: cannot read parquet: {error}") from error
    missing = [c for c in REQUIRED_COLUMNS if c not in runs.columns]
    if missing:
        raise ResultsError(f"{runs_path}: missing column(s) {', '.join(missing)}")
    runs = runs.copy()
    if "cell" not in runs.columns:
        runs["cell"] = 0
    runs["cell"] = runs["cell"].astype("int64")
    runs["agreed"] = runs["agreed"].astype(bool)
    runs["end_reason"] = runs["end_reason"].astype(str)

    scenarios = _scenarios_from_manifest(manifest, manifest_path)
    cells = _cells_from_manifest(manifest, manifest_path, runs, scenarios)
    return Results(directory, runs, manifest, scenarios, cells)


def _scenarios_from_manifest(manifest: Mapping[str, Any], where: Path) -> dict[str, Scenario]:
    raw = manifest.get("scenarios")
    if not isinstance(raw, Mapping) or not raw:
        raise ResultsError(f"{where}: 'scenarios' must map scenario names to scenarios")
    scenarios: dict[str, Scenario] = {}
    for name, data in raw.items():
        try:
            scenarios[str(name)] = Scenario.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ResultsError(
                f"{where}: scenarios.{name}.{loc}: {first['msg']}"
                if loc
                else f"{where}: scenarios.{name}: {first['msg']}"
            ) from error
    return scenarios


def _cells_from_manifest(
    manifest: Mapping[str, Any], where: Path, runs: pd.DataFrame, scenarios: Mapping[str, Scenario]
) -> tuple[CellInfo, ...]:
    first = next(iter(scenarios))
    raw = manifest.get("cells")
    known: dict[int, CellInfo] = {}
    if isinstance(raw, list):
        for index, entry in enumerate(raw):
            if not isinstance(entry, Mapping) or "cell" not in entry:
                raise ResultsError(f"{where}: cells[{index}] needs a 'cell' number")
            scenario = str(entry.get("scenario", first))
            if scenario not in scenarios:
                raise ResultsError(
                    f"{where}: cells[{index}] names scenario '{scenario}', which is not in "
                    f"'scenarios' ({', '.join(scenarios)})"
                )
            factors = entry.get("factors") or {}
            if not isinstance(factors, Mapping):
                raise ResultsError(f"{where}: cells[{index}].factors must be an object")
            known[int(entry["cell"])] = CellInfo(int(entry["cell"]), scenario, dict(factors))
    elif raw is not None:
        raise ResultsError(f"{where}: 'cells' must be a list")
    for cell in sorted(int(c) for c in pd.unique(runs["cell"])):
        known.setdefault(cell, CellInfo(cell, first, {}))
    return tuple(known[c] for c in sorted(known))


def apply_factors(scenario: Scenario, factors: Mapping[str, Any]) -> Scenario:
    """The scenario with each factor ``path -> value`` set where the path names a field.

    Paths that name no field of the scenario (or values that would make it invalid) are left
    out: this is for display (ideal points, status quo, deadline), not for running.
    """
    if not factors:
        return scenario
    data = scenario.model_dump()
    changed = False
    for path, value in factors.items():
        parts = str(path).split(".")
        node: Any = data
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if isinstance(node, dict) and parts[-1] in node:
            node[parts[-1]] = value
            changed = True
    if not changed:
        return scenario
    try:
        return Scenario.model_validate(data)
    except ValidationError:
        return scenario


def _ordered_union(groups: Iterable[Iterable[str]]) -> list[str]:
    names: list[str] = []
    for group in groups:
        names += [n for n in group if n not in names]
    return names


def _suffixes(columns: Iterable[object], prefix: str) -> list[str]:
    return [str(c)[len(prefix) :] for c in columns if str(c).startswith(prefix)]


def _short_path(path: str) -> str:
    parts = str(path).split(".")
    if parts[0] in ("actors", "issues", "dynamics") and len(parts) > 2:
        parts = parts[1:]
    return ".".join(parts)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# --------------------------------------------------------------------------------------------
# Intervals


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (Wilson 1927).

    With n = 0 there is no information and the interval is the whole of [0, 1].
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if z <= 0:
        raise ValueError(f"z must be positive, got {z}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


# --------------------------------------------------------------------------------------------
# Per-cell summary


class TermSummary(TypedDict):
    n: int
    median: float | None
    p05: float | None
    p95: float | None


class GainSummary(TypedDict):
    mean: float | None
    mean_if_agreed: float | None


class RoundsSummary(TypedDict):
    mean: float | None
    median: float | None


class CellSummary(TypedDict):
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
    share of each end reason.  Plain JSON-ready values: missing numbers are ``None``.
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
    reasons = list(END_REASONS) + sorted(str(r) for r in counts.index if r not in END_REASONS)
    end_reasons = {r: (float(counts.get(r, 0)) / n if n else 0.0) for r in reasons}

    return CellSummary(
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
    )


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100.0 * value:.1f}%"


def format_p_agreement(summary: CellSummary) -> str:
    """``62.3% [59.1, 65.4]``: P(agreement) with its 95% interval in percent."""
    low, high = summary["ci95"]
    return f"{_percent(summary['p_agreement'])} [{100 * low:.1f}, {100 * high:.1f}]"


def format_term(term: TermSummary) -> str:
    """``0.412 [0.210, 0.705]``: the median agreed term and its 5–95% range."""
    if term["median"] is None:
        return "no deals"
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
    outcome_rows = [
        [
            label,
            f"{s['n']:,}",
            format_p_agreement(s),
            f"{_fmt(s['rounds_to_agreement']['mean'], '.1f')} / "
            f"{_fmt(s['rounds_to_agreement']['median'], '.0f')}",
            *[_percent(s["end_reasons"].get(r, 0.0)) for r in reasons],
        ]
        for label, s in zip(labels, summaries, strict=True)
    ]
    parts = [
        "Outcomes (P(agreement) with 95% Wilson interval)",
        _table(
            ["cell", "N", "P(agreement) [95% CI]", "round mean / median", *reasons], outcome_rows
        ),
    ]
    issues = list(summaries[0]["terms"])
    if issues:
        term_rows = [
            [label, *[format_term(s["terms"][i]) for i in issues]]
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


# --------------------------------------------------------------------------------------------
# Drivers: agreement probability against each sampled parameter

DRIVER_COLUMNS = [
    "parameter",
    "bin",
    "low",
    "high",
    "center",
    "n",
    "agreed",
    "p_agreement",
    "ci_low",
    "ci_high",
]


def bin_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Quantile bin edges (equal counts), merged where ties make them coincide."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)))
    return edges if edges.size > 1 else np.array([edges[0], edges[0]])


def driver_table(df: pd.DataFrame, param_columns: Sequence[str], bins: int = 10) -> pd.DataFrame:
    """P(agreement) with a 95% Wilson interval per bin of each sampled parameter.

    Bins are quantiles of the sampled values (so each holds about N/bins worlds); a parameter
    with no more distinct values than ``bins`` gets one bin per value.  ``center`` is the mean
    parameter value in the bin.  Rows with a missing parameter value are left out.
    """
    rows: list[dict[str, Any]] = []
    agreed_all = df["agreed"].to_numpy(dtype=bool)
    for column in param_columns:
        if column not in df.columns:
            raise KeyError(f"no column {column!r}")
        values = df[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        values, agreed = values[finite], agreed_all[finite]
        if values.size == 0:
            continue
        distinct = np.unique(values)
        if distinct.size <= bins:
            index = np.searchsorted(distinct, values)
            ranges = [(float(v), float(v)) for v in distinct]
        else:
            edges = bin_edges(values, bins)
            index = np.clip(np.searchsorted(edges[1:-1], values, side="right"), 0, edges.size - 2)
            ranges = [(float(edges[i]), float(edges[i + 1])) for i in range(edges.size - 1)]
        for b, (low, high) in enumerate(ranges):
            inside = index == b
            n = int(inside.sum())
            if n == 0:
                continue
            k = int(agreed[inside].sum())
            ci_low, ci_high = wilson_interval(k, n)
            rows.append(
                {
                    "parameter": column,
                    "bin": b,
                    "low": low,
                    "high": high,
                    "center": float(values[inside].mean()),
                    "n": n,
                    "agreed": k,
                    "p_agreement": k / n,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                }
            )
    return pd.DataFrame(rows, columns=DRIVER_COLUMNS)


def rank_drivers(df: pd.DataFrame, param_columns: Sequence[str]) -> list[tuple[str, float]]:
    """Sampled parameters ordered by how strongly agreement moves with them.

    The score is the absolute Spearman rank correlation between the parameter and the agreement
    indicator, computed within each cell and taking the largest over cells (so a structural
    factor that differs between cells cannot create a spurious driver).  Parameters that do not
    vary, or cells where agreement does not vary, score 0.
    """
    cells = df["cell"] if "cell" in df.columns else pd.Series(0, index=df.index)
    scores: list[tuple[str, float]] = []
    for column in param_columns:
        best = 0.0
        for cell in pd.unique(cells):
            frame = df[cells == cell]
            values = frame[column].to_numpy(dtype=float)
            agreed = frame["agreed"].to_numpy(dtype=float)
            keep = np.isfinite(values)
            values, agreed = values[keep], agreed[keep]
            if values.size < 3 or np.ptp(values) == 0 or np.ptp(agreed) == 0:
                continue
            ranks = pd.Series(values).rank().to_numpy()
            agreed_ranks = pd.Series(agreed).rank().to_numpy()
            rho = float(np.corrcoef(ranks, agreed_ranks)[0, 1])
            if math.isfinite(rho):
                best = max(best, abs(rho))
        scores.append((column, best))
    return sorted(scores, key=lambda item: -item[1])
