"""The run loop: states as generator functions, a virtual clock, and a small fiber scheduler.

Each branch of work (the execution itself, a Parallel branch, a Map iteration) is a *fiber*: a
generator that runs states one after another and only yields to the scheduler when it has to wait
(a Wait state, a retry back-off, children to finish, a task token).  Simple states never yield, so
a chain of Pass states costs a few function calls each.  Time is virtual: waiting costs nothing,
and fibers run in order of their virtual time, so concurrent branches interleave as they would on
AWS and the same run always gives the same history.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Generator, Iterable
from datetime import datetime, timezone
from types import GeneratorType
from typing import Any

from .._json import MISSING, dumps, is_integer, is_number, loads_compact, utf8_size
from ..asl import model as m
from ..asl.parser import parse_timestamp
from ..errors import StatesError
from ..local_aws.hook import task_handler as local_aws_handler
from . import choice as choice_rules
from . import dataflow as df
from .events import HISTORY_LIMIT, EventLog
from .resources import (
    HandlerRegistry,
    ResourceInfo,
    call_handler,
    function_arn,
    handler_failure,
    invoke_response,
    lambda_keys,
    parse_resource,
    to_json_value,
)
from .retry import find_catcher, find_retrier, retry_delay

__all__ = ["Run", "RunSetup", "MAX_PAYLOAD", "TaskToken"]

MAX_PAYLOAD = 262_144  # bytes, UTF-8 (256 KiB)
VARIABLE_LIMIT = 262_144  # one variable, and all the variables one Assign sets
VARIABLES_TOTAL_LIMIT = 10 * 1024 * 1024  # every variable an execution holds
INLINE_MAP_CONCURRENCY = 40  # what AWS runs at once for an inline Map with MaxConcurrency 0

_TRUNCATED = {"truncated": False}
_STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
_ENTERED = {t: t + "StateEntered" for t in _STATE_TYPES}
_PASS_THROUGH = frozenset({"Pass", "Succeed"})
_EXITED = {t: t + "StateExited" for t in _STATE_TYPES}


# ----------------------------------------------------------------------------- fibers


class _Sleep:
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _Spawn:
    __slots__ = ("gen", "log", "last")

    def __init__(self, gen: Generator, log: EventLog | None = None, last: int | None = None) -> None:
        self.gen = gen
        self.log = log
        self.last = last


class _WaitAny:
    __slots__ = ("fibers",)

    def __init__(self, fibers: list[Fiber]) -> None:
        self.fibers = fibers


class _Cancel:
    __slots__ = ("fibers",)

    def __init__(self, fibers: Iterable[Fiber]) -> None:
        self.fibers = list(fibers)


class TaskToken:
    """A Task waiting for ``SendTaskSuccess``/``SendTaskFailure`` (``.waitForTaskToken``)."""

    __slots__ = ("token", "state", "fiber", "outcome", "heartbeat_at", "timeout_at", "heartbeat_seconds")

    def __init__(self, token: str, state: str) -> None:
        self.token = token
        self.state = state
        self.fiber: Fiber | None = None
        self.outcome: tuple[str, Any] | None = None  # ("success", output) / ("failure", (error, cause))
        self.timeout_at: float | None = None
        self.heartbeat_at: float | None = None
        self.heartbeat_seconds: int | None = None

    def __repr__(self) -> str:
        status = "waiting" if self.outcome is None else self.outcome[0]
        return f"<TaskToken for state {self.state!r} ({status}): {self.token[:24]}...>"


class _AwaitToken:
    __slots__ = ("token",)

    def __init__(self, token: TaskToken) -> None:
        self.token = token


class Fiber:
    __slots__ = (
        "gen",
        "time",
        "seq",
        "log",
        "last",
        "waiter",
        "waiting",
        "done",
        "result",
        "error",
        "send",
        "cancelled",
        "started",
    )

    def __init__(self, gen: Generator, time: float, seq: int, log: EventLog, last: int) -> None:
        self.gen = gen
        self.time = time
        self.seq = seq
        self.log = log
        self.last = last
        self.waiter: Fiber | None = None  # the fiber blocked in WaitAny on this one
        self.waiting: list[Fiber] | None = None  # the fibers this one is blocked on
        self.done = False
        self.result: Any = None
        self.error: StatesError | None = None
        self.send: Any = None
        self.cancelled = False
        self.started = False


# ----------------------------------------------------------------------------- variables


class Variables:
    """One scope of workflow variables; inner scopes (branches, iterations) read outer ones."""

    __slots__ = ("values", "parent", "sizes")

    def __init__(self, parent: Variables | None = None) -> None:
        self.values: dict[str, Any] = {}
        self.parent = parent
        self.sizes: dict[str, int] = {}  # bytes of each value's JSON text (for AWS's limits)

    def get(self, name: str) -> Any:
        scope: Variables | None = self
        while scope is not None:
            values = scope.values
            if name in values:
                return values[name]
            scope = scope.parent
        raise df.runtime_error(f"The variable '${name}' is not defined at this point of the execution")

    def flatten(self) -> dict[str, Any]:
        chain = []
        scope: Variables | None = self
        while scope is not None:
            chain.append(scope.values)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for values in reversed(chain):
            merged.update(values)
        return merged


# ----------------------------------------------------------------------------- one state visit


class _Scope:
    """Where a fiber runs: its variables and, inside a Map iteration, the current item."""

    __slots__ = ("variables", "map_item")

    def __init__(self, variables: Variables, map_item: dict | None) -> None:
        self.variables = variables
        self.map_item = map_item


class Visit:
    """The environment expressions see while one state runs (implements dataflow.Env)."""

    __slots__ = (
        "run",
        "scope",
        "state",
        "entered_time",
        "entered_id",
        "retry_count",
        "token",
        "_context",
        "trace",
    )

    def __init__(self, run: Run, scope: _Scope, state: m.State, entered_id: int) -> None:
        self.trace: dict[str, Any] | None = None
        self.run = run
        self.scope = scope
        self.state = state
        self.entered_time = run.now
        self.entered_id = entered_id
        self.retry_count: int | None = None
        self.token: str | None = None
        self._context: dict | None = None

    @property
    def rng(self) -> random.Random:
        return self.run.rng

    def context(self) -> dict[str, Any]:
        ctx = self._context
        if ctx is None:
            state_part: dict[str, Any] = {"EnteredTime": iso_time(self.entered_time), "Name": self.state.name}
            if self.retry_count is not None:
                state_part["RetryCount"] = self.retry_count
            ctx = dict(self.run.execution_context)
            ctx["State"] = state_part
            if self.token is not None:
                ctx["Task"] = {"Token": self.token}
            if self.scope.map_item is not None:
                ctx["Map"] = {"Item": self.scope.map_item}
            self._context = ctx
        return ctx

    def invalidate(self) -> None:
        self._context = None

    def record(self, stage: str, value: Any) -> None:
        """Keep a data-flow stage (TestState's inspection names) for the inspector."""
        trace = self.trace
        if trace is not None:
            trace[stage] = value

    def variable(self, name: str) -> Any:
        return self.scope.variables.get(name)


def uuid_text(raw: bytes) -> str:
    """16 bytes as a version-4 UUID (what AWS uses for execution names by default)."""
    h = bytearray(raw)
    h[6] = (h[6] & 0x0F) | 0x40
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def input_text(value: Any) -> str:
    """The execution input as JSON text; a TypeError explains what is not JSON."""
    try:
        return dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the execution input is not JSON: {exc}") from None


def _token_limit(token: TaskToken) -> float | None:
    limits = [t for t in (token.timeout_at, token.heartbeat_at) if t is not None]
    return min(limits) if limits else None


def iso_time(seconds: float) -> str:
    """AWS's timestamp format in the context object: ``2024-01-31T12:00:00.123Z``."""
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class _ExecutionEnded(Exception):
    """Internal: stop the run now (history limit, timeout, abort)."""


# ----------------------------------------------------------------------------- the run


class RunSetup:
    """What every run of one StateMachine with the same options shares (built once, reused)."""

    __slots__ = (
        "machine",
        "handlers",
        "region",
        "account",
        "role_arn",
        "state_machine_name",
        "state_machine_arn",
        "timeout",
        "local_aws",
    )

    def __init__(
        self,
        machine: m.Machine,
        handlers: HandlerRegistry,
        state_machine_name: str,
        region: str,
        account: str,
        role_arn: str,
        local_aws: bool = True,
    ) -> None:
        self.machine = machine
        self.local_aws = local_aws  # Tasks no mock or handler serves are served by the in-process AWS
        self.handlers = handlers
        self.region = region
        self.account = account
        self.role_arn = role_arn
        self.state_machine_name = state_machine_name
        self.state_machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{state_machine_name}"
        self.timeout = machine.timeout_seconds if isinstance(machine.timeout_seconds, int) else None


class Run:
    """One local execution: the scheduler, the clock, the history and the state runners."""

    __slots__ = (
        "setup",
        "input",
        "_seed",
        "_rng",
        "listener",
        "_execution_arn",
        "_identity",
        "_execution_name",
        "start_time",
        "now",
        "events",
        "status",
        "output",
        "output_text",
        "error",
        "cause",
        "stop_time",
        "_ready",
        "_seq",
        "_current",
        "_main",
        "tokens",
        "notes",
        "tracing",
        "traces",
        "map_runs",
        "deadline",
        "_execution_ctx",
        "_last_text",
        "variable_bytes",
    )

    def __init__(
        self,
        setup: RunSetup,
        input_value: Any,
        *,
        execution_name: str | None,
        start_time: float,
        seed: int | None = None,
        identity: bytes | None = None,
        listener: Callable[[Run, int], None] | None = None,
    ) -> None:
        self.setup = setup
        self.input = input_value
        self._seed = seed
        self._rng: random.Random | None = None
        self.listener = listener
        self._execution_arn: str | None = None
        self._execution_name = execution_name
        # what names the run and seeds its randomness when no name/seed was given (hashed on first use)
        self._identity = identity
        self.start_time = start_time
        self.now = start_time
        self.events = EventLog()
        self.status = "RUNNING"
        self.output: Any = MISSING
        self.output_text: str | None = None
        self.error: str | None = None
        self.cause: str | None = None
        self.stop_time: float | None = None
        self._ready: list[tuple[float, int, Fiber]] = []
        self._seq = 0
        self._current: Fiber | None = None
        self._main: Fiber | None = None
        self.tokens: dict[str, TaskToken] = {}
        self.notes: list[str] = []  # hints for the user (e.g. a Lambda function with no handler)
        self.tracing = True
        # data-flow stages by the id of the state's StateEntered event (plain states are derived)
        self.traces: dict[int, dict[str, Any]] = {}
        self.map_runs: dict[str, list[Any]] = {}
        self.deadline = start_time + setup.timeout if setup.timeout is not None else None
        self._execution_ctx: dict[str, Any] | None = None
        self._last_text: tuple[Any, str] | None = None
        self.variable_bytes = 0

    # what all runs of the machine share
    machine = property(lambda self: self.setup.machine)
    handlers = property(lambda self: self.setup.handlers)
    region = property(lambda self: self.setup.region)
    account = property(lambda self: self.setup.account)
    role_arn = property(lambda self: self.setup.role_arn)
    state_machine_name = property(lambda self: self.setup.state_machine_name)
    state_machine_arn = property(lambda self: self.setup.state_machine_arn)

    def _digest(self) -> bytes:
        return hashlib.blake2b(self._identity or b"", digest_size=16).digest()

    @property
    def execution_name(self) -> str:
        name = self._execution_name
        if name is None:
            name = self._execution_name = uuid_text(self._digest())
        return name

    @property
    def execution_arn(self) -> str:
        arn = self._execution_arn
        if arn is None:
            arn = self._execution_arn = (
                f"arn:aws:states:{self.region}:{self.account}:execution:{self.state_machine_name}:"
                f"{self.execution_name}"
            )
        return arn

    @property
    def rng(self) -> random.Random:
        """Randomness of this run (UUIDs, jitter, tokens), reproducible from its seed or identity."""
        rng = self._rng
        if rng is None:
            seed = self._seed if self._seed is not None else int.from_bytes(self._digest(), "big")
            rng = self._rng = random.Random(seed)
        return rng

    @property
    def execution_context(self) -> dict[str, Any]:
        """The ``Execution`` and ``StateMachine`` parts of the context object (built on first use)."""
        ctx = self._execution_ctx
        if ctx is None:
            ctx = self._execution_ctx = {
                "Execution": {
                    "Id": self.execution_arn,
                    "Input": self.input,
                    "StartTime": iso_time(self.start_time),
                    "Name": self.execution_name,
                    "RoleArn": self.role_arn,
                    "RedriveCount": 0,
                },
                "StateMachine": {"Id": self.state_machine_arn, "Name": self.state_machine_name},
            }
        return ctx

    # -- history

    def emit(self, event_type: str, details: dict[str, Any] | None) -> int:
        """Record an event in the current fiber's history (the hot path: kept small)."""
        fiber = self._current
        if fiber is None:
            log = self.events
            records = log.records
            count = previous = len(records)
        else:
            log = fiber.log
            records = log.records
            count = len(records)
            previous = fiber.last
        main = log is self.events
        if main and count >= HISTORY_LIMIT - 1:
            self._fail_history_limit()
        records.append((event_type, self.now, previous, details))
        event_id = count + 1
        if fiber is not None:
            fiber.last = event_id
        if main and self.listener is not None:
            self.listener(self, event_id)
        return event_id

    def _fail_history_limit(self) -> None:
        self.error = "States.Runtime"
        self.cause = f"The execution reached the maximum number of history events ({HISTORY_LIMIT})."
        self.notes.append(
            "A loop that runs this long belongs in a Map state in DISTRIBUTED mode or in child executions."
        )
        raise _ExecutionEnded

    def text(self, value: Any, state: str) -> str:
        """JSON text of a payload for the history, enforcing the 256 KiB limit."""
        cached = self._last_text
        if cached is not None and cached[0] is value:
            return cached[1]
        try:
            text = dumps(value)
        except (TypeError, ValueError) as exc:
            raise df.runtime_error(f"the value is not JSON: {exc}") from None
        if len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{state}' returned a result with a size exceeding the maximum number of "
                "bytes service limit.",
            )
        self._last_text = (value, text)
        return text

    # -- driving

    def start(self, text: str | None = None) -> None:
        """Record ExecutionStarted and schedule the main fiber (``text``: the input as JSON, if known)."""
        if text is None:
            text = input_text(self.input)
        if len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD:
            raise ValueError(
                f"the execution input is {utf8_size(text)} bytes; Step Functions accepts at most {MAX_PAYLOAD}"
            )
        self.events.add(
            "ExecutionStarted",
            self.now,
            0,
            {"input": text, "inputDetails": _TRUNCATED, "roleArn": self.setup.role_arn},
        )
        if isinstance(self.input, (dict, list)):
            self.input = loads_compact(text)  # a private copy: the caller's object is never shared or mutated
        self._last_text = (self.input, text)
        if self.listener is not None:
            self.listener(self, 1)
        scope = _Scope(Variables(), None)
        gen = self.run_scope(self.setup.machine, self.input, scope)
        # as on AWS, the first state's entry names no previous event (previousEventId 0)
        self._main = self._spawn(gen, self.events, 0)

    def _new_fiber(self, gen: Generator, log: EventLog, last: int) -> Fiber:
        self._seq += 1
        return Fiber(gen, self.now, self._seq, log, last)

    def _spawn(self, gen: Generator, log: EventLog, last: int) -> Fiber:
        fiber = self._new_fiber(gen, log, last)
        heapq.heappush(self._ready, (fiber.time, fiber.seq, fiber))
        return fiber

    @property
    def finished(self) -> bool:
        return self.status != "RUNNING"

    def drive(self) -> None:
        """Run until the execution ends or every fiber waits for a task token."""
        ready = self._ready
        try:
            main = self._main
            if main is not None and not main.started and len(ready) == 1 and ready[0][2] is main:
                ready.clear()  # the usual start: step the execution's own fiber without the heap
                self._step(main)
            while ready and self.status == "RUNNING":
                time, _, fiber = heapq.heappop(ready)
                if fiber.done or fiber.cancelled:
                    continue
                if self.deadline is not None and time > self.deadline:
                    self.now = self.deadline
                    self._timed_out()
                    return
                self.now = time
                self._step(fiber)
        except _ExecutionEnded:
            self._end_failed("ExecutionFailed")

    def _step(self, fiber: Fiber) -> None:
        self._current = fiber
        fiber.started = True
        gen = fiber.gen
        value = fiber.send
        fiber.send = None
        while True:
            try:
                if isinstance(value, StatesError):
                    cmd = gen.throw(value)
                else:
                    cmd = gen.send(value)
            except StopIteration as stop:
                self._finish(fiber, stop.value, None)
                return
            except StatesError as err:
                self._finish(fiber, None, err)
                return
            kind = type(cmd)
            if kind is _Sleep:
                fiber.time = self.now + cmd.seconds
                heapq.heappush(self._ready, (fiber.time, fiber.seq, fiber))
                return
            if kind is _Spawn:
                log = cmd.log if cmd.log is not None else fiber.log
                last = cmd.last if cmd.last is not None else fiber.last
                child = self._new_fiber(cmd.gen, log, last)
                # run the child at once until it waits or ends: children that never wait (a Map
                # over Pass states) cost no trip through the scheduler; the order is unchanged,
                # since siblings would have run one after another anyway
                self._step(child)
                self._current = fiber
                value = child
                continue
            if kind is _WaitAny:
                finished = next((f for f in cmd.fibers if f.done), None)
                if finished is not None:
                    if finished.log is fiber.log:  # the parent's next event follows the child's last
                        fiber.last = finished.last
                    value = finished
                    continue
                fiber.waiting = cmd.fibers
                for child in cmd.fibers:
                    child.waiter = fiber
                return
            if kind is _Cancel:
                for child in cmd.fibers:
                    self._cancel(child)
                value = None
                continue
            if kind is _AwaitToken:
                token = cmd.token
                token.fiber = fiber
                if token.outcome is not None:
                    value = token
                    continue
                return
            raise AssertionError(f"unknown scheduler command {cmd!r}")

    def _finish(self, fiber: Fiber, result: Any, error: StatesError | None) -> None:
        fiber.done = True
        fiber.result = result
        fiber.error = error
        parent = fiber.waiter
        if fiber is self._main:
            if error is None:
                self._succeed(result)
            else:
                self.error, self.cause = error.error, error.cause
                self._end_failed("ExecutionFailed")
            return
        if parent is not None and not parent.done and parent.waiting is not None and fiber in parent.waiting:
            for sibling in parent.waiting:
                sibling.waiter = None
            parent.waiting = None
            parent.send = fiber
            parent.time = max(parent.time, self.now)
            # behind the fibers already due now: siblings started together finish their step first,
            # as concurrent branches do on AWS
            self._seq += 1
            parent.seq = self._seq
            parent.last = fiber.last if fiber.log is parent.log else parent.last
            heapq.heappush(self._ready, (parent.time, parent.seq, parent))

    def _cancel(self, fiber: Fiber) -> None:
        if fiber.done:
            return
        fiber.cancelled = True
        fiber.done = True
        fiber.gen.close()

    def _succeed(self, output: Any) -> None:
        self._current = self._main
        try:
            text = self.text(output, "execution")
        except StatesError as err:
            self.error, self.cause = err.error, err.cause
            self._end_failed("ExecutionFailed")
            return
        self.emit("ExecutionSucceeded", {"output": text, "outputDetails": _TRUNCATED})
        self.status = "SUCCEEDED"
        self.output = output
        self.output_text = text
        self.stop_time = self.now

    def _end_failed(self, event_type: str) -> None:
        details: dict[str, Any] = {}
        if self.error is not None:
            details["error"] = self.error
        if self.cause is not None:
            details["cause"] = self.cause
        main = self._main
        if event_type == "ExecutionFailed":
            previous = main.last if main is not None and main.log is self.events else len(self.events)
        else:  # a timer or StopExecution ends the run, not any event of it: AWS links these to 0
            previous = 0
        self._current = main
        self.events.add(event_type, self.now, previous, details)
        if self.listener is not None:
            self.listener(self, len(self.events))
        self.status = {
            "ExecutionFailed": "FAILED",
            "ExecutionTimedOut": "TIMED_OUT",
            "ExecutionAborted": "ABORTED",
        }[event_type]
        self.stop_time = self.now
        self._close_all()

    def _timed_out(self) -> None:
        self.error = "States.Timeout"  # AWS records the error alone, with no cause
        self.cause = None
        self._end_failed("ExecutionTimedOut")

    def _close_all(self) -> None:
        for _, _, fiber in self._ready:
            if not fiber.done:
                fiber.cancelled = True
                fiber.done = True
                fiber.gen.close()
        self._ready.clear()
        if self._main is not None and not self._main.done:
            self._main.done = True
            self._main.gen.close()

    def abort(self, error: str | None = None, cause: str | None = None) -> None:
        """StopExecution: end a running execution as ABORTED."""
        if self.status != "RUNNING":
            return
        self.error, self.cause = error, cause
        self._end_failed("ExecutionAborted")

    def advance(self, seconds: float) -> None:
        """Let virtual time pass while the execution waits for callbacks: task, heartbeat and
        execution timeouts that fall due fire, in time order."""
        target = self.now + seconds
        horizon = target if self.deadline is None else min(target, self.deadline)
        for token in sorted(self.tokens.values(), key=lambda t: _token_limit(t) or float("inf")):
            limit = _token_limit(token)
            if limit is None or limit > horizon or token.outcome is not None or token.fiber is None:
                continue
            heartbeat = token.heartbeat_at is not None and (
                token.timeout_at is None or token.heartbeat_at < token.timeout_at
            )
            token.outcome = ("timeout", "States.HeartbeatTimeout" if heartbeat else "States.Timeout")
            self._resume_token(token, limit)
        self.drive()
        if self.status == "RUNNING":
            if self.deadline is not None and target >= self.deadline:
                self.now = max(self.now, self.deadline)
                self._timed_out()
            else:
                self.now = max(self.now, target)

    def complete_token(self, token_id: str, outcome: tuple[str, Any]) -> None:
        token = self.tokens.get(token_id)
        if token is None or token.outcome is not None:
            raise KeyError(token_id)
        token.outcome = outcome
        if token.fiber is not None:
            self._resume_token(token, self.now)
            self.drive()

    def heartbeat(self, token_id: str) -> None:
        token = self.tokens.get(token_id)
        if token is None or token.outcome is not None:
            raise KeyError(token_id)
        if token.heartbeat_seconds is not None:
            token.heartbeat_at = self.now + token.heartbeat_seconds

    def _resume_token(self, token: TaskToken, at: float) -> None:
        fiber = token.fiber
        assert fiber is not None
        fiber.send = token
        fiber.time = max(fiber.time, at)
        heapq.heappush(self._ready, (fiber.time, fiber.seq, fiber))

    @property
    def waiting_tokens(self) -> list[TaskToken]:
        return [t for t in self.tokens.values() if t.outcome is None and t.fiber is not None]

    # -- scopes and states

    def run_scope(self, machine: m.Machine, value: Any, scope: _Scope) -> Generator[Any, Any, Any]:
        states = machine.states
        state = states[machine.start_at]
        runners = _RUNNERS
        emit = self.emit
        while True:
            if state.plain and state.type in _PASS_THROUGH:
                # a Pass or Succeed that transforms nothing: its output is its input, so the two events
                # share one JSON text and no data-flow step runs (its trace is derived from them)
                cached = self._last_text
                text = (
                    cached[1] if cached is not None and cached[0] is value else self.text(value, state.name)
                )
                name = state.name
                emit(_ENTERED[state.type], {"name": name, "input": text, "inputDetails": _TRUNCATED})
                emit(_EXITED[state.type], {"name": name, "output": text, "outputDetails": _TRUNCATED})
                next_name = state.next
            else:
                outcome = runners[state.type](self, state, value, scope)
                if type(outcome) is GeneratorType:
                    outcome = yield from outcome
                value, next_name = outcome
            if next_name is None:
                return value
            state = states[next_name]

    def enter(self, state: m.State, value: Any, scope: _Scope) -> Visit:
        cached = self._last_text
        text = cached[1] if cached is not None and cached[0] is value else self.text(value, state.name)
        event_id = self.emit(
            _ENTERED[state.type], {"name": state.name, "input": text, "inputDetails": _TRUNCATED}
        )
        visit = Visit(self, scope, state, event_id)
        if self.tracing and not state.plain:
            fiber = self._current
            if fiber is None or fiber.log is self.events:  # the inspector covers the main history
                visit.trace = self.traces[event_id] = {"input": value}
        return visit

    def exit(self, visit: Visit, output: Any, assigned: dict[str, Any] | None = None) -> None:
        state = visit.state
        details: dict[str, Any] = {
            "name": state.name,
            "output": self.text(output, state.name),
            "outputDetails": _TRUNCATED,
        }
        trace = visit.trace
        if assigned:
            details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = _TRUNCATED
            if trace is not None:
                trace["variables"] = assigned
        if trace is not None:
            trace["output"] = output
        self.emit(_EXITED[state.type], details)

    def located(self, err: StatesError, visit: Visit) -> StatesError:
        """Give a runtime error AWS's "An error occurred while executing the state ..." prefix."""
        if err.locate:
            err.cause = (
                f"An error occurred while executing the state '{visit.state.name}' (entered at the event id "
                f"#{visit.entered_id}). {err.cause}"
            )
            err.locate = False
            if err.hint is not None:
                self.notes.append(f"State '{visit.state.name}': {err.hint}")
            location = getattr(err, "location", None)
            if err.error == "States.QueryEvaluationError":
                details = {"error": err.error, "cause": err.cause, "state": visit.state.name}
                if location is not None:
                    details = {
                        "error": err.error,
                        "cause": err.cause,
                        "location": location,
                        "state": visit.state.name,
                    }
                self.emit("EvaluationFailed", details)
        visit.record("error", err.error)
        visit.record("cause", err.cause)
        return err

    # -- assign

    def assign(
        self, template: Any, visit: Visit, doc: Any, states: Callable[[], dict] | None
    ) -> dict[str, Any] | None:
        """Evaluate an Assign block; returns the new values (applied by the caller after Output)."""
        if template is MISSING:
            return None
        values = df.evaluate(template, doc, visit, states)
        if not isinstance(values, dict):
            return None
        total = 0
        for name, value in values.items():
            size = utf8_size(dumps(value))
            if size > VARIABLE_LIMIT:
                raise df.runtime_error(
                    f"The value assigned to the variable '{name}' is {size} bytes; a variable holds at most "
                    f"{VARIABLE_LIMIT} bytes (256 KiB).",
                    "States.DataLimitExceeded",
                )
            total += size
        if total > VARIABLE_LIMIT:
            raise df.runtime_error(
                f"The values assigned by this state are {total} bytes together; one Assign may set at most "
                f"{VARIABLE_LIMIT} bytes (256 KiB).",
                "States.DataLimitExceeded",
            )
        return values

    def commit(self, scope: _Scope, assigned: dict[str, Any] | None) -> None:
        if assigned:
            variables = scope.variables
            sizes = variables.sizes
            for name, value in assigned.items():
                size = utf8_size(dumps(value))
                self.variable_bytes += size - sizes.get(name, 0)
                sizes[name] = size
            if self.variable_bytes > VARIABLES_TOTAL_LIMIT:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The variables of this execution hold {self.variable_bytes} bytes; an execution may store "
                    f"at most {VARIABLES_TOTAL_LIMIT} bytes (10 MiB).",
                )
            variables.values.update(assigned)


