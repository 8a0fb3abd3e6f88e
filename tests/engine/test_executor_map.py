"""Parallel and Map states in the executor: ordering, events, item selection, failures, Retry/Catch,
Distributed mode and tolerated failures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import StateMachine, TaskFailed
from tests.engine.helpers import LAMBDA, machine, types

EPOCH = datetime(2024, 1, 15, 0, 0, 0, tzinfo=timezone.utc)


def at(ex: Any, e: dict[str, Any]) -> float:
    return (e["timestamp"] - ex.events[0]["timestamp"]).total_seconds()


def branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A branch / processor from (name, state) pairs chained with Next."""
    names = [n for n, _ in states]
    body = {}
    for i, (name, spec) in enumerate(states):
        spec = dict(spec)
        if spec["Type"] not in ("Succeed", "Fail", "Choice"):
            if i + 1 < len(states):
                spec["Next"] = names[i + 1]
            else:
                spec["End"] = True
        body[name] = spec
    return {"StartAt": names[0], "States": body}


def iteration_events(ex: Any, kind: str) -> list[int]:
    return [
        e["mapIteration" + kind + "EventDetails"]["index"]
        for e in ex.events
        if e["type"] == "MapIteration" + kind
    ]


# ----------------------------------------------------------------------------- Parallel


class TestParallel:
    def test_outputs_are_in_branch_order_whatever_finishes_first(self) -> None:
        sm = machine(
            {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        branch(
                            ("Slow", {"Type": "Wait", "Seconds": 30}),
                            ("SlowDone", {"Type": "Pass", "Result": "slow"}),
                        ),
                        branch(("Fast", {"Type": "Pass", "Result": "fast"})),
                    ],
                    "End": True,
                }
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        assert ex.output == ["slow", "fast"]
        assert ex.duration == timedelta(seconds=30)
        names = [e["stateExitedEventDetails"]["name"] for e in ex.events if "stateExitedEventDetails" in e]
        assert names.index("Fast") < names.index("SlowDone")

    def test_events(self) -> None:
        sm = machine({"P": {"Type": "Parallel", "Branches": [branch(("A", {"Type": "Pass"}))], "End": True}})
        ex = sm.run({"x": 1})
        assert types(ex) == [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "PassStateEntered",
            "PassStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded",
        ]
        for e in ex.events:
            if e["type"] in ("ParallelStateStarted", "ParallelStateSucceeded"):
                assert not any(k.endswith("EventDetails") for k in e)

    def test_each_branch_gets_the_effective_input_and_result_processing_applies(self) -> None:
        sm = machine(
            {
                "P": {
                    "Type": "Parallel",
                    "InputPath": "$.job",
                    "Parameters": {"n.$": "$.n", "who.$": "$$.State.Name"},
                    "Branches": [
                        branch(("A", {"Type": "Pass"})),
                        branch(("B", {"Type": "Pass", "InputPath": "$.n"})),
                    ],
                    "ResultSelector": {"first.$": "$[0]", "second.$": "$[1]"},
                    "ResultPath": "$.out",
                    "End": True,
                }
            }
        )
        ex = sm.run({"job": {"n": 4}, "keep": True})
        assert ex.output == {
            "job": {"n": 4},
            "keep": True,
            "out": {"first": {"n": 4, "who": "P"}, "second": 4},
        }

    def test_a_failing_branch_fails_the_state_once(self) -> None:
        sm = machine(
            {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        branch(("Ok", {"Type": "Wait", "Seconds": 5})),
                        branch(("Bad", {"Type": "Fail", "Error": "Branch.Broke", "Cause": "second"})),
                    ],
                    "End": True,
                }
            }
        )
        ex = sm.run({})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Branch.Broke", "second")
        assert types(ex).count("ParallelStateFailed") == 1
        assert types(ex)[-2:] == ["ParallelStateFailed", "ExecutionFailed"]
        assert "ParallelStateSucceeded" not in types(ex)

    def test_catch_on_parallel(self) -> None:
        sm = machine(
            {
                "P": {
                    "Type": "Parallel",
                    "Branches": [branch(("Bad", {"Type": "Fail", "Error": "Branch.Broke", "Cause": "c"}))],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recovered"}],
                    "End": True,
                },
                "Recovered": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({"x": 1})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"x": 1, "error": {"Error": "Branch.Broke", "Cause": "c"}}
        assert types(ex)[-5:] == [
            "ParallelStateFailed",
            "ParallelStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]

    def test_retry_on_parallel_reruns_every_branch(self) -> None:
        calls: list[Any] = []

        def flaky(event: Any) -> Any:
            calls.append(event)
            if len(calls) < 3:
                raise TaskFailed("Flaky", "")
            return "ok"

        sm = machine(
            {
                "P": {
                    "Type": "Parallel",
                    "Branches": [branch(("Call", {"Type": "Task", "Resource": LAMBDA + "Flaky"}))],
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 10, "BackoffRate": 1}],
                    "End": True,
                }
            }
        )
        ex = sm.run({}, resources={"Flaky": flaky}, start_time=EPOCH)
        assert ex.output == ["ok"]
        started = [at(ex, e) for e in ex.events if e["type"] == "ParallelStateStarted"]
        assert started == [0.0, 10.0, 20.0]
        assert "ParallelStateFailed" not in types(ex)

    def test_nested_parallel(self) -> None:
        inner = {
            "Type": "Parallel",
            "Branches": [
                branch(("X", {"Type": "Pass", "Result": 1})),
                branch(("Y", {"Type": "Pass", "Result": 2})),
            ],
        }
        sm = machine(
            {
                "Outer": {
                    "Type": "Parallel",
                    "Branches": [branch(("Inner", inner)), branch(("Z", {"Type": "Pass", "Result": 3}))],
                    "End": True,
                }
            }
        )
        assert sm.run({}).output == [[1, 2], 3]


