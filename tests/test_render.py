"""Tests for sfn_notebook.render: graphs of state machines and executions.

The DOT text is compared with golden files in tests/golden/.  When a change to the look is
intended, rewrite them with ``SFN_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and review the diff.
Tests marked ``exe`` run the ``dot`` program (system Graphviz or graphviz-pure).
"""

from __future__ import annotations

import html
import os
import pickle
import re
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import render
from sfn_notebook.asl import model as m
from sfn_notebook.errors import SfnNotebookError
from sfn_notebook.examples import GETTING_STARTED, getting_started_resources
from sfn_notebook.execution import Execution
from sfn_notebook.render import (
    STATUS_STYLES,
    GraphvizNotFound,
    condition_text,
    render_execution,
    render_machine,
    resource_label,
)

GOLDEN = Path(__file__).parent / "golden"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

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


class RecordedExecution(Execution):
    """An execution known only from its events, as one read from AWS might be."""

    def __init__(self, source: Any, *, definition: Any = None) -> None:
        self.name = source.name
        self.arn = source.arn
        self._events = source.events
        self._status = source.status
        self.state_machine = None
        if definition is not None:
            self.definition = definition

    @property
    def status(self) -> str:
        return self._status

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._events


# ----------------------------------------------------------------------------- golden files


def test_golden_getting_started_tb() -> None:
    check_golden("getting_started_tb", render_machine(machine(GETTING_STARTED, "GettingStarted")))


def test_golden_getting_started_lr() -> None:
    graph = render_machine(machine(GETTING_STARTED, "GettingStarted"), rankdir="LR")
    check_golden("getting_started_lr", graph)


def test_golden_all_types() -> None:
    check_golden("all_types", render_machine(machine(ALL_TYPES, "AllTypes")))


def test_golden_all_types_with_comments() -> None:
    check_golden("all_types_comments", render_machine(machine(ALL_TYPES, "AllTypes"), show_comments=True))


def test_golden_awkward_names() -> None:
    check_golden("awkward_names", render_machine(machine(awkward_definition(), "Awkward")))


def test_golden_execution_succeeded() -> None:
    check_golden("execution_succeeded", render_execution(succeeded_run()))


def test_golden_execution_failed() -> None:
    check_golden("execution_failed", render_execution(failed_run()))


def test_golden_execution_caught() -> None:
    check_golden("execution_caught", render_execution(caught_run()))


def test_golden_execution_running_current() -> None:
    execution = running_run()
    check_golden("execution_running", render_execution(execution, current_event=execution.events[-1]["id"]))


def test_the_same_input_gives_the_same_source() -> None:
    assert render_machine(machine(ALL_TYPES)).source == render_machine(machine(ALL_TYPES)).source
    assert render_execution(caught_run()).source == render_execution(caught_run()).source


# ----------------------------------------------------------------------------- the module itself


def test_importing_does_not_import_graphviz() -> None:
    code = "import sys, sfn_notebook, sfn_notebook.render; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_graphs_are_digraphs_and_picklable() -> None:
    import graphviz

    graph = render_machine(machine(GETTING_STARTED))
    assert isinstance(graph, graphviz.Digraph)
    copy = pickle.loads(pickle.dumps(graph))
    assert type(copy) is type(graph)
    assert copy.source == graph.source
    assert graph.copy().source == graph.source


def test_accepts_a_compiled_machine_or_a_definition() -> None:
    sm = machine(GETTING_STARTED)
    from_model = render_machine(sm.machine).source
    from_dict = render_machine(GETTING_STARTED).source
    assert from_model.replace("digraph StateMachine", "digraph Test") == render_machine(sm).source
    assert from_dict == from_model
    with pytest.raises(TypeError, match="StateMachine"):
        render_machine(42)  # type: ignore[arg-type]


def test_rankdir() -> None:
    sm = machine(GETTING_STARTED)
    assert "rankdir=TB" in render_machine(sm).source
    assert "rankdir=LR" in render_machine(sm, rankdir="LR").source
    with pytest.raises(ValueError, match=r"unknown rankdir: 'sideways' \(must be one of \['TB', 'LR'"):
        render_machine(sm, rankdir="sideways")


