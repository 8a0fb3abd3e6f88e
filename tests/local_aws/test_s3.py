"""A Distributed Map's ItemReader and ResultWriter on the store's S3 when no handler serves them."""

from __future__ import annotations

import json
from typing import Any

import sfn_notebook as sfn
from sfn_notebook import local_aws


def distributed_map(**fields: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Echo",
                        "States": {"Echo": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                    **fields,
                }
            },
        }
    )


def seed(key: str, body: str) -> None:
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key=key, Body=body.encode())


GET = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "data", "Key.$": "$.key"}}


def test_a_json_object_is_read_from_the_store() -> None:
    seed("items.json", json.dumps([{"n": 1}, {"n": 2}, {"n": 3}]))
    sm = distributed_map(ItemReader={**GET, "ReaderConfig": {"InputType": "JSON", "MaxItems": 2}})
    ex = sm.run({"key": "items.json"})
    assert ex.status == "SUCCEEDED"
    assert ex.output == [{"n": 1}, {"n": 2}]


def test_a_csv_object_with_its_header_row() -> None:
    seed("rows.csv", "id,name\n1,ann\n2,bob\n")
    sm = distributed_map(
        ItemReader={**GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}
    )
    assert sm.run({"key": "rows.csv"}).output == [{"id": "1", "name": "ann"}, {"id": "2", "name": "bob"}]


def test_duplicate_given_headers_fail_the_reader() -> None:
    seed("rows.csv", "1,2\n")
    config = {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "a"]}
    ex = distributed_map(ItemReader={**GET, "ReaderConfig": config}).run({"key": "rows.csv"})
    assert (ex.status, ex.error, ex.cause) == (
        "FAILED",
        "States.ItemReaderFailed",
        "CSV headers cannot contain duplicates.",
    )


def test_a_missing_key_fails_the_reader_with_s3s_message() -> None:
    seed("other.json", "[]")
    ex = distributed_map(ItemReader=GET).run({"key": "absent.json"})
    assert ex.error == "States.ItemReaderFailed"
    assert "The specified key does not exist" in ex.cause


def test_a_listing_gives_the_objects_under_the_prefix() -> None:
    seed("in/a.txt", "a")
    local_aws.client("s3").put_object(Bucket="data", Key="in/bb.txt", Body=b"bb")
    local_aws.client("s3").put_object(Bucket="data", Key="out/c.txt", Body=b"c")
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "data", "Prefix": "in/"},
    }
    ex = distributed_map(ItemReader=reader).run({})
    assert [(o["Key"], o["Size"]) for o in ex.output] == [("in/a.txt", 1), ("in/bb.txt", 2)]


def test_the_result_writer_stores_the_results_and_a_manifest() -> None:
    seed("items.json", "[1, 2]")
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "data", "Prefix": "results"},
    }
    ex = distributed_map(ItemReader=GET, ResultWriter=writer).run({"key": "items.json"})
    assert ex.status == "SUCCEEDED"
    key = ex.output["ResultWriterDetails"]["Key"]
    assert key.startswith("results/") and key.endswith("/manifest.json")
    s3 = local_aws.client("s3")
    manifest = json.loads(s3.get_object(Bucket="data", Key=key)["Body"].read())
    assert manifest["MapRunArn"] == ex.output["MapRunArn"]
    [succeeded] = manifest["ResultFiles"]["SUCCEEDED"]
    records = json.loads(s3.get_object(Bucket="data", Key=succeeded["Key"])["Body"].read())
    assert [json.loads(r["Output"]) for r in records] == [1, 2]
    assert manifest["ResultFiles"]["FAILED"] == []


def test_a_handler_still_comes_first() -> None:
    sm = distributed_map(ItemReader={**GET, "ReaderConfig": {"InputType": "JSON"}})
    ex = sm.run({"key": "k"}, resources={"arn:aws:states:::s3:getObject": lambda params: "[7]"})
    assert ex.output == [7]
