"""Same seed => same results, whatever the batch a world runs in (sim.runner, sim.rng).

A world's fate must depend only on (scenario, seed, world index, its own overrides): not on the
batch size, the other worlds in the batch, their order or the chunking of a sweep.  Records are
compared column by column, bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from columns import assert_same_columns, rows

from sim.cli.run import command as run_command
from sim.core.records import Columns, record_from_columns
from sim.core.runner import run_batch, run_single
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "alaska-summit.yaml"
TEXTBOOK = ROOT / "scenarios" / "textbook"
BIG = 20_000
PROBES = (0, 137, 12_345, 19_999)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def big_batch(baseline: Scenario) -> Columns:
    return run_batch(baseline, np.arange(BIG, dtype=np.int64))


# --- the command line ------------------------------------------------------------------------------


def run_json(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(
        run_command, [str(BASELINE), "--json", "--out", str(tmp_path), *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_same_seed_gives_identical_json(tmp_path: Path) -> None:
    first = run_json(tmp_path / "one", "--seed", "7", "--world", "3")
    second = run_json(tmp_path / "two", "--seed", "7", "--world", "3")
    assert first == second
    record = json.loads(first)
    assert record["seed"] == 7 and record["world"] == 3
    # the files written are identical too
    assert (tmp_path / "one" / "record.json").read_text() == (
        tmp_path / "two" / "record.json"
    ).read_text()
    assert (tmp_path / "one" / "trajectory.csv").read_text() == (
        tmp_path / "two" / "trajectory.csv"
    ).read_text()


def test_seed_zero_is_used_and_differs_from_seed_one(tmp_path: Path) -> None:
    zero = json.loads(run_json(tmp_path / "zero", "--seed", "0"))
    one = json.loads(run_json(tmp_path / "one", "--seed", "1"))
    assert zero["seed"] == 0 and one["seed"] == 1
    default = json.loads(run_json(tmp_path / "default"))
    assert default["seed"] == load_scenario(BASELINE).seed != 0
    # the random draws differ: trajectories (proposers, status quo) differ between the seeds
    csv_zero = (tmp_path / "zero" / "trajectory.csv").read_text()
    csv_one = (tmp_path / "one" / "trajectory.csv").read_text()
    assert csv_zero != csv_one


# --- a world in a batch is the same world alone --------------------------------------------------------


def test_a_world_in_a_big_batch_equals_the_world_alone(
    baseline: Scenario, big_batch: Columns
) -> None:
    assert big_batch["world"].tolist() == list(range(BIG))
    for w in PROBES:
        alone = run_batch(baseline, np.array([w], dtype=np.int64))
        assert_same_columns(rows(big_batch, slice(w, w + 1)), alone)
        single = run_single(baseline, world=w)
        assert single.record == record_from_columns(big_batch, w, scenario=baseline.name)
        assert single.record["world"] == w and single.record["seed"] == baseline.seed
        assert len(single.trajectory) == single.record["round"]


def test_the_baseline_batch_is_not_trivial(big_batch: Columns) -> None:
    """Worlds differ (random proposers, breakdowns, war moves): else the equality above is empty."""
    agreed = big_batch["agreed"]
    assert 0.05 < agreed.mean() < 0.95
    assert len(np.unique(big_batch["round"])) > 3
    assert len(np.unique(big_batch["term.territory"][agreed])) > 100


def test_chunks_concatenate_to_the_whole(baseline: Scenario, big_batch: Columns) -> None:
    bounds = [0, 1, 700, 2_048, 3_000]
    parts = [
        run_batch(baseline, np.arange(lo, hi, dtype=np.int64))
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    joined = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    assert_same_columns(joined, rows(big_batch, slice(0, 3_000)))


def test_order_of_worlds_in_a_batch_does_not_matter(baseline: Scenario, big_batch: Columns) -> None:
    order = np.random.default_rng(3).permutation(np.arange(5_000, 5_600, dtype=np.int64))
    shuffled = run_batch(baseline, order)
    assert_same_columns(shuffled, rows(big_batch, order))


def test_different_seeds_give_different_results(baseline: Scenario, big_batch: Columns) -> None:
    other = run_batch(baseline, np.arange(2_000, dtype=np.int64), seed=baseline.seed + 1)
    assert (other["seed"] == baseline.seed + 1).all()
    same = rows(big_batch, slice(0, 2_000))
    assert not np.array_equal(other["agreed"], same["agreed"])
    assert not np.array_equal(other["round"], same["round"])
    # but the same explicit seed reproduces the scenario's default
    again = run_batch(baseline, np.arange(50, dtype=np.int64), seed=baseline.seed)
    assert_same_columns(again, rows(big_batch, slice(0, 50)))


# --- per-world overrides -----------------------------------------------------------------------------


def test_per_world_overrides_follow_their_world(baseline: Scenario) -> None:
    n = 300
    draw = np.random.default_rng(9)
    overrides = {
        "actors.russia.war_cost": draw.uniform(0.0, 0.2, n),
        "actors.us.strategy.beta": draw.uniform(0.3, 3.0, n),
        "issues.territory.status_quo": draw.uniform(0.5, 1.0, n),
        "protocol.breakdown_probability": draw.uniform(0.0, 0.2, n),
    }
    worlds = np.arange(1_000, 1_000 + n, dtype=np.int64)
    batch = run_batch(baseline, worlds, overrides=overrides)
    for i in (0, 57, n - 1):
        mine = {path: values[i : i + 1] for path, values in overrides.items()}
        alone = run_batch(baseline, worlds[i : i + 1], overrides=mine)
        assert_same_columns(rows(batch, slice(i, i + 1)), alone)
        single = run_single(
            baseline, world=int(worlds[i]), overrides={p: float(v[0]) for p, v in mine.items()}
        )
        assert single.record == record_from_columns(batch, i, scenario=baseline.name)
    # and the overrides matter: the same worlds without them end differently
    plain = run_batch(baseline, worlds)
    assert not np.array_equal(plain["round"], batch["round"])


# --- equilibrium textbook scenarios ---------------------------------------------------------------------


def test_random_proposer_textbook_batch_equals_single_runs() -> None:
    scenario = load_scenario(TEXTBOOK / "random-proposer.yaml")
    worlds = np.arange(16, dtype=np.int64)
    batch = run_batch(scenario, worlds)
    assert set(batch["proposer"]) == {"a", "b"}  # both proposers occur: the worlds differ
    for w in (0, 5, 15):
        assert_same_columns(rows(batch, slice(w, w + 1)), run_batch(scenario, worlds[w : w + 1]))
        assert run_single(scenario, world=w).record == record_from_columns(
            batch, w, scenario=scenario.name
        )


def test_random_proposer_textbook_with_per_world_overrides() -> None:
    scenario = load_scenario(TEXTBOOK / "random-proposer.yaml")
    n = 12
    overrides = {
        "protocol.breakdown_probability": np.linspace(0.1, 0.6, n),
        "protocol.recognition.a": np.linspace(0.2, 0.9, n),
        "actors.b.reservation": np.linspace(0.0, 0.3, n),
    }
    worlds = np.arange(n, dtype=np.int64)
    batch = run_batch(scenario, worlds, overrides=overrides)
    for w in (0, 4, 11):
        mine = {path: values[w : w + 1] for path, values in overrides.items()}
        assert_same_columns(
            rows(batch, slice(w, w + 1)), run_batch(scenario, worlds[w : w + 1], overrides=mine)
        )
        single = run_single(scenario, world=w, overrides={p: float(v[0]) for p, v in mine.items()})
        assert single.record == record_from_columns(batch, w, scenario=scenario.name)


@pytest.mark.parametrize(
    ("name", "assignments"),
    [
        ("rubinstein", {"actors.a.discount": 0.6, "actors.b.discount": 0.5}),
        ("breakdown-risk", {"protocol.breakdown_probability": 0.5}),
    ],
)
def test_alternating_textbook_batch_equals_single_runs(
    name: str, assignments: dict[str, float]
) -> None:
    """The textbook files, made less patient so value iteration is quick."""
    scenario = load_scenario(TEXTBOOK / f"{name}.yaml", assignments)
    batch = run_batch(scenario, np.arange(3, dtype=np.int64))
    assert batch["agreed"].all() and (batch["round"] == 1).all()
    for w in (2,):
        assert run_single(scenario, world=w).record == record_from_columns(
            batch, w, scenario=scenario.name
        )


def test_breakdown_risk_with_per_world_overrides_is_batch_independent() -> None:
    """Worlds with different parameters converge separately: a world's equilibrium thresholds do
    not depend on its batch-mates (they once did, through a batch-wide stopping rule)."""
    scenario = load_scenario(
        TEXTBOOK / "breakdown-risk.yaml", {"protocol.breakdown_probability": 0.3}
    )
    overrides = {
        "protocol.breakdown_probability": np.array([0.5, 0.4]),
        "actors.a.reservation": np.array([0.2, 0.3]),
    }
    batch = run_batch(scenario, np.arange(2, dtype=np.int64), overrides=overrides)
    mine = {path: values[:1] for path, values in overrides.items()}
    alone = run_batch(scenario, np.arange(1, dtype=np.int64), overrides=mine)
    assert_same_columns(rows(batch, slice(0, 1)), alone)


def test_the_random_walk_skips_no_draw_that_could_change_a_bit() -> None:
    """Issues without volatility take no shock draw: the status quo is what adding vol * shock
    gives, bit for bit, signed zeros included (a -0 plus a +0 shock is +0)."""
    from sim.core.model import NegotiationModel
    from sim.core.rng import Purpose, normals

    scenario = load_scenario("alaska-summit")
    issues = list(scenario.issues)
    calm = issues[1]  # no dynamics in the scenario: volatility 0
    n = 64
    overrides = {
        f"issues.{calm}.status_quo": np.where(np.arange(n) % 2 == 0, -0.0, 0.3),
        f"dynamics.{calm}.drift": np.full(n, -0.0),
    }
    model = NegotiationModel(scenario, np.arange(n), seed=11, overrides=overrides)
    model.step()
    for round_ in (2, 3):
        rows = np.flatnonzero(model.open)
        batch = model.batch
        shocks = normals(11, batch.worlds[rows], round_, Purpose.DYNAMICS, len(issues))
        moved = model.status_quo[rows] + batch.drift[rows] + batch.volatility[rows] * shocks
        expected = np.clip(moved, 0.0, 1.0)
        model.step()
        assert model.status_quo[rows].tobytes() == expected.tobytes()
        zeros = expected[:, 1][expected[:, 1] == 0.0]
        assert np.signbit(zeros).any() and not np.signbit(zeros).all()  # both signs occur
