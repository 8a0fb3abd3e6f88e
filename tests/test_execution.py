"""Tests for sfn_notebook.execution: what every execution derives from its events, and the controls
of a local one (background runs, task-token callbacks, virtual time, stopping, listeners)."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import ExecutionFailedError, LocalExecution, StateMachine
from sfn_notebook.execution import FINAL_STATUSES, Execution
from tests.builders import RecordedExecution, asl, branch, task, types

SEND = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
ASK = StateMachine(
    asl(
        {
            "Ask": {
                "Type": "Task",
                "Resource": SEND,
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 10,
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
)
QUEUE = {SEND: lambda params: {}}


def asking(input: Any = None) -> LocalExecution:
    """A run paused at Ask, waiting for its task token."""
    ex = ASK.run({"question": 1} if input is None else input, resources=QUEUE)
    assert ex.status == "RUNNING" and not ex.done
    return ex


def token_of(ex: LocalExecution) -> str:
    [waiting] = ex.waiting_for
    assert waiting.state == "Ask"
    return waiting.token


# ----------------------------------------------------------------------------- derived from the events


def test_a_finished_run_reports_its_input_output_and_timing() -> None:
    sm = StateMachine(asl({"Nap": {"Type": "Wait", "Seconds": 90, "End": True}}))
    ex = sm.run({"a": [1]}, start_time="2024-03-01T12:00:00Z")
    assert ex.status in FINAL_STATUSES and ex.done and ex.succeeded
    assert ex.input == {"a": [1]} and ex.output == {"a": [1]}
    assert ex.start_date is not None and ex.start_date.isoformat() == "2024-03-01T12:00:00+00:00"
    assert ex.duration == timedelta(seconds=90)
    assert ex.stop_date == ex.start_date + timedelta(seconds=90)
    assert (ex.error, ex.cause) == (None, None)


def test_a_run_that_has_not_ended_has_no_stop_date_or_duration() -> None:
    ex = asking()
    assert ex.start_date is not None
    assert ex.stop_date is None and ex.duration is None


def test_the_same_facts_come_from_the_events_alone() -> None:
    ex = StateMachine(asl({"Nap": {"Type": "Wait", "Seconds": 3, "End": True}})).run({"k": "v"})
    recorded = RecordedExecution(ex)
    assert recorded.input == ex.input
    assert recorded.start_date == ex.start_date and recorded.stop_date == ex.stop_date
    assert recorded.duration == timedelta(seconds=3)


def test_an_execution_without_events_has_no_input_or_dates() -> None:
    class Empty(RecordedExecution):
        @property
        def events(self) -> list[dict[str, Any]]:
            return []

    ex = Empty(StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({}))
    assert ex.input is None and ex.start_date is None and ex.stop_date is None and ex.duration is None


def test_the_base_class_leaves_the_status_fields_to_its_subclasses() -> None:
    bare = Execution()
    for field in ("status", "events", "output", "error", "cause"):
        with pytest.raises(NotImplementedError):
            getattr(bare, field)


def test_raise_for_status_returns_a_success_and_raises_for_anything_else() -> None:
    ok = StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({})
    assert ok.raise_for_status() is ok
    failed = StateMachine(asl({"F": {"Type": "Fail", "Error": "Nope", "Cause": "not today"}})).run({})
    with pytest.raises(ExecutionFailedError) as info:
        failed.raise_for_status()
    assert info.value.execution is failed
    assert "FAILED: Nope: not today" in str(info.value)
    with pytest.raises(ExecutionFailedError, match="RUNNING"):
        asking().raise_for_status()


def test_the_summary_names_the_outcome() -> None:
    ok = StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({"n": 1}, name="fine")
    assert ok.summary().startswith("LocalExecution fine: SUCCEEDED")
    assert '{"n":1}' in ok.summary()
    assert repr(ok) == f"<{ok.summary()}>"
    failed = StateMachine(asl({"F": {"Type": "Fail", "Error": "Nope", "Cause": "why"}})).run({})
    assert "FAILED (Nope: why)" in failed.summary()


# ----------------------------------------------------------------------------- a local execution


def test_name_and_arn_come_from_the_run() -> None:
    sm = StateMachine(asl({"P": {"Type": "Pass", "End": True}}), name="Orders")
    ex = sm.run({}, name="first")
    assert ex.name == "first"
    assert ex.arn == "arn:aws:states:us-east-1:123456789012:execution:Orders:first"
    assert ex.state_machine is sm


def test_a_callback_token_resumes_the_run_with_the_output_sent() -> None:
    ex = asking()
    assert ex.send_task_success(token_of(ex), {"answer": 42}) is ex
    assert ex.status == "SUCCEEDED" and ex.output == {"answer": 42}
    assert ex.waiting_for == []


def test_a_callback_failure_fails_the_task_with_the_error_sent() -> None:
    ex = asking()
    ex.send_task_failure(token_of(ex), "Denied", "the reviewer said no")
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Denied", "the reviewer said no")


def test_a_callback_failure_records_its_error_and_cause_as_text() -> None:
    ex = asking()
    ex.send_task_failure(token_of(ex), 409, {"reason": "taken"})  # type: ignore[arg-type]
    assert (ex.error, ex.cause) == ("409", '{"reason":"taken"}')
    failed = next(e for e in ex.events if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == ("409", '{"reason":"taken"}')


def test_heartbeats_keep_a_waiting_task_alive_while_virtual_time_passes() -> None:
    ex = asking()
    token = token_of(ex)
    ex.advance(8).send_task_heartbeat(token).advance(8)
    assert ex.status == "RUNNING"
    ex.advance(3)  # 11 seconds since the last heartbeat
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")  # as AWS records a missed heartbeat


def test_an_unknown_token_or_an_ended_run_is_refused() -> None:
    ex = asking()
    with pytest.raises(ValueError, match="no task is waiting for the token"):
        ex.send_task_success("not-a-token", {})
    with pytest.raises(ValueError, match="no task is waiting for the token"):
        ex.send_task_heartbeat("not-a-token")
    token = token_of(ex)
    ex.send_task_success(token, {})
    with pytest.raises(ValueError, match=r"already ended \(SUCCEEDED\)"):
        ex.send_task_failure(token, "Late")


def test_stopping_aborts_and_keeps_the_history() -> None:
    ex = asking()
    assert ex.stop("Operator", "not needed any more") is ex
    assert (ex.status, ex.error, ex.cause) == ("ABORTED", "Operator", "not needed any more")
    assert types(ex)[0] == "ExecutionStarted" and types(ex)[-1] == "ExecutionAborted"
    assert ex.stop_date is not None


def test_a_waiting_run_says_what_it_waits_for() -> None:
    ex = asking()
    assert "waiting for a task token in Ask" in ex.summary()


def test_notes_explain_a_missing_handler() -> None:
    ex = StateMachine(asl({"Work": task("Work", End=True)})).run({})
    assert ex.status == "FAILED"
    assert len(ex.notes) == 1 and "@sfn.task('Work')" in ex.notes[0]
    assert "note: " + ex.notes[0] in ex.summary()
    ex.notes.clear()  # a copy: the run's notes stay
    assert len(ex.notes) == 1


def test_listeners_hear_of_each_new_event() -> None:
    ex = asking()
    before = len(ex.events)
    heard: list[tuple[Any, int]] = []
    ex.subscribe(lambda execution, event_id: heard.append((execution, event_id)))
    ex.subscribe(lambda execution, event_id: heard.append((None, event_id)))
    ex.send_task_success(token_of(ex), {})
    new_ids = [e["id"] for e in ex.events[before:]]
    assert [event_id for who, event_id in heard if who is ex] == new_ids
    assert [event_id for who, event_id in heard if who is None] == new_ids


def test_a_background_run_returns_at_once_and_wait_blocks_until_it_stops() -> None:
    entered, release = threading.Event(), threading.Event()

    def work(event: Any) -> Any:
        entered.set()
        release.wait(30)
        return {"done": event}

    sm = StateMachine(asl({"Work": task("Work", End=True)}))
    progress: list[int | None] = []
    ex = sm.start(
        {"x": 1}, resources={"Work": work}, progress=lambda execution, event_id: progress.append(event_id)
    )
    assert entered.wait(30)
    assert ex.status == "RUNNING" and not ex.done
    release.set()
    assert ex.wait(30) is ex
    assert ex.status == "SUCCEEDED" and ex.output == {"done": {"x": 1}}
    # every event, then None once the run has stopped (see the subscribe() tests below)
    assert progress == [*(e["id"] for e in ex.events), None]


def test_start_refuses_arguments_it_does_not_know() -> None:
    with pytest.raises(TypeError, match="unexpected arguments: colour"):
        ASK.start({}, colour="red")


def test_waiting_on_a_synchronous_run_returns_at_once() -> None:
    ex = StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({})
    assert ex.wait() is ex and ex.succeeded


def test_a_distributed_map_keeps_each_child_executions_history() -> None:
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    processor |= branch(Echo={"Type": "Pass", "End": True})
    sm = StateMachine(
        asl({"Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}})
    )
    ex = sm.run({"items": ["a", "b"]})
    assert ex.output == ["a", "b"]
    [(arn, children)] = ex.map_runs.items()
    assert ":mapRun:" in arn
    assert len(children) == 2
    assert [child[0]["type"] for child in children] == ["ExecutionStarted"] * 2
    assert sorted(json.loads(child[0]["executionStartedEventDetails"]["input"]) for child in children) == [
        "a",
        "b",
    ]
    assert {child[-1]["type"] for child in children} == {"ExecutionSucceeded"}


# following a run: LocalExecution.subscribe()

WAITS_FOR_A_GATE = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}


class Recorder:
    """A subscriber: what it was told, and the status the execution had at that moment."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, str]] = []

    def __call__(self, execution: sfn.LocalExecution, event_id: int | None) -> None:
        self.calls.append((event_id, execution.status))


