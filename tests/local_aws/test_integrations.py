"""Service Tasks served by the local AWS, through the engine: AWS's result shapes and errors."""

from __future__ import annotations

import json
from typing import Any

import sfn_notebook as sfn
from sfn_notebook import local_aws

START = "2024-06-01T08:00:00Z"
TABLE = {
    "TableName": "Orders",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def task(resource: str, parameters: Any, **extra: Any) -> sfn.StateMachine:
    state = {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **extra}
    return sfn.StateMachine({"StartAt": "Call", "States": {"Call": state}}, name="Calls")


def chain(*steps: tuple[str, str, Any]) -> sfn.StateMachine:
    states: dict[str, Any] = {}
    for index, (name, resource, parameters) in enumerate(steps):
        states[name] = {
            "Type": "Task",
            "Resource": resource,
            "Parameters": parameters,
            "ResultPath": f"$.{name}",
        }
        if index + 1 < len(steps):
            states[name]["Next"] = steps[index + 1][0]
        else:
            states[name]["End"] = True
    return sfn.StateMachine({"StartAt": steps[0][0], "States": states}, name="Chain")


class TestDynamoDB:
    def test_put_update_get_delete_return_the_typed_response_with_sdk_metadata(self) -> None:
        local_aws.client("dynamodb").create_table(**TABLE)
        key = {"id": {"S": "o1"}}
        sm = chain(
            (
                "Put",
                "arn:aws:states:::dynamodb:putItem",
                {"TableName": "Orders", "Item": {"id": {"S": "o1"}, "n": {"N": "1"}}},
            ),
            (
                "Update",
                "arn:aws:states:::dynamodb:updateItem",
                {
                    "TableName": "Orders",
                    "Key": key,
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                    "ReturnValues": "UPDATED_NEW",
                },
            ),
            ("Get", "arn:aws:states:::dynamodb:getItem", {"TableName": "Orders", "Key": key}),
            ("Delete", "arn:aws:states:::dynamodb:deleteItem", {"TableName": "Orders", "Key": key}),
        )
        ex = sm.run({}, start_time=START)
        assert ex.status == "SUCCEEDED", ex.cause
        out = ex.output
        assert set(out["Put"]) == {"SdkHttpMetadata", "SdkResponseMetadata"}
        assert out["Update"]["Attributes"] == {"n": {"N": "2"}}  # no ConsumedCapacity: it was not asked for
        assert out["Get"]["Item"] == {"id": {"S": "o1"}, "n": {"N": "2"}}
        headers = out["Get"]["SdkHttpMetadata"]["HttpHeaders"]
        body = json.dumps({"Item": out["Get"]["Item"]}, separators=(",", ":"))
        assert headers["Content-Length"] == str(len(body))
        assert headers["Date"] == "Sat, 01 Jun 2024 08:00:00 GMT"  # the virtual clock
        assert headers["x-amzn-requestid"] == out["Get"]["SdkResponseMetadata"]["RequestId"]
        assert out["Get"]["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Type"] == [
            "application/x-amz-json-1.0"
        ]
        assert local_aws.table("Orders").empty

    def test_a_failed_condition_has_the_optimised_integrations_error_name(self) -> None:
        local_aws.client("dynamodb").create_table(**TABLE)
        local_aws.client("dynamodb").put_item(TableName="Orders", Item={"id": {"S": "o1"}})
        sm = task(
            "arn:aws:states:::dynamodb:putItem",
            {
                "TableName": "Orders",
                "Item": {"id": {"S": "o1"}},
                "ConditionExpression": "attribute_not_exists(id)",
            },
        )
        ex = sm.run({})
        assert ex.error == "DynamoDB.ConditionalCheckFailedException"
        assert ex.cause.startswith(
            "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400;"
        )

    def test_a_missing_table_from_each_integration_style(self) -> None:
        params = {"TableName": "Nope", "Key": {"id": {"S": "x"}}}
        optimised = task("arn:aws:states:::dynamodb:getItem", params).run({})
        sdk = task("arn:aws:states:::aws-sdk:dynamodb:getItem", params).run({})
        assert optimised.error == "DynamoDB.ResourceNotFoundException"
        assert sdk.error == "DynamoDb.ResourceNotFoundException"
        assert sdk.cause.startswith(
            "Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: "
        )

    def test_a_catcher_sees_the_service_error(self) -> None:
        call = {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "Nope", "Key": {"id": {"S": "x"}}},
            "Catch": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "Next": "Handled"}],
            "End": True,
        }
        states = {"Call": call, "Handled": {"Type": "Pass", "End": True}}
        ex = sfn.StateMachine({"StartAt": "Call", "States": states}).run({})
        assert ex.status == "SUCCEEDED"
        assert ex.output["Error"] == "DynamoDB.ResourceNotFoundException"


