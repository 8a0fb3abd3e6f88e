"""The look of a graph, and the drawing of a layout as a ``graphviz.Digraph``.

:func:`render_machine` draws a definition the way the console's Workflow Studio does: Start and End
markers, one node style per state type, Choice rules and Catch errors on the edges, Parallel
branches and Map item processors as dashed boxes.  :func:`draw` turns any layout (coloured by an
execution or not) into DOT with the graphviz package's API, so ``.source`` needs no Graphviz.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..asl import model as m
from .dot import graph_class
from .labels import (
    condition_text,
    font,
    html_text,
    plain,
    retry_lines,
    says_error,
    state_subtitle,
    state_tooltip,
    wrap,
)
from .layout import Cluster, Edge, Layout, Member, Node, build_layout, machine_of

if TYPE_CHECKING:
    import graphviz

    from ..machine import StateMachine

__all__ = ["STATUS_STYLES", "Options", "StatusStyle", "check_rankdir", "draw", "render_machine"]

FONT = "Helvetica"
INK = "#16191f"  # state names
MUTED = "#5f6b7a"  # second lines, box labels
LINE = "#545b64"  # transitions
FAINT = "#8d99a8"  # Start/End, fork and join edges, box borders
BORDER = "#7d8998"  # node borders
DIM = "#b6bec9"  # what an execution did not touch
CATCH = "#d45b07"  # Catch edges and retry marks
CURRENT = "#6f2dbd"  # a highlighted state, or the one an inspected event belongs to
TAKEN = "#1d8102"  # transitions an execution took


@dataclass(frozen=True)
class _TypeStyle:
    shape: str
    fill: str
    border: str = BORDER
    penwidth: str = "1.2"


_TYPE_STYLES: dict[str, _TypeStyle] = {
    "Task": _TypeStyle("box", "#ffffff"),
    "Pass": _TypeStyle("box", "#f2f3f3"),
    "Wait": _TypeStyle("box", "#f2f3f3"),
    "Choice": _TypeStyle("box", "#f2f3f3"),
    "Succeed": _TypeStyle("box", "#f2fcf3", "#1d8102", "2"),
    "Fail": _TypeStyle("box", "#fff5f4", "#d13212", "2"),
    "Parallel": _TypeStyle("box", "#ffffff"),
    "Map": _TypeStyle("box", "#ffffff"),
}


@dataclass(frozen=True)
class StatusStyle:
    """How a state outcome is drawn: its legend text, node fill and border, and a tint for boxes."""

    label: str
    fill: str
    border: str
    tint: str


#: The Step Functions console's colours for state outcomes (``NOT_RUN``: never entered).
STATUS_STYLES: dict[str, StatusStyle] = {
    "SUCCEEDED": StatusStyle("Succeeded", "#c9ebc3", "#1d8102", "#f2faf0"),
    "CAUGHT": StatusStyle("Caught error", "#ffdfa6", "#d45b07", "#fff8ec"),
    "FAILED": StatusStyle("Failed", "#fbcfca", "#d13212", "#fff3f1"),
    "TIMED_OUT": StatusStyle("Timed out", "#fbcfca", "#d13212", "#fff3f1"),
    "ABORTED": StatusStyle("Aborted", "#d5dbe1", "#5f6b7a", "#f4f5f7"),
    "RUNNING": StatusStyle("In progress", "#cde5fa", "#0972d3", "#f1f8fe"),
    "NOT_RUN": StatusStyle("Not run", "#ffffff", DIM, "#ffffff"),
}


_NAME_WIDTH = 28  # characters per line of a state name
_RULE_WIDTH = 44  # a Choice rule listed in its box
_RULES_SHOWN = 8  # rules listed in a Choice's box (the edges are numbered, the tooltip lists them all)
_SUBTITLE_WIDTH = 40
_LABEL_WIDTH = 30  # edge labels
_COMMENT_WIDTH = 36

_GRAPH_ATTRS = {
    "fontname": FONT,
    "fontsize": "10",
    "fontcolor": MUTED,
    "nodesep": "0.35",
    "ranksep": "0.42",
    "newrank": "true",
    "outputorder": "edgesfirst",
    "pad": "0.2",
}
_NODE_ATTRS = {
    "fontname": FONT,
    "fontsize": "11",
    "fontcolor": INK,
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": "#ffffff",
    "color": BORDER,
    "penwidth": "1.2",
    "margin": "0.16,0.06",
    "height": "0.4",
}
_EDGE_ATTRS = {
    "fontname": FONT,
    "fontsize": "9",
    "fontcolor": "#414d5c",
    "color": LINE,
    "arrowsize": "0.7",
    "penwidth": "1.1",
}

# ---------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Options:
    rankdir: str
    show_comments: bool = False
    highlight: str | None = None
    title: str | None = None
    execution: bool = False


_RANKDIRS = ("TB", "LR", "BT", "RL")


def check_rankdir(rankdir: str) -> str:
    if rankdir not in _RANKDIRS:
        raise ValueError(f"unknown rankdir: {rankdir!r} (must be one of {list(_RANKDIRS)})")
    return rankdir


def _marked(node: Node, options: Options) -> bool:
    """Whether the node is outlined: the current state, or the one to highlight."""
    if node.current:
        return True
    return node.state is not None and options.highlight is not None and options.highlight == node.state.name


def _state_label(node: Node, options: Options) -> str:
    state = node.state
    assert state is not None
    status = node.status
    dim = options.execution and status is None
    bold = _marked(node, options)
    lines = [
        font(html_text(line), color=DIM if dim else None, bold=bold)
        for line in wrap(state.name, _NAME_WIDTH, 3)
    ]
    if node.visits > 1:
        lines[-1] += font(f"  ×{node.visits}", size="10", color=MUTED, bold=True)
    subtitle = wrap(state_subtitle(state), _SUBTITLE_WIDTH, 1)[0]
    lines.append(font(html_text(subtitle), size="9", color=DIM if dim else MUTED))
    if isinstance(state, m.ChoiceState):
        lines.extend(_rule_lines(state, DIM if dim else MUTED))
    if node.hidden > 0:
        hidden = f"+{node.hidden} state{'s' if node.hidden != 1 else ''} inside (collapsed)"
        lines.append(font(hidden, size="8", color=DIM if dim else MUTED))
    for text in retry_lines(state):
        lines.append(font(html_text(text), size="8", color=DIM if dim else CATCH))
    if node.error is not None and status in ("FAILED", "CAUGHT", "TIMED_OUT", "ABORTED"):
        if not says_error(state, node.error):
            error = wrap(node.error, _SUBTITLE_WIDTH, 1)[0]
            lines.append(font(html_text(error), size="9", color=STATUS_STYLES[status].border, bold=True))
    if node.retries > 0:
        lines.append(font(f"retried {node.retries}×", size="8", color=MUTED))
    if options.show_comments and isinstance(state.comment, str):
        for line in wrap(state.comment, _COMMENT_WIDTH, 4):
            lines.append(font(f"<I>{html_text(line)}</I>", size="8", color=MUTED))
    return "<" + "<BR/>".join(lines) + ">"


def _rule_lines(state: m.ChoiceState, color: str) -> list[str]:
    """The numbered rules of a Choice, one or two lines each; its edges carry the numbers."""
    lines: list[str] = []
    for number, rule in enumerate(state.choices[:_RULES_SHOWN], start=1):
        text = wrap(f"{number}: {condition_text(rule.condition)}", _RULE_WIDTH, 2)
        lines.extend(font(html_text(line), size="9", color=color) for line in text)
    if len(state.choices) > _RULES_SHOWN:
        more = len(state.choices) - _RULES_SHOWN
        lines.append(font(f"+{more} more rule{'s' if more != 1 else ''}", size="8", color=color))
    return lines


def _timing(seconds: float) -> str:
    return f"{seconds:.3f}s"


def _state_attrs(node: Node, options: Options) -> dict[str, str]:
    state = node.state
    assert state is not None
    look = _TYPE_STYLES.get(state.type, _TYPE_STYLES["Task"])
    fill, border = look.fill, look.border
    if options.execution:
        status = STATUS_STYLES[node.status or "NOT_RUN"]
        fill, border = status.fill, status.border
    attrs = {"fillcolor": fill}
    if look.shape != "box":
        attrs.update(shape=look.shape, margin="0.04,0.02")
    if border != BORDER:
        attrs["color"] = border
    if look.penwidth != "1.2":
        attrs["penwidth"] = look.penwidth
    if _marked(node, options):
        attrs.update(color=CURRENT, penwidth="3.5")
    tooltip = state_tooltip(state)
    if node.status is not None:
        tooltip.append(f"Status: {STATUS_STYLES[node.status].label}")
        if node.visits > 1:
            tooltip.append(f"Entered {node.visits} times")
        if node.entered is not None:
            tooltip.append(f"Entered at +{_timing(node.entered)}")
        if node.seconds is not None:
            tooltip.append(f"Time in state: {_timing(node.seconds)}")
        if node.retries > 0:
            tooltip.append(f"Retried {node.retries}×")
        if node.error is not None:
            tooltip.append(f"Error: {node.error}")
    elif options.execution:
        tooltip.append("Status: Not run")
    if node.hidden > 0:
        tooltip.append(f"Collapsed: {node.hidden} states inside")
    attrs["tooltip"] = plain(tooltip)
    return attrs


def _join_attrs(node: Node, options: Options) -> dict[str, str]:
    fill, border = "#d5dbe1", BORDER
    if options.execution:
        status = STATUS_STYLES[node.status or "NOT_RUN"]
        fill, border = (status.border if node.status is not None else "#ffffff"), status.border
    name = node.state.name if node.state is not None else ""
    return {
        "label": "",
        "shape": "circle",
        "style": "filled",
        "width": "0.14",
        "height": "0.14",
        "fixedsize": "true",
        "fillcolor": fill,
        "color": border,
        "tooltip": plain([f"{name}: all done"]),
    }


def _marker_attrs(node: Node, options: Options) -> dict[str, str]:
    fill, border = "#e9ebed", FAINT
    if node.status is not None:
        status = STATUS_STYLES[node.status]
        fill, border = status.fill, status.border
    start = node.role == "start"
    attrs = {
        "label": "Start" if start else "End",
        "shape": "oval",
        "style": "filled",
        "fillcolor": fill,
        "color": border,
        "fontsize": "9",
        "fontcolor": "#414d5c",
        "width": "0.6",
        "height": "0.28",
        "margin": "0.04,0.02",
        "tooltip": "Start of the execution" if start else "End of the execution",
    }
    if node.current:
        attrs.update(color=CURRENT, penwidth="3.5")
    return attrs


def _cluster_attrs(cluster: Cluster, status: str | None, options: Options) -> dict[str, str]:
    if cluster.outer:
        return {"label": "", "peripheries": "0", "margin": "4"}
    attrs = {
        "label": plain(wrap(cluster.label, 40, 2)),
        "style": "dashed,rounded",
        "color": FAINT,
        "fontcolor": MUTED,
        "fontsize": "9",
        "labeljust": "l",
        "labelloc": "t",
        "margin": "10",
        "penwidth": "1.1",
        "peripheries": "1",  # the invisible outer box sets 0 for everything inside it
    }
    if options.execution:
        look = STATUS_STYLES[status or "NOT_RUN"]
        attrs["color"] = look.border
        if status is not None:
            attrs.update(style="dashed,rounded,filled", fillcolor=look.tint)
    return attrs


def _edge_attrs(edge: Edge, options: Options) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if edge.label != "":
        attrs["label"] = plain(wrap(edge.label, _LABEL_WIDTH, 3))
    if edge.kind == "catch":
        # weight 0: error paths don't pull the main flow sideways (big machines would drift right)
        attrs.update(style="dashed", color=CATCH, fontcolor=CATCH, weight="0")
    elif edge.kind in ("fork", "join", "start", "end"):
        attrs.update(color=FAINT, arrowsize="0.6")
        if edge.kind == "fork":
            attrs["weight"] = "2"  # each branch starts right under its Parallel/Map state
    if options.execution:
        color = (CATCH if edge.kind == "catch" else TAKEN) if edge.taken else DIM
        attrs["color"] = color
        if edge.taken:
            attrs["penwidth"] = "2.4"
        if "label" in attrs:
            attrs["fontcolor"] = color
    source = edge.source if edge.source is not None else "Start"
    target = edge.target if edge.target is not None else ("End" if edge.kind == "end" else "branches joined")
    tooltip = [f"{source} → {target}"]
    if edge.kind == "rule":
        tooltip.append(f"Rule {edge.label}: {edge.detail}")
    elif edge.label != "":
        tooltip.append(("Catch: " if edge.kind == "catch" else "") + edge.label)
    attrs["tooltip"] = plain(tooltip)
    return attrs


def _flipped(members: list[Member]) -> list[Member]:
    """A container's members with its branch boxes in reverse order."""
    boxes = iter([member for member in reversed(members) if isinstance(member, Cluster)])
    return [next(boxes) if isinstance(member, Cluster) else member for member in members]


