"""What every state runner shares: the run loop that enters each state and locates its errors,
the StateEntered/StateExited events, Retry/Catch, result processing, and JSONata's ``$states``.

A runner is a plain function ``runner(run, state, visit, input, scope)`` that returns ``(output, next)``
(``next`` is None at the end of a branch) or a generator that does; it yields only when it waits.
:func:`run_states` enters the state before calling it (the ``visit``) and gives the errors that leave
it their location; the runners record how the state exits (:func:`exit_state`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, append_member, dumps, utf8_size
from ...asl import model as m
from ...errors import StatesError
from .. import dataflow as df
from ..events import MAX_PAYLOAD
from ..fibers import Sleep
from ..retry import find_catcher, find_retrier, retry_delay
from ..scope import Scope, Variables, Visit, assign, commit

if TYPE_CHECKING:
    from ..run import Run

Runner = Callable[..., Any]

# the runner of each state type; states/__init__.py fills it once every family is imported
RUNNERS: dict[str, Runner] = {}

_STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
_ENTERED = {t: t + "StateEntered" for t in _STATE_TYPES}
_EXITED = {t: t + "StateExited" for t in _STATE_TYPES}
_PASS_THROUGH = frozenset({"Pass", "Succeed"})
# Map and Parallel record that they failed once the error leaves the state (not between retries);
# AWS does not record it for States.Runtime.
_STATE_FAILED = {"Map": "MapStateFailed", "Parallel": "ParallelStateFailed"}


# the states whose runners never wait (they return their outcome, never a generator)
_NEVER_PAUSE = frozenset({"Pass", "Succeed", "Fail", "Choice"})


def never_pauses(machine: m.Machine) -> bool:
    """Whether every state of the machine runs as a plain call (no Task, Wait, Map or Parallel)."""
    return all(state.type in _NEVER_PAUSE for state in machine.states.values())


def run_until_pause(
    run: Run,
    machine: m.Machine,
    value: Any,
    scope: Scope | None,
    make_scope: Callable[[], Scope] | None = None,
) -> tuple[Any, m.State | None, Scope | None]:
    """Run a machine's states from its StartAt as plain calls, for as long as they never wait.

    Returns ``(output, None, scope)`` when the machine ended, or ``(input, state, scope)`` for the
    first state that may wait (a Task, Wait, Map or Parallel): :func:`run_states` goes on from it
    in a fiber.  ``scope`` (the workflow variables) is made only when a state needs one, by
    ``make_scope`` (default: a scope of its own).
    """
    states = machine.states
    state = states[machine.start_at]
    runners = RUNNERS
    record = run.emit_state
    derive = run.derive_stages
    while True:
        kind = state.type
        if state.plain and kind in _PASS_THROUGH:
            cached = run.last_text
            text = cached[1] if cached is not None and cached[0] is value else run.text(value, state.name)
            record(_ENTERED[kind], _EXITED[kind], state.name, text, text)
            next_name = state.next
        elif state.derived_stages and kind == "Pass" and derive:
            value = run_result_pass(run, state, value, scope)  # type: ignore[arg-type]
            next_name = state.next
        elif kind not in _NEVER_PAUSE:
            return value, state, None if scope is _NO_VARIABLES else scope
        else:
            if scope is None or scope is _NO_VARIABLES:
                if make_scope is not None:
                    scope = make_scope()
                elif state.assign is MISSING and kind != "Choice":
                    scope = _NO_VARIABLES  # nothing assigned so far, nor by this state: reads see none
                else:
                    scope = Scope(Variables(), None)
            visit = enter_state(run, state, value, scope)
            try:
                value, next_name = runners[kind](run, state, visit, value, scope)
            except StatesError as err:
                raise located(run, err, visit) from None
        if next_name is None:
            return value, None, None if scope is _NO_VARIABLES else scope
        state = states[next_name]


# the variables of an execution that has assigned none yet (read-only: a state that assigns gets a
# scope of its own)
_NO_VARIABLES = Scope(Variables(), None)


def run_states(
    run: Run, machine: m.Machine, value: Any, scope: Scope, start: m.State | None = None
) -> Generator[Any, Any, Any]:
    """Run a machine (the execution's, a Parallel branch, a Map's processor) from its StartAt (or
    ``start``) to its end; returns the output of its last state.  A fiber's generator."""
    states = machine.states
    state = states[machine.start_at] if start is None else start
    runners = RUNNERS
    record = run.emit_state
    while True:
        if state.plain and state.type in _PASS_THROUGH:
            # a Pass or Succeed that transforms nothing: its output is its input, so the two events
            # share one JSON text and no data-flow step runs (its trace is derived from them)
            cached = run.last_text
            text = cached[1] if cached is not None and cached[0] is value else run.text(value, state.name)
            record(_ENTERED[state.type], _EXITED[state.type], state.name, text, text)
            next_name = state.next
        elif state.derived_stages and state.type == "Pass" and run.derive_stages:
            value = run_result_pass(run, state, value, scope)  # type: ignore[arg-type]
            next_name = state.next
        else:
            visit = enter_state(run, state, value, scope)
            try:
                outcome = runners[state.type](run, state, visit, value, scope)
                if type(outcome) is GeneratorType:
                    outcome = yield from outcome
            except StatesError as err:
                raise located(run, err, visit) from None
            value, next_name = outcome
        if next_name is None:
            return value
        state = states[next_name]


