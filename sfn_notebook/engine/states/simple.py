"""The Pass, Succeed and Fail states."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps
from ...asl import model as m
from ...errors import StatesError
from .. import dataflow as df
from ..scope import Scope, Visit, assign, commit
from .common import exit_state, finish_simple, jsonata_states, known_result_text

if TYPE_CHECKING:
    from ..run import Run


def run_pass(run: Run, state: m.PassState, visit: Visit, raw: Any, scope: Scope) -> tuple[Any, str | None]:
    """Pass its input (or its Result) on, through the data-flow fields."""
    if state.query_language == "JSONata":
        return finish_simple(run, state, visit, raw, raw, scope)
    trace = visit.trace
    selected = raw if state.input_path is MISSING else df.apply_input_path(state.input_path, raw, visit)
    effective = selected
    if state.parameters is not MISSING:
        effective = df.evaluate(state.parameters, selected, visit)
    result = state.result if state.result is not MISSING else effective
    assigned = None if state.assign is MISSING else assign(state.assign, visit, result, None)
    combined = (
        result if state.result_path is MISSING else df.apply_result_path(state.result_path, raw, result)
    )
    output = (
        combined if state.output_path is MISSING else df.apply_output_path(state.output_path, combined, visit)
    )
    if trace is not None:
        trace["afterInputPath"] = selected
        trace["afterParameters"] = effective
        trace["result"] = result
        trace["afterResultPath"] = combined
    if assigned:
        commit(run, scope, assigned)
    if output is combined and combined is not raw and state.result_text is not None:
        cached = run.last_text
        text = known_result_text(state, raw, cached[1] if cached is not None and cached[0] is raw else None)
        if text is not None:
            run.last_text = (output, text)  # exit_state() finds it written
    exit_state(run, visit, output, assigned)
    return output, state.next


def run_succeed(
    run: Run, state: m.SucceedState, visit: Visit, raw: Any, scope: Scope
) -> tuple[Any, str | None]:
    """End the branch successfully with the (filtered) input."""
    if state.is_jsonata:
        return finish_simple(run, state, visit, raw, raw, scope)[0], None
    effective = raw if state.input_path is MISSING else df.apply_input_path(state.input_path, raw, visit)
    output = (
        effective
        if state.output_path is MISSING
        else df.apply_output_path(state.output_path, effective, visit)
    )
    exit_state(run, visit, output)
    return output, None


def run_fail(run: Run, state: m.FailState, visit: Visit, raw: Any, scope: Scope) -> tuple[Any, str | None]:
    """End the branch with the state's Error and Cause."""
    error = _fail_field(state.error, raw, visit, "Error")
    cause = _fail_field(state.cause, raw, visit, "Cause")
    raise StatesError(error, cause)


def _fail_field(expr: Any, raw: Any, visit: Visit, name: str) -> str | None:
    if expr is MISSING:
        return None
    states = jsonata_states(visit, raw) if visit.state.is_jsonata else None
    value = df.evaluate(expr, raw, visit, states)
    if not isinstance(value, str):
        if type(expr) is m.TJsonata:
            df.expect_type(value, "string", expr)
        raise df.runtime_error(
            f"The {name}Path field must resolve to a string, but it resolved to {dumps(value)}"
        )
    return value