def draw(layout: Layout, options: Options, legend: str | None = None) -> graphviz.Digraph:
    graph_attrs = dict(_GRAPH_ATTRS, rankdir=options.rankdir)
    if legend is not None:
        graph_attrs.update(label=legend, labelloc="b", labeljust="l")
    elif options.title is not None:
        graph_attrs.update(label=plain(wrap(options.title, 80, 3)), labelloc="t", labeljust="l")
    graph = graph_class()(
        name=layout.name, graph_attr=graph_attrs, node_attr=_NODE_ATTRS, edge_attr=_EDGE_ATTRS
    )
    # in a rank dot puts the first node on the left with TB, but at the bottom with LR
    flip = options.rankdir in ("LR", "RL")

    def emit(target: graphviz.Digraph, members: list[Member]) -> None:
        for member in members:
            if isinstance(member, Cluster):
                owner = layout.nodes.get(member.owner.name)
                status = owner.status if owner is not None else None
                with target.subgraph(name=member.id) as box:
                    box.attr(**_cluster_attrs(member, status, options))
                    emit(box, _flipped(member.members) if flip and member.outer else member.members)
            elif member.role == "state":
                target.node(member.id, _state_label(member, options), **_state_attrs(member, options))
            elif member.role == "join":
                target.node(member.id, **_join_attrs(member, options))
            else:
                target.node(member.id, **_marker_attrs(member, options))

    emit(graph, layout.members)
    for edge in layout.edges:
        graph.edge(edge.tail, edge.head, **_edge_attrs(edge, options))
    return graph


