"""The Parallel state: one child fiber per branch."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..._json import MISSING
from ...asl import model as m
from ..fibers import Cancel, Spawn, WaitAny
from ..scope import Scope, Variables, Visit
from .common import effective_input, result_processing, run_states, with_retry

if TYPE_CHECKING:
    from ..run import Run


def run_parallel(
    run: Run, state: m.ParallelState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Run every branch on the same input, each in its own fiber; the output lists their outputs."""
    return (
        yield from with_retry(
            run, state, visit, raw, scope, lambda: _parallel_attempt(run, state, visit, raw, scope)
        )
    )


def _parallel_attempt(
    run: Run, state: m.ParallelState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    branch_input = effective_input(state, visit, raw)
    override = run.override  # a local TestState's mock stands in for the branches
    mocked = MISSING if override is None else override.result(visit, branch_input)
    if mocked is not MISSING:
        return result_processing(run, state, visit, raw, mocked)
    run.emit("ParallelStateStarted", None)
    children = []
    for branch in state.branches:
        child_scope = Scope(Variables(scope.variables), None)
        fiber = yield Spawn(run_states(run, branch, branch_input, child_scope))
        children.append(fiber)
    pending = list(children)
    while pending:
        finished = yield WaitAny(pending)
        pending.remove(finished)
        if finished.error is not None:
            yield Cancel(pending)
            _task_aborted(run, finished.log.records, finished.last)
            raise finished.error
    run.emit("ParallelStateSucceeded", None)
    results = [f.result for f in children]
    return result_processing(run, state, visit, raw, results)


# a task's own failure events: the Task state failed there, with no Retry or Catch left to apply
_TASK_FAILURES = frozenset(
    {
        "TaskFailed",
        "TaskTimedOut",
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "ActivityFailed",
        "ActivityTimedOut",
    }
)


def _task_aborted(run: Run, records: list[Any], last: int) -> None:
    """A branch that failed in a Task state: AWS records the state as aborted (TaskStateAborted, no
    details) right after the task's failure event; the Parallel's own failure still follows that
    failure event (its ``previousEventId``), not the abort."""
    if last < 1 or records[last - 1][0] not in _TASK_FAILURES:
        return
    parent = run.current
    before = parent.last if parent is not None else None
    run.emit("TaskStateAborted", None)
    if parent is not None and before is not None:
        parent.last = before
