"""The store as DataFrames."""

from __future__ import annotations

from sfn_notebook import local_aws


def test_table_deserializes_items() -> None:
    dynamodb = local_aws.client("dynamodb")
    dynamodb.create_table(
        TableName="T",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="T", Item={"id": {"S": "b"}, "n": {"N": "2.5"}, "tags": {"SS": ["y", "x"]}})
    dynamodb.put_item(
        TableName="T", Item={"id": {"S": "a"}, "n": {"N": "3"}, "m": {"M": {"k": {"BOOL": True}}}}
    )
    frame = local_aws.table("T")
    assert frame.columns[0] == "id"
    rows = frame.to_dict("records")
    assert rows[0]["id"] == "a" and rows[0]["n"] == 3 and rows[0]["m"] == {"k": True}
    assert rows[1]["n"] == 2.5 and rows[1]["tags"] == ["x", "y"]


def test_messages_is_a_peek_that_consumes_nothing() -> None:
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"a": 1}')
    first = local_aws.messages("q")
    second = local_aws.messages(url)
    assert list(first["json"]) == [{"a": 1}] == list(second["json"])
    assert list(second["receive_count"]) == [0]
    received = sqs.receive_message(QueueUrl=url)["Messages"]
    assert received[0]["Body"] == '{"a": 1}'


def test_objects_published_and_empty_views() -> None:
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k", Body=b"\xff\x00")
    assert local_aws.objects("bkt")["body"][0] == b"\xff\x00"
    sns = local_aws.client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert local_aws.published(arn).empty
    sns.publish(TopicArn=arn, Message="hi", Subject="s")
    assert list(local_aws.published("t")["subject"]) == ["s"]
    assert local_aws.events().empty
