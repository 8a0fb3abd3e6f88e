"""Tests for sfn_notebook.engine.distributed: a Distributed Map's ItemReader, ItemBatcher and ResultWriter."""

from __future__ import annotations

import json
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook._json import MISSING
from sfn_notebook.engine.distributed import batch_items, read_items, write_results
from sfn_notebook.engine.resources import HandlerRegistry
from sfn_notebook.engine.run import Run, RunSetup
from sfn_notebook.errors import StatesError

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
        ex = sm.run({}, local_aws=False)
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


# ----------------------------------------------------------------------------- the functions on their own


def reader_run(resource: str, handler: Any, **reader: Any) -> tuple[Run, Any]:
    """A run of a Distributed Map whose ItemReader ``resource`` is served by ``handler``, and its Map."""
    sm = _distributed_map(
        ItemReader={"Resource": resource, "Parameters": {"Bucket": "b", "Key": "k"}, **reader}
    )
    setup = RunSetup(
        sm.machine, HandlerRegistry({resource: handler}), "Reader", "us-east-1", "123456789012", "r"
    )
    return Run(setup, {}, execution_name="x", start_time=0.0), sm.machine.states["Each"]


GET = "arn:aws:states:::s3:getObject"


class TestReadItems:
    def test_the_handler_receives_the_parameters_and_json_text_becomes_the_items(self) -> None:
        seen: list[Any] = []

        def get_object(params: Any) -> str:
            seen.append(params)
            return '[{"id": 1}, {"id": 2}, {"id": 3}]'

        run, state = reader_run(GET, get_object, ReaderConfig={"InputType": "JSON"})
        assert read_items(run, state, {"Bucket": "b", "Key": "k"}, None) == [{"id": 1}, {"id": 2}, {"id": 3}]
        assert read_items(run, state, {"Bucket": "b", "Key": "k"}, 2) == [{"id": 1}, {"id": 2}]
        assert seen == [{"Bucket": "b", "Key": "k"}] * 2

    def test_json_lines_and_bytes(self) -> None:
        run, state = reader_run(
            GET, lambda params: b'{"a": 1}\n\n{"a": 2}\n', ReaderConfig={"InputType": "JSONL"}
        )
        assert read_items(run, state, {}, 0) == [{"a": 1}, {"a": 2}]

    def test_csv_with_given_headers_and_another_delimiter(self) -> None:
        run, state = reader_run(
            GET,
            lambda params: "A1;2\nB7\n",
            ReaderConfig={
                "InputType": "CSV",
                "CSVHeaderLocation": "GIVEN",
                "CSVHeaders": ["sku", "qty"],
                "CSVDelimiter": "SEMICOLON",
            },
        )
        assert read_items(run, state, {}, None) == [{"sku": "A1", "qty": "2"}, {"sku": "B7", "qty": ""}]

    def test_a_listing_gives_its_objects(self) -> None:
        listing = {"Contents": [{"Key": "a.json"}, {"Key": "b.json"}]}
        run, state = reader_run("arn:aws:states:::s3:listObjectsV2", lambda params: listing)
        assert read_items(run, state, {}, None) == listing["Contents"]

    def test_already_parsed_items_are_used_as_they_are(self) -> None:
        run, state = reader_run(GET, lambda params: [1, [2], {"three": 3}])
        assert read_items(run, state, {}, None) == [1, [2], {"three": 3}]

    def test_what_cannot_be_read_fails_with_item_reader_failed(self) -> None:
        def broken(params: Any) -> Any:
            raise ConnectionError("no network")

        cases = [
            (broken, {}, "ConnectionError: no network"),
            (lambda params: '{"not": "a list"}', {}, "Attempting to map over non-iterable node."),
            (lambda params: "[1, 2", {}, "the JSON content could not be read"),
            (lambda params: 42, {}, "the ItemReader handler returned int"),
            (
                lambda params: "x",
                {"ReaderConfig": {"InputType": "PARQUET"}},
                "InputType 'PARQUET' is not supported",
            ),
        ]
        for handler, reader, message in cases:
            run, state = reader_run(GET, handler, **reader)
            with pytest.raises(StatesError) as info:
                read_items(run, state, {}, None)
            assert info.value.error == "States.ItemReaderFailed"
            assert message in (info.value.cause or ""), info.value.cause


class TestBatchItems:
    def test_by_count(self) -> None:
        assert batch_items([1, 2, 3, 4, 5], 2, None, MISSING) == [
            {"Items": [1, 2]},
            {"Items": [3, 4]},
            {"Items": [5]},
        ]

    def test_by_size_an_item_too_big_for_any_batch_still_gets_one(self) -> None:
        big = "x" * 20
        # each number is 1 byte of JSON, the string 22
        assert batch_items([1, 2, big, 3], None, 3, MISSING) == [
            {"Items": [1, 2]},
            {"Items": [big]},
            {"Items": [3]},
        ]

    def test_the_batch_input_goes_with_every_batch(self) -> None:
        assert batch_items(["a", "b", "c"], 2, None, {"run": 7}) == [
            {"BatchInput": {"run": 7}, "Items": ["a", "b"]},
            {"BatchInput": {"run": 7}, "Items": ["c"]},
        ]

    def test_no_items_make_no_batches(self) -> None:
        assert batch_items([], 2, 100, MISSING) == []


class TestWriteResults:
    ARN = "arn:aws:states:us-east-1:123456789012:mapRun:Writer/Each:4f2c"

    def writer_run(self, handler: Any) -> tuple[Run, Any]:
        put = "arn:aws:states:::s3:putObject"
        sm = _distributed_map(ResultWriter={"Resource": put, "Parameters": {"Bucket": "out", "Prefix": "p/"}})
        setup = RunSetup(
            sm.machine, HandlerRegistry({put: handler}), "Writer", "us-east-1", "123456789012", "r"
        )
        return Run(setup, {}, execution_name="x", start_time=0.0), sm.machine.states["Each"]

    def test_the_writer_gets_the_results_and_the_map_gets_the_manifest_location(self) -> None:
        written: list[Any] = []
        run, state = self.writer_run(written.append)
        succeeded = [{"Input": "1", "Output": "2", "Status": "SUCCEEDED"}]
        failed = [{"Input": "3", "Error": "E", "Cause": "c", "Status": "FAILED"}]
        summary = write_results(run, state, {"Bucket": "out", "Prefix": "p/"}, self.ARN, succeeded, failed)
        assert summary == {
            "MapRunArn": self.ARN,
            "ResultWriterDetails": {"Bucket": "out", "Key": "p/4f2c/manifest.json"},
        }
        assert written == [
            {"Bucket": "out", "Prefix": "p/", "MapRunArn": self.ARN, "Succeeded": succeeded, "Failed": failed}
        ]

    def test_a_failing_writer_fails_with_result_writer_failed(self) -> None:
        def broken(event: Any) -> Any:
            raise PermissionError("denied")

        run, state = self.writer_run(broken)
        with pytest.raises(StatesError) as info:
            write_results(run, state, {"Bucket": "out"}, self.ARN, [], [])
        assert (info.value.error, info.value.cause) == (
            "States.ResultWriterFailed",
            "PermissionError: denied",
        )