def test_a_run_tells_its_subscribers_every_event() -> None:
    recorder = Recorder()
    execution = sfn.StateMachine(WAITS_FOR_A_GATE).run({}, resources={"Work": lambda e: e}, progress=recorder)
    ids = [event_id for event_id, _ in recorder.calls]
    assert ids == [event["id"] for event in execution.events]
    assert execution.status == "SUCCEEDED"


def test_a_background_run_says_when_it_stops_with_its_final_status() -> None:
    gate = threading.Event()

    def work(event: Any) -> Any:
        if not gate.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        return event

    recorder, late = Recorder(), Recorder()
    execution = sfn.StateMachine(WAITS_FOR_A_GATE).start({}, resources={"Work": work}, progress=recorder)
    execution.subscribe(late)  # a second subscriber, added while the run waits in Work
    gate.set()
    execution.wait(timeout=30)
    assert execution.status == "SUCCEEDED"
    events = execution.events
    assert [event_id for event_id, _ in recorder.calls] == [*(e["id"] for e in events), None]
    assert recorder.calls[-2] == (events[-1]["id"], "RUNNING")  # the last event comes before the status
    assert recorder.calls[-1] == (None, "SUCCEEDED")
    assert late.calls[-1] == (None, "SUCCEEDED")
    assert [event_id for event_id, _ in late.calls][:-1] == [e["id"] for e in events[-len(late.calls) + 1 :]]


