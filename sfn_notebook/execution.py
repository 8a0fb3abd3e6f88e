"""Executions: what a run produced, with one interface whether it ran locally or on AWS."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ._json import MISSING, loads_compact
from .engine.events import EventLog, Events
from .history import HistoryPass, history_frame, parse_json_text, states_frame

if TYPE_CHECKING:
    from .engine.fibers import TaskToken
    from .engine.run import Run
    from .machine import StateMachine

__all__ = ["Execution", "LocalExecution", "ExecutionFailedError", "FINAL_STATUSES"]

FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})

# One lock for every local execution: a run is driven, and its task tokens are answered (from any
# thread, e.g. through the local AWS's stepfunctions client), while holding it; CHANGED is notified
# when a token is answered, so a run waiting for callbacks wakes up.
_LOCK = threading.RLock()
CHANGED = threading.Condition(_LOCK)
# the local executions alive in this process, for SendTask* calls that name only a token
LIVE: weakref.WeakSet[LocalExecution] = weakref.WeakSet()


class ExecutionFailedError(RuntimeError):
    """Raised by :meth:`Execution.raise_for_status` when an execution did not succeed."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        super().__init__(
            f"execution {execution.name} {execution.status}: {execution.error}: {execution.cause}"
        )


class Execution:
    """The common interface of local and AWS executions.

    Subclasses provide :attr:`events` (shaped like ``get_execution_history()["events"]``) and the
    status fields; everything else (tables, graph, explorer, diff) is derived from the events.
    """

    arn: str
    name: str
    state_machine: StateMachine | None = None

    # -- to be provided by subclasses
    @property
    def status(self) -> str:
        raise NotImplementedError

    @property
    def events(self) -> Sequence[dict[str, Any]]:
        """The history: events shaped like boto3's ``get_execution_history()["events"]``."""
        raise NotImplementedError

    @property
    def output(self) -> Any:
        raise NotImplementedError

    @property
    def error(self) -> str | None:
        raise NotImplementedError

    @property
    def cause(self) -> str | None:
        raise NotImplementedError

    # -- derived
    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def input(self) -> Any:
        events = self.events
        if events and events[0]["type"] == "ExecutionStarted":
            return parse_json_text(events[0].get("executionStartedEventDetails", {}).get("input"))
        return None

    @property
    def start_date(self) -> datetime | None:
        events = self.events
        return events[0]["timestamp"] if events else None

    @property
    def stop_date(self) -> datetime | None:
        if not self.done:
            return None
        events = self.events
        return events[-1]["timestamp"] if events else None

    @property
    def duration(self) -> Any:
        start, stop = self.start_date, self.stop_date
        return stop - start if start is not None and stop is not None else None

    def _tables(self) -> HistoryPass:
        """The events with their rows and state visits, worked out once for the tables of a
        finished execution (cached) and afresh while it runs."""
        events = self.events
        cached: HistoryPass | None = getattr(self, "_tables_cache", None)
        if cached is not None and len(cached.events) == len(events):
            return cached
        derived = HistoryPass(events)
        if self.done:
            self._tables_cache = derived
        return derived

    def history(self) -> Any:
        """One row per history event (pandas DataFrame); see :data:`sfn_notebook.history.HISTORY_COLUMNS`."""
        with collection_paused():
            derived = self._tables()
            return history_frame(derived.events, derived.rows, derived.payloads)

    def states(self) -> Any:
        """One row per state visit (pandas DataFrame): name, type, timing, status, input, output, retries."""
        with collection_paused():
            derived = self._tables()
            return states_frame(derived.events, derived.visits)

    def variables(self) -> Any:
        """Every workflow variable assignment (Assign): event, state, iteration, name, value."""
        from .history import variables_frame

        derived = self._tables()
        return variables_frame(derived.events, derived.rows)

    def trace(self) -> Any:
        """The data-flow steps of every state visit, as TestState's inspection data shows them."""
        from .trace import trace_frame

        with collection_paused():
            return trace_frame(self)

    def evaluate(
        self,
        expression: str,
        at: Any = None,
        *,
        visit: int = 0,
        output: bool = False,
        language: str | None = None,
    ) -> Any:
        """Evaluate a JSONPath (``$.order.id``, ``$$.Execution.Name``, ``$var``), an intrinsic function
        (``States.Format(...)``) or a JSONata expression (``{% $states.input.n * 2 %}``) against the
        data as it was at a state visit or event.

        ``at`` is a state name (its first visit; ``visit=n`` picks another, ``output=True`` its
        output), an event id, or None (the execution's input).  A JSONata state's expressions are
        JSONata without ``{% %}`` too (``language=`` decides otherwise).  An expression that fails
        raises :class:`~sfn_notebook.StatesError` with AWS's error and message.
        """
        from .scratchpad import evaluate

        return evaluate(self, expression, at, visit=visit, output=output, language=language)

    def raise_for_status(self) -> Execution:
        """Raise :class:`ExecutionFailedError` unless the execution succeeded; returns self otherwise."""
        if self.status != "SUCCEEDED":
            raise ExecutionFailedError(self)
        return self

    def graph(self, **options: Any) -> Any:
        """The state machine's graph coloured by what this execution did (``graphviz.Digraph``)."""
        from .render import render_execution

        return render_execution(self, **options)

    def explore(self) -> Any:
        """An ipywidgets explorer: step through the events; the graph follows."""
        from .display import explorer

        return explorer(self)

    def pending_callbacks(self) -> list[Any]:
        """The Tasks waiting for their task token: state, token, and where the token was sent."""
        from .callbacks import pending_callbacks

        return pending_callbacks(self)

    def callbacks(self) -> Any:
        """A widget answering this execution's pending task tokens: success (JSON), failure, heartbeat."""
        from .display import callback_panel

        return callback_panel(self)

    def event_table(self) -> Any:
        """A widget listing every event like the console: search, filters, expandable rows."""
        from .display import event_table

        return event_table(self)

    def timeline(self) -> Any:
        """The state visits over (virtual) time, one bar each (shows as a picture in a notebook)."""
        from .display import HtmlDisplay
        from .render.timeline import timeline_svg

        svg = timeline_svg(self.events)
        return HtmlDisplay(
            f'<div style="overflow:auto;max-height:600px">{svg}</div>', f"<timeline of {self.name}>"
        )

    def diff(self, other: Execution) -> Any:
        """Compare two executions event by event; says where they part."""
        from .compare import diff_executions

        return diff_executions(self, other)

    def to_mock_config(self, test_case: str = "Recorded", path: Any = None) -> dict[str, Any]:
        """A Step Functions Local ``MockConfigFile`` replaying every Task's recorded result or error
        (retries included, in order) as test case ``test_case``; also written to ``path`` if given.

        Run it with ``sm.run(input, mocks=config, test_case=test_case)``.
        """
        from .testing.replay import mock_config, write_mock_config

        document = mock_config(self, test_case)
        if path is not None:
            write_mock_config(document, path)
        return document

    def to_pytest(self, path: Any, test_case: str | None = None) -> Any:
        """Write a pytest file that replays this execution locally with mocks of its Tasks and asserts
        its path through the states and its output (or error); returns the file's path."""
        from .testing.replay import write_pytest

        return write_pytest(self, path, test_case=test_case)

    def summary(self) -> str:
        text = f"{type(self).__name__} {self.name}: {self.status}"
        if self.status == "SUCCEEDED":
            from ._json import dumps

            out = dumps(self.output)
            text += f" → {out if len(out) <= 200 else out[:197] + '...'}"
        elif self.error is not None or self.cause is not None:
            text += f" ({self.error}: {self.cause})"
        return text

    def __repr__(self) -> str:
        return f"<{self.summary()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter shows the coloured graph (or why it cannot be drawn); see :mod:`sfn_notebook.display`."""
        from .display import graph_bundle

        graph = self.graph if self.state_machine is not None else None  # None: the summary alone
        return graph_bundle(graph, repr(self), include, exclude)


