"""The task tokens a running execution waits for, and where each was sent (``ex.callbacks()``).

A ``.waitForTaskToken`` Task sends its token somewhere (a queue, a topic, a function, an event bus)
and waits for SendTaskSuccess, SendTaskFailure or heartbeats.  :func:`pending_callbacks` lists the
waiting ones: for a local run from the engine, for an execution on AWS from its history (a Task
scheduled with ``.waitForTaskToken`` that has no outcome yet; its token is read from the
parameters where the definition put ``$$.Task.Token``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .history import event_details, event_rows, parse_json_text

__all__ = ["PendingCallback", "pending_callbacks"]

_OUTCOMES = frozenset({"TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskSubmitFailed", "TaskStartFailed"})
# the parameter naming where a service integration delivers its message, by resource type
_DESTINATIONS = (
    "QueueUrl",
    "TopicArn",
    "PhoneNumber",
    "TargetArn",
    "FunctionName",
    "StateMachineArn",
    "EventBusName",
    "ApiEndpoint",
    "Url",
)


@dataclass
class PendingCallback:
    """A Task waiting for its token: the state, the service it sent the token through, the
    parameters it sent (``parameters``), and ``sent_to`` (the queue, topic, function...)."""

    token: str
    state: str
    resource: str
    sent_to: str | None
    parameters: Any
    scheduled_event_id: int | None = None
    heartbeat_seconds: int | None = None
    iteration: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        where = f" → {self.sent_to}" if self.sent_to is not None else ""
        item = f" (item {self.iteration})" if self.iteration is not None else ""
        return f"{self.state}{item}: {self.resource}{where} · token {self.token[:12]}…"


def _destination(parameters: Any) -> str | None:
    if not isinstance(parameters, dict):
        return None
    for key in _DESTINATIONS:
        value = parameters.get(key)
        if isinstance(value, str):
            return value
    entries = parameters.get("Entries")
    if isinstance(entries, list) and len(entries) > 0 and isinstance(entries[0], dict):
        bus = entries[0].get("EventBusName")
        return bus if isinstance(bus, str) else "default event bus"
    return None


def _scheduled(events: list[dict[str, Any]]) -> list[tuple[Any, dict[str, Any]]]:
    """(row, details) of each callback Task attempt still without an outcome, oldest first."""
    rows = event_rows(events)
    open_attempts: dict[int, tuple[Any, dict[str, Any]]] = {}  # visit id -> its waiting attempt
    for row in rows:
        kind = row.event.get("type")
        if row.visit_id is None:
            continue
        if kind == "TaskScheduled":
            details = event_details(row.event)
            if str(details.get("resource", "")).endswith(".waitForTaskToken"):
                open_attempts[row.visit_id] = (row, details)
            else:
                open_attempts.pop(row.visit_id, None)
        elif kind in _OUTCOMES or str(kind).endswith("StateExited"):
            open_attempts.pop(row.visit_id, None)
    return sorted(open_attempts.values(), key=lambda pair: pair[0].event["id"])


def _token_paths(template: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where a Parameters/Arguments template puts the task token (key paths into what it builds)."""
    if isinstance(template, dict):
        for key, value in template.items():
            if isinstance(value, str) and "Task.Token" in value:
                yield (*path, key[:-2] if key.endswith(".$") else key)
            else:
                yield from _token_paths(value, (*path, key[:-2] if key.endswith(".$") else key))
    elif isinstance(template, list):
        for index, value in enumerate(template):
            yield from _token_paths(value, (*path, index))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value


def _longest_string(value: Any) -> str | None:
    """The longest string inside a JSON value (task tokens are long), for definitions not at hand."""
    best: str | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if best is None or len(item) > len(best):
                best = item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return best


_TOKEN_TEXT = re.compile(r"[A-Za-z0-9+/=_-]{40,}")


def _token_in(text: str) -> str:
    """The token in a text that carries one (a formatted message): its longest base64-like run."""
    runs = _TOKEN_TEXT.findall(text)
    return max(runs, key=len) if runs else text


def _state_template(execution: Any, state: str) -> Any:
    sm = getattr(execution, "state_machine", None)
    if sm is None:
        return None

    def find(scope: Any) -> Any:
        states = scope.get("States") if isinstance(scope, dict) else None
        if not isinstance(states, dict):
            return None
        if state in states and isinstance(states[state], dict):
            return states[state]
        for inner in states.values():
            if not isinstance(inner, dict):
                continue
            for child in [*inner.get("Branches", []), inner.get("ItemProcessor"), inner.get("Iterator")]:
                found = find(child)
                if found is not None:
                    return found
        return None

    found = find(sm.definition)
    if found is None:
        return None
    return found.get("Parameters", found.get("Arguments"))


def pending_callbacks(execution: Any) -> list[PendingCallback]:
    """The Tasks of ``execution`` waiting for their task token, oldest first."""
    events = execution.events
    attempts = _scheduled(events)
    local = getattr(execution, "waiting_for", None)
    local_tokens = list(local) if isinstance(local, list) else None
    pending: list[PendingCallback] = []
    used: set[str] = set()
    for row, details in attempts:
        parameters = parse_json_text(details.get("parameters"))
        resource = f"{details.get('resourceType', '')}:{details.get('resource', '')}".removesuffix(
            ".waitForTaskToken"
        )
        token: str | None = None
        if local_tokens is not None:
            mine = [t for t in local_tokens if t.state == row.state and t.token not in used]
            if mine:
                # of this state's tokens, the one the parameters carry (Map iterations), else the first
                sent = details.get("parameters")
                text = sent if isinstance(sent, str) else ""
                token = next((t.token for t in mine if t.token in text), mine[0].token)
        else:
            template = _state_template(execution, row.state or "")
            for path in _token_paths(template):
                found = _at(parameters, path)
                if isinstance(found, str):
                    token = _token_in(found)
                    break
            if token is None:
                longest = _longest_string(parameters)
                token = _token_in(longest) if longest is not None else None
        if token is None:
            continue
        used.add(token)
        pending.append(
            PendingCallback(
                token=token,
                state=row.state or "",
                resource=resource,
                sent_to=_destination(parameters),
                parameters=parameters,
                scheduled_event_id=row.event.get("id"),
                heartbeat_seconds=details.get("heartbeatInSeconds"),
                iteration=row.iteration,
            )
        )
    return pending
