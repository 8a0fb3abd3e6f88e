"""Execution histories as tables: one schema for local runs and for executions read from AWS.

The functions here take the list of events exactly as ``get_execution_history()["events"]`` returns
them, so they work the same on a local :class:`~sfn_notebook.Execution` and on one fetched from AWS.
pandas is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, Final, NamedTuple

from ._json import loads_compact
from .engine.events import details_key

__all__ = [
    "HISTORY_COLUMNS",
    "STATE_COLUMNS",
    "EventRow",
    "StateVisit",
    "event_rows",
    "state_visits",
    "history_frame",
    "states_frame",
    "event_details",
    "event_summary",
    "failure_kind",
    "parse_json_text",
    "variables_at",
    "variables_frame",
    "HistoryPass",
    "Payloads",
    "event_payloads",
]

#: The columns of :func:`history_frame`; its index is the event id (named ``id``).
HISTORY_COLUMNS = [
    "previous_event_id",
    "timestamp",
    "elapsed",
    "type",
    "state",
    "state_type",
    "input",
    "output",
    "error",
    "cause",
    "resource",
    "details",
]

STATE_COLUMNS = [
    "name",
    "type",
    "parent",
    "iteration",
    "entered",
    "exited",
    "duration",
    "status",
    "input",
    "output",
    "error",
    "cause",
    "retries",
    "entered_event_id",
    "exited_event_id",
]

_JSON_FIELDS = ("input", "output", "parameters")


def event_details(event: dict[str, Any]) -> dict[str, Any]:
    """The event's ``*EventDetails`` member (empty when the type has none)."""
    event_type = event.get("type")
    if isinstance(event_type, str):  # the member AWS names after the type, if it is there
        value = event.get(details_key(event_type))
        if isinstance(value, dict):
            return value
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def failure_kind(event_type: str) -> str:
    """``"fail"`` for an event that reports a failure (``TaskFailed``, ``ExecutionTimedOut``, ...),
    ``"ok"`` for any other: what an event table highlights."""
    return "fail" if event_type.endswith(_FAILURE_TYPES) or event_type == "EvaluationFailed" else "ok"


#: What a view shows for a value nested too deeply to write out (a run can build one, then fail on it).
TOO_DEEP_TO_SHOW: Final = "(a value nested too deeply to show)"


def _short(value: Any, limit: int = 120) -> str:
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    except RecursionError:
        text = TOO_DEEP_TO_SHOW
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_summary(event: dict[str, Any]) -> str:
    """One line about an event for a table: its error and cause, else what it carries.

    >>> event_summary({"type": "TaskFailed", "taskFailedEventDetails": {"error": "Boom", "cause": "bad"}})
    'Boom: bad'
    >>> event_summary({"type": "PassStateExited", "stateExitedEventDetails": {"name": "P", "output": '{"a": 1}'}})
    'output {"a": 1}'
    """
    details = event_details(event)
    error, cause = details.get("error"), details.get("cause")
    if error is not None or cause is not None:
        return _short(": ".join(str(part) for part in (error, cause) if part is not None), 200)
    for key in ("output", "input", "parameters"):
        if key in details:
            return f"{key} {_short(parse_json_text(details[key]))}"
    if "resource" in details:
        return _short(_resource(details) or "")
    if "length" in details:
        return f"{details['length']} items"
    if "index" in details:
        return f"iteration {details['index']}"
    return ""


def parse_json_text(text: Any) -> Any:
    """Parse a JSON payload from the history; non-JSON text is returned as it is."""
    if not isinstance(text, str):
        return text
    try:
        return loads_compact(text)  # the C scanner; odd text (spaces, errors) goes through json
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to parse: the text itself
        return text


class HistoryPass:
    """What the tables of one execution derive from its events, each worked out once and shared:
    the events as a list, their rows (:func:`event_rows`), their parsed payloads
    (:func:`event_payloads`) and the state visits (:func:`state_visits`)."""

    __slots__ = ("events", "_rows", "_payloads", "_visits")

    def __init__(self, events: Sequence[dict[str, Any]]) -> None:
        self.events: list[dict[str, Any]] = list(events)
        self._rows: list[EventRow] | None = None
        self._payloads: Payloads | None = None
        self._visits: list[StateVisit] | None = None

    @property
    def rows(self) -> list[EventRow]:
        rows = self._rows
        if rows is None:
            rows = self._rows = event_rows(self.events)
        return rows

    @property
    def payloads(self) -> Payloads:
        payloads = self._payloads
        if payloads is None:
            payloads = self._payloads = event_payloads(self.events)
        return payloads

    @property
    def visits(self) -> list[StateVisit]:
        visits = self._visits
        if visits is None:
            visits = self._visits = state_visits(self.events, self.rows, self.payloads)
        return visits


