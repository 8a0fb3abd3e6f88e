"""Tests for sfn_notebook.engine.states.simple: the Pass, Succeed and Fail states."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook import StateMachine
from sfn_notebook._json import dumps
from tests.engine.helpers import located, machine, types

# ----------------------------------------------------------------------------- Pass / Succeed / Fail


class TestPassSucceedFail:
    def test_pass_result_zero_false_and_empty_are_kept(self) -> None:
        for result in (0, False, "", [], {}, None):
            ex = machine({"P": {"Type": "Pass", "Result": result, "End": True}}).run({"x": 1})
            assert ex.output == result

    def test_pass_without_result_forwards_its_input(self) -> None:
        assert machine({"P": {"Type": "Pass", "End": True}}).run([1, "two"]).output == [1, "two"]

    def test_a_chain_of_states_records_entered_and_exited_pairs(self) -> None:
        sm = machine(
            {
                "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
                "B": {"Type": "Pass", "Result": 2, "ResultPath": "$.b", "Next": "Done"},
                "Done": {"Type": "Succeed"},
            }
        )
        ex = sm.run({})
        assert ex.output == {"a": 1, "b": 2}
        assert types(ex) == [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded",
        ]

    def test_succeed_applies_input_and_output_paths(self) -> None:
        sm = machine({"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}})
        assert sm.run({"a": {"b": "kept"}}).output == "kept"

    def test_fail_with_error_and_cause(self) -> None:
        ex = machine({"F": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "stock is empty"}}).run({})
        assert (ex.status, ex.error, ex.cause, ex.output) == (
            "FAILED",
            "Order.Rejected",
            "stock is empty",
            None,
        )
        assert types(ex) == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
        assert ex.events[-1]["executionFailedEventDetails"] == {
            "error": "Order.Rejected",
            "cause": "stock is empty",
        }

    def test_fail_without_error_or_cause(self) -> None:
        ex = machine({"F": {"Type": "Fail"}}).run({})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", None, None)
        assert ex.events[-1]["executionFailedEventDetails"] == {}

    def test_fail_error_path_and_cause_path(self) -> None:
        sm = machine(
            {"F": {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('id {}', $.id)"}}
        )
        ex = sm.run({"code": "E42", "id": 7})
        assert (ex.error, ex.cause) == ("E42", "id 7")

    def test_fail_cause_path_missing_is_a_runtime_error(self) -> None:
        sm = machine({"F": {"Type": "Fail", "Error": "E", "CausePath": "$.nowhere"}})
        ex = sm.run({"x": 1})
        assert ex.error == "States.Runtime"
        assert ex.cause == located(
            "F",
            2,
            "The JSONPath '$.nowhere' specified for the field 'CausePath' could not be found in the input "
            "'{\"x\":1}'",
        )

    def test_no_input_means_an_empty_object(self) -> None:
        ex = machine({"P": {"Type": "Pass", "End": True}}).run()
        assert ex.output == {}
        assert ex.events[0]["executionStartedEventDetails"]["input"] == "{}"


@pytest.mark.parametrize(
    ("given", "result", "result_path"),
    [
        ({"a": 1}, {"b": [1, "é", 2.5, None]}, "$.r"),  # a new field at the end of the input
        ({}, {"ok": True}, "$.r"),  # an empty input object
        ({"r": 0, "z": 1}, "new", "$.r"),  # the field exists: replaced where it stands
        ({"a": 1}, 7, '$.ü/"x'),  # a field name that JSON escapes
        ({"a": 1}, {"k": 1.0}, None),  # no ResultPath: the Result itself
        ({"a": {"b": 1}}, 3, "$.a.c"),  # a deeper path
        ([1, 2], 3, "$"),  # the whole input replaced
    ],
)
def test_a_pass_results_history_text_is_its_output_written_as_json(
    given: Any, result: Any, result_path: str | None
) -> None:
    fields: dict[str, Any] = {"Result": result, "Next": "Done"}
    if result_path is not None:
        fields["ResultPath"] = result_path
    sm = StateMachine(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", **fields}, "Done": {"Type": "Succeed"}}}
    )
    ex = sm.run(given)
    assert ex.status == "SUCCEEDED"
    written = next(e for e in ex.events if e["type"] == "PassStateExited")["stateExitedEventDetails"][
        "output"
    ]
    assert written == dumps(ex.output)
    assert json.loads(written) == ex.output
    final = ex.events[-1]["executionSucceededEventDetails"]["output"]
    assert final == written


@pytest.mark.parametrize("where", ["first", "after a wait", "in a map item"])
def test_a_result_pass_runs_alike_wherever_it_runs(where: str) -> None:
    # a Pass with only Result and ResultPath runs without a visit of its own: at the start, in the
    # execution's fiber once a Wait ran, and in a Map item; its events and errors are the same
    adds = {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "Next": "Breaks"}
    breaks = {"Type": "Pass", "Result": 1, "ResultPath": "$.r.ok.deeper", "End": True}
    states = {"Adds": adds, "Breaks": breaks}
    if where == "after a wait":
        states = {"Nap": {"Type": "Wait", "Seconds": 1, "Next": "Adds"}, **states}
    if where == "in a map item":
        item = {"StartAt": "Adds", "States": states}
        states = {"Each": {"Type": "Map", "ItemProcessor": item, "End": True}}
        given: Any = [{"n": 1}]
    else:
        given = {"n": 1}
    ex = machine(states).run(given)
    assert (ex.status, ex.error) == ("FAILED", "States.ResultPathMatchFailure")
    entered = [e for e in ex.events if e["type"] == "PassStateEntered"]
    exited = [e for e in ex.events if e["type"] == "PassStateExited"]
    assert [e["stateEnteredEventDetails"]["name"] for e in entered] == ["Adds", "Breaks"]
    assert [json.loads(e["stateExitedEventDetails"]["output"]) for e in exited] == [
        {"n": 1, "r": {"ok": True}}
    ]
    assert ex.cause is not None and ex.cause.startswith(located("Breaks", entered[1]["id"], ""))
    assert "$.r.ok.deeper" in ex.cause
