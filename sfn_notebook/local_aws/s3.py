"""A Distributed Map's ItemReader and ResultWriter on the store's S3, when no handler serves them.

The reader gets an object's content (``s3:getObject``) or a bucket's listing (``s3:listObjectsV2``);
the writer stores the Map Run's results as AWS does: ``<Prefix>/<map run id>/SUCCEEDED_0.json``
and ``FAILED_0.json`` (the child executions' records) and a ``manifest.json`` naming them.
A failure of S3 (no such bucket or key) is the Map Run's ``States.ItemReaderFailed`` /
``States.ResultWriterFailed``, its cause S3's message.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import StatesError

__all__ = ["read_object", "list_objects", "write_results"]


def _call(run: Any, error: str, operation: str, **request: Any) -> Any:
    from botocore.exceptions import ClientError, ParamValidationError

    from . import store

    client = store.client("s3")
    try:
        with store.served(run.rng.getrandbits(64), run.now):
            return getattr(client, operation)(**request)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "S3Exception"), err.get("Message", str(exc))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        raise StatesError(
            error, f"{message} (Service: S3, Status Code: {status}, Error Code: {code})"
        ) from None
    except ParamValidationError as exc:
        raise StatesError(error, str(exc).replace("\n", " ")) from None


def read_object(run: Any, params: Any) -> str:
    """The text of the object ``params`` names (``Bucket``, ``Key``, optional ``VersionId``)."""
    request = _request(params, ("Bucket", "Key", "VersionId"))
    body = _call(run, "States.ItemReaderFailed", "get_object", **request)["Body"].read()
    return body.decode("utf-8", errors="replace")  # type: ignore[no-any-return]


def list_objects(run: Any, params: Any) -> list[dict[str, Any]]:
    """Every object of the bucket under ``Prefix``, as listObjectsV2 lists them (all pages)."""
    from .sdk import iso_instant

    request = _request(params, ("Bucket", "Prefix", "Delimiter", "StartAfter"))
    objects: list[dict[str, Any]] = []
    while True:
        page = _call(run, "States.ItemReaderFailed", "list_objects_v2", **request)
        for entry in page.get("Contents", []):
            objects.append(
                {
                    "Etag": entry.get("ETag"),
                    "Key": entry.get("Key"),
                    "LastModified": iso_instant(entry["LastModified"]) if "LastModified" in entry else None,
                    "Size": entry.get("Size"),
                    "StorageClass": entry.get("StorageClass", "STANDARD"),
                }
            )
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or token is None:
            return objects
        request["ContinuationToken"] = token


def write_results(
    run: Any, bucket: Any, prefix: str, map_run_arn: str, succeeded: list[Any], failed: list[Any]
) -> str:
    """Store the Map Run's results and manifest under ``<prefix>/<map run id>/``; returns the manifest's key."""
    if not isinstance(bucket, str):
        raise StatesError("States.ResultWriterFailed", "The ResultWriter's Parameters must name a Bucket")
    folder = f"{prefix.rstrip('/') + '/' if prefix else ''}{map_run_arn.rsplit(':', 1)[-1]}/"
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for kind, records in (("SUCCEEDED", succeeded), ("FAILED", failed)):
        if not records:
            continue
        key = f"{folder}{kind}_0.json"
        body = json.dumps(records, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        _call(run, "States.ResultWriterFailed", "put_object", Bucket=bucket, Key=key, Body=body)
        files[kind].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
    key = f"{folder}manifest.json"
    body = json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    _call(run, "States.ResultWriterFailed", "put_object", Bucket=bucket, Key=key, Body=body)
    return key


def _request(params: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(params, dict):
        return {}
    return {name: params[name] for name in names if params.get(name) is not None}
