"""Tests for sfn_notebook.engine.choice: every operator family, boolean rules, Default and failures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfn_notebook import StateMachine
from sfn_notebook.engine.choice import glob_matches


def choose(rule: dict[str, Any], value: Any, **state: Any) -> Any:
    """Run a Choice with one rule leading to "yes" and Default "no"; the chosen branch, or (error, cause)."""
    sm = StateMachine(
        {
            "StartAt": "Decide",
            "States": {
                "Decide": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No", **state},
                "Yes": {"Type": "Pass", "Result": "yes", "End": True},
                "No": {"Type": "Pass", "Result": "no", "End": True},
            },
        }
    )
    ex = sm.run(value)
    if ex.status == "SUCCEEDED":
        return ex.output
    return ex.error, ex.cause


def data_test(op: str, operand: Any) -> dict[str, Any]:
    return {"Variable": "$.v", op: operand}


# ----------------------------------------------------------------------------- comparisons

CASES = [
    # operator, operand, value, expected
    ("StringEquals", "abc", "abc", "yes"),
    ("StringEquals", "abc", "ABC", "no"),
    ("StringLessThan", "b", "a", "yes"),
    ("StringLessThan", "b", "B", "yes"),  # plain code-point order, no case folding
    ("StringLessThan", "b", "b", "no"),
    ("StringGreaterThan", "b", "c", "yes"),
    ("StringLessThanEquals", "b", "b", "yes"),
    ("StringGreaterThanEquals", "b", "a", "no"),
    ("NumericEquals", 3, 3, "yes"),
    ("NumericEquals", 3, 3.0, "yes"),
    ("NumericEquals", 3, 3.5, "no"),
    ("NumericLessThan", 0, -0.5, "yes"),
    ("NumericGreaterThan", 10, 11, "yes"),
    ("NumericLessThanEquals", 10, 10, "yes"),
    ("NumericGreaterThanEquals", 10, 9.99, "no"),
    ("BooleanEquals", True, True, "yes"),
    ("BooleanEquals", False, True, "no"),
    ("TimestampEquals", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "yes"),
    ("TimestampLessThan", "2024-05-01T10:00:00Z", "2024-05-01T09:59:59Z", "yes"),
    ("TimestampGreaterThan", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.001Z", "yes"),
    ("TimestampLessThanEquals", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "yes"),
    ("TimestampGreaterThanEquals", "2024-05-01T10:00:00Z", "2023-12-31T23:59:59Z", "no"),
]


@pytest.mark.parametrize(("op", "operand", "value", "expected"), CASES)
def test_comparison_operators(op: str, operand: Any, value: Any, expected: str) -> None:
    assert choose(data_test(op, operand), {"v": value}) == expected


@pytest.mark.parametrize(("op", "operand", "value", "expected"), CASES)
def test_path_forms_compare_with_another_field(op: str, operand: Any, value: Any, expected: str) -> None:
    rule = {"Variable": "$.v", op + "Path": "$.other"}
    assert choose(rule, {"v": value, "other": operand}) == expected


def test_path_form_reads_the_context_object() -> None:
    rule = {"Variable": "$.v", "StringEqualsPath": "$$.Execution.Input.expected"}
    assert choose(rule, {"v": "same", "expected": "same"}) == "yes"


MISMATCHES = [
    ("StringEquals", "1", 1),
    ("StringLessThan", "z", 5),
    ("NumericEquals", 1, "1"),
    ("NumericLessThan", 5, None),
    ("NumericEquals", 1, True),  # booleans are not numbers
    ("BooleanEquals", True, 1),
    ("BooleanEquals", True, "true"),
    ("TimestampEquals", "2024-05-01T10:00:00Z", 1714557600),
    ("TimestampLessThan", "2024-05-01T10:00:00Z", "not a time"),
]


@pytest.mark.parametrize(("op", "operand", "value"), MISMATCHES)
def test_a_type_mismatch_is_false_not_an_error(op: str, operand: Any, value: Any) -> None:
    assert choose(data_test(op, operand), {"v": value}) == "no"


# ----------------------------------------------------------------------------- StringMatches


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", "yes"),
        ("log-*.txt", "log-.txt", "yes"),
        ("log-*.txt", "log-2024.csv", "no"),
        ("*", "", "yes"),
        ("a*b*c", "aXXbYYc", "yes"),
        ("a*b*c", "aXXcYYb", "no"),
        ("exact", "exact", "yes"),
        ("exact", "exactly", "no"),
        ("a\\*b", "a*b", "yes"),  # \* is a literal star
        ("a\\*b", "aXb", "no"),
        ("a\\\\b", "a\\b", "yes"),  # \\ is a literal backslash
        ("price: $*.?", "price: $9.?", "yes"),  # regex metacharacters are literal
        ("price: $*.?", "price: $9x!", "no"),
    ],
)
def test_string_matches(pattern: str, value: str, expected: str) -> None:
    assert choose({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) == expected


def test_string_matches_on_a_non_string_is_false() -> None:
    assert choose({"Variable": "$.v", "StringMatches": "*"}, {"v": 12}) == "no"


# ----------------------------------------------------------------------------- Is* tests


@pytest.mark.parametrize(
    ("op", "value", "is_true"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", "1.5", False),
        ("IsNumeric", True, False),
        ("IsString", "", True),
        ("IsString", None, False),
        ("IsBoolean", False, True),
        ("IsBoolean", 0, False),
        ("IsTimestamp", "2024-05-01T10:00:00Z", True),
        ("IsTimestamp", "2024-05-01T10:00:00.123+05:30", True),
        ("IsTimestamp", "2024-05-01", False),
        ("IsTimestamp", 1714557600, False),
    ],
)
def test_type_tests(op: str, value: Any, is_true: bool) -> None:
    assert choose(data_test(op, True), {"v": value}) == ("yes" if is_true else "no")
    assert choose(data_test(op, False), {"v": value}) == ("no" if is_true else "yes")


def test_is_present_on_a_missing_path_is_false_without_error() -> None:
    assert choose({"Variable": "$.missing", "IsPresent": True}, {"v": 1}) == "no"
    assert choose({"Variable": "$.missing", "IsPresent": False}, {"v": 1}) == "yes"
    assert choose({"Variable": "$.v", "IsPresent": True}, {"v": None}) == "yes"


def test_is_present_on_a_missing_nested_path() -> None:
    assert choose({"Variable": "$.a.b.c", "IsPresent": False}, {"a": {}}) == "yes"


# ----------------------------------------------------------------------------- And / Or / Not


def test_and_requires_every_rule() -> None:
    rule = {"And": [data_test("NumericGreaterThan", 1), data_test("NumericLessThan", 10)]}
    assert choose(rule, {"v": 5}) == "yes"
    assert choose(rule, {"v": 50}) == "no"


def test_or_requires_any_rule() -> None:
    rule = {"Or": [data_test("StringEquals", "a"), data_test("StringEquals", "b")]}
    assert choose(rule, {"v": "b"}) == "yes"
    assert choose(rule, {"v": "c"}) == "no"


def test_not_inverts() -> None:
    assert choose({"Not": data_test("BooleanEquals", True)}, {"v": False}) == "yes"
    assert choose({"Not": data_test("BooleanEquals", True)}, {"v": True}) == "no"


def test_nested_boolean_rules() -> None:
    rule = {
        "And": [
            {"Variable": "$.v", "IsPresent": True},
            {"Or": [data_test("NumericEquals", 0), {"Not": data_test("NumericLessThan", 100)}]},
        ]
    }
    assert choose(rule, {"v": 0}) == "yes"
    assert choose(rule, {"v": 150}) == "yes"
    assert choose(rule, {"v": 50}) == "no"


def test_and_short_circuits_before_a_missing_path() -> None:
    rule = {"And": [{"Variable": "$.v", "IsPresent": True}, data_test("NumericEquals", 1)]}
    assert choose(rule, {"other": 1}) == "no"


# ----------------------------------------------------------------------------- rule order, Default, failures


def test_first_matching_rule_wins() -> None:
    sm = StateMachine(
        {
            "StartAt": "Decide",
            "States": {
                "Decide": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"},
                        {"Variable": "$.v", "NumericGreaterThan": 0, "Next": "Small"},
                    ],
                    "Default": "Other",
                },
                "Big": {"Type": "Pass", "Result": "big", "End": True},
                "Small": {"Type": "Pass", "Result": "small", "End": True},
                "Other": {"Type": "Pass", "Result": "other", "End": True},
            },
        }
    )
    assert [sm.run({"v": v}).output for v in (50, 5, -5)] == ["big", "small", "other"]


def test_choice_passes_its_input_through_and_applies_input_and_output_paths() -> None:
    sm = StateMachine(
        {
            "StartAt": "Decide",
            "States": {
                "Decide": {
                    "Type": "Choice",
                    "InputPath": "$.inner",
                    "OutputPath": "$.keep",
                    "Choices": [{"Variable": "$.flag", "BooleanEquals": True, "Next": "Done"}],
                },
                "Done": {"Type": "Succeed"},
            },
        }
    )
    ex = sm.run({"inner": {"flag": True, "keep": [1]}, "outer": 0})
    assert ex.output == [1]
    exited = next(e for e in ex.events if e["type"] == "ChoiceStateExited")
    assert exited["stateExitedEventDetails"]["output"] == "[1]"


def test_no_match_and_no_default_fails_with_no_choice_matched() -> None:
    sm = StateMachine(
        {
            "StartAt": "Decide",
            "States": {
                "Decide": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.v", "IsNull": True, "Next": "Done"}],
                },
                "Done": {"Type": "Succeed"},
            },
        }
    )
    ex = sm.run({"v": 1})
    assert ex.status == "FAILED"
    assert ex.error == "States.NoChoiceMatched"
    assert ex.cause is not None
    assert ex.cause.startswith(
        "An error occurred while executing the state 'Decide' (entered at the event id #2)."
    )
    assert [e["type"] for e in ex.events] == ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"]


def test_default_exits_the_choice_with_its_input() -> None:
    sm = StateMachine(
        {
            "StartAt": "Decide",
            "States": {
                "Decide": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.v", "IsNull": True, "Next": "Done"}],
                    "Default": "Done",
                },
                "Done": {"Type": "Succeed"},
            },
        }
    )
    ex = sm.run({"v": 1})
    assert ex.output == {"v": 1}
    assert [e["type"] for e in ex.events][1:3] == ["ChoiceStateEntered", "ChoiceStateExited"]


def test_variable_on_the_context_object() -> None:
    assert choose({"Variable": "$$.Execution.Input.v", "NumericEquals": 7}, {"v": 7}) == "yes"
    assert choose({"Variable": "$$.State.Name", "StringEquals": "Decide"}, {}) == "yes"


def test_a_missing_variable_path_is_a_runtime_error() -> None:
    error, cause = choose(data_test("NumericEquals", 1), {"other": 1})
    assert error == "States.Runtime"
    assert cause.startswith(
        "An error occurred while executing the state 'Decide' (entered at the event id #2)."
    )
    assert "$.v" in cause


def test_a_missing_comparison_path_is_a_runtime_error() -> None:
    error, cause = choose({"Variable": "$.v", "NumericEqualsPath": "$.absent"}, {"v": 1})
    assert error == "States.Runtime"
    assert "$.absent" in cause


def test_string_matches_takes_linear_time_on_patterns_that_backtrack() -> None:
    # a backtracking matcher tries every split of the text among the stars: hours, not steps
    text = "a" * 200_000
    assert choose({"Variable": "$.v", "StringMatches": "*a*a*a*a*a*b"}, {"v": text}) == "no"
    assert choose({"Variable": "$.v", "StringMatches": "*a*a*a*a*a*"}, {"v": text}) == "yes"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("ab", max_size=3), min_size=1, max_size=5),
    st.text("ab", max_size=12),
)
def test_glob_agrees_with_the_regular_expression_it_stands_for(pieces: list[str], text: str) -> None:
    regex = ".*".join(re.escape(p) for p in pieces)
    expected = re.fullmatch(regex, text, re.DOTALL) is not None
    assert glob_matches(tuple(pieces), text) is expected
