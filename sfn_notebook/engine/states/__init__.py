"""The state runners, one module per family, and the table the run loop dispatches on.

| module | states |
|---|---|
| common.py | the run loop (entering each state, locating its errors), Retry/Catch, result processing |
| simple.py | Pass, Succeed, Fail |
| choice.py | Choice |
| wait.py | Wait |
| task.py, invoke.py | Task (its fields and attempts; calling its handler) |
| parallel.py | Parallel |
| map_inline.py | Map (its fields and items; inline iterations) |
| map_distributed.py | a DISTRIBUTED Map's Map Run |
"""

from __future__ import annotations

from .choice import run_choice
from .common import RUNNERS, run_states
from .map_inline import run_map
from .parallel import run_parallel
from .simple import run_fail, run_pass, run_succeed
from .task import run_task
from .wait import run_wait

__all__ = ["RUNNERS", "run_states"]

RUNNERS.update(
    {
        "Pass": run_pass,
        "Task": run_task,
        "Choice": run_choice,
        "Wait": run_wait,
        "Succeed": run_succeed,
        "Fail": run_fail,
        "Parallel": run_parallel,
        "Map": run_map,
    }
)