# ----------------------------------------------------------------------------- state runners
# Each runner returns (output, next_state_name_or_None), or a generator that does.


def _jsonata_states(visit: Visit, raw: Any, **extra: Any) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        binding = {"input": raw, "context": visit.context()}
        binding.update(extra)
        return binding

    return build


def _finish_simple(
    run: Run, state: m.State, visit: Visit, raw: Any, effective: Any, scope: _Scope
) -> tuple[Any, str | None]:
    """Output processing shared by Pass/Choice/Wait/Succeed once their work is done."""
    if state.is_jsonata:
        states = _jsonata_states(visit, raw)
        output = raw if state.output is MISSING else df.evaluate(state.output, raw, visit, states)
        assigned = run.assign(state.assign, visit, raw, states)
    else:
        assigned = run.assign(state.assign, visit, effective, None)
        output = df.apply_output_path(state.output_path, effective, visit)
    run.commit(scope, assigned)
    run.exit(visit, output, assigned)
    return output, state.next


def run_pass(run: Run, state: m.PassState, raw: Any, scope: _Scope) -> tuple[Any, str | None]:
    visit = run.enter(state, raw, scope)
    try:
        if state.is_jsonata:
            return _finish_simple(run, state, visit, raw, raw, scope)
        trace = visit.trace
        effective = raw if state.input_path is MISSING else df.apply_input_path(state.input_path, raw, visit)
        if state.parameters is not MISSING:
            effective = df.evaluate(state.parameters, effective, visit)
        result = state.result if state.result is not MISSING else effective
        assigned = None if state.assign is MISSING else run.assign(state.assign, visit, result, None)
        combined = (
            result if state.result_path is MISSING else df.apply_result_path(state.result_path, raw, result)
        )
        output = (
            combined
            if state.output_path is MISSING
            else df.apply_output_path(state.output_path, combined, visit)
        )
        if trace is not None:
            trace["afterInputPath"] = trace["afterParameters"] = effective
            trace["result"] = result
            trace["afterResultPath"] = combined
        if assigned:
            run.commit(scope, assigned)
        run.exit(visit, output, assigned)
        return output, state.next
    except StatesError as err:
        raise run.located(err, visit) from None


