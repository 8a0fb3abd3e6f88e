"""Tests for sfn_notebook/testing/replay.py: MockConfigFiles and pytest files from executions, and the
replay that runs them (ex.to_mock_config, ex.to_pytest)."""

from __future__ import annotations

from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook.mocks import MockConfig
from sfn_notebook.testing import replay, state_path, visit_counts
from tests.builders import RecordedExecution, machine, task

pytest_plugins = ["pytester"]

CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

ORDERS = sfn.StateMachine(
    {
        "StartAt": "Charge",
        "States": {
            "Charge": task(
                "charge",
                Retry=[{"ErrorEquals": ["Busy"], "MaxAttempts": 3, "IntervalSeconds": 2}],
                Catch=[{"ErrorEquals": ["Declined"], "ResultPath": "$.error", "Next": "Refuse"}],
                Next="Approve",
            ),
            "Approve": {
                "Type": "Task",
                "Resource": CALLBACK,
                "Parameters": {"QueueUrl": "approvals", "MessageBody": {"token.$": "$$.Task.Token"}},
                "ResultPath": "$.approval",
                "Next": "Ship",
            },
            "Ship": task("ship", ResultPath="$.shipment", End=True),
            "Refuse": {"Type": "Fail", "Error": "OrderRefused"},
        },
    },
    "Orders",
)


def outcomes(*answers: Any) -> Any:
    """A handler giving ``answers`` one per call: an exception instance is raised, anything else returned."""
    left = list(answers)

    def handler(event: Any, context: Any = None) -> Any:
        answer = left.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def recorded_run(*charges: Any) -> Any:
    """An Orders run whose Charge answers ``charges``; its approval callback is sent by hand."""
    resources = {
        "charge": outcomes(*charges),
        "ship": outcomes({"tracking": "T-1"}),
        CALLBACK: lambda params: {"MessageId": "m-1"},
    }
    ex = ORDERS.run({"order": 7}, resources=resources)
    if ex.status == "RUNNING":
        ex.send_task_success(ex.waiting_for[0].token, {"approved": True})
    return ex


def test_every_attempt_of_every_task_is_mocked_in_order_with_runs_of_equal_answers_as_ranges() -> None:
    ex = recorded_run(sfn.TaskFailed("Busy", "later"), sfn.TaskFailed("Busy", "later"), {"paid": 10})
    config = ex.to_mock_config("Happy")
    assert config["StateMachines"] == {
        "Orders": {
            "TestCases": {
                "Happy": {"Charge": "Happy: Charge", "Approve": "Happy: Approve", "Ship": "Happy: Ship"}
            }
        }
    }
    responses = config["MockedResponses"]
    assert responses["Happy: Charge"] == {
        "0-1": {"Throw": {"Error": "Busy", "Cause": "later"}},
        "2": {"Return": {"paid": 10}},
    }
    assert responses["Happy: Approve"] == {"0": {"Return": {"approved": True}}}
    MockConfig(config)  # the file the mocks module reads


def test_replaying_with_the_mocks_gives_the_same_history_without_any_handler() -> None:
    ex = recorded_run(sfn.TaskFailed("Busy", "later"), {"paid": 10})
    again = replay(ORDERS, {"order": 7}, mocks=ex.to_mock_config("Again"), test_case="Again", name=ex.name)
    assert again.status == "SUCCEEDED"
    assert again.output == ex.output
    assert state_path(again) == ["Charge", "Approve", "Ship"]
    assert [e["type"] for e in again.events] == [e["type"] for e in ex.events]
    assert again.states()["retries"].tolist() == ex.states()["retries"].tolist() == [1, 0, 0]


def test_a_caught_error_replays_through_the_same_catcher(tmp_path: Any) -> None:
    ex = recorded_run(sfn.TaskFailed("Declined", "card expired"))
    assert ex.status == "FAILED"
    path = tmp_path / "mocks.json"
    ex.to_mock_config("Declined", path=path)
    again = replay(ORDERS, {"order": 7}, mocks=str(path), test_case="Declined")
    assert (again.status, again.error) == ("FAILED", "OrderRefused")
    assert state_path(again) == state_path(ex) == ["Charge", "Refuse"]


def test_a_state_entered_with_different_results_is_mocked_with_its_first_visit_and_says_so() -> None:
    sm = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Work", "States": {"Work": task("work", End=True)}},
                "End": True,
            }
        }
    )
    ex = sm.run([1, 2], resources={"work": lambda event: event * 10})
    with pytest.warns(UserWarning, match="Work: entered several times with different results"):
        config = ex.to_mock_config()
    assert config["MockedResponses"]["Recorded: Work"] == {"0": {"Return": 10}}
    assert visit_counts(ex) == {"Each": 1, "Work": 2}


def test_the_written_test_replays_each_map_iteration_with_its_own_answers_retries_included(
    pytester: pytest.Pytester,
) -> None:
    sm = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {
                        "Work": task(
                            "work",
                            Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                            End=True,
                        )
                    },
                },
                "End": True,
            }
        }
    )
    tried: set[int] = set()

    def work(item: int) -> int:
        if item % 2 and item not in tried:  # odd items fail once: their iterations wait, then retry
            tried.add(item)
            raise sfn.TaskFailed("Busy", f"item {item}")
        return item * 10

    ex = sm.run([1, 2, 3, 4], resources={"work": work})
    assert ex.output == [10, 20, 30, 40]
    written = ex.to_pytest(pytester.path / "test_each.py")
    text = written.read_text()
    assert "visits=VISITS" in text and ": Work #4': {'0': {'Return': 40}}" in text
    pytester.runpytest(str(written)).assert_outcomes(passed=1)