def render_machine(
    sm_or_machine: StateMachine | m.Machine | Mapping[str, Any] | str,
    *,
    rankdir: str = "TB",
    highlight: str | None = None,
    show_comments: bool = False,
    title: str | None = None,
    collapsed: Iterable[str] = (),
) -> graphviz.Digraph:
    """Draw a state machine as a ``graphviz.Digraph``, in the style of the console's Workflow Studio.

    ``sm_or_machine`` is a :class:`~sfn_notebook.StateMachine`, a compiled
    :class:`~sfn_notebook.asl.model.Machine` or a definition.  ``rankdir`` is ``"TB"`` (top-down) or
    ``"LR"`` (left to right).  ``highlight`` names a state to outline.  ``show_comments`` writes each
    state's ``Comment`` under it, and the definition's ``Comment`` above the graph unless ``title``
    gives another text.  ``collapsed`` names Parallel and Map states drawn without their bodies.
    """
    name, machine = machine_of(sm_or_machine)
    layout = build_layout(name, machine, collapsed)
    if highlight is not None and highlight not in layout.nodes:
        close = difflib.get_close_matches(highlight, list(layout.nodes), n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ValueError(f"highlight: there is no state named {highlight!r}{hint}")
    if title is None and show_comments and isinstance(machine.comment, str):
        title = machine.comment
    return draw(layout, Options(check_rankdir(rankdir), show_comments, highlight, title))