def test_lr_keeps_branches_in_order_top_to_bottom() -> None:
    sm = machine(ALL_TYPES)
    tb, lr = render_machine(sm).source, render_machine(sm, rankdir="LR").source
    assert tb.index("Branch 1") < tb.index("Branch 2")
    # dot stacks a rank's nodes bottom-up with LR, so branch 1 must come last to be on top
    assert lr.index("Branch 2") < lr.index("Branch 1")


# ----------------------------------------------------------------------------- one style per state type


def test_start_and_end_markers() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    start = next(s for s in statements(graph) if s.startswith("start ["))
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(start, "shape") == "oval" and attr(start, "label") == "Start"
    assert attr(end, "shape") == "oval" and attr(end, "label") == "End"
    assert edge(graph, "start", "Greet")
    assert edge(graph, "Shout", "end")


def test_task_shows_its_resource_on_a_second_smaller_line() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    greet = node(graph, "Greet")
    assert 'Greet<BR/><FONT POINT-SIZE="9" COLOR="#5f6b7a">Lambda: Greet</FONT>' in greet
    assert attr(greet, "shape") is None  # the default: a rounded box
    assert "Resource: arn:aws:lambda:us-east-1:123456789012:function:Greet" in greet


@pytest.mark.parametrize(
    ("state", "shape", "fill", "border", "subtitle"),
    [
        ("Prepare", None, "#f2f3f3", None, "Pass"),
        ("Fetch", None, "#ffffff", None, "Lambda: Fetch"),
        ("Route", "diamond", "#f2f3f3", None, None),
        ("Pause", None, "#f2f3f3", None, "Wait 10s"),
        ("Pause until", None, "#f2f3f3", None, "Wait until $.when"),
        ("Fan out", None, "#ffffff", None, "Parallel: 2 branches"),
        ("Items", None, "#ffffff", None, "Map: $.orders"),
        ("Per order", None, "#ffffff", None, "Distributed Map: $.lines"),
        ("Save", None, "#ffffff", None, "DynamoDB: putItem"),
        ("Approve", None, "#ffffff", None, "Activity: Approve"),
        ("Done", None, "#f2fcf3", "#1d8102", "Succeed"),
        ("Broken", None, "#fff5f4", "#d13212", "Fail: Broken"),
    ],
)
def test_state_type_styles(
    state: str, shape: str | None, fill: str, border: str | None, subtitle: str | None
) -> None:
    statement = node(render_machine(machine(ALL_TYPES)), state)
    assert attr(statement, "shape") == shape
    assert attr(statement, "fillcolor") == fill
    assert attr(statement, "color") == border
    if subtitle is None:
        assert "<BR/>" not in statement.split(" tooltip=")[0]  # a Choice diamond holds just the name
    else:
        assert f">{html.escape(subtitle)}</FONT>" in statement


def test_succeed_and_fail_borders_are_thicker() -> None:
    graph = render_machine(machine(ALL_TYPES))
    assert attr(node(graph, "Done"), "penwidth") == "2"
    assert attr(node(graph, "Broken"), "penwidth") == "2"
    assert attr(node(graph, "Fetch"), "penwidth") is None


def test_fail_states_do_not_lead_to_end() -> None:
    graph = render_machine(machine(ALL_TYPES))
    broken = node_id(graph, "Broken")
    assert not [s for s in statements(graph) if s.startswith(f"{broken} -> ")]
    assert edge(graph, "Done", "end")
    assert edge(graph, "Not found", "end")


