"""The data-flow inspector: every state visit's stages, as AWS's TestState shows them for one state.

For each visit: ``input`` → ``afterInputPath`` → ``afterParameters`` (JSONata: ``afterArguments``)
→ ``result`` → ``afterResultSelector`` → ``afterResultPath`` → ``output``, plus the error, the
Catcher's error output and the variables assigned.  A local run records these as it goes; for an
execution read from AWS they are rebuilt from the history and the definition (stages the history
does not show and that cannot be recomputed stay empty).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ._json import MISSING, dumps, loads_compact
from .history import event_details, parse_json_text

if TYPE_CHECKING:
    from .execution import Execution

__all__ = ["STAGES", "TRACE_COLUMNS", "visit_traces", "trace_frame"]

STAGES = [
    "input",
    "afterInputPath",
    "afterParameters",
    "afterArguments",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "output",
]
TRACE_COLUMNS = [
    "entered_event_id",
    "state",
    "type",
    "status",
    *STAGES,
    "error",
    "cause",
    "errorOutput",
    "variables",
]

_MISSING_STAGE = None
_COLUMNS = frozenset(TRACE_COLUMNS)


def visit_traces(execution: Execution) -> list[dict[str, Any]]:
    """One dict per state visit (in history order) with the TRACE_COLUMNS keys."""
    derived = execution._tables()
    statuses = {v.entered_event_id: v for v in derived.visits}
    run = getattr(execution, "_run", None)
    if run is not None and run.tracing:
        rows = []
        machine = run.setup.machine
        states = {s.name: s for s in machine.walk()} if machine.states else {}
        empty = dict.fromkeys(TRACE_COLUMNS, _MISSING_STAGE)
        for event_id, visit in statuses.items():
            row = empty.copy()
            recorded = run.traces.get(event_id)
            if recorded is None:  # a state whose stages follow from its input and output (not recorded)
                _derive_stages(row, visit, states.get(visit.name))
            else:  # the run's own values (a template's constants among them): the table gets copies
                given = recorded.get("input", MISSING)
                written = recorded.get("output", MISSING) if visit.exited_event_id is not None else MISSING
                for stage, value in recorded.items():
                    if stage not in _COLUMNS:
                        continue
                    if value is given:  # the input as the history holds it, parsed for the tables
                        row[stage] = visit.input
                    elif value is written:
                        row[stage] = visit.output
                    else:
                        row[stage] = _own(value)
            row.update(entered_event_id=event_id, state=visit.name, type=visit.type, status=visit.status)
            if row["error"] is None and visit.error is not None:
                row["error"], row["cause"] = visit.error, visit.cause
            rows.append(row)
        return rows
    return _rebuild(execution, statuses, derived.events)


def _own(value: Any) -> Any:
    """A recorded value as the table hands it out: a copy, so that changing it changes nothing the run
    or its definition holds (a value too deeply nested to copy is handed out as it is)."""
    if type(value) is dict or type(value) is list:
        try:
            return loads_compact(dumps(value))
        except (RecursionError, ValueError, TypeError):
            return value
    return value


def _derive_stages(row: dict[str, Any], visit: Any, state: Any) -> None:
    """Fill in the stages of a visit the run did not record (``derived_stages`` states): a plain
    state's are all its input; a JSONPath Pass's result is its Result (or its input), placed by ResultPath."""
    given = row["input"] = visit.input
    exited = visit.exited_event_id is not None
    kind = visit.type
    if kind == "Pass":
        result = given
        if state is not None and getattr(state, "result", MISSING) is not MISSING:
            # the table's own value, not the definition's: read from the Result's text when it has one
            text = state.result_text
            result = copy.deepcopy(state.result) if text is None else loads_compact(text)
        row["afterInputPath"] = row["afterParameters"] = given
        row["result"] = result
        if exited:
            row["afterResultPath"] = visit.output
    elif kind in ("Succeed", "Wait", "Choice"):
        row["afterInputPath"] = given
    if exited:
        row["output"] = visit.output


def _rebuild(
    execution: Execution, statuses: dict[int, Any], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_id = {e["id"]: e for e in events}
    machine = execution.state_machine.machine if execution.state_machine is not None else None
    states = {s.name: s for s in machine.walk()} if machine is not None else {}
    rows = []
    for visit in statuses.values():
        row: dict[str, Any] = dict.fromkeys(TRACE_COLUMNS, _MISSING_STAGE)
        row.update(
            entered_event_id=visit.entered_event_id,
            state=visit.name,
            type=visit.type,
            status=visit.status,
            input=visit.input,
            error=visit.error,
            cause=visit.cause,
        )
        if visit.exited_event_id is not None:
            row["output"] = visit.output
            exited = event_details(by_id[visit.exited_event_id])
            assigned = exited.get("assignedVariables")
            if isinstance(assigned, dict):
                row["variables"] = {k: parse_json_text(v) for k, v in assigned.items()}
        for event_id in visit.events:
            event = by_id.get(event_id)
            if event is None:
                continue
            details = event_details(event)
            kind = event["type"]
            if kind == "TaskScheduled":
                row["afterParameters"] = parse_json_text(details.get("parameters"))
            elif kind in ("LambdaFunctionScheduled", "ActivityScheduled"):
                row["afterParameters"] = parse_json_text(details.get("input"))
            elif kind in ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"):
                row["result"] = parse_json_text(details.get("output"))
        state = states.get(visit.name)
        if state is not None:
            _recompute(state, row)
        rows.append(row)
    rows.sort(key=lambda r: r["entered_event_id"])
    return rows


class _NoContext:
    """An environment for recomputing paths: the context object and variables are unknown."""

    rng = None

    def context(self) -> dict[str, Any]:
        from .errors import StatesError

        raise StatesError("States.Runtime", "the context object is not available")

    def variable(self, name: str) -> Any:
        from .errors import StatesError

        raise StatesError("States.Runtime", "variables are not available")


def _recompute(state: Any, row: dict[str, Any]) -> None:
    """Fill the stages the history does not show by re-applying the state's paths (JSONPath only)."""
    from .engine import dataflow as df
    from .errors import StatesError
    from .paths.jsonpath import PathNotFound

    if state.is_jsonata:
        if row["afterParameters"] is not None:
            row["afterArguments"], row["afterParameters"] = row["afterParameters"], None
        return
    env = _NoContext()
    try:
        if row["input"] is not None:
            row["afterInputPath"] = df.apply_input_path(
                getattr(state, "input_path", MISSING), row["input"], env
            )
            if state.type == "Pass" and row["afterParameters"] is None:
                params = state.parameters
                row["afterParameters"] = (
                    row["afterInputPath"]
                    if params is MISSING
                    else df.evaluate(params, row["afterInputPath"], env)
                )
                result = state.result
                row["result"] = row["afterParameters"] if result is MISSING else result
        selector = getattr(state, "result_selector", MISSING)
        if row["result"] is not None and row["afterResultSelector"] is None and state.type != "Pass":
            row["afterResultSelector"] = (
                row["result"] if selector is MISSING else df.evaluate(selector, row["result"], env)
            )
        selected = row["afterResultSelector"] if state.type != "Pass" else row["result"]
        if selected is not None and row["input"] is not None and hasattr(state, "result_path"):
            row["afterResultPath"] = df.apply_result_path(state.result_path, row["input"], selected)
    except (StatesError, PathNotFound, TypeError):
        return


def trace_frame(execution: Execution) -> Any:
    """The inspector's table (pandas DataFrame), one row per state visit, columns TRACE_COLUMNS."""
    import pandas as pd

    frame = pd.DataFrame.from_records(visit_traces(execution), columns=TRACE_COLUMNS)
    frame["entered_event_id"] = frame["entered_event_id"].astype("int64")
    return frame
