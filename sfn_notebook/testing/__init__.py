"""Testing state machines: coverage of runs, tests from executions, snapshot assertions.

The pytest plugin (:mod:`sfn_notebook.testing.plugin`) adds the ``sfn`` fixture and ``--sfn-cov``.

>>> import sfn_notebook as sfn
>>> sm = sfn.StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
>>> print(sm.coverage(sm.run({})))
StateMachine: 100% (States 1/1, Transitions 0/0, Choice rules 0/0, Retry/Catch 0/0; 1 run(s))
"""

from __future__ import annotations

from .coverage import (
    CoverageCollector,
    CoverageItem,
    MachineCoverage,
    active_collector,
    collect,
    machine_coverage,
)
from .replay import mock_config, replay, state_path, visit_counts
from .snapshot import assert_history_matches, load_history, save_history

__all__ = [
    "CoverageCollector",
    "CoverageItem",
    "MachineCoverage",
    "active_collector",
    "assert_history_matches",
    "load_history",
    "save_history",
    "collect",
    "machine_coverage",
    "mock_config",
    "replay",
    "state_path",
    "visit_counts",
]
