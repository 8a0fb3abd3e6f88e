"""Tests for sfn_notebook.engine.events: the history's records and their boto3 shape."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sfn_notebook.engine.events import EventLog, details_key

# ----------------------------------------------------------------------------- details_key and EventLog


class TestDetailsKey:
    @pytest.mark.parametrize(
        ("event_type", "key"),
        [
            ("PassStateEntered", "stateEnteredEventDetails"),
            ("MapStateEntered", "stateEnteredEventDetails"),
            ("FailStateEntered", "stateEnteredEventDetails"),
            ("ChoiceStateExited", "stateExitedEventDetails"),
            ("ParallelStateExited", "stateExitedEventDetails"),
            ("TaskScheduled", "taskScheduledEventDetails"),
            ("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails"),
            ("MapRunStarted", "mapRunStartedEventDetails"),
            ("MapStateStarted", "mapStateStartedEventDetails"),
            ("MapIterationStarted", "mapIterationStartedEventDetails"),
            ("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
            ("MapIterationFailed", "mapIterationFailedEventDetails"),
            ("MapIterationAborted", "mapIterationAbortedEventDetails"),
            ("ExecutionTimedOut", "executionTimedOutEventDetails"),
            ("EvaluationFailed", "evaluationFailedEventDetails"),
        ],
    )
    def test_member_names(self, event_type: str, key: str) -> None:
        assert details_key(event_type) == key

    def test_a_type_without_a_special_name_follows_the_camel_case_rule(self) -> None:
        assert details_key("SomeFutureThing") == "someFutureThingEventDetails"
        assert details_key("SomeFutureThing") == "someFutureThingEventDetails"  # the same when cached


class TestEventLog:
    def test_ids_are_positions_and_details_are_attached_by_type(self) -> None:
        log = EventLog()
        assert log.add("ExecutionStarted", 0.0, 0, {"input": "{}"}) == 1
        assert log.add("PassStateEntered", 1.5, 1, {"name": "P"}) == 2
        assert log.add("ParallelStateStarted", 1.5, 2, None) == 3
        events = log.materialize()
        assert len(log) == 3
        assert [e["id"] for e in events] == [1, 2, 3]
        assert [e["previousEventId"] for e in events] == [0, 1, 2]
        assert events[1]["stateEnteredEventDetails"] == {"name": "P"}
        assert set(events[2]) == {"timestamp", "type", "id", "previousEventId"}
        assert events[1]["timestamp"] == datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc)

    def test_materialize_holds_the_events_recorded_so_far_and_shapes_them_when_read(self) -> None:
        log = EventLog()
        log.add("ExecutionStarted", 0.0, 0, None)
        first = log.materialize()
        log.add("ExecutionSucceeded", 0.0, 1, {"output": "1"})
        second = log.materialize()
        assert len(first) == 1
        assert len(second) == 2
        assert second[0] == first[0]
        assert second == [first[0], second[-1]]
        assert second[1:] == [second[1]]
        with pytest.raises(IndexError):
            first[1]

    def test_payloads_are_shown_with_their_details_member_in_aws_order(self) -> None:
        log = EventLog()
        log.add(
            "PassStateExited",
            0.0,
            0,
            {"name": "P", "output": "{}", "assignedVariables": {"x": "1"}},
        )
        details = log.materialize()[0]["stateExitedEventDetails"]
        assert list(details) == [
            "name",
            "output",
            "outputDetails",
            "assignedVariables",
            "assignedVariablesDetails",
        ]
        assert details["outputDetails"] == details["assignedVariablesDetails"] == {"truncated": False}

    def test_records_of_a_run_hold_nothing_the_garbage_collector_tracks(self) -> None:
        import gc

        from tests.builders import machine

        ex = machine({"P": {"Type": "Pass", "Result": {"a": 1}, "End": True}}).run({"x": [1]})
        records = ex._run.events.records
        gc.collect()  # the collector stops tracking a tuple once it sees nothing trackable in it
        assert not any(gc.is_tracked(record) for record in records)

    def test_a_log_of_its_own_numbers_from_one(self) -> None:
        # a Distributed Map's child executions each record their own history, numbered from 1
        main, child = EventLog(), EventLog()
        main.add("ExecutionStarted", 0.0, 0, None)
        main.add("MapRunStarted", 0.0, 1, {"mapRunArn": "arn"})
        assert child.add("ExecutionStarted", 0.0, 0, None) == 1
        assert [e["id"] for e in child.materialize()] == [1]
        assert len(main) == 2

    def test_timestamps_are_utc_datetimes_to_the_millisecond(self) -> None:
        log = EventLog()
        log.add("ExecutionStarted", 1_709_294_400.125, 0, None)
        (event,) = log.materialize()
        assert event["timestamp"] == datetime(2024, 3, 1, 12, 0, 0, 125000, tzinfo=timezone.utc)
        assert event["timestamp"].utcoffset() == timedelta(0)


def test_a_copy_of_the_events_is_a_list_to_edit() -> None:
    import copy

    log = EventLog()
    log.add("ExecutionStarted", 0.0, 0, {"input": "{}"})
    events = log.materialize()
    for copied in (copy.copy(events), copy.deepcopy(events)):
        assert isinstance(copied, list)
        copied[0]["previousEventId"] = 7
        assert events[0]["previousEventId"] == 0


def test_empty_details_stay_apart_from_no_details() -> None:
    log = EventLog()
    log.add("ExecutionAborted", 0.0, 0, {})
    log.add("ParallelStateStarted", 0.0, 1, None)
    aborted, started = log.materialize()
    assert aborted["executionAbortedEventDetails"] == {}
    assert "parallelStateStartedEventDetails" not in started


def test_types_are_read_without_shaping_the_events() -> None:
    log = EventLog()
    log.add("ExecutionStarted", 0.0, 0, {"input": "{}"})
    log.add("MapStateStarted", 0.0, 1, {"length": 2})
    view = log.materialize()
    log.add("ExecutionSucceeded", 0.0, 2, {"output": "{}"})
    assert view.types() == ["ExecutionStarted", "MapStateStarted"]
