"""The JSON Schema of the experiment file, for editors."""

from __future__ import annotations

from typing import Any

from sim.experiment.spec import ExperimentSpec
from sim.scenario.json_schema import described_schema


def experiment_schema() -> dict[str, Any]:
    """The JSON Schema of an experiment file (:class:`~sim.experiment.spec.ExperimentSpec`)."""
    return described_schema(ExperimentSpec, "Parley experiment")
