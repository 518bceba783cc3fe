"""The one place Parley works around Mesa: a lean import, and agent ids that do not keep finished
models alive.

**A lean import.**  ``import mesa`` runs Mesa's package ``__init__``, which imports everything
Mesa has -- its spaces (networkx, scipy.spatial), the batch runner (tqdm, multiprocessing) and,
through the DataCollector, pandas: about a second of a sweep worker's start-up, for classes the
model never uses.  :func:`install_lean_mesa` (run when :mod:`sim.core` is imported, before any
module imports Mesa) registers the ``mesa`` package without running that ``__init__``:
``mesa.Agent``, ``mesa.Model`` and ``mesa.DataCollector`` come from their own modules, pandas is
imported only when a DataCollector builds a DataFrame, and the first use of any other name runs
Mesa's ``__init__`` as shipped (so ``mesa.visualization``, ``mesa.batch_run``, ... work as usual).

**Agent ids.**  Mesa 3.3 numbers agents per model through a class-level ``defaultdict`` keyed by
the model (``mesa.Agent._ids``), so every model that ever created an agent stays referenced for
the life of the process: a sweep that builds thousands of models leaks all of them (upstream
issue mesa/mesa#3179, fixed by mesa/mesa#3180 after 3.3, which moves the numbering into
``Model.register_agent``).  There is no supported hook in 3.3, so :class:`WeakModelIds` gives
our agents the same numbering (1, 2, ... per model) held by a weak reference to the model.
When Parley moves to a Mesa with the fix, delete that class and the ``_ids`` line in
:class:`sim.core.agents.Actor` (``tests/test_mesa.py`` says when: its upstream-leak check fails).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
import weakref
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mesa

CORE_CLASSES = {
    "Agent": "mesa.agent",
    "Model": "mesa.model",
    "DataCollector": "mesa.datacollection",
}
"""The names the model uses, and the modules that define them."""


class _Deferred:
    """A module imported on first attribute access (pandas for the DataCollector)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


def install_lean_mesa() -> None:
    """Register ``mesa`` so that its Agent, Model and DataCollector import without the rest."""
    if "mesa" in sys.modules:
        return  # imported already: nothing to save
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not installed as a package: let ``import mesa`` say so
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def __getattr__(name: str) -> Any:  # PEP 562: names not yet in the package
        if name in CORE_CLASSES:
            value = getattr(_core_module(CORE_CLASSES[name]), name)
            setattr(package, name, value)
            return value
        # Anything else: run Mesa's own __init__ in the package, once, and look again.
        del package.__dict__["__getattr__"]
        loader.exec_module(package)
        return getattr(package, name)

    package.__dict__["__getattr__"] = __getattr__
    sys.modules["mesa"] = package


def _core_module(name: str) -> ModuleType:
    """Import one of Mesa's core modules; the DataCollector's pandas is deferred to first use."""
    if name != "mesa.datacollection" or "pandas" in sys.modules or name in sys.modules:
        return importlib.import_module(name)
    sys.modules["pandas"] = None  # type: ignore[assignment]  # its guarded import then skips
    try:
        module = importlib.import_module(name)
    finally:
        del sys.modules["pandas"]
    module.pd = _Deferred("pandas")  # type: ignore[attr-defined]
    return module


class WeakModelIds(weakref.WeakKeyDictionary["mesa.Model", Iterator[int]]):
    """Per-model agent-id counters that forget a model once it is garbage."""

    def __getitem__(self, model: mesa.Model) -> Iterator[int]:
        """The model's id counter, started at 1 on first use (as Mesa's ``defaultdict``)."""
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter
