"""The callback panel (sfn_notebook/notebook/callbacks.py), driven through its widgets' traits."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("anywidget")

import sfn_notebook as sfn
from sfn_notebook.notebook.callbacks import CallbackPanel

SQS = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

REVIEW = sfn.StateMachine(
    {
        "StartAt": "Review",
        "States": {
            "Review": {
                "Type": "Task",
                "Resource": SQS,
                "Parameters": {"QueueUrl": "reviews", "MessageBody": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 30,
                "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 1, "IntervalSeconds": 5}],
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Refused"}],
                "Next": "Publish",
            },
            "Publish": {"Type": "Pass", "End": True},
            "Refused": {"Type": "Fail", "Error": "Refused"},
        },
    },
    "Review",
)
SENT = {SQS: lambda params: {"MessageId": "m"}}


def waiting() -> Any:
    ex = REVIEW.run({"doc": 1}, resources=SENT)
    assert ex.status == "RUNNING"
    return ex


def test_the_panel_lists_the_waiting_task_and_what_was_sent() -> None:
    ex = waiting()
    panel = CallbackPanel(ex, graph=False)
    (label,) = [label for label, _ in panel.tokens.options]
    assert label.startswith("Review: sqs:sendMessage → reviews")
    assert panel.tokens.value == ex.waiting_for[0].token
    assert "reviews" in panel.details.value and "every 30s" in panel.details.value
    assert panel.sent.sections[0]["title"] == "Parameters sent"
    assert not panel.success_button.disabled


def test_send_success_with_the_edited_json_completes_the_run_and_the_panel_follows() -> None:
    ex = waiting()
    panel = CallbackPanel(ex)
    panel.output_box.value = '{"approved": true}'
    panel.success_button.click()
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"approved": True}
    assert "success sent to Review" in panel.message.value
    assert panel.tokens.options == ()
    assert panel.success_button.disabled
    assert "SUCCEEDED" in panel.status.value
    assert "has ended" in panel.details.value


def test_send_failure_goes_through_retry_then_catch() -> None:
    ex = waiting()
    panel = CallbackPanel(ex, graph=False)
    panel.error_box.value = "Busy"
    panel.failure_button.click()
    assert ex.status == "RUNNING"  # retried: a new attempt, a new token
    assert len(panel.tokens.options) == 1 and panel.tokens.value == ex.waiting_for[0].token
    panel.error_box.value = "Rejected"
    panel.cause_box.value = "not good enough"
    panel.failure_button.click()
    assert (ex.status, ex.error) == ("FAILED", "Refused")


def test_a_heartbeat_keeps_the_task_alive_past_its_heartbeat_timeout() -> None:
    ex = waiting()
    panel = CallbackPanel(ex, graph=False)
    ex.advance(20)
    panel.heartbeat_button.click()
    assert "heartbeat sent" in panel.message.value
    ex.advance(20)  # 40 s after the start, 20 s after the heartbeat
    assert ex.status == "RUNNING"
    ex.advance(20)
    panel.refresh_button.click()
    assert ex.status == "FAILED" and ex.error == "States.Timeout"  # as AWS records a missed heartbeat
    assert panel.tokens.options == ()


def test_output_that_is_not_json_is_refused_and_nothing_is_sent() -> None:
    ex = waiting()
    panel = CallbackPanel(ex, graph=False)
    panel.output_box.value = "{nope"
    panel.success_button.click()
    assert "the output is not JSON" in panel.message.value
    assert ex.status == "RUNNING"


def test_a_background_run_waiting_for_its_token_is_answered_from_the_panel() -> None:
    ex = REVIEW.start({"doc": 2}, resources=SENT)
    ex.wait(timeout=10)
    panel = ex.callbacks()
    assert isinstance(panel, CallbackPanel)
    assert len(panel.tokens.options) == 1
    panel.success_button.click()
    ex.wait(timeout=10)
    assert ex.status == "SUCCEEDED"
    static = panel.static_html()
    assert "SUCCEEDED" in static and "no task is waiting" in static


@pytest.mark.exe
def test_the_graph_is_redrawn_after_each_answer() -> None:
    ex = waiting()
    panel = CallbackPanel(ex)
    before = panel.graph.value
    panel.success_button.click()
    assert "<svg" in before and "<svg" in panel.graph.value
    assert panel.graph.value != before


def test_an_execution_on_aws_is_answered_through_the_backend() -> None:
    boto3 = pytest.importorskip("boto3")
    from botocore.stub import ANY, Stubber

    from sfn_notebook import aws as sfn_aws

    local = waiting()
    token = local.waiting_for[0].token
    arn = "arn:aws:states:us-east-1:123456789012:execution:Review:on-aws"
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.activate()
    backend = sfn_aws.connect(client=client, account_id="123456789012")
    running = {
        "executionArn": arn,
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Review",
        "status": "RUNNING",
        "startDate": local.start_date,
    }
    history = {"events": list(local.events)}
    stubber.add_response("describe_execution", running, {"executionArn": arn})
    stubber.add_response("get_execution_history", history, {"executionArn": arn, "maxResults": 1000})
    ex = sfn_aws.AwsExecution(backend, arn, state_machine=REVIEW)
    panel = CallbackPanel(ex, graph=False)
    assert panel.tokens.value == token  # read from the parameters the Task sent
    stubber.add_response("send_task_success", {}, {"taskToken": token, "output": '{"ok":true}'})
    done = {**running, "status": "SUCCEEDED", "stopDate": local.start_date}
    stubber.add_response("describe_execution", done, {"executionArn": ANY})
    stubber.add_response("get_execution_history", history, {"executionArn": arn, "maxResults": 1000})
    panel.output_box.value = '{"ok": true}'
    assert panel.send_success()
    stubber.assert_no_pending_responses()
    assert panel.tokens.options == () and "SUCCEEDED" in panel.status.value
