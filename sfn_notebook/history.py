"""Execution histories as tables: one schema for local runs and for executions read from AWS.

The functions here take the list of events exactly as ``get_execution_history()["events"]`` returns
them, so they work the same on a local :class:`~sfn_notebook.Execution` and on one fetched from AWS.
pandas is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
    "parse_json_text",
]

HISTORY_COLUMNS = [
    "id",
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
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def parse_json_text(text: Any) -> Any:
    """Parse a JSON payload from the history; non-JSON text is returned as it is."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


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


@dataclass
class EventRow:
    event: dict[str, Any]
    state: str | None
    state_type: str | None


def event_rows(events: Sequence[dict[str, Any]]) -> list[EventRow]:
    """Attach to every event the state it belongs to, following the previousEventId chain.

    Each event inherits the innermost *open* state (entered, not yet exited) of the event it follows;
    entering pushes a state and exiting pops it, so nested Map/Parallel states resolve correctly.
    """
    open_at: dict[int, tuple[str, str, Any] | None] = {}
    rows = []
    for event in events:
        event_id = event.get("id", 0)
        prev = event.get("previousEventId") or 0
        parent_open = open_at.get(prev)
        event_type = event.get("type", "")
        stype = state_type_of(event_type)
        details = event_details(event)
        if stype is not None and event_type.endswith("StateEntered"):
            opened = (details.get("name", ""), stype, parent_open)
            open_at[event_id] = opened
            rows.append(EventRow(event, opened[0], stype))
            continue
        if stype is not None:
            # Exited: pop back to the state around it
            current = parent_open
            while current is not None and current[0] != details.get("name"):
                current = current[2]
            open_at[event_id] = current[2] if current is not None else parent_open
            rows.append(EventRow(event, details.get("name"), stype))
            continue
        if event_type.startswith("Execution"):
            open_at[event_id] = parent_open
            rows.append(EventRow(event, None, None))
            continue
        owner = parent_open
        family = next((f for prefix, f in _FAMILY if event_type.startswith(prefix)), None)
        if family is not None:
            probe = owner
            while probe is not None and probe[1] != family:
                probe = probe[2]
            if probe is not None:
                owner = probe
        if event_type.startswith("MapIteration") and "name" in details:
            probe = parent_open
            while probe is not None and probe[0] != details["name"]:
                probe = probe[2]
            owner = probe if probe is not None else owner
        open_at[event_id] = parent_open
        rows.append(EventRow(event, owner[0] if owner else None, owner[1] if owner else None))
    return rows


@dataclass
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


def state_visits(events: Sequence[dict[str, Any]]) -> list[StateVisit]:
    """One record per state entered, with its outcome.

    ``status`` is SUCCEEDED, FAILED (the error left the state), CAUGHT (a Catcher handled it),
    or RUNNING (no exit yet: the execution is still going, or stopped while the state ran).
    """
    rows = event_rows(events)
    visits: list[StateVisit] = []
    open_visits: dict[tuple[str, str | None], StateVisit] = {}
    index = {r.event["id"]: r for r in rows}
    iteration_of: dict[int, int | None] = {}
    for row in rows:
        event = row.event
        event_type = event["type"]
        details = event_details(event)
        prev = event.get("previousEventId") or 0
        iteration = iteration_of.get(prev)
        if event_type == "MapIterationStarted":
            iteration = details.get("index")
        iteration_of[event["id"]] = iteration
        if event_type.endswith("StateEntered"):
            parent = _parent_name(index, row)
            visit = StateVisit(
                name=row.state or "",
                type=row.state_type or "",
                parent=parent,
                iteration=iteration,
                entered=event["timestamp"],
                entered_event_id=event["id"],
                input=parse_json_text(details.get("input")),
            )
            visits.append(visit)
            open_visits[(visit.name, str(iteration))] = visit
            visit.events.append(event["id"])
            continue
        if row.state is None:
            continue
        visit = open_visits.get((row.state, str(iteration))) or _latest_open(visits, row.state)
        if visit is None:
            continue
        visit.events.append(event["id"])
        if event_type.endswith("StateExited"):
            visit.exited = event["timestamp"]
            visit.exited_event_id = event["id"]
            visit.output = parse_json_text(details.get("output"))
            visit.status = "CAUGHT" if visit.error is not None else "SUCCEEDED"
        elif event_type.endswith(("Failed", "TimedOut")) and "error" in details or event_type.endswith("StateFailed"):
            if event_type in ("TaskScheduled",):
                continue
            if "error" in details:
                visit.error = details.get("error")
                visit.cause = details.get("cause")
            elif visit.error is None:
                visit.error = visit.error
            if event_type.endswith("StateFailed") or "error" in details:
                visit.status = "FAILED"
        elif event_type in ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled", "MapStateStarted", "ParallelStateStarted"):
            if any(_is_attempt_start(events, eid) for eid in visit.events[:-1]):
                visit.retries += 1
    # an execution that failed: the state that was running when it failed failed too
    last = events[-1] if events else None
    if last is not None and last["type"] in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
        details = event_details(last)
        for visit in visits:
            if visit.exited is None:
                visit.status = {"ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT", "ExecutionAborted": "ABORTED"}[
                    last["type"]
                ] if visit.status in ("RUNNING", "FAILED") else visit.status
                if visit.error is None and last["type"] == "ExecutionFailed":
                    visit.error = details.get("error")
                    visit.cause = details.get("cause")
                visit.exited = visit.exited or last["timestamp"]
    return visits