def test_a_synchronous_run_has_no_stop_call() -> None:
    recorder = Recorder()
    sfn.StateMachine(WAITS_FOR_A_GATE).run({}, resources={"Work": lambda e: e}, progress=recorder)
    assert None not in [event_id for event_id, _ in recorder.calls]


# ----------------------------------------------------------------------------- stopping a busy run

LOOP = asl(
    {
        "Work": task("Work", Next="Again"),
        "Again": {"Type": "Pass", "Next": "Work"},
    }
)


def test_stop_from_a_handler_ends_the_run_when_the_handler_returns() -> None:
    stopped: list[LocalExecution] = []

    def work(event: Any) -> Any:
        if stopped:
            stopped[0].stop("Operator", "enough")
        return event

    sm = StateMachine(LOOP)
    ex = sm.start({}, resources={"Work": work})
    stopped.append(ex)
    ex.wait(60)
    assert (ex.status, ex.error, ex.cause) == ("ABORTED", "Operator", "enough")
    assert types(ex)[-1] == "ExecutionAborted"
    assert "LambdaFunctionSucceeded" not in types(ex)[-3:]  # the stopped call's result is not recorded


def test_stop_returns_while_the_handler_still_runs_and_the_run_ends_aborted() -> None:
    entered, release = threading.Event(), threading.Event()

    def work(event: Any) -> Any:
        entered.set()
        release.wait(60)
        return event

    ex = StateMachine(LOOP).start({}, resources={"Work": work})
    assert entered.wait(60)
    assert ex.stop() is ex
    assert not release.is_set()  # stop() did not wait for the handler
    release.set()
    ex.wait(60)
    assert ex.status == "ABORTED"
    events = types(ex)
    assert events[-2:] == ["LambdaFunctionStarted", "ExecutionAborted"]


