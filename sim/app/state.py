"""The page's state: one value per browser session (Solara scopes reactive variables so).

The settings, the refusal shown next to each control and the message
of a scenario that failed to load.  Changes go through :func:`apply_change`, which keeps the
settings as they were and records the refusal when a library check refuses a value, and
starts the new settings' batch of worlds before the page re-renders (:mod:`sim.app.live`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import solara

from sim.app.controls import ValueRefused
from sim.app.live import start_early
from sim.app.rounds import Implementation, Signing, implementation_view, signing_view
from sim.app.server import SCENARIO_VARIABLE
from sim.app.settings import Settings
from sim.core.model import NegotiationModel
from sim.errors import InputError
from sim.scenario.schema import Scenario

DEFAULT_SCENARIO = "alaska-summit"

logger = logging.getLogger(__name__)

settings_state: solara.Reactive[Settings | None] = solara.reactive(None)
refusals: solara.Reactive[dict[str, str]] = solara.reactive({})
load_error = solara.reactive("")


class OneNegotiation(NegotiationModel):
    """One world of the page's current settings, its trajectory recorded: what SolaraViz steps.

    SolaraViz's Reset builds a new model from its parameters; ``current`` reads the session's
    settings at that moment, so Reset always restarts the talks with what the controls show.
    """

    def __init__(self, current: Callable[[], Scenario], world: int = 0) -> None:
        super().__init__(current(), [int(world)], record_trajectory=True)
        self.signings: list[Signing] = []

    @property
    def world(self) -> int:
        """The world this model plays."""
        return int(self.batch.worlds[0])

    def step(self) -> None:
        """One round; a package signed in it is kept with every ratifier's verdict on it."""
        offers, refusals = int(self.offers[0]), int(self.rejections[0])
        super().step()
        now = self.open_round
        if int(self.offers[0]) > offers and int(self.rejections[0]) == refusals:
            rejected = self.after_signing.rejected[0]
            self.signings.append(signing_view(self.scenario, now.number, now.package[0], rejected))

    @property
    def implementation(self) -> Implementation | None:
        """The deal's implementation phase once the talks are over (None before, or without a
        ratified deal or an implementation phase)."""
        if self.running or not self.after_signing.path:
            return None
        return implementation_view(
            self.scenario, self.batch, self.terms[0], self.after_signing.path
        )


def current_scenario() -> Scenario:
    """The scenario of the session's settings."""
    return settings().current


def settings() -> Settings:
    """The session's settings, loading the scenario named by ``parley app`` the first time."""
    if settings_state.value is None:
        load(os.environ.get(SCENARIO_VARIABLE, DEFAULT_SCENARIO))
    value: Settings | None = settings_state.value
    if value is None:
        raise LookupError(load_error.value)
    return value


def load(source: str) -> None:
    """Start over from scenario ``source``; a scenario that fails to load leaves a message."""
    try:
        settings_state.value = Settings.load(source)
    except InputError as error:
        load_error.value = error.format()
        return
    except Exception as error:  # a bug must not reach the page as a traceback
        logger.exception("loading %r failed", source)
        load_error.value = f"{source}: could not be loaded ({type(error).__name__}: {error})"
        return
    load_error.value = ""
    refusals.value = {}


def apply_change(change: Callable[[Settings], Settings], path: str) -> None:
    """Apply ``change`` to the settings, or record why it was refused next to ``path``."""
    try:
        before = settings()
        after = change(before)
        if after.current != before.current:  # the batch starts now, before the page re-renders
            start_early(after.current)
        settings_state.value = after
    except ValueRefused as error:
        refusals.value = {**refusals.value, path: str(error)}
        return
    except Exception as error:  # a bug must not reach the page as a traceback
        logger.exception("changing %r failed", path)
        refusals.value = {**refusals.value, path: f"not applied ({type(error).__name__}: {error})"}
        return
    refusals.value = {key: text for key, text in refusals.value.items() if key != path}
