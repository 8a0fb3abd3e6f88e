"""Task resources: which Python handler serves a Task, and how AWS would describe the call.

A Task's ``Resource`` is one of

* a Lambda function ARN (``arn:aws:lambda:...:function:Name``): *LambdaFunction* events;
* an optimised or SDK service integration (``arn:aws:states:::lambda:invoke``,
  ``arn:aws:states:::dynamodb:putItem``, ``arn:aws:states:::aws-sdk:s3:getObject``): *Task* events;
* an activity (``arn:aws:states:...:activity:Name``): *Activity* events.

Handlers are plain Python callables ``handler(event, context)`` (or ``handler(event)``) registered
under a function name, an ARN, a resource string or a state name.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from .._json import dumps, loads_compact
from ..errors import StatesError, TaskFailed
from ..local_aws.naming import client_error_parts, error_cause, error_name

__all__ = [
    "Handler",
    "ResourceInfo",
    "parse_resource",
    "HandlerRegistry",
    "task",
    "clear_tasks",
    "lambda_error_cause",
    "invoke_response",
    "registered_handlers",
    "task_scope",
]

Handler = Callable[..., Any]

_LAMBDA_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]*):(?P<account>\d*):function:(?P<name>[^:]+)(?::(?P<qualifier>.+))?\Z"
)
_ACTIVITY_ARN = re.compile(r"arn:[\w-]+:states:[\w-]*:\d*:activity:(?P<name>.+)\Z")
_SERVICE = re.compile(
    r"arn:[\w-]+:states:[\w-]*:[\w-]*:(?P<service>[\w-]+(?::[\w-]+)?):(?P<action>[\w.:-]+)\Z"
)
_PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")


@dataclass(frozen=True)
class ResourceInfo:
    """How a Task's Resource is invoked and how AWS names it in history events."""

    resource: str
    kind: str  # "lambda" (function ARN), "service" (integration), "activity"
    resource_type: str = ""  # taskScheduled resourceType, e.g. "lambda", "dynamodb", "aws-sdk:s3"
    resource_name: str = ""  # taskScheduled resource, e.g. "invoke", "putItem", "invoke.waitForTaskToken"
    pattern: str = ""  # "", ".sync", ".sync:2", ".waitForTaskToken"
    function_name: str = ""  # for Lambda ARNs
    region: str = "us-east-1"

    @property
    def is_lambda_invoke(self) -> bool:
        return (
            self.kind == "service"
            and self.resource_type == "lambda"
            and self.resource_name.startswith("invoke")
        )

    @property
    def waits_for_token(self) -> bool:
        return self.pattern == ".waitForTaskToken"


_resource_cache: dict[tuple[str, str], ResourceInfo] = {}


def parse_resource(resource: str, default_region: str = "us-east-1") -> ResourceInfo:
    """Classify a Task's Resource string.

    >>> parse_resource("arn:aws:states:::lambda:invoke").resource_type
    'lambda'
    >>> parse_resource("arn:aws:lambda:us-east-1:123456789012:function:Hello").function_name
    'Hello'
    """
    cached = _resource_cache.get((resource, default_region))
    if cached is not None:
        return cached
    info: ResourceInfo
    match = _LAMBDA_ARN.match(resource)
    if match:
        info = ResourceInfo(
            resource, "lambda", function_name=match["name"], region=match["region"] or default_region
        )
    elif _ACTIVITY_ARN.match(resource):
        info = ResourceInfo(resource, "activity", function_name=_ACTIVITY_ARN.match(resource)["name"])  # type: ignore[index]
    else:
        smatch = _SERVICE.match(resource)
        if smatch:
            service, action = smatch["service"], smatch["action"]
            pattern = next((p for p in _PATTERNS if action.endswith(p)), "")
            region_match = re.match(r"arn:[\w-]+:states:([\w-]*):", resource)
            region = (region_match.group(1) if region_match else "") or default_region
            info = ResourceInfo(resource, "service", service, action, pattern, region=region)
        else:
            info = ResourceInfo(
                resource, "service", resource_type=resource.split(":")[0], resource_name=resource
            )
    _resource_cache[(resource, default_region)] = info
    return info


# ----------------------------------------------------------------------------- registry

_global_handlers: dict[str, Handler] = {}


