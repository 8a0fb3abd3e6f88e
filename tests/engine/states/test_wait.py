"""Tests for sfn_notebook.engine.states.wait: the Wait state on the virtual clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sfn_notebook import StateMachine
from tests.engine.helpers import located, machine, seconds_after_start, types

EPOCH = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


# ----------------------------------------------------------------------------- Wait and the virtual clock


def wait_machine(**wait: Any) -> StateMachine:
    return machine({"W": {"Type": "Wait", **wait, "Next": "After"}, "After": {"Type": "Pass", "End": True}})


class TestWait:
    def test_seconds_advance_virtual_time_exactly(self) -> None:
        ex = wait_machine(Seconds=3600).run({}, start_time=EPOCH)
        exited = next(e for e in ex.events if e["type"] == "WaitStateExited")
        assert exited["timestamp"] == EPOCH + timedelta(hours=1)
        assert ex.duration == timedelta(hours=1)

    def test_zero_seconds(self) -> None:
        ex = wait_machine(Seconds=0).run({}, start_time=EPOCH)
        assert ex.stop_date == EPOCH

    def test_seconds_path(self) -> None:
        ex = wait_machine(SecondsPath="$.delay").run({"delay": 90}, start_time=EPOCH)
        assert ex.status == "SUCCEEDED"
        assert ex.stop_date == EPOCH + timedelta(seconds=90)
        assert ex.output == {"delay": 90}

    def test_seconds_path_accepts_an_integral_float(self) -> None:
        ex = wait_machine(SecondsPath="$.delay").run({"delay": 4.0}, start_time=EPOCH)
        assert ex.stop_date == EPOCH + timedelta(seconds=4)

    def test_seconds_path_fraction_is_not_a_long(self) -> None:
        ex = wait_machine(SecondsPath="$.p").run({"p": 2.25}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert ex.cause == located(
            "W", 2, "The SecondsPath parameter cannot be parsed as a long value: $.p == 2.25"
        )
        assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]

    def test_seconds_path_missing(self) -> None:
        ex = wait_machine(SecondsPath="$.p").run({}, start_time=EPOCH)
        assert ex.error == "States.Runtime"
        assert ex.cause == located("W", 2, "The SecondsPath parameter does not reference an input value: $.p")

    def test_timestamp_path_missing(self) -> None:
        ex = wait_machine(TimestampPath="$.at").run({}, start_time=EPOCH)
        assert ex.error == "States.Runtime"
        assert ex.cause == located(
            "W", 2, "The TimestampPath parameter does not reference an input value: $.at"
        )

    def test_timestamp_in_the_future(self) -> None:
        ex = wait_machine(Timestamp="2024-03-01T12:30:00Z").run({}, start_time=EPOCH)
        assert ex.stop_date == EPOCH + timedelta(minutes=30)

    def test_timestamp_in_the_past_does_not_wait(self) -> None:
        ex = wait_machine(Timestamp="2020-01-01T00:00:00Z").run({}, start_time=EPOCH)
        assert ex.status == "SUCCEEDED"
        assert ex.stop_date == EPOCH

    @pytest.mark.parametrize(
        ("stamp", "offset"),
        [
            ("2024-03-01T12:00:10Z", 10.0),
            ("2024-03-01T12:00:10.250Z", 10.25),
            ("2024-03-01T14:00:10+02:00", 10.0),
            ("2024-03-01T12:00:10.123456789Z", 10.123),
        ],
    )
    def test_timestamp_path_valid_forms(self, stamp: str, offset: float) -> None:
        ex = wait_machine(TimestampPath="$.until").run({"until": stamp}, start_time=EPOCH)
        assert ex.status == "SUCCEEDED"
        assert (ex.stop_date - EPOCH).total_seconds() == pytest.approx(offset, abs=1e-3)

    @pytest.mark.parametrize(
        "stamp",
        ["2024-03-01T12:00:10", "2024-03-01 12:00:10Z", "2024-03-01T25:00:00Z", "yesterday", 1709294410],
    )
    def test_timestamp_path_invalid_forms(self, stamp: Any) -> None:
        ex = wait_machine(TimestampPath="$.until").run({"until": stamp}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        shown = stamp if isinstance(stamp, str) else json.dumps(stamp)
        assert ex.cause == located(
            "W",
            2,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
            f"format string: $.until == {shown}",
        )

    def test_wait_passes_its_input_through_output_path(self) -> None:
        ex = wait_machine(Seconds=1, InputPath="$.a", OutputPath="$.b").run({"a": {"b": 5}})
        assert ex.output == 5

    def test_waits_in_sequence_add_up(self) -> None:
        sm = machine(
            {
                "One": {"Type": "Wait", "Seconds": 5, "Next": "Two"},
                "Two": {"Type": "Wait", "Seconds": 7, "Next": "Three"},
                "Three": {"Type": "Wait", "Timestamp": "2024-03-01T12:01:00Z", "End": True},
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        exits = [seconds_after_start(ex, e) for e in ex.events if e["type"] == "WaitStateExited"]
        assert exits == [5.0, 12.0, 60.0]

    def test_the_context_entered_time_follows_the_virtual_clock(self) -> None:
        sm = machine(
            {
                "Sleep": {"Type": "Wait", "Seconds": 61, "Next": "Look"},
                "Look": {
                    "Type": "Pass",
                    "Parameters": {
                        "entered.$": "$$.State.EnteredTime",
                        "started.$": "$$.Execution.StartTime",
                    },
                    "End": True,
                },
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        assert ex.output == {"entered": "2024-03-01T12:01:01.000Z", "started": "2024-03-01T12:00:00.000Z"}
