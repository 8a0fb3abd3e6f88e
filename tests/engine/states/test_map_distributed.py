"""Tests for sfn_notebook.engine.states.map_distributed: Map Runs, child executions and tolerated failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from tests.engine.helpers import LAMBDA, branch, doubler, machine, types

# ----------------------------------------------------------------------------- Distributed Map


def distributed(processor: dict[str, Any], **fields: Any) -> StateMachine:
    processor = {**processor, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    return machine({"Dist": {"Type": "Map", "ItemProcessor": processor, **fields, "End": True}})


def fail_multiples_of(n: int) -> Any:
    def work(event: Any) -> Any:
        if event % n == 0:
            raise TaskFailed("Item.Bad", str(event))
        return event

    return work


WORK = branch(("Work", {"Type": "Task", "Resource": LAMBDA + "W"}))


class TestDistributedMap:
    def test_map_run_events_and_child_histories(self) -> None:
        ex = distributed(WORK, Label="Batch").run([1, 2, 3], resources={"W": doubler}, seed=3)
        assert ex.output == [2, 4, 6]
        assert types(ex) == [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ]
        started = next(e for e in ex.events if e["type"] == "MapRunStarted")
        arn = started["mapRunStartedEventDetails"]["mapRunArn"]
        assert arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/Batch:")
        assert list(ex.map_runs) == [arn]
        children = ex.map_runs[arn]
        assert len(children) == 3
        for child, item in zip(children, [1, 2, 3]):
            assert [e["type"] for e in child] == [
                "ExecutionStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded",
            ]
            assert json.loads(child[0]["executionStartedEventDetails"]["input"]) == item
            assert [e["id"] for e in child] == list(range(1, len(child) + 1))
        succeeded = next(e for e in ex.events if e["type"] == "MapRunSucceeded")
        assert not any(k.endswith("EventDetails") for k in succeeded)

    def test_item_selector_in_distributed_mode(self) -> None:
        sm = distributed(
            branch(("Each", {"Type": "Pass"})),
            ItemSelector={"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
        )
        assert sm.run(["x", "y"]).output == [{"i": 0, "v": "x"}, {"i": 1, "v": "y"}]

    def test_any_failure_fails_by_default(self) -> None:
        ex = distributed(WORK).run([1, 2, 3, 4], resources={"W": fail_multiples_of(4)})
        assert (ex.status, ex.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
        failed = next(e for e in ex.events if e["type"] == "MapRunFailed")
        assert failed["mapRunFailedEventDetails"]["error"] == "States.ExceedToleratedFailureThreshold"
        assert types(ex)[-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]

    def test_tolerated_failure_count(self) -> None:
        sm = distributed(WORK, ToleratedFailureCount=2)
        assert sm.run(list(range(1, 7)), resources={"W": fail_multiples_of(3)}).status == "SUCCEEDED"
        assert sm.run(list(range(1, 10)), resources={"W": fail_multiples_of(3)}).error == (
            "States.ExceedToleratedFailureThreshold"
        )

    def test_tolerated_failure_percentage(self) -> None:
        sm = distributed(WORK, ToleratedFailurePercentage=25)
        assert sm.run([1, 2, 3, 4], resources={"W": fail_multiples_of(4)}).status == "SUCCEEDED"  # 25 %
        assert sm.run([1, 2, 3, 4, 5, 6], resources={"W": fail_multiples_of(2)}).status == "FAILED"  # 50 %

    def test_tolerated_failure_percentage_path_out_of_range(self) -> None:
        sm = distributed(WORK, ItemsPath="$.items", ToleratedFailurePercentagePath="$.pct")
        ex = sm.run({"items": [1], "pct": 250})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert ex.cause == (
            "An error occurred while executing the state 'Dist' (entered at the event id #2). "
            "ToleratedFailurePercentage must be between 0 and 100."
        )

    def test_tolerated_failure_count_path_not_an_integer(self) -> None:
        sm = distributed(WORK, ItemsPath="$.items", ToleratedFailureCountPath="$.n")
        ex = sm.run({"items": [1], "n": "many"})
        assert ex.error == "States.Runtime"
        assert ex.cause == (
            "An error occurred while executing the state 'Dist' (entered at the event id #2). "
            'The ToleratedFailureCountPath field refers to value "many" which is not a valid integer: $.n'
        )

    def test_tolerated_failure_count_path_may_hold_numeric_text(self) -> None:
        sm = distributed(WORK, ItemsPath="$.items", ToleratedFailureCountPath="$.n")
        ex = sm.run({"items": [1, 5], "n": "1"}, resources={"W": fail_multiples_of(5)})
        assert ex.status == "SUCCEEDED", ex.cause

    def test_a_negative_tolerated_failure_count(self) -> None:
        sm = distributed(WORK, ItemsPath="$.items", ToleratedFailureCountPath="$.n")
        ex = sm.run({"items": [1], "n": -1})
        assert ex.cause == (
            "An error occurred while executing the state 'Dist' (entered at the event id #2). "
            "ToleratedFailureCount cannot be negative."
        )

    def test_either_threshold_fails_when_both_are_given(self) -> None:
        sm = distributed(WORK, ToleratedFailureCount=5, ToleratedFailurePercentage=10)
        # 2 of 10 items fail: within the count (5) but over the percentage (20 % > 10 %)
        ex = sm.run(list(range(1, 11)), resources={"W": fail_multiples_of(5)})
        assert (ex.status, ex.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")

    def test_catch_on_a_distributed_map(self) -> None:
        sm = machine(
            {
                "Dist": {
                    "Type": "Map",
                    "ItemProcessor": {
                        **WORK,
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    },
                    "Catch": [
                        {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Recovered"}
                    ],
                    "End": True,
                },
                "Recovered": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run([1, 2], resources={"W": fail_multiples_of(2)})
        assert ex.status == "SUCCEEDED"
        assert ex.output["Error"] == "States.ExceedToleratedFailureThreshold"


# ----------------------------------------------------------------------------- processors that never wait

_PLAIN_CHILD = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$", "NumericEquals": 3, "Next": "Boom"}],
            "Default": "Keep",
        },
        "Keep": {"Type": "Pass", "Parameters": {"v.$": "$", "i.$": "$$.Map.Item.Index"}, "End": True},
        "Boom": {"Type": "Fail", "Error": "Three", "Cause": "item three"},
    },
}


@pytest.mark.parametrize("concurrency", [0, 1, 2])
@pytest.mark.parametrize("items", [[1, 2, 4], [3, 1, 3, 2], [0, 1, 2, 3, 4, 5]])
@pytest.mark.parametrize("tolerated", [None, 1, 50])
def test_children_that_never_wait_record_what_child_fibers_do(
    monkeypatch: pytest.MonkeyPatch, concurrency: int, items: list[int], tolerated: int | None
) -> None:
    """Child executions run as plain calls when their processor never waits; the Map Run, its
    children's histories and the outcome are the scheduler's."""
    from sfn_notebook.engine.states import map_distributed

    fields: dict[str, Any] = {"MaxConcurrency": concurrency}
    if tolerated is not None:
        fields["ToleratedFailurePercentage" if tolerated == 50 else "ToleratedFailureCount"] = tolerated
    sm = distributed(_PLAIN_CHILD, **fields)
    plain = sm.run(items, seed=5, start_time=1_700_000_000)
    monkeypatch.setattr(map_distributed, "never_pauses", lambda machine: False)
    fibers = sm.run(items, seed=5, start_time=1_700_000_000)
    assert (plain.status, plain.error, plain.output) == (fibers.status, fibers.error, fibers.output)
    assert plain.events == fibers.events
    assert plain.map_runs == fibers.map_runs
