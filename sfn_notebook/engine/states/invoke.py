"""One call of a Task's handler: the scheduled/started/succeeded events, the handler's context, its
failures, timeouts and callbacks."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Generator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps, loads_compact, utf8_size
from ...asl import model as m
from ...errors import StatesError
from ...local_aws.hook import task_handler as local_aws_handler
from ..events import MAX_PAYLOAD, TRUNCATED
from ..fibers import AwaitToken, Sleep, TaskToken
from ..resources import (
    ResourceInfo,
    call_handler,
    function_arn,
    handler_failure,
    invoke_response,
    lambda_keys,
    marshal_problem,
    text_or_none,
    to_json_value,
    unusual_exception_note,
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
        if not math.isfinite(seconds):
            raise ValueError(f"seconds must be a finite number, not {seconds!r}")
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        # no execution outlives a year: work longer than two is as long as the clock needs to know
        self.elapsed += min(seconds, _LONGEST_SLEEP)

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


_LONGEST_SLEEP = 2 * 366 * 24 * 3600.0


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
    """Call the Task's handler once; returns its result.

    The history gets the Scheduled and Started events, then Succeeded, or Failed/TimedOut with the
    error raised; a ``.waitForTaskToken`` task waits for its token's outcome before it ends.
    """
    request_id = str(uuid.UUID(int=run.rng.getrandbits(128), version=4))
    prefix = _schedule(run, info, text, timeout, heartbeat, credentials)
    keys, function_name, event = _request(run, info, prefix, params, text, request_id)
    handler = run.handlers.for_state(state.name, keys)
    if handler is None and info.kind == "service":  # then the in-process AWS, if it serves the resource
        handler = local_aws_handler(run, state.name, info)
    _start(run, info, prefix)
    if handler is None:
        raise _task_error(run, info, _missing_handler(run, state, info, function_name, request_id), prefix)
    context = TaskContext(run, visit, info, function_name, request_id, timeout, token)
    try:
        raw_result = _call(run, handler, event, context, info, params, token)
    except KeyboardInterrupt:  # the user's interrupt stops the run (ABORTED), not the task
        raise
    except BaseException as exc:  # anything else fails the task, as it fails a Lambda function
        failure = handler_failure(exc, info, request_id)
        note = unusual_exception_note(exc, state.name, failure.error)
        if note is not None:
            run.notes.append(note)
        yield from _work_time(run, info, prefix, context.elapsed, timeout)  # it took time before it failed
        raise _task_error(run, info, failure, prefix) from None
    try:
        result, result_text = to_json_value(raw_result)
    except Exception as exc:  # what Lambda's runtime cannot marshal
        raise _task_error(run, info, _unusable_result(exc, raw_result, info, request_id), prefix) from None
    if context.elapsed > 0:  # most handlers take no virtual time: no generator for them
        yield from _work_time(run, info, prefix, context.elapsed, timeout)
    mocked = getattr(handler, "is_mock", False) is True
    result, result_text = _service_result(run, info, prefix, params, result, result_text, request_id, mocked)
    # it waits for its token (.waitForTaskToken) or for what the local AWS delivered it to (a child
    # execution of .sync); a .sync handler of the user's returns the final result itself
    if token is not None and (info.waits_for_token or token.sent_to is not None):
        result, result_text = yield from _callback(run, info, prefix, token, timeout, heartbeat, result_text)
    succeeded: dict[str, Any] = {"output": result_text, "outputDetails": TRUNCATED}
    if prefix == "Task":
        succeeded = {**_service(info), **succeeded}
    run.emit(prefix + "Succeeded", succeeded)
    return result


# the events' prefix for each kind of resource, and whether its Scheduled event records the
# heartbeat and the task credentials
_SCHEDULED = {
    "lambda": ("LambdaFunction", False, True),
    "activity": ("Activity", True, False),
    "service": ("Task", True, True),
}


def _service(info: ResourceInfo) -> dict[str, Any]:
    """The fields that name a service integration in its Task* events."""
    return {"resourceType": info.resource_type, "resource": info.resource_name}


def _schedule(
    run: Run,
    info: ResourceInfo,
    text: str,
    timeout: int | None,
    heartbeat: int | None,
    credentials: dict[str, Any] | None,
) -> str:
    """Record the LambdaFunction/Activity/Task Scheduled event; returns the prefix of the task's events."""
    prefix, records_heartbeat, records_credentials = _SCHEDULED.get(info.kind, _SCHEDULED["service"])
    details: dict[str, Any]
    if prefix == "Task":
        details = {**_service(info), "region": info.region, "parameters": text}
    else:
        details = {"resource": info.resource, "input": text, "inputDetails": TRUNCATED}
    if timeout is not None:
        details["timeoutInSeconds"] = timeout
    if heartbeat is not None and records_heartbeat:
        details["heartbeatInSeconds"] = heartbeat
    if credentials is not None and records_credentials:
        details["taskCredentials"] = credentials
    run.emit(prefix + "Scheduled", details)
    return prefix


