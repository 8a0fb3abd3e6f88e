"""Step Functions in the local AWS: child executions run by the engine, task tokens answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

import sfn_notebook as sfn
from sfn_notebook import local_aws

ROLE = "arn:aws:iam::111111111111:role/r"
START = "arn:aws:states:::states:startExecution"
SEND_WAIT = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
QUEUE = "https://sqs.us-east-1.amazonaws.com/111111111111/inbox"


def parent(pattern: str, **parameters: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Start",
            "States": {
                "Start": {
                    "Type": "Task",
                    "Resource": START + pattern,
                    "Parameters": {"StateMachineArn.$": "$.arn", **parameters},
                    "End": True,
                }
            },
        },
        name="Parent",
    )


def child(states: dict[str, Any], name: str = "Child") -> sfn.StateMachine:
    first = next(iter(states))
    return sfn.StateMachine({"StartAt": first, "States": states}, name=name)


ECHO = {"Echo": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}
BOOM = {"Boom": {"Type": "Fail", "Error": "Broken", "Cause": "by design"}}


def test_deploy_returns_the_arn_and_start_execution_runs_the_child() -> None:
    arn = child(ECHO).deploy(local_aws)
    assert arn == "arn:aws:states:us-east-1:111111111111:stateMachine:Child"
    ex = parent("", Input={"n": 1}, Name="first").run({"arn": arn})
    assert ex.status == "SUCCEEDED"
    assert ex.output["ExecutionArn"] == "arn:aws:states:us-east-1:111111111111:execution:Child:first"
    assert ex.output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    [started] = ex.child_executions
    assert (started.name, started.status, started.output) == ("first", "SUCCEEDED", {"got": {"n": 1}})
    assert started.events[0]["type"] == "ExecutionStarted"


def test_sync_waits_for_the_child_and_returns_its_description_with_json_text() -> None:
    arn = child(ECHO).deploy(local_aws)
    ex = parent(".sync", Input={"n": 2}).run({"arn": arn})
    assert ex.status == "SUCCEEDED"
    types = [e["type"] for e in ex.events]
    assert types[types.index("TaskStarted") + 1] == "TaskSubmitted"
    assert ex.output["Status"] == "SUCCEEDED"
    assert ex.output["Input"] == '{"n":2}'
    assert json.loads(ex.output["Output"]) == {"got": {"n": 2}}
    assert ex.output["InputDetails"] == {"Included": True}


def test_sync_2_returns_input_and_output_parsed() -> None:
    arn = child(ECHO).deploy(local_aws)
    ex = parent(".sync:2", Input={"n": 3}).run({"arn": arn})
    assert (ex.output["Input"], ex.output["Output"]) == ({"n": 3}, {"got": {"n": 3}})


def test_a_failed_child_fails_the_task_with_states_task_failed_and_its_description() -> None:
    arn = child(BOOM, "Bad").deploy(local_aws)
    ex = parent(".sync").run({"arn": arn})
    assert (ex.status, ex.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(ex.cause)
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Broken", "by design")
    assert "Output" not in cause


def test_the_child_time_passes_before_the_parent_goes_on() -> None:
    arn = child({"Nap": {"Type": "Wait", "Seconds": 90, "End": True}}).deploy(local_aws)
    ex = parent(".sync").run({"arn": arn}, start_time=0)
    assert ex.events[-1]["timestamp"].timestamp() == 90.0


def test_a_machine_created_through_the_client_can_be_started() -> None:
    stepfunctions = local_aws.client("stepfunctions")
    arn = stepfunctions.create_state_machine(
        name="Made", definition=json.dumps(child(ECHO).definition), roleArn=ROLE
    )["stateMachineArn"]
    ex = parent(".sync:2", Input={"k": "v"}).run({"arn": arn})
    assert ex.output["Output"] == {"got": {"k": "v"}}
    described = stepfunctions.describe_execution(executionArn=ex.output["ExecutionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"got": {"k": "v"}}


def test_an_unknown_machine_fails_with_aws_error() -> None:
    ex = parent("").run({"arn": "arn:aws:states:us-east-1:111111111111:stateMachine:Nope"})
    assert ex.error == "StepFunctions.StateMachineDoesNotExistException"
    assert ex.cause.startswith(
        "State Machine Does Not Exist: 'arn:aws:states:us-east-1:111111111111:stateMachine:Nope'"
    )


def test_aws_sdk_start_execution_returns_arn_and_date() -> None:
    arn = child(ECHO).deploy(local_aws)
    sm = sfn.StateMachine(
        {
            "StartAt": "Go",
            "States": {
                "Go": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                    "Parameters": {"StateMachineArn": arn, "Input": {"a": 1}},
                    "End": True,
                }
            },
        }
    )
    ex = sm.run({})
    assert set(ex.output) == {"ExecutionArn", "StartDate"}
    assert ex.child_executions[0].output == {"got": {"a": 1}}


def test_aws_sdk_send_task_success_with_an_unknown_token() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Answer",
            "States": {
                "Answer": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                    "Parameters": {"TaskToken": "unknown", "Output": "{}"},
                    "End": True,
                }
            },
        }
    )
    ex = sm.run({})
    assert ex.error == "Sfn.InvalidTokenException"
    assert ex.cause.startswith("Invalid Token: 'Invalid token' (Service: Sfn, Status Code: 400")


def test_a_child_answers_its_parents_token_with_aws_sdk_send_task_success() -> None:
    answer = {
        "Answer": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
            "Parameters": {"TaskToken.$": "$.token", "Output": {"from": "child"}},
            "End": True,
        }
    }
    arn = child(answer, "Answerer").deploy(local_aws)
    ex = parent(".waitForTaskToken", Input={"token.$": "$$.Task.Token"}).run({"arn": arn})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"from": "child"}


def test_a_state_machine_registered_as_the_handler_runs_as_the_child() -> None:
    # the handler receives the Task's Input, not its whole Parameters, and the result is AWS's
    ex = parent(".sync:2", Input={"n": 4}).run(
        {"arn": "arn:aws:states:us-east-1:111111111111:stateMachine:Child"},
        resources={START + ".sync:2": child(ECHO)},
    )
    assert ex.output["Output"] == {"got": {"n": 4}}
    assert ex.output["Status"] == "SUCCEEDED"
    failing = parent(".sync:2").run({"arn": "x"}, resources={START + ".sync:2": child(BOOM, "Bad")})
    assert failing.error == "States.TaskFailed"


def test_the_client_answers_tokens_of_running_executions() -> None:
    local_aws.client("sqs").create_queue(QueueName="asks")
    sm = sfn.StateMachine(
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/asks",
                        "MessageBody": {"token.$": "$$.Task.Token"},
                    },
                    "End": True,
                }
            },
        }
    )
    ex = sm.run({})
    assert ex.status == "RUNNING"
    [waiting] = ex.waiting_for
    assert waiting.sent_to == "the SQS queue https://sqs.us-east-1.amazonaws.com/111111111111/asks"
    sqs = local_aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/111111111111/asks")[
        "Messages"
    ]
    token = json.loads(message["Body"])["token"]
    assert token == waiting.token
    local_aws.client("stepfunctions").send_task_success(taskToken=token, output='{"ok": true}')
    assert (ex.status, ex.output) == ("SUCCEEDED", {"ok": True})
    with pytest.raises(ClientError, match="TaskTimedOut"):
        local_aws.client("stepfunctions").send_task_success(taskToken=token, output="{}")


def test_wait_for_task_token_says_which_execution_has_the_token_and_waits_for_its_answer() -> None:
    waiting = {
        "Hold": {
            "Type": "Task",
            "Resource": SEND_WAIT,
            "Parameters": {"QueueUrl": QUEUE, "MessageBody": "x"},
            "End": True,
        }
    }
    local_aws.client("sqs").create_queue(QueueName="inbox")
    arn = child(waiting, "Holder").deploy(local_aws)
    ex = parent(".waitForTaskToken", Input={"token.$": "$$.Task.Token"}).run({"arn": arn})
    assert ex.status == "RUNNING"
    [token] = ex.waiting_for
    [started] = ex.child_executions
    assert token.sent_to == f"the execution {started.arn}"
    local_aws.client("stepfunctions").send_task_success(taskToken=token.token, output='"done"')
    assert (ex.status, ex.output) == ("SUCCEEDED", "done")


def test_the_history_of_a_local_execution_through_the_client() -> None:
    arn = child(ECHO).deploy(local_aws)
    ex = parent("", Input={"n": 1}, Name="seen").run({"arn": arn})
    history = local_aws.client("stepfunctions").get_execution_history(executionArn=ex.output["ExecutionArn"])
    types = [event["type"] for event in history["events"]]
    assert types == [event["type"] for event in ex.child_executions[0].events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