def _is_attempt_start(events: Sequence[dict[str, Any]], event_id: int) -> bool:
    if 0 < event_id <= len(events):
        return events[event_id - 1]["type"] in (
            "TaskScheduled",
            "LambdaFunctionScheduled",
            "ActivityScheduled",
            "MapStateStarted",
            "ParallelStateStarted",
        )
    return False


def _latest_open(visits: list[StateVisit], name: str) -> StateVisit | None:
    for visit in reversed(visits):
        if visit.name == name and visit.exited is None:
            return visit
    return None


def _parent_name(index: dict[int, EventRow], row: EventRow) -> str | None:
    """The enclosing Map/Parallel: walk back along previousEventId to the open container."""
    prev = row.event.get("previousEventId") or 0
    depth = 0
    while prev:
        r = index.get(prev)
        if r is None:
            return None
        t = r.event["type"]
        if t in ("MapStateExited", "ParallelStateExited"):
            depth += 1
        elif t in ("MapStateEntered", "ParallelStateEntered"):
            if depth == 0:
                return r.state
            depth -= 1
        prev = r.event.get("previousEventId") or 0
    return None


def history_frame(events: Sequence[dict[str, Any]]) -> Any:
    """The history as a pandas DataFrame with :data:`HISTORY_COLUMNS`."""
    import pandas as pd

    rows = event_rows(events)
    start = events[0]["timestamp"] if events else None
    records = []
    for row in rows:
        event = row.event
        details = event_details(event)
        payload_in = details.get("input", details.get("parameters"))
        records.append(
            {
                "id": event["id"],
                "previous_event_id": event.get("previousEventId", 0),
                "timestamp": event["timestamp"],
                "elapsed": event["timestamp"] - start if start is not None else timedelta(0),
                "type": event["type"],
                "state": row.state,
                "state_type": row.state_type,
                "input": parse_json_text(payload_in) if payload_in is not None else None,
                "output": parse_json_text(details["output"]) if "output" in details else None,
                "error": details.get("error"),
                "cause": details.get("cause"),
                "resource": _resource(details),
                "details": details,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)
    frame["id"] = frame["id"].astype("int64")
    frame["previous_event_id"] = frame["previous_event_id"].astype("int64")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["elapsed"] = pd.to_timedelta(frame["elapsed"])
    for column in ("type", "state", "state_type", "error", "cause", "resource"):
        frame[column] = _none_for_missing(frame[column])
    return frame.set_index("id", drop=False).rename_axis(None)


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


def states_frame(events: Sequence[dict[str, Any]]) -> Any:
    """One row per state visit (see :func:`state_visits`), with :data:`STATE_COLUMNS`."""
    import pandas as pd

    records = []
    for v in state_visits(events):
        records.append(
            {
                "name": v.name,
                "type": v.type,
                "parent": v.parent,
                "iteration": v.iteration,
                "entered": v.entered,
                "exited": v.exited,
                "duration": (v.exited - v.entered) if v.exited is not None else None,
                "status": v.status,
                "input": v.input,
                "output": v.output,
                "error": v.error,
                "cause": v.cause,
                "retries": v.retries,
                "entered_event_id": v.entered_event_id,
                "exited_event_id": v.exited_event_id,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=STATE_COLUMNS)
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
