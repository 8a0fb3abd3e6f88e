"""The data of a past execution as it stood at one state visit, for evaluating expressions against it.

:class:`HistoryEnv` rebuilds what a state's expressions saw from the history alone (so it serves
executions read from AWS too): the context object, and the workflow variables in scope.
:func:`evaluate` (``ex.evaluate(expression, at=...)``) evaluates a JSONPath, an intrinsic function
or a JSONata expression there: ``$`` is the state's input (its output at its exit event, a task's
result at its success event, the error output at a failure), ``$states`` has ``input``,
``context`` and, where they exist, ``result`` and ``errorOutput``; ``$$`` is the context object
and ``$name`` a variable in scope at that event.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ._json import MISSING
from .engine.scope import iso_time
from .errors import StatesError
from .history import event_details, parse_json_text, variables_at

if TYPE_CHECKING:
    from .execution import Execution
    from .history import StateVisit

__all__ = ["DataPoint", "HistoryEnv", "data_point", "evaluate", "execution_context"]


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
        self.state_context = True  # False: an execution's own event, outside any state

    def context(self) -> dict[str, Any]:
        ctx = execution_context(self.execution)
        if not self.state_context:
            return ctx
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
            item: dict[str, Any] = {"Index": self.visit.iteration}
            value = self._map_item_value()
            if value is not MISSING:
                item["Value"] = value
            ctx["Map"] = {"Item": item}
        return ctx

    def _map_item_value(self) -> Any:
        """The item of the Map iteration the visit runs in, read from the Map state's input through
        its InputPath and ItemsPath (JSONPath Maps; MISSING when it cannot be rebuilt)."""
        from .asl import model as m
        from .engine import dataflow as df
        from .history import state_visits

        visit = self.visit
        sm = self.execution.state_machine
        index = visit.iteration
        if sm is None or visit.parent is None or index is None:
            return MISSING
        state = next((s for s in sm.machine.walk() if s.name == visit.parent), None)
        if not isinstance(state, m.MapState) or state.is_jsonata or state.mode != "INLINE":
            return MISSING
        around = [
            v
            for v in state_visits(self.execution.events)
            if v.name == visit.parent
            and v.entered_event_id < visit.entered_event_id
            and (v.exited_event_id is None or v.exited_event_id > visit.entered_event_id)
        ]
        if not around:
            return MISSING
        try:
            effective = df.apply_input_path(state.input_path, around[-1].input, self)
            items = effective if state.items_path is MISSING else state.items_path.get(effective)  # type: ignore[union-attr]
        except Exception:  # the history does not hold what it takes
            return MISSING
        return items[index] if isinstance(items, list) and 0 <= index < len(items) else MISSING

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


# ----------------------------------------------------------------------------- evaluating


_RESULT_EVENTS = frozenset({"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"})


@dataclass(frozen=True)
class DataPoint:
    """Where an expression is evaluated: the event, the state visit it belongs to (None for the
    execution's own events), and what ``$`` / ``$states`` mean there."""

    event_id: int
    visit: StateVisit | None
    data: Any  # what "$" means: the state input, its output after it exits, a task result...
    states: dict[str, Any]  # JSONata's $states (input, result, errorOutput; context added later)
    jsonata: bool  # the state (or the machine) uses JSONata

    def describe(self) -> str:
        if self.visit is None:
            return f"event {self.event_id} (the execution)"
        return f"event {self.event_id} in state '{self.visit.name}'"


def _visit_for(visits: list[StateVisit], at: str, visit: int) -> StateVisit:
    mine = [v for v in visits if v.name == at]
    if not mine:
        known = sorted({v.name for v in visits})
        raise ValueError(f"the execution never entered a state named {at!r} (it entered: {', '.join(known)})")
    try:
        return mine[visit]
    except IndexError:
        raise ValueError(f"state {at!r} was entered {len(mine)} time(s); visit={visit} is not one") from None


def data_point(execution: Execution, at: Any = None, *, visit: int = 0, output: bool = False) -> DataPoint:
    """Where ``at`` points: None (the execution's start), an event id, a state name (its ``visit``-th
    visit, from 0; its output with ``output=True``) or a :class:`~sfn_notebook.history.StateVisit`."""
    from .history import StateVisit, event_rows, state_visits

    events = execution.events
    if not events:
        raise ValueError("the execution has no history to evaluate against")
    visits = state_visits(events)
    if at is None:
        event_id = events[0]["id"]
    elif isinstance(at, bool):
        raise TypeError("at= is a state name, an event id or a state visit")
    elif isinstance(at, int):
        event_id = at
    elif isinstance(at, (str, StateVisit)):
        chosen = at if isinstance(at, StateVisit) else _visit_for(visits, at, visit)
        if output and chosen.exited_event_id is None:
            raise ValueError(f"state '{chosen.name}' has not exited: it has no output yet")
        event_id = chosen.exited_event_id if output else chosen.entered_event_id  # type: ignore[assignment]
    else:
        raise TypeError(f"at= is a state name, an event id or a state visit, not {type(at).__name__}")
    rows = {row.event["id"]: row for row in event_rows(events)}
    row = rows.get(event_id)
    if row is None:
        raise ValueError(
            f"the execution has no event with id {event_id!r} (its ids: 1 to {events[-1]['id']})"
        )
    event = row.event
    kind = event["type"]
    details = event_details(event)
    by_entry = {v.entered_event_id: v for v in visits}
    owner = by_entry.get(row.visit_id) if row.visit_id is not None else None
    machine = execution.state_machine
    state = None
    if machine is not None and owner is not None:
        state = next((s for s in machine.machine.walk() if s.name == owner.name), None)
    jsonata = (
        state.is_jsonata
        if state is not None
        else (machine is not None and machine.query_language == "JSONata")
    )
    if owner is None:  # the execution's own events: its input, or its output at the end
        data = parse_json_text(details.get("output", details.get("input", json.dumps(execution.input))))
        return DataPoint(event_id, None, data, {"input": execution.input}, jsonata)
    states: dict[str, Any] = {"input": owner.input}
    data = owner.input
    if kind.endswith("StateExited"):
        data = parse_json_text(details.get("output"))
    elif kind in _RESULT_EVENTS:
        data = states["result"] = parse_json_text(details.get("output"))
    elif "error" in details or "cause" in details:
        data = states["errorOutput"] = {"Error": details.get("error"), "Cause": details.get("cause")}
    return DataPoint(event_id, owner, data, states, jsonata)


def _compile(expression: str, language: str | None, jsonata_default: bool) -> Any:
    from .asl import model as m
    from .paths.intrinsics import is_intrinsic, parse_intrinsic
    from .paths.jsonata import compile_jsonata, is_jsonata, strip_delimiters
    from .paths.jsonpath import compile_path

    text = expression.strip()
    if language is not None and language.lower() not in ("jsonata", "jsonpath"):
        raise ValueError(f"language must be 'JSONata' or 'JSONPath', not {language!r}")
    wants_jsonata = is_jsonata(text) or (
        language.lower() == "jsonata" if language is not None else jsonata_default
    )
    if wants_jsonata:
        inner = strip_delimiters(text) if is_jsonata(text) else text
        return m.TJsonata(compile_jsonata(inner), "expression")
    if is_intrinsic(text):
        return m.TIntrinsic(parse_intrinsic(text), text, "expression")
    if text.startswith("$"):
        return m.TPath(compile_path(text), "expression")
    raise ValueError(
        f"{expression!r} is neither a JSONPath ($...), an intrinsic function (States.Format(...)) "
        "nor JSONata ({% ... %})"
    )


def evaluate(
    execution: Execution,
    expression: str,
    at: Any = None,
    *,
    visit: int = 0,
    output: bool = False,
    language: str | None = None,
) -> Any:
    """Evaluate a JSONPath, an intrinsic function or a JSONata expression against the data of a
    past execution at a state visit or event (see :meth:`sfn_notebook.Execution.evaluate`).

    Raises :class:`~sfn_notebook.errors.PathError` for an expression that does not parse, and
    :class:`~sfn_notebook.StatesError` (with AWS's error name and message) for one that fails.
    """
    from .engine import dataflow as df
    from .history import event_details as details_of

    point = data_point(execution, at, visit=visit, output=output)
    node = _compile(expression, language, point.jsonata)
    if point.visit is None:
        from .history import StateVisit

        start = execution.start_date
        pseudo = StateVisit(
            name="",
            type="",
            parent=None,
            iteration=None,
            entered=start if start is not None else datetime.now(timezone.utc),
            entered_event_id=point.event_id,
            input=point.data,
        )
        env = HistoryEnv(execution, pseudo, at_event=point.event_id)
        env.state_context = False
    else:
        by_id = {e["id"]: e for e in execution.events}
        attempts = sum(
            1
            for event_id in point.visit.events
            if event_id <= point.event_id and by_id[event_id]["type"] in _ATTEMPT_STARTS
        )
        token = None
        if point.visit.type == "Task" and attempts:
            token = _token_at(execution, by_id, point.visit, point.event_id, details_of)
        env = HistoryEnv(
            execution,
            point.visit,
            retry_count=max(attempts - 1, 0) if point.visit.type in ("Task", "Parallel", "Map") else None,
            token=token,
            at_event=point.event_id,
        )
    binding = dict(point.states)

    def states() -> dict[str, Any]:
        return {**binding, "context": env.context()}

    return df.evaluate(node, point.data, env, states)


_ATTEMPT_STARTS = frozenset(
    {
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
        "MapStateStarted",
        "ParallelStateStarted",
    }
)


def _token_at(
    execution: Execution, by_id: dict[int, Any], visit: StateVisit, event_id: int, details_of: Any
) -> str | None:
    """The task token of the attempt running at ``event_id`` (a ``.waitForTaskToken`` Task)."""
    from .callbacks import _at, _state_template, _token_in, _token_paths

    scheduled = [by_id[i] for i in visit.events if i <= event_id and by_id[i]["type"] == "TaskScheduled"]
    if not scheduled:
        return None
    details = details_of(scheduled[-1])
    if not str(details.get("resource", "")).endswith(".waitForTaskToken"):
        return None
    parameters = parse_json_text(details.get("parameters"))
    for path in _token_paths(_state_template(execution, visit.name)):
        found = _at(parameters, path)
        if isinstance(found, str):
            return _token_in(found)
    return None
