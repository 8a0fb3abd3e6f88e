"""Tests for sfn_notebook.render.labels: the text written on nodes and edges."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from sfn_notebook.asl import model as m
from sfn_notebook.render import render_machine
from sfn_notebook.render.labels import condition_text, html_text, plain, resource_label

from .helpers import LAMBDA, machine, node


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
    assert ">1: $states.input.x &gt; 10 and</FONT><BR/>" in graph.source
    assert ">$exists($states.input.y)</FONT><BR/>" in graph.source
    assert ">2: true</FONT>" in graph.source


def test_condition_text_of_an_expression_object() -> None:
    condition = m.TJsonata(SimpleNamespace(source="{% $x = 1 %}"), "Condition")  # type: ignore[arg-type]
    assert condition_text(condition) == "$x = 1"


def test_long_labels_are_wrapped_and_cut() -> None:
    rules = [{"Variable": f"$.field_number_{i}", "NumericEquals": i} for i in range(12)]
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"And": rules, "Next": "D"}]},
            "D": {"Type": "Succeed"},
        },
    }
    box = node(render_machine(machine(definition)), "C")
    lines = re.findall(r'<FONT POINT-SIZE="9" COLOR="#5f6b7a">([^<]*)</FONT>', box)[1:]  # after "Choice"
    assert len(lines) == 2 and all(len(line) <= 44 for line in lines)
    assert lines[0].startswith("1: $.field_number_0 == 0 and") and lines[-1].endswith("…")


def test_control_characters_become_spaces() -> None:
    assert html_text("a\nb\x00c") == "a b c"
    assert plain(["tab\there"]) == "tab here"
