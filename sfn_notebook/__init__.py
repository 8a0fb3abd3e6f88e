"""sfn_notebook: write, run and debug AWS Step Functions state machines in Jupyter.

>>> import sfn_notebook as sfn
>>> sm = sfn.StateMachine({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": True}}})
>>> sm.run({"x": 1}).status
'SUCCEEDED'
"""

from __future__ import annotations

from typing import Any

from .engine.resources import clear_tasks, task
from .errors import (
    AwsError,
    DefinitionError,
    Diagnostic,
    PathError,
    SfnNotebookError,
    StatesError,
    TaskFailed,
)
from .execution import Execution, ExecutionFailedError, LocalExecution
from .machine import StateMachine
from .teststate import test_state

__version__ = "0.1.0"

__all__ = [
    "StateMachine",
    "test_state",
    "Execution",
    "LocalExecution",
    "ExecutionFailedError",
    "TaskFailed",
    "task",
    "clear_tasks",
    "DefinitionError",
    "Diagnostic",
    "PathError",
    "AwsError",
    "SfnNotebookError",
    "StatesError",
    "aws",
    "local_aws",
    "testing",
    "load_ipython_extension",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # `sfn.aws` imports boto3 only when it is first used; `sfn.local_aws` imports moto on its first call
    if name in ("aws", "local_aws", "testing"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'sfn_notebook' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext sfn_notebook``: registers ``%%statemachine`` and ``%sfn``."""
    from .notebook.magics import load_ipython_extension as _load

    _load(ipython)