class Payloads(NamedTuple):
    """Every event's input (or parameters) and output, parsed, in event order; None where an event
    carries none.  Two lists rather than a pair per event: fewer objects for the collector."""

    inputs: list[Any]
    outputs: list[Any]


def event_payloads(events: Sequence[dict[str, Any]]) -> Payloads:
    """Every event's payloads, parsed once for all the tables."""
    inputs: list[Any] = []
    outputs: list[Any] = []
    for event in events:
        details = event_details(event)
        payload_in = details.get("input", details.get("parameters"))
        inputs.append(parse_json_text(payload_in) if payload_in is not None else None)
        outputs.append(parse_json_text(details["output"]) if "output" in details else None)
    return Payloads(inputs, outputs)


def state_type_of(event_type: str) -> str | None:
    for suffix in ("StateEntered", "StateExited"):
        if event_type.endswith(suffix):
            return event_type[: -len(suffix)]
    return None


_FAMILY = (
    ("LambdaFunction", "Task"),
    ("Activity", "Task"),
    ("Task", "Task"),
    ("MapIteration", "Map"),
    ("MapRun", "Map"),
    ("MapState", "Map"),
    ("ParallelState", "Parallel"),
    ("WaitState", "Wait"),
)
_FAILURE_TYPES = ("Failed", "TimedOut", "Aborted")
_ATTEMPT_STARTS = frozenset(
    {
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
        "MapStateStarted",
        "ParallelStateStarted",
    }
)


@dataclass(frozen=True)
class _Open:
    """A state that has been entered and not yet exited, on some branch of the history."""

    name: str
    type: str
    entered_id: int
    iteration: int | None
    parent: _Open | None


@dataclass(slots=True)
class EventRow:
    event: dict[str, Any]
    state: str | None
    state_type: str | None
    visit_id: int | None = None  # the id of the StateEntered event of the state visit it belongs to
    iteration: int | None = None  # the Map iteration index it runs in, if any
    parent: str | None = None  # the enclosing Map/Parallel state, if any


def event_rows(events: Sequence[dict[str, Any]]) -> list[EventRow]:
    """Attach to every event the state visit it belongs to, following the previousEventId chain.

    Each event inherits the innermost *open* state (entered, not yet exited) of the event it follows;
    entering pushes a state and exiting pops it, so nested Map and Parallel states resolve correctly
    even when their branches interleave.
    """
    open_at: dict[int, _Open | None] = {0: None}
    iteration_at: dict[int, int | None] = {0: None}
    rows: list[EventRow] = []
    for event in events:
        event_id = event.get("id", 0)
        prev = event.get("previousEventId") or 0
        before = open_at.get(prev)
        iteration = iteration_at.get(prev)
        event_type = event.get("type", "")
        details = event_details(event)
        stype = state_type_of(event_type)
        if stype is not None and event_type.endswith("StateEntered"):
            opened = _Open(details.get("name", ""), stype, event_id, iteration, before)
            open_at[event_id] = opened
            iteration_at[event_id] = iteration
            rows.append(EventRow(event, opened.name, stype, event_id, iteration, _container(before)))
            continue
        if stype is not None:  # exited: pop back to the state around it
            closing = before
            while closing is not None and closing.name != details.get("name"):
                closing = closing.parent
            if closing is None:
                open_at[event_id] = before
                iteration_at[event_id] = iteration
                rows.append(EventRow(event, details.get("name"), stype, None, iteration, _container(before)))
                continue
            open_at[event_id] = closing.parent
            iteration_at[event_id] = closing.iteration
            rows.append(
                EventRow(
                    event,
                    closing.name,
                    stype,
                    closing.entered_id,
                    closing.iteration,
                    _container(closing.parent),
                )
            )
            continue
        open_at[event_id] = before
        if event_type == "MapIterationStarted":
            iteration_at[event_id] = details.get("index")
        else:
            iteration_at[event_id] = iteration
        if event_type.startswith("Execution"):
            rows.append(EventRow(event, None, None))
            continue
        owner = before
        family = next((f for prefix, f in _FAMILY if event_type.startswith(prefix)), None)
        if family is not None:
            probe = owner
            while probe is not None and probe.type != family:
                probe = probe.parent
            if probe is not None:
                owner = probe
        if event_type.startswith("MapIteration") and "name" in details:
            probe = before
            while probe is not None and probe.name != details["name"]:
                probe = probe.parent
            if probe is not None:
                owner = probe
        if owner is None:
            rows.append(EventRow(event, None, None, None, iteration))
        else:
            own_iteration = owner.iteration if event_type.startswith("Map") else iteration
            rows.append(
                EventRow(
                    event, owner.name, owner.type, owner.entered_id, own_iteration, _container(owner.parent)
                )
            )
    return rows