def test_stop_between_steps_of_a_long_loop() -> None:
    # a subscriber runs on the driving thread between two events: the run ends at the next one
    sm = StateMachine(asl({"Loop": {"Type": "Pass", "Next": "Loop"}}))
    ex = sm.start({}, progress=lambda execution, event_id: event_id == 10 and execution.stop())
    ex.wait(60)
    assert ex.status == "ABORTED" and ex.error is None
    assert len(ex.events) == 11 and types(ex)[-1] == "ExecutionAborted"


def test_stop_from_another_thread_returns_once_a_busy_loop_has_stopped() -> None:
    reached, go = threading.Event(), threading.Event()

    def listener(execution: LocalExecution, event_id: int | None) -> None:
        if event_id == 5:  # the driver is busy here, between two events, when stop() is called
            reached.set()
            go.wait(60)

    ex = StateMachine(asl({"Loop": {"Type": "Pass", "Next": "Loop"}})).start({}, progress=listener)
    assert reached.wait(60)
    seen: list[str] = []
    stopper = threading.Thread(target=lambda: seen.append(ex.stop("Operator").status))
    stopper.start()
    while ex._run.stop_request is None:  # until stop() has asked (it then waits for the driver)
        stopper.join(0.001)
    go.set()
    stopper.join(60)
    assert seen == ["ABORTED"]  # stop() returned with the run already ended
    assert ex.error == "Operator" and len(ex.events) == 6


def test_stop_returns_while_one_long_step_still_runs_and_the_run_ends_aborted_after_it() -> None:
    # one step that does not end soon (a long JSONata evaluation, say): stop() does not wait for it
    reached, go = threading.Event(), threading.Event()

    def listener(execution: LocalExecution, event_id: int | None) -> None:
        if event_id == 3:
            reached.set()
            go.wait(60)

    ex = StateMachine(asl({"Loop": {"Type": "Pass", "Next": "Loop"}})).start({}, progress=listener)
    assert reached.wait(60)
    assert ex.stop("Operator") is ex
    assert not go.is_set() and ex.status == "RUNNING"  # returned with the step still running
    go.set()
    assert ex.wait(60).status == "ABORTED"
    assert ex.error == "Operator" and types(ex)[-1] == "ExecutionAborted"


def test_stopping_a_run_that_has_ended_changes_nothing() -> None:
    ex = StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({})
    assert ex.stop().status == "SUCCEEDED"


# ----------------------------------------------------------------------------- nothing leaves a run RUNNING


class Escaping(BaseException):
    """Not an Exception: what no ordinary ``except Exception`` catches."""


