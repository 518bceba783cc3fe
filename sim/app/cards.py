"""The page's cards (Solara components): scenario, judgement calls, one negotiation, export.

Each card lays out what a library function computed; none decides anything itself.  Text is
escaped and drawn as plain HTML (no Markdown: Solara's Markdown loads a maths renderer from the
internet).  CSS classes named ``parley-*`` are what the browser test looks for.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import solara
from solara.alias import rv

from sim.app import state
from sim.app.controls import Control
from sim.app.export import default_export_name, export_yaml
from sim.app.rounds import proposer_name, round_view
from sim.app.settings import Settings, changed_fields, library_names
from sim.core.records import END_REASON_NAMES
from sim.output.figures.trajectory import trajectory_figure
from sim.output.report import figure_png_base64
from sim.scenario.schema import Scenario

ERROR_STYLE = "color: #b00020; font-size: 0.85em; margin: 0 0 6px 0"


def text(content: str, cls: str = "", style: str = "", tag: str = "div") -> None:
    """Escaped text in an HTML element."""
    solara.v.Html(tag=tag, class_=cls, style_=style, children=[content])


def table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str) -> None:
    """An HTML table of escaped cells."""
    cell_style = 'style="padding: 2px 10px 2px 0; text-align: left; vertical-align: top"'
    head = "".join(f"<th {cell_style}>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td {cell_style}>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML=f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>",
        classes=[cls, "parley-table"],
        style="border-collapse: collapse; font-size: 0.9em; margin: 6px 0",
    )


def image(png: str, cls: str) -> None:
    """A base64 PNG scaled to the card's width."""
    solara.v.Html(
        tag="img",
        attributes={"src": "data:image/png;base64," + png, "alt": cls.removeprefix("parley-")},
        class_=cls,
        style_="width: 100%",
    )