class TestMessaging:
    def test_sqs_send_message_json_encodes_a_body_that_is_not_a_string(self) -> None:
        url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
        ex = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": {"order": 1}}).run({})
        assert ex.status == "SUCCEEDED", ex.cause
        assert set(ex.output) == {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
        waiting = local_aws.messages("jobs")
        assert list(waiting["body"]) == ['{"order":1}']
        assert list(waiting["message_id"]) == [ex.output["MessageId"]]

    def test_sqs_without_a_body_is_refused_like_aws(self) -> None:
        url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
        ex = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": None}).run({})
        assert ex.error == "SQS.AmazonSQSException"
        assert ex.cause.startswith("The request must contain the parameter MessageBody. (Service: AmazonSQS;")

    def test_a_missing_queue(self) -> None:
        url = "https://sqs.us-east-1.amazonaws.com/111111111111/nowhere"
        ex = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": "x"}).run({})
        assert ex.error == "SQS.QueueDoesNotExistException"
        assert "(Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist;" in ex.cause

    def test_wait_for_task_token_sends_the_token_and_waits(self) -> None:
        url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
        sm = task(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}},
        )
        ex = sm.run({})
        assert ex.status == "RUNNING"
        sent = local_aws.messages(url)["json"][0]
        assert sent["token"] == ex.waiting_for[0].token
        ex.send_task_success(sent["token"], {"done": True})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"done": True}

    def test_sns_publish_and_fifo_topics(self) -> None:
        arn = local_aws.client("sns").create_topic(Name="news")["TopicArn"]
        ex = task("arn:aws:states:::sns:publish", {"TopicArn": arn, "Message": {"hello": "world"}}).run({})
        assert ex.status == "SUCCEEDED", ex.cause
        assert ex.output["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "text/xml"
        assert list(local_aws.published("news")["message"]) == ['{"hello":"world"}']
        fifo = local_aws.client("sns").create_topic(Name="news.fifo", Attributes={"FifoTopic": "true"})[
            "TopicArn"
        ]
        refused = task("arn:aws:states:::sns:publish", {"TopicArn": fifo, "Message": "m"}).run({})
        assert refused.error == "SNS.InvalidParameterException"
        grouped = task(
            "arn:aws:states:::sns:publish",
            {"TopicArn": fifo, "Message": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
        ).run({})
        assert len(grouped.output["SequenceNumber"]) == 20

    def test_a_deleted_topic(self) -> None:
        arn = local_aws.client("sns").create_topic(Name="gone")["TopicArn"]
        local_aws.client("sns").delete_topic(TopicArn=arn)
        ex = task("arn:aws:states:::sns:publish", {"TopicArn": arn, "Message": "m"}).run({})
        assert ex.error == "SNS.NotFoundException"
        assert ex.cause.startswith(
            "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound;"
        )


class TestEventBridge:
    def test_put_events_adds_the_machine_and_execution_and_encodes_detail(self) -> None:
        entries = [{"Source": "shop", "DetailType": "Ordered", "Detail": {"id": 1}, "Resources": ["r1"]}]
        ex = task("arn:aws:states:::events:putEvents", {"Entries": entries}).run({}, start_time=START)
        assert ex.status == "SUCCEEDED", ex.cause
        assert ex.output["FailedEntryCount"] == 0
        assert local_aws.events()["time"][0] == 1717228800.0  # the run's virtual clock
        assert set(ex.output) == {"Entries", "FailedEntryCount"}
        seen = local_aws.events()
        assert list(seen["detail"]) == [{"id": 1}]
        machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Calls"
        assert seen["resources"][0] == ["r1", machine_arn, ex.arn]
        assert seen["event_id"][0] == ex.output["Entries"][0]["EventId"]

    def test_a_malformed_detail_fails_with_the_entries(self) -> None:
        entries = [
            {"Source": "shop", "DetailType": "Ordered", "Detail": {"id": 1}},
            {"Source": "shop", "DetailType": "Ordered", "Detail": '"just a string"'},
        ]
        ex = task("arn:aws:states:::events:putEvents", {"Entries": entries}).run({})
        assert ex.error == "EventBridge.FailedEntry"
        cause = json.loads(ex.cause)
        assert cause["FailedEntryCount"] == 1
        assert cause["Entries"][1] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
        assert "EventId" in cause["Entries"][0]
        assert len(local_aws.events()) == 1  # only the valid entry was delivered


class TestAwsSdk:
    def test_s3_put_and_get_object(self) -> None:
        local_aws.client("s3").create_bucket(Bucket="docs")
        sm = chain(
            (
                "Put",
                "arn:aws:states:::aws-sdk:s3:putObject",
                {"Bucket": "docs", "Key": "a.json", "Body": {"a": 1}},
            ),
            ("Get", "arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "docs", "Key": "a.json"}),
        )
        ex = sm.run({}, start_time=START)
        assert ex.status == "SUCCEEDED", ex.cause
        assert ex.output["Put"]["ServerSideEncryption"] == "AES256"
        assert ex.output["Put"]["ChecksumType"] == "FULL_OBJECT"
        got = ex.output["Get"]
        assert got["Body"] == '{"a":1}'
        assert got["ContentLength"] == 7
        assert got["LastModified"] == "2024-06-01T08:00:00Z"  # written at the run's virtual time
        assert "ChecksumCRC32" not in got  # AWS returns checksums only when asked
        assert list(local_aws.objects("docs")["body"]) == ['{"a":1}']

    def test_s3_errors(self) -> None:
        local_aws.client("s3").create_bucket(Bucket="docs")
        missing_key = task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "docs", "Key": "no"}).run({})
        assert missing_key.error == "S3.NoSuchKeyException"
        assert missing_key.cause.startswith(
            "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: "
        )
        assert ", Extended Request ID: " in missing_key.cause
        missing_bucket = task("arn:aws:states:::aws-sdk:s3:listObjectsV2", {"Bucket": "nobucket"}).run({})
        assert missing_bucket.error == "S3.NoSuchBucketException"

    def test_secrets_manager(self) -> None:
        created = task(
            "arn:aws:states:::aws-sdk:secretsmanager:createSecret", {"Name": "db", "SecretString": "pw"}
        ).run({})
        assert created.status == "SUCCEEDED", created.cause
        assert created.output["Name"] == "db"
        bad = task(
            "arn:aws:states:::aws-sdk:secretsmanager:createSecret", {"Name": "a b", "SecretString": "x"}
        ).run({})
        assert bad.error == "SecretsManager.SecretsManagerException"
        missing = task("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", {"SecretId": "nope"}).run({})
        assert missing.error == "SecretsManager.ResourceNotFoundException"

    def test_runs_are_reproducible(self) -> None:
        def once() -> list[dict[str, Any]]:
            local_aws.reset()
            url = local_aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
            ex = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": "x"}).run(
                {}, seed=7, start_time=START
            )
            return ex.events

        assert once() == once()