# ----------------------------------------------------------------------------- inline Map


def doubler(event: Any) -> Any:
    return event * 2


class TestInlineMap:
    def test_outputs_are_in_item_order(self) -> None:
        def slow_for_small(event: Any, context: Any) -> Any:
            context.sleep(100 - event)
            return event

        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": branch(("Work", {"Type": "Task", "Resource": LAMBDA + "W"})),
                    "End": True,
                }
            }
        )
        ex = sm.run([1, 50, 99], resources={"W": slow_for_small})
        assert ex.output == [1, 50, 99]
        assert iteration_events(ex, "Succeeded") == [2, 1, 0]

    def test_events_and_details(self) -> None:
        sm = machine(
            {"Fan": {"Type": "Map", "ItemProcessor": branch(("Each", {"Type": "Pass"})), "End": True}}
        )
        ex = sm.run(["a", "b"])
        started = next(e for e in ex.events if e["type"] == "MapStateStarted")
        assert started["mapStateStartedEventDetails"] == {"length": 2}
        firsts = [e for e in ex.events if e["type"] == "MapIterationStarted"]
        assert [e["mapIterationStartedEventDetails"] for e in firsts] == [
            {"index": 0, "name": "Fan"},
            {"index": 1, "name": "Fan"},
        ]
        assert iteration_events(ex, "Succeeded") == [0, 1]
        assert types(ex)[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]

    def test_empty_array(self) -> None:
        sm = machine({"M": {"Type": "Map", "ItemProcessor": branch(("Each", {"Type": "Pass"})), "End": True}})
        ex = sm.run([])
        assert ex.output == []
        assert types(ex) == [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ]

    def test_max_concurrency_one_runs_items_one_after_another(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 1,
                    "ItemProcessor": branch(
                        ("Nap", {"Type": "Wait", "Seconds": 10}), ("Done", {"Type": "Pass"})
                    ),
                    "End": True,
                }
            }
        )
        ex = sm.run([0, 1, 2], start_time=EPOCH)
        order = [
            (
                e["type"],
                e.get("mapIterationStartedEventDetails", e.get("mapIterationSucceededEventDetails", {})).get(
                    "index"
                ),
            )
            for e in ex.events
            if e["type"] in ("MapIterationStarted", "MapIterationSucceeded")
        ]
        assert order == [
            ("MapIterationStarted", 0),
            ("MapIterationSucceeded", 0),
            ("MapIterationStarted", 1),
            ("MapIterationSucceeded", 1),
            ("MapIterationStarted", 2),
            ("MapIterationSucceeded", 2),
        ]
        assert ex.duration == timedelta(seconds=30)

    def test_max_concurrency_two_overlaps_in_virtual_time(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 2,
                    "ItemProcessor": branch(("Nap", {"Type": "Wait", "Seconds": 10})),
                    "End": True,
                }
            }
        )
        assert sm.run([1, 2, 3, 4], start_time=EPOCH).duration == timedelta(seconds=20)

    def test_unlimited_concurrency_overlaps_everything(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": branch(("Nap", {"Type": "Wait", "Seconds": 10})),
                    "End": True,
                }
            }
        )
        assert sm.run(list(range(10)), start_time=EPOCH).duration == timedelta(seconds=10)

    def test_unlimited_inline_concurrency_is_forty_at_a_time(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": branch(("Nap", {"Type": "Wait", "Seconds": 10})),
                    "End": True,
                }
            }
        )
        assert sm.run(list(range(40)), start_time=EPOCH).duration == timedelta(seconds=10)
        assert sm.run(list(range(41)), start_time=EPOCH).duration == timedelta(seconds=20)

    def test_max_concurrency_path(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "MaxConcurrencyPath": "$.limit",
                    "ItemProcessor": branch(("Nap", {"Type": "Wait", "Seconds": 10})),
                    "End": True,
                }
            }
        )
        assert sm.run({"items": [1, 2, 3], "limit": 1}, start_time=EPOCH).duration == timedelta(seconds=30)

    def test_item_selector_with_map_item_index_and_value(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.rows",
                    "ItemSelector": {
                        "position.$": "$$.Map.Item.Index",
                        "row.$": "$$.Map.Item.Value",
                        "table.$": "$.table",
                        "fixed": "f",
                    },
                    "ItemProcessor": branch(("Each", {"Type": "Pass"})),
                    "End": True,
                }
            }
        )
        ex = sm.run({"rows": [{"id": 5}, {"id": 6}], "table": "T"})
        assert ex.output == [
            {"position": 0, "row": {"id": 5}, "table": "T", "fixed": "f"},
            {"position": 1, "row": {"id": 6}, "table": "T", "fixed": "f"},
        ]

    def test_legacy_parameters_and_iterator(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.xs",
                    "Parameters": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                    "Iterator": branch(("Each", {"Type": "Pass"})),
                    "End": True,
                }
            }
        )
        assert sm.run({"xs": ["p", "q"]}).output == [{"i": 0, "v": "p"}, {"i": 1, "v": "q"}]

    @pytest.mark.parametrize("items", [{"not": "array"}, "text", 3, None])
    def test_items_path_not_an_array_is_a_runtime_error(self, items: Any) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": branch(("Each", {"Type": "Pass"})),
                    "End": True,
                }
            }
        )
        ex = sm.run({"items": items})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert (ex.cause or "").startswith(
            "An error occurred while executing the state 'M' (entered at the event id #2)."
        )
        assert "$.items" in (ex.cause or "")

    def test_nested_maps(self) -> None:
        sm = machine(
            {
                "Outer": {
                    "Type": "Map",
                    "ItemSelector": {"row.$": "$$.Map.Item.Index", "cells.$": "$$.Map.Item.Value"},
                    "ItemProcessor": branch(
                        (
                            "Inner",
                            {
                                "Type": "Map",
                                "ItemsPath": "$.cells",
                                "ItemSelector": {"col.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                                "ItemProcessor": branch(
                                    ("Cell", {"Type": "Task", "Resource": LAMBDA + "Cell"})
                                ),
                            },
                        )
                    ),
                    "End": True,
                }
            }
        )
        ex = sm.run([[1, 2], [3]], resources={"Cell": lambda e: f"{e['col']}:{e['v']}"})
        assert ex.output == [["0:1", "1:2"], ["0:3"]]
        assert [
            e["mapStateStartedEventDetails"]["length"] for e in ex.events if e["type"] == "MapStateStarted"
        ] == [2, 2, 1]

    def test_result_selector_and_result_path(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.n",
                    "ItemProcessor": branch(("D", {"Type": "Task", "Resource": LAMBDA + "D"})),
                    "ResultSelector": {"all.$": "$", "count.$": "States.ArrayLength($)"},
                    "ResultPath": "$.doubled",
                    "End": True,
                }
            }
        )
        ex = sm.run({"n": [1, 2, 3]}, resources={"D": doubler})
        assert ex.output == {"n": [1, 2, 3], "doubled": {"all": [2, 4, 6], "count": 3}}


