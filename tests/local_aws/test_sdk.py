"""The generic aws-sdk mapping over botocore's models."""

from __future__ import annotations

import datetime
import io

from sfn_notebook.local_aws import sdk


def test_operations_and_members_match_case_insensitively() -> None:
    service, operation = sdk.resolve("sfn", "startExecution")
    assert (service, operation.name) == ("stepfunctions", "StartExecution")
    request = sdk.to_request(
        operation.input_shape, {"StateMachineArn": "arn", "Input": {"a": [1, True]}, "Name": None}
    )
    assert request == {"stateMachineArn": "arn", "input": '{"a":[1,true]}'}
    assert sdk.resolve("s3", "noSuchAction") is None
    assert sdk.resolve("nosuchservice", "x") is None


def test_a_streamed_body_is_the_values_json_text() -> None:
    _, put = sdk.resolve("s3", "putObject")
    convert = lambda body: sdk.to_request(put.input_shape, {"Bucket": "b", "Key": "k", "Body": body})["Body"]  # noqa: E731
    assert convert("text") == b'"text"'
    assert convert(False) == b"false"
    assert convert({"Dict": "Value"}) == b'{"Dict":"Value"}'


def test_results_are_pascal_case_with_iso_times_and_text_bodies() -> None:
    _, start = sdk.resolve("sfn", "startExecution")
    when = datetime.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=datetime.timezone.utc)
    result = sdk.to_result(
        start.output_shape, {"executionArn": "arn", "startDate": when, "ResponseMetadata": {}}
    )
    assert result == {"ExecutionArn": "arn", "StartDate": "2024-05-01T12:00:00.250Z"}
    _, get = sdk.resolve("s3", "getObject")
    body = sdk.to_result(get.output_shape, {"Body": io.BytesIO(b"hello"), "ContentLength": 5}, text_body=True)
    assert body == {"Body": "hello", "ContentLength": 5}
    _, get_item = sdk.resolve("dynamodb", "getItem")
    item = sdk.to_result(get_item.output_shape, {"Item": {"id": {"S": "a"}, "raw": {"B": b"\x00\x01"}}})
    assert item == {"Item": {"id": {"S": "a"}, "raw": {"B": "AAE="}}}  # map keys are data: kept as they are


def test_validation_messages_are_awss() -> None:
    _, put = sdk.resolve("dynamodb", "putItem")
    assert sdk.validation_error(put, {"TableName": "t00"}) == (
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"
    )
    message = sdk.validation_error(put, {"TableName": "/x", "Item": {}})
    assert message is not None
    assert message.startswith(
        "2 validation errors detected: Value '/x' at 'tableName' failed to satisfy constraint"
    )
    assert "regular expression pattern: [a-zA-Z0-9_.-]+" in message
    assert "length greater than or equal to 3" in message
    assert (
        sdk.validation_error(put, {"TableName": "arn:aws:dynamodb:us-east-1:1:table/t", "Item": {}}) is None
    )
