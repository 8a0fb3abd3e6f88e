"""Tests for sfn_notebook.engine.states.map_inline: the Map state's items and ItemSelector, inline
iterations (ordering, concurrency, events) and their failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from tests.engine.helpers import LAMBDA, branch, doubler, machine, seconds_after_start, types

EPOCH = datetime(2024, 1, 15, 0, 0, 0, tzinfo=timezone.utc)


def iteration_events(ex: Any, kind: str) -> list[int]:
    return [
        e["mapIteration" + kind + "EventDetails"]["index"]
        for e in ex.events
        if e["type"] == "MapIteration" + kind
    ]


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

    def test_an_iteration_that_already_succeeded_is_not_aborted(self) -> None:
        # neither iteration waits: both have ended when the Map learns of the failure
        processor = {
            "StartAt": "Pick",
            "States": {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Bad"}],
                    "Default": "Good",
                },
                "Bad": {"Type": "Fail", "Error": "Item.Bad"},
                "Good": {"Type": "Pass", "End": True},
            },
        }
        ex = machine({"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}).run([0, 1])
        assert ex.status == "FAILED"
        assert iteration_events(ex, "Failed") == [0]
        assert iteration_events(ex, "Succeeded") == [1]
        assert iteration_events(ex, "Aborted") == []

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
        assert [seconds_after_start(ex, e) for e in ex.events if e["type"] == "MapStateStarted"] == [
            0.0,
            3.0,
            6.0,
        ]
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


# ----------------------------------------------------------------------------- processors that never wait

_PLAIN_PROCESSOR = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.v", "NumericEquals": 3, "Next": "Boom"}],
            "Default": "Keep",
        },
        "Keep": {"Type": "Pass", "Parameters": {"v.$": "$.v", "i.$": "$$.Map.Item.Index"}, "End": True},
        "Boom": {"Type": "Fail", "Error": "Three", "Cause": "item three"},
    },
}


def _plain_map(concurrency: int, catch: bool) -> StateMachine:
    states: dict[str, Any] = {
        "Seed": {"Type": "Pass", "Assign": {"seen": 0}, "Next": "M"},
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": concurrency,
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": _PLAIN_PROCESSOR,
            "End": True,
        },
    }
    if catch:
        states["M"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
        states["Caught"] = {"Type": "Pass", "End": True}
    return machine(states)


@pytest.mark.parametrize("concurrency", [0, 1, 2, 5])
@pytest.mark.parametrize("items", [[1, 2], [0, 1, 2, 3, 4, 5, 6], [3, 0, 3]])
@pytest.mark.parametrize("catch", [False, True])
def test_a_processor_that_never_waits_records_the_history_iteration_fibers_do(
    monkeypatch: pytest.MonkeyPatch, concurrency: int, items: list[int], catch: bool
) -> None:
    """Iterations run as plain calls when no state of the processor waits; their history (links,
    failures seen in index order, siblings aborted) is the one the scheduler records."""
    from sfn_notebook.engine.states import map_inline

    sm = _plain_map(concurrency, catch)
    inline = sm.run({"items": items}, seed=1, start_time=EPOCH)
    monkeypatch.setattr(map_inline, "never_pauses", lambda machine: False)
    fibers = sm.run({"items": items}, seed=1, start_time=EPOCH)
    assert (inline.status, inline.error, inline.output) == (fibers.status, fibers.error, fibers.output)
    assert inline.events == fibers.events
    assert inline.states()[["name", "status", "iteration"]].equals(
        fibers.states()[["name", "status", "iteration"]]
    )
