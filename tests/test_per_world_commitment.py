"""Ratifier thresholds and reneging costs varied per world equal the scenario with that value."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.batch import build_batch
from sim.core.fields import sampleable_fields
from sim.core.runner import run_batch
from sim.errors import OverrideError
from sim.scenario.loader import load_scenario

WORLDS = np.arange(200)


@pytest.mark.parametrize(
    ("path", "low", "high", "column"),
    [
        # a lenient and a hawkish Congress: the hawkish one rejects more signed deals
        ("ratification.ratifiers.us_congress.threshold", 0.90, 0.99, "ratified"),
        # reneging free or dear for Moscow, the party that reneges in the baseline's worlds (Kyiv
        # reneges in none of the first 1,000 at either cost): a dear exit keeps more deals
        ("implementation.reneging_cost.russia", 0.0, 0.3, "durable"),
    ],
)
def test_a_per_world_value_equals_the_scenario_set_to_it_world_by_world(
    path: str, low: float, high: float, column: str
) -> None:
    base = load_scenario("alaska-summit")
    values = np.where(WORLDS % 2 == 0, low, high)
    mixed = run_batch(base, WORLDS, overrides={path: values})
    rates = {}
    for value in (low, high):
        rows = values == value
        alone = run_batch(load_scenario("alaska-summit", [f"{path}={value}"]), WORLDS)
        for name, expected in alone.items():
            np.testing.assert_array_equal(mixed[name][rows], expected[rows], err_msg=name)
        rates[value] = float(np.mean(alone[column]))
    # The field is read: the two values give different outcomes (in the expected direction),
    # on the same worlds (common random numbers: 100 worlds a side were too few to tell).
    if column == "ratified":
        assert rates[low] > rates[high]
    else:
        assert rates[high] > rates[low]


def test_the_new_fields_are_sampleable_with_their_ranges_and_bad_names_are_refused() -> None:
    scenario = load_scenario("alaska-summit")
    fields = sampleable_fields(scenario)
    congress = fields["ratification.ratifiers.us_congress.threshold"]
    assert congress.base == (0.97,) and (congress.range.low, congress.range.high) == (-1.0, 1.0)
    assert fields["implementation.reneging_cost.ukraine"].base == (0.02,)
    with pytest.raises(OverrideError, match="unknown ratifier 'us_senate'"):
        build_batch(
            scenario,
            WORLDS[:3],
            overrides={"ratification.ratifiers.us_senate.threshold": np.zeros(3)},
        )


def test_a_refused_override_keeps_its_message_across_processes() -> None:
    # A sweep worker raises it; the parent prints it (it once arrived one character per line).
    import pickle

    with pytest.raises(OverrideError) as caught:
        build_batch(
            load_scenario("alaska-summit"),
            WORLDS[:2],
            overrides={"implementation.reneging_cost.kremlin": np.zeros(2)},
        )
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is OverrideError and again.problems == caught.value.problems
    assert str(again) == str(caught.value) and "unknown actor 'kremlin'" in str(again)
