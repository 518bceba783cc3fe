"""The one place Parley works around Mesa: agent ids that do not keep finished models alive.

Mesa 3.3 numbers agents per model through a class-level ``defaultdict`` keyed by the model
(``mesa.Agent._ids``), so every model that ever created an agent stays referenced for the life of
the process: a sweep that builds thousands of models leaks all of them (upstream issue
mesa/mesa#3179, fixed by mesa/mesa#3180 after 3.3, which moves the numbering into
``Model.register_agent``).  There is no supported hook in 3.3, so :class:`WeakModelIds` gives
our agents the same numbering (1, 2, ... per model) held by a weak reference to the model.
When Parley moves to a Mesa with the fix, delete this module and the ``_ids`` line in
:class:`sim.core.agents.Actor` (``tests/test_mesa.py`` says when: its upstream-leak check fails).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator

import mesa


class WeakModelIds(weakref.WeakKeyDictionary[mesa.Model, Iterator[int]]):
    """Per-model agent-id counters that forget a model once it is garbage."""

    def __getitem__(self, model: mesa.Model) -> Iterator[int]:
        """The model's id counter, started at 1 on first use (as Mesa's ``defaultdict``)."""
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter
