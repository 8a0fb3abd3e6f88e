"""Shared by the state runners: Retry/Catch, result processing, and JSONata's ``$states``."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps
from ...asl import model as m
from ...errors import StatesError
from .. import dataflow as df
from ..fibers import Sleep
from ..retry import find_catcher, find_retrier, retry_delay
from ..scope import Scope, Visit, assign, commit

if TYPE_CHECKING:
    from ..executor import Run


def jsonata_states(visit: Visit, raw: Any, **extra: Any) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        binding = {"input": raw, "context": visit.context()}
        binding.update(extra)
        return binding

    return build


def finish_simple(
    run: Run, state: m.State, visit: Visit, raw: Any, effective: Any, scope: Scope
) -> tuple[Any, str | None]:
    """Output processing shared by Pass/Choice/Wait/Succeed once their work is done."""
    if state.is_jsonata:
        states = jsonata_states(visit, raw)
        output = raw if state.output is MISSING else df.evaluate(state.output, raw, visit, states)
        assigned = assign(state.assign, visit, raw, states)
    else:
        assigned = assign(state.assign, visit, effective, None)
        output = df.apply_output_path(state.output_path, effective, visit)
    commit(run, scope, assigned)
    run.exit(visit, output, assigned)
    return output, state.next


def with_retry(
    run: Run,
    state: Any,
    visit: Visit,
    raw: Any,
    scope: Scope,
    attempt: Callable[[], Generator[Any, Any, tuple[Any, dict | None]]],
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Run ``attempt`` under the state's Retry and Catch rules."""
    counts = [0] * len(state.retry)
    total = 0
    while True:
        visit.retry_count = total
        visit.invalidate()
        try:
            output, assigned = yield from attempt()
            commit(run, scope, assigned)
            run.exit(visit, output, assigned)
            return output, state.next
        except StatesError as caught:
            err = run.located(caught, visit)
            index = find_retrier(state.retry, err.error)
            if index is not None:
                retrier = state.retry[index]
                if counts[index] < retrier.max_attempts:
                    counts[index] += 1
                    total += 1
                    delay = retry_delay(retrier, counts[index], run.rng)
                    if delay > 0:
                        yield Sleep(delay)
                    continue
            failed_event = _STATE_FAILED.get(state.type)
            if failed_event is not None and err.error != "States.Runtime":
                run.emit(failed_event, None)
            catch_index = find_catcher(state.catch, err.error)
            if catch_index is None:
                raise err from None
            catcher = state.catch[catch_index]
            return _caught(run, state, visit, raw, scope, catcher, err)


def _caught(
    run: Run, state: Any, visit: Visit, raw: Any, scope: Scope, catcher: m.Catcher, err: StatesError
) -> tuple[Any, str | None]:
    error_output = err.output()
    try:
        if state.is_jsonata:
            states = jsonata_states(visit, raw, errorOutput=error_output)
            output = (
                error_output if catcher.output is MISSING else df.evaluate(catcher.output, raw, visit, states)
            )
            assigned = assign(catcher.assign, visit, raw, states)
        else:
            assigned = assign(catcher.assign, visit, error_output, None)
            output = df.apply_result_path(catcher.result_path, raw, error_output)
    except StatesError as inner:
        raise run.located(inner, visit) from None
    visit.record("errorOutput", error_output)
    visit.record("caughtBy", catcher.pointer)
    commit(run, scope, assigned)
    run.exit(visit, output, assigned)
    return output, catcher.next


def result_processing(run: Run, state: Any, visit: Visit, raw: Any, result: Any) -> tuple[Any, dict | None]:
    """After a Task/Parallel/Map produced ``result``: selectors, paths or JSONata Output, and Assign."""
    visit.record("result", result)
    if state.is_jsonata:
        states = jsonata_states(visit, raw, result=result)
        output = result if state.output is MISSING else df.evaluate(state.output, raw, visit, states)
        assigned = assign(state.assign, visit, raw, states)
        return output, assigned
    selected = (
        result if state.result_selector is MISSING else df.evaluate(state.result_selector, result, visit)
    )
    visit.record("afterResultSelector", selected)
    assigned = assign(state.assign, visit, selected, None)
    combined = df.apply_result_path(state.result_path, raw, selected)
    visit.record("afterResultPath", combined)
    return df.apply_output_path(state.output_path, combined, visit), assigned


def effective_input(state: Any, visit: Visit, raw: Any) -> Any:
    """What a Task sends or a Parallel/Map distributes: InputPath + Parameters, or JSONata Arguments."""
    if state.is_jsonata:
        if state.arguments is MISSING:
            visit.record("afterArguments", raw)
            return raw
        arguments = df.evaluate(state.arguments, raw, visit, jsonata_states(visit, raw))
        visit.record("afterArguments", arguments)
        return arguments
    effective = df.apply_input_path(state.input_path, raw, visit)
    visit.record("afterInputPath", effective)
    if state.parameters is not MISSING:
        effective = df.evaluate(state.parameters, effective, visit)
    visit.record("afterParameters", effective)
    return effective


def java_text(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def jsonata_number_cause(expr: m.TJsonata, value: Any) -> str:
    problem = "a negative value" if value < 0 else "a value out of range"
    return f"The JSONata expression '{expr.expr.source}' specified for the field '{expr.field}' returned {problem}: {dumps(value)}"


# Map and Parallel record that they failed once the error leaves the state (not between retries);
# AWS does not record it for States.Runtime.
_STATE_FAILED = {"Map": "MapStateFailed", "Parallel": "ParallelStateFailed"}