def run_succeed(run: Run, state: m.SucceedState, raw: Any, scope: _Scope) -> tuple[Any, str | None]:
    visit = run.enter(state, raw, scope)
    try:
        if state.is_jsonata:
            return _finish_simple(run, state, visit, raw, raw, scope)[0], None
        effective = raw if state.input_path is MISSING else df.apply_input_path(state.input_path, raw, visit)
        output = (
            effective
            if state.output_path is MISSING
            else df.apply_output_path(state.output_path, effective, visit)
        )
        run.exit(visit, output)
        return output, None
    except StatesError as err:
        raise run.located(err, visit) from None


def run_fail(run: Run, state: m.FailState, raw: Any, scope: _Scope) -> tuple[Any, str | None]:
    visit = run.enter(state, raw, scope)
    try:
        error = _fail_field(state.error, raw, visit, "Error")
        cause = _fail_field(state.cause, raw, visit, "Cause")
    except StatesError as err:
        raise run.located(err, visit) from None
    raise StatesError(error, cause)


def _fail_field(expr: Any, raw: Any, visit: Visit, name: str) -> str | None:
    if expr is MISSING:
        return None
    states = _jsonata_states(visit, raw) if visit.state.is_jsonata else None
    value = df.evaluate(expr, raw, visit, states)
    if not isinstance(value, str):
        if type(expr) is m.TJsonata:
            df.expect_type(value, "string", expr)
        raise df.runtime_error(
            f"The {name}Path field must resolve to a string, but it resolved to {dumps(value)}"
        )
    return value


