"""The state runners, one module per family, and the table the run loop dispatches on.

common.py runs the states of a branch one after another (entering each state, locating its errors)
and holds what the runners share: Retry/Catch and result processing.  simple.py runs Pass, Succeed
and Fail; choice.py, wait.py and parallel.py the states they are named after; task.py a Task's
fields and attempts, invoke.py the call of its handler; map_inline.py a Map's fields, items and
inline iterations, map_distributed.py a DISTRIBUTED Map's Map Run.
"""

from __future__ import annotations

from .choice import run_choice
from .common import RUNNERS, run_states, run_until_pause
from .map_inline import run_map
from .parallel import run_parallel
from .simple import run_fail, run_pass, run_succeed
from .task import run_task
from .wait import run_wait

__all__ = ["RUNNERS", "run_states", "run_until_pause"]

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
