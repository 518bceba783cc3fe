"""A batch of independent worlds: the scenario's numbers as arrays with a leading world axis.

Everything a Monte Carlo sweep may vary is an array here, shape (N,) per world, (N, A) per actor or
(N, K) per issue, (N, A, K) per actor and issue.  What defines the game's structure (who holds a
veto, utility shapes, strategy kinds, the protocol) is shared by the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.anticipated_reneging import keeping_thresholds, table_ratifiers
from sim.core.clock import Clock
from sim.core.decision import quota_share
from sim.core.fields import ACTOR_FIELDS, DYNAMICS_FIELDS, PROTOCOL_FIELDS
from sim.core.private_values import PrivateValue, draw_truths, private_values_of
from sim.core.ratification import Ratifiers
from sim.errors import OverrideError, Problem
from sim.scenario.schema import Scenario

OVERRIDE_SOURCE = "per-world overrides"


@dataclass(frozen=True)
class Structure:
    """What every world of a batch shares: names, veto players, utility shapes and the protocol."""

    issues: tuple[str, ...]
    actors: tuple[str, ...]
    veto: BoolArray  # (A,)
    linear: BoolArray  # (A,)
    equilibrium: BoolArray  # (A,)
    alternating: bool
    order: IntArray  # proposer order for the alternating protocol
    max_rounds: int
    mediated: bool = False
    mediator: int | None = None  # the mediating actor's index (mediated protocol); None: neutral
    mediation_step: float = 0.05
    quota_share: float = 0.0  # capability share a deal needs besides the vetoes (0: unanimity)
    clock: Clock = Clock()  # weeks per round and the concession deadline
    fighting: bool = False  # a round without a deal yields the war's flow payoff
    private: tuple[PrivateValue, ...] = ()  # private no-deal values and the others' beliefs
    ratifiers: Ratifiers | None = None  # domestic ratifiers (thresholds: the batch's, per world)
    # and, with implementation.anticipated, the table's anticipated-only bodies after them

    @classmethod
    def of(cls, scenario: Scenario) -> Structure:
        """The structure of ``scenario``."""
        actors = tuple(scenario.actors)
        specs = list(scenario.actors.values())
        order = scenario.protocol.order or list(actors)
        return cls(
            issues=tuple(scenario.issues),
            actors=actors,
            veto=np.array([a.veto for a in specs], dtype=bool),
            linear=np.array([a.utility == "linear" for a in specs], dtype=bool),
            equilibrium=np.array([a.strategy.kind == "equilibrium" for a in specs], dtype=bool),
            alternating=scenario.protocol.kind == "alternating",
            order=np.array([actors.index(name) for name in order], dtype=np.int64),
            max_rounds=scenario.protocol.max_rounds,
            mediated=scenario.protocol.kind == "mediated",
            mediator=(
                None
                if scenario.protocol.mediator is None
                else actors.index(scenario.protocol.mediator)
            ),
            mediation_step=scenario.protocol.mediation_step,
            quota_share=quota_share(scenario.protocol.quota, len(actors)),
            clock=Clock(
                round_weeks=scenario.protocol.round_weeks,
                deadline_weeks=scenario.protocol.deadline_weeks,
                max_rounds=scenario.protocol.max_rounds,
            ),
            fighting=scenario.protocol.fighting,
            private=private_values_of(scenario),
            ratifiers=table_ratifiers(scenario),
        )

    @property
    def listened(self) -> BoolArray:
        """Whose acceptance can matter: the veto players, or everybody under a quota."""
        if self.quota_share > 0:
            return np.ones(len(self.actors), dtype=bool)
        return self.veto


@dataclass
class WorldBatch:
    """The per-world numbers of N independent negotiations (N = len(worlds))."""

    structure: Structure
    seed: int
    worlds: IntArray  # (N,) world indices: a world's draws depend only on (seed, world index)
    position: FloatArray  # (N, A, K) ideal points
    salience: FloatArray  # (N, A, K) saliences, each actor's summing to 1
    capability: FloatArray  # (N, A)
    reservation: FloatArray  # (N, A) explicit no-deal utility, NaN where derived
    war_cost: FloatArray  # (N, A) cost of no deal per round (a flow: per week = per round)
    discount: FloatArray  # (N, A) delta per round (the scenario's is per week)
    beta: FloatArray  # (N, A) concession exponent
    endurance: FloatArray  # (N, A) accumulated war cost of full concession, NaN: deadline clock
    status_quo: FloatArray  # (N, K) at the start of the talks
    drift: FloatArray  # (N, K) status-quo drift per round (the scenario's is per week)
    volatility: FloatArray  # (N, K) status-quo volatility per round (the scenario's: per week)
    recognition: FloatArray  # (N, A) probability of being recognised as proposer
    breakdown: FloatArray  # (N,) probability that talks collapse after a failed round
    refusal_breakdown: FloatArray  # (N,) further probability that a refused offer ends the talks
    ratifier_threshold: FloatArray  # (N, R) each domestic ratifier's 50:50 utility
    reneging_cost: FloatArray  # (N, A) what reneging on an implemented deal costs each actor

    @property
    def size(self) -> int:
        """The number of worlds N."""
        return int(self.worlds.shape[0])

    @property
    def refused_breakdown(self) -> FloatArray:
        """(N,) probability that a round whose offer was refused ends the talks:
        h + q (1 - h) = 1 - (1 - h)(1 - q), exactly h where q = 0 (Binmore, Rubinstein &
        Wolinsky 1986: the exogenous risk follows a rejection)."""
        result: FloatArray = self.breakdown + self.refusal_breakdown * (1.0 - self.breakdown)
        return result

    def take(self, rows: IntArray) -> WorldBatch:
        """The sub-batch of the given rows (copies)."""
        fields = {
            name: np.take(getattr(self, name), rows, axis=0)  # faster than [rows], the same
            for name in (
                "worlds",
                "position",
                "salience",
                "capability",
                "reservation",
                "war_cost",
                "discount",
                "beta",
                "endurance",
                "status_quo",
                "drift",
                "volatility",
                "recognition",
                "breakdown",
                "refusal_breakdown",
                "ratifier_threshold",
                "reneging_cost",
            )
        }
        return WorldBatch(structure=self.structure, seed=self.seed, **fields)


def build_batch(
    scenario: Scenario,
    worlds: ArrayLike,
    *,
    seed: int | None = None,
    overrides: Mapping[str, ArrayLike] | None = None,
) -> WorldBatch:
    """Tile the scenario's numbers over the given worlds and apply per-world overrides.

    ``overrides`` maps a scenario field path (``actors.russia.war_cost``,
    ``actors.ukraine.position.territory``, ``actors.us.salience`` for a whole (N, K) table,
    ``issues.territory.status_quo``, ``dynamics.territory.drift``, ``protocol.breakdown_probability``,
    ``protocol.refusal_breakdown``, ``protocol.recognition.russia``,
    ``ratification.ratifiers.us_congress.threshold``,
    ``implementation.reneging_cost.russia``, ...) to an array with one value (or row) per world.
    An override of an actor's private value sets its truth in those worlds.  Per-week numbers
    (discount, breakdown hazard, drift, volatility) are converted to per-round ones last.
    """
    structure = Structure.of(scenario)
    world_index = np.atleast_1d(np.asarray(worlds, dtype=np.int64))
    n = world_index.shape[0]
    issues = structure.issues
    specs = list(scenario.actors.values())

    def per_actor(values: list[float]) -> FloatArray:
        return np.tile(np.array(values, dtype=np.float64), (n, 1))

    def per_issue(values: list[float]) -> FloatArray:
        return np.tile(np.array(values, dtype=np.float64), (n, 1))

    batch = WorldBatch(
        structure=structure,
        seed=scenario.seed if seed is None else int(seed),
        worlds=world_index,
        position=np.tile(
            np.array([[a.position[k] for k in issues] for a in specs], dtype=np.float64),
            (n, 1, 1),
        ),
        salience=np.tile(
            np.array([[a.salience[k] for k in issues] for a in specs], dtype=np.float64),
            (n, 1, 1),
        ),
        capability=per_actor([a.capability for a in specs]),
        reservation=per_actor([np.nan if a.reservation is None else a.reservation for a in specs]),
        war_cost=per_actor([a.war_cost for a in specs]),
        discount=per_actor([a.discount for a in specs]),
        beta=per_actor([a.strategy.beta for a in specs]),
        endurance=per_actor(
            [np.nan if a.strategy.endurance is None else a.strategy.endurance for a in specs]
        ),
        status_quo=per_issue([scenario.issues[k].status_quo for k in issues]),
        drift=per_issue(
            [scenario.dynamics[k].drift if k in scenario.dynamics else 0.0 for k in issues]
        ),
        volatility=per_issue(
            [scenario.dynamics[k].volatility if k in scenario.dynamics else 0.0 for k in issues]
        ),
        recognition=per_actor(_recognition_weights(scenario)),
        breakdown=np.full(n, scenario.protocol.breakdown_probability, dtype=np.float64),
        refusal_breakdown=np.full(n, scenario.protocol.refusal_breakdown, dtype=np.float64),
        ratifier_threshold=np.tile(np.array(_ratifier_thresholds(scenario)), (n, 1)),
        reneging_cost=per_actor(_reneging_costs(scenario)),
    )
    truths = draw_truths(structure.private, batch.seed, world_index, len(specs))
    for value in structure.private:
        target = batch.war_cost if value.field == "war_cost" else batch.reservation
        target[:, value.actor] = truths[value.actor]
    for path, values in (overrides or {}).items():
        apply = _apply_commitment_override if path.startswith(_COMMITMENT) else _apply_override
        apply(batch, scenario, path, np.asarray(values, dtype=np.float64))
    _normalise_recognition(batch, scenario)
    _per_round(batch)
    if structure.ratifiers is not None and structure.ratifiers.anticipated:
        keeping = keeping_thresholds(
            scenario, batch.war_cost, batch.reservation, batch.reneging_cost
        )
        batch.ratifier_threshold = np.concatenate([batch.ratifier_threshold, keeping], axis=1)
    return batch


def _per_round(batch: WorldBatch) -> None:
    """Convert the scenario's weekly numbers to per-round ones (identity for one-week rounds)."""
    clock = batch.structure.clock
    batch.discount = clock.discount(batch.discount)
    batch.breakdown = clock.breakdown(batch.breakdown)
    batch.drift = clock.drift(batch.drift)
    batch.volatility = clock.volatility(batch.volatility)


