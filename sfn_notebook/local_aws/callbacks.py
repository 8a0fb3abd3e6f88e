"""Task tokens the local AWS delivered, and a synchronous run that waits for their answers.

A ``.waitForTaskToken`` task served by the store puts its token where someone else picks it up: an
SQS message, an SNS notification, a child execution's input (``TaskToken.sent_to`` says where).
:func:`settle` is what ``StateMachine.run`` does when its execution stops with such a token: while
another thread polls the store (an SQS consumer that will answer with ``SendTaskSuccess``), it
waits for that answer in real time; when no one does, virtual time passes to the earliest timeout
or heartbeat of those tokens, which fails the task as on AWS; a token with neither leaves the run
``RUNNING``, to be answered with ``ex.send_task_success(...)``.

This module imports nothing heavy: it is loaded by runs that hold task tokens.
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["settle", "polled", "LISTENING_SECONDS", "PATIENCE_SECONDS"]

#: another thread that used the store this recently (real seconds) is listening for messages
LISTENING_SECONDS = 2.0
#: how long (real seconds) a run first waits for a listener to show up
GRACE_SECONDS = 0.05
#: how long (real seconds) a run waits for listeners that answer nothing at all
PATIENCE_SECONDS = 10.0

_polls: dict[int, float] = {}  # thread id -> when (monotonic) it last used the store
_delivered_tokens: list[tuple[Any, Any]] = []  # (token, its run): delivered, maybe still awaited
_parents: dict[int, tuple[Any, Any]] = {}  # id(child run) -> (child run, the run that started it)
_suspended = [False]  # true while held runs are driven on after waiting long enough


def delivered(token: Any, where: str, run: Any) -> None:
    """The local AWS put ``token`` (of a task of ``run``) somewhere (``where``) for someone to answer."""
    token.sent_to = where
    _delivered_tokens[:] = [(t, r) for t, r in _delivered_tokens if t.outcome is None]
    _delivered_tokens.append((token, run))


def reset() -> None:
    _delivered_tokens.clear()
    _parents.clear()


def child_of(child: Any, parent: Any) -> None:
    """Run ``child`` was started by a task of run ``parent`` (their clocks hold together)."""
    _parents[id(child)] = (child, parent)


def _root(run: Any) -> Any:
    while id(run) in _parents:
        run = _parents[id(run)][1]
    return run


def hold(run: Any) -> bool:
    """Whether virtual time should stand still in ``run``: a token delivered by its execution or a
    relative is unanswered while another thread uses the store (the answer is on its way, sooner
    than any Wait would end)."""
    if _suspended[0] or not _delivered_tokens:
        return False
    root = _root(run)
    if not any(token.outcome is None and _root(owner) is root for token, owner in _delivered_tokens):
        return False
    return _listening()


def polled() -> None:
    """The store served a request of this thread: it may be reading messages and answering tokens."""
    _polls[threading.get_ident()] = time.monotonic()


def _install() -> None:
    from ..engine import run

    run.time_hold = hold


def _listening() -> bool:
    me = threading.get_ident()
    now = time.monotonic()
    recent = [ident for ident, when in _polls.items() if ident != me and now - when <= LISTENING_SECONDS]
    if not recent:
        return False
    alive = {thread.ident for thread in threading.enumerate()}
    return any(ident in alive for ident in recent)


def _tree(execution: Any) -> list[Any]:
    """The execution and every execution started under it."""
    out = [execution]
    for child in execution._children:
        out.extend(_tree(child))
    return out


def _delivered(execution: Any) -> list[tuple[Any, Any]]:
    """(execution, token) for each waiting token in the tree that the local AWS delivered."""
    return [
        (ex, token)
        for ex in _tree(execution)
        if ex.status == "RUNNING"
        for token in ex._run.waiting_tokens
        if token.sent_to is not None
    ]


def _limit(token: Any) -> float | None:
    limits = [t for t in (token.timeout_at, token.heartbeat_at) if t is not None]
    return min(limits) if limits else None


def settle(execution: Any) -> None:
    """Wait for, or time out, the tokens of a run that the local AWS delivered (see the module).

    Called with the executions' lock held; waiting releases it, so other threads can answer.
    """
    from ..execution import CHANGED

    answered = time.monotonic()
    last = _progress(execution)
    if not _listening():
        CHANGED.wait(GRACE_SECONDS)  # a worker thread just started may not have reached the store yet
    while True:
        stalled = time.monotonic() - answered >= PATIENCE_SECONDS
        for ex in _tree(execution):  # runs held while an answer was due go on once it is not
            if ex._run.held and (stalled or not hold(ex._run)):
                _suspended[0] = stalled
                try:
                    ex._run.drive()
                finally:
                    _suspended[0] = False
                ex._ended()
        if execution.status != "RUNNING":
            if not any(ex._run.held for ex in _tree(execution)):
                return
        waiting = _delivered(execution)
        held = any(ex._run.held for ex in _tree(execution))
        if not waiting and not held:
            return
        progress = _progress(execution)
        if progress != last:
            last, answered = progress, time.monotonic()
        if _listening() and time.monotonic() - answered < PATIENCE_SECONDS:
            CHANGED.wait(0.02)
            continue
        if held and not waiting:
            continue  # nobody answers any more: the held runs go on (above)
        timed = [(limit, ex) for ex, token in waiting if (limit := _limit(token)) is not None]
        if not timed:
            return
        limit, ex = min(timed, key=lambda pair: pair[0])
        ex.advance(max(0.0, limit - ex._run.now))


def _progress(execution: Any) -> tuple[int, ...]:
    """Something that changes whenever a run of the tree records an event or a heartbeat arrives."""
    return tuple(
        len(ex._run.events) + sum(int(t.heartbeat_at or 0) for t in ex._run.waiting_tokens)
        for ex in _tree(execution)
    )


_install()
