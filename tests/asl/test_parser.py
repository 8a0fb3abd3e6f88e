"""Tests for sfn_notebook.asl.parser: every validation rule, reported with code, message, pointer and line.

Each rule is checked three ways: on the definition as a dict (code, message, JSON Pointer), and on the same
definition written as JSON text and as YAML text (line and column).  The text is produced here by a small
emitter that records where it writes each key, so the expected positions do not come from the code under
test.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sfn_notebook.asl import model as m
from sfn_notebook.asl.parser import parse_machine
from sfn_notebook.asl.source import load_text, load_value
from sfn_notebook.errors import DefinitionError, Diagnostic
from sfn_notebook.machine import StateMachine
from tests.builders import LAMBDA, SUCCEED, asl, branch, task

JSONATA = {"QueryLanguage": "JSONata"}

# ----------------------------------------------------------------------------- helpers


def pass_(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", **fields}


def choice(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"Type": "Choice", "Choices": list(rules), **fields}


def diagnostics(definition: Any) -> list[Diagnostic]:
    source = load_text(definition) if isinstance(definition, str) else load_value(definition)
    return parse_machine(source)[1]


def errors(definition: Any) -> list[Diagnostic]:
    return [d for d in diagnostics(definition) if d.severity == "ERROR"]


def find(found: list[Diagnostic], code: str, pointer: str) -> Diagnostic:
    matches = [d for d in found if d.code == code and d.pointer == pointer]
    assert matches, f"no {code} at {pointer!r}; got:\n" + "\n".join(map(str, found))
    return matches[0]


def codes(found: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.code, d.pointer) for d in found]


def _token(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def render(value: Any, fmt: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """Write ``value`` as pretty JSON or block YAML; also return the 1-based (line, column) of every pointer.

    A member's position is where its key starts, an array item's where the item starts.
    """
    lines: list[str] = []
    where: dict[str, tuple[int, int]] = {"": (1, 1)}

    def scalar(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    def yaml_key(k: str) -> str:
        return (
            k
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", k) and k not in ("true", "false", "null")
            else scalar(k)
        )

    def as_json(v: Any, ptr: str, indent: int, lead: str) -> None:
        if isinstance(v, dict) and v:
            lines.append(lead + "{")
            items = list(v.items())
            for i, (k, x) in enumerate(items):
                here = f"{ptr}/{_token(k)}"
                where[here] = (len(lines) + 1, indent + 3)
                as_json(x, here, indent + 2, " " * (indent + 2) + scalar(k) + ": ")
                if i < len(items) - 1:
                    lines[-1] += ","
            lines.append(" " * indent + "}")
        elif isinstance(v, list) and v:
            lines.append(lead + "[")
            for i, x in enumerate(v):
                here = f"{ptr}/{i}"
                where[here] = (len(lines) + 1, indent + 3)
                as_json(x, here, indent + 2, " " * (indent + 2))
                if i < len(v) - 1:
                    lines[-1] += ","
            lines.append(" " * indent + "]")
        else:
            lines.append(lead + scalar(v))

    def as_yaml(v: Any, ptr: str, indent: int) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                here = f"{ptr}/{_token(k)}"
                where[here] = (len(lines) + 1, indent + 1)
                head = " " * indent + yaml_key(k) + ":"
                if isinstance(x, (dict, list)) and x:
                    lines.append(head)
                    as_yaml(x, here, indent + 2)
                else:
                    lines.append(f"{head} {scalar(x)}")
        else:
            for i, x in enumerate(v):
                here = f"{ptr}/{i}"
                where[here] = (len(lines) + 1, indent + 3)
                if isinstance(x, (dict, list)) and x:
                    first = len(lines)
                    as_yaml(x, here, indent + 2)
                    lines[first] = " " * indent + "- " + lines[first][indent + 2 :]
                else:
                    lines.append(" " * indent + "- " + scalar(x))

    if fmt == "json":
        as_json(value, "", 0, "")
    else:
        as_yaml(value, "", 0)
    return "\n".join(lines) + "\n", where


def expected_position(where: dict[str, tuple[int, int]], pointer: str) -> tuple[int, int]:
    """Where ``pointer`` was written, or its nearest written ancestor (a missing field)."""
    while pointer not in where:
        pointer = pointer.rsplit("/", 1)[0]
    return where[pointer]


# ----------------------------------------------------------------------------- the rules

P = pytest.param

RULES = [
    # --- StartAt
    P(
        {"States": {"Only": SUCCEED}},
        "MISSING_FIELD",
        "",
        ["StartAt"],
        id="start-at-missing",
    ),
    P(
        {"StartAt": "Strat", "States": {"Start": SUCCEED}},
        "UNKNOWN_STATE",
        "/StartAt",
        ["StartAt", "'Strat'", "did you mean 'Start'"],
        id="start-at-unknown",
    ),
    P(
        {"StartAt": "start", "States": {"Start": SUCCEED}},
        "UNKNOWN_STATE",
        "/StartAt",
        ["StartAt", "did you mean 'Start'"],
        id="start-at-is-case-sensitive",
    ),
    P(
        {"StartAt": 5, "States": {"A": SUCCEED}},
        "INVALID_TYPE",
        "/StartAt",
        ["StartAt"],
        id="start-at-not-a-string",
    ),
    P({"StartAt": "A", "States": {}}, "EMPTY_STATES", "/States", ["States"], id="states-empty"),
    P({"StartAt": "A", "States": []}, "INVALID_TYPE", "/States", ["States"], id="states-not-an-object"),
    P({"StartAt": "A"}, "MISSING_FIELD", "", ["States"], id="states-missing"),
    P({"StartAt": "A", "States": {"A": []}}, "INVALID_TYPE", "/States/A", ["'A'"], id="state-not-an-object"),
    # --- transitions
    P(
        asl({"Charge": pass_(Next="Fnish"), "Finish": SUCCEED}),
        "UNKNOWN_STATE",
        "/States/Charge/Next",
        ["Next", "'Fnish'", "did you mean 'Finish'"],
        id="next-unknown",
    ),
    P(
        asl(
            {
                "Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "Yess"}, Default="No"),
                "Yes": SUCCEED,
            }
        ),
        "UNKNOWN_STATE",
        "/States/Ask/Choices/0/Next",
        ["Next", "'Yess'", "did you mean 'Yes'"],
        id="choice-rule-next-unknown",
    ),
    P(
        asl(
            {
                "Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "Yes"}, Default="Noo"),
                "Yes": SUCCEED,
                "No": SUCCEED,
            }
        ),
        "UNKNOWN_STATE",
        "/States/Ask/Default",
        ["Default", "'Noo'", "did you mean"],
        id="default-unknown",
    ),
    P(
        asl(
            {
                "Charge": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]),
                "Recovr": SUCCEED,
            }
        ),
        "UNKNOWN_STATE",
        "/States/Charge/Catch/0/Next",
        ["Next", "'Recover'", "did you mean 'Recovr'"],
        id="catch-next-unknown",
    ),
    P(
        asl({"Charge": pass_(Next="Ship", End=True), "Ship": SUCCEED}),
        "NEXT_AND_END",
        "/States/Charge",
        ["'Charge'", "Next", "End"],
        id="next-and-end",
    ),
    P(
        asl({"Charge": pass_()}),
        "MISSING_NEXT_OR_END",
        "/States/Charge",
        ["'Charge'", "Next", "End"],
        id="neither-next-nor-end",
    ),
    P(asl({"Charge": pass_(End=False)}), "INVALID_VALUE", "/States/Charge/End", ["End"], id="end-false"),
    P(
        asl({"Charge": pass_(End="true")}),
        "INVALID_TYPE",
        "/States/Charge/End",
        ["End"],
        id="end-not-bool",
    ),
    P(
        asl({"Charge": pass_(Next=5)}),
        "INVALID_TYPE",
        "/States/Charge/Next",
        ["Next"],
        id="next-not-a-string",
    ),
    # --- Type
    P(
        asl({"Charge": {"Type": "Tsak", "End": True}}),
        "INVALID_STATE_TYPE",
        "/States/Charge/Type",
        ["'Tsak'", "did you mean 'Task'", "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map"],
        id="type-unknown",
    ),
    P(
        asl({"Charge": {"Type": 3, "End": True}}),
        "INVALID_STATE_TYPE",
        "/States/Charge/Type",
        ["3"],
        id="type-int",
    ),
    P(
        asl({"Charge": {"End": True}}),
        "MISSING_FIELD",
        "/States/Charge",
        ["'Charge'", "Type"],
        id="type-missing",
    ),
    # --- fields that do not belong, typos
    P(
        asl({"Charge": task(Result=1, End=True)}),
        "UNKNOWN_FIELD",
        "/States/Charge/Result",
        ["Result", "Task"],
        id="result-on-task",
    ),
    P(
        asl({"Charge": task(ResultPth="$.r", End=True)}),
        "UNKNOWN_FIELD",
        "/States/Charge/ResultPth",
        ["'ResultPth'", "did you mean 'ResultPath'"],
        id="typo-with-suggestion",
    ),
    P(
        asl({"Charge": pass_(Commnet="x", End=True)}),
        "UNKNOWN_FIELD",
        "/States/Charge/Commnet",
        ["'Commnet'", "did you mean 'Comment'"],
        id="typo-comment",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B"}, End=True), "B": SUCCEED}),
        "UNKNOWN_FIELD",
        "/States/Ask/End",
        ["'End'", "Choice"],
        id="end-on-choice",
    ),
    P(
        asl({"Done": {"Type": "Succeed", "Next": "X"}}),
        "UNKNOWN_FIELD",
        "/States/Done/Next",
        ["'Next'", "Succeed"],
        id="next-on-succeed",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "End": True}}),
        "UNKNOWN_FIELD",
        "/States/Oops/End",
        ["'End'", "Fail"],
        id="end-on-fail",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "InputPath": "$"}}),
        "UNKNOWN_FIELD",
        "/States/Oops/InputPath",
        ["'InputPath'", "Fail"],
        id="input-path-on-fail",
    ),
    P(
        asl({"Done": {"Type": "Succeed", "Assign": {"x": 1}}}),
        "UNKNOWN_FIELD",
        "/States/Done/Assign",
        ["'Assign'", "Succeed"],
        id="assign-on-succeed",
    ),
    P(
        asl({"Wait": pass_(Retry=[], End=True)}),
        "UNKNOWN_FIELD",
        "/States/Wait/Retry",
        ["'Retry'", "Pass"],
        id="retry-on-pass",
    ),
    P(
        asl(
            {"Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B"}, Parameters={}), "B": SUCCEED}
        ),
        "UNKNOWN_FIELD",
        "/States/Ask/Parameters",
        ["'Parameters'", "Choice"],
        id="parameters-on-choice",
    ),
    P(
        {"StartAt": "A", "States": {"A": SUCCEED}, "Comments": "x"},
        "UNKNOWN_FIELD",
        "/Comments",
        ["'Comments'", "did you mean 'Comment'"],
        id="unknown-top-level-field",
    ),
    P(
        asl(
            {"Fan": {"Type": "Parallel", "End": True, "Branches": [{**branch(X=SUCCEED), "Version": "1.0"}]}}
        ),
        "UNKNOWN_FIELD",
        "/States/Fan/Branches/0/Version",
        ["'Version'", "top level"],
        id="version-in-branch",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{**branch(X=SUCCEED), "TimeoutSeconds": 5}],
                }
            }
        ),
        "UNKNOWN_FIELD",
        "/States/Fan/Branches/0/TimeoutSeconds",
        ["'TimeoutSeconds'", "top level"],
        id="timeout-in-branch",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "MaxAttempt": 1}])}),
        "UNKNOWN_FIELD",
        "/States/Charge/Retry/0/MaxAttempt",
        ["'MaxAttempt'", "did you mean 'MaxAttempts'"],
        id="retrier-typo",
    ),
    P(
        asl(
            {
                "Charge": task(End=True, Catch=[{"ErrorEquals": ["X"], "Next": "B", "ResultPth": "$.e"}]),
                "B": SUCCEED,
            }
        ),
        "UNKNOWN_FIELD",
        "/States/Charge/Catch/0/ResultPth",
        ["'ResultPth'", "did you mean 'ResultPath'"],
        id="catcher-typo",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "StringEqual": "x", "Next": "B"}), "B": SUCCEED}),
        "UNKNOWN_FIELD",
        "/States/Ask/Choices/0/StringEqual",
        ["'StringEqual'", "did you mean 'StringEquals'"],
        id="operator-typo",
    ),
    # --- wrong value types
    P(
        asl({"Charge": task(TimeoutSeconds="60", End=True)}),
        "INVALID_TYPE",
        "/States/Charge/TimeoutSeconds",
        ["TimeoutSeconds", "integer"],
        id="timeout-string",
    ),
    P(
        asl({"Charge": task(HeartbeatSeconds=1.5, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/HeartbeatSeconds",
        ["HeartbeatSeconds", "integer"],
        id="heartbeat-float",
    ),
    P(
        asl({"Charge": task(Comment=3, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Comment",
        ["Comment", "string"],
        id="comment-int",
    ),
    P(
        asl({"Charge": {"Type": "Task", "Resource": 5, "End": True}}),
        "INVALID_TYPE",
        "/States/Charge/Resource",
        ["Resource"],
        id="resource-int",
    ),
    P(
        asl({"Charge": {"Type": "Task", "End": True}}),
        "MISSING_FIELD",
        "/States/Charge",
        ["'Charge'", "Resource"],
        id="resource-missing",
    ),
    P(
        asl({"Charge": {"Type": "Task", "Resource": "lambda", "End": True}}),
        "INVALID_VALUE",
        "/States/Charge/Resource",
        ["Resource", "'lambda'"],
        id="resource-not-a-uri",
    ),
    P(
        asl({"Charge": pass_(Parameters="x", End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Parameters",
        ["Parameters", "object"],
        id="parameters-string",
    ),
    P(
        asl({"Charge": task(ResultSelector=[1], End=True)}),
        "INVALID_TYPE",
        "/States/Charge/ResultSelector",
        ["ResultSelector", "object"],
        id="result-selector-array",
    ),
    P(
        asl({"Charge": pass_(InputPath=5, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/InputPath",
        ["InputPath"],
        id="input-path-int",
    ),
    P(
        asl({"Charge": pass_(Assign=[1], End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Assign",
        ["Assign", "object"],
        id="assign-array",
    ),
    P(
        asl({"Charge": task(Credentials=None, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Credentials",
        ["Credentials"],
        id="credentials-null",
    ),
    P(
        asl({"Sleep": {"Type": "Wait", "Seconds": "10", "End": True}}),
        "INVALID_TYPE",
        "/States/Sleep/Seconds",
        ["Seconds", "integer"],
        id="wait-seconds-string",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "Error": 5}}),
        "INVALID_TYPE",
        "/States/Oops/Error",
        ["Error", "string"],
        id="fail-error-int",
    ),
    P(
        {"StartAt": "A", "States": {"A": SUCCEED}, "TimeoutSeconds": "x"},
        "INVALID_TYPE",
        "/TimeoutSeconds",
        ["TimeoutSeconds"],
        id="top-timeout-string",
    ),
    P(
        {"StartAt": "A", "States": {"A": SUCCEED}, "Comment": 5},
        "INVALID_TYPE",
        "/Comment",
        ["Comment"],
        id="top-comment-int",
    ),
    P(
        {"StartAt": "A", "States": {"A": SUCCEED}, "Version": "2.0"},
        "INVALID_VALUE",
        "/Version",
        ["Version", "1.0"],
        id="version-not-1.0",
    ),
    # --- JSONPath syntax
    P(
        asl({"Charge": pass_(InputPath="$.a[", End=True)}),
        "INVALID_JSONPATH",
        "/States/Charge/InputPath",
        ["InputPath", "$.a["],
        id="input-path-unclosed",
    ),
    P(
        asl({"Charge": pass_(OutputPath="a.b", End=True)}),
        "INVALID_JSONPATH",
        "/States/Charge/OutputPath",
        ["OutputPath", "'$'"],
        id="output-path-no-dollar",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a b", "IsPresent": True, "Next": "B"}), "B": SUCCEED}),
        "INVALID_JSONPATH",
        "/States/Ask/Choices/0/Variable",
        ["Variable", "$.a b"],
        id="choice-variable",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "StringEqualsPath": "nope", "Next": "B"}), "B": SUCCEED}),
        "INVALID_JSONPATH",
        "/States/Ask/Choices/0/StringEqualsPath",
        ["StringEqualsPath", "nope"],
        id="choice-operator-path",
    ),
    P(
        asl({"Each": {"Type": "Map", "ItemsPath": "items", "ItemProcessor": branch(X=SUCCEED), "End": True}}),
        "INVALID_JSONPATH",
        "/States/Each/ItemsPath",
        ["ItemsPath", "items"],
        id="items-path-no-dollar",
    ),
    P(
        asl({"Charge": pass_(Parameters={"x.$": "$.a[?(@.b"}, End=True)}),
        "INVALID_JSONPATH",
        "/States/Charge/Parameters/x.$",
        ["x.$", "$.a[?(@.b"],
        id="template-path",
    ),
    # --- reference paths
    P(
        asl({"Charge": pass_(ResultPath="$.a[*]", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath", "reference path", "$.a[*]"],
        id="result-path-wildcard",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$..a", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath"],
        id="result-path-deep-scan",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$.a[0,1]", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath"],
        id="result-path-union",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$.a[1:2]", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath"],
        id="result-path-slice",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$.a[?(@.b)]", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath"],
        id="result-path-filter",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$$.Execution.Id", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath", "context"],
        id="result-path-context",
    ),
    P(
        asl({"Charge": pass_(ResultPath="$total", Assign={"total": 1}, End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/ResultPath",
        ["ResultPath", "variable"],
        id="result-path-variable",
    ),
    P(
        asl(
            {
                "Charge": task(
                    End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "ResultPath": "$.e[*]"}]
                ),
                "B": SUCCEED,
            }
        ),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/Catch/0/ResultPath",
        ["ResultPath"],
        id="catcher-result-path",
    ),
    P(
        asl({"Sleep": {"Type": "Wait", "SecondsPath": "$.a[*]", "End": True}}),
        "INVALID_REFERENCE_PATH",
        "/States/Sleep/SecondsPath",
        ["SecondsPath"],
        id="seconds-path",
    ),
    P(
        asl({"Charge": task(TimeoutSecondsPath="$..t", End=True)}),
        "INVALID_REFERENCE_PATH",
        "/States/Charge/TimeoutSecondsPath",
        ["TimeoutSecondsPath"],
        id="timeout-seconds-path",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.items[*]",
                    "ItemProcessor": branch(X=SUCCEED),
                    "End": True,
                }
            }
        ),
        "INVALID_REFERENCE_PATH",
        "/States/Each/ItemsPath",
        ["ItemsPath"],
        id="items-path",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "ErrorPath": "$.errors[*]"}}),
        "INVALID_REFERENCE_PATH",
        "/States/Oops/ErrorPath",
        ["ErrorPath"],
        id="error-path",
    ),
    # --- intrinsics and .$ keys
    P(
        asl({"Charge": pass_(Parameters={"msg.$": "States.Format('x {}', $.b"}, End=True)}),
        "INVALID_INTRINSIC",
        "/States/Charge/Parameters/msg.$",
        ["'msg.$'", "States.Format"],
        id="intrinsic-unclosed",
    ),
    P(
        asl({"Charge": pass_(Parameters={"msg.$": "States.Formatt('x')"}, End=True)}),
        "INVALID_INTRINSIC",
        "/States/Charge/Parameters/msg.$",
        ["'msg.$'", "States.Formatt", "States.Format"],
        id="intrinsic-unknown-name",
    ),
    P(
        asl({"Charge": pass_(Parameters={"msg.$": "Foo.Bar('x')"}, End=True)}),
        "INVALID_INTRINSIC",
        "/States/Charge/Parameters/msg.$",
        ["Foo.Bar"],
        id="intrinsic-not-states",
    ),
    P(
        asl({"Charge": pass_(Parameters={"n.$": "States.ArrayLength($.a,)"}, End=True)}),
        "INVALID_INTRINSIC",
        "/States/Charge/Parameters/n.$",
        ["'n.$'", "States.ArrayLength", "expected an argument"],
        id="intrinsic-syntax",
    ),
    P(
        asl({"Charge": task(ResultSelector={"id.$": "States.UUID("}, End=True)}),
        "INVALID_INTRINSIC",
        "/States/Charge/ResultSelector/id.$",
        ["'id.$'", "States.UUID"],
        id="intrinsic-in-result-selector",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "ErrorPath": "States.Formatt('x')"}}),
        "INVALID_INTRINSIC",
        "/States/Oops/ErrorPath",
        ["ErrorPath", "States.Formatt"],
        id="intrinsic-in-error-path",
    ),
    P(
        asl({"Charge": pass_(Parameters={"a.$": "hello"}, End=True)}),
        "INVALID_JSONPATH",
        "/States/Charge/Parameters/a.$",
        ["'a.$'", "'hello'", "remove '.$'"],
        id="dollar-key-literal-string",
    ),
    P(
        asl({"Charge": pass_(Parameters={"b.$": 5}, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Parameters/b.$",
        ["'b.$'", "integer"],
        id="dollar-key-number",
    ),
    P(
        asl({"Charge": pass_(Parameters={"c": {"d.$": ["$.x"]}}, End=True)}),
        "INVALID_TYPE",
        "/States/Charge/Parameters/c/d.$",
        ["'d.$'", "array"],
        id="dollar-key-nested-array",
    ),
    P(
        asl({"Charge": pass_(Assign={"x.$": "nope"}, End=True)}),
        "INVALID_JSONPATH",
        "/States/Charge/Assign/x.$",
        ["'x.$'"],
        id="dollar-key-in-assign",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "ItemSelector": {"v.$": "value"},
                    "ItemProcessor": branch(X=SUCCEED),
                    "End": True,
                }
            }
        ),
        "INVALID_JSONPATH",
        "/States/Each/ItemSelector/v.$",
        ["'v.$'"],
        id="dollar-key-in-item-selector",
    ),
    P(
        asl({"Charge": pass_(Parameters={"a": 1, "a.$": "$.a"}, End=True)}),
        "DUPLICATE_FIELD",
        "/States/Charge/Parameters/a.$",
        ["'a.$'", "'a'"],
        id="duplicate-after-renaming",
    ),
    # --- Choice
    P(
        asl({"Ask": {"Type": "Choice", "Default": "B"}, "B": SUCCEED}),
        "MISSING_FIELD",
        "/States/Ask",
        ["'Ask'", "Choices"],
        id="choice-without-choices",
    ),
    P(
        asl({"Ask": choice(Default="B"), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices",
        ["Choices", "non-empty"],
        id="choices-empty",
    ),
    P(
        asl({"Ask": {"Type": "Choice", "Choices": {}}}),
        "INVALID_TYPE",
        "/States/Ask/Choices",
        ["Choices"],
        id="choices-object",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "IsPresent": True}, Default="B"), "B": SUCCEED}),
        "MISSING_FIELD",
        "/States/Ask/Choices/0",
        ["Next"],
        id="rule-without-next",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "Next": "B"}), "B": SUCCEED}),
        "INVALID_RULE",
        "/States/Ask/Choices/0",
        ["comparison operator"],
        id="rule-without-operator",
    ),
    P(
        asl(
            {
                "Ask": choice({"Variable": "$.a", "StringEquals": "x", "IsPresent": True, "Next": "B"}),
                "B": SUCCEED,
            }
        ),
        "INVALID_RULE",
        "/States/Ask/Choices/0",
        ["exactly one", "StringEquals", "IsPresent"],
        id="rule-with-two-operators",
    ),
    P(
        asl({"Ask": choice({"Next": "B"}), "B": SUCCEED}),
        "INVALID_RULE",
        "/States/Ask/Choices/0",
        ["Variable", "And/Or/Not"],
        id="rule-without-anything",
    ),
    P(
        asl(
            {
                "Ask": choice({"And": [{"Variable": "$.a", "IsPresent": True, "Next": "B"}], "Next": "B"}),
                "B": SUCCEED,
            }
        ),
        "INVALID_FIELD",
        "/States/Ask/Choices/0/And/0/Next",
        ["Next", "nested"],
        id="next-on-nested-rule",
    ),
    P(
        asl(
            {
                "Ask": choice({"Not": {"Variable": "$.a", "IsPresent": True, "Next": "B"}, "Next": "B"}),
                "B": SUCCEED,
            }
        ),
        "INVALID_FIELD",
        "/States/Ask/Choices/0/Not/Next",
        ["Next", "nested"],
        id="next-inside-not",
    ),
    P(
        asl(
            {
                "Ask": choice(
                    {"Variable": "$.a", "And": [{"Variable": "$.a", "IsPresent": True}], "Next": "B"}
                ),
                "B": SUCCEED,
            }
        ),
        "INVALID_RULE",
        "/States/Ask/Choices/0",
        ["And", "Variable"],
        id="variable-with-and",
    ),
    P(
        asl({"Ask": choice({"And": [], "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/And",
        ["And", "non-empty"],
        id="and-empty",
    ),
    P(
        asl({"Ask": choice({"Not": [], "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/Not",
        ["Not"],
        id="not-array",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "NumericEquals": "1", "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/NumericEquals",
        ["NumericEquals", "number"],
        id="numeric-operand-string",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "BooleanEquals": 1, "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/BooleanEquals",
        ["BooleanEquals"],
        id="boolean-operand-int",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "StringEquals": 1, "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/StringEquals",
        ["StringEquals", "string"],
        id="string-operand-int",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "TimestampEquals": "2020-01-01", "Next": "B"}), "B": SUCCEED}),
        "INVALID_VALUE",
        "/States/Ask/Choices/0/TimestampEquals",
        ["TimestampEquals", "RFC 3339"],
        id="timestamp-operand",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "StringMatches": "a\\b", "Next": "B"}), "B": SUCCEED}),
        "INVALID_VALUE",
        "/States/Ask/Choices/0/StringMatches",
        ["StringMatches", "backslash"],
        id="string-matches-lone-backslash",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "IsPresent": "yes", "Next": "B"}), "B": SUCCEED}),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/IsPresent",
        ["IsPresent"],
        id="is-present-string",
    ),
    # --- Retry / Catch
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": []}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/ErrorEquals",
        ["ErrorEquals", "non-empty"],
        id="error-equals-empty",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": "States.ALL"}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/ErrorEquals",
        ["ErrorEquals"],
        id="error-equals-string",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": [1]}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/ErrorEquals/0",
        ["string"],
        id="error-name-int",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"MaxAttempts": 1}])}),
        "MISSING_FIELD",
        "/States/Charge/Retry/0",
        ["ErrorEquals"],
        id="retrier-without-error-equals",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/BackoffRate",
        ["BackoffRate", "1.0", "0.5"],
        id="backoff-rate-below-1",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": "2"}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/BackoffRate",
        ["BackoffRate", "number"],
        id="backoff-rate-string",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": True}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/BackoffRate",
        ["BackoffRate"],
        id="backoff-rate-bool",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 0}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/IntervalSeconds",
        ["IntervalSeconds", "at least 1"],
        id="interval-zero",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 1.5}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/IntervalSeconds",
        ["IntervalSeconds", "integer"],
        id="interval-float",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -1}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/MaxAttempts",
        ["MaxAttempts", "at least 0"],
        id="max-attempts-negative",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "MaxAttempts": True}])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0/MaxAttempts",
        ["MaxAttempts"],
        id="max-attempts-bool",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "MaxDelaySeconds": 0}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/MaxDelaySeconds",
        ["MaxDelaySeconds"],
        id="max-delay-zero",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "MaxDelaySeconds": 31622401}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/MaxDelaySeconds",
        ["MaxDelaySeconds", "31622400"],
        id="max-delay-too-big",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "PARTIAL"}])}),
        "INVALID_VALUE",
        "/States/Charge/Retry/0/JitterStrategy",
        ["JitterStrategy", "FULL", "NONE", "PARTIAL"],
        id="jitter-strategy",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["States.ALL", "Oops"]}])}),
        "STATES_ALL_NOT_ALONE",
        "/States/Charge/Retry/0/ErrorEquals",
        ["States.ALL", "alone"],
        id="states-all-not-alone",
    ),
    P(
        asl({"Charge": task(End=True, Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Oops"]}])}),
        "STATES_ALL_NOT_LAST",
        "/States/Charge/Retry/0/ErrorEquals",
        ["States.ALL", "last"],
        id="states-all-not-last-retrier",
    ),
    P(
        asl(
            {
                "Charge": task(
                    End=True,
                    Catch=[
                        {"ErrorEquals": ["States.ALL"], "Next": "B"},
                        {"ErrorEquals": ["Oops"], "Next": "B"},
                    ],
                ),
                "B": SUCCEED,
            }
        ),
        "STATES_ALL_NOT_LAST",
        "/States/Charge/Catch/0/ErrorEquals",
        ["States.ALL", "last"],
        id="states-all-not-last-catcher",
    ),
    P(
        asl({"Charge": task(End=True, Catch=[{"ErrorEquals": ["Oops"]}])}),
        "MISSING_FIELD",
        "/States/Charge/Catch/0",
        ["Next"],
        id="catcher-without-next",
    ),
    P(
        asl({"Charge": task(End=True, Retry={"ErrorEquals": ["X"]})}),
        "INVALID_TYPE",
        "/States/Charge/Retry",
        ["Retry", "array"],
        id="retry-object",
    ),
    P(
        asl({"Charge": task(End=True, Catch="all")}),
        "INVALID_TYPE",
        "/States/Charge/Catch",
        ["Catch", "array"],
        id="catch-string",
    ),
    P(
        asl({"Charge": task(End=True, Retry=["X"])}),
        "INVALID_TYPE",
        "/States/Charge/Retry/0",
        ["retrier", "object"],
        id="retrier-string",
    ),
    # --- Map / Parallel and nested machines
    P(
        asl({"Each": {"Type": "Map", "End": True}}),
        "INVALID_MAP",
        "/States/Each",
        ["'Each'", "ItemProcessor", "Iterator", "neither"],
        id="map-without-processor",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": branch(X=SUCCEED),
                    "Iterator": branch(Y=SUCCEED),
                }
            }
        ),
        "INVALID_MAP",
        "/States/Each",
        ["'Each'", "ItemProcessor", "Iterator", "both"],
        id="map-with-both-processors",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "End": True}}),
        "MISSING_FIELD",
        "/States/Fan",
        ["'Fan'", "Branches"],
        id="parallel-without-branches",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "Branches": [], "End": True}}),
        "INVALID_TYPE",
        "/States/Fan/Branches",
        ["Branches", "non-empty"],
        id="parallel-branches-empty",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "Branches": {}, "End": True}}),
        "INVALID_TYPE",
        "/States/Fan/Branches",
        ["Branches"],
        id="parallel-branches-object",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "End": True, "Branches": [{"States": {"X": SUCCEED}}]}}),
        "MISSING_FIELD",
        "/States/Fan/Branches/0",
        ["StartAt", "'Fan'"],
        id="branch-without-start-at",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [branch(X=SUCCEED), branch(Y=pass_(Next="Zed"), Z=SUCCEED)],
                }
            }
        ),
        "UNKNOWN_STATE",
        "/States/Fan/Branches/1/States/Y/Next",
        ["Next", "'Zed'"],
        id="error-inside-branch",
    ),
    P(
        asl({"Each": {"Type": "Map", "End": True, "ItemProcessor": branch(Ship=task(Result=1, End=True))}}),
        "UNKNOWN_FIELD",
        "/States/Each/ItemProcessor/States/Ship/Result",
        ["'Result'"],
        id="error-inside-item-processor",
    ),
    P(
        asl({"Each": {"Type": "Map", "End": True, "Iterator": branch(Ship=pass_())}}),
        "MISSING_NEXT_OR_END",
        "/States/Each/Iterator/States/Ship",
        ["'Ship'"],
        id="error-inside-iterator",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [
                        branch(
                            Each={
                                "Type": "Map",
                                "End": True,
                                "ItemProcessor": branch(Deep=task(TimeoutSeconds=0, End=True)),
                            }
                        )
                    ],
                }
            }
        ),
        "INVALID_VALUE",
        "/States/Fan/Branches/0/States/Each/ItemProcessor/States/Deep/TimeoutSeconds",
        ["TimeoutSeconds"],
        id="error-two-levels-deep",
    ),
    P(
        asl(
            {
                "Fan": {"Type": "Parallel", "Next": "After", "Branches": [branch(X=pass_(Next="After"))]},
                "After": SUCCEED,
            }
        ),
        "UNKNOWN_STATE",
        "/States/Fan/Branches/0/States/X/Next",
        ["Next", "'After'"],
        id="transition-out-of-branch",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "Next": "X", "Branches": [branch(X=SUCCEED)]}}),
        "UNKNOWN_STATE",
        "/States/Fan/Next",
        ["Next", "'X'", "another scope"],
        id="transition-into-branch",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {**branch(X=SUCCEED), "ProcessorConfig": {"Mode": "FAST"}},
                }
            }
        ),
        "INVALID_VALUE",
        "/States/Each/ItemProcessor/ProcessorConfig/Mode",
        ["Mode", "INLINE", "DISTRIBUTED"],
        id="processor-mode",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {**branch(X=SUCCEED), "ProcessorConfig": {"Mode": "DISTRIBUTED"}},
                }
            }
        ),
        "MISSING_FIELD",
        "/States/Each/ItemProcessor/ProcessorConfig",
        ["ExecutionType"],
        id="distributed-without-execution-type",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": branch(X=SUCCEED),
                    "ItemSelector": {},
                    "Parameters": {},
                }
            }
        ),
        "CONFLICTING_FIELDS",
        "/States/Each/Parameters",
        ["ItemSelector", "Parameters"],
        id="item-selector-and-parameters",
    ),
    P(
        asl({"Each": {"Type": "Map", "End": True, "ItemProcessor": branch(X=SUCCEED), "MaxConcurrency": -1}}),
        "INVALID_VALUE",
        "/States/Each/MaxConcurrency",
        ["MaxConcurrency"],
        id="max-concurrency-negative",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": branch(X=SUCCEED),
                    "ToleratedFailurePercentage": 101,
                }
            }
        ),
        "INVALID_VALUE",
        "/States/Each/ToleratedFailurePercentage",
        ["ToleratedFailurePercentage", "100"],
        id="tolerated-failure-percentage",
    ),
    P(
        asl(
            {
                "Each": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": branch(X=SUCCEED),
                    "ItemReader": {"Parameters": {}},
                }
            }
        ),
        "MISSING_FIELD",
        "/States/Each/ItemReader",
        ["ItemReader", "Resource"],
        id="item-reader-without-resource",
    ),
    P(
        asl({"Each": {"Type": "Map", "End": True, "ItemProcessor": branch(X=SUCCEED), "Label": ""}}),
        "INVALID_VALUE",
        "/States/Each/Label",
        ["Label"],
        id="label-empty",
    ),
    # --- Wait
    P(
        asl({"Sleep": {"Type": "Wait", "End": True}}),
        "INVALID_WAIT",
        "/States/Sleep",
        ["Seconds", "SecondsPath", "Timestamp", "TimestampPath", "none"],
        id="wait-without-time",
    ),
    P(
        asl({"Sleep": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}}),
        "INVALID_WAIT",
        "/States/Sleep",
        ["exactly one", "found Seconds, SecondsPath"],
        id="wait-with-two-times",
    ),
    P(
        asl(
            {
                "Sleep": {
                    "Type": "Wait",
                    "Seconds": 1,
                    "Timestamp": "2024-01-31T12:00:00Z",
                    "SecondsPath": "$.s",
                    "TimestampPath": "$.t",
                    "End": True,
                }
            }
        ),
        "INVALID_WAIT",
        "/States/Sleep",
        ["exactly one"],
        id="wait-with-four-times",
    ),
    P(
        asl({"Sleep": {"Type": "Wait", "Seconds": -1, "End": True}}),
        "INVALID_VALUE",
        "/States/Sleep/Seconds",
        ["Seconds", "at least 0"],
        id="wait-negative",
    ),
    P(
        asl({"Sleep": {"Type": "Wait", "Timestamp": "2020-01-01t00:00:00z", "End": True}}),
        "INVALID_VALUE",
        "/States/Sleep/Timestamp",
        ["Timestamp", "RFC 3339"],
        id="wait-timestamp-lowercase",
    ),
    # --- Fail
    P(
        asl({"Oops": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}),
        "CONFLICTING_FIELDS",
        "/States/Oops/ErrorPath",
        ["'Error'", "'ErrorPath'"],
        id="fail-error-and-error-path",
    ),
    P(
        asl({"Oops": {"Type": "Fail", "Cause": "c", "CausePath": "$.c"}}),
        "CONFLICTING_FIELDS",
        "/States/Oops/CausePath",
        ["'Cause'", "'CausePath'"],
        id="fail-cause-and-cause-path",
    ),
    # --- names
    P(
        asl(
            {"Fan": {"Type": "Parallel", "Next": "Ship", "Branches": [branch(Ship=SUCCEED)]}, "Ship": SUCCEED}
        ),
        "DUPLICATE_STATE_NAME",
        "/States/Ship",
        ["'Ship'", "/States/Fan/Branches/0/States/Ship"],
        id="duplicate-name-outer-after-inner",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [branch(Ship=SUCCEED), branch(Ship=SUCCEED)],
                }
            }
        ),
        "DUPLICATE_STATE_NAME",
        "/States/Fan/Branches/1/States/Ship",
        ["'Ship'", "/States/Fan/Branches/0/States/Ship"],
        id="duplicate-name-sibling-branches",
    ),
    P(
        asl(
            {
                "Ship": pass_(Next="Each"),
                "Each": {"Type": "Map", "End": True, "ItemProcessor": branch(Ship=SUCCEED)},
            }
        ),
        "DUPLICATE_STATE_NAME",
        "/States/Each/ItemProcessor/States/Ship",
        ["'Ship'", "/States/Ship"],
        id="duplicate-name-in-item-processor",
    ),
    P(
        asl({"x" * 81: SUCCEED}),
        "INVALID_STATE_NAME",
        "/States/" + "x" * 81,
        ["80 characters", "81"],
        id="name-too-long",
    ),
    # --- timeouts
    P(
        asl({"Charge": task(TimeoutSeconds=10, HeartbeatSeconds=10, End=True)}),
        "INVALID_VALUE",
        "/States/Charge/HeartbeatSeconds",
        ["HeartbeatSeconds", "TimeoutSeconds", "10"],
        id="heartbeat-equal-to-timeout",
    ),
    P(
        asl({"Charge": task(TimeoutSeconds=10, HeartbeatSeconds=20, End=True)}),
        "INVALID_VALUE",
        "/States/Charge/HeartbeatSeconds",
        ["HeartbeatSeconds", "smaller", "TimeoutSeconds"],
        id="heartbeat-above-timeout",
    ),
    P(
        asl({"Charge": task(TimeoutSeconds=10, TimeoutSecondsPath="$.t", End=True)}),
        "CONFLICTING_FIELDS",
        "/States/Charge/TimeoutSecondsPath",
        ["TimeoutSeconds", "TimeoutSecondsPath"],
        id="timeout-and-timeout-path",
    ),
    P(
        asl({"Charge": task(HeartbeatSeconds=5, HeartbeatSecondsPath="$.h", End=True)}),
        "CONFLICTING_FIELDS",
        "/States/Charge/HeartbeatSecondsPath",
        ["HeartbeatSeconds", "HeartbeatSecondsPath"],
        id="heartbeat-and-heartbeat-path",
    ),
    P(
        asl({"Charge": task(TimeoutSeconds=0, End=True)}),
        "INVALID_VALUE",
        "/States/Charge/TimeoutSeconds",
        ["TimeoutSeconds", "at least 1"],
        id="timeout-zero",
    ),
    P(
        asl({"Charge": task(TimeoutSeconds=100000000, End=True)}),
        "INVALID_VALUE",
        "/States/Charge/TimeoutSeconds",
        ["TimeoutSeconds", "99999999"],
        id="timeout-too-big",
    ),
    # --- query languages (no JSONata expressions needed)
    P(
        asl({"Charge": task(InputPath="$.a", End=True)}, **JSONATA),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Charge/InputPath",
        ["'InputPath'", "JSONPath", "JSONata"],
        id="input-path-in-jsonata",
    ),
    P(
        asl({"Charge": task(Arguments={"a": 1}, End=True)}),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Charge/Arguments",
        ["'Arguments'", "JSONata", "JSONPath"],
        id="arguments-in-jsonpath",
    ),
    P(
        asl({"Charge": task(Output={"a": 1}, End=True)}),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Charge/Output",
        ["'Output'", "JSONata"],
        id="output-in-jsonpath",
    ),
    P(
        asl({"Fan": {"Type": "Parallel", "Arguments": {}, "End": True, "Branches": [branch(X=SUCCEED)]}}),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Fan/Arguments",
        ["'Arguments'", "JSONata"],
        id="parallel-arguments-in-jsonpath",
    ),
    P(
        asl({"Each": {"Type": "Map", "Items": [1, 2], "End": True, "ItemProcessor": branch(X=SUCCEED)}}),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Each/Items",
        ["'Items'", "JSONata"],
        id="items-in-jsonpath",
    ),
    P(
        asl(
            {
                "Charge": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "Output": {}}]),
                "B": SUCCEED,
            }
        ),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Charge/Catch/0/Output",
        ["'Output'", "JSONata"],
        id="catcher-output-in-jsonpath",
    ),
    P(
        asl(
            {
                "Charge": task(
                    End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "ResultPath": "$.e"}]
                ),
                "B": SUCCEED,
            },
            **JSONATA,
        ),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/Charge/Catch/0/ResultPath",
        ["'ResultPath'", "JSONPath"],
        id="catcher-result-path-in-jsonata",
    ),
    P(
        asl({"Ask": choice({"Condition": True, "Next": "B"}), "B": SUCCEED}),
        "UNKNOWN_FIELD",
        "/States/Ask/Choices/0/Condition",
        ["'Condition'", "JSONata"],
        id="condition-in-jsonpath",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B"}), "B": SUCCEED}, **JSONATA),
        "UNKNOWN_FIELD",
        "/States/Ask/Choices/0/Variable",
        ["'Variable'"],
        id="variable-in-jsonata",
    ),
    P(
        asl({"Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B"}), "B": SUCCEED}, **JSONATA),
        "MISSING_FIELD",
        "/States/Ask/Choices/0",
        ["Condition"],
        id="jsonata-rule-without-condition",
    ),
    P(
        asl({"Ask": choice({"Condition": "yes", "Next": "B"}, Default="B"), "B": SUCCEED}, **JSONATA),
        "INVALID_TYPE",
        "/States/Ask/Choices/0/Condition",
        ["Condition", "boolean", "{% ... %}"],
        id="condition-not-bool-or-jsonata",
    ),
    P(
        asl(
            {"Each": {"Type": "Map", "End": True, "Arguments": {}, "ItemProcessor": branch(X=SUCCEED)}},
            **JSONATA,
        ),
        "UNKNOWN_FIELD",
        "/States/Each/Arguments",
        ["'Arguments'", "Map"],
        id="arguments-on-map",
    ),
    P(
        asl({"Charge": pass_(QueryLanguage="JSONPath", End=True)}, **JSONATA),
        "INVALID_VALUE",
        "/States/Charge/QueryLanguage",
        ["JSONPath", "JSONata", "switch back"],
        id="state-switches-back-to-jsonpath",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{**branch(X=SUCCEED), "QueryLanguage": "JSONPath"}],
                }
            },
            **JSONATA,
        ),
        "INVALID_VALUE",
        "/States/Fan/Branches/0/QueryLanguage",
        ["JSONPath", "JSONata"],
        id="branch-switches-back-to-jsonpath",
    ),
    P(
        asl(
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [branch(X=pass_(QueryLanguage="JSONPath", End=True))],
                }
            },
            **JSONATA,
        ),
        "INVALID_VALUE",
        "/States/Fan/Branches/0/States/X/QueryLanguage",
        ["JSONPath"],
        id="nested-state-switches-back-to-jsonpath",
    ),
    P(
        asl({"Charge": pass_(QueryLanguage="jsonata", End=True)}),
        "INVALID_VALUE",
        "/States/Charge/QueryLanguage",
        ["QueryLanguage", "'jsonata'"],
        id="query-language-value",
    ),
    P(
        {"StartAt": "A", "States": {"A": SUCCEED}, "QueryLanguage": "JSONPATH"},
        "INVALID_VALUE",
        "/QueryLanguage",
        ["QueryLanguage"],
        id="top-query-language-value",
    ),
    # --- Assign
    P(
        asl({"Charge": pass_(Assign={"x.y": 1}, End=True)}),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/x.y",
        ["'x.y'", "variable name"],
        id="assign-dotted-name",
    ),
    P(
        asl({"Charge": pass_(Assign={"x[2]": 1}, End=True)}),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/x[2]",
        ["'x[2]'"],
        id="assign-indexed-name",
    ),
    P(
        asl({"Charge": pass_(Assign={"1abc": 1}, End=True)}),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/1abc",
        ["'1abc'"],
        id="assign-digit-first",
    ),
    P(
        asl({"Charge": pass_(Assign={"my var": 1}, End=True)}),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/my var",
        ["'my var'"],
        id="assign-space",
    ),
    P(
        asl({"Charge": pass_(Assign={"v" * 81: 1}, End=True)}),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/" + "v" * 81,
        ["80 characters"],
        id="assign-too-long",
    ),
    P(
        asl({"Charge": pass_(Assign={"states": 1}, End=True)}),
        "RESERVED_VARIABLE",
        "/States/Charge/Assign/states",
        ["'states'", "reserved"],
        id="assign-states",
    ),
    P(
        asl({"Charge": pass_(Assign={"states.$": "$.a"}, End=True)}),
        "RESERVED_VARIABLE",
        "/States/Charge/Assign/states.$",
        ["'states'"],
        id="assign-states-dollar",
    ),
    P(
        asl({"Charge": pass_(Assign={"b.$": 1}, End=True)}, **JSONATA),
        "INVALID_VARIABLE_NAME",
        "/States/Charge/Assign/b.$",
        ["'b.$'"],
        id="assign-dollar-key-in-jsonata",
    ),
    P(
        asl(
            {
                "Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B", "Assign": {"x.y": 1}}),
                "B": SUCCEED,
            }
        ),
        "INVALID_VARIABLE_NAME",
        "/States/Ask/Choices/0/Assign/x.y",
        ["'x.y'"],
        id="assign-in-choice-rule",
    ),
    P(
        asl(
            {
                "Charge": task(
                    End=True, Catch=[{"ErrorEquals": ["X"], "Next": "B", "Assign": {"states": 1}}]
                ),
                "B": SUCCEED,
            }
        ),
        "RESERVED_VARIABLE",
        "/States/Charge/Catch/0/Assign/states",
        ["'states'"],
        id="assign-in-catcher",
    ),
]


@pytest.mark.parametrize(("definition", "code", "pointer", "mentions"), RULES)
def test_rule_is_reported_with_code_pointer_and_message(
    definition: dict[str, Any], code: str, pointer: str, mentions: list[str]
) -> None:
    found = find(diagnostics(definition), code, pointer)
    assert found.severity == "ERROR"
    for text in mentions:
        assert text in found.message, f"{text!r} not in {found.message!r}"
    assert (found.line, found.column) == (None, None)
    state = found.state
    assert state is None or state in str(found)
    with pytest.raises(DefinitionError) as info:
        StateMachine(definition)
    assert found in info.value.diagnostics


@pytest.mark.parametrize("fmt", ["json", "yaml"])
@pytest.mark.parametrize(("definition", "code", "pointer", "mentions"), RULES)
def test_rule_is_reported_at_its_line_and_column(
    definition: dict[str, Any], code: str, pointer: str, mentions: list[str], fmt: str
) -> None:
    text, where = render(definition, fmt)
    source = load_text(text, format=fmt)
    assert source.value == definition
    found = find(parse_machine(source)[1], code, pointer)
    assert (found.line, found.column) == expected_position(where, pointer)
    for text_ in mentions:
        assert text_ in found.message


# ----------------------------------------------------------------------------- JSONata expressions

JSONATA_RULES = [
    P(
        asl({"Charge": pass_(Output="{% $states.input.a + %}", End=True)}, **JSONATA),
        "INVALID_JSONATA",
        "/States/Charge/Output",
        ["Output", "S0207"],
        id="output-syntax",
    ),
    P(
        asl({"Charge": task(Arguments={"x": {"y": "{% ) %}"}}, End=True)}, **JSONATA),
        "INVALID_JSONATA",
        "/States/Charge/Arguments/x/y",
        ["Arguments"],
        id="nested-arguments-syntax",
    ),
    P(
        asl({"Charge": task(TimeoutSeconds="{% 'a' & %}", End=True)}, **JSONATA),
        "INVALID_JSONATA",
        "/States/Charge/TimeoutSeconds",
        ["TimeoutSeconds"],
        id="timeout-expression-syntax",
    ),
    P(
        asl({"Ask": choice({"Condition": "{% $states.input.a = %}", "Next": "B"}), "B": SUCCEED}, **JSONATA),
        "INVALID_JSONATA",
        "/States/Ask/Choices/0/Condition",
        ["Condition"],
        id="condition-syntax",
    ),
    P(
        asl({"Charge": task(Arguments="{% $states.result %}", End=True)}, **JSONATA),
        "INVALID_STATES_REFERENCE",
        "/States/Charge/Arguments",
        ["Arguments", "$states.result"],
        id="states-result-in-arguments",
    ),
    P(
        asl({"Charge": pass_(Output="{% $states.errorOutput %}", End=True)}, **JSONATA),
        "INVALID_STATES_REFERENCE",
        "/States/Charge/Output",
        ["Output", "$states.errorOutput"],
        id="states-error-output-outside-catch",
    ),
]


@pytest.mark.parametrize("fmt", ["dict", "json", "yaml"])
@pytest.mark.parametrize(("definition", "code", "pointer", "mentions"), JSONATA_RULES)
@pytest.mark.jsonata  # compiles JSONata expressions
def test_jsonata_expression_rules(
    definition: dict[str, Any], code: str, pointer: str, mentions: list[str], fmt: str
) -> None:
    if fmt == "dict":
        found = find(diagnostics(definition), code, pointer)
    else:
        text, where = render(definition, fmt)
        found = find(parse_machine(load_text(text, format=fmt))[1], code, pointer)
        assert (found.line, found.column) == expected_position(where, pointer)
    assert found.severity == "ERROR"
    for text_ in mentions:
        assert text_ in found.message


@pytest.mark.jsonata  # compiles JSONata expressions
def test_jsonata_results_are_allowed_where_aws_allows_them() -> None:
    definition = asl(
        {
            "Charge": task(
                Arguments={"order": "{% $states.input.order %}"},
                Output="{% $states.result.Payload %}",
                Assign={"charged": "{% $states.result.Payload.ok %}"},
                Catch=[
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "Failed",
                        "Output": "{% $states.errorOutput %}",
                        "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                    }
                ],
                Next="Done",
            ),
            "Done": {"Type": "Succeed", "Output": "{% {'charged': $charged} %}"},
            "Failed": {"Type": "Fail", "Error": "{% 'Charge' %}", "Cause": "{% $why %}"},
        },
        **JSONATA,
    )
    assert diagnostics(definition) == []


# ----------------------------------------------------------------------------- query-language field modes


JSONPATH_ONLY = [
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "InputPath", "$"),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "OutputPath", "$"),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "Parameters", {}),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "ResultSelector", {}),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "ResultPath", "$.r"),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "TimeoutSecondsPath", "$.t"),
    ("Task", {"Resource": LAMBDA + "charge", "End": True}, "HeartbeatSecondsPath", "$.h"),
    ("Pass", {"End": True}, "Result", 1),
    ("Wait", {"Seconds": 1, "End": True}, "SecondsPath", "$.s"),
    ("Wait", {"Seconds": 1, "End": True}, "TimestampPath", "$.t"),
    ("Fail", {}, "ErrorPath", "$.e"),
    ("Fail", {}, "CausePath", "$.c"),
    ("Map", {"End": True, "ItemProcessor": branch(X=SUCCEED)}, "ItemsPath", "$.items"),
    ("Map", {"End": True, "ItemProcessor": branch(X=SUCCEED)}, "MaxConcurrencyPath", "$.m"),
    ("Map", {"End": True, "ItemProcessor": branch(X=SUCCEED)}, "ToleratedFailureCountPath", "$.c"),
    ("Map", {"End": True, "ItemProcessor": branch(X=SUCCEED)}, "ToleratedFailurePercentagePath", "$.p"),
    ("Map", {"End": True, "ItemProcessor": branch(X=SUCCEED)}, "Parameters", {}),
    ("Parallel", {"End": True, "Branches": [branch(X=SUCCEED)]}, "ResultPath", "$.r"),
    ("Choice", {"Choices": [{"Condition": True, "Next": "Z"}]}, "InputPath", "$"),
    ("Succeed", {}, "OutputPath", "$"),
]


@pytest.mark.parametrize(
    ("state_type", "base", "field", "value"),
    JSONPATH_ONLY,
    ids=[f"{t}.{f}" for t, _, f, _ in JSONPATH_ONLY],
)
@pytest.mark.parametrize("how", ["top-level", "per-state"])
def test_jsonpath_only_fields_in_a_jsonata_state(
    state_type: str, base: dict[str, Any], field: str, value: Any, how: str
) -> None:
    state = {"Type": state_type, **base, field: value}
    if how == "top-level":
        definition = asl({"S": state, "Z": SUCCEED}, **JSONATA)
    else:
        definition = asl({"S": {**state, "QueryLanguage": "JSONata"}, "Z": SUCCEED})
    found = find(errors(definition), "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE", f"/States/S/{field}")
    assert f"'{field}'" in found.message
    assert "JSONPath" in found.message and "JSONata" in found.message


def test_query_language_can_be_set_per_state() -> None:
    definition = asl(
        {
            "New": task(QueryLanguage="JSONata", Arguments={"a": 1}, Output={"b": 2}, Next="Old"),
            "Old": task(InputPath="$", ResultPath="$.r", End=True),
        }
    )
    assert errors(definition) == []
    sm = StateMachine(definition)
    assert sm.machine.states["New"].query_language == "JSONata"
    assert sm.machine.states["Old"].query_language == "JSONPath"


def test_states_in_a_branch_default_to_the_machines_query_language_not_the_parallels() -> None:
    definition = asl(
        {
            "Fan": {
                "Type": "Parallel",
                "QueryLanguage": "JSONata",
                "Arguments": {},
                "End": True,
                "Branches": [branch(X=pass_(InputPath="$", End=True)), branch(Y=pass_(Output={}, End=True))],
            }
        }
    )
    assert codes(errors(definition)) == [
        ("FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE", "/States/Fan/Branches/1/States/Y/Output")
    ]


def test_jsonpath_state_under_jsonpath_machine_may_say_so() -> None:
    assert errors(asl({"A": pass_(QueryLanguage="JSONPath", End=True)})) == []
    assert errors(asl({"A": pass_(QueryLanguage="JSONata", End=True)}, **JSONATA)) == []


def test_field_mode_errors_suggest_the_replacement_field() -> None:
    found = find(
        errors(asl({"A": task(ResultPath="$.r", End=True)}, **JSONATA)),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/A/ResultPath",
    )
    assert "Output" in found.message or "Assign" in found.message
    found = find(
        errors(asl({"A": task(Parameters={}, End=True)}, **JSONATA)),
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/A/Parameters",
    )
    assert "Arguments" in found.message


# ----------------------------------------------------------------------------- variables


def test_valid_variable_names_are_accepted() -> None:
    definition = asl({"A": pass_(Assign={"größe": 1, "_x": 2, "total.$": "$.a", "n2": 3}, End=True)})
    assert diagnostics(definition) == []


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("InputPath", "$cuont.items", "/States/B/InputPath"),
        ("Parameters", {"a.$": "$cuont"}, "/States/B/Parameters/a.$"),
        ("Parameters", {"a.$": "States.Format('{}', $cuont)"}, "/States/B/Parameters/a.$"),
        ("OutputPath", "$cuont", "/States/B/OutputPath"),
    ],
)
def test_reference_to_a_never_assigned_variable_is_reported(field: str, value: Any, pointer: str) -> None:
    definition = asl({"A": pass_(Assign={"count": 1}, Next="B"), "B": pass_(**{field: value}, End=True)})
    found = find(diagnostics(definition), "UNDEFINED_VARIABLE", pointer)
    assert "$cuont" in found.message
    assert "did you mean 'count'" in found.message


def test_undefined_variable_in_a_choice_rule_and_in_yaml_text() -> None:
    text = (
        "StartAt: Ask\n"
        "States:\n"
        "  Ask:\n"
        "    Type: Choice\n"
        "    Choices:\n"
        "      - Variable: $retries\n"
        "        NumericLessThan: 3\n"
        "        Next: Done\n"
        "    Default: Done\n"
        "  Done:\n"
        "    Type: Succeed\n"
    )
    found = find(diagnostics(text), "UNDEFINED_VARIABLE", "/States/Ask/Choices/0/Variable")
    assert (found.line, found.column) == (6, 9)
    assert "$retries" in found.message


@pytest.mark.jsonata  # compiles JSONata expressions
def test_undefined_variable_in_jsonata() -> None:
    definition = asl({"A": pass_(Assign={"total": 1}, Output="{% $totl + 1 %}", End=True)}, **JSONATA)
    found = find(diagnostics(definition), "UNDEFINED_VARIABLE", "/States/A/Output")
    assert "$totl" in found.message and "did you mean 'total'" in found.message


def test_undefined_variables_do_not_stop_a_machine_from_being_built() -> None:
    # AWS only fails such an execution when the reference is evaluated
    sm = StateMachine(asl({"A": pass_(InputPath="$nowhere", End=True)}))
    assert [(d.code, d.severity) for d in sm.diagnostics] == [("UNDEFINED_VARIABLE", "WARNING")]


def test_assigned_variables_are_not_reported() -> None:
    definition = asl(
        {
            "A": pass_(Assign={"order.$": "$.order", "n": 0}, Next="B"),
            "B": pass_(Parameters={"sku.$": "$order.sku", "n.$": "States.MathAdd($n, 1)"}, Next="C"),
            "C": choice({"Variable": "$n", "NumericLessThan": 3, "Next": "B"}, Default="D"),
            "D": SUCCEED,
        }
    )
    assert diagnostics(definition) == []


def test_assigning_an_outer_variable_inside_a_branch_is_reported() -> None:
    definition = asl(
        {
            "Init": pass_(Assign={"total": 0}, Next="Fan"),
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [branch(Add=pass_(Assign={"total": 1}, End=True))],
            },
        }
    )
    pointer = "/States/Fan/Branches/0/States/Add/Assign/total"
    found = find(diagnostics(definition), "VARIABLE_ASSIGNED_IN_OUTER_SCOPE", pointer)
    assert "'total'" in found.message
    sibling = asl(
        {
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    branch(A=pass_(Assign={"x": 1}, End=True)),
                    branch(B=pass_(Assign={"x": 2}, End=True)),
                ],
            }
        }
    )
    assert diagnostics(sibling) == []


# ----------------------------------------------------------------------------- every problem, in order


FIVE_ERRORS = asl(
    {
        "One": pass_(Result=1, Next="Two", End=True),
        "Two": task(TimeoutSeconds="soon", Next="Three"),
        "Three": choice({"Variable": "$.x", "Next": "Four"}, Default="Four"),
        "Four": {"Type": "Wait", "Next": "Five"},
        "Five": task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.1}], End=True),
    }
)


def test_every_problem_is_reported_not_just_the_first() -> None:
    found = errors(FIVE_ERRORS)
    assert codes(found) == [
        ("NEXT_AND_END", "/States/One"),
        ("INVALID_TYPE", "/States/Two/TimeoutSeconds"),
        ("INVALID_RULE", "/States/Three/Choices/0"),
        ("INVALID_WAIT", "/States/Four"),
        ("INVALID_VALUE", "/States/Five/Retry/0/BackoffRate"),
    ]
    with pytest.raises(DefinitionError) as info:
        StateMachine(FIVE_ERRORS)
    assert [d for d in info.value.diagnostics if d.severity == "ERROR"] == found


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_independent_errors_come_in_source_order(fmt: str) -> None:
    text, _ = render(FIVE_ERRORS, fmt)
    found = errors(text)
    assert len(found) >= 5
    lines = [d.line for d in found]
    assert lines == sorted(lines)


def test_start_at_and_transition_errors_come_in_source_order() -> None:
    text = (
        "{\n"
        '  "StartAt": "Chrge",\n'
        '  "States": {\n'
        '    "Charge": {\n'
        '      "Type": "Task",\n'
        f'      "Resource": "{LAMBDA}charge",\n'
        '      "TimeoutSeconds": "soon",\n'
        '      "Retry": [{"ErrorEquals": [], "MaxAttempts": -1}],\n'
        '      "Next": "Shipp"\n'
        "    },\n"
        '    "Ship": {"Type": "Pass", "Result": 1}\n'
        "  }\n"
        "}\n"
    )
    found = errors(text)
    assert len(found) == 6
    positions = [(d.line, d.column) for d in found]
    assert positions == sorted(positions)


YAML_DEFINITION = """\
# order workflow with a few mistakes
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:charge
    Result: 1
    Retry:
      - ErrorEquals: [States.ALL, Oops]
        BackoffRate: 0.5
    Next: Shipp
  Ship:
    Type: Succeed
