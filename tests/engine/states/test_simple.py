"""Tests for sfn_notebook.engine.states.simple: the Pass, Succeed and Fail states."""

from __future__ import annotations

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