@pytest.mark.parametrize(
    ("resource", "label"),
    [
        (LAMBDA + "Greet", "Lambda: Greet"),
        (LAMBDA + "Greet:prod", "Lambda: Greet"),
        ("arn:aws:states:::lambda:invoke", "Lambda: invoke"),
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", "Lambda: invoke.waitForTaskToken"),
        ("arn:aws:states:::dynamodb:putItem", "DynamoDB: putItem"),
        ("arn:aws:states:::sns:publish", "SNS: publish"),
        ("arn:aws:states:::states:startExecution.sync:2", "Step Functions: startExecution.sync:2"),
        ("arn:aws:states:::ecs:runTask.sync", "ECS: runTask.sync"),
        ("arn:aws:states:::aws-sdk:s3:getObject", "S3: getObject"),
        ("arn:aws:states:::aws-sdk:ec2:describeInstances", "ec2: describeInstances"),
        ("arn:aws:states:::http:invoke", "HTTP: invoke"),
        ("arn:aws:states:us-east-1:123456789012:activity:Approve", "Activity: Approve"),
        ("MyLocalHandler", "MyLocalHandler"),
    ],
)
def test_resource_label(resource: str, label: str) -> None:
    assert resource_label(resource) == label


# ----------------------------------------------------------------------------- Choice rules


def choice_condition(rule: dict[str, Any]) -> m.Condition:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [dict(rule, Next="D")], "Default": "D"},
            "D": {"Type": "Succeed"},
        },
    }
    state = machine(definition).machine.states["C"]
    assert isinstance(state, m.ChoiceState)
    return state.choices[0].condition


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ({"Variable": "$.x", "NumericGreaterThan": 10}, "$.x > 10"),
        ({"Variable": "$.x", "NumericLessThanEquals": 2.5}, "$.x <= 2.5"),
        ({"Variable": "$.x", "NumericEquals": -1}, "$.x == -1"),
        ({"Variable": "$.a", "NumericGreaterThanEqualsPath": "$.b"}, "$.a >= $.b"),
        ({"Variable": "$.type", "StringEquals": "Private"}, '$.type == "Private"'),
        ({"Variable": "$.s", "StringLessThan": "m"}, '$.s < "m"'),
        ({"Variable": "$.s", "StringEqualsPath": "$.t"}, "$.s == $.t"),
        ({"Variable": "$.file", "StringMatches": "*.log"}, '$.file matches "*.log"'),
        ({"Variable": "$.flag", "BooleanEquals": True}, "$.flag == true"),
        (
            {"Variable": "$.when", "TimestampLessThan": "2024-01-01T00:00:00Z"},
            "$.when < 2024-01-01T00:00:00Z",
        ),
        ({"Variable": "$.x", "IsPresent": True}, "IsPresent($.x)"),
        ({"Variable": "$.x", "IsNull": False}, "not IsNull($.x)"),
        ({"Variable": "$.x", "IsNumeric": True}, "IsNumeric($.x)"),
        ({"Not": {"Variable": "$.x", "StringEquals": "a"}}, 'not ($.x == "a")'),
        (
            {
                "And": [
                    {"Variable": "$.a", "NumericGreaterThan": 1},
                    {"Variable": "$.b", "NumericLessThan": 2},
                ]
            },
            "$.a > 1 and $.b < 2",
        ),
        (
            {
                "Or": [
                    {"Variable": "$.a", "NumericEquals": 1},
                    {
                        "And": [
                            {"Variable": "$.b", "NumericEquals": 2},
                            {"Variable": "$.c", "IsPresent": True},
                        ]
                    },
                    {"Not": {"Or": [{"Variable": "$.d", "BooleanEquals": True}]}},
                ]
            },
            "$.a == 1 or ($.b == 2 and IsPresent($.c)) or not ($.d == true)",
        ),
    ],
)
def test_condition_text(rule: dict[str, Any], text: str) -> None:
    assert condition_text(choice_condition(rule)) == text


def test_condition_text_jsonata() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.x > 10 and $exists($states.input.y) %}", "Next": "D"},
                    {"Condition": True, "Next": "D"},
                ],
            },
            "D": {"Type": "Succeed"},
        },
    }
    graph = render_machine(machine(definition))
    state = machine(definition).machine.states["C"]
    assert isinstance(state, m.ChoiceState)
    assert condition_text(state.choices[0].condition) == "$states.input.x > 10 and $exists($states.input.y)"
    assert condition_text(state.choices[1].condition) == "true"
    assert 'label="$states.input.x > 10 and\\n$exists($states.input.y)"' in graph.source


