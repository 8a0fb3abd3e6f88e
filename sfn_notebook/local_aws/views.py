"""The store as pandas DataFrames: what a run left in its tables, buckets, queues, topics and event bus."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from . import store

__all__ = ["table", "objects", "messages", "published", "events"]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> Any:
    import pandas as pd

    extra = sorted({key for row in rows for key in row} - set(columns))
    return pd.DataFrame(rows, columns=[*columns, *extra])


def _plain(value: Any) -> Any:
    """A deserialized DynamoDB value as plain Python: numbers int or float, sets sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(item) for item in value), key=repr)
    if type(value).__name__ == "Binary":
        return bytes(value.value)
    return value


def table(name: str) -> Any:
    """Every item of DynamoDB table ``name``, one row each, key attributes first."""
    from boto3.dynamodb.types import TypeDeserializer

    dynamodb = store.client("dynamodb")
    keys = [key["AttributeName"] for key in dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]]
    deserialize = TypeDeserializer().deserialize
    rows = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=name):
        for item in page["Items"]:
            rows.append({attr: _plain(deserialize(value)) for attr, value in item.items()})
    rows.sort(key=lambda row: tuple(repr(row.get(key)) for key in keys))
    return _frame(rows, keys)


def objects(bucket: str) -> Any:
    """Every object of S3 bucket ``bucket``: key, size, last modified, ETag and body (text when UTF-8)."""
    s3 = store.client("s3")
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            try:
                body: Any = data.decode("utf-8")
            except UnicodeDecodeError:
                body = data
            rows.append(
                {
                    "key": item["Key"],
                    "size": item["Size"],
                    "last_modified": item["LastModified"],
                    "etag": item["ETag"],
                    "body": body,
                }
            )
    return _frame(rows, ["key", "size", "last_modified", "etag", "body"])


def _queue_name(queue: str) -> str:
    return queue.rstrip("/").rsplit("/", 1)[-1]


def messages(queue: str) -> Any:
    """The messages in SQS queue ``queue`` (a name or URL), oldest first; receives nothing, so the queue
    and its messages' receive counts are left as they were."""
    store.client("sqs")  # loads the store
    from moto.sqs.models import sqs_backends

    with store.lock():
        found = sqs_backends[store.ACCOUNT][store.REGION].get_queue(_queue_name(queue))
        waiting = list(found._messages)
        rows = [
            {
                "message_id": message.id,
                "body": message.body,
                "json": _json_or_none(message.body),
                "attributes": {
                    key: value.get("string_value", value.get("StringValue"))
                    for key, value in message.message_attributes.items()
                },
                "group_id": message.group_id,
                "sent": message.sent_timestamp,
                "receive_count": message.approximate_receive_count,
                "visible": message.visible,
            }
            for message in waiting
        ]
    return _frame(
        rows, ["message_id", "body", "json", "attributes", "group_id", "sent", "receive_count", "visible"]
    )


def _json_or_none(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def published(topic: str) -> Any:
    """The messages published to SNS topic ``topic`` (a name or ARN), oldest first."""
    store.client("sns")
    from moto.sns.models import sns_backends

    arn = topic if topic.startswith("arn:") else f"arn:aws:sns:{store.REGION}:{store.ACCOUNT}:{topic}"
    with store.lock():
        sent = list(sns_backends[store.ACCOUNT][store.REGION].get_topic(arn).sent_notifications)
    rows = [
        {
            "message_id": message_id,
            "message": message,
            "json": _json_or_none(message),
            "subject": subject,
            "attributes": {key: value.get("Value", value) for key, value in (attributes or {}).items()},
            "group_id": group_id,
        }
        for message_id, message, subject, attributes, group_id in sent
    ]
    return _frame(rows, ["message_id", "message", "json", "subject", "attributes", "group_id"])


def events() -> Any:
    """The events that reached EventBridge through the store, oldest first."""
    rows = [
        {
            "event_id": event["EventId"],
            "event_bus": event["EventBusName"],
            "source": event["Source"],
            "detail_type": event["DetailType"],
            "detail": event["Detail"],
            "resources": event["Resources"],
            "time": event["Time"],
        }
        for event in store.recorded_events()
    ]
    return _frame(rows, ["event_id", "event_bus", "source", "detail_type", "detail", "resources", "time"])
