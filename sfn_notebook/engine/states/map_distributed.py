"""A DISTRIBUTED Map's Map Run: child executions with their own histories, tolerated failures,
and the ResultWriter (the ItemReader/ItemBatcher/ResultWriter handlers are engine/distributed.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps
from ...asl import model as m
from ...errors import StatesError
from ..events import EventLog
from ..fibers import Cancel, Fiber, Spawn, WaitAny
from ..scope import Scope, Variables, Visit
from .common import never_pauses, run_states, run_until_pause

if TYPE_CHECKING:
    from ..run import Run


def map_run(
    run: Run,
    state: m.MapState,
    visit: Visit,
    scope: Scope,
    child_inputs: Callable[[], list[Any]],
    concurrency: int,
    tolerated_count: float,
    tolerated_pct: float,
    writer_params: Any = None,
) -> Generator[Any, Any, Any]:
    label = state.label if isinstance(state.label, str) else state.name
    run_id = str(uuid.UUID(int=run.rng.getrandbits(128), version=4))
    map_run_arn = (
        f"arn:aws:states:{run.region}:{run.account}:mapRun:{run.state_machine_name}/{label}:{run_id}"
    )
    run.emit("MapRunStarted", {"mapRunArn": map_run_arn})
    try:
        inputs = child_inputs()  # the items are read, selected and batched by the Map Run
    except StatesError as err:
        details = {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}
        run.emit("MapRunFailed", details)
        raise
    limit = concurrency if concurrency > 0 else 10_000
    logs: list[Any] = []  # each child's EventLog, or its records once it ended (see _plain_children)
    run.map_runs[map_run_arn] = logs
    results: list[Any] = [None] * len(inputs)
    succeeded_indexes: list[int] = []
    failed_records: list[tuple[int, StatesError]] = []
    failures = 0
    running: list[Any] = []
    index_of: dict[int, int] = {}
    next_index = 0
    total = len(inputs)
    parent = run.current
    if parent is not None and never_pauses(state.processor):
        for index, error, result in _plain_children(run, state, inputs, limit, logs, parent):
            if error is not None:
                failures += 1
                if _over_threshold(state, failures, total, tolerated_count, tolerated_pct):
                    raise _threshold_exceeded(run)
                failed_records.append((index, error))
            else:
                results[index] = result
                succeeded_indexes.append(index)
        next_index = total  # every child ran; what follows writes the results
    while next_index < total or running:
        while next_index < total and len(running) < limit:
            log = EventLog()
            logs.append(log)
            child_input = inputs[next_index]
            log.add(
                "ExecutionStarted",
                run.now,
                0,
                {"input": dumps(child_input), "roleArn": run.role_arn},
            )
            child_scope = Scope(Variables(), {"Index": next_index, "Value": child_input})
            fiber = yield Spawn(_child_execution(run, state, child_input, child_scope), log, 0)
            index_of[id(fiber)] = next_index
            running.append(fiber)
            next_index += 1
        finished = yield WaitAny(running)
        running.remove(finished)
        if finished.error is not None:
            failures += 1
            if _over_threshold(state, failures, total, tolerated_count, tolerated_pct):
                yield Cancel(running)
                raise _threshold_exceeded(run)
            failed_records.append((index_of[id(finished)], finished.error))
        else:
            results[index_of[id(finished)]] = finished.result
            succeeded_indexes.append(index_of[id(finished)])
    if state.result_writer is not MISSING:
        results = _write_results(
            run, state, writer_params, map_run_arn, inputs, results, succeeded_indexes, failed_records
        )
    run.emit("MapRunSucceeded", None)
    run.emit("MapStateSucceeded", None)
    return results


def _over_threshold(
    state: m.MapState, failures: int, total: int, tolerated_count: float, tolerated_pct: float
) -> bool:
    """Whether this many failed children fail the Map Run: each threshold given is a limit; with
    neither, no failure is tolerated."""
    count_given = state.tolerated_failure_count is not MISSING
    pct_given = state.tolerated_failure_percentage is not MISSING
    over_count = count_given and failures > tolerated_count
    over_pct = pct_given and total > 0 and failures * 100.0 / total > tolerated_pct
    return over_count or over_pct or not (count_given or pct_given)


def _threshold_exceeded(run: Run) -> StatesError:
    """Record MapRunFailed for too many failed children; the error that fails the Map."""
    cause = "The specified tolerated failure threshold was exceeded"
    run.emit("MapRunFailed", {"error": "States.ExceedToleratedFailureThreshold", "cause": cause})
    return StatesError("States.ExceedToleratedFailureThreshold", cause)


def _write_results(
    run: Run,
    state: m.MapState,
    writer_params: Any,
    map_run_arn: str,
    inputs: list[Any],
    results: list[Any],
    succeeded_indexes: list[int],
    failed_records: list[tuple[int, StatesError]],
) -> Any:
    """Write the children's outcomes with the ResultWriter; the Map's result is what it returns."""
    from ..distributed import write_results

    succeeded = [
        {"Input": dumps(inputs[i]), "Output": dumps(results[i]), "Status": "SUCCEEDED"}
        for i in sorted(succeeded_indexes)
    ]
    failed = [
        {"Input": dumps(inputs[i]), "Error": err.error, "Cause": err.cause, "Status": "FAILED"}
        for i, err in sorted(failed_records, key=lambda pair: pair[0])
    ]
    return write_results(run, state, writer_params, map_run_arn, succeeded, failed)


def _child_execution(run: Run, state: m.MapState, value: Any, scope: Scope) -> Generator[Any, Any, Any]:
    try:
        result = yield from run_states(run, state.processor, value, scope)
    except StatesError as err:
        details = {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}
        run.emit("ExecutionFailed", details)
        raise
    run.emit("ExecutionSucceeded", {"output": dumps(result)})
    return result


def _plain_children(
    run: Run, state: m.MapState, inputs: list[Any], limit: int, logs: list[Any], parent: Fiber
) -> Iterator[tuple[int, StatesError | None, Any]]:
    """Child executions of a processor that never waits, run as plain calls in the order the
    scheduler would run and collect them: ``(index, error, output)`` as each is collected.  A child
    that ended keeps only its records (a tuple the garbage collector soon stops tracking)."""
    count = len(inputs)
    # each child's outcome, in two lists: a tuple holding an output would stay tracked by the
    # garbage collector until collected, and a Map Run keeps thousands ahead of its collection
    errors: list[StatesError | None] = [None] * count
    outputs: list[Any] = [None] * count
    stand_in = Fiber(None, run.now, 0, parent.log, 0)  # type: ignore[arg-type]
    processor = state.processor
    role = run.role_arn

    def execute(index: int) -> None:
        log = EventLog()
        value = inputs[index]
        log.add("ExecutionStarted", run.now, 0, ("input", dumps(value), "roleArn", role))
        stand_in.log = log
        stand_in.last = 0  # as on AWS, the first state's entry names no previous event
        run.current = stand_in
        try:
            try:
                output = run_until_pause(run, processor, value, None, _child_scope(index, value))[0]
            except StatesError as err:
                details = {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}
                run.emit("ExecutionFailed", details)
                errors[index] = err
                return
            run.emit("ExecutionSucceeded", ("output", dumps(output)))
            outputs[index] = output
        finally:
            run.current = parent
            logs.append(tuple(log.records))

    started = min(limit, count)
    for index in range(started):
        execute(index)
    for index in range(count):
        output = outputs[index]
        outputs[index] = None
        yield index, errors[index], output
        if started < count:
            execute(started)
            started += 1


def _child_scope(index: int, value: Any) -> Callable[[], Scope]:
    return lambda: Scope(Variables(), {"Index": index, "Value": value})
