"""Hypothesis-generated hostile inputs through ``parley``, in process: mutations of the shipped
scenario and experiment files (numbers made NaN or odd, lines and bytes damaged, bombs planted),
generated scenario documents, ``--set`` values, priors, counts and ``extends`` paths
(tests/fuzzgen.py), the newer fields and commands (private beliefs, ratifiers, the
implementation phase, the clock, forecast, diff: tests/fuzzgen_model.py), and damaged results
folders.

Every case must exit 2 with a message, or 0 with finite outputs where the generator allows it;
no traceback, no hang, no memory blow-up, no line of a file outside the project printed.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import fuzzgen_model
import pytest
from fuzzgen import (
    GENERATORS,
    RESULT_COMMANDS,
    RESULT_DAMAGES,
    damage_results,
)
from fuzzkit import Case, judge, run_in_process
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

EXAMPLES = 2
"""Examples per family in a test run (the campaign, tests/fuzz_campaign.py, runs hundreds)."""
FAMILIES = {**GENERATORS, **fuzzgen_model.GENERATORS}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each case is slow
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_generated_hostile_input(
    family: str, seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = FAMILIES[family](random.Random(seed))
    outcome = run_in_process(case, tmp_path_factory.mktemp("case"))
    assert judge(outcome) == [], f"{case.name}\n{outcome.output[-2000:]}{outcome.traceback[-3000:]}"


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    damage=st.sampled_from(RESULT_DAMAGES),
    command=st.sampled_from(RESULT_COMMANDS),
)
def test_damaged_results_are_refused(
    damage: str,
    command: tuple[str, ...],
    finished_sweep: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("damaged")
    shutil.copytree(finished_sweep, root / "project")
    damage_results(root / "project" / "out", damage)
    outcome = run_in_process(Case(damage, command, {}, "reject"), root)
    assert judge(outcome) == [], f"{damage} {command}\n{outcome.output[-2000:]}"