"""


def test_yaml_text_reports_lines_and_columns_of_each_error() -> None:
    found = errors(YAML_DEFINITION)
    assert [(d.code, d.line, d.column) for d in found] == [
        ("UNKNOWN_FIELD", 7, 5),
        ("STATES_ALL_NOT_ALONE", 9, 9),
        ("INVALID_VALUE", 10, 9),
        ("UNKNOWN_STATE", 11, 5),
    ]


def test_json_text_columns_on_one_line() -> None:
    text = (
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Pass"}}}'
    )
    found = errors(text)
    assert [(d.code, d.pointer, d.line, d.column) for d in found] == [
        ("NEXT_AND_END", "/States/A", 1, text.index('"A": {') + 1),
        ("MISSING_NEXT_OR_END", "/States/B", 1, text.index('"B": {') + 1),
    ]


def test_definition_error_string_lists_each_error_with_its_line() -> None:
    with pytest.raises(DefinitionError) as info:
        StateMachine(YAML_DEFINITION)
    error = info.value
    lines = [line for line in str(error).splitlines() if not line.startswith("    ")]  # no source lines
    assert lines[0] == "invalid state machine definition (4 errors)"
    assert lines[1:] == [f"  - {d}" for d in error.diagnostics if d.severity == "ERROR"]
    assert "line 7, column 5, state 'Charge', field 'Result' (/States/Charge/Result)" in lines[1]
    assert (
        "line 9, column 9, state 'Charge', field 'ErrorEquals' (/States/Charge/Retry/0/ErrorEquals)"
        in lines[2]
    )
    assert (
        "line 10, column 9, state 'Charge', field 'BackoffRate' (/States/Charge/Retry/0/BackoffRate)"
        in lines[3]
    )
    assert "line 11, column 5, state 'Charge', field 'Next' (/States/Charge/Next)" in lines[4]
    assert "did you mean 'Ship'" in lines[4]
    assert error.pointer == "/States/Charge/Result"
    assert error.line == 7
    assert isinstance(error, ValueError)


def test_definition_error_string_names_the_source_and_leaves_out_warnings() -> None:
    definition = asl({"A": pass_(), "Orphan": SUCCEED})
    with pytest.raises(DefinitionError) as info:
        StateMachine(definition, source_name="order.asl.json")
    text = str(info.value)
    assert text.splitlines()[0] == "invalid state machine definition (1 error) in order.asl.json"
    assert "MISSING_NEXT_OR_END at state 'A' (/States/A): " in text
    assert "UNREACHABLE_STATE" not in text
    assert any(d.code == "UNREACHABLE_STATE" for d in info.value.diagnostics)


def test_definition_error_survives_pickling() -> None:
    import pickle

    with pytest.raises(DefinitionError) as info:
        StateMachine(YAML_DEFINITION)
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.diagnostics == info.value.diagnostics
    assert str(copy) == str(info.value)


def test_duplicate_state_names_in_json_text_are_duplicate_keys() -> None:
    text = '{"StartAt": "A",\n "States": {"A": {"Type": "Succeed"},\n  "A": {"Type": "Succeed"}}}'
    with pytest.raises(DefinitionError) as info:
        StateMachine(text)
    (found,) = info.value.diagnostics
    assert (found.code, found.pointer, found.line) == ("DUPLICATE_KEY", "/States/A", 3)


def test_a_definition_that_is_not_an_object() -> None:
    found = diagnostics("[1, 2]")
    assert codes(found) == [("INVALID_TYPE", "")]


# ----------------------------------------------------------------------------- valid definitions

ORDER_WORKFLOW: dict[str, Any] = {
    "Comment": "Charge, then pack and notify in parallel, ship every item, wait for pickup.",
    "StartAt": "Normalize",
    "TimeoutSeconds": 3600,
    "Version": "1.0",
    "States": {
        "Normalize": {
            "Type": "Pass",
            "Parameters": {"order.$": "$.order", "receivedAt.$": "$$.Execution.StartTime", "source": "web"},
            "Next": "Validate",
        },
        "Validate": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.order.items[0]", "IsPresent": True},
                        {"Variable": "$.order.total", "NumericGreaterThan": 0},
                        {"Not": {"Variable": "$.order.status", "StringEquals": "CANCELLED"}},
                    ],
                    "Next": "Charge",
                },
                {"Variable": "$.order.coupon", "StringMatches": "FREE*", "Next": "Charge"},
            ],
            "Default": "Rejected",
        },
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": LAMBDA + "charge",
                "Payload": {
                    "orderId.$": "$.order.id",
                    "amount.$": "$.order.total",
                    "execution.$": "$$.Execution.Id",
                },
            },
            "ResultSelector": {"chargeId.$": "$.Payload.id"},
            "ResultPath": "$.charge",
            "TimeoutSeconds": 30,
            "HeartbeatSeconds": 10,
            "Retry": [
                {"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "BackoffRate": 2},
                {
                    "ErrorEquals": ["States.Timeout"],
                    "MaxAttempts": 2,
                    "MaxDelaySeconds": 60,
                    "JitterStrategy": "FULL",
                },
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0},
            ],
            "Catch": [
                {"ErrorEquals": ["PaymentDeclined"], "ResultPath": "$.error", "Next": "Rejected"},
                {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Broken"},
            ],
            "Next": "Prepare",
        },
        "Prepare": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Pack",
                    "States": {"Pack": {"Type": "Task", "Resource": LAMBDA + "charge", "End": True}},
                },
                {
                    "StartAt": "Notify",
                    "States": {
                        "Notify": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::sns:publish",
                            "Parameters": {"Message.$": "States.Format('Order {} paid', $.order.id)"},
                            "Next": "Notified",
                        },
                        "Notified": {"Type": "Succeed"},
                    },
                },
            ],
            "ResultPath": "$.prepared",
            "Next": "ShipEach",
        },
        "ShipEach": {
            "Type": "Map",
            "ItemsPath": "$.order.items",
            "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Ship",
                "States": {
                    "Ship": {
                        "Type": "Task",
                        "Resource": LAMBDA + "charge",
                        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 5}],
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.shipments",
            "Next": "WaitForPickup",
        },
        "WaitForPickup": {"Type": "Wait", "Seconds": 3600, "Next": "Pickup?"},
        "Pickup?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.pickedUp", "BooleanEquals": True, "Next": "Done"}],
            "Default": "WaitUntil",
        },
        "WaitUntil": {"Type": "Wait", "TimestampPath": "$.deadline", "Next": "Done"},
        "Done": {"Type": "Succeed", "OutputPath": "$.shipments"},
        "Rejected": {"Type": "Fail", "Error": "OrderRejected", "CausePath": "$.error.Cause"},
        "Broken": {"Type": "Fail", "ErrorPath": "States.Format('{}', $$.State.Name)", "Cause": "unexpected"},
    },
}

JSONATA_WORKFLOW: dict[str, Any] = {
    "QueryLanguage": "JSONata",
    "StartAt": "Start",
    "States": {
        "Start": {
            "Type": "Pass",
            "Assign": {"order": "{% $states.input.order %}", "tries": 0},
            "Next": "Charge",
        },
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": LAMBDA + "charge", "Payload": {"id": "{% $order.id %}"}},
            "Output": "{% $states.result.Payload %}",
            "Assign": {"tries": "{% $tries + 1 %}"},
            "TimeoutSeconds": "{% 30 %}",
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Failed"}
            ],
            "Next": "Paid?",
        },
        "Paid?": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.paid %}", "Next": "Ship", "Output": {"ok": True}}],
            "Default": "Sleep",
        },
        "Sleep": {"Type": "Wait", "Seconds": "{% $tries * 2 %}", "Next": "Charge"},
        "Ship": {
            "Type": "Map",
            "Items": "{% $order.items %}",
            "ItemSelector": {"sku": "{% $states.context.Map.Item.Value.sku %}"},
            "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}},
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Parallel",
            "Arguments": {"id": "{% $order.id %}"},
            "Branches": [{"StartAt": "Mail", "States": {"Mail": {"Type": "Succeed"}}}],
            "Output": "{% $states.result[0] %}",
            "End": True,
        },
        "Failed": {"Type": "Fail", "Error": "{% $states.input.Error %}", "Cause": "charge failed"},
    },
}

LEGACY_AND_DISTRIBUTED: dict[str, Any] = {
    "StartAt": "Old",
    "States": {
        "Old": {
            "Type": "Map",
            "Iterator": {"StartAt": "Step", "States": {"Step": {"Type": "Pass", "End": True}}},
            "Parameters": {"v.$": "$$.Map.Item.Value"},
            "Next": "Big",
        },
        "Big": {
            "Type": "Map",
            "Label": "Big",
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"}},
            "ItemBatcher": {"MaxItemsPerBatch": 10},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out"}},
            "ToleratedFailurePercentage": 5.5,
            "ToleratedFailureCountPath": "$.maxFailures",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Item",
                "States": {"Item": {"Type": "Task", "Resource": LAMBDA + "charge", "End": True}},
            },
            "End": True,
        },
    },
}


@pytest.mark.parametrize(
    "definition",
    [
        P(ORDER_WORKFLOW, id="order-workflow"),
        P(LEGACY_AND_DISTRIBUTED, id="iterator-and-distributed-map"),
        P(
            asl(
                {
                    "Every": {
                        "Type": "Pass",
                        "Result": {"a": [1, None, False, ""]},
                        "ResultPath": None,
                        "Next": "W",
                    },
                    "W": {"Type": "Wait", "Timestamp": "2024-01-31T12:00:00.5+01:00", "Next": "W2"},
                    "W2": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
                    "C": choice(
                        {"Variable": "$.t", "TimestampLessThanEquals": "2024-01-31T12:00:00Z", "Next": "F"},
                        {"Variable": "$.a", "NumericEqualsPath": "$.b", "Next": "F"},
                        {
                            "Or": [
                                {"Variable": "$.x", "IsNull": True},
                                {"Variable": "$.x", "IsBoolean": True},
                            ],
                            "Next": "F",
                        },
                        Default="F",
                    ),
                    "F": {"Type": "Fail"},
                }
            ),
            id="every-operand-kind",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["dict", "json", "yaml"])
def test_valid_definitions_compile_without_diagnostics(definition: dict[str, Any], fmt: str) -> None:
    source = definition if fmt == "dict" else render(definition, fmt)[0]
    sm = StateMachine(source)
    assert sm.diagnostics == []
    assert sm.definition == definition


@pytest.mark.jsonata  # compiles JSONata expressions
def test_valid_jsonata_definition_compiles_without_diagnostics() -> None:
    for fmt in ("dict", "json", "yaml"):
        source = JSONATA_WORKFLOW if fmt == "dict" else render(JSONATA_WORKFLOW, fmt)[0]
        assert StateMachine(source).diagnostics == []


def test_the_order_workflow_compiles_to_the_model() -> None:
    sm = StateMachine(ORDER_WORKFLOW)
    states = sm.machine.states
    assert isinstance(states["Validate"], m.ChoiceState)
    assert isinstance(states["Charge"], m.TaskState)
    assert [r.error_equals for r in states["Charge"].retry] == [
        ("Lambda.TooManyRequestsException",),
        ("States.Timeout",),
        ("States.ALL",),
    ]
    assert states["Charge"].retry[1].jitter_strategy == "FULL"
    assert [c.next for c in states["Charge"].catch] == ["Rejected", "Broken"]
    assert states["Charge"].catch[1].result_path is None
    assert isinstance(states["Prepare"], m.ParallelState) and len(states["Prepare"].branches) == 2
    assert isinstance(states["ShipEach"], m.MapState) and states["ShipEach"].processor.start_at == "Ship"
    assert isinstance(states["WaitForPickup"], m.WaitState)
    assert isinstance(states["Done"], m.SucceedState)
    assert isinstance(states["Rejected"], m.FailState)
    assert sm.machine.timeout_seconds == 3600
    assert isinstance(states["Normalize"], m.PassState)
    assert sm.state_names[:6] == ["Normalize", "Validate", "Charge", "Prepare", "Pack", "Notify"]


def test_boundary_values_are_accepted() -> None:
    definition = asl(
        {
            "T": task(
                TimeoutSeconds=99999999,
                HeartbeatSeconds=99999998,
                Retry=[
                    {
                        "ErrorEquals": ["X"],
                        "IntervalSeconds": 1,
                        "MaxAttempts": 0,
                        "BackoffRate": 1.0,
                        "MaxDelaySeconds": 31622400,
                        "JitterStrategy": "NONE",
                        "Comment": "ok",
                    }
                ],
                Next="W",
            ),
            "W": {"Type": "Wait", "Seconds": 0, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemProcessor": branch(X=SUCCEED),
                "MaxConcurrency": 0,
                "ToleratedFailurePercentage": 100,
                "ToleratedFailureCount": 0,
                "End": True,
            },
        }
    )
    assert diagnostics(definition) == []


# ----------------------------------------------------------------------------- disagreements (xfail)


@pytest.mark.parametrize(
    ("state", "field", "owner"),
    [
        (task(Result=1, End=True), "Result", "Pass"),
        (pass_(ResultSelector={}, End=True), "ResultSelector", "Task"),
    ],
)
def test_field_of_another_state_type_names_the_types_it_belongs_to(
    state: dict[str, Any], field: str, owner: str
) -> None:
    found = find(errors(asl({"S": state})), "UNKNOWN_FIELD", f"/States/S/{field}")
    assert owner in found.message
    assert "did you mean" not in found.message


def test_transition_out_of_a_branch_explains_the_scope_rule() -> None:
    definition = asl(
        {
            "Fan": {"Type": "Parallel", "Next": "After", "Branches": [branch(X=pass_(Next="After"))]},
            "After": SUCCEED,
        }
    )
    found = find(errors(definition), "UNKNOWN_STATE", "/States/Fan/Branches/0/States/X/Next")
    assert "another scope" in found.message


@pytest.mark.parametrize("field", ["Retry", "Catch"])
def test_missing_error_equals_is_not_reported_as_states_all(field: str) -> None:
    entries = [{"Next": "B"}, {"ErrorEquals": ["Oops"], "Next": "B"}]
    if field == "Retry":
        entries = [{"MaxAttempts": 1}, {"ErrorEquals": ["Oops"]}]
    definition = asl({"A": task(End=True, **{field: entries}), "B": SUCCEED})
    found = errors(definition)
    assert codes(found) == [("MISSING_FIELD", f"/States/A/{field}/0")]


@pytest.mark.parametrize("field", ["Error", "Cause"])
def test_fail_conflict_points_at_the_path_field(field: str) -> None:
    definition = asl({"Oops": {"Type": "Fail", field: "x", f"{field}Path": "$.x"}})
    find(errors(definition), "CONFLICTING_FIELDS", f"/States/Oops/{field}Path")


def test_variable_in_a_jsonata_rule_says_it_is_for_jsonpath_states() -> None:
    definition = asl(
        {"Ask": choice({"Variable": "$.a", "IsPresent": True, "Next": "B"}), "B": SUCCEED}, **JSONATA
    )
    found = errors(definition)
    variable = find(found, "UNKNOWN_FIELD", "/States/Ask/Choices/0/Variable")
    operator = find(found, "UNKNOWN_FIELD", "/States/Ask/Choices/0/IsPresent")
    assert "JSONPath" in variable.message
    assert "JSONPath" in operator.message


def test_a_broken_map_still_has_its_transitions_and_processor_checked() -> None:
    definition = asl(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": branch(Inner=pass_()),
                "Iterator": branch(Other=SUCCEED),
                "Next": "Nowhere",
            }
        }
    )
    found = codes(errors(definition))
    assert ("INVALID_MAP", "/States/Each") in found
    assert ("UNKNOWN_STATE", "/States/Each/Next") in found
    assert ("MISSING_NEXT_OR_END", "/States/Each/ItemProcessor/States/Inner") in found


def test_top_level_timeout_seconds_zero_is_accepted() -> None:
    assert errors({"StartAt": "A", "States": {"A": SUCCEED}, "TimeoutSeconds": 0}) == []


def test_assigning_an_outer_variable_inside_a_branch_is_a_warning() -> None:
    # AWS accepts such definitions (an AWS-recorded run assigns the same name in a Parallel branch and
    # in the Parallel's Catcher), and the inner assignment never changes the outer value: a warning.
    definition = asl(
        {
            "Init": pass_(Assign={"total": 0}, Next="Fan"),
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [branch(Add=pass_(Assign={"total": 1}, End=True))],
            },
        }
    )
    found = find(
        diagnostics(definition),
        "VARIABLE_ASSIGNED_IN_OUTER_SCOPE",
        "/States/Fan/Branches/0/States/Add/Assign/total",
    )
    assert found.severity == "WARNING"


def test_error_path_rejects_intrinsics_that_do_not_return_a_string() -> None:
    definition = asl({"Oops": {"Type": "Fail", "ErrorPath": "States.ArrayLength($.a)"}})
    assert [d.pointer for d in errors(definition)] == ["/States/Oops/ErrorPath"]


def test_empty_item_batcher_is_an_error() -> None:
    definition = asl(
        {"Each": {"Type": "Map", "ItemProcessor": branch(X=SUCCEED), "ItemBatcher": {}, "End": True}}
    )
    assert [d.pointer for d in errors(definition)] == ["/States/Each/ItemBatcher"]


def test_batch_and_reader_limits_are_checked_like_other_numeric_fields() -> None:
    definition = asl(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": branch(X=SUCCEED),
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON", "MaxItems": 5, "MaxItemsPath": "$.n"},
                },
                "ItemBatcher": {"MaxItemsPerBatchPath": "$..n", "MaxInputBytesPerBatch": "big"},
                "End": True,
            }
        }
    )
    assert sorted(d.pointer for d in errors(definition)) == [
        "/States/Each/ItemBatcher/MaxInputBytesPerBatch",
        "/States/Each/ItemBatcher/MaxItemsPerBatchPath",
        "/States/Each/ItemReader/ReaderConfig/MaxItemsPath",
    ]


def test_processor_config_is_not_allowed_in_a_branch_whatever_the_state_is_called() -> None:
    definition = asl(
        {
            "Iterator": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{**branch(X=SUCCEED), "ProcessorConfig": {}}],
            }
        }
    )
    find(errors(definition), "UNKNOWN_FIELD", "/States/Iterator/Branches/0/ProcessorConfig")


def test_intrinsic_argument_problems_are_warnings_because_aws_accepts_them() -> None:
    definition = asl({"Add": pass_(Parameters={"n.$": "States.MathAdd('one', 1)"}, End=True)})
    assert errors(definition) == []
    warning = find(diagnostics(definition), "INTRINSIC_ARGUMENTS", "/States/Add/Parameters/n.$")
    assert warning.severity == "WARNING"
    assert "must be a number" in warning.message and "fails with States.Runtime" in warning.message
    ex = StateMachine(definition).run({})
    assert ex.error == "States.Runtime"
    assert ex.cause is not None and ex.cause.endswith("Invalid arguments in States.MathAdd")


@pytest.mark.parametrize(
    ("expression", "reference"),
    [
        ("{% phone %}", "'phone' at the top level"),
        ("{% $uppercase(name.first) %}", "'name' at the top level"),
        ("{% $$.Execution.Id %}", "'$$' is not supported"),
    ],
)
@pytest.mark.jsonata  # compiles JSONata expressions
def test_jsonata_reading_the_top_level_is_refused_as_on_aws(expression: str, reference: str) -> None:
    definition = asl(
        {"P": {"Type": "Pass", "Output": {"v": expression}, "End": True}}, QueryLanguage="JSONata"
    )
    found = find(errors(definition), "UNSUPPORTED_JSONATA_EXPRESSION", "/States/P/Output/v")
    assert reference in found.message


@pytest.mark.jsonata  # compiles JSONata expressions
def test_jsonata_field_names_inside_paths_filters_and_lambdas_are_fine() -> None:
    expression = "{% $states.input.items[price > 1].(qty * price) ~> $map(function($v) { $v + bonus }) %}"
    definition = asl({"P": {"Type": "Pass", "Output": expression, "End": True}}, QueryLanguage="JSONata")
    assert errors(definition) == []


# ----------------------------------------------------------------------------- resources and machine types

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:review"


@pytest.mark.parametrize(
    "resource",
    [
        ACTIVITY,
        "arn:aws:states:::states:startExecution.sync",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
    ],
)
def test_an_express_machine_refuses_resources_that_wait(resource: str) -> None:
    definition = asl({"T": {"Type": "Task", "Resource": resource, "End": True}})
    with pytest.raises(DefinitionError) as caught:
        StateMachine(definition, type="EXPRESS")
    assert caught.value.diagnostics[0].code == "INVALID_RESOURCE"
    assert caught.value.diagnostics[0].pointer == "/States/T/Resource"
    assert "EXPRESS" in caught.value.diagnostics[0].message
    StateMachine(definition)  # a STANDARD machine runs them


def test_an_express_machine_takes_request_response_integrations() -> None:
    for resource in ("arn:aws:states:::lambda:invoke", "arn:aws:states:::aws-sdk:s3:getObject", LAMBDA + "f"):
        StateMachine(asl({"T": {"Type": "Task", "Resource": resource, "End": True}}), type="EXPRESS")


def test_a_service_step_functions_is_not_known_to_integrate_is_accepted_with_a_warning() -> None:
    definition = asl({"T": {"Type": "Task", "Resource": "arn:aws:states:::lambada:invoke", "End": True}})
    (warning,) = StateMachine(definition).diagnostics
    assert (warning.code, warning.pointer) == ("UNKNOWN_INTEGRATION", "/States/T/Resource")
    assert "did you mean 'lambda'" in warning.message


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::dynamodb:query",
        "arn:aws:states:::sqs:receiveMessage",
        "arn:aws:states:::lambda:call",
    ],
)
def test_an_action_an_optimised_integration_does_not_offer_is_refused(resource: str) -> None:
    found = errors(asl({"T": {"Type": "Task", "Resource": resource, "End": True}}))
    assert codes(found) == [("INVALID_RESOURCE", "/States/T/Resource")]
    assert "aws-sdk" in found[0].message


@pytest.mark.parametrize("credentials", [{}, {"Role": "x"}, {"RoleArn": "arn:aws:iam::1:role/r", "Extra": 1}])
def test_credentials_need_a_role_arn_and_nothing_else(credentials: dict[str, Any]) -> None:
    found = errors(asl({"T": task(Credentials=credentials, End=True)}))
    assert found and all(d.pointer.startswith("/States/T/Credentials") for d in found)


@pytest.mark.parametrize(
    "credentials", [{"RoleArn": "arn:aws:iam::123456789012:role/r"}, {"RoleArn.$": "$.role"}]
)
def test_credentials_with_a_role_arn_are_accepted(credentials: dict[str, Any]) -> None:
    assert errors(asl({"T": task(Credentials=credentials, End=True)})) == []


def test_a_query_language_among_the_states_is_taken_as_the_scopes_with_a_warning() -> None:
    states = {"QueryLanguage": "JSONata", "P": {"Type": "Pass", "Output": "{% 1 + 1 %}", "End": True}}
    sm = StateMachine({"StartAt": "P", "States": states})
    assert [d.code for d in sm.diagnostics] == ["MISPLACED_FIELD"]
    assert sm.state_names == ["P"]
    assert sm.run({}).output == 2


def test_a_definition_nested_deeper_than_json_readers_go_is_refused_at_once() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(DefinitionError) as caught:
        StateMachine(asl({"P": pass_(Result=deep, End=True)}))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "NESTED_TOO_DEEPLY"
    assert diagnostic.pointer.startswith("/States/P/Result/a/a")
    StateMachine(asl({"P": pass_(Result=nested_values(100), End=True)}))


def nested_values(depth: int) -> Any:
    value: Any = [1]
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_payload_template_may_be_an_array_as_aws_accepts() -> None:
    definition = asl({"P": pass_(Parameters=[{"item.$": "$.item"}, "x"], End=True)})
    assert StateMachine(definition).run({"item": 3}).output == [{"item": 3}, "x"]
    assert codes(errors(asl({"P": pass_(Parameters="x", End=True)}))) == [
        ("INVALID_TYPE", "/States/P/Parameters")
    ]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::dynamodb:putItem.waitForTaskToken",
        "arn:aws:states:::lambda:invoke.sync",
        "arn:aws:states:::batch:submitJob.waitForTaskToken",
        "arn:aws:states:::aws-sdk:s3:getObject.sync",
    ],
)
def test_a_pattern_an_optimised_integration_does_not_offer_is_refused(resource: str) -> None:
    found = errors(asl({"T": {"Type": "Task", "Resource": resource, "End": True}}))
    assert codes(found) == [("INVALID_RESOURCE", "/States/T/Resource")]
    assert "cannot be used with" in found[0].message


def test_a_definition_nested_too_deeply_in_a_later_state_is_pointed_at_there() -> None:
    states = {"A": pass_(Next="B"), "B": pass_(Result=nested_values(300), End=True)}
    with pytest.raises(DefinitionError) as caught:
        StateMachine(asl(states))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "NESTED_TOO_DEEPLY"
    assert diagnostic.pointer.startswith("/States/B/Result/a/a")