def test_a_loop_of_callbacks_with_different_answers_replays_visit_by_visit(pytester: pytest.Pytester) -> None:
    sm = machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": CALLBACK,
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "Next": "Done?",
            },
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "End"}],
                "Default": "Ask",
            },
            "End": {"Type": "Succeed"},
        }
    )
    ex = sm.run({}, resources={CALLBACK: lambda params: {"MessageId": "m"}})
    for answer in ({"done": False}, {"done": False}, {"done": True, "n": 3}):
        ex.send_task_success(ex.waiting_for[0].token, answer)
    assert ex.status == "SUCCEEDED"
    written = ex.to_pytest(pytester.path / "test_loop.py")
    text = written.read_text()
    assert "assert visit_counts(ex) == {'Ask': 3, 'Done?': 3, 'End': 1}" in text
    assert ": Ask #3': {'0': {'Return': {'done': True, 'n': 3}}}" in text
    pytester.runpytest(str(written)).assert_outcomes(passed=1)


def test_an_execution_known_only_from_its_history_gives_the_same_file() -> None:
    ex = recorded_run({"paid": 3})
    from_aws = RecordedExecution(ex, state_machine=ORDERS)
    assert from_aws.to_mock_config("X") == ex.to_mock_config("X")


def test_the_written_test_replays_a_failed_execution_and_passes(pytester: pytest.Pytester) -> None:
    ex = recorded_run(sfn.TaskFailed("Declined", "card expired"))
    written = ex.to_pytest(pytester.path / "test_regression.py")
    text = written.read_text()
    assert "assert ex.error == 'OrderRefused'" in text
    assert "assert state_path(ex) == ['Charge', 'Refuse']" in text
    pytester.runpytest(str(written)).assert_outcomes(passed=1)


def test_the_written_test_of_a_run_with_a_callback_passes_and_fails_when_the_machine_changes(
    pytester: pytest.Pytester,
) -> None:
    ex = recorded_run(sfn.TaskFailed("Busy", "later"), {"paid": 10})
    written = ex.to_pytest(pytester.path / "test_orders.py")
    text = written.read_text()
    assert "assert ex.output == OUTPUT" in text
    assert "'approval': {'approved': True}" in text
    pytester.runpytest(str(written)).assert_outcomes(passed=1)
    # the machine no longer retries: the recorded answers now end the run on the first error
    written.write_text(text.replace("'MaxAttempts': 3", "'MaxAttempts': 0"))
    result = pytester.runpytest(str(written))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 'FAILED' == 'SUCCEEDED'*"])


def test_writing_a_test_needs_an_ended_execution_with_its_definition(tmp_path: Any) -> None:
    ex = recorded_run({"paid": 1})
    with pytest.raises(ValueError, match="no state machine definition"):
        RecordedExecution(ex).to_pytest(tmp_path / "test_x.py")
    with pytest.raises(ValueError, match=r"ends in \.py"):
        ex.to_pytest(tmp_path / "test_x.txt")
    running = ORDERS.run({}, resources={"charge": outcomes({}), CALLBACK: lambda p: {}})
    with pytest.raises(ValueError, match="still RUNNING"):
        running.to_pytest(tmp_path / "test_y.py")


def test_an_aws_execution_becomes_a_local_regression_test(pytester: pytest.Pytester) -> None:
    boto3 = pytest.importorskip("boto3")
    from botocore.stub import Stubber

    from sfn_notebook import aws as sfn_aws

    recorded = recorded_run(sfn.TaskFailed("Busy", "later"), sfn.TaskFailed("Declined", "card expired"))
    arn = "arn:aws:states:eu-west-1:210987654321:execution:Orders:nightly-42"
    client = boto3.client(
        "stepfunctions", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.activate()
    backend = sfn_aws.connect(
        client=client, role_arn="arn:aws:iam::210987654321:role/r", account_id="210987654321"
    )
    description = {
        "executionArn": arn,
        "stateMachineArn": "arn:aws:states:eu-west-1:210987654321:stateMachine:Orders",
        "name": "nightly-42",
        "status": "FAILED",
        "startDate": recorded.start_date,
        "input": '{"order": 7}',
        "error": recorded.error,
    }
    stubber.add_response("describe_execution", description, {"executionArn": arn})
    stubber.add_response(
        "get_execution_history", {"events": list(recorded.events)}, {"executionArn": arn, "maxResults": 1000}
    )
    ex = sfn_aws.AwsExecution(backend, arn, state_machine=ORDERS, description=description)
    written = ex.to_pytest(pytester.path / "test_nightly.py")
    stubber.assert_no_pending_responses()
    text = written.read_text()
    assert "region='eu-west-1'" in text and "name='nightly-42'" in text
    assert "'0': {'Throw': {'Error': 'Busy', 'Cause': 'later'}}" in text
    pytester.runpytest(str(written)).assert_outcomes(passed=1)


def test_tasks_inside_a_distributed_map_are_mocked_from_its_child_executions() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Work",
                        "States": {"Work": task("work", End=True)},
                    },
                    "End": True,
                }
            },
        },
        "Fan",
    )
    ex = sm.run([1, 1], resources={"work": lambda event: {"done": event}})
    config = ex.to_mock_config("Fan")
    assert config["MockedResponses"]["Fan: Work"] == {"0": {"Return": {"done": 1}}}
    again = replay(sm, [1, 1], mocks=config, test_case="Fan")
    assert again.output == ex.output == [{"done": 1}, {"done": 1}]
