"""The store: the engine's own clients reach it, nobody else's do (unless patched in)."""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ProxyConnectionError

from sfn_notebook import local_aws

TABLE = {
    "TableName": "Orders",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def _plain_client(service: str):
    """A client as a user makes one, whose requests cannot leave the machine (a dead local proxy)."""
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="AKIAUSER",
        aws_secret_access_key="user",
        config=Config(
            proxies={"https": "http://127.0.0.1:9", "http": "http://127.0.0.1:9"},
            retries={"max_attempts": 1},
            connect_timeout=1,
        ),
    )


def test_the_stores_client_sees_what_it_stored() -> None:
    local_aws.client("dynamodb").create_table(**TABLE)
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == ["Orders"]
    assert local_aws.client("dynamodb") is local_aws.client("dynamodb")


def test_a_plain_boto3_client_is_not_answered_from_the_store() -> None:
    local_aws.client("dynamodb").create_table(**TABLE)
    with pytest.raises((ProxyConnectionError, EndpointConnectionError)):
        _plain_client("dynamodb").list_tables()


def test_patch_lets_plain_boto3_reach_the_store_for_the_block_only() -> None:
    local_aws.client("dynamodb").create_table(**TABLE)
    before = dict(os.environ)
    with local_aws.patch():
        inside = boto3.client("dynamodb")  # credentials and region come from the block
        assert inside.list_tables()["TableNames"] == ["Orders"]
        assert _plain_client("dynamodb").list_tables()["TableNames"] == ["Orders"]
    assert dict(os.environ) == before
    with pytest.raises((ProxyConnectionError, EndpointConnectionError)):
        _plain_client("dynamodb").list_tables()


def test_a_stores_client_is_served_once_inside_patch() -> None:
    url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    with local_aws.patch():
        local_aws.client("sqs").send_message(QueueUrl=url, MessageBody="once")
    assert list(local_aws.messages("jobs")["body"]) == ["once"]


def test_reset_empties_every_service() -> None:
    local_aws.client("dynamodb").create_table(**TABLE)
    local_aws.client("sqs").create_queue(QueueName="jobs")
    local_aws.reset()
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == []
    assert local_aws.client("sqs").list_queues().get("QueueUrls", []) == []


def test_the_store_has_one_account_and_region() -> None:
    url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    assert url == "https://sqs.us-east-1.amazonaws.com/111111111111/jobs"
    arn = local_aws.client("sns").create_topic(Name="news")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:111111111111:news"


def test_resource_shares_the_store() -> None:
    local_aws.client("dynamodb").create_table(**TABLE)
    local_aws.resource("dynamodb").Table("Orders").put_item(Item={"id": "a", "n": 2})
    item = local_aws.client("dynamodb").get_item(TableName="Orders", Key={"id": {"S": "a"}})["Item"]
    assert item == {"id": {"S": "a"}, "n": {"N": "2"}}


def test_importing_the_package_or_running_without_service_tasks_loads_neither_moto_nor_boto3() -> None:
    code = (
        "import sys, sfn_notebook as sfn\n"
        "sm = sfn.StateMachine({'StartAt': 'P', 'States': {'P': {'Type': 'Pass', 'End': True}}})\n"
        "assert sm.run({}).status == 'SUCCEEDED'\n"
        "wait = sfn.StateMachine({'StartAt': 'W', 'States': {'W': {'Type': 'Task', 'End': True,\n"
        "    'Resource': 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', 'HeartbeatSeconds': 5}}})\n"
        "ex = wait.run({}, resources={'W': lambda event: {}})\n"
        "assert ex.status == 'RUNNING'\n"
        "sfn.local_aws.ACCOUNT\n"
        "loaded = sorted(m for m in ('moto', 'boto3', 'botocore', 'pandas') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