def run_result_pass(run: Run, state: m.PassState, value: Any, scope: Scope | None) -> Any:
    """Run a JSONPath Pass whose only data fields are Result and ResultPath (``derived_stages``) as
    :func:`run_states` would, with no visit: nothing reads the context or variables, and the
    inspector derives its stages.  Returns its output."""
    name = state.name
    cached = run.last_text
    text = cached[1] if cached is not None and cached[0] is value else run.text(value, name)
    member = state.result_member
    if member is not None and type(value) is dict and state.result_field not in value:
        # the commonest Pass of all, a new field on the input object: what apply_result_path does
        output = dict(value)
        output[state.result_field] = state.result
        output_text = appended_result(text, member)
    else:
        try:
            output = df.apply_result_path(
                state.result_path, value, value if state.result is MISSING else state.result
            )
        except StatesError as err:
            raise _failed_result_pass(run, state, scope, text, err) from None
        output_text = None if output is value else known_result_text(state, value, text)
    if output_text is None:
        try:
            output_text = run.text(output, name)
        except StatesError as err:
            raise _failed_result_pass(run, state, scope, text, err) from None
    run.emit_state("PassStateEntered", "PassStateExited", name, text, output_text)
    run.last_text = (output, output_text)
    return output


def _failed_result_pass(
    run: Run, state: m.PassState, scope: Scope | None, text: str, err: StatesError
) -> StatesError:
    """The error of a Result-only Pass (see :func:`run_result_pass`), after its StateEntered event."""
    entered_id = run.emit_pairs("PassStateEntered", "name", state.name, "input", text)
    return located(run, err, Visit(run, _NO_VARIABLES if scope is None else scope, state, entered_id))


def appended_result(input_text: str, member: str) -> str | None:
    """The JSON text of an input object with a Pass's Result added as a new field (``member``,
    ``"field":<Result's text>``); None when too large (:meth:`Run.text` reports it)."""
    text = append_member(input_text, member)
    if len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD:
        return None
    return text


def known_result_text(state: m.PassState, raw: Any, raw_text: str | None) -> str | None:
    """The JSON text of a Pass's output, when known without writing it: the Result's own text (no
    ResultPath), or the input's text (``raw_text``, if known) with ``"field":<Result>`` appended
    (ResultPath adding a new field to the input object).  None otherwise, or when too large
    (:meth:`Run.text` reports it)."""
    if state.result_path is MISSING:
        text = state.result_text
        if text is None or (len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD):
            return None
        return text
    member = state.result_member
    if member is None or raw_text is None or type(raw) is not dict or state.result_field in raw:
        return None  # no Result, or a field replaced: its place in the text moves
    return appended_result(raw_text, member)


