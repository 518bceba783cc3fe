"""The page's card on what became of the stepped negotiation's signed deal (Solara component).

Who ratified it at home (each ratifier's approval probability and verdict, Putnam 1988) and,
for a ratified deal, its implementation period by period: the balance on the issues that moved,
each actor's value of going back to war against what the deal gives it plus its cost of
reneging, and who reneged (Fearon 1995).  It lays out :mod:`sim.app.rounds`; CSS classes named
``parley-*`` are what the browser test looks for.
"""

from __future__ import annotations

import solara

from sim.app import state
from sim.app.cards import table, text
from sim.app.rounds import Implementation, Signing

BOLD = "font-weight: bold"


@solara.component
def AfterSigningCard(model: state.OneNegotiation, counter: int) -> None:
    """Every signing of the stepped world with its verdicts, then the implementation phase."""
    signings = model.signings
    implementation = model.implementation
    if not signings and model.after_signing.ratifiers is None and implementation is None:
        return
    with solara.Card("After the signature: ratification and implementation", margin=0):
        if not signings:
            text("No package signed yet.", cls="parley-signing", style="font-size: 0.9em")
        for signing in signings:
            _signing(signing)
        if implementation is not None:
            _implementation(implementation)


def _signing(signing: Signing) -> None:
    if not signing.verdicts:
        text(f"Round {signing.round}: signed; no ratifier.", cls="parley-signing", style=BOLD)
        return
    verdict = (
        "ratified at home"
        if signing.ratified
        else "rejected at home by " + ", ".join(signing.rejected_by)
    )
    text(f"Round {signing.round}: signed; {verdict}.", cls="parley-signing", style=BOLD)
    table(
        ["ratifier", "ratifies for", "P(approve)", "verdict"],
        [
            [v.name, v.actor, f"{100 * v.p_approve:.1f}%", "approved" if v.approved else "REJECTED"]
            for v in signing.verdicts
        ],
        "parley-verdicts",
    )


def _implementation(phase: Implementation) -> None:
    done = len(phase.periods)
    if phase.durable:
        summary = f"Implementation: durable, no one reneged through {phase.required} periods."
    elif phase.reneged_by:
        summary = (
            f"Implementation: collapsed in period {done} of {phase.required}; "
            f"{', '.join(phase.reneged_by)} reneged."
        )
    else:
        summary = f"Implementation: {done} of {phase.required} periods."
    text(summary, cls="parley-implementation", style=BOLD)
    first = phase.periods[0] if phase.periods else None
    moved = [
        issue
        for issue in (first.balance if first else {})
        if any(p.balance[issue] != first.balance[issue] for p in phase.periods)  # type: ignore[union-attr]
    ]
    actors = list(phase.limit)
    text(
        "An actor reneges when its value of war exceeds what the deal gives it plus its cost "
        "of reneging (first row).",
        style="font-size: 0.85em",
    )
    rows = [
        [
            "deal + reneging cost",
            *["" for _ in moved],
            *[f"{phase.limit[a]:.3f}" for a in actors],
            "",
        ]
    ]
    rows += [
        [
            str(p.period),
            *[f"{p.balance[issue]:.3f}" for issue in moved],
            *[f"{p.war_value[a]:.3f}" for a in actors],
            ", ".join(p.reneged),
        ]
        for p in phase.periods
    ]
    table(
        [
            "period",
            *[f"balance: {issue}" for issue in moved],
            *[f"{a}: war" for a in actors],
            "reneged",
        ],
        rows,
        "parley-implementation-periods",
    )
