"""Retry and Catch: which errors a rule matches, how long to wait, what a Catcher passes on.

One :func:`error_matches` serves both Retry and Catch, so the two can never disagree.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ..asl.model import Catcher, Retrier

__all__ = ["error_matches", "find_retrier", "find_catcher", "retry_delay", "UNCATCHABLE"]

# Errors that end the execution whatever the Retry/Catch rules say.
UNCATCHABLE = frozenset({"States.Runtime"})
# Errors that States.ALL (and States.TaskFailed) do not match; only naming them explicitly does.
# (The Developer Guide says States.ALL does not catch States.DataLimitExceeded either, but AWS's
# recorded executions show a Task whose result is too large caught by States.ALL.)
_NOT_WILDCARD = frozenset({"States.Runtime"})
_TIMEOUTS = frozenset({"States.Timeout", "States.HeartbeatTimeout"})


def error_matches(error_equals: Sequence[str], error: str | None) -> bool:
    """Whether a Retrier's or Catcher's ``ErrorEquals`` list matches ``error``.

    * an exact name matches itself;
    * ``States.ALL`` matches every error except ``States.Runtime``;
    * ``States.TaskFailed`` is a wildcard too, but not for ``States.Timeout`` (a timeout is not a failure);
    * ``States.Timeout`` also matches ``States.HeartbeatTimeout``.

    >>> error_matches(["States.ALL"], "Lambda.Unknown"), error_matches(["States.ALL"], "States.Runtime")
    (True, False)
    >>> error_matches(["States.TaskFailed"], "States.Timeout")
    False
    """
    name = error if error is not None else ""
    for candidate in error_equals:
        if candidate == name:
            return True
        if candidate == "States.Timeout" and name == "States.HeartbeatTimeout":
            return True  # a missed heartbeat is a kind of timeout
        if candidate == "States.ALL" and name not in _NOT_WILDCARD:
            return True
        if candidate == "States.TaskFailed" and name not in _NOT_WILDCARD and name not in _TIMEOUTS:
            return True
    return False


def find_retrier(retriers: Sequence[Retrier], error: str | None) -> int | None:
    """Index of the first retrier whose ErrorEquals matches, or None."""
    if error in UNCATCHABLE:
        return None
    for index, retrier in enumerate(retriers):
        if error_matches(retrier.error_equals, error):
            return index
    return None


def find_catcher(catchers: Sequence[Catcher], error: str | None) -> int | None:
    """Index of the first catcher whose ErrorEquals matches, or None."""
    if error in UNCATCHABLE:
        return None
    for index, catcher in enumerate(catchers):
        if error_matches(catcher.error_equals, error):
            return index
    return None


def retry_delay(retrier: Retrier, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based) under ``retrier``.

    ``IntervalSeconds × BackoffRate^(attempt−1)``, capped by ``MaxDelaySeconds``; with
    ``JitterStrategy: FULL`` a uniform random value between 0 and that delay.

    >>> from sfn_notebook.asl.model import Retrier
    >>> [retry_delay(Retrier(("E",), interval_seconds=3, backoff_rate=2.0), n) for n in (1, 2, 3)]
    [3.0, 6.0, 12.0]
    """
    delay = retrier.interval_seconds * retrier.backoff_rate ** (attempt - 1)
    cap = retrier.max_delay_seconds
    if isinstance(cap, int) and delay > cap:
        delay = float(cap)
    if retrier.jitter_strategy == "FULL":
        delay = (rng or random).uniform(0.0, delay)
    return float(delay)
