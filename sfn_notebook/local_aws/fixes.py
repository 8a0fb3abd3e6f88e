"""Where moto's answers differ from AWS's, the store corrects them on the wire.

Each correction works on the HTTP request and response, so every client of the store (the engine's,
the user's, :func:`~sfn_notebook.local_aws.patch`-ed ones) sees AWS's behaviour:

* DynamoDB returns ``ConsumedCapacity`` only when the request asked for it (``ReturnConsumedCapacity``);
* S3 encrypts every object (SSE-S3, ``ServerSideEncryption: AES256``), reports the ``ChecksumType`` of a
  checksum it stored, and returns checksums from GetObject/HeadObject only with ``ChecksumMode: ENABLED``;
* EventBridge refuses an entry whose ``Detail`` is not a JSON object (``MalformedDetail``) or that lacks
  ``Source`` or ``DetailType`` (``InvalidArgument``), per entry, and delivers only the others;
* SNS refuses a FIFO publish without ``MessageGroupId`` (``InvalidParameter``) and says "Topic does not
  exist" for a missing topic;
* Secrets Manager refuses a name with characters outside ``A-Za-z0-9/_+=.@!-``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import zlib
from typing import Any
from urllib.parse import parse_qs

__all__ = ["before", "after", "delivered_events"]

Answer = tuple[int, dict[str, str], bytes]


def before(service: str, operation: str, request: Any) -> Answer | None:
    """Answer a request that AWS refuses before moto sees it, or adjust it; None lets moto answer."""
    if service == "eventbridge" and operation == "PutEvents":
        return _put_events_before(request)
    if service == "sns" and operation == "Publish":
        return _sns_publish_before(request)
    if service == "secrets-manager" and operation == "CreateSecret":
        return _secret_name_before(request)
    return None


def after(
    service: str, operation: str, request: Any, status: int, headers: dict[str, str], body: Any
) -> Answer:
    """Correct moto's answer to ``request``."""
    raw = original = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    if service == "dynamodb" and status == 200:
        raw = _without_unasked_capacity(request, headers, raw)
    elif service == "s3" and status < 300:
        _s3_headers(operation, request, headers)
    elif service == "eventbridge" and operation == "PutEvents" and status == 200:
        raw = _put_events_merge(request, headers, raw)
    elif service == "sns" and operation == "Publish" and status == 404:
        raw = raw.replace(b"Endpoint does not exist", b"Topic does not exist")
    elif service == "sns" and operation == "Publish" and status == 200:
        raw = _with_sequence_number(request, raw)
    if raw != original:
        for key in [key for key in headers if key.lower() == "content-length"]:
            headers[key] = str(len(raw))
    return status, headers, raw


def _json_body(request: Any) -> Any:
    body = request.body
    if body is None:
        return {}
    try:
        return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except ValueError:
        return {}


def _set_json_body(request: Any, value: Any) -> None:
    data = json.dumps(value).encode("utf-8")
    request.body = data
    request.headers["Content-Length"] = str(len(data))


