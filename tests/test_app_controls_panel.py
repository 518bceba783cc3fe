"""The judgement-call panel: a folded group of controls draws no rows until it is opened.

Every change re-renders the panel, and each row drawn costs the server and the browser time
then (``benchmarks/bench_app.py``), so folded groups stay empty.  Rendered with Solara in this
process, in a stand-in for a page's kernel.
"""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara")
ipyvuetify = pytest.importorskip("ipyvuetify")

from solara.server import kernel_context  # noqa: E402

from sim.app.cards import ControlsPanel  # noqa: E402
from sim.app.settings import Settings  # noqa: E402


def test_a_folded_group_draws_no_rows_until_opened() -> None:
    settings = Settings.load("alaska-summit")
    groups: dict[str, int] = {}
    for control in settings.controls:
        groups[control.group] = groups.get(control.group, 0) + 1
    rows = list(groups.values())
    with kernel_context.create_dummy_context():
        _, rendered = solara.render(ControlsPanel(settings, {}), handle_error=False)
        panels = rendered.find(ipyvuetify.ExpansionPanels).widgets
        assert [panel.v_model for panel in panels] == [0] + [None] * (len(groups) - 1)
        number_rows = rendered.find(ipyvuetify.TextField).widgets
        first = len(number_rows)
        assert 0 < first <= rows[0]  # the first group's typed boxes only
        protocol = list(groups).index("Protocol")
        panels[protocol].v_model = 0  # the user opens the protocol's group
        opened = len(rendered.find(ipyvuetify.TextField).widgets)
        assert first < opened <= first + rows[protocol]
        panels[protocol].v_model = None  # and folds it again
        assert len(rendered.find(ipyvuetify.TextField).widgets) == first
        rendered.close()