def _ratifier_thresholds(scenario: Scenario) -> list[float]:
    """Each domestic ratifier's threshold, in the scenario's order (none without ratification)."""
    section = scenario.ratification
    return [] if section is None else [b.threshold for b in section.ratifiers.values()]


def _reneging_costs(scenario: Scenario) -> list[float]:
    """Each actor's reneging cost in the implementation phase (0 where none is given)."""
    section = scenario.implementation
    costs = {} if section is None else section.reneging_cost
    return [costs.get(name, 0.0) for name in scenario.actors]


def _recognition_weights(scenario: Scenario) -> list[float]:
    """Unnormalised recognition weights; capability-based ones are filled in after overrides."""
    recognition = scenario.protocol.recognition
    if isinstance(recognition, Mapping):
        return [recognition.get(name, 0.0) for name in scenario.actors]
    return [1.0] * len(scenario.actors)


def _normalise_recognition(batch: WorldBatch, scenario: Scenario) -> None:
    if scenario.protocol.recognition == "capability":
        batch.recognition[:] = batch.capability
    total = batch.recognition.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise _override_error(
            "protocol.recognition", "recognition weights sum to zero in some world"
        )
    batch.recognition /= total


def _apply_override(batch: WorldBatch, scenario: Scenario, path: str, values: FloatArray) -> None:
    parts = path.split(".")
    n = batch.size
    issues, actors = batch.structure.issues, batch.structure.actors

    def expect(shape: tuple[int, ...]) -> FloatArray:
        if values.shape != shape:
            raise _override_error(path, f"expected an array of shape {shape}, got {values.shape}")
        return values

    def index(names: tuple[str, ...], name: str, kind: str) -> int:
        if name not in names:
            raise _override_error(path, f"unknown {kind} '{name}'")
        return names.index(name)

    head = parts[0]
    if head == "actors" and len(parts) >= 3:
        a = index(actors, parts[1], "actor")
        field = ".".join(parts[2:])
        if field in ACTOR_FIELDS:
            getattr(batch, ACTOR_FIELDS[field][0])[:, a] = expect((n,))
            return
        if parts[2] in ("position", "salience"):
            table = getattr(batch, parts[2])
            if len(parts) == 3:
                table[:, a, :] = expect((n, len(issues)))
            elif len(parts) == 4:
                table[:, a, index(issues, parts[3], "issue")] = expect((n,))
            else:
                raise _override_error(path, "not a per-world field")
            return
    elif head == "issues" and len(parts) == 3 and parts[2] == "status_quo":
        batch.status_quo[:, index(issues, parts[1], "issue")] = expect((n,))
        return
    elif head == "dynamics" and len(parts) == 3 and parts[2] in DYNAMICS_FIELDS:
        getattr(batch, parts[2])[:, index(issues, parts[1], "issue")] = expect((n,))
        return
    elif head == "protocol" and len(parts) == 2 and parts[1] in PROTOCOL_FIELDS:
        getattr(batch, PROTOCOL_FIELDS[parts[1]][0])[:] = expect((n,))
        return
    elif head == "protocol" and len(parts) == 3 and parts[1] == "recognition":
        if not isinstance(scenario.protocol.recognition, Mapping):
            raise _override_error(path, "the scenario's recognition is not given per actor")
        batch.recognition[:, index(actors, parts[2], "actor")] = expect((n,))
        return
    raise _override_error(path, "not a field that can vary per world")


