"""The Wait state: how long it waits, on the virtual clock."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..._json import is_integer
from ...asl import model as m
from ...asl.parser import parse_timestamp
from .. import dataflow as df
from ..fibers import Sleep
from ..scope import Scope, Visit
from .common import finish_simple, java_text, jsonata_number_cause, jsonata_states

if TYPE_CHECKING:
    from ..run import Run


def run_wait(
    run: Run, state: m.WaitState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Wait (virtual time) as Seconds/Timestamp or their paths say, then pass the input on."""
    effective = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
    seconds = _wait_seconds(run, state, effective, raw, visit)
    if seconds > 0:
        yield Sleep(seconds)
    return finish_simple(run, state, visit, raw, effective, scope)


def _wait_seconds(run: Run, state: m.WaitState, effective: Any, raw: Any, visit: Visit) -> float:
    field = state.wait_field
    states = jsonata_states(visit, raw) if state.is_jsonata else None
    node = state.seconds if field in ("Seconds", "SecondsPath") else state.timestamp
    if field.endswith("Path"):  # a path that finds nothing gets AWS's own message for the field
        path = node.path  # type: ignore[union-attr]
        value = df.resolve_path(
            path,
            effective,
            visit,
            field,
            missing=f"The {field} parameter does not reference an input value: {path.text}",
        )
    else:
        value = df.evaluate(node, effective, visit, states)
    if field == "SecondsPath":
        if not is_integer(value) or (isinstance(value, float) and not value.is_integer()):
            raise df.runtime_error(
                f"The SecondsPath parameter cannot be parsed as a long value: {path.text} == {java_text(value)}"
            )
        if value < 0:
            raise df.runtime_error(
                f"The SecondsPath parameter references a negative value: {path.text} == {java_text(value)}"
            )
        return float(value)
    if field == "Seconds":
        if type(node) is m.TJsonata:
            if not is_integer(value):
                df.expect_type(value, "integer", node)
            if value < 0:
                raise df.query_error(jsonata_number_cause(node, value), node.field)
        return float(value)
    stamp = parse_timestamp(value)
    if stamp is None:
        if field == "TimestampPath":
            raise df.runtime_error(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                f"format string: {path.text} == {java_text(value)}"
            )
        raise df.query_error(
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            f"{java_text(value)}",
            "Timestamp",
        )
    return max(0.0, stamp.timestamp() - run.now)
