"""Step Functions itself in the local AWS: child executions run by the engine, task tokens answered.

The store's ``stepfunctions`` client keeps state machines in moto (``CreateStateMachine``,
``DescribeStateMachine``, ...), but executions are the engine's own: ``StartExecution`` runs the
machine locally (a child of the running Task that called it, on the parent's virtual clock and with
its handlers), ``DescribeExecution`` and ``StopExecution`` read and stop local executions, and
``SendTaskSuccess``/``SendTaskFailure``/``SendTaskHeartbeat`` answer the task tokens of any local
execution in the process (from any thread).

A ``states:startExecution.sync`` (or ``.sync:2``) Task waits for its child: the child's end answers
the Task's own token with AWS's DescribeExecution output (``Input``/``Output`` as JSON text for
``.sync``, parsed for ``.sync:2``), or fails it with ``States.TaskFailed`` and that description as
the cause.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from . import ACCOUNT, REGION, callbacks

__all__ = [
    "ENGINE_OPERATIONS",
    "serve",
    "deploy",
    "calling",
    "reset",
    "start",
    "start_as_handler",
    "describe",
    "sync_output",
]

ENGINE_OPERATIONS = frozenset(
    {
        "StartExecution",
        "DescribeExecution",
        "GetExecutionHistory",
        "StopExecution",
        "SendTaskSuccess",
        "SendTaskFailure",
        "SendTaskHeartbeat",
    }
)

_machines: dict[str, Any] = {}  # state machine ARN -> (StateMachine, definition text), deployed or created
_executions: dict[str, Any] = {}  # execution ARN -> LocalExecution started through the store
_calling = threading.local()  # the run (and .sync token) of the Task making a stepfunctions call


class ApiError(Exception):
    """An error answer of the Step Functions API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def reset() -> None:
    _machines.clear()
    _executions.clear()


@contextlib.contextmanager
def calling(run: Any, token: Any = None, pattern: str = "") -> Iterator[None]:
    """Calls made inside the block come from a Task of ``run`` (its child executions are its own)."""
    previous = getattr(_calling, "frame", None)
    _calling.frame = (run, token, pattern)
    try:
        yield
    finally:
        _calling.frame = previous


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def deploy(machine: Any, role_arn: str | None = None, **options: Any) -> str:
    """Create (or update) ``machine`` in the local AWS; returns its ARN, as deploying to AWS does."""
    from . import store

    unknown = {key for key, value in options.items() if value not in (None, False)}
    if unknown:
        raise TypeError(f"the local AWS does not deploy {', '.join(sorted(unknown))}")
    client = store.client("stepfunctions")
    arn = state_machine_arn(machine.name)
    role = (
        role_arn
        or machine.role_arn
        or f"arn:aws:iam::{ACCOUNT}:role/service-role/StepFunctions-{machine.name}-role"
    )
    text = json.dumps(machine.definition)
    try:
        client.describe_state_machine(stateMachineArn=arn)
        client.update_state_machine(stateMachineArn=arn, definition=text, roleArn=role)
    except client.exceptions.StateMachineDoesNotExist:
        client.create_state_machine(name=machine.name, definition=text, roleArn=role)
    _machines[arn] = (machine, text)
    return arn


def _machine(arn: Any) -> tuple[Any, str]:
    """The StateMachine behind ``arn`` and its role, or StateMachineDoesNotExist."""
    from ..machine import StateMachine
    from . import store

    missing = ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    if not isinstance(arn, str) or ":stateMachine:" not in arn:
        raise ApiError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    client = store.client("stepfunctions")
    try:
        found = client.describe_state_machine(stateMachineArn=arn)
    except client.exceptions.StateMachineDoesNotExist:
        raise missing from None
    text = found["definition"]
    known = _machines.get(arn)
    if known is None or known[1] != text:
        known = (StateMachine(json.loads(text), name=found["name"]), text)
        _machines[arn] = known
    return known[0], found["roleArn"]


# ----------------------------------------------------------------------------- the API


def serve(operation: str, request: Any) -> tuple[int, dict[str, str], bytes]:
    """Answer one Step Functions API request (an engine operation) as AWS's JSON protocol does."""
    from ..execution import _LOCK, CHANGED

    try:
        params = json.loads(request.body or b"{}")
    except ValueError:
        params = {}
    request_id = str(uuid.uuid4())
    try:
        with _LOCK:
            answer = _OPERATIONS[operation](params)
            CHANGED.notify_all()
    except ApiError as err:
        body = json.dumps(
            {"__type": f"com.amazonaws.swf.service.v2.model#{err.code}", "message": err.message}
        )
        return 400, _headers(request_id, body), body.encode("utf-8")
    body = json.dumps(answer, separators=(",", ":"))
    return 200, _headers(request_id, body), body.encode("utf-8")


