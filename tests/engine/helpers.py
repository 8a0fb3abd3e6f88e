"""Builders only the engine tests use; the ones every test shares come from tests/builders.py."""

from __future__ import annotations

from typing import Any

from tests.builders import LAMBDA, json_scalars, json_values, jsonata, located, machine, types

__all__ = [
    "LAMBDA",
    "branch",
    "doubler",
    "json_scalars",
    "json_values",
    "jsonata",
    "located",
    "machine",
    "seconds_after_start",
    "types",
]


def branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A branch / processor from (name, state) pairs chained with Next."""
    names = [n for n, _ in states]
    body = {}
    for i, (name, spec) in enumerate(states):
        spec = dict(spec)
        if spec["Type"] not in ("Succeed", "Fail", "Choice"):
            if i + 1 < len(states):
                spec["Next"] = names[i + 1]
            else:
                spec["End"] = True
        body[name] = spec
    return {"StartAt": names[0], "States": body}


def doubler(event: Any) -> Any:
    """A handler that doubles its event."""
    return event * 2


def seconds_after_start(ex: Any, event: dict[str, Any]) -> float:
    """When an event happened, in seconds of the virtual clock after the execution started."""
    return float((event["timestamp"] - ex.events[0]["timestamp"]).total_seconds())
