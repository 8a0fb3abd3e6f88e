"""The widgets of executions and machines, in one place (they live in the modules named below).

* :mod:`.explorer` — :class:`ExecutionExplorer`: step through an execution's events beside its graph.
* :mod:`.panels` — :class:`RunPanel` (edit an input, run, explore), :class:`LiveProgress` (a
  background run), :class:`MapRunView` (a Map state's items and their histories).
* :mod:`.tester` — :class:`StateTester`: test one state (TestState) from a recorded visit.
* :mod:`.callbacks` — :class:`CallbackPanel`: answer a running execution's task tokens.
* :mod:`.components` — the parts they are made of: :class:`GraphView` (a viewport with zoom, pan,
  fit, node clicks), :class:`EventTable` (search, filters, expandable rows), :class:`JsonView`
  (folding JSON with a copy button), and :class:`StaticFallback` (the copy a page shows with no
  kernel).

The widgets hold no logic of their own beyond presentation: everything they show comes from
``Execution.events`` / ``history()`` / ``trace()``, :mod:`sfn_notebook.render` and
:mod:`sfn_notebook.display`.  Their state lives in traits, so tests drive them by setting traits
and reading what they show.
"""

from __future__ import annotations

from .callbacks import CallbackPanel
from .components import EventTable, GraphView, JsonView, StaticFallback
from .explorer import ALL, ExecutionExplorer
from .panels import LiveProgress, MapRunView, RunPanel
from .tester import StateTester

__all__ = [
    "ALL",
    "CallbackPanel",
    "EventTable",
    "ExecutionExplorer",
    "GraphView",
    "JsonView",
    "LiveProgress",
    "MapRunView",
    "RunPanel",
    "StateTester",
    "StaticFallback",
]
