"""Distributed Map's ItemReader, ItemBatcher and ResultWriter, served by local handlers.

On AWS a Distributed Map reads its items from S3 (``arn:aws:states:::s3:getObject`` or
``s3:listObjectsV2``), may group them into batches, and may write the child executions' results
back to S3.  Locally the reader and the writer are Python handlers registered under their
``Resource`` like any Task resource:

* the reader handler receives the evaluated ``Parameters`` (``Bucket``, ``Key``, ...) and returns
  the object's content — JSON/CSV/JSON Lines text, bytes, or already-parsed items — or, for
  ``listObjectsV2``, the list of objects (or ``{"Contents": [...]}``);
* the writer handler receives ``{"Bucket", "Prefix", "MapRunArn", "Succeeded", "Failed"}`` and
  returns nothing in particular; the Map's result is then AWS's ``{"MapRunArn", "ResultWriterDetails"}``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from .._json import MISSING, dumps, utf8_size
from ..errors import StatesError
from .resources import call_handler

__all__ = ["read_items", "batch_items", "write_results"]

_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def _handler(run: Any, state: Any, resource: str) -> Callable[..., Any] | None:
    base = resource.rsplit(".", 1)[0] if resource.endswith((".sync", ".waitForTaskToken")) else resource
    return run.handlers.for_state(state.name, (resource, base))  # type: ignore[no-any-return]


def _local_s3(run: Any, resource: str, actions: tuple[str, ...]) -> bool:
    """Whether the local AWS's S3 serves this reader/writer (no handler does, and it is on)."""
    if not getattr(run.setup, "local_aws", True):
        return False
    return resource.startswith("arn:aws:states:::s3:") and resource.rsplit(":", 1)[-1] in actions


def read_items(run: Any, state: Any, params: Any, limit: int | None) -> list[Any]:
    """The items a Distributed Map's ItemReader produces.

    ``params``: the reader's evaluated Parameters; ``limit``: its MaxItems (None or 0: all of them).
    """
    reader = state.item_reader
    resource = reader.get("Resource", "")
    handler = _handler(run, state, resource)
    if handler is None and _local_s3(run, resource, ("getObject", "listObjectsV2")):
        from ..local_aws import s3

        if resource.endswith("listObjectsV2"):
            content: Any = s3.list_objects(run, params)
        else:
            content = s3.read_object(run, params)
        items = _parse_content(content, resource, reader_config(state))
        return items[:limit] if limit else items
    if handler is None:
        raise StatesError(
            "States.ItemReaderFailed",
            f"No handler is registered for the ItemReader resource '{resource}' of state '{state.name}'. "
            f"Register one with @sfn.task({resource!r}): it receives the reader's Parameters and returns "
            "the object's content (JSON, CSV or JSON Lines text) or the list of items.",
        )
    try:
        content = call_handler(handler, json.loads(dumps(params)), None)
    except StatesError:
        raise
    except Exception as exc:
        raise StatesError("States.ItemReaderFailed", f"{type(exc).__name__}: {exc}") from None
    items = _parse_content(content, resource, reader_config(state))
    return items[:limit] if limit else items


def reader_config(state: Any) -> dict[str, Any]:
    config = state.item_reader.get("ReaderConfig", {})
    return config if isinstance(config, dict) else {}


def _parse_content(content: Any, resource: str, config: dict[str, Any]) -> list[Any]:
    if resource.endswith("listObjectsV2"):
        if isinstance(content, dict):
            content = content.get("Contents", [])
        if not isinstance(content, list):
            raise StatesError("States.ItemReaderFailed", "listObjectsV2 must return a list of objects")
        return content
    if isinstance(content, (bytes, bytearray)):
        content = content.decode("utf-8")
    input_type = config.get("InputType", "JSON")
    if isinstance(content, list):
        return content
    if not isinstance(content, str):
        raise StatesError(
            "States.ItemReaderFailed",
            f"the ItemReader handler returned {type(content).__name__}; return the object's text or a list",
        )
    try:
        if input_type == "JSON":
            items = json.loads(content)
            if not isinstance(items, list):
                raise StatesError("States.ItemReaderFailed", "Attempting to map over non-iterable node.")
            return items
        if input_type == "JSONL":
            return [json.loads(line) for line in content.splitlines() if line.strip()]
        if input_type == "CSV":
            return _read_csv(content, config)
    except ValueError as exc:
        raise StatesError(
            "States.ItemReaderFailed", f"the {input_type} content could not be read: {exc}"
        ) from None
    raise StatesError("States.ItemReaderFailed", f"InputType {input_type!r} is not supported locally")


def _read_csv(text: str, config: dict[str, Any]) -> list[dict[str, str]]:
    delimiter = _DELIMITERS.get(config.get("CSVDelimiter", "COMMA"), ",")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
        headers = config.get("CSVHeaders", [])
    else:
        headers, rows = (rows[0], rows[1:]) if rows else ([], [])
    if len(set(headers)) != len(headers):
        raise StatesError("States.ItemReaderFailed", "CSV headers cannot contain duplicates.")
    # a short row has empty strings for its missing columns; extra fields are dropped
    return [{h: row[i] if i < len(row) else "" for i, h in enumerate(headers)} for row in rows if row]


def batch_items(
    items: list[Any], max_items: int | None, max_bytes: int | None, batch_input: Any
) -> list[Any]:
    """Group items as ItemBatcher says: ``{"BatchInput": ..., "Items": [...]}`` per child execution."""
    batches: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = utf8_size(dumps(item))
        full = max_items is not None and len(current) >= max_items
        too_big = max_bytes is not None and current and size + item_size > max_bytes
        if full or too_big:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    out = []
    for batch in batches:
        entry: dict[str, Any] = {"Items": batch}
        if batch_input is not MISSING:
            entry = {"BatchInput": batch_input, "Items": batch}
        out.append(entry)
    return out


def write_results(
    run: Any,
    state: Any,
    params: Any,
    map_run_arn: str,
    succeeded: list[Any],
    failed: list[Any],
) -> dict[str, Any]:
    """Hand the results to the ResultWriter's handler; the Map's result becomes AWS's summary."""
    writer = state.result_writer
    resource = writer.get("Resource", "")
    handler = _handler(run, state, resource)
    bucket = params.get("Bucket") if isinstance(params, dict) else None
    prefix = params.get("Prefix", "") if isinstance(params, dict) else ""
    if handler is None and _local_s3(run, resource, ("putObject",)):
        from ..local_aws import s3

        key = s3.write_results(run, bucket, prefix, map_run_arn, succeeded, failed)
        return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}
    if handler is None:
        raise StatesError(
            "States.ResultWriterFailed",
            f"No handler is registered for the ResultWriter resource '{resource}' of state '{state.name}'. "
            f"Register one with @sfn.task({resource!r}).",
        )
    run_id = map_run_arn.rsplit(":", 1)[-1]
    key = f"{prefix.rstrip('/') + '/' if prefix else ''}{run_id}/manifest.json"
    event = {
        "Bucket": bucket,
        "Prefix": prefix,
        "MapRunArn": map_run_arn,
        "Succeeded": succeeded,
        "Failed": failed,
    }
    try:
        call_handler(handler, json.loads(dumps(event)), None)
    except StatesError:
        raise
    except Exception as exc:
        raise StatesError("States.ResultWriterFailed", f"{type(exc).__name__}: {exc}") from None
    return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}
