"""The execution history, recorded cheaply and shaped like GetExecutionHistory's events on demand."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["EventLog", "details_key", "HISTORY_LIMIT", "MAX_PAYLOAD", "TRUNCATED"]

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


class EventLog:
    """Append-only list of events as compact tuples; :meth:`materialize` builds boto3-shaped dicts.

    Each record is ``(type, timestamp_seconds, previous_event_id, details_or_None)``; the event id
    is its position + 1.
    """

    __slots__ = ("records", "_materialized")

    def __init__(self) -> None:
        self.records: list[tuple[str, float, int, dict[str, Any] | None]] = []
        self._materialized: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.records)

    def add(self, event_type: str, timestamp: float, previous: int, details: dict[str, Any] | None) -> int:
        self.records.append((event_type, timestamp, previous, details))
        return len(self.records)

    def materialize(self) -> list[dict[str, Any]]:
        """Every event as a dict shaped exactly like ``get_execution_history()["events"][i]``."""
        done = self._materialized
        records = self.records
        for i in range(len(done), len(records)):
            event_type, ts, previous, details = records[i]
            event: dict[str, Any] = {
                "timestamp": datetime.fromtimestamp(ts, tz=timezone.utc),
                "type": event_type,
                "id": i + 1,
                "previousEventId": previous,
            }
            if details is not None:
                event[details_key(event_type)] = details
            done.append(event)
        return list(done)
