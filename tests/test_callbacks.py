"""Tests for sfn_notebook/callbacks.py: the task tokens an execution waits for, from the engine for
a local run and from the history for one read from AWS."""

from __future__ import annotations

from typing import Any

import sfn_notebook as sfn
from sfn_notebook.callbacks import pending_callbacks
from tests.builders import RecordedExecution

SQS = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
SNS = "arn:aws:states:::sns:publish.waitForTaskToken"

APPROVALS = sfn.StateMachine(
    {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Manager",
                        "States": {
                            "Manager": {
                                "Type": "Task",
                                "Resource": SQS,
                                "Parameters": {
                                    "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/managers",
                                    "MessageBody": {"order.$": "$.order", "reply": {"to.$": "$$.Task.Token"}},
                                },
                                "HeartbeatSeconds": 600,
                                "End": True,
                            }
                        },
                    },
                    {
                        "StartAt": "Finance",
                        "States": {
                            "Finance": {
                                "Type": "Task",
                                "Resource": SNS,
                                "Parameters": {
                                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:finance",
                                    "Message.$": "States.Format('{} {}', $.order, $$.Task.Token)",
                                },
                                "End": True,
                            }
                        },
                    },
                ],
                "End": True,
            }
        },
    },
    "Approvals",
)
SENT = {SQS: lambda params: {"MessageId": "m"}, SNS: lambda params: {"MessageId": "n"}}


def waiting_run() -> Any:
    ex = APPROVALS.run({"order": 42}, resources=SENT)
    assert ex.status == "RUNNING"
    return ex


def test_a_local_run_lists_each_waiting_task_with_where_its_token_went() -> None:
    ex = waiting_run()
    manager, finance = pending_callbacks(ex)
    assert (manager.state, manager.resource) == ("Manager", "sqs:sendMessage")
    assert manager.sent_to == "https://sqs.us-east-1.amazonaws.com/123456789012/managers"
    assert manager.parameters["MessageBody"]["reply"]["to"] == manager.token
    assert manager.heartbeat_seconds == 600
    assert (finance.state, finance.sent_to) == ("Finance", "arn:aws:sns:us-east-1:123456789012:finance")
    assert {manager.token, finance.token} == {t.token for t in ex.waiting_for}
    assert "Manager: sqs:sendMessage → https://sqs" in manager.describe()


def test_an_answered_task_leaves_the_list_and_an_ended_run_has_none() -> None:
    ex = waiting_run()
    manager, finance = ex.pending_callbacks()
    ex.send_task_success(manager.token, {"approved": True})
    assert [p.state for p in ex.pending_callbacks()] == ["Finance"]
    ex.send_task_failure(finance.token, "Rejected", "too expensive")
    assert ex.status == "FAILED"
    assert ex.pending_callbacks() == []


def test_an_execution_known_only_from_its_history_finds_the_tokens_in_the_parameters() -> None:
    ex = waiting_run()
    from_aws = RecordedExecution(ex, state_machine=APPROVALS)
    found = {p.state: p.token for p in pending_callbacks(from_aws)}
    local = {t.state: t.token for t in ex.waiting_for}
    assert found["Manager"] == local["Manager"]  # where the definition put $$.Task.Token
    assert found["Finance"] == local["Finance"]  # inside a formatted message
    without_definition = {p.state: p.token for p in pending_callbacks(RecordedExecution(ex))}
    assert without_definition["Manager"] == local["Manager"]  # the longest string sent
