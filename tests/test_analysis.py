"""Outcome analysis: Wilson intervals, per-cell summaries, drivers, and loading results folders."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_records import make_records, scenario_dict, write_results
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis.drivers import driver_table, rank_drivers
from sim.analysis.results import display_scenario, load_results
from sim.analysis.statistics import wilson_interval
from sim.analysis.summaries import format_p_agreement, format_summary, summarize
from sim.errors import ResultsError
from sim.scenario.schema import Scenario

# --------------------------------------------------------------------------------------------
# Wilson interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662
        (81, 263, 0.2553, 0.3662),
        # Newcombe (1998), Table I: 15/148 -> 0.0624 to 0.1605
        (15, 148, 0.0624, 0.1605),
        # closed forms at the ends: upper = z^2 / (n + z^2) when k = 0
        (0, 10, 0.0, 1.96**2 / (10 + 1.96**2)),
        (10, 10, 10 / (10 + 1.96**2), 1.0),
        (5, 10, 0.2366, 0.7634),
    ],
)
def test_wilson_interval_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_with_no_data_is_the_unit_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (1, -1)])
def test_wilson_interval_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(k, n)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low > 0.0
    # four times the data, same proportion: a strictly narrower interval
    low4, high4 = wilson_interval(4 * k, 4 * n)
    assert high4 - low4 < high - low


# --------------------------------------------------------------------------------------------
# Summaries

ISSUES = ["territory", "sanctions"]
ACTORS = ["russia", "ukraine"]


def hand_records() -> pd.DataFrame:
    """Five worlds of cell 0 and three of cell 1, with numbers easy to check by hand."""
    return pd.DataFrame(
        {
            "cell": [0, 0, 0, 0, 0, 1, 1, 1],
            "agreed": [True, True, True, False, False, False, False, False],
            "end_reason": ["agreement"] * 3 + ["breakdown", "deadline"] + ["deadline"] * 3,
            "round": [2, 4, 9, 3, 20, 20, 20, 20],
            "term.territory": [0.1, 0.2, 0.6, np.nan, np.nan, np.nan, np.nan, np.nan],
            "term.sanctions": [0.5, 0.5, 0.8, np.nan, np.nan, np.nan, np.nan, np.nan],
            "gain.russia": [0.3, 0.1, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0],
            "gain.ukraine": [-0.1, 0.1, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )


def test_summarize_matches_hand_computation() -> None:
    first, second = summarize(hand_records(), ISSUES, ACTORS, labels={0: "baseline"})
    assert first["label"] == "baseline" and second["label"] == "cell 1"
    assert (first["n"], first["agreed"]) == (5, 3)
    assert first["p_agreement"] == pytest.approx(0.6)
    assert first["ci95"] == pytest.approx(list(wilson_interval(3, 5)))
    territory = first["terms"]["territory"]
    assert territory["n"] == 3
    assert territory["median"] == pytest.approx(0.2)
    # linear interpolation between order statistics: 5% -> 0.1 + 0.1 * 0.1, 95% -> 0.2 + 0.9 * 0.4
    assert territory["p05"] == pytest.approx(0.11)
    assert territory["p95"] == pytest.approx(0.56)
    assert first["terms"]["sanctions"]["median"] == pytest.approx(0.5)
    assert first["gains"]["russia"]["mean"] == pytest.approx(0.6 / 5)
    assert first["gains"]["russia"]["mean_if_agreed"] == pytest.approx(0.2)
    assert first["gains"]["ukraine"]["mean_if_agreed"] == pytest.approx(0.1)
    assert first["rounds_to_agreement"] == {"mean": pytest.approx(5.0), "median": 4.0}
    assert first["end_reasons"] == {"agreement": 0.6, "breakdown": 0.2, "deadline": 0.2}


def test_summarize_cell_without_deals_has_no_terms() -> None:
    second = summarize(hand_records(), ISSUES, ACTORS)[1]
    assert second["p_agreement"] == 0.0
    assert second["ci95"][0] == 0.0 and second["ci95"][1] == pytest.approx(0.5615, abs=1e-4)
    assert second["terms"]["territory"] == {"n": 0, "median": None, "p05": None, "p95": None}
    assert second["rounds_to_agreement"] == {"mean": None, "median": None}
    assert second["end_reasons"]["deadline"] == 1.0
    assert second["gains"]["russia"]["mean_if_agreed"] is None


def test_summary_is_strict_json() -> None:
    summaries = summarize(hand_records(), ISSUES, ACTORS)
    text = json.dumps(summaries, allow_nan=False)
    assert json.loads(text)[0]["agreed"] == 3


def test_summarize_treats_a_frame_without_cells_as_one_cell() -> None:
    records = hand_records().drop(columns="cell")
    (only,) = summarize(records, ISSUES, ACTORS)
    assert only["cell"] == 0 and only["n"] == 8 and only["agreed"] == 3


def test_summarize_reports_unexpected_end_reasons_too() -> None:
    records = hand_records()
    records.loc[4, "end_reason"] = "walkout"
    first = summarize(records, ISSUES, ACTORS)[0]
    assert first["end_reasons"]["walkout"] == pytest.approx(0.2)
    assert sum(first["end_reasons"].values()) == pytest.approx(1.0)


def test_format_summary_shows_rates_intervals_terms_and_gains() -> None:
    summaries = summarize(hand_records(), ISSUES, ACTORS, labels={0: "baseline", 1: "hawks"})
    text = format_summary(summaries)
    low, high = wilson_interval(3, 5)
    assert f"60.0% [{100 * low:.1f}, {100 * high:.1f}]" in text
    assert format_p_agreement(summaries[0]) in text
    assert "0.200 [0.110, 0.560]" in text  # territory median [5%, 95%]
    assert "no deals" in text  # cell 1 has no agreed terms
    assert "+0.120 (+0.200)" in text  # russia's mean gain: all worlds (agreed worlds)
    for word in ("baseline", "hawks", "territory", "sanctions", "russia", "ukraine"):
        assert word in text


def test_an_issue_a_cells_scenario_lacks_is_not_shown_as_no_deals() -> None:
    """A sweep over scenarios with different issues (the durability experiment's
    guarantees-on-the-table has a sixth): a cell whose scenario lacks one has deals, not none."""
    records = hand_records()
    records.loc[records["cell"] == 0, "term.sanctions"] = np.nan
    summaries = summarize(records, ISSUES, ACTORS, labels={0: "baseline", 1: "hawks"})
    assert summaries[0]["agreed"] > 0 and summaries[1]["agreed"] == 0
    terms = format_summary(summaries).split("Agreed terms")[1].split("\n\n")[0]
    cells = {row.split()[0]: row for row in terms.splitlines()[1:]}
    assert "not its issue" in cells["baseline"] and "no deals" not in cells["baseline"]
    assert "no deals" in cells["hawks"] and "not its issue" not in cells["hawks"]


# --------------------------------------------------------------------------------------------
# Drivers


def test_driver_table_bins_agreement_by_parameter() -> None:
    values = np.arange(100, dtype=float)
    frame = pd.DataFrame({"agreed": values >= 50, "param.x": values})
    table = driver_table(frame, ["param.x"], bins=2)
    assert list(table["n"]) == [50, 50]
    assert list(table["p_agreement"]) == [0.0, 1.0]
    assert table["ci_low"].iloc[0] == 0.0 and table["ci_high"].iloc[1] == 1.0
    assert table["ci_high"].iloc[0] == pytest.approx(wilson_interval(0, 50)[1])
    assert table["center"].tolist() == pytest.approx([24.5, 74.5])


def test_driver_table_gives_each_distinct_value_its_own_bin() -> None:
    frame = pd.DataFrame(
        {
            "agreed": [True, False, True, True, False, np.True_],
            "param.level": [0.1, 0.1, 0.2, 0.2, 0.3, np.nan],
        }
    )
    table = driver_table(frame, ["param.level"], bins=10)
    assert table["low"].tolist() == [0.1, 0.2, 0.3]
    assert table["p_agreement"].tolist() == [0.5, 1.0, 0.0]
    assert table["n"].sum() == 5  # the world with a missing value is left out


def test_driver_table_covers_every_world_once() -> None:
    records = make_records(997, seed=3)
    params = ["param.actors.russia.war_cost", "param.protocol.breakdown_probability"]
    table = driver_table(records, params, bins=7)
    for column in params:
        rows = table[table["parameter"] == column]
        assert len(rows) == 7
        assert rows["n"].sum() == 997
        assert rows["agreed"].sum() == int(records["agreed"].sum())
        assert (rows["low"].diff().dropna() > 0).all()
    # the synthetic records make agreement likelier with war cost
    war = table[table["parameter"] == params[0]]["p_agreement"].to_numpy()
    assert war[-1] - war[0] > 0.3


def test_driver_table_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="param.nope"):
        driver_table(make_records(10), ["param.nope"])


# --------------------------------------------------------------------------------------------
# Loading results folders


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_results(
        tmp_path_factory.mktemp("sweep"),
        [
            {"n": 300, "p_agree": 0.4, "factors": {"actors.russia.war_cost": 0.05}},
            {"n": 200, "p_agree": 0.7, "factors": {"actors.russia.war_cost": 0.35}},
        ],
    )


def test_load_results_reads_records_manifest_and_scenarios(sweep: Path) -> None:
    results = load_results(sweep)
    assert len(results.runs) == 500
    assert results.cell_ids == [0, 1]
    assert "extra_column_from_the_future" in results.runs.columns
    assert results.manifest["something_new"] == [1, 2, 3]
    assert isinstance(results.scenarios["alaska-test"], Scenario)
    assert results.name == "test-sweep"
    assert results.description.startswith("Does raising")
    assert results.issues == ["territory", "neutrality", "rearmament", "sanctions"]
    assert results.actors == ["russia", "us", "ukraine", "nato"]
    assert results.param_columns == [
        "param.actors.russia.war_cost",
        "param.protocol.breakdown_probability",
    ]
    assert results.cell_label(1) == "1: russia.war_cost=0.35"
    assert results.runs["agreed"].dtype == bool


def test_cell_scenario_carries_its_factor_values(sweep: Path) -> None:
    results = load_results(sweep)
    assert results.scenario_for(0).actors["russia"].war_cost == 0.05
    assert results.scenario_for(1).actors["russia"].war_cost == 0.35
    assert results.base_scenario(1).actors["russia"].war_cost == 0.1


def test_display_scenario_ignores_factors_that_do_not_apply() -> None:
    scenario = Scenario.model_validate(scenario_dict())
    same = display_scenario(scenario, {"experiment.nonsense": 3, "actors.nobody.war_cost": 0.2})
    assert same == scenario
    changed = display_scenario(scenario, {"protocol.max_rounds": 7})
    assert changed.protocol.max_rounds == 7
    invalid = display_scenario(scenario, {"protocol.max_rounds": -1})
    assert invalid == scenario


def test_results_summarize_and_select(sweep: Path) -> None:
    results = load_results(sweep)
    summaries = results.summarize()
    assert [s["n"] for s in summaries] == [300, 200]
    assert summaries[1]["label"] == "1: russia.war_cost=0.35"
    only = results.select([1])
    assert only.cell_ids == [1] and len(only.runs) == 200
    assert [c.cell for c in only.cells] == [1]
    with pytest.raises(ResultsError, match="no cell 5"):
        results.select([5])


def test_load_results_accepts_the_parquet_file_and_a_frame_without_cells(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "r", [{"n": 50}])
    runs = pd.read_parquet(folder / "runs.parquet").drop(columns="cell")
    runs.to_parquet(folder / "runs.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["cells"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    results = load_results(folder / "runs.parquet")
    assert results.cell_ids == [0]
    assert results.cell_info(0).scenario == "alaska-test"
    assert results.cell_label(0) == "alaska-test"


def _broken(tmp_path: Path, how: str) -> Path:
    folder = write_results(tmp_path / how, [{"n": 20}])
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if how == "no-manifest":
        manifest_path.unlink()
    elif how == "no-runs":
        (folder / "runs.parquet").unlink()
    elif how == "bad-json":
        manifest_path.write_text('{\n  "seed": 7,\n  "scenarios": {,\n}')
    elif how == "bad-scenario":
        manifest["scenarios"]["alaska-test"]["actors"]["russia"]["war_cost"] = 3.0
        manifest_path.write_text(json.dumps(manifest))
    elif how == "no-scenarios":
        del manifest["scenarios"]
        manifest_path.write_text(json.dumps(manifest))
    elif how == "unknown-scenario":
        manifest["cells"][0]["scenario"] = "elsewhere"
        manifest_path.write_text(json.dumps(manifest))
    elif how == "missing-column":
        pd.read_parquet(folder / "runs.parquet").drop(columns="agreed").to_parquet(
            folder / "runs.parquet"
        )
    elif how == "corrupt-parquet":
        (folder / "runs.parquet").write_bytes(b"not a parquet file")
    return folder


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("no-manifest", "no manifest.json"),
        ("no-runs", "no runs.parquet"),
        ("bad-json", r"manifest.json:3: invalid JSON"),
        ("bad-scenario", r"scenarios.alaska-test.actors.russia.war_cost"),
        ("no-scenarios", "'scenarios' must map"),
        ("unknown-scenario", "names scenario 'elsewhere'"),
        ("missing-column", "missing column.*agreed"),
        ("corrupt-parquet", "cannot read parquet"),
    ],
)
def test_load_results_explains_what_is_wrong(tmp_path: Path, how: str, message: str) -> None:
    with pytest.raises(ResultsError, match=message):
        load_results(_broken(tmp_path, how))


def test_load_results_of_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="no such directory"):
        load_results(tmp_path / "nowhere")
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(ResultsError, match="not a directory"):
        load_results(afile)


def test_analysis_does_not_import_matplotlib() -> None:
    code = (
        "import sys, sim.analysis.results, sim.analysis.compare, sim.output.report, sim.output.palette, "
        "sim.cli.plot, sim.cli.report, sim.cli.compare; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_summary_of_synthetic_records_recovers_the_rate() -> None:
    records = make_records(20_000, p_agree=0.6, seed=11)
    (summary,) = summarize(records, ["territory"], ["russia"])
    low, high = summary["ci95"]
    assert low < 0.6 < high
    assert math.isclose(summary["p_agreement"] or 0.0, records["agreed"].mean())


def test_rank_drivers_puts_the_parameter_that_moves_agreement_first() -> None:
    records = make_records(2000, seed=8)
    records["param.constant"] = 0.5
    ranked = rank_drivers(
        records,
        ["param.protocol.breakdown_probability", "param.constant", "param.actors.russia.war_cost"],
    )
    assert [name for name, _ in ranked] == [
        "param.actors.russia.war_cost",
        "param.protocol.breakdown_probability",
        "param.constant",
    ]
    assert ranked[0][1] > 0.3
    assert ranked[1][1] < 0.1
    assert ranked[2][1] == 0.0


def test_rank_drivers_works_within_cells() -> None:
    # Across cells the parameter and agreement both change, but within each cell the parameter
    # is unrelated to agreement: no driver.
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "cell": np.repeat([0, 1], 500),
            "agreed": np.concatenate([rng.uniform(size=500) < 0.2, rng.uniform(size=500) < 0.8]),
            "param.x": np.concatenate([rng.uniform(0, 1, 500), rng.uniform(5, 6, 500)]),
        }
    )
    ((_, score),) = rank_drivers(frame, ["param.x"])
    assert score < 0.15