def json_error(code: str, message: str, status: int = 400) -> Answer:
    """An error answer of a JSON-protocol service."""
    body = json.dumps({"__type": code, "message": message}).encode("utf-8")
    return status, {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.1"}, body


def query_error(code: str, message: str, status: int = 400) -> Answer:
    """An error answer of a query-protocol (XML) service."""
    body = (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml"}, body


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ----------------------------------------------------------------------------- DynamoDB


def _without_unasked_capacity(request: Any, headers: dict[str, str], raw: bytes) -> bytes:
    asked = _json_body(request).get("ReturnConsumedCapacity", "NONE")
    if asked not in (None, "NONE") or b"ConsumedCapacity" not in raw:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(value, dict) or value.pop("ConsumedCapacity", None) is None:
        return raw
    fixed = json.dumps(value, separators=(",", ":")).encode("utf-8")
    for key in list(headers):
        if key.lower() == "x-amz-crc32":
            headers[key] = str(zlib.crc32(fixed) & 0xFFFFFFFF)
    return fixed


# ----------------------------------------------------------------------------- S3

_SSE_OPERATIONS = {"PutObject", "GetObject", "HeadObject", "CopyObject", "CompleteMultipartUpload"}


def _s3_headers(operation: str, request: Any, headers: dict[str, str]) -> None:
    lower = {key.lower(): key for key in headers}
    if operation in _SSE_OPERATIONS and "x-amz-server-side-encryption" not in lower:
        headers["x-amz-server-side-encryption"] = "AES256"
    checksums = [
        key
        for low, key in lower.items()
        if low.startswith("x-amz-checksum-") and low != "x-amz-checksum-type"
    ]
    if operation in ("GetObject", "HeadObject"):
        mode = next((v for k, v in request.headers.items() if k.lower() == "x-amz-checksum-mode"), None)
        if mode != "ENABLED":
            for key in checksums:
                headers.pop(key, None)
            headers.pop(lower.get("x-amz-checksum-type", "x-amz-checksum-type"), None)
    elif operation == "PutObject" and checksums and "x-amz-checksum-type" not in lower:
        headers["x-amz-checksum-type"] = "FULL_OBJECT"


# ----------------------------------------------------------------------------- EventBridge


def entry_problem(entry: Any) -> tuple[str, str] | None:
    """Why EventBridge refuses one PutEvents entry: ``(ErrorCode, ErrorMessage)``, or None."""
    if not isinstance(entry, dict):
        return "InvalidArgument", "Entry is not valid."
    for field in ("Source", "DetailType"):
        if not isinstance(entry.get(field), str) or entry[field] == "":
            return (
                "InvalidArgument",
                f"Parameter {field} is not valid. Reason: {field} is a required argument.",
            )
    detail = entry.get("Detail")
    if detail is None:
        return "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
    try:
        parsed = json.loads(detail) if isinstance(detail, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return "MalformedDetail", "Detail is malformed."
    return None


def _put_events_before(request: Any) -> Answer | None:
    value = _json_body(request)
    entries = value.get("Entries") if isinstance(value, dict) else None
    if not isinstance(entries, list):
        return None
    problems = [entry_problem(entry) for entry in entries]
    if not any(problems):
        return None
    request.refused = problems  # the answer merges these back in entry order
    valid = [entry for entry, problem in zip(entries, problems) if problem is None]
    if not valid:
        failed = [{"ErrorCode": p[0], "ErrorMessage": p[1]} for p in problems if p is not None]
        body = json.dumps({"FailedEntryCount": len(failed), "Entries": failed}).encode("utf-8")
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, body
    _set_json_body(request, {**value, "Entries": valid})
    return None


def _put_events_merge(request: Any, headers: dict[str, str], raw: bytes) -> bytes:
    problems = getattr(request, "refused", None)
    if not problems:
        return raw
    answer = json.loads(raw)
    delivered = iter(answer.get("Entries", []))
    merged = [
        next(delivered, {}) if problem is None else {"ErrorCode": problem[0], "ErrorMessage": problem[1]}
        for problem in problems
    ]
    failed = sum(1 for entry in merged if "ErrorCode" in entry)
    return json.dumps({"FailedEntryCount": failed, "Entries": merged}).encode("utf-8")


def delivered_events(request: Any, body: Any, now: float | None = None) -> list[dict[str, Any]]:
    """The events a PutEvents request delivered: each entry that got an EventId, as EventBridge saw it
    (``now``: the time it arrived, when the entry gives none; the wall clock by default)."""
    sent = _json_body(request).get("Entries") or []
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    try:
        answers = json.loads(raw).get("Entries") or []
    except (ValueError, AttributeError):
        return []
    valid = [entry for entry in sent if isinstance(entry, dict)]
    events = []
    for entry, answer in zip(valid, [a for a in answers if "EventId" in a]):
        try:
            detail = json.loads(entry.get("Detail", "null"))
        except ValueError:
            detail = entry.get("Detail")
        events.append(
            {
                "EventId": answer["EventId"],
                "EventBusName": entry.get("EventBusName", "default"),
                "Source": entry.get("Source"),
                "DetailType": entry.get("DetailType"),
                "Detail": detail,
                "Resources": list(entry.get("Resources") or []),
                "Time": entry.get("Time", time.time() if now is None else now),
            }
        )
    return events


# ----------------------------------------------------------------------------- SNS, Secrets Manager


def _sns_publish_before(request: Any) -> Answer | None:
    body = request.body.decode("utf-8") if isinstance(request.body, bytes) else (request.body or "")
    form = parse_qs(body)
    topic = (form.get("TopicArn") or [""])[0]
    if topic.endswith(".fifo") and not form.get("MessageGroupId"):
        return query_error(
            "InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
        )
    return None


_sequence: dict[str, int] = {}  # topic ARN -> sequence numbers given out on a FIFO topic


def reset() -> None:
    """Forget what the corrections keep (with the store)."""
    _sequence.clear()


def _with_sequence_number(request: Any, raw: bytes) -> bytes:
    """A FIFO topic numbers each message it accepts (moto leaves ``SequenceNumber`` out)."""
    body = request.body.decode("utf-8") if isinstance(request.body, bytes) else (request.body or "")
    topic = (parse_qs(body).get("TopicArn") or [""])[0]
    if not topic.endswith(".fifo") or b"<SequenceNumber>" in raw:
        return raw
    count = _sequence[topic] = _sequence.get(topic, 0) + 1
    number = f"{10000000000000000000 + count * 1000:020d}"
    return raw.replace(b"</MessageId>", f"</MessageId><SequenceNumber>{number}</SequenceNumber>".encode(), 1)


_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@!-]+\Z")


def _secret_name_before(request: Any) -> Answer | None:
    name = _json_body(request).get("Name")
    if isinstance(name, str) and not _SECRET_NAME.match(name):
        return json_error(
            "ValidationException",
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        )
    return None
