"""The scheduler's vocabulary: fibers and the commands they yield.

Each branch of work (the execution itself, a Parallel branch, a Map iteration) is a *fiber*: a
generator that runs states one after another and yields one of these commands to the scheduler
(:class:`~sfn_notebook.engine.run.Run`) only when it has to wait.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

from ..errors import StatesError
from .events import EventLog

__all__ = ["Sleep", "Spawn", "WaitAny", "Cancel", "AwaitToken", "TaskToken", "Fiber"]


class Sleep:
    """Wait this many seconds of virtual time."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Spawn:
    """Start a child fiber (in its own history when ``log`` is given); the scheduler answers with it."""

    __slots__ = ("gen", "log", "last")

    def __init__(self, gen: Generator, log: EventLog | None = None, last: int | None = None) -> None:
        self.gen = gen
        self.log = log
        self.last = last


class WaitAny:
    """Wait until one of these fibers ends; the scheduler answers with the one that did."""

    __slots__ = ("fibers",)

    def __init__(self, fibers: list[Fiber]) -> None:
        self.fibers = fibers


class Cancel:
    """Stop these fibers (their generators are closed)."""

    __slots__ = ("fibers",)

    def __init__(self, fibers: Iterable[Fiber]) -> None:
        self.fibers = list(fibers)


class TaskToken:
    """A Task waiting for ``SendTaskSuccess``/``SendTaskFailure`` (``.waitForTaskToken``)."""

    __slots__ = (
        "token",
        "state",
        "fiber",
        "outcome",
        "heartbeat_at",
        "timeout_at",
        "heartbeat_seconds",
        "sent_to",
        "answered_at",
    )

    def __init__(self, token: str, state: str) -> None:
        self.token = token
        self.state = state
        self.sent_to: str | None = None  # where the local AWS delivered it (a queue, a topic, an execution)
        self.answered_at: float | None = None  # the virtual time of an answer given before the task waited
        self.fiber: Fiber | None = None
        self.outcome: tuple[str, Any] | None = None  # ("success", output) / ("failure", (error, cause))
        self.timeout_at: float | None = None
        self.heartbeat_at: float | None = None
        self.heartbeat_seconds: int | None = None

    def __repr__(self) -> str:
        status = "waiting" if self.outcome is None else self.outcome[0]
        where = f", sent to {self.sent_to}" if self.sent_to is not None else ""
        return f"<TaskToken for state {self.state!r} ({status}{where}): {self.token[:24]}...>"


class AwaitToken:
    """Wait for a task token's outcome; the scheduler answers with the token."""

    __slots__ = ("token",)

    def __init__(self, token: TaskToken) -> None:
        self.token = token


class Fiber:
    """One generator of states and its place in the scheduler: virtual time, history, waits."""

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
