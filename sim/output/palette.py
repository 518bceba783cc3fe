"""Colours for every Parley figure: the Okabe–Ito colour-blind-safe palette.

Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable under the common forms
of colour-vision deficiency.  Each actor keeps one colour in every figure: the actors of the
Alaska-summit scenarios have fixed colours, any other actor takes the next free colour in the
order the scenario lists it.
"""

from __future__ import annotations

from collections.abc import Sequence

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#8C8C8C"

OKABE_ITO: tuple[str, ...] = (
    BLACK,
    ORANGE,
    SKY_BLUE,
    BLUISH_GREEN,
    YELLOW,
    BLUE,
    VERMILLION,
    REDDISH_PURPLE,
)

FIXED_ACTOR_COLORS: dict[str, str] = {
    "russia": VERMILLION,
    "us": BLUE,
    "ukraine": ORANGE,
    "nato": BLUISH_GREEN,
}
"""The summit's actors; the same colour whichever subset of them a scenario contains."""

_FREE_ACTOR_ORDER: tuple[str, ...] = (REDDISH_PURPLE, SKY_BLUE, BLACK, YELLOW)

SERIES_COLORS: tuple[str, ...] = (
    BLUE,
    ORANGE,
    BLUISH_GREEN,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    BLACK,
    YELLOW,
)
"""For series that are not actors (cells of a sweep, issues of a trajectory); yellow last because
it is hard to see as a thin line on white."""

_FREE_CELL_COLORS: tuple[str, ...] = ("#4D4D4D", SKY_BLUE, REDDISH_PURPLE)


def cell_colors(count: int) -> list[str]:
    """Colours for the cells of a sweep, kept apart from the summit actors' colours.

    Up to three cells take the Okabe–Ito colours no summit actor uses (dark grey first); more
    cells take evenly spaced colours of the colour-blind-safe cividis map (Nuñez, Anderton &
    Renslow 2018), whose order also reads as "first to last".
    """
    if count <= len(_FREE_CELL_COLORS):
        return list(_FREE_CELL_COLORS[:count])
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["cividis"]
    return [to_hex(cmap(0.92 * i / (count - 1))) for i in range(count)]


END_REASON_COLORS: dict[str, str] = {
    "agreement": BLUISH_GREEN,
    "breakdown": VERMILLION,
    "deadline": GREY,
    "not-ratified": REDDISH_PURPLE,
}

FUNNEL_COLORS: dict[str, str] = {"signed": SKY_BLUE, "ratified": BLUE, "durable": BLACK}
"""The stages of a deal (signed at the table, ratified at home, durable through implementation)."""

STATUS_QUO_COLOR = BLACK


def actor_colors(actors: Sequence[str]) -> dict[str, str]:
    """One colour per actor: fixed for the summit's actors, the free colours in order for others.

    With more actors than colours the free colours repeat (the caller should then also vary the
    line style); the mapping never depends on anything but the names and their order.
    """
    colors: dict[str, str] = {}
    taken = {FIXED_ACTOR_COLORS[name] for name in actors if name in FIXED_ACTOR_COLORS}
    free = [c for c in _FREE_ACTOR_ORDER if c not in taken]
    free += [c for c in OKABE_ITO if c not in taken and c not in free]
    index = 0
    for name in actors:
        if name in FIXED_ACTOR_COLORS:
            colors[name] = FIXED_ACTOR_COLORS[name]
        else:
            colors[name] = free[index % len(free)]
            index += 1
    return colors


def actor_color(actor: str, actors: Sequence[str]) -> str:
    """The colour of one actor within a scenario's list of actors."""
    return actor_colors(actors)[actor]


def series_colors(count: int) -> list[str]:
    """``count`` colours for cells or issues, cycling through the palette if needed."""
    return [SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(count)]
