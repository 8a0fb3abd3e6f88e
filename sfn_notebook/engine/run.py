"""One local execution: a virtual clock, a small fiber scheduler, the history, and task tokens.

Each branch of work (the execution itself, a Parallel branch, a Map iteration) is a *fiber*: a
generator that runs states one after another (``states.run_states``) and only yields to the
scheduler when it has to wait (a Wait state, a retry back-off, children to finish, a task token).
Simple states never yield, so a chain of Pass states costs a few function calls each.  Time is
virtual: waiting costs nothing, and fibers run in order of their virtual time, so concurrent
branches interleave as they would on AWS and the same run always gives the same history.

The run knows no state type: the runners live in ``states/``, one module per family.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from _thread import get_ident
from collections.abc import Callable, Generator
from typing import Any, Final

from .._json import MISSING, dumps, loads_compact, utf8_size
from ..asl import model as m
from ..errors import StatesError
from . import dataflow as df
from .events import HISTORY_LIMIT, MAX_PAYLOAD, NO_DETAILS, Details, EventLog, flat_details
from .fibers import AwaitToken, Cancel, Fiber, Sleep, Spawn, WaitAny
from .resources import HandlerRegistry, has_cycle
from .scope import Scope, Variables, iso_time
from .states import run_states, run_until_pause
from .tokens import TokenRun

__all__ = ["Run", "RunSetup", "input_text"]


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
    except RecursionError:
        if has_cycle(value):
            raise TypeError("the execution input is not JSON: Circular reference detected") from None
        raise ValueError("the execution input is nested too deeply to be written as JSON") from None


# Asked before virtual time moves on: true holds the run where it is (it stays RUNNING) while a
# task token delivered elsewhere is being answered from another thread; set by the local AWS.
time_hold: Callable[[Run], bool] | None = None

_LAST_EVENT = HISTORY_LIMIT - 1  # an emit at this count would leave no room for the execution's end


class _ExecutionEnded(Exception):
    """Internal: stop the run now (history limit, timeout, abort)."""


class _Stopped(Exception):
    """Internal: StopExecution was asked for while the run was being driven."""


# ----------------------------------------------------------------------------- the run


#: The longest an execution may run, by workflow type: past it, it times out with States.Timeout.
MAX_EXECUTION_SECONDS: Final = {"STANDARD": 365 * 24 * 3600, "EXPRESS": 5 * 60}


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
        workflow_type: str = "STANDARD",
    ) -> None:
        self.machine = machine
        self.local_aws = local_aws  # Tasks no mock or handler serves are served by the in-process AWS
        self.handlers = handlers
        self.region = region
        self.account = account
        self.role_arn = role_arn
        self.state_machine_name = state_machine_name
        self.state_machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{state_machine_name}"
        # the machine's TimeoutSeconds, within the longest an execution may run (then it times out)
        longest = MAX_EXECUTION_SECONDS[workflow_type]
        timeout = machine.timeout_seconds
        self.timeout = min(timeout, longest) if isinstance(timeout, int) else longest


class Run(TokenRun):
    """One local execution: the scheduler, the clock, the history and the outcome (its task tokens:
    :class:`~sfn_notebook.engine.tokens.TokenRun`)."""

    # What every run sets up front; the rest starts as the class's default below (an instance
    # gets its own value when one is first written), so a short run sets up little.
    __slots__ = (
        "setup",
        "input",
        "listener",
        "_identity",
        "_execution_name",
        "start_time",
        "now",
        "events",
        "status",
        "output",
        "output_text",
        "stop_time",
        "_ready",
        "current",
        "traces",
        "last_text",
        "stop_request",
        "driving",
        "_pending",
        "deadline",
        "__dict__",
    )

    _seed: int | None = None
    _rng: random.Random | None = None
    _execution_arn: str | None = None
    _execution_ctx: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    _seq = 0
    _main: Fiber | None = None  # the execution's fiber, once one of its states may wait
    tracing = True
    # whether the stages of states whose stages the inspector can derive (``derived_stages``) go
    # unrecorded (a local TestState records every stage of its one state)
    derive_stages = True
    variable_bytes = 0  # the JSON size of every variable the execution holds
    in_handler = False  # a task's handler is running (stop() does not wait for it)
    _first_scope: Scope | None = None  # variables given at the start (a local TestState's)
    # a local TestState's stand-ins (teststate.py): the context object and mocked state results
    override: Any = None
    _notes: list[str] | None = None
    _map_runs: dict[str, list[Any]] | None = None

    # (every parameter may be given by position: a class called with keywords costs a dict per call)
    def __init__(
        self,
        setup: RunSetup,
        input_value: Any,
        execution_name: str | None,
        start_time: float,
        identity: bytes | str | tuple | None = None,
        seed: int | None = None,
        listener: Callable[[Run, int], None] | None = None,
    ) -> None:
        self.setup = setup
        self.input = input_value
        if seed is not None:
            self._seed = seed
        self.listener = listener
        self._execution_name = execution_name
        # what names the run and seeds its randomness when no name/seed was given (hashed on first use)
        self._identity = identity
        self.start_time = start_time
        self.now = start_time
        self.events = EventLog()
        self.status = "RUNNING"
        self.output: Any = MISSING
        self.output_text: str | None = None
        self.stop_time: float | None = None
        self._ready: list[tuple[float, int, Fiber]] = []
        self.current: Fiber | None = None  # the fiber being stepped: its history gets the events
        # data-flow stages by the id of the state's StateEntered event (see State.derived_stages)
        self.traces: dict[int, dict[str, Any]] = {}
        # when the execution times out: its TimeoutSeconds, or the longest an execution may run
        self.deadline: float = start_time + setup.timeout
        # the last payload written to the history and its JSON text: the next state's input is
        # usually the same object, so its StateEntered event reuses the text (see text())
        self.last_text: tuple[Any, str] | None = None
        # StopExecution's (error, cause), asked for from another thread while the run is driven:
        # the next event ends the run instead (see emit)
        self.stop_request: tuple[str | None, str | None] | None = None
        self.driving = 0  # the id of the thread driving the run (see drive), 0 when none is
        self._pending = False  # started, and its first states not run yet (see drive())

    @property
    def notes(self) -> list[str]:
        """Hints for the user (e.g. a Lambda function with no handler)."""
        notes = self._notes
        if notes is None:
            notes = self._notes = []
        return notes

    @property
    def map_runs(self) -> dict[str, list[Any]]:
        """The child executions' histories of each Distributed Map run, by map run ARN."""
        runs = self._map_runs
        if runs is None:
            runs = self._map_runs = {}
        return runs

    # what all runs of the machine share
    machine = property(lambda self: self.setup.machine)
    handlers = property(lambda self: self.setup.handlers)
    region = property(lambda self: self.setup.region)
    account = property(lambda self: self.setup.account)
    role_arn = property(lambda self: self.setup.role_arn)
    state_machine_name = property(lambda self: self.setup.state_machine_name)
    state_machine_arn = property(lambda self: self.setup.state_machine_arn)

    def _digest(self) -> bytes:
        identity = self._identity
        if isinstance(identity, tuple):
            identity = "\0".join(map(str, identity))
        if isinstance(identity, str):
            identity = identity.encode("utf-8", "surrogatepass")
        return hashlib.blake2b(identity or b"", digest_size=16).digest()

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

    def emit(self, event_type: str, details: dict[str, Any] | Details | None) -> int:
        """Record an event in the current fiber's history (the hot path: kept small).

        ``details``: a dict, or its flat form (keys and values in turn, see ``events.flat_details``)."""
        if self.stop_request is not None:
            self._stop_now()
        fiber = self.current
        if fiber is None:  # the execution's own states, run without a fiber (see drive())
            records = self.events.records
            count = len(records)
            if count >= _LAST_EVENT:
                self._fail_history_limit()
            # as on AWS, the first state's entry names no previous event (previousEventId 0)
            if details is None:
                records.append((event_type, self.now, count if count != 1 else 0))
            else:
                if details.__class__ is dict:
                    details = flat_details(details)  # type: ignore[arg-type]
                records.append((event_type, self.now, count if count != 1 else 0, *(details or NO_DETAILS)))
            if self.listener is not None:
                self._tell(count + 1)
            return count + 1
        log = fiber.log
        records = log.records
        count = len(records)
        main = log is self.events
        if main and count >= _LAST_EVENT:
            self._fail_history_limit()
        if details is None:
            records.append((event_type, self.now, fiber.last))
        else:
            if details.__class__ is dict:
                details = flat_details(details)  # type: ignore[arg-type]
            records.append((event_type, self.now, fiber.last, *(details or NO_DETAILS)))
        event_id = fiber.last = count + 1
        if main and self.listener is not None:
            self._tell(event_id)
        return event_id

    def emit_pairs(self, event_type: str, key1: str, value1: Any, key2: str, value2: Any) -> int:
        """:meth:`emit` for the commonest details, two keys with their values (no tuple to unpack)."""
        fiber = self.current
        if fiber is not None or self.stop_request is not None or self.listener is not None:
            return self.emit(event_type, (key1, value1, key2, value2))
        records = self.events.records
        count = len(records)
        if count >= _LAST_EVENT:
            self._fail_history_limit()
        # as on AWS, the first state's entry names no previous event (previousEventId 0)
        records.append((event_type, self.now, count if count != 1 else 0, key1, value1, key2, value2))
        return count + 1

    def _tell(self, event_id: int) -> None:
        """Call the listener; one that fails is not called again (the run goes on, with a note)."""
        listener = self.listener
        if listener is None:
            return
        try:
            listener(self, event_id)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            self.listener = None
            try:
                what = f"{type(exc).__name__}: {exc}"
            except Exception:
                what = type(exc).__name__
            self.notes.append(
                f"A progress listener raised {what} at event {event_id}; it was not called again."
            )

    def _stop_now(self) -> None:
        request = self.stop_request
        self.stop_request = None
        if request is not None and self.status == "RUNNING":
            self.error, self.cause = request
            raise _Stopped

    def emit_state(self, entered: str, exited: str, name: str, input_text: str, output_text: str) -> None:
        """Record a state that ran in one step (its StateEntered and StateExited events together):
        :meth:`emit` twice, in one step when no listener, stop request or limit is in the way."""
        fiber = self.current
        if self.stop_request is None:
            if fiber is None:  # the execution's own states, run without a fiber
                records = self.events.records
                count = len(records)
                if self.listener is None and count + 1 < _LAST_EVENT:
                    now = self.now
                    # as on AWS, the first state's entry names no previous event
                    records.append(
                        (entered, now, count if count != 1 else 0, "name", name, "input", input_text)
                    )
                    records.append((exited, now, count + 1, "name", name, "output", output_text))
                    return
            else:
                log = fiber.log
                records = log.records
                count = len(records)
                if log is not self.events or (self.listener is None and count + 1 < _LAST_EVENT):
                    now = self.now
                    records.append((entered, now, fiber.last, "name", name, "input", input_text))
                    records.append((exited, now, count + 1, "name", name, "output", output_text))
                    fiber.last = count + 2
                    return
        self.emit(entered, ("name", name, "input", input_text))
        self.emit(exited, ("name", name, "output", output_text))

    def _fail_history_limit(self) -> None:
        self.error = "States.Runtime"
        self.cause = f"The execution reached the maximum number of history events ({HISTORY_LIMIT})."
        self.notes.append(
            "A loop that runs this long belongs in a Map state in DISTRIBUTED mode or in child executions."
        )
        raise _ExecutionEnded

    def text(self, value: Any, state: str) -> str:
        """JSON text of a payload for the history, enforcing the 256 KiB limit."""
        cached = self.last_text
        if cached is not None and cached[0] is value:
            return cached[1]
        try:
            text = dumps(value)
        except (TypeError, ValueError) as exc:
            raise df.runtime_error(f"the value is not JSON: {exc}") from None
        except RecursionError:
            raise df.runtime_error("The value is nested too deeply to be written as JSON.") from None
        if len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{state}' returned a result with a size exceeding the maximum number of "
                "bytes service limit.",
            )
        self.last_text = (value, text)
        return text

    # -- driving

    def start(
        self, text: str | None = None, variables: dict[str, Any] | None = None, private: bool = True
    ) -> None:
        """Record ExecutionStarted and schedule the main fiber (``text``: the input as JSON, if known;
        ``variables``: workflow variables the first state sees, as TestState takes them).

        ``private``: run on a copy of the input object of its own, so that the caller's is never
        shared or changed.  The engine changes no value it is given, so only what outlives the run
        or runs beside it could: a machine with no Task (no handler runs, no token lets another
        thread in) whose states' stages are all derived from the history (none recorded: every value
        handed out afterwards is parsed from the history's text) needs no copy.
        """
        if text is None:
            text = input_text(self.input)
        if len(text) > MAX_PAYLOAD // 4 and utf8_size(text) > MAX_PAYLOAD:
            raise ValueError(
                f"the execution input is {utf8_size(text)} bytes; Step Functions accepts at most {MAX_PAYLOAD}"
            )
        self.events.records.append(
            ("ExecutionStarted", self.now, 0, "input", text, "roleArn", self.setup.role_arn)
        )
        if private and isinstance(self.input, (dict, list)):
            self.input = loads_compact(text)  # a private copy: the caller's object is never shared or mutated
        self.last_text = (self.input, text)
        if self.listener is not None:
            self._tell(1)
        if variables:
            self._first_scope = Scope(Variables(), None)
            self._first_scope.variables.values.update(variables)
        self._pending = True

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
        """Run until the execution ends or every fiber waits for a task token.

        Whatever escapes the states ends the run: FAILED with ``States.Runtime`` and a note saying
        what went wrong; only ``KeyboardInterrupt`` propagates (the caller ends the run ABORTED).
        """
        outer = self.driving
        self.driving = get_ident()
        try:
            if self.stop_request is not None:
                self._stop_now()
            if self._pending:
                # the execution's states run as plain calls until one may wait: an execution that
                # never waits (no Task, Wait, Map or Parallel) needs no fiber, scheduler, generator
                # or scope; the rest, if any, runs in the execution's fiber
                self._pending = False
                machine = self.setup.machine
                try:
                    value, state, scope = run_until_pause(self, machine, self.input, self._first_scope)
                except StatesError as err:
                    self.error, self.cause = err.error, err.cause
                    self._end_failed("ExecutionFailed")
                    return
                if state is None:
                    self._succeed(value)
                    return
                gen = run_states(self, machine, value, scope or Scope(Variables(), None), state)
                count = len(self.events)
                # as on AWS, the first state's entry names no previous event (previousEventId 0)
                main = self._main = self._new_fiber(gen, self.events, count if count > 1 else 0)
                self._step(main)
            ready = self._ready
            while ready and self.status == "RUNNING":
                time, _, fiber = heapq.heappop(ready)
                if fiber.done or fiber.cancelled:
                    continue
                if time > self.deadline:
                    self.now = self.deadline
                    self._timed_out()
                    return
                if time > self.now and time_hold is not None and time_hold(self):
                    heapq.heappush(ready, (time, _, fiber))
                    return
                self.now = time
                self._step(fiber)
        except _Stopped:
            self._end_failed("ExecutionAborted")
        except _ExecutionEnded:
            self._end_failed("ExecutionFailed")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a run never stays RUNNING after its driver failed
            self.fail_internal(exc)
        finally:
            self.driving = outer

    def fail_internal(self, exc: BaseException) -> None:
        """End the run FAILED (``States.Runtime``) because ``exc`` escaped while it was driven."""
        if self.status != "RUNNING":
            return
        try:
            what = f"{type(exc).__name__}: {exc}"
        except Exception:
            what = type(exc).__name__
        if isinstance(exc, RecursionError):
            self.cause = "The execution's data is nested too deeply to be processed."
        else:
            self.cause = f"An internal error ended the execution: {what}"
        self.error = "States.Runtime"
        self.notes.append(f"The run failed because {what} escaped while it was running.")
        try:
            self._end_failed("ExecutionFailed")
        except Exception:  # a listener or a closing state failed again: the run has ended anyway
            self.status = "FAILED"
            self.stop_time = self.now
            self._ready.clear()

    def _step(self, fiber: Fiber) -> None:
        self.current = fiber
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
            if kind is Sleep:
                fiber.time = self.now + cmd.seconds
                heapq.heappush(self._ready, (fiber.time, fiber.seq, fiber))
                return
            if kind is Spawn:
                log = cmd.log if cmd.log is not None else fiber.log
                last = cmd.last if cmd.last is not None else fiber.last
                child = self._new_fiber(cmd.gen, log, last)
                # run the child at once until it waits or ends: children that never wait (a Map
                # over Pass states) cost no trip through the scheduler; the order is unchanged,
                # since siblings would have run one after another anyway
                self._step(child)
                self.current = fiber
                value = child
                continue
            if kind is WaitAny:
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
            if kind is Cancel:
                for child in cmd.fibers:
                    self._cancel(child)
                value = None
                continue
            if kind is AwaitToken:
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
        main = self._main
        cached = self.last_text
        if cached is not None and cached[0] is output:  # the last state's output, already written
            text = cached[1]
        else:
            try:
                text = self.text(output, "execution")
            except StatesError as err:
                self.error, self.cause = err.error, err.cause
                self._end_failed("ExecutionFailed")
                return
        records = self.events.records
        if (
            main is None
            and self.stop_request is None
            and self.listener is None
            and len(records) < _LAST_EVENT
        ):
            # the execution ran without a fiber: what emit() records, in one step
            records.append(("ExecutionSucceeded", self.now, len(records), "output", text))
        else:
            self.current = main
            self.emit("ExecutionSucceeded", ("output", text))
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
        self.current = main
        self.events.add(event_type, self.now, previous, details)
        if self.listener is not None:
            self._tell(len(self.events))
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
        self.stop_request = None
        if self.status != "RUNNING":
            return
        self.error, self.cause = error, cause
        self._end_failed("ExecutionAborted")
