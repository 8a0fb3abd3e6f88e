"""Step Functions' service integrations served from the store, with AWS's result shapes and errors.

* Optimised integrations: ``dynamodb:getItem/putItem/updateItem/deleteItem`` (the typed response plus
  the ``SdkHttpMetadata``/``SdkResponseMetadata`` the SDK for Java 1.x adds), ``sqs:sendMessage`` and
  ``sns:publish`` (a message that is not a string is sent as its JSON text), ``events:putEvents``
  (``Detail`` sent as JSON text, the state machine's and execution's ARNs added to ``Resources``, a
  refused entry fails the task with ``EventBridge.FailedEntry``).
* ``aws-sdk:<service>:<action>`` for every service and operation moto implements (:mod:`.sdk`).

A failure raises :class:`~sfn_notebook.errors.TaskFailed` with AWS's error name and cause.
"""

from __future__ import annotations

import json
import uuid
import zlib
from datetime import datetime, timezone
from typing import Any

from ..errors import TaskFailed
from . import callbacks, naming, sdk, store

__all__ = ["TaskCall", "serve"]


class TaskCall:
    """One Task's call on the store: the run's names, clock and randomness."""

    def __init__(self, run: Any, state_name: str, info: Any, token: Any = None) -> None:
        self.run = run
        self.state_name = state_name
        self.info = info
        self.token = token  # the Task's token (.waitForTaskToken, states:startExecution.sync)
        self.action = info.resource_name[: -len(info.pattern)] if info.pattern else info.resource_name

    def request_id(self) -> str:
        return str(uuid.UUID(int=self.run.rng.getrandbits(128), version=4))

    def date(self) -> str:
        return datetime.fromtimestamp(self.run.now, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")

    def call(self, service: str, operation: Any, request: dict[str, Any]) -> dict[str, Any]:
        """Make one API call on the store for this run; a service error fails the task."""
        from botocore.exceptions import ClientError, ParamValidationError

        from . import sfn

        method = getattr(store.client(service), _snake(operation.name))
        try:
            with store.served(self.run.rng.getrandbits(64), self.run.now):
                if service != "stepfunctions":
                    return method(**request)  # type: ignore[no-any-return]
                with sfn.calling(self.run, self.token, self.info.pattern):
                    return method(**request)  # type: ignore[no-any-return]
        except ClientError as exc:
            parts = naming.client_error_parts(exc)
            assert parts is not None
            code, message, status, _, extended = parts
            self.fail(code, message, status, extended=extended)
        except ParamValidationError as exc:
            self.fail("ValidationException", str(exc).replace("\n", " "), 400)
        except NotImplementedError as exc:
            raise Unserved(f"moto does not implement {operation.name} ({exc})") from None
        raise AssertionError("unreachable")

    def fail(self, code: str, message: str, status: int = 400, *, extended: str | None = None) -> None:
        rtype = self.info.resource_type
        if extended is None and rtype == "aws-sdk:s3":
            extended = self.request_id().replace("-", "")
        raise TaskFailed(
            naming.error_name(rtype, code),
            naming.error_cause(rtype, code, message, status, self.request_id(), extended),
        )


class Unserved(Exception):
    """The store cannot answer this call (moto lacks the operation)."""


def _snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)  # type: ignore[no-any-return]


def serve(call: TaskCall, params: Any) -> Any:
    """The result of the Task's call, or TaskFailed with AWS's error."""
    rtype = call.info.resource_type
    if not isinstance(params, dict):
        params = {}
    if rtype.startswith("aws-sdk:"):
        return _sdk_call(call, rtype.split(":", 1)[1], params)
    served = _OPTIMISED[(rtype, call.action)]
    result = served(call, params)
    token = call.token
    if token is not None and token.sent_to is None and call.info.waits_for_token:
        # where the token went, for ex.waiting_for
        if rtype == "sqs":
            callbacks.delivered(token, f"the SQS queue {params.get('QueueUrl')}", call.run)
        elif rtype == "sns":
            where = params.get("TopicArn") or params.get("TargetArn") or params.get("PhoneNumber")
            callbacks.delivered(token, f"the SNS topic {where}", call.run)
        elif rtype == "states":
            callbacks.delivered(token, f"the execution {result.get('ExecutionArn')}", call.run)
        else:
            callbacks.delivered(token, f"{rtype}:{call.action}", call.run)
    return result


