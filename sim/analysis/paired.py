"""Paired comparison of two cells that share their worlds (common random numbers).

Two cells of one sweep (or two sweeps of one experiment with one seed) draw every world's
uncertain parameters from the same counter-based streams: world ``w`` of A and world ``w`` of B
differ only by what defines the cells.  Treating them as independent samples wastes that and
prints absurd p-values (a median shift of +0.000 with p = 4e-97).  Here the worlds are matched
by id and every statistic is on the pairs:

* P(agreement): the difference B − A with Newcombe's interval for paired proportions (Newcombe
  1998, "Improved confidence intervals for the difference between binomial proportions based
  on paired data", Statistics in Medicine 17:2635–2650, method 10) and McNemar's exact test on
  the discordant pairs (McNemar 1947; the binomial form of Mosteller 1952);
* each issue's agreed term (worlds that agreed in both), each actor's gain (every world) and
  the round of agreement (worlds that agreed in both): the median and mean of the paired
  differences B − A, with a paired bootstrap interval for the median (Efron & Tibshirani 1993,
  resampling worlds, i.e. pairs) and a t interval for the mean, then Wilcoxon's signed-rank
  test (Wilcoxon 1945).  Effect sizes come first; p-values last.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from sim.analysis.compare import Side, bootstrap_medians, format_number, format_p
from sim.analysis.statistics import wilson_interval
from sim.core.records import GAIN, ROUND, TERM

PAIRED_PROPORTION_METHOD = "Newcombe paired score interval (1998, method 10); McNemar exact test"
PAIRED_SHIFT_METHOD = (
    "median of paired differences with a paired (world) bootstrap interval; mean with a t "
    "interval; Wilcoxon signed-rank test"
)


class PairedProportion(TypedDict):
    """P(agreement) in matched worlds: the 2 x 2 table, the difference and McNemar's test."""

    n: int
    both: int
    a_only: int
    b_only: int
    neither: int
    p_a: float
    p_b: float
    difference: float
    ci95: list[float]
    mcnemar_p: float
    method: str


class PairedDifference(TypedDict):
    """One quantity in matched worlds: B − A per world, summarised."""

    n: int
    median_a: float | None
    median_b: float | None
    median_difference: float | None
    ci95: list[float] | None
    mean_difference: float | None
    mean_ci95: list[float] | None
    wilcoxon_p: float | None


def sharing(a: Side, b: Side) -> tuple[bool, list[str]]:
    """Whether A and B share their worlds (pair them), and warnings for the reader.

    They share worlds when both sides come from the same seed and the same priors and design
    and hold the same world ids: then world ``w`` drew the same uncertain values in both.
    """
    warnings: list[str] = []
    seeds_a = set(pd.unique(a.records["seed"])) if "seed" in a.records else set()
    seeds_b = set(pd.unique(b.records["seed"])) if "seed" in b.records else set()
    if seeds_a != seeds_b:
        shown_a = ", ".join(str(s) for s in sorted(seeds_a))
        shown_b = ", ".join(str(s) for s in sorted(seeds_b))
        warnings.append(
            f"the seeds differ (A {shown_a}, B {shown_b}): the worlds are not shared, so the "
            "sides are compared as independent samples"
        )
    known = a.uncertainty is not None and b.uncertainty is not None
    if known and (dict(a.uncertainty or {}) != dict(b.uncertainty or {}) or a.design != b.design):
        warnings.append(
            "the priors (or design) differ: part of any difference comes from what was "
            "assumed uncertain, not from what defines the cells"
        )
    same_worlds = (
        not warnings
        and len(a.records) == len(b.records)
        and np.array_equal(np.sort(a.records["world"]), np.sort(b.records["world"]))
    )
    return same_worlds, warnings


