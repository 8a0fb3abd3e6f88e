"""The Task state: its fields, task tokens, and one attempt under Retry/Catch (the call itself is
invoke.py)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps, is_integer
from ...asl import model as m
from .. import dataflow as df
from ..fibers import TaskToken
from ..resources import ResourceInfo, parse_resource
from ..scope import Scope, Visit
from .common import effective_input, jsonata_number_cause, jsonata_states, result_processing, with_retry
from .invoke import invoke

if TYPE_CHECKING:
    from ..run import Run


def run_task(
    run: Run, state: m.TaskState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Call the Task's resource, under its Retry and Catch rules."""
    info = parse_resource(state.resource, run.region)
    return (
        yield from with_retry(
            run, state, visit, raw, scope, lambda: _task_attempt(run, state, info, visit, raw, scope)
        )
    )


def _task_attempt(
    run: Run, state: m.TaskState, info: ResourceInfo, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    # a child execution's .sync task has a token too ($$.Task.Token), which ends it when answered
    if info.waits_for_token or (info.resource_type == "states" and info.pattern.startswith(".sync")):
        token = _new_token(run, state)
        visit.token = token.token
        visit.invalidate()
    else:
        token = None
    effective_raw = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
    params = effective_input(state, visit, raw)
    timeout = _timeout_value(state.timeout_seconds, visit, raw, effective_raw, "TimeoutSecondsPath")
    heartbeat = _timeout_value(state.heartbeat_seconds, visit, raw, effective_raw, "HeartbeatSecondsPath")
    credentials = _task_credentials(state, visit, raw, effective_raw)
    text = run.text(params, state.name)
    override = run.override  # a local TestState's mock stands in for the call
    result = MISSING if override is None else override.result(visit, params)
    if result is MISSING:
        result = yield from invoke(
            run, state, info, visit, params, text, timeout, heartbeat, token, credentials
        )
    return result_processing(run, state, visit, raw, result)


def _timeout_value(expr: Any, visit: Visit, raw: Any, effective: Any, name: str) -> int | None:
    if expr is MISSING:
        return None
    states = jsonata_states(visit, raw) if visit.state.is_jsonata else None
    if type(expr) is m.TPath:
        # AWS words a TimeoutSecondsPath/HeartbeatSecondsPath that finds nothing its own way
        path = expr.path
        missing = f"Invalid path '{path.text}' : No results for path: {path.normalized()}"
        value = df.resolve_path(path, effective, visit, expr.field, missing)
    else:
        value = df.evaluate(expr, effective, visit, states)
    if type(expr) is m.TJsonata:  # a JSONata result of the wrong kind is a query error
        if not is_integer(value):
            df.expect_type(value, "integer", expr)
        if value <= 0:
            raise df.query_error(jsonata_number_cause(expr, value), expr.field)
        return int(value)
    if not is_integer(value) or value <= 0:
        raise df.runtime_error(f"The {name} field must be a positive integer, got {dumps(value)}")
    return int(value)


def _task_credentials(state: m.TaskState, visit: Visit, raw: Any, effective: Any) -> dict[str, Any] | None:
    """The ``taskCredentials`` of the scheduled event: the role named by the state's Credentials."""
    if state.credentials is MISSING:
        return None
    states = jsonata_states(visit, raw) if state.is_jsonata else None
    value = df.evaluate(state.credentials, effective, visit, states)
    if not isinstance(value, dict) or not isinstance(value.get("RoleArn"), str):
        raise df.runtime_error(f"The field 'Credentials' must hold a RoleArn string, got {dumps(value)}")
    return {"roleArn": value["RoleArn"]}


def _new_token(run: Run, state: m.State) -> TaskToken:
    raw_token = "".join(
        run.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(88)
    )
    token = TaskToken("AQB8AAAAKgAAAAMAAAAAAAAAA" + raw_token, state.name)
    run.tokens[token.token] = token
    return token
