"""One call of a Task's handler: the scheduled/started/succeeded events, the handler's context, its
failures, timeouts and callbacks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Generator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps, loads_compact, utf8_size
from ...asl import model as m
from ...errors import StatesError
from ..events import MAX_PAYLOAD, TRUNCATED
from ..fibers import AwaitToken, Sleep, TaskToken
from ..resources import (
    ResourceInfo,
    call_handler,
    function_arn,
    handler_failure,
    invoke_response,
    lambda_keys,
    to_json_value,
)
from ..scope import Visit

if TYPE_CHECKING:
    from ..run import Run


class TaskContext:
    """The ``context`` a handler receives: Lambda's context object, plus a few local helpers."""

    def __init__(
        self,
        run: Run,
        visit: Visit,
        info: ResourceInfo,
        function_name: str,
        request_id: str,
        timeout: int | None,
        token: TaskToken | None,
    ) -> None:
        self._run = run
        self._start = run.now
        self._timeout = timeout
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            function_arn(function_name, run.region, run.account) if function_name else info.resource
        )
        self.memory_limit_in_mb = 128
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self.resource = info.resource
        self.state_name = visit.state.name
        self.execution_arn = run.execution_arn
        self.retry_count = visit.retry_count or 0
        self.task_token = token.token if token is not None else None
        self.elapsed = 0.0
        self._token = token

    def get_remaining_time_in_millis(self) -> int:
        limit = self._timeout if self._timeout is not None else 900
        return max(0, int((limit - self.elapsed) * 1000))

    def sleep(self, seconds: float) -> None:
        """Pretend the work takes ``seconds`` (virtual time; the Task's TimeoutSeconds applies)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self.elapsed += seconds

    def send_task_success(self, output: Any, token: str | None = None) -> None:
        """Complete this ``.waitForTaskToken`` task with ``output`` (as SendTaskSuccess would)."""
        self._complete(token, ("success", output))

    def send_task_failure(
        self, error: str | None = None, cause: str | None = None, token: str | None = None
    ) -> None:
        self._complete(token, ("failure", (error, cause)))

    def _complete(self, token: str | None, outcome: tuple[str, Any]) -> None:
        target = self._run.tokens.get(token) if token is not None else self._token
        if target is None:
            raise ValueError("this task has no task token; use '.waitForTaskToken' in the Resource")
        if target.outcome is not None:
            raise ValueError("the task token was already used")
        target.outcome = outcome


def invoke(
    run: Run,
    state: m.TaskState,
    info: ResourceInfo,
    visit: Visit,
    params: Any,
    text: str,
    timeout: int | None,
    heartbeat: int | None,
    token: TaskToken | None,
    credentials: dict[str, Any] | None = None,
) -> Generator[Any, Any, Any]:
    request_id = str(uuid.UUID(int=run.rng.getrandbits(128), version=4))
    kind = info.kind
    if kind == "lambda":
        details: dict[str, Any] = {"resource": info.resource, "input": text, "inputDetails": TRUNCATED}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if credentials is not None:
            details["taskCredentials"] = credentials
        run.emit("LambdaFunctionScheduled", details)
        prefix = "LambdaFunction"
        keys = (*lambda_keys(info.resource), info.function_name)
        function_name = info.function_name
        event = loads_compact(text)
    elif kind == "activity":
        details = {"resource": info.resource, "input": text, "inputDetails": TRUNCATED}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        run.emit("ActivityScheduled", details)
        prefix = "Activity"
        keys = (info.resource, info.function_name)
        function_name = ""
        event = loads_compact(text)
    else:
        details = {
            "resourceType": info.resource_type,
            "resource": info.resource_name,
            "region": info.region,
            "parameters": text,
        }
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        if credentials is not None:
            details["taskCredentials"] = credentials
        run.emit("TaskScheduled", details)
        prefix = "Task"
        function_name = ""
        event = loads_compact(text)
        if info.is_lambda_invoke:
            function = params.get("FunctionName") if isinstance(params, dict) else None
            if not isinstance(function, str):
                return (
                    yield from _task_error(
                        run,
                        info,
                        StatesError(
                            "States.Runtime", "The field 'FunctionName' is required by lambda:invoke"
                        ),
                        prefix,
                        started=False,
                    )
                )
            function_name = function
            keys = lambda_keys(function)
            payload = params.get("Payload", MISSING)
            if payload is MISSING or payload is None:
                event = {}
            elif isinstance(payload, str):
                # a string Payload is sent as the request body itself: it must be JSON text
                try:
                    event = json.loads(payload)
                except ValueError as exc:
                    run.emit(
                        "TaskStarted", {"resourceType": info.resource_type, "resource": info.resource_name}
                    )
                    return (
                        yield from _task_error(
                            run,
                            info,
                            StatesError(
                                "Lambda.InvalidRequestContentException",
                                f"Could not parse request body into json: {exc} (Service: AWSLambda; Status Code: 400; "
                                f"Error Code: InvalidRequestContentException; Request ID: {request_id}; Proxy: null)",
                            ),
                            prefix,
                        )
                    )
            else:
                event = loads_compact(dumps(payload))
        else:
            keys = (info.resource, info.resource.rsplit(".", 1)[0] if info.pattern else info.resource)
    handler = run.handlers.for_state(state.name, keys)
    mocked = getattr(handler, "is_mock", False) is True
    if kind == "activity":
        run.emit("ActivityStarted", {"workerName": "sfn-notebook"})
    elif kind == "lambda":
        run.emit("LambdaFunctionStarted", None)
    else:
        run.emit("TaskStarted", {"resourceType": info.resource_type, "resource": info.resource_name})
    if handler is None:
        return (
            yield from _task_error(
                run, info, _missing_handler(run, state, info, function_name, request_id), prefix
            )
        )
    context = TaskContext(run, visit, info, function_name, request_id, timeout, token)
    try:
        if hasattr(handler, "run") and hasattr(handler, "definition"):
            raw_result = _run_child_machine(run, handler, event)
        else:
            raw_result = call_handler(handler, event, context)
        result, result_text = to_json_value(raw_result)
    except (TypeError, ValueError) as exc:
        if "JSON" in str(exc) or "serializable" in str(exc):
            message = f"Unable to marshal response: {exc}"
            if kind == "lambda" or info.is_lambda_invoke:
                failure = StatesError(
                    "Runtime.MarshalError",
                    json.dumps(
                        {
                            "errorMessage": message,
                            "errorType": "Runtime.MarshalError",
                            "requestId": request_id,
                            "stackTrace": [],
                        }
                    ),
                )
            else:
                failure = StatesError("States.Runtime", message)
        else:
            failure = handler_failure(exc, info, request_id)
        return (yield from _task_error(run, info, failure, prefix))
    except Exception as exc:  # a handler's exception fails the task, like a failing Lambda function
        failure = handler_failure(exc, info, request_id)
        if context.elapsed > 0:  # the work it pretended to do took time before it failed
            if timeout is not None and context.elapsed >= timeout:
                yield Sleep(float(timeout))
                return (
                    yield from _task_error(
                        run, info, StatesError("States.Timeout", None), prefix, timed_out=True
                    )
                )
            yield Sleep(context.elapsed)
        return (yield from _task_error(run, info, failure, prefix))
    if context.elapsed > 0:
        if timeout is not None and context.elapsed >= timeout:
            yield Sleep(float(timeout))
            return (
                yield from _task_error(run, info, StatesError("States.Timeout", None), prefix, timed_out=True)
            )
        yield Sleep(context.elapsed)
    if info.is_lambda_invoke and not info.waits_for_token and not mocked:
        date = datetime.fromtimestamp(run.now, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
        tail = isinstance(params, dict) and params.get("LogType") == "Tail"
        result = invoke_response(result, request_id, date, log_tail=tail)
        result_text = dumps(result)
    if utf8_size(result_text) > MAX_PAYLOAD:
        return (
            yield from _task_error(
                run,
                info,
                StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{info.resource if info.kind != 'service' else info.resource_type}' returned "
                    "a result with a size exceeding the maximum number of bytes service limit.",
                ),
                prefix,
            )
        )
    if token is not None:
        run.emit(
            "TaskSubmitted",
            {
                "resourceType": info.resource_type,
                "resource": info.resource_name,
                "output": result_text,
                "outputDetails": TRUNCATED,
            },
        )
        token.timeout_at = run.now + timeout if timeout is not None else None
        token.heartbeat_seconds = heartbeat
        token.heartbeat_at = run.now + heartbeat if heartbeat is not None else None
        outcome_token = yield AwaitToken(token)
        kind_, payload = outcome_token.outcome
        if kind_ == "failure":
            error, cause = payload
            return (yield from _task_error(run, info, StatesError(error, cause), prefix))
        if kind_ == "timeout":
            return (yield from _task_error(run, info, StatesError(payload, None), prefix, timed_out=True))
        try:
            result, result_text = to_json_value(payload)
        except (TypeError, ValueError) as exc:
            return (
                yield from _task_error(
                    run,
                    info,
                    StatesError("States.Runtime", f"the callback output is not JSON: {exc}"),
                    prefix,
                )
            )
    succeeded: dict[str, Any] = {"output": result_text, "outputDetails": TRUNCATED}
    if prefix == "Task":
        succeeded = {"resourceType": info.resource_type, "resource": info.resource_name, **succeeded}
    run.emit(prefix + "Succeeded", succeeded)
    return result


def _run_child_machine(run: Run, machine: Any, event: Any) -> Any:
    child = machine.run(event)
    if child.status != "SUCCEEDED":
        raise_error = StatesError(child.error or "States.TaskFailed", child.cause)
        raise raise_error
    return child.output


def _missing_handler(
    run: Run, state: m.TaskState, info: ResourceInfo, function_name: str, request_id: str
) -> StatesError:
    if info.kind == "lambda" or info.is_lambda_invoke:
        name = info.resource if info.kind == "lambda" else function_name
        arn = function_arn(name, run.region, run.account, qualified=True)
        short = lambda_keys(name)[-1]
        run.notes.append(
            f"State '{state.name}' invokes the Lambda function '{short}', which has no Python handler: "
            f"register one with @sfn.task({short!r}) or pass resources={{{short!r}: handler}} to run()."
        )
        return StatesError(
            "Lambda.ResourceNotFoundException",
            f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: "
            f"ResourceNotFoundException; Request ID: {request_id}; Proxy: null)",
        )
    return StatesError(
        "States.Runtime",
        f"No handler is registered for the resource '{info.resource}' used by state '{state.name}'. "
        f"Register one with @sfn.task({info.resource!r}) or pass resources={{{info.resource!r}: handler}} "
        "to run(); it receives the task's parameters and returns the service's response.",
    )


def _task_error(
    run: Run,
    info: ResourceInfo,
    err: StatesError,
    prefix: str,
    *,
    started: bool = True,
    timed_out: bool = False,
) -> Generator[Any, Any, Any]:
    suffix = "TimedOut" if timed_out else "Failed"
    details: dict[str, Any] = {}
    if prefix == "Task":
        details = {"resourceType": info.resource_type, "resource": info.resource_name}
    if err.error is not None:
        details["error"] = err.error
    if err.cause is not None:
        details["cause"] = err.cause
    if err.error == "States.Runtime":
        err = err.replace(locate=True)
    else:
        run.emit(prefix + suffix, details)
    raise err
    yield  # pragma: no cover - makes this a generator