def newcombe_paired_interval(
    both: int, a_only: int, b_only: int, neither: int, z: float = 1.96
) -> tuple[float, float]:
    """95% interval of p_b − p_a for paired proportions, Newcombe's method 10."""
    n = both + a_only + b_only + neither
    p_a, p_b = (both + a_only) / n, (both + b_only) / n
    l_a, u_a = wilson_interval(both + a_only, n, z)
    l_b, u_b = wilson_interval(both + b_only, n, z)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    # Newcombe's phi-hat*: the correlation of the pairs, shrunk by n/2 when positive.
    cross = both * neither - a_only * b_only
    shrunk = max(cross - n / 2, 0.0) if cross > 0 else float(cross)
    phi = 0.0 if margins == 0 else shrunk / math.sqrt(margins)
    difference = p_b - p_a
    low = difference - math.sqrt(
        max(0.0, (p_b - l_b) ** 2 - 2 * phi * (p_b - l_b) * (u_a - p_a) + (u_a - p_a) ** 2)
    )
    high = difference + math.sqrt(
        max(0.0, (u_b - p_b) ** 2 - 2 * phi * (u_b - p_b) * (p_a - l_a) + (p_a - l_a) ** 2)
    )
    return max(-1.0, low), min(1.0, high)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value: the discordant pairs against Binomial(n, 1/2)."""
    from scipy import stats

    discordant = a_only + b_only
    if discordant == 0:
        return 1.0
    return float(stats.binomtest(b_only, discordant, 0.5).pvalue)


def paired_proportion(agreed_a: np.ndarray, agreed_b: np.ndarray) -> PairedProportion:
    """P(agreement) of B against A over matched worlds."""
    both = int(np.sum(agreed_a & agreed_b))
    a_only = int(np.sum(agreed_a & ~agreed_b))
    b_only = int(np.sum(~agreed_a & agreed_b))
    neither = int(agreed_a.size) - both - a_only - b_only
    n = int(agreed_a.size)
    low, high = newcombe_paired_interval(both, a_only, b_only, neither)
    return PairedProportion(
        n=n,
        both=both,
        a_only=a_only,
        b_only=b_only,
        neither=neither,
        p_a=(both + a_only) / n,
        p_b=(both + b_only) / n,
        difference=(b_only - a_only) / n,
        ci95=[low, high],
        mcnemar_p=mcnemar_exact(a_only, b_only),
        method=PAIRED_PROPORTION_METHOD,
    )


def paired_difference(
    values_a: np.ndarray, values_b: np.ndarray, *, n_boot: int = 2000, seed: int = 0
) -> PairedDifference:
    """B − A per matched world: median with a paired bootstrap interval, mean with a t
    interval, Wilcoxon signed-rank p-value.  Pairs with a missing value on either side drop."""
    from scipy import stats

    keep = np.isfinite(values_a) & np.isfinite(values_b)
    a, b = values_a[keep], values_b[keep]
    empty = PairedDifference(
        n=int(a.size),
        median_a=None,
        median_b=None,
        median_difference=None,
        ci95=None,
        mean_difference=None,
        mean_ci95=None,
        wilcoxon_p=None,
    )
    if a.size == 0:
        return empty
    d = b - a
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    low, high = np.quantile(bootstrap_medians(d, rng, n_boot), [0.025, 0.975])
    mean = float(d.mean())
    half = (
        float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size))
        if d.size > 1
        else math.inf
    )
    return PairedDifference(
        n=int(a.size),
        median_a=float(np.median(a)),
        median_b=float(np.median(b)),
        median_difference=float(np.median(d)),
        ci95=[float(low), float(high)],
        mean_difference=mean,
        mean_ci95=[mean - half, mean + half],
        wilcoxon_p=(
            float(stats.wilcoxon(d, zero_method="wilcox", method="approx").pvalue)
            if np.count_nonzero(d) >= 2
            else 1.0
        ),
    )


class PairedComparison(TypedDict):
    """A paired comparison of B against A (what :func:`compare_paired` returns)."""

    a: str
    b: str
    paired: bool
    warnings: list[str]
    agreement: PairedProportion
    issues: dict[str, PairedDifference]
    gains: dict[str, PairedDifference]
    round: PairedDifference
    bootstrap: dict[str, Any]
    methods: dict[str, str]


def _matched(a: Side, b: Side) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        a.records.sort_values("world").reset_index(drop=True),
        b.records.sort_values("world").reset_index(drop=True),
    )


def _suffixes(frame: pd.DataFrame, prefix: str) -> list[str]:
    return [str(c)[len(prefix) :] for c in frame.columns if str(c).startswith(prefix)]


def compare_paired(
    a: Side,
    b: Side,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    issues: Sequence[str] | None = None,
    warnings: Sequence[str] = (),
) -> PairedComparison:
    """Compare B against A world by world (they must share worlds; see :func:`sharing`)."""
    records_a, records_b = _matched(a, b)
    agreed_a = records_a["agreed"].to_numpy(dtype=bool)
    agreed_b = records_b["agreed"].to_numpy(dtype=bool)
    both = agreed_a & agreed_b
    terms_b = set(_suffixes(records_b, TERM))
    chosen = [i for i in (issues or _suffixes(records_a, TERM)) if i in terms_b]

    offset = iter(range(10_000))

    def pairs(name: str, mask: np.ndarray | None) -> PairedDifference:
        values_a = records_a[name].to_numpy(dtype=float)
        values_b = records_b[name].to_numpy(dtype=float)
        if mask is not None:
            values_a, values_b = values_a[mask], values_b[mask]
        return paired_difference(values_a, values_b, n_boot=n_boot, seed=seed + next(offset))

    issues_out = {issue: pairs(TERM + issue, both) for issue in chosen}
    gains_b = set(_suffixes(records_b, GAIN))
    gains_out = {
        actor: pairs(GAIN + actor, None) for actor in _suffixes(records_a, GAIN) if actor in gains_b
    }
    round_out = pairs(ROUND, both)
    return PairedComparison(
        a=a.label,
        b=b.label,
        paired=True,
        warnings=list(warnings),
        agreement=paired_proportion(agreed_a, agreed_b),
        issues=issues_out,
        gains=gains_out,
        round=round_out,
        bootstrap={
            "resamples": n_boot,
            "seed": seed,
            "note": "issues, then gains, then the round use SeedSequence(seed + i) in order",
        },
        methods={"agreement": PAIRED_PROPORTION_METHOD, "differences": PAIRED_SHIFT_METHOD},
    )


def _table(title: str, rows: Mapping[str, PairedDifference], spec: str) -> list[str]:
    header = ["", "n pairs", "median A", "median B", "B − A median [95% CI]", "mean [95% CI]"]
    header.append("Wilcoxon p")
    body = []
    for name, e in rows.items():
        median = (
            f"{e['median_difference']:+{spec}} [{e['ci95'][0]:+{spec}}, {e['ci95'][1]:+{spec}}]"
            if e["median_difference"] is not None and e["ci95"] is not None
            else "–"
        )
        mean = (
            f"{e['mean_difference']:+{spec}} [{e['mean_ci95'][0]:+{spec}}, "
            f"{e['mean_ci95'][1]:+{spec}}]"
            if e["mean_difference"] is not None and e["mean_ci95"] is not None
            else "–"
        )
        body.append(
            [
                name,
                f"{e['n']:,}",
                format_number(e["median_a"], spec),
                format_number(e["median_b"], spec),
                median,
                mean,
                format_p(e["wilcoxon_p"]),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [title]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    return lines


def format_paired(comparison: PairedComparison) -> str:
    """A plain-text rendering of :func:`compare_paired`: effects with intervals, p-values last."""
    agreement = comparison["agreement"]
    low, high = agreement["ci95"]
    lines = [
        f"A: {comparison['a']}",
        f"B: {comparison['b']}",
        f"paired: the {agreement['n']:,} worlds are shared (same seed and priors); every "
        "difference is B − A in the same world",
        *(f"warning: {w}" for w in comparison["warnings"]),
        "",
        f"P(agreement)  A {100 * agreement['p_a']:.1f}%   B {100 * agreement['p_b']:.1f}%",
        f"difference B − A: {100 * agreement['difference']:+.1f} points, 95% CI "
        f"[{100 * low:+.1f}, {100 * high:+.1f}]  (deal only in A: {agreement['a_only']:,} "
        f"worlds, only in B: {agreement['b_only']:,}; McNemar p {format_p(agreement['mcnemar_p'])})",
        "",
    ]
    lines += _table("Agreed terms (worlds that agreed in both)", comparison["issues"], ".3f")
    lines += ["", *_table("Gains (every world; a no-deal gains 0)", comparison["gains"], ".3f")]
    rounds = {"round": comparison["round"]}
    lines += ["", *_table("Round of agreement (worlds that agreed in both)", rounds, ".2f")]
    lines.append(
        f"bootstrap: {comparison['bootstrap']['resamples']} resamples of worlds, seed "
        f"{comparison['bootstrap']['seed']}"
    )
    return "\n".join(lines)