def test_condition_text_of_an_expression_object() -> None:
    condition = m.TJsonata(SimpleNamespace(source="{% $x = 1 %}"), "Condition")  # type: ignore[arg-type]
    assert condition_text(condition) == "$x = 1"


def test_choice_edges_are_labelled_with_their_rules() -> None:
    graph = render_machine(machine(ALL_TYPES))
    assert attr(edge(graph, "Route", "Pause"), "label") == "$.x > 10"
    assert attr(edge(graph, "Route", "Fan out"), "label") == '$.type == \\"Private\\"'
    assert attr(edge(graph, "Route", "Items"), "label") == "not (IsPresent($.vip))"
    assert attr(edge(graph, "Route", "Pause until"), "label") == (
        "$.a <= $.b and $.when <\\n2024-01-01T00:00:00Z"
    )
    assert attr(edge(graph, "Route", "Done"), "label") == "Default"


def test_long_labels_are_wrapped_and_cut() -> None:
    rules = [{"Variable": f"$.field_number_{i}", "NumericEquals": i} for i in range(12)]
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"And": rules, "Next": "D"}]},
            "D": {"Type": "Succeed"},
        },
    }
    label = attr(edge(render_machine(machine(definition)), "C", "D"), "label")
    assert label is not None
    lines = label.split("\\n")
    assert len(lines) == 3 and all(len(line) <= 30 for line in lines)
    assert lines[-1].endswith("…")


# ----------------------------------------------------------------------------- Catch and Retry


def test_catch_edges_are_dashed_and_list_the_errors() -> None:
    graph = render_machine(machine(ALL_TYPES))
    not_found = edge(graph, "Fetch", "Not found")
    assert attr(not_found, "style") == "dashed"
    assert attr(not_found, "label") == "Fetch.NotFound, Fetch.Gone"
    assert attr(not_found, "color") == render.CATCH
    assert attr(edge(graph, "Fetch", "Broken"), "label") == "States.ALL"
    # a Parallel's Catch leaves from its join point, after all branches
    join = edges(graph, "j1", "Broken")
    assert len(join) == 1 and attr(join[0], "label") == "States.ALL"


def test_retry_mark_lists_errors_and_attempts() -> None:
    graph = render_machine(machine(ALL_TYPES))
    fetch = node(graph, "Fetch")
    assert ">retry Lambda.ServiceException +1 ×6</FONT>" in fetch
    assert ">retry States.Timeout ×2</FONT>" in fetch
    assert "Retry Lambda.ServiceException, Lambda.SdkClientException: up to 6 times" in fetch
    assert "retry" not in node(graph, "Prepare")


def test_many_retriers_are_summarised() -> None:
    retry = [{"ErrorEquals": [f"E{i}"], "MaxAttempts": i} for i in range(1, 5)]
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": LAMBDA + "T", "Retry": retry, "End": True}},
    }
    statement = node(render_machine(machine(definition)), "T")
    assert ">retry E1 ×1</FONT>" in statement and ">retry E2 ×2</FONT>" in statement
    assert ">+2 more retriers</FONT>" in statement
    assert "retry E3" not in statement


# ----------------------------------------------------------------------------- Parallel and Map


def subgraph_blocks(source: str) -> dict[str, tuple[int, int]]:
    """cluster name -> (first line, last line) of its block."""
    lines = source.splitlines()
    blocks: dict[str, tuple[int, int]] = {}
    stack: list[tuple[str, int]] = []
    for number, line in enumerate(lines):
        opened = re.match(r"\s*subgraph (\w+) \{", line)
        if opened:
            stack.append((opened.group(1), number))
        elif line.strip() == "}" and stack:
            name, first = stack.pop()
            blocks[name] = (first, number)
    return blocks


