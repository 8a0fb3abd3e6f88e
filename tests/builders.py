"""Builders shared by the tests: definitions and machines from a few states, an execution known only
from its events, and JSON values for property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sfn_notebook import Execution, StateMachine

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
SUCCEED: dict[str, Any] = {"Type": "Succeed"}


def asl(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A definition (a dict) that starts at the first of ``states``; ``top`` adds top-level fields."""
    return {"StartAt": next(iter(states)), "States": states, **top}


def branch(**states: Any) -> dict[str, Any]:
    """A Parallel branch or Map processor from its states, given by name."""
    return asl(states)


def task(function: str = "work", **fields: Any) -> dict[str, Any]:
    """A Task state that invokes the Lambda function ``function``, with more ``fields``."""
    return {"Type": "Task", "Resource": LAMBDA + function, **fields}


def machine(states: dict[str, Any], **top: Any) -> StateMachine:
    """A machine that starts at the first of ``states``."""
    return StateMachine(asl(states, **top))


def jsonata(states: dict[str, Any], **top: Any) -> StateMachine:
    """A machine whose top-level QueryLanguage is JSONata."""
    return machine(states, QueryLanguage="JSONata", **top)


def types(ex: Any) -> list[str]:
    """The event types of an execution's history, in order."""
    return [e["type"] for e in ex.events]


def located(state: str, event_id: int, message: str) -> str:
    """A runtime error's cause with AWS's "An error occurred while executing the state ..." prefix."""
    return (
        f"An error occurred while executing the state '{state}' (entered at the event id #{event_id}). "
        + message
    )


# ----------------------------------------------------------------------------- JSON values

# integers a double holds exactly, short strings
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_keys = st.text(max_size=6)


def json_documents(
    scalars: st.SearchStrategy[Any] = json_scalars,
    keys: st.SearchStrategy[str] = json_keys,
    size: int = 4,
    max_leaves: int = 12,
) -> st.SearchStrategy[Any]:
    """JSON values nested from ``scalars``: arrays and objects (keys from ``keys``) of up to ``size``."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=size) | st.dictionaries(keys, inner, max_size=size),
        max_leaves=max_leaves,
    )


json_values = json_documents()


class RecordedExecution(Execution):
    """An execution known only from its events, as one read from AWS is: no local run behind it.

    ``state_machine`` (none by default) is the machine it ran, when known; ``definition``, when given,
    is kept as the ``definition`` attribute an AWS execution may carry.
    """

    def __init__(self, source: Execution, *, state_machine: Any = None, definition: Any = None) -> None:
        self.name = source.name
        self.arn = source.arn
        self._events = source.events
        self._status = source.status
        self._result = (source.output, source.error, source.cause)
        self.state_machine = state_machine
        if definition is not None:
            self.definition = definition

    @property
    def status(self) -> str:
        return self._status

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._events

    @property
    def output(self) -> Any:
        return self._result[0]

    @property
    def error(self) -> str | None:
        return self._result[1]

    @property
    def cause(self) -> str | None:
        return self._result[2]
