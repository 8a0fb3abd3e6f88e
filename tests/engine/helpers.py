"""Small builders shared by the engine tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sfn_notebook import StateMachine

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

# JSON values for property tests: integers a double holds exactly, short strings, shallow nesting
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def machine(states: dict[str, Any], **top: Any) -> StateMachine:
    """A machine that starts at the first of ``states``."""
    return StateMachine({"StartAt": next(iter(states)), "States": states, **top})


def jsonata(states: dict[str, Any], **top: Any) -> StateMachine:
    """A machine whose top-level QueryLanguage is JSONata."""
    return machine(states, QueryLanguage="JSONata", **top)


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


def types(ex: Any) -> list[str]:
    """The event types of an execution's history, in order."""
    return [e["type"] for e in ex.events]


def located(state: str, event_id: int, message: str) -> str:
    """A runtime error's cause with AWS's "An error occurred while executing the state ..." prefix."""
    return (
        f"An error occurred while executing the state '{state}' (entered at the event id #{event_id}). "
        + message
    )
