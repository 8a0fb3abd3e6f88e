"""A catalogue of bad inputs, each with the clear error it must give.

Definitions that AWS refuses raise :class:`~sfn_notebook.DefinitionError` naming what is wrong (its
code) and where (its JSON Pointer); misuse of the Python API raises the Python exception for it;
data that a definition cannot handle ends the execution FAILED with AWS's ``States.*`` error.  None
of them lets another exception out, and none leaves a run unfinished.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook import DefinitionError, StateMachine
from tests.builders import LAMBDA, asl

PASS: dict[str, Any] = {"Type": "Pass", "End": True}
TASK = LAMBDA + "f"


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def choice(rule: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return asl({"C": {"Type": "Choice", "Choices": [rule], **fields}, "P": PASS})


# (what is wrong, the definition, the machine type, the code of the first error, where it points)
BAD_DEFINITIONS: list[tuple[str, Any, str, str, str]] = [
    ("empty text", "", "STANDARD", "SYNTAX_ERROR", ""),
    ("text that is not an object", "not a definition", "STANDARD", "INVALID_TYPE", ""),
    ("a JSON array", "[1, 2]", "STANDARD", "INVALID_TYPE", ""),
    ("broken YAML", "StartAt: P\nStates:\n  P: {Type: Pass\n", "STANDARD", "SYNTAX_ERROR", ""),
    (
        "a key given twice",
        '{"StartAt": "P", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}',
        "STANDARD",
        "DUPLICATE_KEY",
        "/StartAt",
    ),
    ("no StartAt", {"States": {"P": PASS}}, "STANDARD", "MISSING_FIELD", ""),
    (
        "StartAt naming no state",
        {"StartAt": "Q", "States": {"P": PASS}},
        "STANDARD",
        "UNKNOWN_STATE",
        "/StartAt",
    ),
    ("no states", {"StartAt": "P", "States": {}}, "STANDARD", "EMPTY_STATES", "/States"),
    ("a state that is not an object", asl({"P": 5}), "STANDARD", "INVALID_TYPE", "/States/P"),
    (
        "an unknown state type",
        asl({"P": {"Type": "Passs", "End": True}}),
        "STANDARD",
        "INVALID_STATE_TYPE",
        "/States/P/Type",
    ),
    ("an unknown field", asl({"P": {**PASS, "Foo": 1}}), "STANDARD", "UNKNOWN_FIELD", "/States/P/Foo"),
    (
        "Next naming no state",
        asl({"P": {"Type": "Pass", "Next": "Nope"}}),
        "STANDARD",
        "UNKNOWN_STATE",
        "/States/P/Next",
    ),
    (
        "both End and Next",
        asl({"P": {"Type": "Pass", "Next": "Q", "End": True}, "Q": PASS}),
        "STANDARD",
        "NEXT_AND_END",
        "/States/P",
    ),
    ("neither End nor Next", asl({"P": {"Type": "Pass"}}), "STANDARD", "MISSING_NEXT_OR_END", "/States/P"),
    (
        "a state name used twice",
        asl({"P": {"Type": "Parallel", "Branches": [asl({"P": PASS})], "End": True}}),
        "STANDARD",
        "DUPLICATE_STATE_NAME",
        "/States/P/Branches/0/States/P",
    ),
    (
        "a state name over 80 characters",
        asl({"P" * 81: PASS}),
        "STANDARD",
        "INVALID_STATE_NAME",
        "/States/" + "P" * 81,
    ),
    (
        "a Task without Resource",
        asl({"T": {"Type": "Task", "End": True}}),
        "STANDARD",
        "MISSING_FIELD",
        "/States/T",
    ),
    (
        "a Resource that is no URI",
        asl({"T": {"Type": "Task", "Resource": "hello", "End": True}}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/T/Resource",
    ),
    (
        "an action the DynamoDB integration does not offer",
        asl({"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": True}}),
        "STANDARD",
        "INVALID_RESOURCE",
        "/States/T/Resource",
    ),
    (
        "an EXPRESS machine waiting for a task token",
        asl(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "End": True,
                }
            }
        ),
        "EXPRESS",
        "INVALID_RESOURCE",
        "/States/T/Resource",
    ),
    (
        "an EXPRESS machine running an activity",
        asl(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
                    "End": True,
                }
            }
        ),
        "EXPRESS",
        "INVALID_RESOURCE",
        "/States/T/Resource",
    ),
    (
        "Credentials without RoleArn",
        asl({"T": {"Type": "Task", "Resource": TASK, "Credentials": {}, "End": True}}),
        "STANDARD",
        "MISSING_FIELD",
        "/States/T/Credentials",
    ),
    (
        "HeartbeatSeconds not below TimeoutSeconds",
        asl(
            {"T": {"Type": "Task", "Resource": TASK, "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": True}}
        ),
        "STANDARD",
        "INVALID_VALUE",
        "/States/T/HeartbeatSeconds",
    ),
    (
        "TimeoutSeconds of 0",
        asl({"T": {"Type": "Task", "Resource": TASK, "TimeoutSeconds": 0, "End": True}}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/T/TimeoutSeconds",
    ),
    (
        "TimeoutSeconds as text",
        asl({"T": {"Type": "Task", "Resource": TASK, "TimeoutSeconds": "5", "End": True}}),
        "STANDARD",
        "INVALID_TYPE",
        "/States/T/TimeoutSeconds",
    ),
    (
        "an invalid JSONPath",
        asl({"P": {**PASS, "InputPath": "$.a["}}),
        "STANDARD",
        "INVALID_JSONPATH",
        "/States/P/InputPath",
    ),
    (
        "a ResultPath that selects many",
        asl({"P": {**PASS, "ResultPath": "$.a[*]"}}),
        "STANDARD",
        "INVALID_REFERENCE_PATH",
        "/States/P/ResultPath",
    ),
    (
        "Parameters that are not an object",
        asl({"P": {**PASS, "Parameters": 5}}),
        "STANDARD",
        "INVALID_TYPE",
        "/States/P/Parameters",
    ),
    (
        "an unknown intrinsic function",
        asl({"P": {**PASS, "Parameters": {"a.$": "States.Nope(1)"}}}),
        "STANDARD",
        "INVALID_INTRINSIC",
        "/States/P/Parameters/a.$",
    ),
    (
        "a JSONata syntax error",
        asl({"P": {**PASS, "Output": "{% 1 + %}"}}, QueryLanguage="JSONata"),
        "STANDARD",
        "INVALID_JSONATA",
        "/States/P/Output",
    ),
    (
        "a JSONPath field in a JSONata state",
        asl({"P": {**PASS, "Parameters": {}}}, QueryLanguage="JSONata"),
        "STANDARD",
        "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
        "/States/P/Parameters",
    ),
    (
        "an unknown QueryLanguage",
        asl({"P": PASS}, QueryLanguage="SQL"),
        "STANDARD",
        "INVALID_VALUE",
        "/QueryLanguage",
    ),
    ("a Version other than 1.0", asl({"P": PASS}, Version="2.0"), "STANDARD", "INVALID_VALUE", "/Version"),
    ("a Comment that is not text", asl({"P": PASS}, Comment=5), "STANDARD", "INVALID_TYPE", "/Comment"),
    (
        "an invalid variable name",
        asl({"P": {**PASS, "Assign": {"1x": 1}}}),
        "STANDARD",
        "INVALID_VARIABLE_NAME",
        "/States/P/Assign/1x",
    ),
    (
        "a Choice without Choices",
        asl({"C": {"Type": "Choice", "Default": "P"}, "P": PASS}),
        "STANDARD",
        "MISSING_FIELD",
        "/States/C",
    ),
    (
        "a Choice rule without Next",
        choice({"Variable": "$.a", "IsNull": True}, Default="P"),
        "STANDARD",
        "MISSING_FIELD",
        "/States/C/Choices/0",
    ),
    (
        "a Choice rule with two operators",
        choice({"Variable": "$.a", "IsNull": True, "IsString": True, "Next": "P"}),
        "STANDARD",
        "INVALID_RULE",
        "/States/C/Choices/0",
    ),
    (
        "a Default naming no state",
        choice({"Variable": "$.a", "IsNull": True, "Next": "P"}, Default="Z"),
        "STANDARD",
        "UNKNOWN_STATE",
        "/States/C/Default",
    ),
    (
        "a StringMatches pattern with a stray backslash",
        choice({"Variable": "$.a", "StringMatches": "a\\b", "Next": "P"}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/C/Choices/0/StringMatches",
    ),
    (
        "a Wait with two durations",
        asl({"W": {"Type": "Wait", "Seconds": 1, "Timestamp": "2024-01-01T00:00:00Z", "End": True}}),
        "STANDARD",
        "INVALID_WAIT",
        "/States/W",
    ),
    (
        "a Wait until no timestamp",
        asl({"W": {"Type": "Wait", "Timestamp": "yesterday", "End": True}}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/W/Timestamp",
    ),
    (
        "a negative Wait",
        asl({"W": {"Type": "Wait", "Seconds": -1, "End": True}}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/W/Seconds",
    ),
    (
        "a negative MaxAttempts",
        asl(
            {
                "T": {
                    "Type": "Task",
                    "Resource": TASK,
                    "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": -1}],
                    "End": True,
                }
            }
        ),
        "STANDARD",
        "INVALID_VALUE",
        "/States/T/Retry/0/MaxAttempts",
    ),
    (
        "a BackoffRate below 1",
        asl(
            {
                "T": {
                    "Type": "Task",
                    "Resource": TASK,
                    "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
                    "End": True,
                }
            }
        ),
        "STANDARD",
        "INVALID_VALUE",
        "/States/T/Retry/0/BackoffRate",
    ),
    (
        "States.ALL before another retrier",
        asl(
            {
                "T": {
                    "Type": "Task",
                    "Resource": TASK,
                    "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
                    "End": True,
                }
            }
        ),
        "STANDARD",
        "STATES_ALL_NOT_LAST",
        "/States/T/Retry/0/ErrorEquals",
    ),
    (
        "an empty ErrorEquals",
        asl({"T": {"Type": "Task", "Resource": TASK, "Retry": [{"ErrorEquals": []}], "End": True}}),
        "STANDARD",
        "INVALID_TYPE",
        "/States/T/Retry/0/ErrorEquals",
    ),
    (
        "a catcher without Next",
        asl(
            {"T": {"Type": "Task", "Resource": TASK, "Catch": [{"ErrorEquals": ["States.ALL"]}], "End": True}}
        ),
        "STANDARD",
        "MISSING_FIELD",
        "/States/T/Catch/0",
    ),
    (
        "a Fail with Error and ErrorPath",
        asl({"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}),
        "STANDARD",
        "CONFLICTING_FIELDS",
        "/States/F/ErrorPath",
    ),
    (
        "a Succeed with Next",
        asl({"S": {"Type": "Succeed", "Next": "P"}, "P": PASS}),
        "STANDARD",
        "UNKNOWN_FIELD",
        "/States/S/Next",
    ),
    (
        "a Parallel without Branches",
        asl({"P": {"Type": "Parallel", "End": True}}),
        "STANDARD",
        "MISSING_FIELD",
        "/States/P",
    ),
    (
        "a Map without a processor",
        asl({"M": {"Type": "Map", "End": True}}),
        "STANDARD",
        "INVALID_MAP",
        "/States/M",
    ),
    (
        "a negative MaxConcurrency",
        asl({"M": {"Type": "Map", "MaxConcurrency": -1, "ItemProcessor": asl({"P": PASS}), "End": True}}),
        "STANDARD",
        "INVALID_VALUE",
        "/States/M/MaxConcurrency",
    ),
    (
        "values nested 5,000 deep",
        asl({"P": {**PASS, "Result": nested(5000)}}),
        "STANDARD",
        "NESTED_TOO_DEEPLY",
        "/States/P/Result" + "/a" * 247,
    ),
]


def cases(table: list[tuple[Any, ...]]) -> list[Any]:
    """The table's rows as parameters; those about JSONata need the JSONata library."""
    return [
        pytest.param(*row[1:], id=row[0], marks=[pytest.mark.jsonata] if "JSONata" in row[0] else [])
        for row in table
    ]