def run_choice(run: Run, state: m.ChoiceState, raw: Any, scope: _Scope) -> tuple[Any, str | None]:
    visit = run.enter(state, raw, scope)
    try:
        if state.is_jsonata:
            states = _jsonata_states(visit, raw)
            for rule in state.choices:
                cond = rule.condition
                if type(cond) is m.TConst:
                    matched = cond.value is True
                else:
                    value = df.evaluate(cond, raw, visit, states)
                    if not isinstance(value, bool):
                        df.expect_type(value, "boolean", cond)  # type: ignore[arg-type]
                    matched = value is True
                if matched:
                    output_t = rule.output
                    assign_t = rule.assign
                    output = raw if output_t is MISSING else df.evaluate(output_t, raw, visit, states)
                    assigned = run.assign(assign_t, visit, raw, states)
                    run.commit(scope, assigned)
                    run.exit(visit, output, assigned)
                    return output, rule.next
        else:
            effective = df.apply_input_path(state.input_path, raw, visit)
            for rule in state.choices:
                if choice_rules.evaluate_condition(rule.condition, effective, visit):
                    assign_t = rule.assign
                    assigned = run.assign(assign_t, visit, effective, None)
                    output = df.apply_output_path(state.output_path, effective, visit)
                    run.commit(scope, assigned)
                    run.exit(visit, output, assigned)
                    return output, rule.next
        if isinstance(state.default, str):
            return _finish_simple(
                run, state, visit, raw, df.apply_input_path(state.input_path, raw, visit), scope
            )[0], state.default
        raise df.runtime_error(
            "No Choice Rule matched and no Default was specified.", "States.NoChoiceMatched"
        )
    except StatesError as err:
        raise run.located(err, visit) from None


