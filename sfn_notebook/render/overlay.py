"""The execution overlay: what an execution did, read from its events and drawn on the layout.

:func:`render_execution` colours the machine's graph as the Step Functions console does: each
state's outcome (the worst of its visits), the transitions taken, retries, the error that ended a
state, and a legend; ``current_event`` outlines the state an event belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..asl import model as m
from .draw import STATUS_STYLES, Options, check_rankdir, draw
from .labels import html_text
from .layout import Layout, Node, build_layout, machine_of

if TYPE_CHECKING:
    import graphviz

    from ..execution import Execution
    from ..history import StateVisit
    from ..machine import StateMachine

__all__ = ["render_execution"]

# a state entered several times shows the worst outcome of its visits
_SEVERITY = ("FAILED", "TIMED_OUT", "ABORTED", "CAUGHT", "RUNNING", "SUCCEEDED")
_LEGEND_ORDER = ("SUCCEEDED", "CAUGHT", "FAILED", "TIMED_OUT", "ABORTED", "RUNNING", "NOT_RUN")


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def _previous_id(event: Mapping[str, Any]) -> int:
    """The id of the event this one follows (0, which no event has, when there is none)."""
    value = event.get("previousEventId")
    return value if isinstance(value, int) else 0


def _visit_status(visit: StateVisit, by_id: Mapping[int, Mapping[str, Any]]) -> str:
    """A visit's outcome, read from the event just before the state exited.

    An exit straight after a failure (``TaskFailed``, ``ParallelStateFailed``, ...) means a Catcher
    took the error; an exit after a success is a success, even when earlier attempts were retried.
    """
    exited = by_id.get(visit.exited_event_id) if visit.exited_event_id is not None else None
    if exited is None or not str(exited.get("type", "")).endswith("StateExited"):
        return visit.status
    before = by_id.get(_previous_id(exited))
    kind = str(before.get("type", "")) if before is not None else ""
    if kind.endswith(("Failed", "TimedOut")):
        return "CAUGHT"
    if kind.endswith("Succeeded") and visit.status == "CAUGHT":
        return "SUCCEEDED"
    return visit.status


def _worst(statuses: Sequence[str]) -> str:
    return min(statuses, key=lambda s: _SEVERITY.index(s) if s in _SEVERITY else len(_SEVERITY))


@dataclass
class _Overlay:
    """What an execution did, by state name."""

    statuses: dict[str, list[str]] = field(default_factory=dict)  # the outcome of each visit
    retries: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    taken: set[tuple[str, str, bool]] = field(default_factory=set)  # (source, target, through a Catcher)
    entered: dict[str, float] = field(default_factory=dict)  # seconds from the start to the first visit
    seconds: dict[str, float] = field(default_factory=dict)  # time in the state, its visits together


def _overlay(events: Sequence[Mapping[str, Any]]) -> _Overlay:
    from ..history import state_visits

    by_id = {e["id"]: e for e in events if isinstance(e.get("id"), int)}
    overlay = _Overlay()
    exit_status: dict[int, str] = {}
    start = events[0].get("timestamp") if events else None
    for visit in state_visits(events):  # type: ignore[arg-type]
        if start is not None:
            overlay.entered.setdefault(visit.name, (visit.entered - start).total_seconds())
        if visit.exited is not None:
            spent = (visit.exited - visit.entered).total_seconds()
            overlay.seconds[visit.name] = overlay.seconds.get(visit.name, 0.0) + spent
        status = _visit_status(visit, by_id)
        overlay.statuses.setdefault(visit.name, []).append(status)
        overlay.retries[visit.name] = overlay.retries.get(visit.name, 0) + visit.retries
        if visit.error is not None and status != "SUCCEEDED":
            overlay.errors.setdefault(visit.name, visit.error)
        if visit.exited_event_id is not None:
            exit_status[visit.exited_event_id] = status
    # a StateEntered event follows the StateExited event of the state the execution came from
    for event in events:
        if not str(event.get("type", "")).endswith("StateEntered"):
            continue
        before = by_id.get(_previous_id(event))
        if before is None or not str(before.get("type", "")).endswith("StateExited"):
            continue
        source, target = _details(before).get("name"), _details(event).get("name")
        if isinstance(source, str) and isinstance(target, str):
            overlay.taken.add((source, target, exit_status.get(before["id"]) == "CAUGHT"))
    return overlay


def _apply(layout: Layout, overlay: _Overlay, execution_status: str | None) -> None:
    """Put an execution's outcomes on the layout's nodes and edges."""
    for name, node in layout.nodes.items():
        statuses = overlay.statuses.get(name)
        if statuses is None:
            continue
        node.status = _worst(statuses)
        node.visits = len(statuses)
        node.retries = overlay.retries.get(name, 0)
        node.error = overlay.errors.get(name)
        node.entered = overlay.entered.get(name)
        node.seconds = overlay.seconds.get(name)
    for name, join in layout.joins.items():
        container = layout.nodes[name]
        if container.status not in (None, "RUNNING"):  # all branches done, whatever the outcome
            join.status = container.status
    for edge in layout.edges:
        if edge.kind in ("start", "fork"):
            edge.taken = edge.target in overlay.statuses
        elif edge.kind in ("join", "end"):  # left when the state finished normally
            edge.taken = edge.source is not None and "SUCCEEDED" in overlay.statuses.get(edge.source, ())
        elif edge.source is not None and edge.target is not None:
            edge.taken = (edge.source, edge.target, edge.kind == "catch") in overlay.taken
    if any(edge.taken for edge in layout.edges if edge.kind == "start"):
        layout.start.status = "SUCCEEDED"
    if execution_status == "SUCCEEDED":
        layout.end.status = "SUCCEEDED"


def _legend(layout: Layout, execution: Any, execution_status: str | None) -> str:
    """An HTML-like table: the execution's name and status, and a swatch per status shown."""
    present = {node.status or "NOT_RUN" for node in layout.state_nodes()}
    cells = []
    for status in _LEGEND_ORDER:
        if status in present:
            look = STATUS_STYLES[status]
            cells.append(
                f'<TD BGCOLOR="{look.fill}" COLOR="{look.border}" BORDER="1" WIDTH="12" HEIGHT="10" '
                f'FIXEDSIZE="TRUE"></TD><TD ALIGN="LEFT">{html_text(look.label)}</TD><TD WIDTH="6"></TD>'
            )
    name = getattr(execution, "name", None)
    head = "Execution" + (f" {name}" if isinstance(name, str) else "")
    if execution_status is not None:
        head += f": {execution_status}"
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
        f'<TR><TD COLSPAN="{len(cells) * 3}" ALIGN="LEFT"><B>{html_text(head)}</B></TD></TR>'
        f"<TR>{''.join(cells)}</TR></TABLE>>"
    )