def _container(open_state: _Open | None) -> str | None:
    probe = open_state
    while probe is not None and probe.type not in ("Map", "Parallel"):
        probe = probe.parent
    return probe.name if probe is not None else None


@dataclass(slots=True)
class StateVisit:
    name: str
    type: str
    parent: str | None
    iteration: int | None
    entered: datetime
    entered_event_id: int
    input: Any
    exited: datetime | None = None
    exited_event_id: int | None = None
    output: Any = None
    status: str = "RUNNING"
    error: str | None = None
    cause: str | None = None
    retries: int = 0
    events: list[int] = field(default_factory=list)


# events of a visit that change nothing in its record but its list of events
_PLAIN_EVENTS: Final = frozenset(
    f"{kind}{what}"
    for kind in ("Task", "LambdaFunction", "Activity")
    for what in ("Started", "Succeeded", "Submitted")
) | frozenset({"ParallelStateSucceeded", "MapStateSucceeded"})


# what an event tells the visit it belongs to (see state_visits), by event type
_ENTERED, _EXITED, _ATTEMPT, _FAILURE, _NOTHING_TO_LEARN = range(5)
_EVENT_KINDS: dict[str, int] = {}


def _event_kind(event_type: str) -> int:
    """The kind of an event type, worked out once per type (histories from AWS may hold new ones)."""
    if event_type.startswith("MapIteration"):
        kind = _NOTHING_TO_LEARN  # the Map's own events (its iterations' states have visits of their own)
    elif event_type.endswith("StateEntered"):
        kind = _ENTERED
    elif event_type in _PLAIN_EVENTS:
        kind = _NOTHING_TO_LEARN
    elif event_type.endswith("StateExited"):
        kind = _EXITED
    elif event_type in _ATTEMPT_STARTS:
        kind = _ATTEMPT
    elif event_type.endswith(_FAILURE_TYPES) or event_type == "EvaluationFailed":
        kind = _FAILURE
    else:
        kind = _NOTHING_TO_LEARN
    if len(_EVENT_KINDS) < 1000:
        _EVENT_KINDS[event_type] = kind
    return kind