# ----------------------------------------------------------------------------- aws-sdk


def _sdk_call(call: TaskCall, sdk_service: str, params: dict[str, Any]) -> Any:
    resolved = sdk.resolve(sdk_service, call.action)
    if resolved is None:
        raise Unserved(f"botocore knows no operation {call.action!r} of {sdk_service!r}")
    service, operation = resolved
    request = sdk.to_request(operation.input_shape, params) if operation.input_shape is not None else {}
    problem = sdk.validation_error(operation, request)
    if problem is not None:
        call.fail("ValidationException", problem)
    response = call.call(service, operation, request)
    return sdk.to_result(operation.output_shape, response, text_body=service == "s3")


# ----------------------------------------------------------------------------- optimised integrations


def _metadata(call: TaskCall, body_length: int, headers: dict[str, str]) -> dict[str, Any]:
    """The ``SdkHttpMetadata`` and ``SdkResponseMetadata`` the SDK for Java 1.x adds to a result."""
    request_id = call.request_id()
    all_headers: dict[str, Any] = {}
    plain: dict[str, str] = {}
    for name, value in headers.items():
        if value == "<request-id>":
            value = request_id
        elif value == "<date>":
            value = call.date()
        elif value == "<length>":
            value = str(body_length)
        all_headers[name] = [value]
        plain[name] = value
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": all_headers,
            "HttpHeaders": dict(sorted(plain.items(), key=lambda kv: kv[0].lower())),
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _dynamodb(operation_name: str) -> Any:
    def serve_dynamodb(call: TaskCall, params: dict[str, Any]) -> Any:
        operation = naming.service_model("dynamodb").operation_model(operation_name)
        request = sdk.to_request(operation.input_shape, params)
        problem = sdk.validation_error(operation, request)
        if problem is not None:
            call.fail("ValidationException", problem)
        response = call.call("dynamodb", operation, request)
        result = {key: value for key, value in response.items() if key != "ResponseMetadata"}
        body = json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        # GetItem's answers spell the request-id header in lower case
        rid = "x-amzn-requestid" if operation_name == "GetItem" else "x-amzn-RequestId"
        headers = {
            "Server": "Server",
            "Connection": "keep-alive",
            rid: "<request-id>",
            "x-amz-crc32": str(zlib.crc32(body) & 0xFFFFFFFF),
            "Content-Length": "<length>",
            "Date": "<date>",
            "Content-Type": "application/x-amz-json-1.0",
        }
        return {**sdk.to_result(operation.output_shape, result), **_metadata(call, len(body), headers)}

    return serve_dynamodb


def _text(value: Any) -> Any:
    """A message body: a string as it is, anything else as its JSON text."""
    return value if isinstance(value, str) or value is None else json.dumps(value, separators=(",", ":"))


def _sqs_send_message(call: TaskCall, params: dict[str, Any]) -> Any:
    operation = naming.service_model("sqs").operation_model("SendMessage")
    request = sdk.to_request(
        operation.input_shape, {**params, "MessageBody": _text(params.get("MessageBody"))}
    )
    missing = sdk.missing_required(operation, request)
    if missing is not None:
        call.fail("MissingParameter", f"The request must contain the parameter {missing}.")
    response = call.call("sqs", operation, request)
    result = sdk.to_result(operation.output_shape, response)
    body = json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    headers = {
        "x-amzn-RequestId": "<request-id>",
        "connection": "keep-alive",
        "Content-Length": "<length>",
        "Date": "<date>",
        "Content-Type": "application/x-amz-json-1.0",
    }
    return {**result, **_metadata(call, len(body), headers)}


def _sns_publish(call: TaskCall, params: dict[str, Any]) -> Any:
    operation = naming.service_model("sns").operation_model("Publish")
    request = sdk.to_request(operation.input_shape, {**params, "Message": _text(params.get("Message"))})
    missing = sdk.missing_required(operation, request)
    if missing is not None:
        call.fail(
            "ValidationError",
            f"1 validation error detected: Value null at '{missing[:1].lower() + missing[1:]}' failed to satisfy constraint: Member must not be null",
        )
    response = call.call("sns", operation, request)
    result = sdk.to_result(operation.output_shape, response)
    headers = {
        "x-amzn-RequestId": "<request-id>",
        "connection": "keep-alive",
        "Content-Length": "<length>",
        "Date": "<date>",
        "Content-Type": "text/xml",
    }
    length = len(_sns_publish_xml(result, "0" * 36).encode("utf-8"))
    return {**result, **_metadata(call, length, headers)}


