"""``parley run``: the summary, --json, --out files, --set, --seed/--world and bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from matplotlib import image

from sim.cli.run import command
from sim.core.records import record_from_columns
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "alaska-summit.yaml"
NASH = ROOT / "scenarios" / "textbook" / "nash-split.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RECORD_KEYS = {
    "scenario",
    "seed",
    "world",
    "agreed",
    "end_reason",
    "round",
    "proposer",
    "terms",
    "utilities",
    "reservation",
    "gains",
    "failure",
    "offers",
    "rejections",
    "weeks",
    "signed",
    "ratified",
    "rejected_by",
    "durable",
    "collapse_period",
    "reneged_by",
}


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(command, [str(arg) for arg in args])
    # bad input ends in a clean exit, never an exception with a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_summary_names_the_deal_and_every_actor(tmp_path: Path) -> None:
    result = run(NASH, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    text = result.stdout
    # nash-split: both concede linearly; the deal comes in round 14 of 20
    assert "DEAL in round 14 of 20" in text and "NO DEAL" not in text
    assert "Player a" in text and "Player b" in text
    assert "share" in text
    assert str(tmp_path / "record.json") in text


def test_summary_of_a_failed_negotiation(tmp_path: Path) -> None:
    """Reservations 0.8 + 0.3 > 1: no split beats no deal for both, so no deal by the deadline."""
    result = run(NASH, "--out", tmp_path, "--set", "actors.a.reservation=0.8")
    assert result.exit_code == 0, result.output
    assert "NO DEAL by the deadline (round 20)" in result.stdout
    assert "Player a" in result.stdout and "Player b" in result.stdout
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["agreed"] is False and record["end_reason"] == "deadline"
    assert record["terms"] == {"share": None} and record["proposer"] is None


def test_summary_names_every_baseline_actor(tmp_path: Path) -> None:
    result = run(BASELINE, "--out", tmp_path, "--world", "2")
    assert result.exit_code == 0, result.output
    assert "DEAL" in result.stdout  # "DEAL in round ..." or "NO DEAL ..."
    for actor in load_scenario(BASELINE).actors.values():
        assert actor.name in result.stdout


def test_json_record(tmp_path: Path) -> None:
    result = run(NASH, "--json", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)  # stdout is the JSON and nothing else
    assert set(record) == RECORD_KEYS
    assert record["scenario"] == "nash-split" and record["seed"] == 0 and record["world"] == 0
    assert record["agreed"] is True and record["end_reason"] == "agreement"
    assert record["round"] == 14 and record["proposer"] == "b"
    assert set(record["terms"]) == {"share"}
    for table in ("utilities", "reservation", "gains"):
        assert set(record[table]) == {"a", "b"}
    assert record["reservation"] == {"a": 0.2, "b": 0.3}
    assert record["utilities"]["a"] == pytest.approx(record["terms"]["share"])
    for actor in ("a", "b"):
        gain = record["utilities"][actor] - record["reservation"][actor]
        assert record["gains"][actor] == pytest.approx(gain, abs=1e-15)


def test_out_writes_record_trajectory_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "run"
    result = run(NASH, "--json", "--out", out)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "record.json").read_text()) == json.loads(result.stdout)
    with (out / "trajectory.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [int(row["round"]) for row in table] == list(range(1, 15))
    for column in (
        "proposer",
        "offered",
        "accepted",
        "status_quo.share",
        "offer.share",
        "threshold.a",
        "threshold.b",
        "offer_utility.a",
        "reservation.b",
    ):
        assert column in table[0], column
    assert [row["accepted"] for row in table] == ["False"] * 13 + ["True"]
    assert float(table[0]["threshold.a"]) == 1.0  # everybody starts demanding its ideal
    assert float(table[-1]["offer.share"]) == pytest.approx(
        json.loads(result.stdout)["terms"]["share"]
    )
    png = (out / "trajectory.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    pixels = image.imread(out / "trajectory.png")
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert float(np.ptp(pixels)) > 0  # not a blank image


def test_default_out_folder_is_results_scenario_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(NASH)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "results" / "nash-split"
    assert sorted(path.name for path in folder.iterdir()) == [
        "record.json",
        "trajectory.csv",
        "trajectory.png",
    ]


def test_set_changes_the_result(tmp_path: Path) -> None:
    plain = json.loads(run(NASH, "--json", "--out", tmp_path / "plain").stdout)
    changed = run(NASH, "--json", "--out", tmp_path / "set", "--set", "actors.b.reservation=0.4")
    assert changed.exit_code == 0, changed.output
    record = json.loads(changed.stdout)
    assert record["reservation"]["b"] == 0.4
    assert record["terms"]["share"] < plain["terms"]["share"]  # a tougher b keeps more


def test_bad_set_path_exits_2_with_a_hint(tmp_path: Path) -> None:
    result = run(NASH, "--out", tmp_path, "--set", "actors.a.reservaton=0.4")
    assert result.exit_code == 2
    assert "reservaton" in result.stderr
    assert "did you mean 'reservation'" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "record.json").exists()


def test_bad_set_value_exits_2(tmp_path: Path) -> None:
    result = run(NASH, "--out", tmp_path, "--set", "actors.a.salience.share=0.5")
    assert result.exit_code == 2
    assert "salience" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path / "no-such-scenario.yaml", "--out", tmp_path)
    assert result.exit_code == 2
    assert "no-such-scenario" in result.stderr
    assert result.stdout == ""


def test_negative_seed_is_refused(tmp_path: Path) -> None:
    result = run(NASH, "--seed", "-1", "--out", tmp_path)
    assert result.exit_code == 2


def test_world_json_equals_the_batch_row(tmp_path: Path) -> None:
    scenario = load_scenario(BASELINE)
    columns = run_batch(scenario, np.arange(200, dtype=np.int64))
    for world in (0, 137):
        result = run(BASELINE, "--json", "--world", str(world), "--out", tmp_path / str(world))
        assert result.exit_code == 0, result.output
        expected = record_from_columns(columns, world, scenario=scenario.name)
        assert json.loads(result.stdout) == expected
    # and with an explicit seed, the row of the batch run with that seed
    seeded = run_batch(scenario, np.arange(138, dtype=np.int64), seed=99)
    result = run(BASELINE, "--json", "--world", "137", "--seed", "99", "--out", tmp_path / "s")
    assert json.loads(result.stdout) == record_from_columns(seeded, 137, scenario=scenario.name)