@pytest.mark.parametrize("exc", [SystemExit(2), GeneratorExit(), Escaping("out")])
def test_a_background_run_whose_handler_raises_a_base_exception_fails(exc: BaseException) -> None:
    def work(event: Any) -> Any:
        raise exc

    ex = StateMachine(asl({"Work": task("Work", End=True)})).start({}, resources={"Work": work})
    ex.wait(60)
    assert ex.status == "FAILED" and ex.error == "Runtime.ExitError"
    assert type(exc).__name__ in ex.notes[0]


def test_a_failing_subscriber_is_dropped_and_the_background_run_goes_on() -> None:
    heard: list[int | None] = []

    def listener(execution: LocalExecution, event_id: int | None) -> None:
        heard.append(event_id)
        if event_id == 3 or event_id is None:
            raise RuntimeError("listener broke")

    sm = StateMachine(asl({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}))
    ex = sm.start({}, progress=listener)
    ex.wait(60)
    assert not ex._thread.is_alive()  # type: ignore[union-attr]
    assert ex.status == "SUCCEEDED" and types(ex)[-1] == "ExecutionSucceeded"
    assert heard == [1, 2, 3, None]  # not called again after it failed, but told of the end
    assert "RuntimeError: listener broke at event 3" in ex.notes[0]
    assert "when the run stopped" in ex.notes[1]


def test_an_interrupt_raised_by_a_handler_in_a_background_run_aborts_it() -> None:
    def work(event: Any) -> Any:
        raise KeyboardInterrupt

    ex = StateMachine(asl({"Work": task("Work", End=True)})).start({}, resources={"Work": work})
    ex.wait(60)
    assert (ex.status, ex.error) == ("ABORTED", "KeyboardInterrupt")
    assert types(ex)[0] == "ExecutionStarted"


def test_stopping_at_any_moment_leaves_one_end_and_a_whole_history() -> None:
    terminal = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted"}
    fan = {"StartAt": "W", "States": {"W": task("Inner", End=True)}}
    sm = StateMachine(
        asl(
            {
                "Work": task("Work", Next="Fan"),
                "Fan": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": fan,
                    "ResultPath": "$.r",
                    "Next": "Work",
                },
            }
        )
    )
    rng = random.Random(7)
    resources = {"Work": lambda e: {"items": list(range(rng.randint(0, 4)))}, "Inner": lambda e: e}
    for _ in range(20):
        ex = sm.start({}, resources=resources)
        time.sleep(rng.random() * 0.005)  # anywhere in the run: the outcome must not depend on it
        ex.stop()
        ex.wait(60)
        kinds = types(ex)
        assert ex.status in ("ABORTED", "FAILED")  # stopped, or the history limit came first
        assert [k for k in kinds if k in terminal] == [kinds[-1]]
        assert [e["id"] for e in ex.events] == list(range(1, len(kinds) + 1))


def test_a_run_that_starts_no_other_execution_has_no_child_executions() -> None:
    ex = StateMachine(asl({"P": {"Type": "Pass", "End": True}})).run({})
    assert ex.child_executions == []


def test_a_token_can_be_answered_from_another_thread_while_the_run_waits() -> None:
    sm = StateMachine(
        asl(
            {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"t.$": "$$.Task.Token"},
                    "End": True,
                }
            }
        )
    )
    ex = sm.run({}, resources={"Ask": lambda event: {}})
    token = ex.waiting_for[0].token
    answer = threading.Thread(target=ex.send_task_success, args=(token, {"from": "thread"}))
    answer.start()
    answer.join()
    assert (ex.status, ex.output) == ("SUCCEEDED", {"from": "thread"})


def test_changing_an_output_changes_no_other_run() -> None:
    # a Pass state's Result ends up in the output: the execution hands out a copy of its own
    sm = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"v": [1]}, "End": True}}})
    first = sm.run({})
    first.output["v"].append(2)
    assert first.output == {"v": [1, 2]}  # the same copy each time it is read
    assert sm.run({}).output == {"v": [1]}
    assert json.loads(first.events[-1]["executionSucceededEventDetails"]["output"]) == {"v": [1]}