class TestMapFailures:
    def _failing_map(self, **fields: Any) -> StateMachine:
        return machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": branch(("Work", {"Type": "Task", "Resource": LAMBDA + "W"})),
                    **fields,
                    "End": True,
                },
                "Recovered": {"Type": "Pass", "End": True},
            }
        )

    @staticmethod
    def _fail_on(bad: Any) -> Any:
        def work(event: Any) -> Any:
            if event == bad:
                raise TaskFailed("Item.Bad", f"item {event}")
            return event

        return work

    def test_a_failing_iteration_fails_the_map(self) -> None:
        ex = self._failing_map(MaxConcurrency=1).run([1, 2, 3], resources={"W": self._fail_on(2)})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Item.Bad", "item 2")
        assert iteration_events(ex, "Succeeded") == [0]
        assert iteration_events(ex, "Failed") == [1]
        assert types(ex)[-3:] == ["MapIterationFailed", "MapStateFailed", "ExecutionFailed"]
        failed = next(e for e in ex.events if e["type"] == "MapIterationFailed")
        assert failed["mapIterationFailedEventDetails"] == {"index": 1, "name": "M"}
        assert not any(k.endswith("EventDetails") for k in ex.events[-2])

    def test_concurrent_iterations_are_aborted_when_one_fails(self) -> None:
        def work(event: Any, context: Any) -> Any:
            if event == "bad":
                raise TaskFailed("Item.Bad", "")
            context.sleep(60)
            return event

        ex = self._failing_map().run(["slow", "bad", "slow"], resources={"W": work})
        assert ex.status == "FAILED"
        assert iteration_events(ex, "Failed") == [1]
        assert sorted(iteration_events(ex, "Aborted")) == [0, 2]

    def test_map_state_failed_is_recorded_once_after_retries(self) -> None:
        sm = self._failing_map(
            MaxConcurrency=1,
            Retry=[{"ErrorEquals": ["Item.Bad"], "MaxAttempts": 2, "IntervalSeconds": 3, "BackoffRate": 1}],
        )
        ex = sm.run([1, 2], resources={"W": self._fail_on(2)}, start_time=EPOCH)
        assert ex.status == "FAILED"
        assert types(ex).count("MapStateStarted") == 3
        assert types(ex).count("MapStateFailed") == 1
        assert types(ex).count("MapIterationFailed") == 3
        assert [at(ex, e) for e in ex.events if e["type"] == "MapStateStarted"] == [0.0, 3.0, 6.0]
        assert types(ex).count("MapStateEntered") == 1

    def test_catch_on_map(self) -> None:
        sm = self._failing_map(Catch=[{"ErrorEquals": ["Item.Bad"], "Next": "Recovered"}])
        ex = sm.run([1, 2], resources={"W": self._fail_on(1)})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"Error": "Item.Bad", "Cause": "item 1"}
        kinds = types(ex)
        assert kinds.count("MapStateFailed") == 1
        assert kinds.index("MapStateFailed") < kinds.index("MapStateExited") < kinds.index("PassStateEntered")

    def test_catch_result_path_on_map(self) -> None:
        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": branch(("Work", {"Type": "Fail", "Error": "Item.Bad", "Cause": "no"})),
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Recovered"}
                    ],
                    "End": True,
                },
                "Recovered": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({"items": [1]})
        assert ex.output == {"items": [1], "failure": {"Error": "Item.Bad", "Cause": "no"}}


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


