"""The data of a past execution as it stood at one state visit, for evaluating expressions against it.

:class:`HistoryEnv` rebuilds what a state's expressions saw from the history alone (so it serves
executions read from AWS too): the context object, and the workflow variables in scope.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .engine.scope import iso_time
from .errors import StatesError
from .history import event_details, parse_json_text, variables_at

if TYPE_CHECKING:
    from .execution import Execution
    from .history import StateVisit

__all__ = ["HistoryEnv", "execution_context"]


def execution_context(execution: Execution) -> dict[str, Any]:
    """The ``Execution`` and ``StateMachine`` parts of the context object of ``execution``."""
    run = getattr(execution, "_run", None)
    if run is not None:
        return dict(run.execution_context)
    events = execution.events
    started = event_details(events[0]) if events and events[0].get("type") == "ExecutionStarted" else {}
    start = execution.start_date
    machine_arn = getattr(execution, "state_machine_arn", None) or started.get("stateMachineArn")
    machine_name = machine_arn.rsplit(":", 1)[-1] if isinstance(machine_arn, str) else None
    if machine_name is None and execution.state_machine is not None:
        machine_name = execution.state_machine.name
    return {
        "Execution": {
            "Id": execution.arn,
            "Input": parse_json_text(started.get("input")) if "input" in started else execution.input,
            "StartTime": iso_time(start.timestamp()) if start is not None else None,
            "Name": execution.name,
            "RoleArn": started.get("roleArn"),
            "RedriveCount": int(getattr(execution, "redrive_count", 0) or 0),
        },
        "StateMachine": {"Id": machine_arn, "Name": machine_name},
    }


class HistoryEnv:
    """What expressions saw in one state visit (implements the engine's ``Env``), from the history.

    ``retry_count`` is the attempt (``$$.State.RetryCount``) for Task, Parallel and Map states.
    ``token`` is the task token of a ``.waitForTaskToken`` attempt.
    """

    def __init__(
        self,
        execution: Execution,
        visit: StateVisit,
        *,
        retry_count: int | None = None,
        token: str | None = None,
        at_event: int | None = None,
    ) -> None:
        self.execution = execution
        self.visit = visit
        self.retry_count = retry_count
        self.token = token
        self._at_event = at_event if at_event is not None else visit.entered_event_id
        self._variables: dict[str, Any] | None = None
        self.rng = random.Random(0)

    def context(self) -> dict[str, Any]:
        ctx = execution_context(self.execution)
        state: dict[str, Any] = {
            "EnteredTime": iso_time(self.visit.entered.timestamp()),
            "Name": self.visit.name,
        }
        if self.retry_count is not None:
            state["RetryCount"] = self.retry_count
        ctx["State"] = state
        if self.token is not None:
            ctx["Task"] = {"Token": self.token}
        if self.visit.iteration is not None:
            ctx["Map"] = {"Item": {"Index": self.visit.iteration}}
        return ctx

    @property
    def variables(self) -> dict[str, Any]:
        """The workflow variables in scope at the event the environment stands at."""
        if self._variables is None:
            self._variables = variables_at(self.execution.events, self._at_event)
        return self._variables

    def variable(self, name: str) -> Any:
        values = self.variables
        if name not in values:
            raise StatesError(
                "States.Runtime", f"The variable '${name}' is not defined at this point of the execution"
            )
        return values[name]