class LocalExecution(Execution):
    """An execution of the local engine. Synchronous runs are finished when you get them;
    :meth:`StateMachine.start` returns one that runs in the background (:meth:`wait`)."""

    # set when first needed (most runs need none of them)
    _thread: threading.Thread | None = None
    _listeners: tuple[Callable[[LocalExecution, int | None], None], ...] = ()
    _live: Any = None
    _children: tuple[LocalExecution, ...] = ()  # started by its Tasks (states:startExecution)
    _on_end: Callable[[LocalExecution], None] | None = None  # a parent's .sync task waits
    _output: Any = MISSING  # the caller's copy of the output (see output)

    def __init__(self, run: Run, state_machine: StateMachine) -> None:
        self._run = run
        self.state_machine = state_machine

    @property
    def arn(self) -> str:  # type: ignore[override]
        return self._run.execution_arn

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._run.execution_name

    @property
    def _lock(self) -> threading.RLock:
        return _LOCK

    # -- status
    @property
    def status(self) -> str:
        return self._run.status

    @property
    def output(self) -> Any:
        """The output once the execution succeeded (else None): a copy of its own, made when first
        read, so that changing it changes nothing the run or its state machine holds (a Pass
        state's Result, say)."""
        out = self._output
        if out is MISSING:
            run = self._run
            out = run.output
            if out is MISSING:
                return None
            text = run.output_text
            if isinstance(out, (dict, list)) and text is not None:
                out = loads_compact(text)
            self._output = out
        return out

    @property
    def error(self) -> str | None:
        return self._run.error

    @property
    def cause(self) -> str | None:
        return self._run.cause

    @property
    def events(self) -> Events:
        # shaped when read, never copied; the history only grows, so reading it while a background
        # run appends is safe (the sequence holds the events recorded when it was taken)
        return self._run.events.materialize()

    @property
    def map_runs(self) -> dict[str, list[Events]]:
        """Histories of the child executions of each Distributed Map run, by map run ARN."""
        return {
            arn: [log.materialize() if isinstance(log, EventLog) else Events(log, len(log)) for log in logs]
            for arn, logs in self._run.map_runs.items()
        }

    @property
    def start_date(self) -> datetime | None:
        return datetime.fromtimestamp(self._run.start_time, tz=timezone.utc)

    @property
    def child_executions(self) -> list[LocalExecution]:
        """The executions its Tasks started (``states:startExecution``, ``aws-sdk:sfn:startExecution``),
        each with its own history, in the order they started."""
        return list(self._children)

    # -- control
    def wait(self, timeout: float | None = None) -> LocalExecution:
        """Block until a background run stops (finished, or waiting for a task token)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self

    def stop(self, error: str | None = None, cause: str | None = None) -> LocalExecution:
        """Abort the execution (StopExecution): status ABORTED, history kept.

        A run being driven by another thread (a background run) stops at its next step; when that
        thread is calling a task's handler, ``stop()`` returns at once and the run ends ABORTED as
        soon as the handler returns (its result is not recorded): :meth:`wait` waits for that.
        """
        run = self._run
        if run.status != "RUNNING":
            return self
        run.stop_request = (error, cause)
        if run.driving == threading.get_ident():
            return self  # asked from inside the run (a handler, a listener): it ends at its next event
        # never wait long on a driver that waits on this thread or is busy in one long step (a JSONata
        # evaluation, a regex match): the run ends ABORTED at its next event and wait() waits for that
        patience = time.monotonic() + 1.0
        while run.status == "RUNNING":
            if not run.driving:
                with self._lock:  # held only while a run is driven
                    if not run.driving:
                        run.abort(error, cause)
                        self._ended()
                break
            if run.in_handler or time.monotonic() > patience:
                break  # the run ends at its next event
            time.sleep(0.001)  # the driver reaches its next event in a moment
        return self

    @property
    def waiting_for(self) -> list[TaskToken]:
        """Tasks waiting for a callback (``.waitForTaskToken``): each has ``.token`` and ``.state``."""
        return self._run.waiting_tokens

    def send_task_success(self, token: str, output: Any) -> LocalExecution:
        """Complete a ``.waitForTaskToken`` task (like SendTaskSuccess); the execution continues."""
        return self._complete(token, ("success", output))

    def send_task_failure(
        self, token: str, error: str | None = None, cause: str | None = None
    ) -> LocalExecution:
        """Fail a ``.waitForTaskToken`` task (like SendTaskFailure); Retry/Catch apply."""
        return self._complete(token, ("failure", (error, cause)))

    def send_task_heartbeat(self, token: str) -> LocalExecution:
        with self._lock:
            try:
                self._run.heartbeat(token)
            except KeyError:
                raise ValueError(f"no task is waiting for the token {token[:16]}...") from None
            CHANGED.notify_all()
        return self

    def advance(self, seconds: float) -> LocalExecution:
        """Let virtual time pass while tasks wait for callbacks (their timeouts may fire)."""
        with self._lock:
            self._run.advance(seconds)
            self._ended()
        return self

    def _complete(self, token: str, outcome: tuple[str, Any]) -> LocalExecution:
        if self.done:
            raise ValueError(f"the execution has already ended ({self.status})")
        with self._lock:
            try:
                self._run.complete_token(token, outcome)
            except KeyError:
                raise ValueError(f"no task is waiting for the token {token[:16]}...") from None
            self._ended()
            CHANGED.notify_all()
        return self

    def _track(self) -> None:
        """Make the execution findable by its task tokens (SendTask* calls that name only a token)."""
        LIVE.add(self)

    def _ended(self) -> None:
        """After driving: a child execution that has stopped lets its parent's task go on."""
        hook = self._on_end
        if hook is not None and self.done:
            self._on_end = None
            hook(self)

    def subscribe(self, callback: Callable[[LocalExecution, int | None], None]) -> None:
        """Call ``callback(execution, event_id)`` for every new history event, from the running thread.

        When a background run (:meth:`StateMachine.start`) stops, ``callback(execution, None)``
        follows: by then the status is final, or the run waits for a task token.
        """
        self._listeners = (*self._listeners, callback)
        run = self._run
        if run.listener is None:
            run.listener = lambda _run, event_id: self._notify(event_id)

    def _notify(self, event_id: int | None) -> None:
        for callback in self._listeners:  # a tuple: one added meanwhile waits for the next event
            callback(self, event_id)

    def live(self) -> Any:
        """A widget showing this run's progress as it happens (for :meth:`StateMachine.start`)."""
        if self._live is None:
            from .display import live_progress

            self._live = live_progress(self)
        return self._live

    def _ipython_display_(self) -> None:
        """In a notebook, a running background run shows its live progress, whose static copy is
        brought up to date when the run stops; any other shows its coloured graph."""
        from .display import show_execution

        show_execution(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self._thread is not None and self._thread.is_alive():
            try:
                return self.live()._repr_mimebundle_(include=include, exclude=exclude)  # type: ignore[no-any-return]
            except Exception:  # outside a notebook: fall back to the static view
                pass
        return super()._repr_mimebundle_(include, exclude)

    def _drive_in_background(self) -> None:
        def work() -> None:
            run = self._run
            try:
                with self._lock:
                    self._track()
                    try:
                        run.drive()
                    except KeyboardInterrupt:  # raised by a handler: the user's interrupt aborts
                        run.abort("KeyboardInterrupt", "The run was interrupted.")
                        run.notes.append("KeyboardInterrupt: the run ended ABORTED, its history kept.")
                    except BaseException as exc:  # the thread never leaves a run RUNNING
                        run.fail_internal(exc)
            finally:
                # the last event is recorded before the status is final: tell the subscribers once more
                try:
                    self._notify(None)
                except Exception as exc:  # a failing subscriber does not end the thread with a traceback
                    run.notes.append(f"A progress listener raised {type(exc).__name__} when the run stopped.")

        self._thread = threading.Thread(target=work, name=f"sfn-{self.name}", daemon=True)
        self._thread.start()

    @property
    def notes(self) -> list[str]:
        """Hints about this run, such as a Lambda function that had no Python handler."""
        return list(self._run.notes)

    def summary(self) -> str:
        text = super().summary()
        for note in dict.fromkeys(self._run.notes):
            text += f"\n  note: {note}"
        if self.status == "RUNNING" and self._run.waiting_tokens:
            names = ", ".join(sorted({t.state for t in self._run.waiting_tokens}))
            places = sorted({t.sent_to for t in self._run.waiting_tokens if t.sent_to is not None})
            sent = f", sent to {'; '.join(places)}" if places else ""
            text += f" (waiting for a task token in {names}{sent}: see .waiting_for and .send_task_success())"
        return text


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a table is built: the rows and parsed payloads of a
    long history are many new objects, none of them in a cycle, and each collection the allocations
    trigger would rescan them all (with it, the tables of 25,000 events take half as long again)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
