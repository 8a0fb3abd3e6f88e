"""Comparing executions event by event: local runs, event lists, and a local run against moto."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import aws as sfn_aws
from sfn_notebook.compare import Difference, ExecutionDiff, diff_executions
from tests.moto_server import aws, moto_backend, moto_url, unique

__all__ = ["aws", "moto_backend", "moto_url"]  # fixtures used by the tests below

ROUTE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"limit": 10}, "ResultPath": "$.config", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.amount", "NumericLessThanEquals": 10, "Next": "Approve"}],
            "Default": "Reject",
        },
        "Approve": {"Type": "Succeed"},
        "Reject": {"Type": "Fail", "Error": "TooMuch", "Cause": "amount over the limit"},
    },
}


def run(definition: dict[str, Any], value: Any, **kwargs: Any) -> sfn.LocalExecution:
    return sfn.StateMachine(definition, name="Route").run(value, **kwargs)


@pytest.mark.pandas
def test_two_runs_of_the_same_machine_and_input_are_the_same() -> None:
    first = run(ROUTE, {"amount": 3}, start_time="2024-01-01T00:00:00Z", role_arn="arn:aws:iam::1:role/A")
    second = run(ROUTE, {"amount": 3}, start_time="2025-06-01T12:00:00Z", role_arn="arn:aws:iam::2:role/B")
    diff = first.diff(second)
    assert isinstance(diff, ExecutionDiff)
    assert diff.same
    assert diff.differences == [] and diff.first_difference is None and diff.first_index is None
    assert str(diff) == "a and b are the same (8 events)"
    assert diff.to_frame()["same"].all()


def test_a_different_input_is_found_where_it_enters() -> None:
    diff = run(ROUTE, {"amount": 3}).diff(run(ROUTE, {"amount": 4}))
    assert not diff.same
    first = diff.first_difference
    assert first is not None
    assert (first.kind, first.index, first.id_a, first.field, first.path) == (
        "field",
        0,
        1,
        "input",
        "$.amount",
    )
    assert (first.a, first.b) == (3, 4)
    assert str(first) == "event 1 ExecutionStarted: input $.amount: 3 ≠ 4"
    # every payload after it differs too; the execution's output as well
    assert {d.field for d in diff.differences} == {"input", "output"}
    assert diff.differences[-1].kind == "execution" and diff.differences[-1].field == "output"


def test_executions_that_take_another_branch_part_at_the_branch() -> None:
    diff = run(ROUTE, {"amount": 3}).diff(run(ROUTE, {"amount": 30}))
    kinds = [
        (d.kind, d.type_a, d.state_a, d.type_b, d.state_b) for d in diff.differences if d.kind == "event"
    ]
    assert kinds[0] == ("event", "SucceedStateEntered", "Approve", "FailStateEntered", "Reject")
    report = str(diff)
    assert report.startswith("a and b differ in ")
    assert "a has SucceedStateEntered 'Approve', b has FailStateEntered 'Reject'" in report
    assert any(d.kind == "execution" and d.field == "status" for d in diff.differences)
    assert (diff.count_a, diff.count_b) == (8, 7)


@pytest.mark.pandas
def test_an_extra_state_is_aligned_around_not_reported_on_every_later_event() -> None:
    longer = copy.deepcopy(ROUTE)
    longer["States"]["Prepare"]["Next"] = "Log"
    longer["States"]["Log"] = {"Type": "Pass", "Next": "Check"}
    diff = run(ROUTE, {"amount": 3}).diff(run(longer, {"amount": 3}))
    extra = [d for d in diff.differences if d.kind == "only_b"]
    assert [(d.type_b, d.state_b) for d in extra] == [("PassStateEntered", "Log"), ("PassStateExited", "Log")]
    assert diff.first_difference is not None and diff.first_difference.kind == "only_b"
    assert "b event 4 PassStateEntered 'Log': only in b" in str(diff)
    # events after the extra state are paired with their counterparts: their ids differ by two
    frame = diff.to_frame()
    assert list(frame.columns) == [
        "id_a",
        "type_a",
        "state_a",
        "id_b",
        "type_b",
        "state_b",
        "same",
        "differences",
    ]
    assert len(frame) == 10
    succeeded = frame[frame["type_a"] == "ExecutionSucceeded"].iloc[0]
    assert (succeeded["id_a"], succeeded["id_b"]) == (8, 10)
    assert frame["type_a"].isna().sum() == 2


def test_json_texts_are_compared_as_json() -> None:
    a = [
        {
            "id": 1,
            "previousEventId": 0,
            "timestamp": 0,
            "type": "ExecutionStarted",
            "executionStartedEventDetails": {"input": '{"a": 1, "b": [1, 2]}'},
        },
    ]
    b = copy.deepcopy(a)
    b[0]["executionStartedEventDetails"]["input"] = '{"b":[1,2],"a":1.0}'
    assert diff_executions(a, b).same
    b[0]["executionStartedEventDetails"]["input"] = '{"b":[1,2],"a":true}'
    diff = diff_executions(a, b)
    assert not diff.same  # true is not 1
    assert diff.first_difference is not None and diff.first_difference.path == "$.a"


def test_what_legitimately_differs_is_left_out() -> None:
    stamp = {
        "StartAt": "Stamp",
        "States": {
            "Stamp": {
                "Type": "Pass",
                "Parameters": {
                    "id.$": "$$.Execution.Id",
                    "name.$": "$$.Execution.Name",
                    "at.$": "$$.Execution.StartTime",
                },
                "End": True,
            }
        },
    }
    first = run(stamp, {}, start_time="2024-01-01T00:00:00Z")
    second = run(stamp, {}, start_time="2024-02-02T00:00:00Z")
    assert first.output != second.output  # names, ARNs and times differ...
    assert first.diff(second).same  # ...but that is not a difference


def test_extra_fields_can_be_ignored() -> None:
    a = [
        {
            "id": 1,
            "previousEventId": 0,
            "timestamp": 0,
            "type": "ExecutionFailed",
            "executionFailedEventDetails": {"error": "Lambda.Unknown", "cause": "stack trace at 0x1"},
        }
    ]
    b = copy.deepcopy(a)
    b[0]["executionFailedEventDetails"]["cause"] = "stack trace at 0x2"
    assert not diff_executions(a, b).same
    assert diff_executions(a, b, ignore={"cause"}).same


def test_previous_event_links_are_compared_unless_told_not_to() -> None:
    events = run(ROUTE, {"amount": 3}).events
    relinked = copy.deepcopy(events)
    relinked[1]["previousEventId"] = 1
    diff = diff_executions(events, relinked, labels=("local", "other"))
    assert [(d.field, d.id_a, d.a, d.b) for d in diff.differences] == [("previousEventId", 2, 0, 1)]
    assert str(diff).endswith("- event 2 PassStateEntered 'Prepare': previousEventId: 0 ≠ 1")
    assert diff_executions(events, relinked, compare_links=False).same


def test_the_report_renders_as_html_with_escaped_values() -> None:
    a = [
        {
            "id": 1,
            "previousEventId": 0,
            "timestamp": 0,
            "type": "ExecutionSucceeded",
            "executionSucceededEventDetails": {"output": '"<b>bold</b>"'},
        }
    ]
    b = copy.deepcopy(a)
    b[0]["executionSucceededEventDetails"]["output"] = '"plain"'
    page = diff_executions(a, b)._repr_html_()
    assert "<table>" in page and "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "same" in diff_executions(a, a)._repr_html_()


def test_an_execution_without_history_is_compared_on_its_result() -> None:
    class Finished:
        arn, name, status, output, error, cause, events = (
            "arn:x",
            "x",
            "SUCCEEDED",
            {"amount": 3},
            None,
            None,
            [],
        )

    local = run(ROUTE, {"amount": 3})
    diff = diff_executions(local, Finished())
    assert any(d.kind == "only_a" for d in diff.differences)
    assert not any(d.kind == "execution" and d.field == "status" for d in diff.differences)
    assert any(d.field == "output" for d in diff.differences if d.kind == "execution")
    assert "no history" in str(diff)


def test_differences_are_plain_values() -> None:
    d = Difference(
        kind="field",
        index_a=3,
        index_b=3,
        id_a=4,
        type_a="PassStateExited",
        state_a="P",
        field="output",
        path="$.x",
        a=1,
        b=2,
        more=2,
    )
    assert d.describe(("local", "aws")) == "event 4 PassStateExited 'P': output $.x: 1 ≠ 2 (and 2 more)"
    assert d.index == 3


# ------------------------------------------------------------------------------ local against moto


@pytest.mark.slow
def test_local_and_moto_agree_on_a_pass_choice_succeed_run_except_one_link(aws: sfn_aws.AwsBackend) -> None:
    sm = sfn.StateMachine(ROUTE, name=unique("Route"))
    local, remote = sm.run({"amount": 3}), sm.run({"amount": 3}, on=aws)
    diff = local.diff(remote)
    assert diff.labels == ("local", "aws")
    # payloads, states, links and output all agree
    assert diff.same, str(diff)
    assert diff.differences == []


@pytest.mark.slow
def test_local_and_moto_agree_on_a_failing_run(aws: sfn_aws.AwsBackend) -> None:
    sm = sfn.StateMachine(ROUTE, name=unique("Route"))
    diff = sm.run({"amount": 30}).diff(sm.run({"amount": 30}, on=aws))
    assert diff_executions(sm.run({"amount": 30}), sm.run({"amount": 30}, on=aws), compare_links=False).same
    assert diff.same, str(diff)


@pytest.mark.slow
def test_the_diff_shows_where_moto_deviates_from_aws(aws: sfn_aws.AwsBackend) -> None:
    # a Choice with no match and no Default: AWS fails with States.NoChoiceMatched; moto with States.Runtime
    no_default = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }
    sm = sfn.StateMachine(no_default, name=unique("NoMatch"))
    local, remote = sm.run({"go": False}), sm.run({"go": False}, on=aws)
    diff = diff_executions(local, remote, compare_links=False)
    errors = [(d.kind, d.a, d.b) for d in diff.differences if d.field == "error"]
    assert errors == [
        ("field", "States.NoChoiceMatched", "States.Runtime"),
        ("execution", "States.NoChoiceMatched", "States.Runtime"),
    ]
    first = diff.first_difference
    assert first is not None and first.type_a == "ExecutionFailed" and first.field == "error"


@pytest.mark.slow
def test_a_map_over_260_items_differs_only_in_moto_links(aws: sfn_aws.AwsBackend) -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    sm = sfn.StateMachine(definition, name=unique("Each"))
    items = list(range(260))
    local, remote = sm.run(items), sm.run(items, on=aws)
    diff = local.diff(remote)
    assert diff.count_a == diff.count_b == 1046
    assert {d.field for d in diff.differences} == {"previousEventId"}
    linked = {d.type_a for d in diff.differences}
    # moto: iteration n+1 starts after the Pass of iteration n, the Map exits after its last iteration
    assert linked == {"MapIterationStarted", "MapStateExited"}
    assert len(diff.differences) == (len(items) - 1) + 1
    assert diff_executions(local, remote, compare_links=False).same


def test_outputs_nested_deeper_than_pythons_recursion_limit_are_compared() -> None:
    def nested(depth: int, leaf: Any) -> Any:
        value = leaf
        for _ in range(depth):
            value = {"k": [value]}
        return value

    sm = sfn.StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    a = sm.run(nested(450, 1))
    b = sm.run(nested(450, 2))
    report = a.diff(b)
    assert not report.same
    assert a.diff(sm.run(nested(450, 1))).same
    assert report.first_difference is not None
    assert report.first_difference.path.endswith(".k[0]")