def _start(run: Run, info: ResourceInfo, prefix: str) -> None:
    """Record the task's Started event."""
    if prefix == "Activity":
        run.emit("ActivityStarted", {"workerName": "sfn-notebook"})
    elif prefix == "LambdaFunction":
        run.emit("LambdaFunctionStarted", None)
    else:
        run.emit("TaskStarted", _service(info))


def _request(
    run: Run, info: ResourceInfo, prefix: str, params: Any, text: str, request_id: str
) -> tuple[tuple[str, ...], str, Any]:
    """The names to look the handler up by, the Lambda function's name, and the event it receives.

    ``lambda:invoke`` sends its Payload to the function its FunctionName names; a Payload string
    must be JSON text, as the request body it is.
    """
    if info.kind == "lambda":
        return (*lambda_keys(info.resource), info.function_name), info.function_name, loads_compact(text)
    if info.kind == "activity":
        return (info.resource, info.function_name), "", loads_compact(text)
    if not info.is_lambda_invoke:
        base = info.resource.rsplit(".", 1)[0] if info.pattern else info.resource
        return (info.resource, base), "", loads_compact(text)
    function = params.get("FunctionName") if isinstance(params, dict) else None
    if not isinstance(function, str):
        failure = StatesError("States.Runtime", "The field 'FunctionName' is required by lambda:invoke")
        raise _task_error(run, info, failure, prefix)
    payload = params.get("Payload", MISSING)
    if payload is MISSING or payload is None:
        event: Any = {}
    elif isinstance(payload, str):
        try:
            event = json.loads(payload)
        except ValueError as exc:
            run.emit("TaskStarted", _service(info))
            failure = StatesError(
                "Lambda.InvalidRequestContentException",
                f"Could not parse request body into json: {exc} (Service: AWSLambda; Status Code: 400; "
                f"Error Code: InvalidRequestContentException; Request ID: {request_id}; Proxy: null)",
            )
            raise _task_error(run, info, failure, prefix) from None
    else:
        event = loads_compact(dumps(payload))
    keys = lambda_keys(function)
    if isinstance(function, str) and ":" not in function:  # a name: its ARN in the run's account serves too
        keys = (*keys, function_arn(function, run.region, run.account))
    return keys, function, event