_COMMITMENT = ("ratification.", "implementation.")
"""Override paths into the sections after the signature (ratification, implementation)."""


def _apply_commitment_override(
    batch: WorldBatch, scenario: Scenario, path: str, values: FloatArray
) -> None:
    """A ratifier's threshold or an actor's reneging cost, per world."""
    parts = path.split(".")
    if values.shape != (batch.size,):
        raise _override_error(
            path, f"expected an array of shape {(batch.size,)}, got {values.shape}"
        )
    if len(parts) == 4 and (parts[0], parts[1], parts[3]) == (
        "ratification",
        "ratifiers",
        "threshold",
    ):
        names = () if scenario.ratification is None else tuple(scenario.ratification.ratifiers)
        if parts[2] not in names:
            raise _override_error(path, f"unknown ratifier '{parts[2]}'")
        batch.ratifier_threshold[:, names.index(parts[2])] = values
    elif len(parts) == 3 and parts[:2] == ["implementation", "reneging_cost"]:
        if scenario.implementation is None:
            raise _override_error(path, "the scenario has no implementation phase")
        if parts[2] not in batch.structure.actors:
            raise _override_error(path, f"unknown actor '{parts[2]}'")
        batch.reneging_cost[:, batch.structure.actors.index(parts[2])] = values
    else:
        raise _override_error(path, "not a field that can vary per world")


def _override_error(path: str, message: str) -> OverrideError:
    """The error for a per-world override the batch cannot take."""
    return OverrideError([Problem(OVERRIDE_SOURCE, None, path, message)])
