"""The state runners, one module per family, and the table the run loop dispatches on.

A runner is a plain function ``runner(run, state, input, scope)`` that returns ``(output, next)``
(``next`` is None at the end of a branch) or a generator that does; it yields only when it waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .choice import run_choice
from .map_inline import run_map
from .parallel import run_parallel
from .simple import run_fail, run_pass, run_succeed
from .task import run_task
from .wait import run_wait

__all__ = ["RUNNERS"]

RUNNERS: dict[str, Callable[..., Any]] = {
    "Pass": run_pass,
    "Task": run_task,
    "Choice": run_choice,
    "Wait": run_wait,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Parallel": run_parallel,
    "Map": run_map,
}