def task(name: str, fn: Handler | None = None) -> Any:
    """Register a Python function as the stand-in for a Lambda function or other Task resource.

    ``name`` may be a function name (``"ProcessOrder"``), a full function ARN, any Resource
    string (``"arn:aws:states:::dynamodb:putItem"``) or a state name.

    >>> @task("Hello")
    ... def hello(event, context):
    ...     return {"greeting": f"Hello, {event['name']}!"}
    """
    if not isinstance(name, str) or name == "":
        raise TypeError("task() takes the function name, ARN or resource string to stand in for")

    def register(handler: Handler) -> Handler:
        if not callable(handler):
            raise TypeError(f"task({name!r}) needs a callable, got {type(handler).__name__}")
        _global_handlers[name] = handler
        return handler

    if fn is not None:
        return register(fn)
    return register


def registered_handlers() -> dict[str, Handler]:
    """A copy of the handlers registered with :func:`task`."""
    return dict(_global_handlers)


def clear_tasks() -> None:
    """Forget every handler registered with :func:`task` (``resources=`` given to a run are not affected)."""
    _global_handlers.clear()


@contextmanager
def task_scope() -> Iterator[None]:
    """A fresh registry for :func:`task` while the block runs: it starts empty, and when the block
    ends the handlers registered inside are forgotten and the earlier ones are back (tests use it so
    that one test's registrations never reach the next).

    >>> with task_scope():
    ...     _ = task("Outer", lambda event: event)
    ...     with task_scope():
    ...         _ = task("Inner", lambda event: event)
    ...         inside = sorted(registered_handlers())
    ...     after = sorted(registered_handlers())
    >>> inside, after
    (['Inner'], ['Outer'])
    """
    saved = dict(_global_handlers)
    _global_handlers.clear()
    try:
        yield
    finally:
        _global_handlers.clear()
        _global_handlers.update(saved)


class HandlerRegistry:
    """The handlers one run can use: ``resources=`` given to the run first, then :func:`task` ones."""

    def __init__(self, resources: Mapping[str, Handler] | None = None) -> None:
        local = dict(resources or {})
        for key, handler in local.items():
            if not callable(handler) and not hasattr(handler, "run"):
                raise TypeError(f"resources[{key!r}] must be callable, got {type(handler).__name__}")
        self._local = local

    def lookup(self, *keys: str) -> Handler | None:
        for table in (self._local, _global_handlers):
            for key in keys:
                if key and key in table:
                    return table[key]
        return None

    def for_state(self, state: str, keys: tuple[str, ...]) -> Handler | None:
        """The handler for a Task state: by resource keys (most specific first), then by state name."""
        return self.lookup(*keys, state)

    def names(self) -> list[str]:
        return sorted(set(self._local) | set(_global_handlers))


def lambda_keys(function: str) -> tuple[str, ...]:
    """Names a Lambda function may be registered under, most specific first.

    ``function`` is a name, a partial ARN (``123456789012:function:Name``) or a full ARN, optionally
    with a version or alias.
    """
    keys = [function]
    match = _LAMBDA_ARN.match(function)
    name = qualifier = None
    if match:
        name, qualifier = match["name"], match["qualifier"]
    else:
        parts = function.split(":")
        if len(parts) >= 3 and parts[-2] == "function":
            name = parts[-1]
        elif len(parts) >= 4 and parts[-3] == "function":
            name, qualifier = parts[-2], parts[-1]
        elif len(parts) == 2:
            name, qualifier = parts
        else:
            name = function
    if name is not None:
        if qualifier:
            keys.append(f"{name}:{qualifier}")
        keys.append(name)
    return tuple(dict.fromkeys(keys))


def function_arn(function: str, region: str, account: str, *, qualified: bool = False) -> str:
    """The full ARN Lambda reports for ``function`` (a name, ``name:qualifier``, a partial or full ARN).

    With ``qualified``, an unqualified function gets ``:$LATEST``, as in Lambda's "Function not found".
    """
    match = _LAMBDA_ARN.match(function)
    if match:
        arn = function
        qualifier = match["qualifier"]
    else:
        parts = function.split(":")
        if len(parts) >= 3 and "function" in parts:
            at = parts.index("function")
            account = parts[at - 1] if at >= 1 and parts[at - 1].isdigit() else account
            name, qualifier = parts[at + 1], (parts[at + 2] if len(parts) > at + 2 else None)
        elif len(parts) == 2:
            name, qualifier = parts
        else:
            name, qualifier = function, None
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}" + (f":{qualifier}" if qualifier else "")
    if qualified and not qualifier:
        arn += ":$LATEST"
    return arn


