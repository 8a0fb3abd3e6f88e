"""Tests for sfn_notebook.engine.distributed: a Distributed Map's ItemReader, ItemBatcher and ResultWriter."""

from __future__ import annotations

import json
from typing import Any

import sfn_notebook as sfn

# ----------------------------------------------------------------------------- ItemReader, ItemBatcher, ResultWriter


def _distributed_map(**fields: Any) -> sfn.StateMachine:
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


class TestItemReader:
    def test_csv_rows_become_items_keyed_by_the_header(self) -> None:
        seen: list[Any] = []

        def get_object(params: dict[str, Any]) -> str:
            seen.append(params)
            return "sku,qty\nA1,2\nB7,5\n"

        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "orders", "Key.$": "$.key"},
            }
        )
        ex = sm.run({"key": "today.csv"}, resources={"arn:aws:states:::s3:getObject": get_object})
        assert ex.status == "SUCCEEDED", ex.cause
        assert seen == [{"Bucket": "orders", "Key": "today.csv"}]
        assert ex.output == [{"sku": "A1", "qty": "2"}, {"sku": "B7", "qty": "5"}]

    def test_json_array_with_max_items(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON", "MaxItems": 2},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        assert ex.output == [1, 2]

    def test_a_missing_reader_handler_fails_with_item_reader_failed(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({})
        assert ex.status == "FAILED"
        assert ex.error == "States.ItemReaderFailed"
        assert "s3:getObject" in (ex.cause or "")

    def test_a_reader_map_starts_with_length_zero_and_reads_inside_the_map_run(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        started = next(e for e in ex.events if e["type"] == "MapStateStarted")
        assert started["mapStateStartedEventDetails"] == {"length": 0}
        assert ex.output == [1, 2, 3]

    def test_a_reader_failure_fails_the_map_run(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: '{"not": "a list"}'})
        assert (ex.error, ex.cause) == (
            "States.ItemReaderFailed",
            "Attempting to map over non-iterable node.",
        )
        assert [e["type"] for e in ex.events][2:] == [
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed",
        ]

    def test_max_items_path_reads_a_variable_and_accepts_numeric_text(self) -> None:
        sm = sfn.StateMachine(
            {
                "StartAt": "Limit",
                "States": {
                    "Limit": {"Type": "Pass", "Assign": {"limit": "2"}, "Next": "Each"},
                    "Each": {
                        "Type": "Map",
                        "ItemReader": {
                            "Resource": "arn:aws:states:::s3:getObject",
                            "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$limit"},
                            "Parameters": {"Bucket": "b", "Key": "k"},
                        },
                        "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                            "StartAt": "Echo",
                            "States": {"Echo": {"Type": "Pass", "End": True}},
                        },
                        "End": True,
                    },
                },
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1, 2, 3]"})
        assert ex.output == [1, 2]

    def test_a_negative_max_items_fails_the_reader(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.max"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({"max": -1}, resources={"arn:aws:states:::s3:getObject": lambda p: "[1]"})
        assert (ex.error, ex.cause) == ("States.ItemReaderFailed", "field MaxItems must be positive")

    def test_short_csv_rows_get_empty_strings_for_missing_columns(self) -> None:
        sm = _distributed_map(
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        )
        ex = sm.run({}, resources={"arn:aws:states:::s3:getObject": lambda p: "a,b,c\n1\n1,2,3,4\n"})
        assert ex.output == [{"a": "1", "b": "", "c": ""}, {"a": "1", "b": "2", "c": "3"}]


class TestItemBatcherAndResultWriter:
    def test_items_are_grouped_into_batches_with_the_batch_input(self) -> None:
        sm = _distributed_map(
            ItemsPath="$.items",
            ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
        )
        ex = sm.run({"items": [1, 2, 3], "run": "r1"})
        assert ex.output == [
            {"BatchInput": {"run": "r1"}, "Items": [1, 2]},
            {"BatchInput": {"run": "r1"}, "Items": [3]},
        ]

    def test_batch_limits_may_come_from_paths_as_numbers_or_numeric_text(self) -> None:
        sm = _distributed_map(
            ItemsPath="$.items",
            ItemBatcher={"MaxItemsPerBatchPath": "$.per", "MaxInputBytesPerBatchPath": "$.bytes"},
        )
        ex = sm.run({"items": [1, 2, 3], "per": "2", "bytes": 1000})
        assert ex.output == [{"Items": [1, 2]}, {"Items": [3]}]

    def test_results_go_to_the_writer_and_the_map_returns_aws_summary(self) -> None:
        written: list[Any] = []
        sm = _distributed_map(
            ItemsPath="$.items",
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "out", "Prefix": "runs"},
            },
        )
        ex = sm.run({"items": ["a", "b"]}, resources={"arn:aws:states:::s3:putObject": written.append})
        assert ex.status == "SUCCEEDED", ex.cause
        assert set(ex.output) == {"MapRunArn", "ResultWriterDetails"}
        assert ex.output["ResultWriterDetails"]["Bucket"] == "out"
        assert ex.output["ResultWriterDetails"]["Key"].startswith("runs/")
        assert ex.output["ResultWriterDetails"]["Key"].endswith("/manifest.json")
        (event,) = written
        assert [json.loads(r["Output"]) for r in event["Succeeded"]] == ["a", "b"]
        assert event["Failed"] == []
