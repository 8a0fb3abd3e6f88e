"""``arn:aws:states:::aws-sdk:<service>:<action>``: one mapping over botocore's service models.

Step Functions calls the SDK for Java 2.x with the Task's parameters: PascalCase member names
(``StateMachineArn`` where botocore says ``stateMachineArn``), matched case-insensitively here. A value
that is not a string given to a string or blob member is sent as compact JSON text (``Body: {"a": 1}``
puts ``{"a":1}``; a streamed payload such as S3's ``Body`` is always the value's JSON text, so the
string ``"text"`` is stored with its quotes, as AWS does); JSON null is an absent member. The result is the response without its metadata,
member names PascalCase, timestamps as ISO-8601 text, blobs as base64 text, and S3's streamed ``Body``
as text.

A request AWS would refuse for a missing or malformed member is refused here with AWS's validation
message (``1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must
not be null``), before moto sees it.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from functools import cache
from typing import Any

from .naming import boto_service, service_model

__all__ = ["resolve", "to_request", "validation_error", "to_result", "iso_instant"]


def resolve(sdk_service: str, action: str) -> tuple[str, Any] | None:
    """``(boto3 service, botocore OperationModel)`` of ``aws-sdk:<sdk_service>:<action>``, or None."""
    service = boto_service(sdk_service)
    if service is None:
        return None
    name = _operations(service).get(action.lower())
    if name is None:
        return None
    return service, service_model(service).operation_model(name)


@cache
def _operations(service: str) -> dict[str, str]:
    return {name.lower(): name for name in service_model(service).operation_names}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def to_request(shape: Any, value: Any) -> Any:
    """A Task's parameters (JSON values) → botocore's parameters for ``shape`` (an input shape)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            if item is None:
                continue  # JSON null: the member is absent, as the Java SDK sends it
            name = members.get(key.lower(), key)
            member = shape.members.get(name)
            out[name] = item if member is None else to_request(member, item)
        return out
    if kind == "list":
        return [to_request(shape.member, item) for item in value] if isinstance(value, list) else value
    if kind == "map":
        if not isinstance(value, dict):
            return value
        return {key: to_request(shape.value, item) for key, item in value.items() if item is not None}
    if kind == "string":
        return value if isinstance(value, str) else _compact(value)
    if kind == "blob":
        if shape.serialization.get(
            "streaming"
        ):  # a payload (S3's Body): the value's JSON text, even a string's
            return _compact(value).encode("utf-8")
        if isinstance(value, str):  # other binary members arrive base64-encoded, as they leave
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                return value.encode("utf-8")
        return _compact(value).encode("utf-8")
    if kind in ("integer", "long") and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return value


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def validation_error(operation: Any, request: dict[str, Any]) -> str | None:
    """AWS's message for a request its service refuses on validation (missing required, length, pattern)."""
    shape = operation.input_shape
    if shape is None:
        return None
    problems = []
    for name, member in shape.members.items():
        if member.serialization.get("location") in ("uri", "querystring", "header", "headers"):
            where = name  # REST members are checked by the SDK, named as in the model
        else:
            where = _lower_camel(name)
        value = request.get(name)
        if member.name.endswith("Arn") and isinstance(value, str) and not value.startswith("arn:"):
            # a member that takes a name or an ARN checks a name against the name's own shape
            named = member.name[: -len("Arn")] + "Name"
            if named in operation.service_model.shape_names:
                member = operation.service_model.shape_for(named)
        if value is None:
            if name in shape.required_members:
                problems.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
            continue
        if member.type_name != "string" or not isinstance(value, str):
            continue
        pattern = member.metadata.get("pattern")
        if isinstance(pattern, str) and not _matches(pattern, value):
            problems.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy regular "
                f"expression pattern: {pattern}"
            )
        low, high = member.metadata.get("min"), member.metadata.get("max")
        if isinstance(low, int) and len(value) < low:
            problems.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: Member must have length "
                f"greater than or equal to {low}"
            )
        if isinstance(high, int) and len(value) > high:
            problems.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: Member must have length "
                f"less than or equal to {high}"
            )
    if not problems:
        return None
    count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
    return count + "; ".join(problems)


def missing_required(operation: Any, request: dict[str, Any]) -> str | None:
    """The first required top-level member the request lacks, by its model name."""
    shape = operation.input_shape
    if shape is None:
        return None
    return next((name for name in shape.required_members if request.get(name) is None), None)


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value, re.DOTALL) is not None
    except re.error:  # a Java-only construct: leave the check to the service
        return True


def iso_instant(value: datetime.datetime) -> str:
    """A timestamp as the Java SDK prints an ``Instant``: ``2024-05-01T12:00:00Z`` (fractions when present)."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        millis, micros = divmod(value.microsecond, 1000)
        text += f".{value.microsecond:06d}" if micros else f".{millis:03d}"
    return text + "Z"


def to_result(shape: Any, value: Any, *, text_body: bool = False) -> Any:
    """botocore's parsed response for ``shape`` → the JSON value Step Functions returns."""
    if shape is None:
        return {}
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name == "ResponseMetadata":
                continue
            member = shape.members.get(name)
            key = name[:1].upper() + name[1:]
            out[key] = _plain(item) if member is None else to_result(member, item, text_body=text_body)
        return out
    if kind == "list" and isinstance(value, list):
        return [to_result(shape.member, item, text_body=text_body) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: to_result(shape.value, item, text_body=text_body) for key, item in value.items()}
    return _plain(value, text_body=text_body)


def _plain(value: Any, *, text_body: bool = False) -> Any:
    if hasattr(value, "read"):  # a streamed body: S3's Body is returned as text
        value = value.read()
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (bytes, bytearray)):
        return (
            bytes(value).decode("utf-8", errors="replace") if text_body else base64.b64encode(value).decode()
        )
    if isinstance(value, datetime.datetime):
        return iso_instant(value)
    if isinstance(value, dict):
        return {key: _plain(item, text_body=text_body) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, text_body=text_body) for item in value]
    return value