def block_of(source: str, label: str) -> tuple[int, int]:
    lines = source.splitlines()
    blocks = subgraph_blocks(source)
    for first, last in blocks.values():
        if f"label={label}" in lines[first + 1] or f'label="{label}"' in lines[first + 1]:
            return first, last
    raise AssertionError(f"no box labelled {label!r}")


def test_parallel_branches_are_dashed_boxes_between_entry_and_join() -> None:
    graph = render_machine(machine(ALL_TYPES))
    source = graph.source
    lines = source.splitlines()
    first, last = block_of(source, "Branch 1")
    assert 'style="dashed,rounded"' in lines[first + 1]
    assert any("Save (Task)" in line for line in lines[first:last])
    first2, last2 = block_of(source, "Branch 2")
    assert any("Approved? (Choice)" in line for line in lines[first2:last2])
    # entry node -> first state of each branch; branch ends -> join point -> Next
    assert edge(graph, "Fan out", "Save") and edge(graph, "Fan out", "Approve")
    assert edges(graph, "Save", "j1") and edges(graph, "Noted", "j1")
    assert edges(graph, "j1", "Done")
    assert not edges(graph, "Refused", "j1")


def test_map_processors_nest() -> None:
    source = render_machine(machine(ALL_TYPES)).source
    outer = block_of(source, "Map: Items (items)")
    inner = block_of(source, "Map: Per order (items)")
    assert outer[0] < inner[0] < inner[1] < outer[1]
    lines = source.splitlines()
    assert any("Line (Pass)" in line for line in lines[inner[0] : inner[1]])


def test_container_ids_are_generated() -> None:
    graph = render_machine(machine(ALL_TYPES))
    ids = {s.split(" ", 1)[0] for s in statements(graph) if re.match(r"\S+ \[", s) and "->" not in s}
    ids -= {"graph", "node", "edge"}
    assert ids and all(re.fullmatch(r"start|end|n\d+|j\d+", i) for i in ids), ids
    # a box per branch and processor, and an invisible one around each of the 3 Parallel/Map states
    assert set(subgraph_blocks(graph.source)) == {f"cluster_{i}" for i in range(1, 8)}


# ----------------------------------------------------------------------------- options


def test_highlight() -> None:
    graph = render_machine(machine(GETTING_STARTED), highlight="Shout")
    shout = node(graph, "Shout")
    assert attr(shout, "color") == render.CURRENT and attr(shout, "penwidth") == "3.5"
    assert "<B>Shout</B>" in shout
    assert attr(node(graph, "Greet"), "penwidth") is None
    with pytest.raises(ValueError, match=r"no state named 'Shot' \(did you mean 'Shout'\?\)"):
        render_machine(machine(GETTING_STARTED), highlight="Shot")


def test_show_comments() -> None:
    plain = render_machine(machine(ALL_TYPES)).source
    commented = render_machine(machine(ALL_TYPES), show_comments=True).source
    assert "<I>Sets defaults</I>" in commented and "<I>Sets defaults</I>" not in plain
    assert 'label="Every state type, rule family, Retry and Catch"' in commented
    titled = render_machine(machine(ALL_TYPES), title="Orders").source
    assert "label=Orders labeljust=l labelloc=t" in titled


def test_awkward_names_are_escaped() -> None:
    graph = render_machine(machine(awkward_definition()))
    source = graph.source
    assert node(graph, 'Say \\"hi\\"').startswith("n1 [label=<Say &quot;hi&quot;<BR/>")
    assert "label=<back\\slash<BR/>" in source
    assert "label=<Ünïcødé 名前<BR/>" in source
    assert "label=<a:b:c<BR/>" in source
    assert "label=<&lt;b&gt;bold&lt;/b&gt; &amp; more<BR/>" in source
    # a state called "end" is not the End marker, nor is one called "n1" the first node
    end_state, n1_state = node_id(graph, "end"), node_id(graph, "n1")
    assert end_state != "end" and n1_state != "n1"
    assert f"{node_id(graph, '<b>bold</b> & more')} -> {end_state} " in source
    # the rule's JSON text "a\"b\\c", with each backslash and quote escaped for DOT
    rule = edges(graph, "n1", "cluster_1")[0]
    assert attr(rule, "label") == "$['odd key'] == " + r"\"a\\\"b\\\\c\""