def _unusable_result(exc: Exception, raw: Any, info: ResourceInfo, request_id: str) -> StatesError:
    """The failure when the handler's result is not JSON (Lambda's runtime cannot marshal it)."""
    message = f"Unable to marshal response: {marshal_problem(exc, raw)}"
    if info.kind == "lambda" or info.is_lambda_invoke:
        body = {
            "errorMessage": message,
            "errorType": "Runtime.MarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }
        return StatesError("Runtime.MarshalError", json.dumps(body))
    return StatesError("States.Runtime", message)


def _work_time(
    run: Run, info: ResourceInfo, prefix: str, elapsed: float, timeout: int | None
) -> Generator[Any, Any, None]:
    """Let the virtual time pass that the handler said its work took (``context.sleep``); work that
    reaches the Task's TimeoutSeconds times the task out when the timeout falls due."""
    if elapsed > 0:
        if timeout is not None and elapsed >= timeout:
            yield Sleep(float(timeout))
            raise _task_error(run, info, StatesError("States.Timeout", None), prefix, timed_out=True)
        yield Sleep(elapsed)


def _service_result(
    run: Run,
    info: ResourceInfo,
    prefix: str,
    params: Any,
    result: Any,
    result_text: str,
    request_id: str,
    mocked: bool,
) -> tuple[Any, str]:
    """The result as the service returns it (lambda:invoke wraps the function's in Lambda's response),
    within the payload limit."""
    if info.is_lambda_invoke and not info.waits_for_token and not mocked:
        date = datetime.fromtimestamp(run.now, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
        tail = isinstance(params, dict) and params.get("LogType") == "Tail"
        result = invoke_response(result, request_id, date, log_tail=tail)
        result_text = dumps(result)
    if utf8_size(result_text) > MAX_PAYLOAD:
        name = info.resource if info.kind != "service" else info.resource_type
        failure = StatesError(
            "States.DataLimitExceeded",
            f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes "
            "service limit.",
        )
        raise _task_error(run, info, failure, prefix)
    return result, result_text


def _callback(
    run: Run,
    info: ResourceInfo,
    prefix: str,
    token: TaskToken,
    timeout: int | None,
    heartbeat: int | None,
    result_text: str,
) -> Generator[Any, Any, tuple[Any, str]]:
    """Wait for the task token's outcome (SendTaskSuccess/Failure, or a timeout); returns the output sent."""
    run.emit("TaskSubmitted", {**_service(info), "output": result_text, "outputDetails": TRUNCATED})
    token.timeout_at = run.now + timeout if timeout is not None else None
    token.heartbeat_seconds = heartbeat
    token.heartbeat_at = run.now + heartbeat if heartbeat is not None else None
    answered = yield AwaitToken(token)
    if token.answered_at is not None and token.answered_at > run.now:
        yield Sleep(token.answered_at - run.now)  # answered by a child execution that ended later
    kind, payload = answered.outcome
    if kind == "failure":
        error, cause = payload
        raise _task_error(run, info, CallbackFailure(text_or_none(error), text_or_none(cause)), prefix)
    if kind == "timeout":
        raise _task_error(run, info, StatesError(payload, None), prefix, timed_out=True)
    try:
        return to_json_value(payload)
    except (TypeError, ValueError, RecursionError) as exc:
        failure = StatesError(
            "States.Runtime", f"the callback output is not JSON: {marshal_problem(exc, payload)}"
        )
        raise _task_error(run, info, failure, prefix) from None


class CallbackFailure(StatesError):
    """A task failed by SendTaskFailure: its error output holds Error and Cause even when they were
    not given (as JSON null), as AWS's does."""

    def output(self) -> dict[str, Any]:  # type: ignore[override]
        return {"Error": self.error, "Cause": self.cause}


def _call(
    run: Run,
    handler: Any,
    event: Any,
    context: TaskContext,
    info: ResourceInfo,
    params: Any,
    token: TaskToken | None,
) -> Any:
    """The handler's result (a state machine as a handler runs as a child); while it runs,
    ``run.in_handler`` says so (StopExecution then ends the run when it returns)."""
    run.in_handler = True
    try:
        if hasattr(handler, "run") and hasattr(handler, "definition"):
            if info.resource_type == "states" and info.resource_name.startswith("startExecution"):
                from ...local_aws.sfn import start_as_handler  # the child execution AWS would start

                return start_as_handler(run, handler, params, token, info.pattern)
            return _run_child_machine(run, handler, event)
        return call_handler(handler, event, context)
    finally:
        run.in_handler = False


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
    run: Run, info: ResourceInfo, err: StatesError, prefix: str, *, timed_out: bool = False
) -> StatesError:
    """Record the task's Failed (or TimedOut) event; returns the error to raise.  A States.Runtime
    error records none: its cause names the state instead, as the runtime errors of a state do."""
    if err.error == "States.Runtime":
        return err.replace(locate=True)
    details: dict[str, Any] = _service(info) if prefix == "Task" else {}
    if err.error is not None:
        details["error"] = err.error
    if err.cause is not None:
        details["cause"] = err.cause
    run.emit(prefix + ("TimedOut" if timed_out else "Failed"), details)
    return err
