"""The two-party linear pie the theory and strategy tests bargain over: ``share`` is a's share."""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import Scenario


def pie(
    a: dict[str, Any],
    b: dict[str, Any],
    protocol: dict[str, Any],
    *,
    status_quo: float = 0.5,
    name: str = "pie",
    others: dict[str, dict[str, Any]] | None = None,
) -> Scenario:
    """Two parties splitting a unit pie: a wants 1, b wants 0, both with linear utility.

    ``others`` adds further actors (say, a party without a veto) by key.
    """
    return Scenario.model_validate(
        {
            "name": name,
            "issues": {
                "share": {
                    "low": "b takes it all",
                    "high": "a takes it all",
                    "status_quo": status_quo,
                }
            },
            "actors": {
                "a": {
                    "name": "A",
                    "utility": "linear",
                    "position": {"share": 1.0},
                    "salience": {"share": 1.0},
                    **a,
                },
                "b": {
                    "name": "B",
                    "utility": "linear",
                    "position": {"share": 0.0},
                    "salience": {"share": 1.0},
                    **b,
                },
                **(others or {}),
            },
            "protocol": protocol,
        }
    )