def _current_node(layout: Layout, events: Sequence[Mapping[str, Any]], event_id: int) -> Node | None:
    """The node of the state an event belongs to; Start/End for the execution's own events."""
    from ..history import event_rows

    for row in event_rows(events):  # type: ignore[arg-type]
        if row.event.get("id") != event_id:
            continue
        if row.state is not None:  # a state inside a collapsed body: the collapsed state
            return layout.nodes.get(layout.hidden.get(row.state, row.state))
        kind = row.event.get("type")
        if kind == "ExecutionStarted":
            return layout.start
        if kind == "ExecutionSucceeded":
            return layout.end
        return None
    ids = [e.get("id") for e in events]
    span = f"{ids[0]} to {ids[-1]}" if ids else "none"
    raise ValueError(f"current_event: the execution has no event with id {event_id!r} (its ids: {span})")


def _execution_machine(execution: Any, machine: Any) -> tuple[str, m.Machine]:
    if machine is not None:
        return machine_of(machine)
    attached = getattr(execution, "state_machine", None)
    if attached is not None:
        return machine_of(attached)
    definition = getattr(execution, "definition", None)
    if isinstance(definition, (Mapping, str)):
        return machine_of(definition)
    raise ValueError(
        "this execution carries no state machine definition to draw: "
        "pass one, as in render_execution(execution, machine=StateMachine(definition))"
    )


def render_execution(
    execution: Execution,
    *,
    rankdir: str = "TB",
    current_event: int | None = None,
    machine: StateMachine | m.Machine | Mapping[str, Any] | str | None = None,
    show_comments: bool = False,
    legend: bool = True,
    collapsed: Iterable[str] = (),
) -> graphviz.Digraph:
    """Draw an execution: its state machine coloured by what happened, as the console does.

    Succeeded states are green, failed ones red, states whose error a Catcher took orange, running
    ones blue, and states never entered white with grey text; the transitions taken are drawn bold.
    A state entered several times (loops, Map iterations) shows ``×N`` and the worst outcome of its
    visits.  ``current_event`` (an event id) outlines the state that event belongs to.  ``machine``
    is the definition to draw when the execution has none attached (``execution.state_machine``, or
    the ``definition`` an execution read from AWS carries).  ``legend=False`` leaves out the legend.
    ``collapsed`` names Parallel and Map states drawn without their bodies.  Every node's tooltip
    says its type, resource, status, visits and timings.
    """
    name, compiled = _execution_machine(execution, machine)
    layout = build_layout(name, compiled, collapsed)
    events = list(execution.events)
    status = getattr(execution, "status", None)
    execution_status = status if isinstance(status, str) else None
    _apply(layout, _overlay(events), execution_status)
    if current_event is not None:
        node = _current_node(layout, events, current_event)
        if node is not None:
            node.current = True
    options = Options(check_rankdir(rankdir), show_comments, execution=True)
    return draw(layout, options, _legend(layout, execution, execution_status) if legend else None)