# ----------------------------------------------------------------------------- ItemReader, ItemBatcher, ResultWriter


def _distributed_map(**fields: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Echo",
                        "States": {"Echo": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                    **fields,
                }
            },
        }
    )


class TestItemReader:
    def test_csv_rows_become_items_keyed_by_the_header(self) -> None:
        seen: list[Any] = []

        def get_object(params: dict[str, Any]) -> str:
            seen.append(params)
            return "sku,qty\nA1,2\nB7,5\n"

        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "orders", "Key.$": "$.key"},
            }
        )
        ex = sm.run({"key": "today.csv"}, resources={"arn:aws:states:::s3:getObject": get_object})
        assert ex.status == "SUCCEEDED", ex.cause
        assert seen == [{"Bucket": "orders", "Key": "today.csv"}]
        assert ex.output == [{"sku": "A1", "qty": "2"}, {"sku": "B7", "qty": "5"}]

    def test_json_array_with_max_items(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON", "MaxItems": 2},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        assert ex.output == [1, 2]

    def test_a_missing_reader_handler_fails_with_item_reader_failed(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({})
        assert ex.status == "FAILED"
        assert ex.error == "States.ItemReaderFailed"
        assert "s3:getObject" in (ex.cause or "")

    def test_a_reader_map_starts_with_length_zero_and_reads_inside_the_map_run(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        started = next(e for e in ex.events if e["type"] == "MapStateStarted")
        assert started["mapStateStartedEventDetails"] == {"length": 0}
        assert ex.output == [1, 2, 3]

    def test_a_reader_failure_fails_the_map_run(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: '{"not": "a list"}'})
        assert (ex.error, ex.cause) == (
            "States.ItemReaderFailed",
            "Attempting to map over non-iterable node.",
        )
        assert [e["type"] for e in ex.events][2:] == [
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed",
        ]

    def test_max_items_path_reads_a_variable_and_accepts_numeric_text(self) -> None:
        sm = sfn.StateMachine(
            {
                "StartAt": "Limit",
                "States": {
                    "Limit": {"Type": "Pass", "Assign": {"limit": "2"}, "Next": "Each"},
                    "Each": {
                        "Type": "Map",
                        "ItemReader": {
                            "Resource": "arn:aws:states:::s3:getObject",
                            "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$limit"},
                            "Parameters": {"Bucket": "b", "Key": "k"},
                        },
                        "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                            "StartAt": "Echo",
                            "States": {"Echo": {"Type": "Pass", "End": True}},
                        },
                        "End": True,
                    },
                },
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        assert ex.output == [1, 2]

    def test_a_negative_max_items_fails_the_reader(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.max"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({"max": -1}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1]"})
        assert (ex.error, ex.cause) == ("States.ItemReaderFailed", "field MaxItems must be positive")

    def test_short_csv_rows_get_empty_strings_for_missing_columns(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "a,b,c\n1\n1,2,3,4\n"})
        assert ex.output == [{"a": "1", "b": "", "c": ""}, {"a": "1", "b": "2", "c": "3"}]