def _sns_publish_xml(result: dict[str, Any], request_id: str) -> str:
    """SNS's XML answer to Publish, whose length the result's ``Content-Length`` reports."""
    sequence = result.get("SequenceNumber")
    sequence_line = f"    <SequenceNumber>{sequence}</SequenceNumber>\n" if sequence is not None else ""
    return (
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n'
        "  <PublishResult>\n"
        f"    <MessageId>{result.get('MessageId', '')}</MessageId>\n"
        f"{sequence_line}"
        "  </PublishResult>\n"
        "  <ResponseMetadata>\n"
        f"    <RequestId>{request_id}</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</PublishResponse>\n"
    )


def _events_put_events(call: TaskCall, params: dict[str, Any]) -> Any:
    operation = naming.service_model("events").operation_model("PutEvents")
    added = [call.run.state_machine_arn, call.run.execution_arn]
    entries = params.get("Entries")
    if isinstance(entries, list):
        entries = [
            {
                **entry,
                **({"Detail": _text(entry["Detail"])} if entry.get("Detail") is not None else {}),
                "Resources": [*(entry.get("Resources") or []), *added],
            }
            if isinstance(entry, dict)
            else entry
            for entry in entries
        ]
        params = {**params, "Entries": entries}
    request = sdk.to_request(operation.input_shape, params)
    problem = sdk.validation_error(operation, request)
    if problem is not None:
        call.fail("ValidationException", problem)
    response = call.call("events", operation, request)
    result = sdk.to_result(operation.output_shape, response)
    if result.get("FailedEntryCount", 0):
        raise TaskFailed("EventBridge.FailedEntry", json.dumps(result, separators=(",", ":")))
    return result


def _states_start_execution(call: TaskCall, params: dict[str, Any]) -> Any:
    """``states:startExecution`` (and its .sync, .sync:2, .waitForTaskToken forms): the engine runs
    the child (see :mod:`.sfn`); a non-string Input is sent as its JSON text."""
    operation = naming.service_model("stepfunctions").operation_model("StartExecution")
    params = {**params, "Input": _text(params.get("Input"))}
    request = sdk.to_request(operation.input_shape, params)
    missing = sdk.missing_required(operation, request)
    if missing is not None:
        call.fail(
            "ValidationException",
            f"1 validation error detected: Value null at '{missing}' failed to satisfy constraint: Member must not be null",
        )
    response = call.call("stepfunctions", operation, request)
    result = {
        "ExecutionArn": response["executionArn"],
        "StartDate": round(response["startDate"].timestamp() * 1000),
    }
    started = _java_double(response["startDate"].timestamp())
    body = f'{{"executionArn":{json.dumps(response["executionArn"])},"startDate":{started}}}'
    headers = {
        "x-amzn-RequestId": "<request-id>",
        "connection": "keep-alive",
        "Content-Length": "<length>",
        "Date": "<date>",
        "Content-Type": "application/x-amz-json-1.0",
    }
    return {**result, **_metadata(call, len(body.encode("utf-8")), headers)}


def _java_double(seconds: float) -> str:
    """Epoch seconds as AWS's JSON writes a date: ``1.700000000123E9``."""
    digits, _, fraction = repr(round(seconds, 3)).partition(".")
    mantissa = (digits + fraction).rstrip("0") or "0"
    exponent = len(digits) - 1
    return f"{mantissa[0]}.{mantissa[1:] or '0'}E{exponent}"


_OPTIMISED = {
    ("states", "startExecution"): _states_start_execution,
    ("dynamodb", "getItem"): _dynamodb("GetItem"),
    ("dynamodb", "putItem"): _dynamodb("PutItem"),
    ("dynamodb", "updateItem"): _dynamodb("UpdateItem"),
    ("dynamodb", "deleteItem"): _dynamodb("DeleteItem"),
    ("sqs", "sendMessage"): _sqs_send_message,
    ("sns", "publish"): _sns_publish,
    ("events", "putEvents"): _events_put_events,
}


def optimised(resource_type: str, action: str) -> bool:
    """Whether the store serves this optimised integration."""
    return (resource_type, action) in _OPTIMISED
