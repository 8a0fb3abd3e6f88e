"""The task tokens a run hands out, and what answers them: ``SendTask*`` calls, heartbeats, and
virtual time passing while a run waits for them (task, heartbeat and execution timeouts).

:class:`TokenRun` is the part of :class:`~sfn_notebook.engine.run.Run` that deals with them.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from .fibers import Fiber, TaskToken

__all__ = ["TokenRun"]


def _token_limit(token: TaskToken) -> float | None:
    """When the token's task times out, by its TimeoutSeconds or a missed heartbeat."""
    limits = [t for t in (token.timeout_at, token.heartbeat_at) if t is not None]
    return min(limits) if limits else None


class TokenRun:
    """Task tokens: handed out by tasks that wait for a callback, answered from outside the run."""

    if not TYPE_CHECKING:  # no instance layout of its own (Run has its slots); hidden from mypy,
        __slots__ = ()  # which would then refuse assignments to Run's attributes here

    _tokens: dict[str, TaskToken] | None = None

    if TYPE_CHECKING:  # what Run provides
        now: float
        deadline: float
        status: str
        _ready: list[tuple[float, int, Fiber]]

        def drive(self) -> None: ...

        def _timed_out(self) -> None: ...

    @property
    def tokens(self) -> dict[str, TaskToken]:
        """The task tokens the run handed out, by token."""
        tokens = self._tokens
        if tokens is None:
            tokens = self._tokens = {}
        return tokens

    @property
    def waiting_tokens(self) -> list[TaskToken]:
        """The tokens whose tasks wait for an answer."""
        return [t for t in self.tokens.values() if t.outcome is None and t.fiber is not None]

    @property
    def held(self) -> bool:
        """Whether the run stopped with work due later (see ``run.time_hold``), not for a token."""
        return self.status == "RUNNING" and any(not fiber.done for _, _, fiber in self._ready)

    def advance(self, seconds: float) -> None:
        """Let virtual time pass while the execution waits for callbacks: task, heartbeat and
        execution timeouts that fall due fire, in time order."""
        target = self.now + seconds
        horizon = min(target, self.deadline)
        for token in sorted(self.tokens.values(), key=lambda t: _token_limit(t) or float("inf")):
            limit = _token_limit(token)
            if limit is None or limit > horizon or token.outcome is not None or token.fiber is None:
                continue
            # a missed heartbeat times the task out like its TimeoutSeconds: AWS records States.Timeout
            token.outcome = ("timeout", "States.Timeout")
            self._resume_token(token, limit)
        self.drive()
        if self.status == "RUNNING":
            if target >= self.deadline:
                self.now = max(self.now, self.deadline)
                self._timed_out()
            else:
                self.now = max(self.now, target)

    def complete_token(self, token_id: str, outcome: tuple[str, Any]) -> None:
        """Answer a token (``("success", output)``, ``("failure", (error, cause))``...) and run on."""
        token = self.tokens.get(token_id)
        if token is None or token.outcome is not None:
            raise KeyError(token_id)
        token.outcome = outcome
        if token.fiber is not None:
            self._resume_token(token, self.now)
            self.drive()

    def heartbeat(self, token_id: str) -> None:
        """SendTaskHeartbeat: the task's heartbeat timeout starts again."""
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