def _shown(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _number(value: float, spec: str = ".3f") -> str:
    return "–" if math.isnan(value) else format(value, spec)


# --------------------------------------------------------------------------------------------
# Judgement calls


@solara.component
def ControlRow(control: Control, value: Any, changed: bool, message: str | None) -> None:
    """One judgement call: a slider (or switch, or menu) and a box to type a value.

    It takes plain values, so only the rows whose value or refusal changed are drawn again.
    """
    label = control.label + (" •" if changed else "")

    def typed(entered: str | None) -> None:
        state.apply_change(lambda s: s.with_typed(control.path, entered or ""), control.path)

    def moved(new: Any) -> None:
        if _snapped(control, value, new):
            return  # the slider rounding a typed value to its step, not the user moving it
        state.apply_change(lambda s: s.with_value(control.path, new), control.path)

    if control.kind == "switch":
        solara.Switch(label=label, value=bool(value), on_value=moved)
    elif control.kind == "choice":
        solara.Select(
            label,
            values=list(control.choices),
            value=control.choice_of(value),
            on_value=typed,
            classes=[f"parley-choice-{control.key}"],
        )
    else:
        low, high, step = control.slider
        with solara.Row(style={"align-items": "center", "gap": "8px"}):
            text(label, style="width: 14em; font-size: 0.9em")
            with solara.Column(style={"flex-grow": "1"}):
                if control.integer:
                    solara.SliderInt(
                        "", value=int(value), min=int(low), max=int(high), on_value=moved
                    )
                else:
                    solara.SliderFloat(
                        "", value=float(value), min=low, max=high, step=step, on_value=moved
                    )
            solara.InputText(
                "",
                value=_shown(value),
                on_value=typed,
                classes=[f"parley-input-{control.key}"],
                style={"max-width": "6.5em"},
                dense=True,
                error=bool(message),
            )
    if message:
        text(message, cls=f"parley-refusal parley-refusal-{control.key}", style=ERROR_STYLE)


def _snapped(control: Control, value: Any, new: Any) -> bool:
    """Whether ``new`` is only ``value`` rounded to the slider's step (which the slider reports
    when a typed value lies between its steps)."""
    if control.kind != "number" or control.integer or isinstance(value, bool):
        return False
    step = control.slider[2]
    return bool(float(new) != float(value) and abs(float(new) - float(value)) < step / 2 + 1e-12)


@solara.component
def ControlGroup(
    group: str,
    expand: bool,
    controls: tuple[Control, ...],
    values: tuple[Any, ...],
    changed: tuple[bool, ...],
    messages: tuple[str | None, ...],
) -> None:
    """One actor's (or the protocol's) controls, folded under its name (open at first if
    ``expand``).  A folded group draws no rows: every change re-renders the panel, and each
    row drawn costs the server and the browser time then (measured with
    ``benchmarks/bench_app.py``: the page's whole-batch update waited on that time)."""
    opened, set_opened = solara.use_state(expand)

    def on_v_model(v_model: int | None) -> None:
        set_opened(v_model == 0)

    panels = rv.ExpansionPanels(v_model=0 if opened else None, on_v_model=on_v_model)
    with panels, rv.ExpansionPanel():
        rv.ExpansionPanelHeader(children=[group])
        with rv.ExpansionPanelContent():
            if opened:
                for row in zip(controls, values, changed, messages, strict=True):
                    ControlRow(*row)


@solara.component
def ControlsPanel(settings: Settings, refusals: dict[str, str]) -> None:
    """Every judgement call of the scenario, grouped by actor, then the protocol."""
    groups: dict[str, list[Control]] = {}
    for control in settings.controls:
        groups.setdefault(control.group, []).append(control)
    with solara.Card("Judgement calls", margin=0):
        text(
            "Move a slider or type a value and press Enter. Saliences stay summing to 1 "
            "(the other issues keep their proportions); • marks a changed field.",
            style="font-size: 0.9em",
        )
        message = refusals.get("")
        if message:
            text(message, cls="parley-refusal", style=ERROR_STYLE)
        for index, (group, controls) in enumerate(groups.items()):
            ControlGroup(
                group,
                index == 0,
                tuple(controls),
                tuple(settings.value(control.path) for control in controls),
                tuple(control.path in settings.changes for control in controls),
                tuple(refusals.get(control.path) for control in controls),
            )
        solara.Button(
            "Undo every change",
            on_click=lambda: state.apply_change(lambda s: s.reset(), ""),
            text=True,
            classes=["parley-reset"],
        )


# --------------------------------------------------------------------------------------------
# Scenario and export


@solara.component
def ScenarioCard(scenario: Scenario, source: str, error: str) -> None:
    """The scenario picker, its question and the evidence behind its numbers."""
    names = library_names()
    with solara.Card("Scenario", margin=0):
        with solara.Row():
            solara.Select(
                "library scenario",
                values=names if source in names else [source, *names],
                value=source,
                on_value=state.load,
            )
            solara.InputText(
                "or a scenario file (path, Enter)",
                value="",
                on_value=lambda path: state.load(path) if path else None,
                classes=["parley-scenario-file"],
            )
        if error:
            text(error, cls="parley-load-error", style=ERROR_STYLE)
        text(scenario.name, cls="parley-scenario-name", tag="h3")
        text(scenario.description, cls="parley-question")
        with solara.Details("Evidence for the numbers"):
            for title, evidence in _evidence(scenario):
                text(title, tag="h4")
                table(["field", "evidence"], list(evidence.items()), "parley-evidence")


def _evidence(scenario: Scenario) -> list[tuple[str, dict[str, str]]]:
    sections = [
        (f"issue {key}: 0 = {issue.low}; 1 = {issue.high}", dict(issue.evidence))
        for key, issue in scenario.issues.items()
    ]
    sections += [(actor.name, dict(actor.evidence)) for actor in scenario.actors.values()]
    sections.append(("protocol", dict(scenario.protocol.evidence)))
    return [(title, evidence) for title, evidence in sections if evidence]


@solara.component
def ExportCard(settings: Settings) -> None:
    """The settings as a child scenario file that extends the one the page started from."""
    name = default_export_name(settings)
    content = export_yaml(settings)
    with solara.Card("Export the settings as a scenario", margin=0):
        text(
            f"{len(changed_fields(settings))} changed field(s). Save as {name}.yaml, then "
            f"parley validate {name}.yaml or parley run {name}.yaml.",
            style="font-size: 0.9em",
        )
        solara.FileDownload(content, filename=f"{name}.yaml", label=f"Download {name}.yaml")
        text(
            content, cls="parley-export", tag="pre", style="font-size: 0.8em; white-space: pre-wrap"
        )


# --------------------------------------------------------------------------------------------
# One negotiation


@solara.component
def RoundCard(model: state.OneNegotiation, counter: int) -> None:
    """The latest round of the stepped world: thresholds, no-deal values, proposal, answers."""
    scenario = model.scenario
    with solara.Card(f"One negotiation, round by round (world {model.world})", margin=0):
        trajectory = model.trajectory
        if not trajectory:
            text("Press STEP or ▶ (left) to play the talks round by round.", cls="parley-round")
            return
        view = round_view(trajectory[-1], scenario)
        signed = any(signing.round == view.round for signing in model.signings)
        outcome = (
            "a deal"
            if view.agreed
            else "signed, rejected at home"
            if signed
            else ("no offer" if not view.offered else "rejected")
        )
        ended = "" if model.running or view.agreed else f"; talks ended: {_end(model)}"
        text(
            f"Round {view.round}: {proposer_name(view, scenario)} proposes: {outcome}{ended}.",
            cls="parley-round",
            style="font-weight: bold",
        )
        table(
            ["actor", "no-deal value", "threshold", "offer's utility", "accepts"],
            [
                [
                    a.name + (" (veto)" if a.veto else ""),
                    f"{a.reservation:.3f}",
                    f"{a.threshold:.3f}",
                    _number(a.offer_utility),
                    "–" if a.accepts is None else ("yes" if a.accepts else "NO"),
                ]
                for a in view.actors
            ],
            "parley-round-actors",
        )
        table(
            ["issue", "proposal", "status quo", "0 means", "1 means"],
            [
                [t.issue, _number(t.offer, ".2f"), f"{t.status_quo:.2f}", t.low, t.high]
                for t in view.terms
            ],
            "parley-round-terms",
        )
        image(
            figure_png_base64(trajectory_figure(trajectory, scenario), dpi=80), "parley-trajectory"
        )


def _end(model: state.OneNegotiation) -> str:
    return END_REASON_NAMES[int(model.end[0])]
