"""Tests for sfn_notebook.execution: following a local run through LocalExecution.subscribe()."""

from __future__ import annotations

import threading
from typing import Any

import sfn_notebook as sfn

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
