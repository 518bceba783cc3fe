"""The Solara page of ``parley app``: Mesa's ``SolaraViz`` and the cards of :mod:`sim.app.cards`
and :mod:`sim.app.odds_card`.

``SolaraViz`` (in the sidebar) steps one negotiation (one world) with its Reset / Play / Step
controller; the main area shows the scenario and its evidence, the judgement calls, that
negotiation round by round, the odds of a live batch of worlds and the export.  Whenever a
control changes the scenario, the stepped negotiation restarts from round 1 with it.  Serve it
with ``parley app`` (:mod:`sim.app.server`).
"""

from __future__ import annotations

import threading

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.app import state
from sim.app.cards import ControlsPanel, ExportCard, RoundCard, ScenarioCard, text
from sim.app.deal_cards import AfterSigningCard
from sim.app.live import odds_pool
from sim.app.odds import BATCH_WORLDS
from sim.app.odds_card import OddsCard

_pool = odds_pool()
if _pool is not None:  # the workers start with the page, not with its first batch
    threading.Thread(target=_pool.warm_up, daemon=True).start()


@solara.component
def Page() -> None:
    """The page: a scenario that failed to load shows its problems instead."""
    try:
        state.settings()
    except LookupError as error:
        text(f"parley app: {error}", cls="parley-load-error", style="color: #b00020")
        return
    Negotiation()


@solara.component
def Negotiation() -> None:
    """SolaraViz with the stepped world, and the cards around it."""
    settings = state.settings()
    scenario = settings.current
    model: solara.Reactive[state.OneNegotiation] = solara.use_reactive(
        solara.use_memo(lambda: state.OneNegotiation(state.current_scenario), [])
    )

    def restart() -> None:
        if model.value.scenario != scenario or model.value.steps:
            model.value = state.OneNegotiation(state.current_scenario, model.value.world)

    solara.use_effect(restart, [scenario])
    SolaraViz(
        model,
        components=[],
        model_params={
            "current": state.current_scenario,
            "world": Slider("world to play (then Reset)", value=0, min=0, max=BATCH_WORLDS - 1),
        },
        name=f"Parley: {settings.base.name}",
        play_interval=400,
    )
    with solara.Columns([5, 6]):
        with solara.Column():
            ScenarioCard(settings.base, settings.source, state.load_error.value)
            ControlsPanel(settings, state.refusals.value)
            ExportCard(settings)
        with solara.Column():
            OddsCard(scenario)
            RoundCard(model.value, update_counter.value)
            AfterSigningCard(model.value, update_counter.value)
