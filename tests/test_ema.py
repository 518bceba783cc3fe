"""The EMA Workbench adapter: a whole design in one batched call, the same outcomes as EMA's own
one-call-per-experiment evaluator, and outcomes EMA's analysis tools accept."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sim.ema
from sim.ema import ParleyEvaluator, default_outcomes, parley_model
from sim.scenario.loader import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import RealParameter, SequentialEvaluator
    from ema_workbench.analysis import prim
    from ema_workbench.em_framework.samplers import sample_uncertainties

EXPERIMENTS = 24


def _model() -> sim.ema.ParleyModel:
    return parley_model(
        "alaska-summit",
        [
            RealParameter("protocol.breakdown_probability", 0.0, 0.1),
            RealParameter("actors.russia.strategy.beta", 0.1, 5.0),
            # Moscow concedes as the war hurts it (its endurance): a costlier war, some deals.
            RealParameter("actors.russia.war_cost", 0.02, 0.2),
        ],
    )


def test_a_design_is_one_batch_and_equals_emas_own_evaluator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = sim.ema.run_batch

    def counting(scenario, worlds, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(worlds))
        return real(scenario, worlds, **kwargs)

    monkeypatch.setattr(sim.ema, "run_batch", counting)
    design = list(sample_uncertainties(_model(), EXPERIMENTS))  # one design for both
    with ParleyEvaluator(_model()) as evaluator:
        batched, batched_outcomes = evaluator.perform_experiments(scenarios=design)
    assert calls == [EXPERIMENTS]  # one call for the whole design

    calls.clear()
    with SequentialEvaluator(_model()) as evaluator:
        one_by_one, outcomes = evaluator.perform_experiments(scenarios=design)
    assert calls == [1] * EXPERIMENTS
    pd.testing.assert_frame_equal(batched, one_by_one)
    names = default_outcomes(load_scenario("alaska-summit"))
    assert set(batched_outcomes) == set(outcomes) == set(names)
    for name in names:
        np.testing.assert_array_equal(batched_outcomes[name], outcomes[name])
    assert 0 < batched_outcomes["agreed"].sum() < EXPERIMENTS  # the design spans both outcomes


def test_outcomes_are_the_runs_of_those_parameters() -> None:
    with ParleyEvaluator(_model()) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=8)
    for i in range(8):
        changes = [
            f"protocol.breakdown_probability={experiments['protocol.breakdown_probability'][i]:.17g}",
            f"actors.russia.strategy.beta={experiments['actors.russia.strategy.beta'][i]:.17g}",
        ]
        # Moscow's war cost is private: a per-world override sets its truth, as EMA's does.
        cost = {"actors.russia.war_cost": [experiments["actors.russia.war_cost"][i]]}
        one = sim.ema.run_batch(
            load_scenario("alaska-summit", changes), np.array([0]), overrides=cost
        )
        assert outcomes["agreed"][i] == float(one["agreed"][0])
        assert outcomes["round"][i] == float(one["round"][0])


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # EMA 2.5.3's prim on pandas 3
def test_emas_prim_reads_the_outcomes() -> None:
    with ParleyEvaluator(_model()) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=200)
    agreed = outcomes["agreed"] > 0.5
    assert 0 < agreed.sum() < len(agreed)
    inputs = experiments[["protocol.breakdown_probability", "actors.russia.strategy.beta"]]
    box = prim.Prim(inputs, agreed, threshold=0.5).find_box()
    assert len(box.peeling_trajectory) >= 1