def test_control_characters_become_spaces() -> None:
    assert render._h("a\nb\x00c") == "a b c"
    assert render._plain(["tab\there"]) == "tab here"


# ----------------------------------------------------------------------------- execution overlay


def fill(graph: Any, name: str) -> str | None:
    return attr(node(graph, name), "fillcolor")


def test_succeeded_execution_is_green_with_bold_edges() -> None:
    graph = render_execution(succeeded_run())
    green = STATUS_STYLES["SUCCEEDED"]
    assert fill(graph, "Greet") == green.fill and attr(node(graph, "Greet"), "color") == green.border
    assert fill(graph, "Shout") == green.fill
    for tail, head in (("start", "Greet"), ("Greet", "Shout"), ("Shout", "end")):
        statement = edge(graph, tail, head)
        assert attr(statement, "penwidth") == "2.4" and attr(statement, "color") == render.TAKEN
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(end, "fillcolor") == green.fill
    assert "Execution ok-run: SUCCEEDED" in graph.source
    assert ">Succeeded</TD>" in graph.source and ">Not run</TD>" not in graph.source


def test_failed_execution() -> None:
    graph = render_execution(failed_run())
    assert fill(graph, "Greet") == STATUS_STYLES["SUCCEEDED"].fill
    shout = node(graph, "Shout")
    assert attr(shout, "fillcolor") == STATUS_STYLES["FAILED"].fill
    assert f'COLOR="{STATUS_STYLES["FAILED"].border}"><B>Boom</B>' in shout  # the error under the name
    assert attr(edge(graph, "Shout", "end"), "color") == render.DIM
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(end, "fillcolor") == "#e9ebed"
    assert ">Failed</TD>" in graph.source and "Execution failed-run: FAILED" in graph.source


def test_caught_error_is_orange_and_the_catch_edge_is_taken() -> None:
    graph = render_execution(caught_run())
    work = node(graph, "Work")
    assert attr(work, "fillcolor") == STATUS_STYLES["CAUGHT"].fill
    assert ">Boom</B>" in work
    catch = edge(graph, "Work", "Recover")
    assert attr(catch, "style") == "dashed" and attr(catch, "penwidth") == "2.4"
    assert attr(catch, "color") == render.CATCH
    assert attr(edge(graph, "Work", "Done"), "color") == render.DIM
    assert attr(edge(graph, "Recover", "Done"), "color") == render.TAKEN
    assert ">Caught error</TD>" in graph.source


def test_running_execution_with_loop_counts() -> None:
    execution = running_run()
    assert execution.status == "RUNNING"
    graph = render_execution(execution)
    assert fill(graph, "Ask") == STATUS_STYLES["RUNNING"].fill
    assert fill(graph, "Done") == STATUS_STYLES["NOT_RUN"].fill
    assert '<FONT COLOR="#b6bec9">Done</FONT>' in node(graph, "Done")  # greyed out
    assert "  ×4</B>" in node(graph, "More?") and "  ×3</B>" in node(graph, "Count")
    assert "Entered 4 times" in node(graph, "More?")
    assert ">In progress</TD>" in graph.source and ">Not run</TD>" in graph.source
    assert attr(edge(graph, "Count", "More?"), "color") == render.TAKEN


def test_caught_parallel_is_orange_with_its_boxes() -> None:
    sm = machine(PARALLEL_CAUGHT)
    graph = render_execution(sm.run({}, resources={"Right": boom}, name="p"))
    caught = STATUS_STYLES["CAUGHT"]
    assert fill(graph, "Both") == caught.fill
    assert fill(graph, "Right") == STATUS_STYLES["FAILED"].fill
    assert fill(graph, "Left") == STATUS_STYLES["SUCCEEDED"].fill
    assert f'fillcolor="{caught.tint}"' in graph.source  # the branch boxes take the container's outcome
    catch = edges(graph, "j1", "Handle")
    assert len(catch) == 1 and attr(catch[0], "penwidth") == "2.4"
    assert attr(edges(graph, "j1", "Done")[0], "color") == render.DIM


