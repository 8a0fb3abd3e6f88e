"""Tests for sfn_notebook.engine.states.common: the run loop that enters every state and locates the
errors leaving it, the shortcut for plain Pass/Succeed states, and what the inspector records."""

from __future__ import annotations

import json
from typing import Any

from sfn_notebook.trace import visit_traces
from tests.engine.helpers import branch, located, machine, types


def trace_of(ex: Any, state: str) -> dict[str, Any]:
    return next(row for row in visit_traces(ex) if row["state"] == state)


class TestLocatingErrors:
    def test_a_runtime_error_names_the_state_it_happened_in_once(self) -> None:
        # States.Runtime passes through the Parallel (no Catcher takes it) with the inner state's name
        sm = machine(
            {
                "Outer": {
                    "Type": "Parallel",
                    "Branches": [branch(("Inner", {"Type": "Pass", "InputPath": "$.missing"}))],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "Next": "Caught",
                },
                "Caught": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({"present": 1})
        inner_entered = next(
            e["id"]
            for e in ex.events
            if e["type"] == "PassStateEntered" and e["stateEnteredEventDetails"]["name"] == "Inner"
        )
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert ex.cause == located(
            "Inner", inner_entered, "Invalid path '$.missing' : No results for path: $['missing']"
        )
        assert trace_of(ex, "Inner")["cause"] == ex.cause

    def test_a_fail_state_s_own_error_is_its_value(self) -> None:
        ex = machine({"Boom": {"Type": "Fail", "Error": "Custom", "Cause": "why"}}).run({})
        assert (ex.error, ex.cause) == ("Custom", "why")

    def test_an_error_in_a_catcher_s_result_path_is_located_in_the_state_that_caught(self) -> None:
        sm = machine(
            {
                "Guard": {
                    "Type": "Parallel",
                    "Branches": [branch(("Boom", {"Type": "Fail", "Error": "Custom", "Cause": "why"}))],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.x.y", "Next": "Done"}],
                    "Next": "Done",
                },
                "Done": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run("not an object")
        assert (ex.status, ex.error) == ("FAILED", "States.ResultPathMatchFailure")
        assert ex.cause == located(
            "Guard", 2, "Unable to apply ResultPath '$.x.y' to input '\"not an object\"'"
        )

    def test_the_inspector_records_the_error_of_a_fail_state_its_parent_caught(self) -> None:
        sm = machine(
            {
                "Guard": {
                    "Type": "Parallel",
                    "Branches": [branch(("Boom", {"Type": "Fail", "Error": "Custom.Error", "Cause": "why"}))],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                    "Next": "Done",
                },
                "Done": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({})
        assert ex.status == "SUCCEEDED"
        boom = trace_of(ex, "Boom")
        assert (boom["status"], boom["error"], boom["cause"]) == ("FAILED", "Custom.Error", "why")
        guard = trace_of(ex, "Guard")
        assert guard["errorOutput"] == {"Error": "Custom.Error", "Cause": "why"}


class TestPlainStates:
    def test_a_plain_pass_writes_its_input_text_as_its_output(self) -> None:
        sm = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}})
        ex = sm.run({"b": [1, 2], "a": "x"})
        entered, exited = ex.events[1], ex.events[2]
        assert types(ex)[1:5] == [
            "PassStateEntered",
            "PassStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
        ]
        text = entered["stateEnteredEventDetails"]["input"]
        assert json.loads(text) == {"b": [1, 2], "a": "x"}
        assert exited["stateExitedEventDetails"] == {
            "name": "A",
            "output": text,
            "outputDetails": {"truncated": False},
        }
        assert ex.events[3]["stateEnteredEventDetails"]["input"] == text

    def test_the_inspector_derives_the_stages_of_a_plain_state(self) -> None:
        ex = machine({"A": {"Type": "Pass", "End": True}}).run([3])
        row = trace_of(ex, "A")
        assert row["input"] == row["afterInputPath"] == row["afterParameters"] == row["output"] == [3]
        assert row["error"] is None
