"""Where states run: workflow variables and their scopes, and the environment of one state visit."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._json import MISSING, dumps, utf8_size
from ..asl import model as m
from ..errors import StatesError
from . import dataflow as df

if TYPE_CHECKING:
    from .run import Run

__all__ = ["Variables", "Scope", "Visit", "assign", "commit", "iso_time"]

VARIABLE_LIMIT = 262_144  # one variable, and all the variables one Assign sets
VARIABLES_TOTAL_LIMIT = 10 * 1024 * 1024  # every variable an execution holds


class Variables:
    """One scope of workflow variables; inner scopes (branches, iterations) read outer ones."""

    __slots__ = ("values", "parent", "sizes")

    def __init__(self, parent: Variables | None = None) -> None:
        self.values: dict[str, Any] = {}
        self.parent = parent
        self.sizes: dict[str, int] = {}  # bytes of each value's JSON text (for AWS's limits)

    def get(self, name: str) -> Any:
        scope: Variables | None = self
        while scope is not None:
            values = scope.values
            if name in values:
                return values[name]
            scope = scope.parent
        raise df.runtime_error(f"The variable '${name}' is not defined at this point of the execution")

    def flatten(self) -> dict[str, Any]:
        chain = []
        scope: Variables | None = self
        while scope is not None:
            chain.append(scope.values)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for values in reversed(chain):
            merged.update(values)
        return merged


class Scope:
    """Where a fiber runs: its variables and, inside a Map iteration, the current item."""

    __slots__ = ("variables", "map_item")

    def __init__(self, variables: Variables, map_item: dict | None) -> None:
        self.variables = variables
        self.map_item = map_item


class Visit:
    """The environment expressions see while one state runs (implements dataflow.Env)."""

    __slots__ = (
        "run",
        "scope",
        "state",
        "entered_time",
        "entered_id",
        "retry_count",
        "token",
        "_context",
        "trace",
    )

    def __init__(self, run: Run, scope: Scope, state: m.State, entered_id: int) -> None:
        self.trace: dict[str, Any] | None = None
        self.run = run
        self.scope = scope
        self.state = state
        self.entered_time = run.now
        self.entered_id = entered_id
        self.retry_count: int | None = None
        self.token: str | None = None
        self._context: dict | None = None

    @property
    def rng(self) -> random.Random:
        return self.run.rng

    def context(self) -> dict[str, Any]:
        ctx = self._context
        if ctx is None:
            state_part: dict[str, Any] = {"EnteredTime": iso_time(self.entered_time), "Name": self.state.name}
            if self.retry_count is not None:
                state_part["RetryCount"] = self.retry_count
            ctx = dict(self.run.execution_context)
            ctx["State"] = state_part
            if self.token is not None:
                ctx["Task"] = {"Token": self.token}
            if self.scope.map_item is not None:
                ctx["Map"] = {"Item": self.scope.map_item}
            override = self.run.override
            if override is not None:
                ctx = override.context(self, ctx)
            self._context = ctx
        return ctx

    def invalidate(self) -> None:
        self._context = None

    def record(self, stage: str, value: Any) -> None:
        """Keep a data-flow stage (TestState's inspection names) for the inspector."""
        trace = self.trace
        if trace is not None:
            trace[stage] = value

    def variable(self, name: str) -> Any:
        return self.scope.variables.get(name)


def iso_time(seconds: float) -> str:
    """AWS's timestamp format in the context object: ``2024-01-31T12:00:00.123Z``."""
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def assign(template: Any, visit: Visit, doc: Any, states: Callable[[], dict] | None) -> dict[str, Any] | None:
    """Evaluate an Assign block; returns the new values (applied by the caller after Output)."""
    if template is MISSING:
        return None
    values = df.evaluate(template, doc, visit, states)
    if not isinstance(values, dict):
        return None
    total = 0
    for name, value in values.items():
        size = utf8_size(dumps(value))
        if size > VARIABLE_LIMIT:
            raise df.runtime_error(
                f"The value assigned to the variable '{name}' is {size} bytes; a variable holds at most "
                f"{VARIABLE_LIMIT} bytes (256 KiB).",
                "States.DataLimitExceeded",
            )
        total += size
    if total > VARIABLE_LIMIT:
        raise df.runtime_error(
            f"The values assigned by this state are {total} bytes together; one Assign may set at most "
            f"{VARIABLE_LIMIT} bytes (256 KiB).",
            "States.DataLimitExceeded",
        )
    return values


def commit(run: Run, scope: Scope, assigned: dict[str, Any] | None) -> None:
    """Store what an Assign evaluated in the scope (after the state's Output), within AWS's limits."""
    if assigned:
        variables = scope.variables
        sizes = variables.sizes
        for name, value in assigned.items():
            size = utf8_size(dumps(value))
            run.variable_bytes += size - sizes.get(name, 0)
            sizes[name] = size
        if run.variable_bytes > VARIABLES_TOTAL_LIMIT:
            raise StatesError(
                "States.DataLimitExceeded",
                f"The variables of this execution hold {run.variable_bytes} bytes; an execution may store "
                f"at most {VARIABLES_TOTAL_LIMIT} bytes (10 MiB).",
            )
        variables.values.update(assigned)
