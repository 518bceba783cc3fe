"""Comparing two result sets: numbers against published values and hand computation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest_records import make_records, scenario_dict, write_results
from scipy import stats

from sim.analysis.compare import (
    PROPORTION_METHOD,
    Side,
    bootstrap_medians,
    compare,
    format_comparison,
    median_shift,
    newcombe_interval,
    pick_side,
)
from sim.analysis.results import load_results
from sim.cli import main
from sim.errors import ResultsError
from sim.output.figures.compare import comparison_figure
from sim.scenario.schema import Scenario

SCENARIO = Scenario.model_validate(scenario_dict())


@pytest.mark.parametrize(
    ("k_a", "n_a", "k_b", "n_b", "low", "high"),
    [
        # Newcombe (1998), Table II, method 10, for p1 - p2; here B = 1 and A = 2.
        (48, 80, 56, 70, 0.0524, 0.3339),
        (3, 10, 9, 10, 0.1705, 0.8090),
        (0, 29, 5, 56, -0.0381, 0.1926),
        (0, 10, 0, 10, -0.2775, 0.2775),
    ],
)
def test_newcombe_interval_matches_published_values(
    k_a: int, n_a: int, k_b: int, n_b: int, low: float, high: float
) -> None:
    got_low, got_high = newcombe_interval(k_a, n_a, k_b, n_b)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def side(records: pd.DataFrame, label: str) -> Side:
    return Side(label, records, SCENARIO)


def hand_side(agreed: list[bool], territory: list[float], label: str) -> Side:
    n = len(agreed)
    frame = pd.DataFrame(
        {
            "agreed": agreed,
            "end_reason": ["agreement" if a else "deadline" for a in agreed],
            "round": [3] * n,
            "term.territory": [
                t if a else math.nan for a, t in zip(agreed, territory, strict=True)
            ],
        }
    )
    return side(frame, label)


def test_compare_matches_hand_computation() -> None:
    a = hand_side([True, True, True, False], [0.2, 0.4, 0.9, 0.0], "A")
    b = hand_side([True, True, True, True, True, False], [0.5, 0.6, 0.7, 0.8, 0.1, 0.0], "B")
    result = compare(a, b, n_boot=500, seed=3)
    agreement = result["agreement"]
    assert (agreement["agreed_a"], agreement["n_a"], agreement["agreed_b"], agreement["n_b"]) == (
        3,
        4,
        5,
        6,
    )
    assert agreement["difference"] == pytest.approx(5 / 6 - 3 / 4)
    assert agreement["ci95"] == pytest.approx(list(newcombe_interval(3, 4, 5, 6)))
    assert agreement["method"] == PROPORTION_METHOD
    territory = result["issues"]["territory"]
    assert territory["median_a"] == pytest.approx(0.4)
    assert territory["median_b"] == pytest.approx(0.6)
    assert territory["shift"] == pytest.approx(0.2)
    u = stats.mannwhitneyu([0.5, 0.6, 0.7, 0.8, 0.1], [0.2, 0.4, 0.9], alternative="two-sided")
    ks = stats.ks_2samp([0.5, 0.6, 0.7, 0.8, 0.1], [0.2, 0.4, 0.9])
    assert territory["mannwhitney_u"] == pytest.approx(u.statistic)
    assert territory["mannwhitney_p"] == pytest.approx(u.pvalue)
    assert territory["ks_statistic"] == pytest.approx(ks.statistic)
    assert territory["ks_p"] == pytest.approx(ks.pvalue)
    json.dumps(result, allow_nan=False)


def test_median_shift_of_constant_samples_is_exact() -> None:
    shift, (low, high) = median_shift(np.full(7, 0.25), np.full(9, 0.75), n_boot=300, seed=1)
    assert shift == low == high == pytest.approx(0.5)


def test_median_shift_interval_covers_the_true_shift_about_95_percent_of_the_time() -> None:
    covered = 0
    replicates = 120
    for replicate in range(replicates):
        rng = np.random.default_rng(replicate)
        a = rng.normal(0.40, 0.1, 240)
        b = rng.normal(0.55, 0.1, 160)
        shift, (low, high) = median_shift(a, b, n_boot=400, seed=replicate)
        assert low <= shift <= high
        covered += low < 0.15 < high
    assert 0.85 <= covered / replicates <= 0.995


def test_median_shift_is_reproducible_from_its_seed() -> None:
    rng = np.random.default_rng(2024)
    a = rng.normal(0.40, 0.1, 3000)
    b = rng.normal(0.55, 0.1, 2000)
    first = median_shift(a, b, n_boot=500, seed=5)
    assert median_shift(a, b, n_boot=500, seed=5) == first
    assert median_shift(a, b, n_boot=500, seed=6)[1] != first[1]
    assert first[1][1] - first[1][0] < 0.03


def test_median_shift_needs_data() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        median_shift(np.array([]), np.array([0.5]))


def test_identical_samples_show_no_difference() -> None:
    records = make_records(800, seed=9)
    result = compare(side(records, "A"), side(records, "B"), n_boot=400)
    assert result["agreement"]["difference"] == 0.0
    low, high = result["agreement"]["ci95"] or [0.0, 0.0]
    assert low < 0.0 < high
    for entry in result["issues"].values():
        assert entry["shift"] == 0.0
        assert entry["mannwhitney_p"] == pytest.approx(1.0)
        assert entry["ks_p"] == pytest.approx(1.0)


def test_issues_missing_on_one_side_are_reported_not_compared() -> None:
    a = side(make_records(100, seed=1), "A")
    b = side(make_records(100, seed=2).drop(columns="term.sanctions"), "B")
    result = compare(a, b, n_boot=200)
    assert list(result["issues"]) == ["territory", "neutrality", "rearmament"]
    assert result["skipped_issues"] == ["sanctions"]
    assert "not in both: sanctions" in format_comparison(result)


def test_a_side_without_deals_has_no_shift() -> None:
    a = side(make_records(50, p_agree=-5.0), "A")
    b = side(make_records(50, seed=4), "B")
    entry = compare(a, b, n_boot=200)["issues"]["territory"]
    assert entry["n_a"] == 0 and entry["median_a"] is None
    assert entry["shift"] is None and entry["mannwhitney_p"] is None


def test_format_comparison_reports_every_number() -> None:
    a = side(make_records(500, p_agree=0.3, term_center=0.3, seed=1), "hawks")
    b = side(make_records(500, p_agree=0.7, term_center=0.7, seed=2), "doves")
    result = compare(a, b, n_boot=300)
    text = format_comparison(result)
    agreement = result["agreement"]
    assert "A: hawks" in text and "B: doves" in text
    assert f"{100 * (agreement['difference'] or 0):+.1f} points" in text
    low, high = agreement["ci95"] or [0.0, 0.0]
    assert f"[{100 * low:+.1f}, {100 * high:+.1f}]" in text
    assert "Newcombe" in text
    for issue, entry in result["issues"].items():
        assert issue in text
        assert f"{entry['shift']:+.3f}" in text
    assert result["agreement"]["difference"] > 0.25


def test_comparison_figure_overlays_each_issue() -> None:
    a = side(make_records(300, seed=1), "A")
    b = side(make_records(200, seed=2), "B")
    figure = comparison_figure(a, b)
    assert len(figure.axes) == 4
    for ax, issue in zip(figure.axes, SCENARIO.issues, strict=True):
        gids = {artist.get_gid() for artist in ax.get_children()}
        assert {f"compare:{issue}:A", f"compare:{issue}:B"} <= gids
        medians = {line.get_gid(): line.get_xdata()[0] for line in ax.lines}
        assert medians[f"median:{issue}:A"] == pytest.approx(
            a.records[f"term.{issue}"].dropna().median()
        )
        assert SCENARIO.issues[issue].low in ax.get_xlabel()
    assert "N = 300 and 200 worlds" in figure.get_suptitle()


# --------------------------------------------------------------------------------------------
# Results folders and the command


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("compare")
    sweep = write_results(
        root / "sweep",
        [
            {
                "n": 300,
                "p_agree": 0.3,
                "term_center": 0.3,
                "factors": {"actors.russia.war_cost": 0.05},
            },
            {
                "n": 300,
                "p_agree": 0.8,
                "term_center": 0.7,
                "factors": {"actors.russia.war_cost": 0.35},
            },
        ],
    )
    single = write_results(root / "single", [{"n": 250, "p_agree": 0.5}], name="baseline")
    return sweep, single


def test_pick_side_needs_a_cell_when_there_are_several(folders: tuple[Path, Path]) -> None:
    sweep, single = folders
    with pytest.raises(ResultsError, match="has 2 cells"):
        pick_side(load_results(sweep), None, "A")
    with pytest.raises(ResultsError, match="no cell 4"):
        pick_side(load_results(sweep), 4, "B")
    only = pick_side(load_results(single), None, "B")
    assert only.label == "baseline" and len(only.records) == 250
    chosen = pick_side(load_results(sweep), 1, "A")
    assert chosen.label == "test-sweep [1: russia.war_cost=0.35]"
    assert chosen.scenario.actors["russia"].war_cost == 0.35


def test_compare_command_two_cells_of_one_sweep_as_json(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    sweep, _ = folders
    outcome = CliRunner().invoke(
        main,
        ["compare", str(sweep), "--cell-a", "0", "--cell-b", "1", "--json", "--resamples", "300"],
    )
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.output)
    runs = pd.read_parquet(sweep / "runs.parquet")
    rate = runs.groupby("cell")["agreed"].mean()
    assert result["agreement"]["difference"] == pytest.approx(rate[1] - rate[0])
    # two cells of one sweep share their worlds (same seed, same world ids): paired
    assert result["paired"] is True
    a = runs[runs["cell"] == 0].set_index("world")
    b = runs[runs["cell"] == 1].set_index("world")
    both = a["agreed"] & b["agreed"]
    differences = (b["term.territory"] - a["term.territory"])[both]
    territory = result["issues"]["territory"]
    assert territory["n"] == int(both.sum())
    assert territory["median_difference"] == pytest.approx(float(differences.median()))
    assert result["agreement"]["b_only"] == int((b["agreed"] & ~a["agreed"]).sum())
    assert result["bootstrap"]["resamples"] == 300


def test_compare_command_two_folders_writes_json_and_figure(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    sweep, single = folders
    outcome = CliRunner().invoke(
        main,
        [
            "compare",
            str(single),
            str(sweep),
            "--cell-b",
            "1",
            "--out",
            str(tmp_path),
            "--seed",
            "4",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "difference B − A" in outcome.output
    saved = json.loads((tmp_path / "comparison.json").read_text())
    assert saved["a"] == "baseline" and saved["bootstrap"]["seed"] == 4
    assert (tmp_path / "compare-terms.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["{missing}", "{single}"], "no such directory"),
        (["{single}", "{missing}"], "no such directory"),
        (["{sweep}", "{single}"], "choose one with --cell-a"),
        (["{single}", "{sweep}", "--cell-b", "7"], "no cell 7"),
        (["{sweep}", "--cell-a", "0"], "give RESULTS_B"),
    ],
)
def test_compare_command_errors_are_clear(
    folders: tuple[Path, Path], tmp_path: Path, arguments: list[str], message: str
) -> None:
    sweep, single = folders
    paths = {"sweep": str(sweep), "single": str(single), "missing": str(tmp_path / "nope")}
    outcome = CliRunner().invoke(main, ["compare", *[a.format(**paths) for a in arguments]])
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert "Traceback" not in outcome.output


def test_exact_bootstrap_of_the_median_matches_resampling() -> None:
    rng = np.random.default_rng(77)
    values = rng.gamma(2.0, 0.1, 1501)  # skewed, odd size: the lower median is the median
    resampled = bootstrap_medians(values, np.random.default_rng(1), 3000, exact_from=10**9)
    exact = bootstrap_medians(values, np.random.default_rng(2), 3000, exact_from=0)
    probabilities = [0.025, 0.25, 0.5, 0.75, 0.975]
    spread = float(np.std(resampled))
    np.testing.assert_allclose(
        np.quantile(exact, probabilities), np.quantile(resampled, probabilities), atol=0.25 * spread
    )
    assert np.std(exact) == pytest.approx(spread, rel=0.1)
    # every replicate is one of the sample's values
    assert np.isin(exact, values).all()


def test_median_shift_of_a_million_worlds_is_quick_and_tight() -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(0.0, 1.0, 1_000_000)
    b = rng.uniform(0.1, 1.1, 1_000_000)
    shift, (low, high) = median_shift(a, b, n_boot=2000, seed=1)
    assert low < shift < high
    assert low < 0.1 < high
    assert high - low < 0.005


# --- Paired comparisons: cells of one sweep share their worlds -------------------------------


def test_newcombe_paired_interval_matches_the_published_example() -> None:
    # Newcombe (1998b), Statistics in Medicine 17:2635, the 36/12/2/0 example, method 10.
    from sim.analysis.paired import newcombe_paired_interval

    low, high = newcombe_paired_interval(36, 2, 12, 0)
    assert low == pytest.approx(0.0569, abs=1e-4)
    assert high == pytest.approx(0.3404, abs=1e-4)


def _shared_pair(n: int = 2000) -> tuple[Side, Side]:
    """Two cells over the same worlds: B agrees in a few more, with the same terms."""
    records = make_records(n, seed=5)
    a = records.assign(cell=0)
    flips = (~a["agreed"]) & (np.arange(n) % 25 == 0)
    b = a.assign(cell=1, agreed=a["agreed"] | flips)
    b.loc[flips, "end_reason"] = "agreement"
    for column in [c for c in b.columns if str(c).startswith("term.")]:
        b.loc[flips, column] = 0.5
    priors = {"actors.*.war_cost": {"dist": "normal", "mean": None, "sd": 0.02}}
    return (
        Side("A", a, SCENARIO, priors, "monte-carlo"),
        Side("B", b.sample(frac=1.0, random_state=1), SCENARIO, priors, "monte-carlo"),
    )


def test_cells_that_share_worlds_are_compared_world_by_world() -> None:
    from sim.analysis.paired import compare_paired, format_paired, sharing

    a, b = _shared_pair()
    paired, warnings = sharing(a, b)
    assert paired and warnings == []
    result = compare_paired(a, b, n_boot=300)
    agreement = result["agreement"]
    flips = int((b.records["agreed"].sum()) - a.records["agreed"].sum())
    assert agreement["b_only"] == flips and agreement["a_only"] == 0
    assert agreement["difference"] == pytest.approx(flips / 2000)
    assert agreement["mcnemar_p"] == pytest.approx(2.0 * 0.5**flips)
    # Same terms in the worlds that agreed in both: the paired difference is exactly zero and
    # no test claims otherwise (the independent-sample tests gave p-values like 4e-97 here).
    territory = result["issues"]["territory"]
    assert territory["median_difference"] == 0.0 and territory["ci95"] == [0.0, 0.0]
    assert territory["wilcoxon_p"] == 1.0
    assert set(result["gains"]) == {"russia", "ukraine", "us", "nato"} or result["gains"]
    assert result["round"]["n"] == int(a.records["agreed"].sum())
    text = format_paired(result)
    assert "paired: the 2,000 worlds are shared" in text
    # effect sizes with intervals come before any p-value on each line
    line = next(row for row in text.splitlines() if row.startswith("territory"))
    assert line.index("[") < line.rindex("1")


def test_sides_with_different_seeds_or_priors_are_not_paired_and_warn() -> None:
    from sim.analysis.paired import sharing

    a, b = _shared_pair()
    reseeded = Side("B", b.records.assign(seed=8), SCENARIO, b.uncertainty, b.design)
    paired, warnings = sharing(a, reseeded)
    assert not paired and "seeds differ" in warnings[0]
    other = Side("B", b.records, SCENARIO, {"protocol.breakdown_probability": {}}, "monte-carlo")
    paired, warnings = sharing(a, other)
    assert not paired and "priors" in warnings[0]
