"""Definitions, runs and DOT-reading helpers shared by the render tests.

The DOT text is compared with golden files in tests/golden/.  When a change to the look is
intended, rewrite them with ``SFN_UPDATE_GOLDEN=1 pytest tests/render`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook.examples import GETTING_STARTED, getting_started_resources
from tests.builders import LAMBDA, RecordedExecution

__all__ = ["LAMBDA", "RecordedExecution"]  # re-exported for the render tests

pytest.importorskip("graphviz", reason="the graphs are built with the graphviz package")

GOLDEN = Path(__file__).parent.parent / "golden"

# ----------------------------------------------------------------------------- definitions

ALL_TYPES: dict[str, Any] = {
    "Comment": "Every state type, rule family, Retry and Catch",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Comment": "Sets defaults", "Next": "Fetch"},
        "Fetch": {
            "Type": "Task",
            "Resource": LAMBDA + "Fetch",
            "Retry": [
                {"ErrorEquals": ["Lambda.ServiceException", "Lambda.SdkClientException"], "MaxAttempts": 6},
                {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2},
            ],
            "Catch": [
                {"ErrorEquals": ["Fetch.NotFound", "Fetch.Gone"], "Next": "Not found"},
                {"ErrorEquals": ["States.ALL"], "Next": "Broken"},
            ],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.x", "NumericGreaterThan": 10, "Next": "Pause"},
                {"Variable": "$.type", "StringEquals": "Private", "Next": "Fan out"},
                {"Not": {"Variable": "$.vip", "IsPresent": True}, "Next": "Items"},
                {
                    "And": [
                        {"Variable": "$.a", "NumericLessThanEqualsPath": "$.b"},
                        {"Variable": "$.when", "TimestampLessThan": "2024-01-01T00:00:00Z"},
                    ],
                    "Next": "Pause until",
                },
            ],
            "Default": "Done",
        },
        "Pause": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
        "Pause until": {"Type": "Wait", "TimestampPath": "$.when", "Next": "Done"},
        "Fan out": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Save",
                    "States": {
                        "Save": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::dynamodb:putItem",
                            "Parameters": {"TableName": "t", "Item": {}},
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Approve",
                    "States": {
                        "Approve": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:us-east-1:123456789012:activity:Approve",
                            "Next": "Approved?",
                        },
                        "Approved?": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Noted"}],
                            "Default": "Refused",
                        },
                        "Noted": {"Type": "Pass", "End": True},
                        "Refused": {"Type": "Fail", "Error": "Refused"},
                    },
                },
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
            "Next": "Done",
        },
        "Items": {
            "Type": "Map",
            "ItemsPath": "$.orders",
            "ItemProcessor": {
                "StartAt": "Per order",
                "States": {
                    "Per order": {
                        "Type": "Map",
                        "ItemsPath": "$.lines",
                        "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                            "StartAt": "Line",
                            "States": {"Line": {"Type": "Pass", "End": True}},
                        },
                        "End": True,
                    }
                },
            },
            "Next": "Done",
        },
        "Not found": {"Type": "Succeed"},
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "see the logs"},
    },
}

AWKWARD_NAMES = [
    'Say "hi"',
    "back\\slash",
    "Ünïcødé 名前",
    "a:b:c",
    "<b>bold</b> & more",
    "end",
    "node",
    "n1",
]


def awkward_definition() -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i, name in enumerate(AWKWARD_NAMES):
        states[name] = {"Type": "Pass", "Next": AWKWARD_NAMES[i + 1]} if i + 1 < len(AWKWARD_NAMES) else {}
    states[AWKWARD_NAMES[-1]] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$['odd key']", "StringEquals": 'a"b\\c', "Next": "cluster_1"}],
        "Default": "cluster_1",
    }
    states["cluster_1"] = {"Type": "Succeed"}
    return {"StartAt": AWKWARD_NAMES[0], "States": states}


# ----------------------------------------------------------------------------- executions


def ok(event: Any, context: Any = None) -> Any:
    return event


def boom(event: Any, context: Any = None) -> Any:
    raise sfn.TaskFailed("Boom", "it broke")


def flaky_once() -> Any:
    calls = {"n": 0}

    def handler(event: Any, context: Any = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sfn.TaskFailed("Flaky", "try again")
        return event

    return handler


CATCHING: dict[str, Any] = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": LAMBDA + "Work",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
            "Next": "Done",
        },
        "Recover": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}

LOOP_AND_WAIT: dict[str, Any] = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.n", "Next": "More?"},
        "More?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "Count"}],
            "Default": "Ask",
        },
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More?"},
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "Ask", "Payload": {"token.$": "$$.Task.Token"}},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}

PARALLEL_CAUGHT: dict[str, Any] = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Right",
                    "States": {"Right": {"Type": "Task", "Resource": LAMBDA + "Right", "End": True}},
                },
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
            "Next": "Done",
        },
        "Handle": {"Type": "Pass", "End": True},
        "Done": {"Type": "Succeed"},
    },
}

MAP_RETRY: dict[str, Any] = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Item",
                "States": {
                    "Item": {
                        "Type": "Task",
                        "Resource": LAMBDA + "Item",
                        "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def succeeded_run() -> Any:
    sm = sfn.StateMachine(GETTING_STARTED, "GettingStarted")
    return sm.run({"name": "Ada"}, resources=getting_started_resources(), name="ok-run")


def failed_run() -> Any:
    sm = sfn.StateMachine(GETTING_STARTED, "GettingStarted")
    return sm.run({"name": "Ada"}, resources={"Greet": ok, "Shout": boom}, name="failed-run")


def caught_run() -> Any:
    return sfn.StateMachine(CATCHING, "Catching").run({}, resources={"Work": boom}, name="caught-run")


def running_run() -> Any:
    sm = sfn.StateMachine(LOOP_AND_WAIT, "Looping")
    return sm.run({}, resources={"Ask": ok}, name="running-run")


# ----------------------------------------------------------------------------- helpers


def check_golden(name: str, graph: Any) -> None:
    """Compare ``graph.source`` with tests/golden/<name>.gv (rewritten when SFN_UPDATE_GOLDEN=1)."""
    path = GOLDEN / f"{name}.gv"
    source = graph.source
    if os.environ.get("SFN_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(source, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with SFN_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert source == expected, (
        f"the DOT text differs from {path.name}; if intended, rerun with SFN_UPDATE_GOLDEN=1"
    )


def statements(graph: Any) -> list[str]:
    """Every statement of the graph, subgraphs included, without indentation."""
    return [line.strip() for line in graph.source.splitlines()]


def node(graph: Any, name: str) -> str:
    """The DOT statement of the state called ``name`` (found by the tooltip's first line)."""
    marker = f'tooltip="{name} ('
    found = [s for s in statements(graph) if re.match(r"[nj]\d+ \[", s) and marker in s]
    assert len(found) == 1, f"{len(found)} nodes for {name!r}"
    return found[0]


def node_id(graph: Any, name: str) -> str:
    return node(graph, name).split(" ", 1)[0]


def edges(graph: Any, tail: str, head: str) -> list[str]:
    """The edge statements from ``tail`` to ``head`` (state names, or ids such as start/end/j1)."""
    tail_id = tail if re.fullmatch(r"start|end|j\d+", tail) else node_id(graph, tail)
    head_id = head if re.fullmatch(r"start|end|j\d+", head) else node_id(graph, head)
    return [s for s in statements(graph) if s.startswith(f"{tail_id} -> {head_id} ")]


def edge(graph: Any, tail: str, head: str) -> str:
    found = edges(graph, tail, head)
    assert len(found) == 1, f"{len(found)} edges {tail!r} -> {head!r}"
    return found[0]


def attr(statement: str, key: str) -> str | None:
    """A plain (non-HTML) attribute's value in a DOT statement, unquoted."""
    match = re.search(rf'(?:\[|\s){re.escape(key)}=("(?:[^"\\]|\\.)*"|[^\s\]]+)', statement)
    if match is None:
        return None
    value = match.group(1)
    return value[1:-1] if value.startswith('"') else value


def machine(definition: dict[str, Any], name: str = "Test") -> sfn.StateMachine:
    return sfn.StateMachine(definition, name)