def test_map_iterations_and_a_retry_that_worked() -> None:
    sm = machine(MAP_RETRY)
    graph = render_execution(sm.run([1, 2, 3], resources={"Item": flaky_once()}, name="m"))
    item = node(graph, "Item")
    assert attr(item, "fillcolor") == STATUS_STYLES["SUCCEEDED"].fill  # retried, then succeeded
    assert "  ×3</B>" in item and ">retried 1×</FONT>" in item
    assert fill(graph, "Each") == STATUS_STYLES["SUCCEEDED"].fill
    assert attr(edge(graph, "Each", "Item"), "color") == render.TAKEN


def test_worst_status_wins() -> None:
    assert render._worst(["SUCCEEDED", "CAUGHT", "SUCCEEDED"]) == "CAUGHT"
    assert render._worst(["SUCCEEDED", "RUNNING"]) == "RUNNING"
    assert render._worst(["CAUGHT", "FAILED"]) == "FAILED"


def test_current_event_outlines_its_state() -> None:
    execution = succeeded_run()
    events = execution.events
    scheduled = next(e["id"] for e in events if e["type"] == "LambdaFunctionScheduled" and e["id"] > 6)
    graph = render_execution(execution, current_event=scheduled)
    assert attr(node(graph, "Shout"), "color") == render.CURRENT
    assert attr(node(graph, "Greet"), "color") == STATUS_STYLES["SUCCEEDED"].border
    first = render_execution(execution, current_event=events[0]["id"])
    start = next(s for s in statements(first) if s.startswith("start ["))
    assert attr(start, "color") == render.CURRENT
    last = render_execution(execution, current_event=events[-1]["id"])
    end = next(s for s in statements(last) if s.startswith("end ["))
    assert attr(end, "color") == render.CURRENT
    with pytest.raises(ValueError, match=r"no event with id 999 \(its ids: 1 to 12\)"):
        render_execution(execution, current_event=999)


def test_execution_lr_and_without_legend() -> None:
    graph = render_execution(succeeded_run(), rankdir="LR", legend=False)
    assert "rankdir=LR" in graph.source
    assert "<TABLE" not in graph.source


def test_execution_without_its_state_machine() -> None:
    recorded = RecordedExecution(caught_run())
    with pytest.raises(ValueError, match="machine=StateMachine"):
        render_execution(recorded)
    expected = render_execution(caught_run()).source
    assert render_execution(recorded, machine=machine(CATCHING, "Catching")).source == expected
    with_definition = RecordedExecution(caught_run(), definition=CATCHING)
    assert attr(node(render_execution(with_definition), "Work"), "fillcolor") == STATUS_STYLES["CAUGHT"].fill


# ----------------------------------------------------------------------------- finding dot


def fake_program(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def default_dot_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from graphviz's own setting; restored after the test."""
    from graphviz.backend import dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_dot_on_path_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_dot_binary: None
) -> None:
    from graphviz.backend import dot_command

    dot = fake_program(tmp_path, "dot")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.dot_binary() == str(dot)
    assert render.ensure_dot() == str(dot)
    assert Path("dot") == dot_command.DOT_BINARY  # the graphviz package finds it on PATH itself


def test_graphviz_pure_when_there_is_no_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_dot_binary: None
) -> None:
    from graphviz.backend import dot_command

    if render._graphviz_pure() is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = render.ensure_dot()
    assert Path(binary).name.startswith("graphviz-pure")
    assert Path(binary) == dot_command.DOT_BINARY


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_a_dot_binary_set_by_the_user_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphviz.backend import dot_command

    mine = fake_program(tmp_path, "my-dot")
    monkeypatch.setattr(dot_command, "DOT_BINARY", mine)
    assert render.ensure_dot() == str(mine)
    assert mine == dot_command.DOT_BINARY


