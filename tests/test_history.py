"""Tests for the recorded history as users see it (the shape of its events) and its tables
(sfn_notebook.history); the records themselves are tested in tests/engine/test_events.py."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

try:
    import pandas as pd
except ImportError:  # the tests marked "pandas" are skipped then
    pd = None

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.engine.events import details_key
from sfn_notebook.history import (
    HISTORY_COLUMNS,
    STATE_COLUMNS,
    TOO_DEEP_TO_SHOW,
    event_details,
    event_rows,
    event_summary,
    history_frame,
    parse_json_text,
    state_visits,
)
from tests.builders import LAMBDA, RecordedExecution, machine

EPOCH = datetime(2024, 2, 29, 23, 59, 0, tzinfo=timezone.utc)

# HistoryEventType in the Step Functions service model
AWS_EVENT_TYPES = {
    "ActivityFailed",
    "ActivityScheduled",
    "ActivityScheduleFailed",
    "ActivityStarted",
    "ActivitySucceeded",
    "ActivityTimedOut",
    "ChoiceStateEntered",
    "ChoiceStateExited",
    "ExecutionAborted",
    "ExecutionFailed",
    "ExecutionStarted",
    "ExecutionSucceeded",
    "ExecutionTimedOut",
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduled",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStarted",
    "LambdaFunctionStartFailed",
    "LambdaFunctionSucceeded",
    "LambdaFunctionTimedOut",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapIterationStarted",
    "MapIterationSucceeded",
    "MapStateAborted",
    "MapStateEntered",
    "MapStateExited",
    "MapStateFailed",
    "MapStateStarted",
    "MapStateSucceeded",
    "ParallelStateAborted",
    "ParallelStateEntered",
    "ParallelStateExited",
    "ParallelStateFailed",
    "ParallelStateStarted",
    "ParallelStateSucceeded",
    "PassStateEntered",
    "PassStateExited",
    "SucceedStateEntered",
    "SucceedStateExited",
    "TaskFailed",
    "TaskScheduled",
    "TaskStarted",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskStateEntered",
    "TaskStateExited",
    "TaskSubmitFailed",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskTimedOut",
    "WaitStateAborted",
    "WaitStateEntered",
    "WaitStateExited",
    "MapRunAborted",
    "MapRunFailed",
    "MapRunStarted",
    "MapRunSucceeded",
    "ExecutionRedriven",
    "MapRunRedriven",
    "EvaluationFailed",
}
NO_DETAILS = {
    "LambdaFunctionStarted",
    "MapStateAborted",
    "MapStateFailed",
    "MapStateSucceeded",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "ParallelStateStarted",
    "ParallelStateSucceeded",
    "TaskStateAborted",
    "WaitStateAborted",
    "MapRunAborted",
    "MapRunSucceeded",
}
PAYLOAD_FIELDS = ("input", "output", "parameters")


def flaky_once() -> Any:
    calls: list[Any] = []

    def handler(event: Any) -> Any:
        calls.append(event)
        if len(calls) == 1:
            raise TaskFailed("Flaky", "first call")
        return {"item": event}

    return handler


RICH = machine(
    {
        "Prepare": {"Type": "Pass", "Result": [1, 2], "ResultPath": "$.items", "Next": "Both"},
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "MaxConcurrency": 1,
                            "ItemProcessor": {
                                "StartAt": "Call",
                                "States": {
                                    "Call": {"Type": "Task", "Resource": LAMBDA + "Echo", "End": True}
                                },
                            },
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Invoke",
                    "States": {
                        "Invoke": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "Flaky", "Payload": {"n": 1}},
                            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2}],
                            "OutputPath": "$.Payload",
                            "End": True,
                        }
                    },
                },
            ],
            "ResultPath": "$.both",
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.both[1].item.n", "NumericEquals": 1, "Next": "Nap"}],
            "Default": "Oops",
        },
        "Nap": {"Type": "Wait", "Seconds": 30, "Next": "Risky"},
        "Risky": {
            "Type": "Task",
            "Resource": LAMBDA + "Boom",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Oops": {"Type": "Fail", "Error": "Unexpected"},
    }
)


def boom(event: Any) -> Any:
    raise TaskFailed("Boom", "always")


@pytest.fixture
def rich() -> Any:
    ex = RICH.run(
        {"start": True},
        resources={"Echo": lambda e: e, "Flaky": flaky_once(), "Boom": boom},
        start_time=EPOCH,
    )
    assert ex.status == "SUCCEEDED"
    return ex


# ----------------------------------------------------------------------------- event shape


class TestEventShape:
    def test_every_event_has_aws_fields(self, rich: Any) -> None:
        events = rich.events
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        for e in events:
            assert isinstance(e["timestamp"], datetime)
            assert e["timestamp"].tzinfo is not None
            assert e["timestamp"].utcoffset() == timedelta(0)
            assert e["type"] in AWS_EVENT_TYPES
            assert isinstance(e["previousEventId"], int)
            assert 0 <= e["previousEventId"] < e["id"]
        assert events[0]["previousEventId"] == 0

    def test_the_details_member_matches_the_type(self, rich: Any) -> None:
        for e in rich.events:
            members = [k for k in e if k.endswith("EventDetails")]
            if e["type"] in NO_DETAILS:
                assert members == [], e
            else:
                assert members == [details_key(e["type"])], e

    def test_payload_fields_are_json_text(self, rich: Any) -> None:
        seen = 0
        for e in rich.events:
            for field in PAYLOAD_FIELDS:
                value = event_details(e).get(field)
                if value is not None:
                    assert isinstance(value, str)
                    json.loads(value)
                    seen += 1
        assert seen > 20

    def test_truncation_flags_accompany_payloads(self, rich: Any) -> None:
        for e in rich.events:
            details = event_details(e)
            if "input" in details:
                assert details["inputDetails"] == {"truncated": False}
            if "output" in details:
                assert details["outputDetails"] == {"truncated": False}

    def test_state_events_name_their_state(self, rich: Any) -> None:
        for e in rich.events:
            if e["type"].endswith(("StateEntered", "StateExited")):
                assert isinstance(event_details(e)["name"], str)

    def test_timestamps_never_go_backwards_along_previous_event_ids(self, rich: Any) -> None:
        by_id = {e["id"]: e for e in rich.events}
        for e in rich.events[1:]:
            if e["previousEventId"]:  # AWS leaves it 0 on the first state's entry
                assert e["timestamp"] >= by_id[e["previousEventId"]]["timestamp"]

    def test_execution_started_records_input_and_role(self, rich: Any) -> None:
        details = rich.events[0]["executionStartedEventDetails"]
        assert json.loads(details["input"]) == {"start": True}
        assert details["roleArn"].startswith("arn:aws:iam::123456789012:role/")


# ----------------------------------------------------------------------------- history()


@pytest.mark.pandas
class TestHistoryFrame:
    def test_columns_are_exactly(self, rich: Any) -> None:
        frame = rich.history()
        assert (
            list(frame.columns)
            == HISTORY_COLUMNS
            == [
                "previous_event_id",
                "timestamp",
                "elapsed",
                "type",
                "state",
                "state_type",
                "input",
                "output",
                "error",
                "cause",
                "resource",
                "details",
            ]
        )
        assert len(frame) == len(rich.events)
        # indexed by event id, which is not repeated as a column
        assert frame.index.name == "id"
        assert frame.index.tolist() == [e["id"] for e in rich.events]
        assert isinstance(frame, pd.DataFrame) and type(frame) is pd.DataFrame

    def test_types_of_the_columns(self, rich: Any) -> None:
        frame = rich.history()
        assert str(frame.index.dtype) == "int64"
        assert str(frame["previous_event_id"].dtype) == "int64"
        assert isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype)
        assert str(frame["elapsed"].dtype) == "float64"  # seconds from the start
        assert frame["elapsed"].iloc[0] == 0.0

    def test_elapsed_follows_the_virtual_clock(self, rich: Any) -> None:
        frame = rich.history()
        nap_exit = frame[(frame["type"] == "WaitStateExited")].iloc[0]
        nap_enter = frame[(frame["type"] == "WaitStateEntered")].iloc[0]
        assert nap_exit["elapsed"] - nap_enter["elapsed"] == 30.0

    def test_payloads_are_parsed(self, rich: Any) -> None:
        frame = rich.history()
        assert frame.loc[1, "input"] == {"start": True}
        assert frame.iloc[-1]["output"] == rich.output
        assert frame.loc[1, "output"] is None

    def test_state_column_attributes_nested_events(self, rich: Any) -> None:
        frame = rich.history()
        owner = dict(zip(frame["type"] + "#" + frame.index.astype(str), frame["state"]))

        def owners(event_type: str) -> set[str]:
            return {v for k, v in owner.items() if k.startswith(event_type + "#")}

        assert owners("LambdaFunctionScheduled") == {"Call", "Risky"}
        assert owners("TaskScheduled") == {"Invoke"}
        assert owners("TaskFailed") == {"Invoke"}
        assert owners("MapIterationStarted") == {"Each"}
        assert owners("MapStateStarted") == {"Each"}
        assert owners("ParallelStateStarted") == {"Both"}
        assert owners("ParallelStateSucceeded") == {"Both"}
        assert owners("ExecutionStarted") == {None}
        state_types = dict(zip(frame["state"], frame["state_type"]))
        assert state_types["Call"] == "Task"
        assert state_types["Each"] == "Map"
        assert state_types["Both"] == "Parallel"
        assert state_types["Check"] == "Choice"

    def test_error_cause_and_resource_columns(self, rich: Any) -> None:
        frame = rich.history()
        failed = frame[frame["type"] == "TaskFailed"].iloc[0]
        assert (failed["error"], failed["cause"]) == ("Flaky", "first call")
        assert failed["resource"] == "lambda:invoke"
        lambda_failed = frame[frame["type"] == "LambdaFunctionFailed"].iloc[0]
        assert (lambda_failed["error"], lambda_failed["cause"]) == ("Boom", "always")
        scheduled = frame[frame["type"] == "LambdaFunctionScheduled"].iloc[0]
        assert scheduled["resource"] == LAMBDA + "Echo"
        assert frame.loc[1, "error"] is None
        assert frame.loc[1, "resource"] is None

    def test_details_column_holds_the_raw_member(self, rich: Any) -> None:
        frame = rich.history()
        assert frame.loc[2, "details"] == rich.events[1]["stateEnteredEventDetails"]

    def test_works_on_plain_event_lists(self) -> None:
        events = [
            {
                "timestamp": EPOCH,
                "type": "ExecutionStarted",
                "id": 1,
                "previousEventId": 0,
                "executionStartedEventDetails": {"input": "{}"},
            },
            {
                "timestamp": EPOCH + timedelta(seconds=2),
                "type": "PassStateEntered",
                "id": 2,
                "previousEventId": 1,
                "stateEnteredEventDetails": {"name": "Only", "input": "{}"},
            },
        ]
        frame = history_frame(events)
        assert frame["state"].tolist() == [None, "Only"]
        assert frame["elapsed"].tolist() == [0.0, 2.0]

    def test_an_empty_history(self) -> None:
        frame = history_frame([])
        assert list(frame.columns) == HISTORY_COLUMNS
        assert len(frame) == 0

    def test_absent_payloads_are_none_whatever_the_payloads_are(self) -> None:
        # every payload a JSON string: the payload columns stay objects, and an event with no payload
        # shows None (not NaN, which pandas would infer for a column of strings)
        ex = machine(
            {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Wait", "Seconds": 1, "End": True}}
        ).run("text")
        frame = ex.history()
        assert frame["input"].dtype == object and frame["output"].dtype == object
        assert frame.loc[1, "input"] == "text" and frame.loc[1, "output"] is None
        states = ex.states()
        assert states["input"].dtype == object
        assert states["input"].tolist() == ["text", "text"]
        assert frame[frame["type"] == "WaitStateEntered"]["output"].tolist() == [None]
        empty = history_frame([])
        assert [str(empty[c].dtype) for c in ("input", "output", "details")] == ["object"] * 3

    def test_the_tables_share_one_parse_of_each_payload(self) -> None:
        # history() and states() of a finished execution read the same parsed values
        ex = machine({"A": {"Type": "Pass", "End": True}}).run({"n": [1, 2]})
        entered = ex.history().loc[2, "input"]
        assert entered == {"n": [1, 2]}
        assert ex.states().loc[0, "input"] is entered


# ----------------------------------------------------------------------------- states()


def rows(frame: Any) -> list[dict[str, Any]]:
    return frame.to_dict("records")


@pytest.mark.pandas
class TestStatesFrame:
    def test_columns(self, rich: Any) -> None:
        assert list(rich.states().columns) == STATE_COLUMNS

    def test_one_row_per_visit(self, rich: Any) -> None:
        frame = rich.states()
        names = frame["name"].tolist()
        assert names.count("Call") == 2
        assert names.count("Invoke") == 1
        assert sorted(set(names)) == sorted(
            {"Prepare", "Both", "Each", "Call", "Invoke", "Check", "Nap", "Risky", "Done"}
        )
        calls = frame[frame["name"] == "Call"]
        assert calls["iteration"].tolist() == [0, 1]
        assert calls["parent"].tolist() == ["Each", "Each"]
        assert frame[frame["name"] == "Each"]["parent"].tolist() == ["Both"]

    def test_statuses_and_retries(self, rich: Any) -> None:
        frame = rich.states().set_index("name", drop=False)
        assert frame.loc["Prepare", "status"] == "SUCCEEDED"
        assert frame.loc["Risky", "status"] == "CAUGHT"
        assert (frame.loc["Risky", "error"], frame.loc["Risky", "cause"]) == ("Boom", "always")
        assert frame.loc["Invoke", "retries"] == 1
        assert frame.loc["Prepare", "retries"] == 0

    def test_a_state_that_succeeds_after_a_retry_is_succeeded(self, rich: Any) -> None:
        frame = rich.states().set_index("name", drop=False)
        assert frame.loc["Invoke", "retries"] == 1
        assert frame.loc["Invoke", "status"] == "SUCCEEDED"
        assert frame.loc["Invoke", "error"] is None

    def test_timing_input_and_output(self, rich: Any) -> None:
        frame = rich.states().set_index("name", drop=False)
        nap = frame.loc["Nap"]
        assert nap["duration"] == pd.Timedelta(seconds=30)
        assert nap["exited"] - nap["entered"] == pd.Timedelta(seconds=30)
        assert frame.loc["Prepare", "input"] == {"start": True}
        assert frame.loc["Prepare", "output"] == {"start": True, "items": [1, 2]}
        assert frame.loc["Invoke", "duration"] == pd.Timedelta(seconds=2)

    def test_a_failed_execution_marks_the_running_state_failed(self) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Boom",
                    "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
                    "End": True,
                }
            }
        )
        ex = sm.run({}, resources={"Boom": boom})
        [row] = rows(ex.states())
        assert (row["name"], row["status"], row["error"], row["retries"]) == ("Call", "FAILED", "Boom", 2)
        assert pd.isna(row["exited_event_id"])

    def test_a_fail_state_is_failed(self) -> None:
        ex = machine({"Stop": {"Type": "Fail", "Error": "E", "Cause": "C"}}).run({})
        [row] = rows(ex.states())
        assert (row["status"], row["error"], row["cause"]) == ("FAILED", "E", "C")

    def test_a_timed_out_execution(self) -> None:
        ex = machine({"Nap": {"Type": "Wait", "Seconds": 100, "End": True}}, TimeoutSeconds=10).run({})
        [row] = rows(ex.states())
        assert row["status"] == "TIMED_OUT"

    def test_an_aborted_execution(self) -> None:
        resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
        sm = machine(
            {
                "Ask": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"t.$": "$$.Task.Token"},
                    "End": True,
                }
            }
        )
        ex = sm.run({}, resources={resource: lambda p: {}})
        assert rows(ex.states())[0]["status"] == "RUNNING"
        ex.stop()
        assert rows(ex.states())[0]["status"] == "ABORTED"

    def test_map_retries_are_counted_on_the_map(self) -> None:
        calls: list[Any] = []

        def work(event: Any) -> Any:
            calls.append(event)
            if len(calls) == 1:
                raise TaskFailed("Flaky", "")
            return event

        sm = machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "W",
                        "States": {"W": {"Type": "Task", "Resource": LAMBDA + "W", "End": True}},
                    },
                    "Retry": [{"ErrorEquals": ["Flaky"]}],
                    "End": True,
                }
            }
        )
        ex = sm.run([1], resources={"W": work})
        frame = ex.states()
        assert frame[frame["name"] == "M"]["retries"].tolist() == [1]
        assert frame[frame["name"] == "W"]["status"].tolist() == ["FAILED", "SUCCEEDED"]

    @pytest.mark.parametrize("kind", ["Map", "Parallel"])
    def test_a_caught_map_or_parallel_is_caught(self, kind: str) -> None:
        body = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Inner", "Cause": "c"}}}
        spec: dict[str, Any] = {
            "Type": kind,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}],
            "End": True,
        }
        if kind == "Map":
            spec["ItemProcessor"] = body
        else:
            spec["Branches"] = [body]
        ex = machine({"S": spec, "After": {"Type": "Pass", "End": True}}).run([1])
        assert ex.status == "SUCCEEDED"
        row = rows(ex.states())[0]
        assert (row["name"], row["status"], row["error"]) == ("S", "CAUGHT", "Inner")

    def test_no_visit_is_left_running_after_a_successful_execution(self) -> None:
        def failing(name: str) -> dict[str, Any]:
            return {"StartAt": name, "States": {name: {"Type": "Fail", "Error": "Inner"}}}

        slow = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
        sm = machine(
            {
                "S": {
                    "Type": "Map",
                    "ItemProcessor": failing("F1"),
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "P"}],
                    "Next": "P",
                },
                "P": {
                    "Type": "Parallel",
                    "Branches": [slow, failing("F2")],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}],
                    "Next": "After",
                },
                "After": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run([1])
        assert ex.status == "SUCCEEDED"
        statuses = ex.states()["status"].tolist()
        assert "RUNNING" not in statuses
        by_name = ex.states().set_index("name")["status"]
        assert (by_name["F1"], by_name["F2"]) == ("FAILED", "FAILED")


# ----------------------------------------------------------------------------- helpers on raw events


class TestRawHelpers:
    def test_parse_json_text(self) -> None:
        assert parse_json_text('{"a": [1]}') == {"a": [1]}
        assert parse_json_text("not json") == "not json"
        assert parse_json_text(None) is None
        assert parse_json_text("null") is None

    def test_event_details_of_an_event_without_details(self) -> None:
        assert event_details({"type": "ParallelStateStarted", "id": 3}) == {}

    def test_event_rows_and_state_visits_on_an_aws_shaped_history(self, rich: Any) -> None:
        # the functions take the events exactly as GetExecutionHistory returns them
        plain = json.loads(json.dumps(list(rich.events), default=str))
        for e, original in zip(plain, rich.events):
            e["timestamp"] = original["timestamp"]
        assert [r.state for r in event_rows(plain)] == [r.state for r in event_rows(rich.events)]
        assert [(v.name, v.status) for v in state_visits(plain)] == [
            (v.name, v.status) for v in state_visits(rich.events)
        ]


@pytest.mark.pandas
def test_variables_follow_the_chain_of_events_not_sibling_branches() -> None:
    import sfn_notebook as sfn
    from sfn_notebook.history import variables_at

    definition = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"count": 1}, "Next": "Fan"},
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "Left",
                        "States": {"Left": {"Type": "Pass", "Assign": {"side": "left"}, "End": True}},
                    },
                    {
                        "StartAt": "Right",
                        "States": {"Right": {"Type": "Pass", "Assign": {"side": "right"}, "End": True}},
                    },
                ],
            },
        },
    }
    ex = sfn.StateMachine(definition).run({})
    events = ex.events
    exits = {e["stateExitedEventDetails"]["name"]: e["id"] for e in events if e["type"] == "PassStateExited"}
    assert variables_at(events, exits["Init"]) == {"count": 1}
    assert variables_at(events, exits["Left"]) == {"count": 1, "side": "left"}
    assert variables_at(events, exits["Right"]) == {"count": 1, "side": "right"}
    table = ex.variables()
    assert list(table.columns) == ["id", "timestamp", "state", "iteration", "variable", "value"]
    assert sorted(zip(table["state"], table["variable"], table["value"])) == [
        ("Init", "count", 1),
        ("Left", "side", "left"),
        ("Right", "side", "right"),
    ]


def test_payloads_nested_too_deeply_to_parse_are_shown_as_their_text() -> None:
    # AWS keeps whatever its payloads hold: an execution read from there may be deeper than json parses
    deep = "[" * 5000 + "]" * 5000
    local = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}).run({})
    events = copy.deepcopy(local.events)
    events[0]["executionStartedEventDetails"]["input"] = deep
    events[1]["stateEnteredEventDetails"]["input"] = deep
    recorded = RecordedExecution(local)
    recorded._events = events
    assert recorded.input == deep
    frame = recorded.history()
    assert len(frame) == len(events)
    assert recorded.states() is not None and recorded.trace() is not None


def test_a_value_too_deep_to_write_out_is_summarised_without_an_error() -> None:
    # a run can build such a value (a loop nesting it one level a time) before it fails on it
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    event = {"type": "PassStateExited", "stateExitedEventDetails": {"name": "P", "output": deep}}
    assert event_summary(event) == "output " + TOO_DEEP_TO_SHOW