def state_visits(
    events: Sequence[dict[str, Any]],
    rows: list[EventRow] | None = None,
    payloads: Payloads | None = None,
) -> list[StateVisit]:
    """One record per state entered, with its outcome.

    ``status`` is SUCCEEDED, FAILED (the error left the state), CAUGHT (a Catcher handled it),
    RUNNING (no exit yet), or TIMED_OUT/ABORTED when the execution ended that way while it ran.
    ``retries`` counts the attempts after the first.
    """
    visits: dict[int, StateVisit] = {}
    attempts: dict[int, int] = {}
    failed: set[int] = set()  # visits whose current attempt failed (a Catcher may still take it)
    kinds = _EVENT_KINDS
    for index, row in enumerate(event_rows(events) if rows is None else rows):
        visit_id = row.visit_id
        if visit_id is None:  # an event of no state visit (the execution's own)
            continue
        event = row.event
        event_type = event["type"]
        kind = kinds.get(event_type)
        if kind is None:
            kind = _event_kind(event_type)
        if kind == _ENTERED:
            event_id = event["id"]
            if payloads is None:
                payload_in = parse_json_text(event_details(event).get("input"))
            else:
                payload_in = payloads.inputs[index]
            state_type = row.state_type or ""
            visits[visit_id] = StateVisit(
                row.state or "",
                state_type,
                row.parent,
                row.iteration,
                event["timestamp"],
                event_id,
                payload_in,
                None,
                None,
                None,
                "FAILED" if state_type == "Fail" else "RUNNING",
                None,
                None,
                0,
                [event_id],
            )
            continue
        visit = visits.get(visit_id)
        if visit is None:
            continue
        visit.events.append(event["id"])
        if kind == _NOTHING_TO_LEARN:  # scheduled, started, succeeded, the Map's own iterations
            continue
        details = event_details(event)
        if kind == _EXITED:
            visit.exited = event["timestamp"]
            visit.exited_event_id = event["id"]
            visit.output = (
                parse_json_text(details.get("output")) if payloads is None else payloads.outputs[index]
            )
            caught = visit.entered_event_id in failed
            visit.status = "CAUGHT" if caught else "SUCCEEDED"
            if caught and visit.error is None and isinstance(visit.output, dict):
                visit.error = visit.output.get("Error")  # a Catcher's default output names the error
                visit.cause = visit.output.get("Cause")
        elif kind == _ATTEMPT:
            attempts[visit.entered_event_id] = attempts.get(visit.entered_event_id, 0) + 1
            visit.retries = attempts[visit.entered_event_id] - 1
            visit.error = visit.cause = None
            failed.discard(visit.entered_event_id)
            if visit.status == "FAILED":
                visit.status = "RUNNING"
        elif kind == _FAILURE:
            if "error" in details or "cause" in details:
                visit.error = details.get("error")
                visit.cause = details.get("cause")
            visit.status = "FAILED"
            failed.add(visit.entered_event_id)
    ordered = sorted(visits.values(), key=lambda v: v.entered_event_id)
    if events:
        _close_unfinished(ordered, events[-1])
    return ordered