def test_no_dot_at_all_gives_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_dot_binary: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "_graphviz_pure", lambda: None)
    graph = render_machine(machine(GETTING_STARTED))
    assert "Greet" in graph.source  # the DOT text needs no program
    with pytest.raises(GraphvizNotFound) as caught:
        graph.pipe(format="svg")
    message = str(caught.value)
    assert isinstance(caught.value, SfnNotebookError)
    for fix in ("pip install graphviz-pure", "apt-get install graphviz", "brew install graphviz", ".source"):
        assert fix in message
    assert caught.value.__cause__ is None  # no chained traceback from subprocess
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    with pytest.raises(GraphvizNotFound):
        graph.render(tmp_path / "out", format="svg")
    with pytest.raises(GraphvizNotFound):
        render.dot_binary()
    # a notebook shows the message instead of a traceback
    bundle = machine(GETTING_STARTED)._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "pip install graphviz-pure" in bundle["text/html"]


def test_a_vanished_program_gives_the_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphviz.backend import dot_command

    gone = tmp_path / "gone" / "dot"
    monkeypatch.setattr(dot_command, "DOT_BINARY", gone)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "_graphviz_pure", lambda: None)
    with pytest.raises(GraphvizNotFound):
        render_machine(machine(GETTING_STARTED)).pipe(format="svg")


# ----------------------------------------------------------------------------- rendering with dot


def svg_text(graph: Any) -> str:
    """The SVG, with XML character references resolved (dot writes '-' as &#45;, for one)."""
    return html.unescape(graph.pipe(format="svg", encoding="utf-8"))


@pytest.mark.exe
def test_svg_of_a_machine_names_its_states() -> None:
    svg = svg_text(render_machine(machine(ALL_TYPES)))
    assert svg.lstrip().startswith("<?xml")
    for name in machine(ALL_TYPES).state_names:
        assert f">{name}</text>" in svg, name
    for text in ("Lambda: Fetch", "Branch 1", "Map: Items (items)", "$.x > 10", "States.ALL", "Start", "End"):
        assert f">{text}</text>" in svg, text
    assert ">retry States.Timeout ×2</text>" in svg


@pytest.mark.exe
def test_svg_of_awkward_names() -> None:
    svg = svg_text(render_machine(machine(awkward_definition()), rankdir="LR"))
    for name in [*AWKWARD_NAMES, "cluster_1"]:
        assert f">{name}</text>" in svg, name
    assert ">$['odd key'] == " + '"a\\"b\\\\c"</text>' in svg  # the rule's JSON text, as written


@pytest.mark.exe
def test_svg_of_executions() -> None:
    for execution in (succeeded_run(), failed_run(), caught_run(), running_run()):
        svg = svg_text(render_execution(execution, current_event=2))
        assert f"Execution {execution.name}: {execution.status}" in svg
        assert STATUS_STYLES["SUCCEEDED"].fill in svg


@pytest.mark.exe
def test_notebook_display() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in machine(GETTING_STARTED)._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in succeeded_run()._repr_mimebundle_()["image/svg+xml"]


@pytest.mark.exe
def test_three_hundred_states_render() -> None:
    states: dict[str, Any] = {}
    for i in range(300):
        last = i == 299
        if i % 10 == 5:
            states[f"S{i}"] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericGreaterThan": i, "Next": f"S{i + 1}"}],
                "Default": f"S{i + 2}" if i + 2 < 300 else f"S{i + 1}",
            }
        else:
            states[f"S{i}"] = {"Type": "Task", "Resource": LAMBDA + f"F{i}"}
            states[f"S{i}"].update({"End": True} if last else {"Next": f"S{i + 1}"})
    graph = render_machine(machine({"StartAt": "S0", "States": states}))
    svg = svg_text(graph)
    assert ">S0</text>" in svg and ">S299</text>" in svg
    plain = graph.pipe(format="plain", encoding="utf-8").splitlines()[0].split()
    width, height = float(plain[2]), float(plain[3])
    assert width < 12, "a long chain stays one column wide"
    assert height > 100