def _headers(request_id: str, body: str) -> dict[str, str]:
    return {
        "x-amzn-RequestId": request_id,
        "Content-Type": "application/x-amz-json-1.0",
        "Content-Length": str(len(body.encode("utf-8"))),
    }


def _start_execution(params: dict[str, Any]) -> dict[str, Any]:
    machine, role = _machine(params.get("stateMachineArn"))
    return start(machine, role, params, getattr(_calling, "frame", None))


def start(machine: Any, role: str, params: dict[str, Any], frame: Any) -> dict[str, Any]:
    """Start ``machine`` as StartExecution's ``params`` say (``input`` JSON text, ``name``), as a
    child of the calling Task when ``frame`` names one: ``(run, token, pattern)``."""
    from .._json import dumps
    from ..engine.run import Run, RunSetup
    from ..execution import LIVE, LocalExecution
    from ..machine import _NO_RESOURCES

    text = params.get("input")
    if text is None:
        text = "{}"
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise ApiError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{text}'") from None
    parent_run, token, pattern = frame if frame is not None else (None, None, "")
    if parent_run is not None:
        start, seed, handlers = parent_run.now, parent_run.rng.getrandbits(64), parent_run.setup.handlers
    else:
        start, seed, handlers = time.time_ns() // 1_000_000 / 1000, None, _NO_RESOURCES
    name = params.get("name")
    if name is None:
        name = (
            str(uuid.UUID(int=parent_run.rng.getrandbits(128), version=4))
            if parent_run is not None
            else str(uuid.uuid4())
        )
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine.name}:{name}"
    if arn in _executions:
        raise ApiError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
    setup = RunSetup(machine.machine, handlers, machine.name, REGION, ACCOUNT, role, True, machine.type)
    run = Run(setup, value, execution_name=name, start_time=start, seed=seed, identity=arn.encode())
    child = LocalExecution(run, machine)
    child._track()
    _executions[arn] = child
    if parent_run is not None:
        callbacks.child_of(run, parent_run)
        parent = next((ex for ex in list(LIVE) if ex._run is parent_run), None)
        if parent is not None:
            parent._children = (*parent._children, child)
        if token is not None and pattern.startswith(".sync"):
            callbacks.delivered(token, f"the execution {arn}", parent_run)
            child._on_end = _answer_parent(parent_run, token, pattern)
    run.start(dumps(value))
    run.drive()
    child._ended()
    return {"executionArn": arn, "startDate": start}


def _answer_parent(parent_run: Any, token: Any, pattern: str) -> Any:
    def child_ended(child: Any) -> None:
        if token.outcome is not None:
            return  # answered already (SendTaskSuccess, a timeout)
        description = sync_output(describe(child), pattern)
        if child.status == "SUCCEEDED":
            outcome: tuple[str, Any] = ("success", description)
        else:
            outcome = ("failure", ("States.TaskFailed", json.dumps(description, separators=(",", ":"))))
        token.answered_at = child._run.stop_time
        if token.fiber is None:
            token.outcome = outcome  # the parent's Task has not started waiting: it goes on at once
        else:
            parent_run.complete_token(token.token, outcome)

    return child_ended


def describe(execution: Any) -> dict[str, Any]:
    """DescribeExecution's answer for a local execution (dates as epoch seconds)."""
    run = execution._run
    out: dict[str, Any] = {
        "executionArn": execution.arn,
        "stateMachineArn": run.state_machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": run.start_time,
        "input": _started_input(run),
        "inputDetails": {"included": True},
    }
    if execution.done:
        out["stopDate"] = run.stop_time
    if execution.status == "SUCCEEDED":
        out["output"] = run.output_text
        out["outputDetails"] = {"included": True}
    if run.error is not None:
        out["error"] = run.error
    if run.cause is not None:
        out["cause"] = run.cause
    return out


def sync_output(description: dict[str, Any], pattern: str) -> dict[str, Any]:
    """A description as a ``.sync`` Task returns it: PascalCase, dates in epoch milliseconds, and for
    ``.sync:2`` the input and output parsed."""
    out: dict[str, Any] = {}
    for key, value in description.items():
        name = key[:1].upper() + key[1:]
        if key in ("startDate", "stopDate"):
            value = round(value * 1000)
        elif key in ("inputDetails", "outputDetails"):
            value = {"Included": value["included"]}
        elif key in ("input", "output") and pattern == ".sync:2" and isinstance(value, str):
            value = json.loads(value)
        out[name] = value
    return dict(sorted(out.items()))


