"""The hand-written hostile cases (tests/hostile_cases.py) through ``parley``, in process.

Every case must exit 2 with a message (or, where the table allows it, 0 with finite outputs),
with no traceback, within the time and memory budget, and without printing any line of the file
outside the project.  Damaged results folders are made from one small finished sweep.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fuzzgen import damage_results
from fuzzkit import Case, judge, run_in_process
from hostile_cases import CASES, RESULTS_CASES, ROOT_CAUSE_CASES


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    outcome = run_in_process(case, tmp_path)
    assert judge(outcome) == [], outcome.output[-2000:] + outcome.traceback[-3000:]


@pytest.mark.parametrize("case", ROOT_CAUSE_CASES, ids=[case.name for case in ROOT_CAUSE_CASES])
def test_only_the_root_cause_is_reported(case: Case, tmp_path: Path) -> None:
    outcome = run_in_process(case, tmp_path)
    assert judge(outcome) == [], outcome.output[-2000:] + outcome.traceback[-3000:]
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1, outcome.output
    assert "actors.a.war_cost:" in lines[0], outcome.output
    assert "centre on" not in outcome.output


@pytest.mark.parametrize(
    ("damage", "args"),
    [(damage, args) for _, damage, args in RESULTS_CASES],
    ids=[name for name, _, _ in RESULTS_CASES],
)
def test_damaged_results(
    damage: str, args: tuple[str, ...], finished_sweep: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(finished_sweep, project)
    damage_results(project / "out", damage)
    outcome = run_in_process(Case(damage, args, {}, "reject"), tmp_path)
    assert judge(outcome) == [], outcome.output[-2000:] + outcome.traceback[-3000:]
