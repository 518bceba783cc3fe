"""Compare the outcomes of two result sets (two sweeps, or two cells of one sweep).

* Difference in P(agreement), B − A, with a 95% interval by Newcombe's hybrid score method
  (Newcombe 1998, "Interval estimation for the difference between independent proportions",
  Statistics in Medicine 17:873–890, method 10), built from the two Wilson intervals.
* Shift in each issue's median agreed term, B − A, with a 95% percentile bootstrap interval
  (Efron & Tibshirani 1993): each sample resampled independently, from a numpy Generator seeded
  explicitly; large samples draw the bootstrap medians from their exact distribution.
* Two-sample tests per issue on the agreed terms: Mann–Whitney U (two-sided; a location shift)
  and Kolmogorov–Smirnov (two-sided; any difference in distribution), from scipy.stats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from sim.analysis.results import Results
from sim.analysis.statistics import wilson_interval
from sim.core.records import TERM
from sim.errors import ResultsError
from sim.scenario.schema import Scenario

PROPORTION_METHOD = "Newcombe hybrid score interval (1998, method 10)"
SHIFT_METHOD = "percentile bootstrap of the difference in medians"
TESTS = ("Mann–Whitney U (two-sided)", "Kolmogorov–Smirnov (two-sided)")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the records of one cell, with what to call them."""

    label: str
    records: pd.DataFrame
    scenario: Scenario
    uncertainty: Mapping[str, Any] | None = None  # the experiment's priors, if known
    design: str | None = None


def pick_side(results: Results, cell: int | None, which: str) -> Side:
    """The records of one cell of a results folder; ``cell`` may be omitted if it has one."""
    cells = results.cell_ids
    if cell is None:
        if len(cells) != 1:
            raise ResultsError(
                f"results {which} ({results.path}) has {len(cells)} cells {cells}; "
                f"choose one with --cell-{which.lower()}"
            )
        cell = cells[0]
    if cell not in cells:
        raise ResultsError(
            f"results {which} ({results.path}) has no cell {cell}; cells are {cells}"
        )
    records = results.runs[results.runs["cell"] == cell].reset_index(drop=True)
    label = f"{results.name} [{results.cell_label(cell)}]" if len(cells) > 1 else results.name
    experiment = results.experiment
    uncertainty = experiment.get("uncertainty") if experiment else None
    design = str(experiment.get("design") or "monte-carlo") if experiment else None
    return Side(
        label,
        records,
        results.scenario_for(cell),
        uncertainty if isinstance(uncertainty, Mapping) else None,
        design,
    )


class ProportionDifference(TypedDict):
    """The difference in P(agreement) between B and A, with its Newcombe interval."""

    n_a: int
    n_b: int
    agreed_a: int
    agreed_b: int
    p_a: float | None
    p_b: float | None
    difference: float | None
    ci95: list[float] | None
    method: str


class IssueComparison(TypedDict):
    """One issue's agreed terms under A and B: medians, their shift and the tests."""

    n_a: int
    n_b: int
    median_a: float | None
    median_b: float | None
    shift: float | None
    ci95: list[float] | None
    mannwhitney_u: float | None
    mannwhitney_p: float | None
    ks_statistic: float | None
    ks_p: float | None


class Comparison(TypedDict):
    """The whole comparison of B against A (what ``compare`` returns)."""

    a: str
    b: str
    agreement: ProportionDifference
    issues: dict[str, IssueComparison]
    skipped_issues: list[str]
    bootstrap: dict[str, Any]
    methods: dict[str, str]


def newcombe_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, z: float = 1.96
) -> tuple[float, float]:
    """95% interval of p_b − p_a by Newcombe's hybrid score method (his method 10)."""
    p_a, p_b = k_a / n_a, k_b / n_b
    l_a, u_a = wilson_interval(k_a, n_a, z)
    l_b, u_b = wilson_interval(k_b, n_b, z)
    difference = p_b - p_a
    low = difference - math.sqrt((p_b - l_b) ** 2 + (u_a - p_a) ** 2)
    high = difference + math.sqrt((u_b - p_b) ** 2 + (p_a - l_a) ** 2)
    return max(-1.0, low), min(1.0, high)


EXACT_BOOTSTRAP_SIZE = 5_000
"""From this sample size on, bootstrap medians are drawn from their exact distribution."""