@pytest.mark.parametrize(("definition", "machine_type", "code", "pointer"), cases(BAD_DEFINITIONS))
def test_a_bad_definition_is_refused_with_what_and_where(
    definition: Any, machine_type: str, code: str, pointer: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        StateMachine(definition, type=machine_type)
    errors = [d for d in caught.value.diagnostics if d.severity == "ERROR"]
    assert (errors[0].code, errors[0].pointer) == (code, pointer) or (code, pointer) in [
        (d.code, d.pointer) for d in errors
    ]
    assert all(d.message for d in errors)
    assert "\n" not in str(caught.value).splitlines()[0]


# ----------------------------------------------------------------------------- misuse of the API


@pytest.mark.parametrize(
    ("call", "exception", "words"),
    [
        (lambda: StateMachine(b"{}"), TypeError, "a definition is a dict, JSON text or YAML text"),
        (
            lambda: StateMachine(asl({"P": PASS}), type="FAST"),
            ValueError,
            "type must be 'STANDARD' or 'EXPRESS'",
        ),
    ],
    ids=["bytes for a definition", "an unknown machine type"],
)
def test_misuse_raises_the_python_exception_for_it(call: Any, exception: type[Exception], words: str) -> None:
    with pytest.raises(exception, match=words):
        call()


# ----------------------------------------------------------------------------- data a definition cannot handle


def pass_with(**fields: Any) -> StateMachine:
    return StateMachine(asl({"P": {**PASS, **fields}}))


def jsonata_output(expression: str) -> StateMachine:
    return StateMachine(asl({"P": {**PASS, "Output": "{% " + expression + " %}"}}, QueryLanguage="JSONata"))


BAD_DATA: list[tuple[str, Any, Any, str]] = [
    ("an InputPath that finds nothing", lambda: pass_with(InputPath="$.missing"), {}, "States.Runtime"),
    (
        "a parameter path that finds nothing",
        lambda: pass_with(Parameters={"a.$": "$.missing"}),
        {},
        "States.Runtime",
    ),
    (
        "an intrinsic given the wrong type",
        lambda: pass_with(Parameters={"a.$": "States.MathAdd($.s, 1)"}),
        {"s": "x"},
        "States.Runtime",
    ),
    (
        "JSON text too deep to read",
        lambda: pass_with(Parameters={"a.$": "States.StringToJson($.s)"}),
        {"s": "[" * 5000 + "]" * 5000},
        "States.Runtime",
    ),
    (
        "a JSONata type error",
        lambda: jsonata_output("$states.input.s + 1"),
        {"s": "x"},
        "States.QueryEvaluationError",
    ),
    (
        "a JSONata expression that yields nothing",
        lambda: jsonata_output("$states.input.missing"),
        {},
        "States.QueryEvaluationError",
    ),
    (
        "a JSONata string that doubles without end",
        lambda: jsonata_output("($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 40))"),
        {},
        "States.QueryEvaluationError",
    ),
    (
        "a JSONata $pad a billion wide",
        lambda: jsonata_output("$pad('', 1000000000, 'x')"),
        {},
        "States.QueryEvaluationError",
    ),
    (
        "a Choice nothing matches",
        lambda: StateMachine(choice({"Variable": "$.a", "IsNull": True, "Next": "P"})),
        {"a": 1},
        "States.NoChoiceMatched",
    ),
    (
        "a Map over something that is not an array",
        lambda: StateMachine(
            asl({"M": {"Type": "Map", "ItemsPath": "$.x", "ItemProcessor": asl({"P": PASS}), "End": True}})
        ),
        {"x": 1},
        "States.Runtime",
    ),
    (
        "an output over 256 KiB",
        lambda: pass_with(Parameters={"a.$": "$.s", "b.$": "$.s"}),
        {"s": "x" * 150_000},
        "States.DataLimitExceeded",
    ),
]


@pytest.mark.parametrize(("make", "data", "error"), cases(BAD_DATA))
def test_data_a_definition_cannot_handle_fails_the_execution(make: Any, data: Any, error: str) -> None:
    ex = make().run(data)
    assert ex.status == "FAILED"
    assert ex.error == error
    assert ex.cause


def test_a_failing_handler_fails_the_execution_with_its_error() -> None:
    def handler(event: Any, context: Any) -> Any:
        raise KeyError("gone")

    ex = StateMachine(asl({"T": {"Type": "Task", "Resource": TASK, "End": True}})).run(
        {}, resources={"f": handler}
    )
    assert (ex.status, ex.error) == ("FAILED", "KeyError")


def test_the_catalogue_has_forty_kinds_or_more() -> None:
    assert len(BAD_DEFINITIONS) + len(BAD_DATA) + 3 >= 40
    assert len({case[0] for case in BAD_DEFINITIONS + BAD_DATA}) == len(BAD_DEFINITIONS) + len(BAD_DATA)
    json.dumps([case[0] for case in BAD_DEFINITIONS])  # the labels are plain text