def run_wait(
    run: Run, state: m.WaitState, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    visit = run.enter(state, raw, scope)
    try:
        effective = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
        seconds = _wait_seconds(run, state, effective, raw, visit)
    except StatesError as err:
        raise run.located(err, visit) from None
    if seconds > 0:
        yield _Sleep(seconds)
    try:
        return _finish_simple(run, state, visit, raw, effective, scope)
    except StatesError as err:
        raise run.located(err, visit) from None


def _wait_seconds(run: Run, state: m.WaitState, effective: Any, raw: Any, visit: Visit) -> float:
    field = state.wait_field
    states = _jsonata_states(visit, raw) if state.is_jsonata else None
    node = state.seconds if field in ("Seconds", "SecondsPath") else state.timestamp
    if field.endswith("Path"):  # a path that finds nothing gets AWS's own message for the field
        path = node.path  # type: ignore[union-attr]
        value = df.resolve_path(
            path,
            effective,
            visit,
            field,
            missing=f"The {field} parameter does not reference an input value: {path.text}",
        )
    else:
        value = df.evaluate(node, effective, visit, states)
    if field == "SecondsPath":
        if not is_integer(value) or (isinstance(value, float) and not value.is_integer()):
            raise df.runtime_error(
                f"The SecondsPath parameter cannot be parsed as a long value: {path.text} == {_java_text(value)}"
            )
        if value < 0:
            raise df.runtime_error(
                f"The SecondsPath parameter references a negative value: {path.text} == {_java_text(value)}"
            )
        return float(value)
    if field == "Seconds":
        if type(node) is m.TJsonata:
            if not is_integer(value):
                df.expect_type(value, "integer", node)
            if value < 0:
                raise df.query_error(_jsonata_number_cause(node, value), node.field)
        return float(value)
    stamp = parse_timestamp(value)
    if stamp is None:
        if field == "TimestampPath":
            raise df.runtime_error(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                f"format string: {path.text} == {_java_text(value)}"
            )
        raise df.query_error(
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            f"{_java_text(value)}",
            "Timestamp",
        )
    return max(0.0, stamp.timestamp() - run.now)


def _java_text(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


# -- Task


def run_task(
    run: Run, state: m.TaskState, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    visit = run.enter(state, raw, scope)
    info = parse_resource(state.resource, run.region)
    return (
        yield from _with_retry(
            run, state, visit, raw, scope, lambda: _task_attempt(run, state, info, visit, raw, scope)
        )
    )


def _with_retry(
    run: Run,
    state: Any,
    visit: Visit,
    raw: Any,
    scope: _Scope,
    attempt: Callable[[], Generator[Any, Any, tuple[Any, dict | None]]],
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Run ``attempt`` under the state's Retry and Catch rules."""
    counts = [0] * len(state.retry)
    total = 0
    while True:
        visit.retry_count = total
        visit.invalidate()
        try:
            output, assigned = yield from attempt()
            run.commit(scope, assigned)
            run.exit(visit, output, assigned)
            return output, state.next
        except StatesError as err:
            run.located(err, visit)
            index = find_retrier(state.retry, err.error)
            if index is not None:
                retrier = state.retry[index]
                if counts[index] < retrier.max_attempts:
                    counts[index] += 1
                    total += 1
                    delay = retry_delay(retrier, counts[index], run.rng)
                    if delay > 0:
                        yield _Sleep(delay)
                    continue
            failed_event = _STATE_FAILED.get(state.type)
            if failed_event is not None and err.error != "States.Runtime":
                run.emit(failed_event, None)
            catch_index = find_catcher(state.catch, err.error)
            if catch_index is None:
                raise
            catcher = state.catch[catch_index]
            return _caught(run, state, visit, raw, scope, catcher, err)


def _caught(
    run: Run, state: Any, visit: Visit, raw: Any, scope: _Scope, catcher: m.Catcher, err: StatesError
) -> tuple[Any, str | None]:
    error_output = err.output()
    try:
        if state.is_jsonata:
            states = _jsonata_states(visit, raw, errorOutput=error_output)
            output = (
                error_output if catcher.output is MISSING else df.evaluate(catcher.output, raw, visit, states)
            )
            assigned = run.assign(catcher.assign, visit, raw, states)
        else:
            assigned = run.assign(catcher.assign, visit, error_output, None)
            output = df.apply_result_path(catcher.result_path, raw, error_output)
    except StatesError as inner:
        raise run.located(inner, visit) from None
    visit.record("errorOutput", error_output)
    visit.record("caughtBy", catcher.pointer)
    run.commit(scope, assigned)
    run.exit(visit, output, assigned)
    return output, catcher.next


def _result_processing(run: Run, state: Any, visit: Visit, raw: Any, result: Any) -> tuple[Any, dict | None]:
    """After a Task/Parallel/Map produced ``result``: selectors, paths or JSONata Output, and Assign."""
    visit.record("result", result)
    if state.is_jsonata:
        states = _jsonata_states(visit, raw, result=result)
        output = result if state.output is MISSING else df.evaluate(state.output, raw, visit, states)
        assigned = run.assign(state.assign, visit, raw, states)
        return output, assigned
    selected = (
        result if state.result_selector is MISSING else df.evaluate(state.result_selector, result, visit)
    )
    visit.record("afterResultSelector", selected)
    assigned = run.assign(state.assign, visit, selected, None)
    combined = df.apply_result_path(state.result_path, raw, selected)
    visit.record("afterResultPath", combined)
    return df.apply_output_path(state.output_path, combined, visit), assigned


def _effective_input(state: Any, visit: Visit, raw: Any) -> Any:
    """What a Task sends or a Parallel/Map distributes: InputPath + Parameters, or JSONata Arguments."""
    if state.is_jsonata:
        if state.arguments is MISSING:
            visit.record("afterArguments", raw)
            return raw
        arguments = df.evaluate(state.arguments, raw, visit, _jsonata_states(visit, raw))
        visit.record("afterArguments", arguments)
        return arguments
    effective = df.apply_input_path(state.input_path, raw, visit)
    visit.record("afterInputPath", effective)
    if state.parameters is not MISSING:
        effective = df.evaluate(state.parameters, effective, visit)
    visit.record("afterParameters", effective)
    return effective


def _timeout_value(expr: Any, visit: Visit, raw: Any, effective: Any, name: str) -> int | None:
    if expr is MISSING:
        return None
    states = _jsonata_states(visit, raw) if visit.state.is_jsonata else None
    value = df.evaluate(expr, effective, visit, states)
    if type(expr) is m.TJsonata:  # a JSONata result of the wrong kind is a query error
        if not is_integer(value):
            df.expect_type(value, "integer", expr)
        if value <= 0:
            raise df.query_error(_jsonata_number_cause(expr, value), expr.field)
        return int(value)
    if not is_integer(value) or value <= 0:
        raise df.runtime_error(f"The {name} field must be a positive integer, got {dumps(value)}")
    return int(value)


def _jsonata_number_cause(expr: m.TJsonata, value: Any) -> str:
    problem = "a negative value" if value < 0 else "a value out of range"
    return f"The JSONata expression '{expr.expr.source}' specified for the field '{expr.field}' returned {problem}: {dumps(value)}"


def _task_attempt(
    run: Run, state: m.TaskState, info: ResourceInfo, visit: Visit, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    if info.waits_for_token:
        token = _new_token(run, state)
        visit.token = token.token
        visit.invalidate()
    else:
        token = None
    effective_raw = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
    params = _effective_input(state, visit, raw)
    timeout = _timeout_value(state.timeout_seconds, visit, raw, effective_raw, "TimeoutSecondsPath")
    heartbeat = _timeout_value(state.heartbeat_seconds, visit, raw, effective_raw, "HeartbeatSecondsPath")
    credentials = _task_credentials(state, visit, raw, effective_raw)
    text = run.text(params, state.name)
    result = yield from _invoke(run, state, info, visit, params, text, timeout, heartbeat, token, credentials)
    return _result_processing(run, state, visit, raw, result)


def _task_credentials(state: m.TaskState, visit: Visit, raw: Any, effective: Any) -> dict[str, Any] | None:
    """The ``taskCredentials`` of the scheduled event: the role named by the state's Credentials."""
    if state.credentials is MISSING:
        return None
    states = _jsonata_states(visit, raw) if state.is_jsonata else None
    value = df.evaluate(state.credentials, effective, visit, states)
    if not isinstance(value, dict) or not isinstance(value.get("RoleArn"), str):
        raise df.runtime_error(f"The field 'Credentials' must hold a RoleArn string, got {dumps(value)}")
    return {"roleArn": value["RoleArn"]}


def _new_token(run: Run, state: m.State) -> TaskToken:
    raw_token = "".join(
        run.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(88)
    )
    token = TaskToken("AQB8AAAAKgAAAAMAAAAAAAAAA" + raw_token, state.name)
    run.tokens[token.token] = token
    return token


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


def _invoke(
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
        details: dict[str, Any] = {"resource": info.resource, "input": text, "inputDetails": _TRUNCATED}
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
        details = {"resource": info.resource, "input": text, "inputDetails": _TRUNCATED}
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
    if handler is None and kind == "service":  # then the in-process AWS, if it serves the resource
        handler = local_aws_handler(run, state.name, info)
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
                yield _Sleep(float(timeout))
                return (
                    yield from _task_error(
                        run, info, StatesError("States.Timeout", None), prefix, timed_out=True
                    )
                )
            yield _Sleep(context.elapsed)
        return (yield from _task_error(run, info, failure, prefix))
    if context.elapsed > 0:
        if timeout is not None and context.elapsed >= timeout:
            yield _Sleep(float(timeout))
            return (
                yield from _task_error(run, info, StatesError("States.Timeout", None), prefix, timed_out=True)
            )
        yield _Sleep(context.elapsed)
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
                "outputDetails": _TRUNCATED,
            },
        )
        token.timeout_at = run.now + timeout if timeout is not None else None
        token.heartbeat_seconds = heartbeat
        token.heartbeat_at = run.now + heartbeat if heartbeat is not None else None
        outcome_token = yield _AwaitToken(token)
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
    succeeded: dict[str, Any] = {"output": result_text, "outputDetails": _TRUNCATED}
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
        err.locate = True
    else:
        run.emit(prefix + suffix, details)
    raise err
    yield  # pragma: no cover - makes this a generator


# Map and Parallel record that they failed once the error leaves the state (not between retries);
# AWS does not record it for States.Runtime.
_STATE_FAILED = {"Map": "MapStateFailed", "Parallel": "ParallelStateFailed"}


# -- Parallel


def run_parallel(
    run: Run, state: m.ParallelState, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    visit = run.enter(state, raw, scope)
    return (
        yield from _with_retry(
            run, state, visit, raw, scope, lambda: _parallel_attempt(run, state, visit, raw, scope)
        )
    )


def _parallel_attempt(
    run: Run, state: m.ParallelState, visit: Visit, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    branch_input = _effective_input(state, visit, raw)
    run.emit("ParallelStateStarted", None)
    children = []
    for branch in state.branches:
        child_scope = _Scope(Variables(scope.variables), None)
        fiber = yield _Spawn(run.run_scope(branch, branch_input, child_scope))
        children.append(fiber)
    pending = list(children)
    while pending:
        finished = yield _WaitAny(pending)
        pending.remove(finished)
        if finished.error is not None:
            yield _Cancel(pending)
            raise finished.error
    run.emit("ParallelStateSucceeded", None)
    results = [f.result for f in children]
    return _result_processing(run, state, visit, raw, results)


# -- Map


def run_map(
    run: Run, state: m.MapState, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    visit = run.enter(state, raw, scope)
    return (
        yield from _with_retry(
            run, state, visit, raw, scope, lambda: _map_attempt(run, state, visit, raw, scope)
        )
    )


def _map_items(run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any) -> list[Any]:
    if state.is_jsonata:
        if state.items is MISSING:
            items = raw
            if not isinstance(items, list):
                raise df.query_error(f"Map state input must be an array but was: {dumps(items)}")
            return items
        items = df.evaluate(state.items, raw, visit, _jsonata_states(visit, raw))
        if not isinstance(items, list):
            node = state.items
            if type(node) is m.TJsonata:
                df.expect_type(items, "array", node)
        return items
    path = state.items_path
    items = effective if path is MISSING else df.apply_input_path(path, effective, visit)
    if not isinstance(items, list):
        raise df.runtime_error(
            f"Invalid path '{path.text if path is not MISSING else '$'}' : the value at the path must be an array, "  # type: ignore[union-attr]
            f"but was {dumps(items)}"
        )
    return items


def _map_number(
    run: Run,
    expr: Any,
    visit: Visit,
    raw: Any,
    effective: Any,
    name: str,
    kind: str,
    default: float,
    negative_ok: bool = False,
) -> float:
    if expr is MISSING:
        return default
    states = _jsonata_states(visit, raw) if visit.state.is_jsonata else None
    value = df.evaluate(expr, effective, visit, states)
    if type(expr) is m.TPath:
        if isinstance(value, str):  # AWS parses the text of a string it finds there
            value = _parse_number_text(value, kind)
        if kind == "integer":
            if not is_integer(value) or (isinstance(value, float) and not value.is_integer()):
                raise df.runtime_error(
                    f'The {name}Path field refers to value "{_java_text(value)}" which is not a valid integer: '
                    f"{expr.path.text}"
                )
        elif not is_number(value):
            raise df.runtime_error(
                f'The {name}Path field refers to value "{_java_text(value)}" which is not a valid float: '
                f"{expr.path.text}"
            )
    elif type(expr) is m.TJsonata:  # a JSONata result of the wrong kind is a query error
        if not is_number(value) or (kind == "integer" and not is_integer(value)):
            df.expect_type(value, "integer" if kind == "integer" else "number", expr)
        too_big = name == "ToleratedFailurePercentage" and value > 100
        if (value < 0 and not negative_ok) or too_big:
            raise df.query_error(_jsonata_number_cause(expr, value), expr.field)
    elif not is_number(value):
        raise df.query_error(f"The field '{name}' must be a number, got {dumps(value)}")
    if name == "ToleratedFailurePercentage" and not 0 <= value <= 100:
        raise df.runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
    if value < 0 and not negative_ok:
        raise df.runtime_error(f"{name} cannot be negative.")
    return float(value)


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def _parse_number_text(text: str, kind: str) -> Any:
    """A number written as a string (``"2"``), as a *Path field may find it; else the text unchanged."""
    if kind == "integer":
        return int(text) if _INTEGER_TEXT.fullmatch(text) else text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _map_attempt(
    run: Run, state: m.MapState, visit: Visit, raw: Any, scope: _Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    effective = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
    states = _jsonata_states(visit, raw) if state.is_jsonata else None
    reading = state.item_reader is not MISSING
    if reading:
        reader_params = (
            {}
            if state.reader_parameters is MISSING
            else df.evaluate(state.reader_parameters, effective, visit, states)
        )
        items: list[Any] = []
    else:
        items = _map_items(run, state, visit, raw, effective)
    concurrency = int(
        _map_number(run, state.max_concurrency, visit, raw, effective, "MaxConcurrency", "integer", 0)
    )
    distributed = state.mode == "DISTRIBUTED"

    def child_inputs() -> list[Any]:
        """Each child's input: the items (read by the ItemReader), selected, then batched."""
        if prepared is not None:
            return prepared
        found = items
        if reading:
            from .distributed import read_items

            limit = _map_number(
                run, state.max_items, visit, raw, effective, "MaxItems", "integer", 0, negative_ok=True
            )
            if limit < 0:
                raise StatesError("States.ItemReaderFailed", "field MaxItems must be positive")
            found = read_items(run, state, reader_params, int(limit))
        inputs = [
            _item_input(run, state, visit, raw, effective, scope, i, item) for i, item in enumerate(found)
        ]
        if state.item_batcher is not MISSING:
            from .distributed import batch_items

            batch_input = (
                MISSING
                if state.batch_input is MISSING
                else df.evaluate(state.batch_input, effective, visit, states)
            )
            max_items, max_bytes = (
                None
                if expr is MISSING
                else int(_map_number(run, expr, visit, raw, effective, name, "integer", 0))
                for expr, name in (
                    (state.max_items_per_batch, "MaxItemsPerBatch"),
                    (state.max_input_bytes_per_batch, "MaxInputBytesPerBatch"),
                )
            )
            inputs = batch_items(inputs, max_items, max_bytes, batch_input)
        return inputs

    # items given in the input are selected before the Map starts; an ItemReader's are read by
    # the Map Run, so AWS does not know their number when the Map starts (its length is 0)
    prepared: list[Any] | None = None
    prepared = None if reading else child_inputs()
    run.emit("MapStateStarted", {"length": len(items)})
    tolerated_count = _map_number(
        run, state.tolerated_failure_count, visit, raw, effective, "ToleratedFailureCount", "integer", 0
    )
    tolerated_pct = _map_number(
        run,
        state.tolerated_failure_percentage,
        visit,
        raw,
        effective,
        "ToleratedFailurePercentage",
        "float",
        0,
    )
    if distributed:
        writer_params = (
            {}
            if state.writer_parameters is MISSING
            else df.evaluate(state.writer_parameters, effective, visit, states)
        )
        result = yield from _distributed(
            run, state, visit, scope, child_inputs, concurrency, tolerated_count, tolerated_pct, writer_params
        )
    else:
        result = yield from _inline(run, state, scope, child_inputs(), concurrency)
    return _result_processing(run, state, visit, raw, result)


def _item_input(
    run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any, scope: _Scope, index: int, item: Any
) -> Any:
    if state.item_selector is MISSING:
        return item
    map_item = {"Index": index, "Value": item}
    item_visit = Visit(run, _Scope(scope.variables, map_item), state, visit.entered_id)
    item_visit.entered_time = visit.entered_time
    item_visit.retry_count = visit.retry_count
    if state.is_jsonata:
        return df.evaluate(state.item_selector, raw, item_visit, _jsonata_states(item_visit, raw))
    return df.evaluate(state.item_selector, effective, item_visit)


def _iteration(
    run: Run, state: m.MapState, index: int, value: Any, scope: _Scope
) -> Generator[Any, Any, Any]:
    details = {"index": index, "name": state.name}
    run.emit("MapIterationStarted", details)
    try:
        result = yield from run.run_scope(state.processor, value, scope)
    except StatesError:
        run.emit("MapIterationFailed", details)
        raise
    run.emit("MapIterationSucceeded", details)
    return result


def _inline(
    run: Run, state: m.MapState, scope: _Scope, inputs: list[Any], concurrency: int
) -> Generator[Any, Any, list[Any]]:
    limit = concurrency if concurrency > 0 else INLINE_MAP_CONCURRENCY
    results: list[Any] = [None] * len(inputs)
    running: list[Any] = []
    index_of: dict[int, int] = {}
    next_index = 0
    while next_index < len(inputs) or running:
        while next_index < len(inputs) and len(running) < limit:
            child_scope = _Scope(
                Variables(scope.variables), {"Index": next_index, "Value": inputs[next_index]}
            )
            fiber = yield _Spawn(_iteration(run, state, next_index, inputs[next_index], child_scope))
            index_of[id(fiber)] = next_index
            running.append(fiber)
            next_index += 1
        finished = yield _WaitAny(running)
        running.remove(finished)
        if finished.error is not None:
            yield _Cancel(running)
            for other in running:
                if other.started:
                    run.emit("MapIterationAborted", {"index": index_of[id(other)], "name": state.name})
            raise finished.error
        results[index_of[id(finished)]] = finished.result
    run.emit("MapStateSucceeded", None)
    return results


def _distributed(
    run: Run,
    state: m.MapState,
    visit: Visit,
    scope: _Scope,
    child_inputs: Callable[[], list[Any]],
    concurrency: int,
    tolerated_count: float,
    tolerated_pct: float,
    writer_params: Any = None,
) -> Generator[Any, Any, Any]:
    label = state.label if isinstance(state.label, str) else state.name
    run_id = str(uuid.UUID(int=run.rng.getrandbits(128), version=4))
    map_run_arn = (
        f"arn:aws:states:{run.region}:{run.account}:mapRun:{run.state_machine_name}/{label}:{run_id}"
    )
    run.emit("MapRunStarted", {"mapRunArn": map_run_arn})
    try:
        inputs = child_inputs()  # the items are read, selected and batched by the Map Run
    except StatesError as err:
        details = {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}
        run.emit("MapRunFailed", details)
        raise
    limit = concurrency if concurrency > 0 else 10_000
    logs: list[EventLog] = []
    run.map_runs[map_run_arn] = logs
    results: list[Any] = [None] * len(inputs)
    succeeded_indexes: list[int] = []
    failed_records: list[tuple[int, StatesError]] = []
    failures = 0
    first_error: StatesError | None = None
    running: list[Any] = []
    index_of: dict[int, int] = {}
    next_index = 0
    total = len(inputs)
    while next_index < total or running:
        while next_index < total and len(running) < limit:
            log = EventLog()
            logs.append(log)
            child_input = inputs[next_index]
            log.add(
                "ExecutionStarted",
                run.now,
                0,
                {"input": dumps(child_input), "inputDetails": _TRUNCATED, "roleArn": run.role_arn},
            )
            child_scope = _Scope(Variables(), {"Index": next_index, "Value": child_input})
            fiber = yield _Spawn(_child_execution(run, state, child_input, child_scope), log, 0)
            index_of[id(fiber)] = next_index
            running.append(fiber)
            next_index += 1
        finished = yield _WaitAny(running)
        running.remove(finished)
        if finished.error is not None:
            failures += 1
            first_error = first_error or finished.error
            # each threshold given is a limit; with neither, no failure is tolerated
            count_given = state.tolerated_failure_count is not MISSING
            pct_given = state.tolerated_failure_percentage is not MISSING
            over_count = count_given and failures > tolerated_count
            over_pct = pct_given and total > 0 and failures * 100.0 / total > tolerated_pct
            if over_count or over_pct or not (count_given or pct_given):
                yield _Cancel(running)
                cause = "The specified tolerated failure threshold was exceeded"
                run.emit("MapRunFailed", {"error": "States.ExceedToleratedFailureThreshold", "cause": cause})
                raise StatesError("States.ExceedToleratedFailureThreshold", cause)
        else:
            results[index_of[id(finished)]] = finished.result
            succeeded_indexes.append(index_of[id(finished)])
        if finished.error is not None:
            failed_records.append((index_of[id(finished)], finished.error))
    if state.result_writer is not MISSING:
        from .distributed import write_results

        succeeded = [
            {"Input": dumps(inputs[i]), "Output": dumps(results[i]), "Status": "SUCCEEDED"}
            for i in sorted(succeeded_indexes)
        ]
        failed = [
            {"Input": dumps(inputs[i]), "Error": err.error, "Cause": err.cause, "Status": "FAILED"}
            for i, err in sorted(failed_records, key=lambda pair: pair[0])
        ]
        summary = write_results(run, state, writer_params, map_run_arn, succeeded, failed)
        run.emit("MapRunSucceeded", None)
        run.emit("MapStateSucceeded", None)
        return summary
    run.emit("MapRunSucceeded", None)
    run.emit("MapStateSucceeded", None)
    return results


def _child_execution(run: Run, state: m.MapState, value: Any, scope: _Scope) -> Generator[Any, Any, Any]:
    try:
        result = yield from run.run_scope(state.processor, value, scope)
    except StatesError as err:
        details = {k: v for k, v in (("error", err.error), ("cause", err.cause)) if v is not None}
        run.emit("ExecutionFailed", details)
        raise
    run.emit("ExecutionSucceeded", {"output": dumps(result), "outputDetails": _TRUNCATED})
    return result


_RUNNERS: dict[str, Callable[..., Any]] = {
    "Pass": run_pass,
    "Task": run_task,
    "Choice": run_choice,
    "Wait": run_wait,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Parallel": run_parallel,
    "Map": run_map,
}
