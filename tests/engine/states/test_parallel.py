"""Tests for sfn_notebook.engine.states.parallel: branch order, events, failures, Retry/Catch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sfn_notebook import TaskFailed
from tests.engine.helpers import LAMBDA, branch, machine, seconds_after_start, types

EPOCH = datetime(2024, 1, 15, 0, 0, 0, tzinfo=timezone.utc)


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
        started = [seconds_after_start(ex, e) for e in ex.events if e["type"] == "ParallelStateStarted"]
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


class TestBranchFailingInATask:
    """A branch whose Task state fails (no Retry or Catch left): AWS records the Task state as
    aborted right after its failure event, and the Parallel's failure links to that failure event."""

    def failing(self, catch: bool = True) -> Any:
        states: dict[str, Any] = {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA + "F", "End": True}}}
                ],
                "End": True,
            }
        }
        if catch:
            states["P"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "H"}]
            states["P"].pop("End")
            states["P"]["Next"] = "H"
            states["H"] = {"Type": "Pass", "End": True}

        def fail(event: Any) -> Any:
            raise TaskFailed("Broken", "by design")

        return machine(states).run({}, resources={"F": fail})

    def test_the_task_state_is_aborted_after_its_failure(self) -> None:
        ex = self.failing()
        assert ex.status == "SUCCEEDED"
        kinds = types(ex)
        at = kinds.index("LambdaFunctionFailed")
        assert kinds[at : at + 3] == ["LambdaFunctionFailed", "TaskStateAborted", "ParallelStateFailed"]
        failed_id = ex.events[at]["id"]
        aborted, parallel_failed = ex.events[at + 1], ex.events[at + 2]
        assert aborted["previousEventId"] == failed_id and not aborted.get("taskStateAbortedEventDetails")
        assert parallel_failed["previousEventId"] == failed_id

    def test_an_uncaught_failure_also_records_the_abort(self) -> None:
        ex = self.failing(catch=False)
        assert (ex.status, ex.error) == ("FAILED", "Broken")
        assert types(ex)[-3:] == ["TaskStateAborted", "ParallelStateFailed", "ExecutionFailed"]

    def test_a_branch_failing_in_a_fail_state_records_no_task_abort(self) -> None:
        states = {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}],
                "End": True,
            }
        }
        ex = machine(states).run({})
        assert "TaskStateAborted" not in types(ex)
