"""The execution history, recorded cheaply and shaped like GetExecutionHistory's events on demand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from itertools import chain
from typing import Any, overload

__all__ = [
    "flat_details",
    "EventLog",
    "Events",
    "details_key",
    "shaped_event",
    "HISTORY_LIMIT",
    "MAX_PAYLOAD",
    "TRUNCATED",
]

HISTORY_LIMIT = 25_000  # events in one execution's history
MAX_PAYLOAD = 262_144  # bytes of UTF-8 in one input, output or result (256 KiB)
TRUNCATED = {"truncated": False}  # the inputDetails/outputDetails of a payload kept whole

_SPECIAL_DETAILS = {
    # types whose details member does not follow camelCase(type) + "EventDetails"
    "MapIterationStarted": "mapIterationStartedEventDetails",
    "MapIterationSucceeded": "mapIterationSucceededEventDetails",
    "MapIterationFailed": "mapIterationFailedEventDetails",
    "MapIterationAborted": "mapIterationAbortedEventDetails",
}

_details_cache: dict[str, str] = {}


def details_key(event_type: str) -> str:
    """The name of the ``*EventDetails`` member AWS uses for ``event_type``."""
    key = _details_cache.get(event_type)
    if key is None:
        if event_type.endswith("StateEntered"):
            key = "stateEnteredEventDetails"
        elif event_type.endswith("StateExited"):
            key = "stateExitedEventDetails"
        else:
            key = _SPECIAL_DETAILS.get(event_type) or event_type[0].lower() + event_type[1:] + "EventDetails"
        _details_cache[event_type] = key
    return key


# a payload's member and the member AWS pairs it with ({"truncated": false} when kept whole)
_PAYLOAD_DETAILS = {
    "input": "inputDetails",
    "output": "outputDetails",
    "assignedVariables": "assignedVariablesDetails",
}


Details = tuple  # an event's details: keys and values in turn, ``("name", "P", "input", "{}")``
# one event: ``(type, timestamp_seconds, previous_event_id, *details)`` (details flat, maybe none)
Record = tuple
NO_DETAILS = (None,)  # what a record holds for empty details (``{}``), as opposed to none at all


def flat_details(details: dict[str, Any]) -> Details:
    """A details dict as a record keeps it: keys and values in turn (a tuple, untracked by the
    garbage collector when its values are text and numbers)."""
    return tuple(chain.from_iterable(details.items()))


def shaped_details(details: Details) -> dict[str, Any]:
    """A record's details as AWS shows them: each payload followed by its ``...Details`` member.

    Records leave those members out (they are always ``{"truncated": false}``) unless the caller
    gave them."""
    keys = details[0::2]
    shaped: dict[str, Any] = {}
    for key, value in zip(keys, details[1::2]):
        shaped[key] = value
        paired = _PAYLOAD_DETAILS.get(key)
        if paired is not None and paired not in keys:
            shaped[paired] = TRUNCATED
    return shaped


def shaped_event(index: int, record: Record) -> dict[str, Any]:
    """One record as a dict shaped exactly like ``get_execution_history()["events"][index]``."""
    event_type = record[0]
    event: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(record[1], tz=timezone.utc),
        "type": event_type,
        "id": index + 1,
        "previousEventId": record[2],
    }
    if len(record) > 3:
        event[details_key(event_type)] = {} if record[3] is None else shaped_details(record[3:])
    return event


class Events(Sequence[dict[str, Any]]):
    """The events of a history as boto3 shapes them, built when read (a history holds no second copy).

    A read-only sequence fixed at the events recorded when it was made; it compares equal to a list
    of the same events, and ``list(events)`` or ``copy.copy(events)`` gives a list to edit or serialise.
    """

    __slots__ = ("_records", "_stop")

    def __init__(self, records: Sequence[Record], stop: int) -> None:
        self._records = records
        self._stop = stop

    def __len__(self) -> int:
        return self._stop

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        records = self._records
        if isinstance(index, slice):
            return [shaped_event(i, records[i]) for i in range(*index.indices(self._stop))]
        i = index.__index__()
        if i < 0:
            i += self._stop
        if not 0 <= i < self._stop:
            raise IndexError("event index out of range")
        return shaped_event(i, records[i])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        records = self._records
        for i in range(self._stop):
            yield shaped_event(i, records[i])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, Events)):
            return len(other) == self._stop and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def types(self) -> list[str]:
        """Every event's type, read without shaping the events (for scans that need only those)."""
        records = self._records
        return [records[i][0] for i in range(self._stop)]

    def __copy__(self) -> list[dict[str, Any]]:
        return list(self)  # a list of events of one's own, to edit

    def __deepcopy__(self, memo: dict[int, Any]) -> list[dict[str, Any]]:
        return list(self)  # every event is built anew when read: nothing is shared

    def __repr__(self) -> str:
        return repr(list(self))


class EventLog:
    """Append-only list of events as compact tuples; :meth:`materialize` shapes them like boto3.

    Each record is one flat tuple, ``(type, timestamp_seconds, previous_event_id, *details)``, the
    details being keys and values in turn (:func:`flat_details`); the event id is its position + 1.
    Records hold text and numbers (payload ``...Details`` members are added when shaped), so the
    garbage collector stops tracking a record the first time it sees it.
    """

    __slots__ = ("records",)

    def __init__(self) -> None:
        self.records: list[Record] = []

    def __len__(self) -> int:
        return len(self.records)

    def add(
        self, event_type: str, timestamp: float, previous: int, details: dict[str, Any] | Details | None
    ) -> int:
        if isinstance(details, dict):
            details = flat_details(details)
        record = (event_type, timestamp, previous)
        self.records.append(record if details is None else record + (details or NO_DETAILS))
        return len(self.records)

    def materialize(self) -> Events:
        """Every event recorded so far, shaped exactly like ``get_execution_history()["events"]``."""
        return Events(self.records, len(self.records))