# ----------------------------------------------------------------------------- calling handlers

_arity_cache: dict[Any, int] = {}


def call_handler(handler: Handler, event: Any, context: Any) -> Any:
    """Call ``handler(event, context)``, or ``handler(event)`` when it takes one argument."""
    try:
        arity = _arity_cache.get(handler)
        key: Any = handler
    except TypeError:  # unhashable callable: work it out each time
        arity, key = None, None
    if arity is None:
        arity = 2
        try:
            params = [
                p
                for p in inspect.signature(handler).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
            ]
            if not any(p.kind == p.VAR_POSITIONAL for p in params):
                required = [p for p in params if p.default is p.empty]
                if len(params) <= 1 or (len(required) <= 1 and len(params) == 1):
                    arity = len(params)
        except (TypeError, ValueError):
            arity = 2
        if key is not None and len(_arity_cache) < 4096:
            _arity_cache[key] = arity
    if arity == 0:
        return handler()
    if arity == 1:
        return handler(event)
    return handler(event, context)


_PACKAGE_DIR = os.path.dirname(os.path.dirname(__file__)) + os.sep  # sfn_notebook's own files


def exception_text(exc: BaseException) -> str | None:
    """``str(exc)``, or None when the exception cannot say what it is (its ``__str__`` raises)."""
    try:
        text = str(exc)
    except Exception:
        return None
    return text if isinstance(text, str) else None


def text_or_none(value: Any) -> str | None:
    """An error or cause as the text AWS records: None stays absent, other values become JSON text."""
    if value is None or isinstance(value, str):
        return value
    try:
        return dumps(value)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def marshal_problem(exc: BaseException, value: Any) -> str:
    """Why ``value`` is not JSON, as Python's json module says it (a cycle is named as a cycle)."""
    if isinstance(exc, RecursionError) and has_cycle(value):
        return "Circular reference detected"
    return exception_text(exc) or type(exc).__name__


def has_cycle(value: Any) -> bool:
    """Whether a container holds itself (walked without recursion, so any depth is fine)."""
    stack: list[tuple[Any, bool]] = [(value, False)]
    open_ids: set[int] = set()
    while stack:
        item, leaving = stack.pop()
        if leaving:
            open_ids.discard(id(item))
            continue
        if not isinstance(item, (dict, list, tuple)):
            continue
        if id(item) in open_ids:
            return True
        open_ids.add(id(item))
        stack.append((item, True))
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, False) for child in children)
    return False