class TestItemBatcherAndResultWriter:
    def test_items_are_grouped_into_batches_with_the_batch_input(self) -> None:
        sm = _distributed_map(
            ItemsPath="$.items",
            ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
        )
        ex = sm.run({"items": [1, 2, 3], "run": "r1"})
        assert ex.output == [
            {"BatchInput": {"run": "r1"}, "Items": [1, 2]},
            {"BatchInput": {"run": "r1"}, "Items": [3]},
        ]

    def test_batch_limits_may_come_from_paths_as_numbers_or_numeric_text(self) -> None:
        sm = _distributed_map(
            ItemsPath="$.items",
            ItemBatcher={"MaxItemsPerBatchPath": "$.per", "MaxInputBytesPerBatchPath": "$.bytes"},
        )
        ex = sm.run({"items": [1, 2, 3], "per": "2", "bytes": 1000})
        assert ex.output == [{"Items": [1, 2]}, {"Items": [3]}]

    def test_results_go_to_the_writer_and_the_map_returns_aws_summary(self) -> None:
        written: list[Any] = []
        sm = _distributed_map(
            ItemsPath="$.items",
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "out", "Prefix": "runs"},
            },
        )
        ex = sm.run({"items": ["a", "b"]}, resources={"arn:aws:states:::s3:putObject": written.append})
        assert ex.status == "SUCCEEDED", ex.cause
        assert set(ex.output) == {"MapRunArn", "ResultWriterDetails"}
        assert ex.output["ResultWriterDetails"]["Bucket"] == "out"
        assert ex.output["ResultWriterDetails"]["Key"].startswith("runs/")
        assert ex.output["ResultWriterDetails"]["Key"].endswith("/manifest.json")
        (event,) = written
        assert [json.loads(r["Output"]) for r in event["Succeeded"]] == ["a", "b"]
        assert event["Failed"] == []
