"""Tests for sfn_notebook.mocks: reading a MockConfigFile.json, and runs served from its test cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.engine.resources import HandlerRegistry
from sfn_notebook.mocks import MockConfig, MockConfigError, MockedResponse
from tests.builders import asl, task, types

INVOKE = "arn:aws:states:::lambda:invoke"


def orders(name: str = "Orders") -> StateMachine:
    """Charge (lambda:invoke, retried on Flaky), then Ship (a plain Lambda task)."""
    states = {
        "Charge": {
            "Type": "Task",
            "Resource": INVOKE,
            "Parameters": {"FunctionName": "Charge", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 3, "IntervalSeconds": 1}],
            "ResultSelector": {"paid.$": "$.Payload.ok"},
            "Next": "Ship",
        },
        "Ship": task("Ship", End=True),
    }
    return StateMachine(asl(states), name=name)


def config(**cases: dict[str, str]) -> dict[str, Any]:
    """A mock configuration for the machine "Orders" with the given test cases."""
    return {
        "StateMachines": {"Orders": {"TestCases": cases}},
        "MockedResponses": {
            "Paid": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": True}}}},
            "FlakyThenPaid": {
                "0-1": {"Throw": {"Error": "Flaky", "Cause": "try again"}},
                "2": {"Return": {"StatusCode": 200, "Payload": {"ok": "late"}}},
            },
            "Declined": {"0": {"Throw": {"Error": "Declined", "Cause": "card expired"}}},
            "Shipped": {"0": {"Return": {"tracking": "T-1"}}},
        },
    }


# ----------------------------------------------------------------------------- runs


def test_a_mocked_invoke_returns_the_whole_invoke_response_and_other_states_use_handlers() -> None:
    shipped: list[Any] = []
    ex = orders().run(
        {"order": 1},
        mocks=config(Happy={"Charge": "Paid"}),
        test_case="Happy",
        resources={"Ship": lambda event: shipped.append(event) or {"shipped": True}},
    )
    assert ex.status == "SUCCEEDED"
    assert shipped == [{"paid": True}]  # ResultSelector read Payload.ok from the mocked response
    assert ex.output == {"shipped": True}


def test_each_retry_reads_the_entry_for_its_attempt() -> None:
    ex = orders().run(
        {}, mocks=config(Retry={"Charge": "FlakyThenPaid", "Ship": "Shipped"}), test_case="Retry"
    )
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"tracking": "T-1"}
    assert types(ex).count("TaskFailed") == 2
    failed = [e["taskFailedEventDetails"] for e in ex.events if e["type"] == "TaskFailed"]
    assert {(d["error"], d["cause"]) for d in failed} == {("Flaky", "try again")}


def test_a_thrown_error_fails_the_task_like_the_service_would() -> None:
    ex = orders().run({}, mocks=config(Sad={"Charge": "Declined"}), test_case="Sad")
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Declined", "card expired")


def test_running_out_of_attempts_is_a_task_failure_that_says_so() -> None:
    mocks = config(Short={"Charge": "Declined"})
    mocks["MockedResponses"]["Declined"] = {"0": {"Throw": {"Error": "Flaky", "Cause": "once"}}}
    ex = orders().run({}, mocks=mocks, test_case="Short")
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    assert "has no entry for attempt 1" in (ex.cause or "")


def test_a_parsed_configuration_serves_several_runs() -> None:
    parsed = MockConfig(config(Happy={"Charge": "Paid", "Ship": "Shipped"}))
    sm = orders()
    first, second = sm.run({}, mocks=parsed, test_case="Happy"), sm.run({}, mocks=parsed, test_case="Happy")
    assert first.output == second.output == {"tracking": "T-1"}


def test_a_mocked_answer_is_a_fresh_copy_each_time() -> None:
    response = MockConfig(config()).responses["Shipped"]
    first = response.answer(0)
    first["tracking"] = "changed"
    assert response.answer(0) == {"tracking": "T-1"}


def test_a_mock_called_without_a_context_answers_for_the_first_attempt() -> None:
    response = MockConfig(config()).responses["FlakyThenPaid"]
    with pytest.raises(TaskFailed) as info:
        response({"any": "event"})
    assert (info.value.error, info.value.cause) == ("Flaky", "try again")
    assert response.answer(2) == {"StatusCode": 200, "Payload": {"ok": "late"}}


# ----------------------------------------------------------------------------- choosing the test case


def test_the_test_cases_of_a_machine_are_listed() -> None:
    parsed = MockConfig(config(B={"Charge": "Paid"}, A={"Charge": "Declined"}))
    assert parsed.test_cases("Orders") == ["A", "B"]
    assert parsed.test_cases("Unknown") == []


def test_a_run_needs_the_test_case_named() -> None:
    with pytest.raises(MockConfigError, match="give test_case="):
        orders().run({}, mocks=config(Happy={"Charge": "Paid"}))


def test_an_unknown_test_case_lists_the_known_ones() -> None:
    with pytest.raises(MockConfigError, match=r"no test case 'Missing' \(it has: A, B\)"):
        orders().run({}, mocks=config(A={}, B={}), test_case="Missing")


def test_the_machine_must_be_named_as_in_the_configuration() -> None:
    with pytest.raises(MockConfigError, match=r"no state machine named 'Other' \(it has: Orders\)"):
        orders("Other").run({}, mocks=config(A={}), test_case="A")


def test_the_registry_falls_back_for_unmocked_states_and_lists_every_name() -> None:
    fallback = HandlerRegistry({"Ship": lambda event: event})
    registry = MockConfig(config(A={"Charge": "Paid"})).handlers("Orders", "A", fallback)
    assert isinstance(registry.for_state("Charge", ("Charge",)), MockedResponse)
    assert registry.for_state("Ship", ("Ship",)) is fallback.lookup("Ship")
    assert registry.lookup("Charge") is None  # a mock serves a state, not a function name
    assert registry.names() == ["Charge", "Ship"]


# ----------------------------------------------------------------------------- loading


def test_loading_from_a_file_and_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(config(Happy={"Charge": "Paid", "Ship": "Shipped"})), encoding="utf-8")
    assert MockConfig.load(path).test_cases("Orders") == ["Happy"]
    assert MockConfig.load(str(path)).test_cases("Orders") == ["Happy"]
    monkeypatch.setenv("SFN_MOCK_CONFIG", str(path))
    assert MockConfig.load(None).test_cases("Orders") == ["Happy"]
    assert orders().run({}, test_case="Happy").output == {"tracking": "T-1"}


def test_loading_problems_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFN_MOCK_CONFIG", raising=False)
    with pytest.raises(MockConfigError, match="SFN_MOCK_CONFIG is not set"):
        MockConfig.load(None)
    missing = tmp_path / "absent.json"
    with pytest.raises(MockConfigError, match=r"cannot read the mock configuration .*absent\.json"):
        MockConfig.load(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(MockConfigError, match=r"broken\.json is not valid JSON"):
        MockConfig.load(broken)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "a mock configuration is a JSON object"),
        ({"StateMachines": {}, "Extra": 1}, r"unknown top-level fields \['Extra'\]"),
        ({"StateMachines": {"M": {}}}, "StateMachines.M needs a TestCases object"),
        ({"StateMachines": {"M": {"TestCases": {"T": []}}}}, "test case M.T must map state names"),
        (
            {"StateMachines": {"M": {"TestCases": {"T": {"S": "Nope"}}}}},
            "maps state 'S' to 'Nope', which is not in MockedResponses",
        ),
        ({"MockedResponses": {"R": {}}}, "MockedResponses.R must map attempt numbers"),
        ({"MockedResponses": {"R": {"first": {"Return": 1}}}}, "'first' is not an attempt number"),
        ({"MockedResponses": {"R": {"3-1": {"Return": 1}}}}, "the range '3-1' is backwards"),
        ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}, "exactly one of Return or Throw"),
        ({"MockedResponses": {"R": {"0": {"Throw": "boom"}}}}, r"R\.0\.Throw must be an object"),
        ({"MockedResponses": {"R": {"1": {"Return": 1}}}}, r"consecutively from 0 \(missing 0\)"),
        ({"MockedResponses": {"R": {"0": {"Return": 1}, "2-3": {"Return": 2}}}}, r"\(missing 1\)"),
    ],
)
def test_malformed_configurations_are_refused_with_the_place(document: Any, message: str) -> None:
    with pytest.raises(MockConfigError, match=message):
        MockConfig(document)


def test_a_configuration_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        MockConfig({"Oops": {}})