def lambda_error_cause(exc: BaseException, request_id: str) -> str:
    """Lambda's JSON error object for an exception raised by a Python function."""
    frames = traceback.extract_tb(exc.__traceback__)
    # drop the frames of the engine itself: the user's code starts after call_handler
    user = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    stack = traceback.format_list(user or frames)
    body = {
        "errorMessage": exception_text(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }
    return json.dumps(body)


def _exit_status(exc: BaseException) -> int:
    """The exit status of a Python process that an uncaught ``exc`` ends."""
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF
    return 1


def lambda_exit_error(exc: BaseException, request_id: str) -> StatesError:
    """What Lambda reports when the function's process exits during an invocation.

    Lambda's Python runtime reports an ``Exception`` subclass as the function's error; anything
    else (``SystemExit``, ``GeneratorExit``, a custom ``BaseException``) or an exception that
    cannot even be turned into its message ends the runtime process: ``Runtime.ExitError``.
    """
    status = _exit_status(exc)
    reason = (
        "exited without providing a reason" if status == 0 else f"exited with error: exit status {status}"
    )
    body = {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime {reason}",
    }
    return StatesError("Runtime.ExitError", json.dumps(body))


def unusual_exception_note(exc: BaseException, state: str, error: str | None) -> str | None:
    """A note for the run when a handler raised what is not an ordinary exception, else None."""
    if isinstance(exc, Exception) and exception_text(exc) is not None:
        return None
    what = type(exc).__name__
    if isinstance(exc, Exception):
        what += " (whose str() raised)"
    elif isinstance(exc, SystemExit):
        what += f" (exit status {_exit_status(exc)})"
    return (
        f"The handler of state '{state}' raised {what}: the task failed with {error}, as a Lambda "
        "function fails when such an exception ends its runtime process."
    )


def handler_failure(exc: BaseException, info: ResourceInfo, request_id: str) -> StatesError:
    """Turn an exception from a handler into the task's error, the way the real service reports it."""
    if isinstance(exc, TaskFailed):
        return StatesError(text_or_none(exc.error), text_or_none(exc.cause))
    message = exception_text(exc)
    if info.kind == "lambda" or info.is_lambda_invoke:
        if not isinstance(exc, Exception) or message is None:
            return lambda_exit_error(exc, request_id)
        return StatesError(type(exc).__name__, lambda_error_cause(exc, request_id))
    parts = client_error_parts(exc) if isinstance(exc, Exception) else None
    if parts is not None:  # a botocore ClientError: AWS's name and cause for the service's error
        code, message, status, service_request_id, extended = parts
        return StatesError(
            error_name(info.resource_type, code),
            error_cause(
                info.resource_type, code, message, status, service_request_id or request_id, extended
            ),
        )
    return StatesError(type(exc).__name__, message if message is not None else f"<{type(exc).__name__}>")


def invoke_response(payload: Any, request_id: str, date: str, log_tail: bool = False) -> dict[str, Any]:
    """The result of ``arn:aws:states:::lambda:invoke``: Lambda's Invoke response as AWS wraps it.

    ``log_tail``: the call asked for ``LogType: Tail``; the response then carries the end of the
    function's log, base64-encoded, in ``LogResult`` and in the ``X-Amz-Log-Result`` header.
    """
    body = json.dumps(payload)  # the Python runtime's serialisation decides Content-Length
    length = str(len(body.encode("utf-8")))
    response = {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [length],
                "Date": [date],
                "X-Amzn-Trace-Id": [
                    f"Root=1-{request_id[:8]}-{request_id[9:13]}{request_id[14:18]};Sampled=0"
                ],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": f"Root=1-{request_id[:8]}-{request_id[9:13]}{request_id[14:18]};Sampled=0",
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
    if log_tail:
        log = base64.b64encode(_log_text(request_id).encode()).decode()
        response = {"ExecutedVersion": "$LATEST", "LogResult": log, **response}
        metadata = response["SdkHttpMetadata"]
        metadata["AllHttpHeaders"] = {"X-Amz-Log-Result": [log], **metadata["AllHttpHeaders"]}
        metadata["HttpHeaders"]["X-Amz-Log-Result"] = log
        metadata["HttpHeaders"] = dict(sorted(metadata["HttpHeaders"].items(), key=lambda kv: kv[0].lower()))
    return response


def _log_text(request_id: str) -> str:
    """The lines the Lambda service writes around every invocation, as a log tail shows them."""
    return (
        f"START RequestId: {request_id} Version: $LATEST\n"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n"
    )


def to_json_value(result: Any) -> tuple[Any, str]:
    """Round-trip a handler's return value through JSON, as the real service boundary does.

    Returns ``(value, compact_text)``; raises TypeError/ValueError when the value is not JSON.
    ``decimal.Decimal`` numbers (what boto3's DynamoDB resources return) are written as the numbers
    they are, as Lambda's Python runtime writes them.
    """
    try:
        text = dumps(result)
    except TypeError:
        converted = _without_decimals(result)
        if converted is result:
            raise
        text = dumps(converted)
    return loads_compact(text), text


_INT_DIGITS: Final = 4300  # Python's limit on an int's digits when it is written as text


def _without_decimals(value: Any) -> Any:
    """``value`` with every finite Decimal as an int or float; ``value`` itself when it holds none."""
    from decimal import Decimal

    def plain(item: Any) -> Any:
        if isinstance(item, Decimal) and item.is_finite():
            # an integer too long to write as text (Decimal("1e999999")) is not made an int, which
            # could take minutes: as a float it is out of range, so the result cannot be marshalled
            whole = item == item.to_integral_value() and item.adjusted() < _INT_DIGITS
            return int(item) if whole else float(item)
        return item

    if not isinstance(value, (dict, list, tuple)):
        return plain(value) if isinstance(value, Decimal) else value
    if has_cycle(value):
        raise ValueError("Circular reference detected")
    found = False
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            if isinstance(item, (dict, list, tuple)):
                copy: Any = {} if isinstance(item, dict) else []
                stack.append((item, copy))
            elif isinstance(item, Decimal):
                copy = plain(item)
                found = found or copy is not item
            else:
                copy = item
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return root if found else value
