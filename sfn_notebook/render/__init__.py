"""Draw state machines and executions as Graphviz graphs that look like the AWS console's.

:func:`render_machine` draws a definition the way Workflow Studio does: Start and End markers, one
node style per state type, Choice rules and Catch errors written on the edges, Parallel branches and
Map item processors as dashed boxes.  :func:`render_execution` draws the same graph coloured by what
an execution did, in the Step Functions console's colours, with a legend.

Both return a ``graphviz.Digraph`` built with the graphviz package's API, so ``.source`` (the DOT
text) is there without Graphviz installed.  Rendering needs a ``dot`` program: the one on PATH when
there is one, otherwise the executable of the ``graphviz-pure`` package (see :func:`ensure_dot`).
The graphs returned find it by themselves before they render.

The modules, in the order a graph is made: :mod:`.layout` (nodes, boxes and edges of a compiled
machine), :mod:`.labels` (the text on them), :mod:`.overlay` (what an execution did),
:mod:`.draw` (the look, and the DOT text) and :mod:`.dot` (finding and running ``dot``).

>>> import sfn_notebook as sfn
>>> sm = sfn.StateMachine({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": True}}})
>>> graph = render_machine(sm)
>>> "Hi<BR/>" in graph.source
True
"""

from __future__ import annotations

from typing import Any

from .dot import GraphvizNotFound, dot_binary, ensure_dot, graph_class
from .draw import STATUS_STYLES, StatusStyle, render_machine
from .labels import condition_text, resource_label
from .overlay import render_execution

__all__ = [
    "STATUS_STYLES",
    "GraphvizNotFound",
    "StatusStyle",
    "condition_text",
    "dot_binary",
    "ensure_dot",
    "render_execution",
    "render_machine",
    "resource_label",
]


def __getattr__(name: str) -> Any:
    # graphs pickled when the graph class lived here
    if name == "StateGraph":
        return graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