def _resampled_medians(
    values: np.ndarray, rng: np.random.Generator, n_boot: int, chunk_cells: int = 4_000_000
) -> np.ndarray:
    """Medians of ``n_boot`` resamples of ``values``, by resampling (chunked to bound memory)."""
    size = values.size
    per_chunk = max(1, chunk_cells // max(size, 1))
    medians = np.empty(n_boot)
    done = 0
    while done < n_boot:
        count = min(per_chunk, n_boot - done)
        index = rng.integers(0, size, (count, size))
        medians[done : done + count] = np.median(values[index], axis=1)
        done += count
    return medians


def _order_statistic_medians(
    values: np.ndarray, rng: np.random.Generator, n_boot: int
) -> np.ndarray:
    """Bootstrap medians drawn from their exact distribution over the sorted sample.

    A resample's (lower) median is at most the j-th smallest value exactly when at least
    k = floor(n/2) + 1 of its n draws fall among the j smallest, so
    P(median <= x_(j)) = P(Binomial(n, j/n) >= k) (Efron 1982, "The jackknife, the bootstrap
    and other resampling plans", section 10.2).  Inverting that CDF costs O(n) instead of
    O(n * resamples).  For even n this is the lower median, which differs from the average of
    the two middle values by one order statistic: negligible at the sizes this is used for.
    """
    from scipy import stats

    ordered = np.sort(values)
    size = ordered.size
    k = size // 2 + 1
    cdf = stats.binom.sf(k - 1, size, np.arange(1, size + 1) / size)
    cdf[-1] = 1.0
    index = np.searchsorted(cdf, rng.uniform(size=n_boot), side="left")
    medians: np.ndarray = ordered[np.minimum(index, size - 1)]
    return medians


def bootstrap_medians(
    values: np.ndarray,
    rng: np.random.Generator,
    n_boot: int,
    *,
    exact_from: int = EXACT_BOOTSTRAP_SIZE,
) -> np.ndarray:
    """``n_boot`` bootstrap replicates of the median of ``values``.

    Small samples are resampled directly; from ``exact_from`` values on the replicates are drawn
    from the exact bootstrap distribution of the median, which keeps million-world sweeps fast.
    """
    if values.size >= exact_from:
        return _order_statistic_medians(values, rng, n_boot)
    return _resampled_medians(values, rng, n_boot)


def median_shift(
    a: np.ndarray, b: np.ndarray, *, n_boot: int = 2000, seed: int = 0
) -> tuple[float, tuple[float, float]]:
    """median(b) − median(a) and its 95% percentile-bootstrap interval."""
    if a.size == 0 or b.size == 0:
        raise ValueError("both samples need at least one value")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    boot = bootstrap_medians(b, rng, n_boot) - bootstrap_medians(a, rng, n_boot)
    low, high = np.quantile(boot, [0.025, 0.975])
    return float(np.median(b) - np.median(a)), (float(low), float(high))


def compare(
    a: Side, b: Side, *, n_boot: int = 2000, seed: int = 0, issues: Sequence[str] | None = None
) -> Comparison:
    """Compare side B against side A: every difference is B − A."""
    from scipy import stats

    n_a, n_b = len(a.records), len(b.records)
    if n_a == 0 or n_b == 0:
        raise ValueError("both sides need at least one record")
    k_a, k_b = int(a.records["agreed"].sum()), int(b.records["agreed"].sum())
    low, high = newcombe_interval(k_a, n_a, k_b, n_b)
    agreement = ProportionDifference(
        n_a=n_a,
        n_b=n_b,
        agreed_a=k_a,
        agreed_b=k_b,
        p_a=k_a / n_a,
        p_b=k_b / n_b,
        difference=k_b / n_b - k_a / n_a,
        ci95=[low, high],
        method=PROPORTION_METHOD,
    )

    columns_a = {str(c)[len(TERM) :] for c in a.records.columns if str(c).startswith(TERM)}
    columns_b = {str(c)[len(TERM) :] for c in b.records.columns if str(c).startswith(TERM)}
    ordered = (
        list(issues)
        if issues
        else a.scenario.issue_names + sorted(columns_a - set(a.scenario.issues))
    )
    common = [i for i in ordered if i in columns_a and i in columns_b]
    skipped = sorted((columns_a | columns_b) - set(common))

    results: dict[str, IssueComparison] = {}
    for offset, issue in enumerate(common):
        values_a = _agreed_terms(a.records, issue)
        values_b = _agreed_terms(b.records, issue)
        entry = IssueComparison(
            n_a=int(values_a.size),
            n_b=int(values_b.size),
            median_a=float(np.median(values_a)) if values_a.size else None,
            median_b=float(np.median(values_b)) if values_b.size else None,
            shift=None,
            ci95=None,
            mannwhitney_u=None,
            mannwhitney_p=None,
            ks_statistic=None,
            ks_p=None,
        )
        if values_a.size and values_b.size:
            shift, (s_low, s_high) = median_shift(
                values_a, values_b, n_boot=n_boot, seed=seed + offset
            )
            u = stats.mannwhitneyu(values_b, values_a, alternative="two-sided")
            ks = stats.ks_2samp(values_b, values_a, alternative="two-sided")
            entry["shift"] = shift
            entry["ci95"] = [s_low, s_high]
            entry["mannwhitney_u"] = float(u.statistic)
            entry["mannwhitney_p"] = float(u.pvalue)
            entry["ks_statistic"] = float(ks.statistic)
            entry["ks_p"] = float(ks.pvalue)
        results[issue] = entry
    return Comparison(
        a=a.label,
        b=b.label,
        agreement=agreement,
        issues=results,
        skipped_issues=skipped,
        bootstrap={
            "resamples": n_boot,
            "seed": seed,
            "note": "issue i uses SeedSequence(seed + i) in the order listed",
        },
        methods={
            "agreement": PROPORTION_METHOD,
            "median shift": SHIFT_METHOD,
            "tests": ", ".join(TESTS),
        },
    )


def _agreed_terms(records: pd.DataFrame, issue: str) -> np.ndarray:
    values = records.loc[records["agreed"].astype(bool), TERM + issue].to_numpy(dtype=float)
    agreed: np.ndarray = values[np.isfinite(values)]
    return agreed


def format_number(value: float | None, spec: str) -> str:
    """``value`` formatted with ``spec``, or a dash if missing."""
    return "–" if value is None else format(value, spec)


def format_p(value: float | None) -> str:
    """A p-value in three significant digits (a dash if missing, <1e-300 if underflowed)."""
    if value is None:
        return "–"
    return "<1e-300" if value == 0.0 else f"{value:.3g}"


def format_comparison(comparison: Comparison) -> str:
    """A plain-text rendering of :func:`compare`'s output."""
    agreement = comparison["agreement"]
    ci = agreement["ci95"] or [math.nan, math.nan]
    lines = [
        f"A: {comparison['a']}",
        f"B: {comparison['b']}",
        "",
        f"P(agreement)  A {100 * (agreement['p_a'] or 0):.1f}% ({agreement['agreed_a']:,}/"
        f"{agreement['n_a']:,})   B {100 * (agreement['p_b'] or 0):.1f}% "
        f"({agreement['agreed_b']:,}/{agreement['n_b']:,})",
        f"difference B − A: {100 * (agreement['difference'] or 0):+.1f} points, 95% CI "
        f"[{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}] ({agreement['method']})",
        "",
        "Agreed terms (worlds that agreed): median shift B − A with 95% bootstrap CI",
    ]
    header = ["issue", "median A", "median B", "shift [95% CI]", "Mann–Whitney p", "KS p"]
    rows = []
    for issue, entry in comparison["issues"].items():
        shift = (
            f"{entry['shift']:+.3f} [{entry['ci95'][0]:+.3f}, {entry['ci95'][1]:+.3f}]"
            if entry["shift"] is not None and entry["ci95"] is not None
            else "–"
        )
        rows.append(
            [
                issue,
                format_number(entry["median_a"], ".3f"),
                format_number(entry["median_b"], ".3f"),
                shift,
                format_p(entry["mannwhitney_p"]),
                format_p(entry["ks_p"]),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if comparison["skipped_issues"]:
        lines.append(f"not in both: {', '.join(comparison['skipped_issues'])}")
    lines.append(
        f"bootstrap: {comparison['bootstrap']['resamples']} resamples, seed "
        f"{comparison['bootstrap']['seed']}"
    )
    return "\n".join(lines)
