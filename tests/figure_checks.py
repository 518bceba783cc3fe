"""What the figure tests share: reading back what a figure drew (by ``gid``) and checking that
no two of its labels overlap."""

from __future__ import annotations

import itertools

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text


def panels(figure: Figure) -> list[Axes]:
    """The figure's data axes (colour bars excluded)."""
    return [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]


def by_gid(ax: Axes, gid: str) -> list[object]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def all_text(figure: Figure) -> str:
    return "\n".join(t.get_text() for t in figure.findobj(Text))


def assert_legible(figure: Figure) -> None:
    """No two labels (titles, axis labels, tick labels, legend entries) overlap, and all of
    them lie inside the figure."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts: list[Text] = []
    if figure._suptitle is not None:  # noqa: SLF001 - matplotlib keeps it here
        texts.append(figure._suptitle)
    for ax in figure.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            texts += [
                tick.label1
                for tick in axis.get_major_ticks()
                if low - span <= tick.get_loc() <= high + span
            ]
        legend = ax.get_legend()
        if legend is not None:
            texts += legend.get_texts()
    for legend in figure.legends:
        texts += legend.get_texts()
    boxes = []
    width, height = canvas.get_width_height()
    for text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1, f"{text.get_text()!r} is cut off"
        assert box.x1 <= width + 1 and box.y1 <= height + 1, f"{text.get_text()!r} is cut off"
        boxes.append((text.get_text(), box.shrunk(0.98, 0.9)))
    for (text_a, box_a), (text_b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{text_a!r} overlaps {text_b!r}"
