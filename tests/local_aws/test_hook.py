"""Who serves a Task: a mock, then a handler, then the local AWS, then the not-found failure."""

from __future__ import annotations

from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import local_aws

QUEUE = "https://sqs.us-east-1.amazonaws.com/111111111111/jobs"


def task(resource: str, parameters: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Call",
            "States": {"Call": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}},
        },
        name="Hooked",
    )


def test_a_handler_comes_before_the_local_aws() -> None:
    local_aws.client("sqs").create_queue(QueueName="jobs")
    sm = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": QUEUE, "MessageBody": "x"})
    ex = sm.run({}, resources={"arn:aws:states:::sqs:sendMessage": lambda event: {"handled": True}})
    assert ex.output == {"handled": True}
    assert local_aws.messages("jobs").empty


def test_a_mock_test_case_comes_first(tmp_path) -> None:
    local_aws.client("sqs").create_queue(QueueName="jobs")
    mocks = {
        "StateMachines": {"Hooked": {"TestCases": {"Quiet": {"Call": "Sent"}}}},
        "MockedResponses": {"Sent": {"0": {"Return": {"MessageId": "mocked"}}}},
    }
    sm = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": QUEUE, "MessageBody": "x"})
    ex = sm.run({}, mocks=mocks, test_case="Quiet")
    assert ex.output == {"MessageId": "mocked"}
    assert local_aws.messages("jobs").empty


def test_local_aws_false_gives_the_not_found_failure() -> None:
    local_aws.client("sqs").create_queue(QueueName="jobs")
    ex = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": QUEUE, "MessageBody": "x"}).run(
        {}, local_aws=False
    )
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    assert "No handler is registered" in ex.cause
    assert local_aws.messages("jobs").empty


@pytest.mark.parametrize(
    ("resource", "shape_hint"),
    [
        ("arn:aws:states:::ecs:runTask.sync", "Tasks"),
        ("arn:aws:states:::glue:startJobRun", "JobRunId"),
        ("arn:aws:states:::aws-sdk:ecs:listClusters", "ECS"),
    ],
)
def test_services_moto_cannot_run_stay_handler_served_with_a_note(resource: str, shape_hint: str) -> None:
    ex = task(resource, {}).run({})
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    note = next(note for note in ex.notes if resource in note)
    assert "@sfn.task" in note
    assert shape_hint in note


def test_lambda_functions_keep_lambdas_not_found() -> None:
    ex = task("arn:aws:states:::lambda:invoke", {"FunctionName": "Nope", "Payload": {}}).run({})
    assert ex.error == "Lambda.ResourceNotFoundException"