def _execution(arn: Any) -> Any:
    from ..execution import LIVE

    found = _executions.get(arn) if isinstance(arn, str) else None
    if found is None:
        found = next((ex for ex in list(LIVE) if ex.arn == arn), None)
    if found is None:
        raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
    return found


def _describe_execution(params: dict[str, Any]) -> dict[str, Any]:
    return describe(_execution(params.get("executionArn")))


def _get_execution_history(params: dict[str, Any]) -> dict[str, Any]:
    """The whole history at once (no paging), newest first when ``reverseOrder`` says so."""
    events = [
        {**event, "timestamp": event["timestamp"].timestamp()}
        for event in _execution(params.get("executionArn")).events
    ]
    if params.get("reverseOrder") is True:
        events.reverse()
    return {"events": events}


def _stop_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = _execution(params.get("executionArn"))
    execution.stop(params.get("error"), params.get("cause"))
    return {"stopDate": execution._run.stop_time or execution._run.now}


def _holder(token: Any) -> Any:
    """The local execution whose task waits for ``token``."""
    from ..execution import LIVE

    for execution in [*_executions.values(), *list(LIVE)]:
        held = execution._run.tokens.get(token) if isinstance(token, str) else None
        if held is not None:
            if held.outcome is not None or execution.done:
                raise ApiError("TaskTimedOut", f"Task Timed Out: '{token}'")
            return execution
    raise ApiError("InvalidToken", "Invalid Token: 'Invalid token'")


def _send_task_success(params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("taskToken")
    execution = _holder(token)
    try:
        output = json.loads(params.get("output"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("InvalidOutput", f"Invalid Output: '{params.get('output')}'") from None
    _answer(execution, token, ("success", output))
    return {}


def _send_task_failure(params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("taskToken")
    execution = _holder(token)
    _answer(execution, token, ("failure", (params.get("error"), params.get("cause"))))
    return {}


def _answer(execution: Any, token: Any, outcome: tuple[str, Any]) -> None:
    held = execution._run.tokens[token]
    if held.fiber is None:  # asked before its task waits (from inside the run): it goes on at once
        held.answered_at = execution._run.now
        held.outcome = outcome
        return
    execution._complete(token, outcome)


def _send_task_heartbeat(params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("taskToken")
    execution = _holder(token)
    if execution._run.tokens[token].fiber is not None:
        execution.send_task_heartbeat(token)
    return {}


_OPERATIONS = {
    "StartExecution": _start_execution,
    "DescribeExecution": _describe_execution,
    "GetExecutionHistory": _get_execution_history,
    "StopExecution": _stop_execution,
    "SendTaskSuccess": _send_task_success,
    "SendTaskFailure": _send_task_failure,
    "SendTaskHeartbeat": _send_task_heartbeat,
}


def start_as_handler(run: Any, machine: Any, params: Any, token: Any, pattern: str) -> dict[str, Any]:
    """A StateMachine registered as the handler of ``states:startExecution[.sync|.sync:2]`` runs as
    the child that call starts: its input is the Task's ``Input``, its name ``Name``; the Task's
    result is StartExecution's (and, for .sync, the child's description once it ends)."""
    from .._json import dumps

    if not isinstance(params, dict):
        params = {}
    value = params.get("Input")
    request: dict[str, Any] = {
        "input": value if isinstance(value, str) else dumps(value if value is not None else {})
    }
    if isinstance(params.get("Name"), str):
        request["name"] = params["Name"]
    role = machine.role_arn or f"arn:aws:iam::{ACCOUNT}:role/service-role/StepFunctions-{machine.name}-role"
    try:
        with _executions_lock():
            started = start(machine, role, request, (run, token, pattern))
    except ApiError as err:
        from ..errors import TaskFailed

        raise TaskFailed(f"StepFunctions.{err.code}Exception", err.message) from None
    return {"ExecutionArn": started["executionArn"], "StartDate": round(started["startDate"] * 1000)}


def _executions_lock() -> Any:
    from ..execution import _LOCK

    return _LOCK


def _started_input(run: Any) -> str:
    """The execution's input as its ExecutionStarted event records it (the JSON text)."""
    from .._json import dumps
    from ..engine.events import shaped_details

    if len(run.events):  # a record is (type, time, previous, key, value, key, value, ...)
        started = shaped_details(run.events.records[0][3:]).get("input")
        if started is not None:
            return str(started)
    return dumps(run.input)