def enter_state(run: Run, state: m.State, value: Any, scope: Scope) -> Visit:
    """Record the state's StateEntered event; the visit is what its expressions see."""
    cached = run.last_text
    text = cached[1] if cached is not None and cached[0] is value else run.text(value, state.name)
    event_id = run.emit_pairs(_ENTERED[state.type], "name", state.name, "input", text)
    visit = Visit(run, scope, state, event_id)
    if run.tracing and not (state.derived_stages and run.derive_stages):
        fiber = run.current
        if fiber is None or fiber.log is run.events:  # the inspector covers the main history
            visit.trace = run.traces[event_id] = {"input": value}
    return visit


def exit_state(run: Run, visit: Visit, output: Any, assigned: dict[str, Any] | None = None) -> None:
    """Record the state's StateExited event, with the variables it assigned."""
    state = visit.state
    text = run.text(output, state.name)
    trace = visit.trace
    if assigned:
        variables = {k: dumps(v) for k, v in assigned.items()}
        details: tuple = ("name", state.name, "output", text, "assignedVariables", variables)
        if trace is not None:
            trace["variables"] = assigned
            trace["output"] = output
        run.emit(_EXITED[state.type], details)
        return
    if trace is not None:
        trace["output"] = output
    run.emit_pairs(_EXITED[state.type], "name", state.name, "output", text)


def located(run: Run, err: StatesError, visit: Visit) -> StatesError:
    """The error as it leaves the visit: a runtime error gets AWS's "An error occurred while executing
    the state ..." prefix (a new error), and the inspector records it."""
    if err.locate:
        err = err.located_at(visit.state.name, visit.entered_id)
        if err.hint is not None:
            run.notes.append(f"State '{visit.state.name}': {err.hint}")
        if err.error == "States.QueryEvaluationError":
            details = {"error": err.error, "cause": err.cause, "state": visit.state.name}
            if err.location is not None:
                details = {
                    "error": err.error,
                    "cause": err.cause,
                    "location": err.location,
                    "state": visit.state.name,
                }
            run.emit("EvaluationFailed", details)
    visit.record("error", err.error)
    visit.record("cause", err.cause)
    return err


def jsonata_states(visit: Visit, raw: Any, **extra: Any) -> Callable[[], dict[str, Any]]:
    """JSONata's ``$states`` (input, context, and ``extra`` such as result), built only when used."""

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
    exit_state(run, visit, output, assigned)
    return output, state.next


def with_retry(
    run: Run,
    state: Any,
    visit: Visit,
    raw: Any,
    scope: Scope,
    attempt: Callable[[], Generator[Any, Any, tuple[Any, dict | None]]],
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Run ``attempt`` under the state's Retry and Catch rules (Task, Parallel, Map)."""
    counts = [0] * len(state.retry)
    total = 0
    while True:
        visit.retry_count = total
        visit.invalidate()
        try:
            output, assigned = yield from attempt()
            commit(run, scope, assigned)
            exit_state(run, visit, output, assigned)
            return output, state.next
        except StatesError as caught:
            err = located(run, caught, visit)
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
    """The state's output when ``catcher`` caught ``err``: its error output, placed by the catcher."""
    error_output = err.output()
    if state.is_jsonata:
        states = jsonata_states(visit, raw, errorOutput=error_output)
        output = (
            error_output if catcher.output is MISSING else df.evaluate(catcher.output, raw, visit, states)
        )
        assigned = assign(catcher.assign, visit, raw, states)
    else:
        assigned = assign(catcher.assign, visit, error_output, None)
        output = df.apply_result_path(catcher.result_path, raw, error_output)
    visit.record("errorOutput", error_output)
    visit.record("caughtBy", catcher.pointer)
    commit(run, scope, assigned)
    exit_state(run, visit, output, assigned)
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
    """A value as AWS's messages quote it: a string as is, anything else as JSON."""
    return value if isinstance(value, str) else dumps(value)


def jsonata_number_cause(expr: m.TJsonata, value: Any) -> str:
    """AWS's cause when a JSONata number field (Seconds, TimeoutSeconds, ...) is negative or too big."""
    problem = "a negative value" if value < 0 else "a value out of range"
    return f"The JSONata expression '{expr.expr.source}' specified for the field '{expr.field}' returned {problem}: {dumps(value)}"