_ENDED_AS: Final = {
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


def _close_unfinished(visits: list[StateVisit], last: dict[str, Any]) -> None:
    """The visits still open when the execution ended, given the way it ended (its last event)."""
    if last["type"] == "ExecutionSucceeded":
        for visit in visits:  # branches stopped when a sibling failed and the error was caught
            if visit.exited is None and visit.status == "RUNNING":
                visit.status = "ABORTED"
        return
    final = _ENDED_AS.get(last["type"])
    if final is None:  # still running
        return
    details = event_details(last)
    for visit in visits:
        if visit.exited is None:
            if visit.status == "RUNNING" or final != "FAILED":
                visit.status = final
            if visit.error is None and final == "FAILED":
                visit.error = details.get("error")
                visit.cause = details.get("cause")
            visit.exited = last["timestamp"]


_NESTED_ENDS = frozenset(
    f"{kind}State{end}" for kind in ("Map", "Parallel") for end in ("Succeeded", "Failed", "Aborted")
)
_NESTED_STARTS = frozenset({"MapStateStarted", "ParallelStateStarted"})


def variables_at(events: Sequence[dict[str, Any]], event_id: int) -> dict[str, Any]:
    """The workflow variables as they stand at an event: the latest value of each name assigned
    on the chain of events that led to it (previousEventId), so sibling branches do not mix."""
    by_id = {e["id"]: e for e in events}
    values: dict[str, Any] = {}
    current = by_id.get(event_id)
    # Walking back, a finished Map or Parallel is passed through from its end to its start; the
    # variables of its iterations and branches went out of scope when they finished.
    depth = lowest = 0
    while current is not None:
        kind = current["type"]
        if kind in _NESTED_ENDS:
            depth += 1
        elif kind in _NESTED_STARTS:
            depth -= 1
            lowest = min(lowest, depth)
        elif kind.endswith("StateExited") and current["id"] <= event_id and depth <= lowest:
            assigned = event_details(current).get("assignedVariables")
            if isinstance(assigned, dict):
                for name, text in assigned.items():
                    values.setdefault(name, parse_json_text(text))
        previous = current.get("previousEventId") or 0
        current = by_id.get(previous) if previous else None
    return dict(sorted(values.items()))


def variables_frame(events: Sequence[dict[str, Any]], rows: list[EventRow] | None = None) -> Any:
    """Every variable assignment: event id, state, variable name and value (pandas DataFrame)."""
    import pandas as pd

    records = []
    for row in event_rows(events) if rows is None else rows:
        event = row.event
        assigned = event_details(event).get("assignedVariables")
        if event["type"].endswith("StateExited") and isinstance(assigned, dict):
            for name, text in assigned.items():
                records.append(
                    {
                        "id": event["id"],
                        "timestamp": event["timestamp"],
                        "state": row.state,
                        "iteration": row.iteration,
                        "variable": name,
                        "value": parse_json_text(text),
                    }
                )
    frame = pd.DataFrame.from_records(
        records, columns=["id", "timestamp", "state", "iteration", "variable", "value"]
    )
    frame["id"] = frame["id"].astype("int64")
    frame["iteration"] = frame["iteration"].astype("Int64")
    return frame


def history_frame(
    events: Sequence[dict[str, Any]],
    rows: list[EventRow] | None = None,
    payloads: Payloads | None = None,
) -> Any:
    """The history as a pandas DataFrame with :data:`HISTORY_COLUMNS`, indexed by event id.

    ``elapsed`` is the number of seconds from the execution's start (a float).  In a notebook with
    the extension loaded (``%load_ext sfn_notebook``) the frame is shown as an event table like the
    console's; it stays a plain DataFrame.
    """
    import pandas as pd

    if rows is None:
        rows = event_rows(events)
    if payloads is None:
        payloads = event_payloads(events)
    details = [event_details(row.event) for row in rows]
    timestamps = pd.to_datetime([row.event["timestamp"] for row in rows], utc=True)
    frame = pd.DataFrame(
        {
            "id": pd.array([row.event["id"] for row in rows], dtype="int64"),
            "previous_event_id": pd.array(
                [row.event.get("previousEventId", 0) for row in rows], dtype="int64"
            ),
            "timestamp": timestamps,
            "elapsed": (timestamps - timestamps[0]).total_seconds() if len(rows) else [],
            "type": [row.event["type"] for row in rows],
            "state": [row.state for row in rows],
            "state_type": [row.state_type for row in rows],
            "input": pd.Series(payloads.inputs, dtype=object),
            "output": pd.Series(payloads.outputs, dtype=object),
            "error": [d.get("error") for d in details],
            "cause": [d.get("cause") for d in details],
            "resource": [_resource(d) for d in details],
            "details": pd.Series(details, dtype=object),
        },
        columns=["id", *HISTORY_COLUMNS],
    )
    frame["elapsed"] = frame["elapsed"].astype("float64")
    for column in ("type", "state", "state_type", "error", "cause", "resource"):
        frame[column] = _none_for_missing(frame[column])
    frame = frame.set_index("id")
    frame.attrs["sfn_notebook"] = "history"  # the notebook shows it as an event table
    return frame


def _none_for_missing(column: Any) -> Any:
    """Text columns keep None (not NaN) where a value is absent, whatever pandas inferred."""
    values = column.astype("object")
    return values.where(values.notna(), None)


def _resource(details: dict[str, Any]) -> str | None:
    resource = details.get("resource")
    if resource is None:
        return None
    rtype = details.get("resourceType")
    return f"{rtype}:{resource}" if rtype else resource


def states_frame(events: Sequence[dict[str, Any]], visits: list[StateVisit] | None = None) -> Any:
    """One row per state visit (see :func:`state_visits`), with :data:`STATE_COLUMNS`."""
    import pandas as pd

    if visits is None:
        visits = state_visits(events)
    fields = [name for name in STATE_COLUMNS if name != "duration"]  # StateVisit's attributes
    rows = list(map(attrgetter(*fields), visits))
    columns: dict[str, Sequence[Any]] = dict(zip(fields, zip(*rows))) if rows else dict.fromkeys(fields, ())
    columns["duration"] = tuple((v.exited - v.entered) if v.exited is not None else None for v in visits)
    frame = pd.DataFrame({name: pd.Series(list(columns[name]), dtype=object) for name in STATE_COLUMNS})
    frame["entered"] = pd.to_datetime(frame["entered"], utc=True)
    frame["exited"] = pd.to_datetime(frame["exited"], utc=True)
    frame["duration"] = pd.to_timedelta(frame["duration"])
    frame["retries"] = frame["retries"].astype("int64")
    frame["iteration"] = frame["iteration"].astype("Int64")
    frame["entered_event_id"] = frame["entered_event_id"].astype("int64")
    frame["exited_event_id"] = frame["exited_event_id"].astype("Int64")
    for column in ("name", "type", "parent", "status", "error", "cause"):
        frame[column] = _none_for_missing(frame[column])
    return frame
