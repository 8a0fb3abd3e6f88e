"""Tests for sfn_notebook.engine.scope: workflow variables (Assign) in runs, in both query
languages: when new values become visible, which scopes see them, ``$var`` references in JSONPath
fields, the ``assignedVariables`` of StateExited events, the size limits, references to variables
that do not exist, the Execution's variable helpers, and the context object's timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.engine.scope import iso_time
from sfn_notebook.errors import DefinitionError
from sfn_notebook.history import variables_at, variables_frame
from tests.engine.helpers import LAMBDA, jsonata, located, machine

pytestmark = pytest.mark.jsonata  # JSONata states need jsonatapy

EPOCH = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def exits(ex: Any, name: str) -> list[dict[str, Any]]:
    """The stateExitedEventDetails of every visit of state ``name``, in history order."""
    return [
        e["stateExitedEventDetails"]
        for e in ex.events
        if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] == name
    ]


def assigned(ex: Any, name: str) -> dict[str, str] | None:
    """The assignedVariables of the first visit of state ``name`` (None when it assigned nothing)."""
    return exits(ex, name)[0].get("assignedVariables")


def inner(states: dict[str, Any]) -> dict[str, Any]:
    """A branch or item processor."""
    return {"StartAt": next(iter(states)), "States": states}


# ----------------------------------------------------------------------------- evaluation order


class TestEvaluationOrder:
    def test_every_assignment_of_a_state_sees_the_values_from_before_it(self) -> None:
        # the spec's example: x is 5 on entry; newOrOld gets 5, and x becomes 42 for the next state
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"x": 5}, "Next": "Assigning"},
                "Assigning": {
                    "Type": "Pass",
                    "Assign": {"x": 42, "newOrOld": "{% $x %}", "sum": "{% $x + 1 %}"},
                    "Next": "Referencing",
                },
                "Referencing": {
                    "Type": "Pass",
                    "Output": {"x": "{% $x %}", "newOrOld": "{% $newOrOld %}", "sum": "{% $sum %}"},
                    "End": True,
                },
            }
        )
        ex = sm.run({})
        assert ex.output == {"x": 42, "newOrOld": 5, "sum": 6}
        assert assigned(ex, "Assigning") == {"x": "42", "newOrOld": "5", "sum": "6"}

    def test_output_sees_the_values_from_before_the_state(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"count": 1}, "Next": "Bump"},
                "Bump": {
                    "Type": "Pass",
                    "Assign": {"count": "{% $count + 1 %}"},
                    "Output": {"during": "{% $count %}"},
                    "Next": "After",
                },
                "After": {
                    "Type": "Pass",
                    "Output": {"before": "{% $states.input.during %}", "after": "{% $count %}"},
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == {"before": 1, "after": 2}

    def test_task_output_and_assign_both_see_the_old_value(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"total": 10}, "Next": "Add"},
                "Add": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Add",
                    "Arguments": {"n": "{% $total %}"},
                    "Assign": {"total": "{% $total + $states.result %}"},
                    "Output": {"old": "{% $total %}", "result": "{% $states.result %}"},
                    "Next": "Show",
                },
                "Show": {
                    "Type": "Pass",
                    "Output": {"was": "{% $states.input %}", "now": "{% $total %}"},
                    "End": True,
                },
            }
        )
        ex = sm.run({}, resources={"Add": lambda e: e["n"] * 3})
        assert ex.output == {"was": {"old": 10, "result": 30}, "now": 40}

    def test_jsonpath_assign_and_paths_see_the_value_from_before_the_state(self) -> None:
        sm = machine(
            {
                "Init": {
                    "Type": "Pass",
                    "Result": {"question": "life"},
                    "Assign": {"topic.$": "$.question", "answer": 42},
                    "Next": "Again",
                },
                "Again": {
                    "Type": "Pass",
                    "InputPath": "$answer",
                    "ResultPath": "$.kept",
                    "OutputPath": "$answer",
                    "Assign": {"answer": "replaced", "previous.$": "$answer"},
                    "Next": "Last",
                },
                "Last": {
                    "Type": "Pass",
                    "Parameters": {
                        "in.$": "$",
                        "answer.$": "$answer",
                        "previous.$": "$previous",
                        "topic.$": "$topic",
                    },
                    "End": True,
                },
            }
        )
        ex = sm.run({})
        assert ex.output == {"in": 42, "answer": "replaced", "previous": 42, "topic": "life"}
        assert assigned(ex, "Init") == {"topic": '"life"', "answer": "42"}
        assert assigned(ex, "Again") == {"answer": '"replaced"', "previous": "42"}

    def test_jsonpath_assign_in_a_task_reads_the_selected_result(self) -> None:
        # `$` in a Task's Assign is the result after ResultSelector, not the state output
        sm = machine(
            {
                "Fetch": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fetch",
                    "ResultSelector": {"picked.$": "$.a"},
                    "ResultPath": "$.res",
                    "Assign": {"seen.$": "$"},
                    "Next": "Show",
                },
                "Show": {"Type": "Pass", "Parameters": {"seen.$": "$seen", "out.$": "$"}, "End": True},
            }
        )
        ex = sm.run({"in": 1}, resources={"Fetch": lambda e: {"a": 1, "b": 2}})
        assert ex.output == {"seen": {"picked": 1}, "out": {"in": 1, "res": {"picked": 1}}}

    def test_jsonpath_assign_in_wait_and_choice_reads_the_effective_input(self) -> None:
        sm = machine(
            {
                "Nap": {
                    "Type": "Wait",
                    "Seconds": 0,
                    "InputPath": "$.inner",
                    "Assign": {"fromWait.$": "$"},
                    "Next": "Pick",
                },
                "Pick": {
                    "Type": "Choice",
                    "InputPath": "$.inner",
                    "Choices": [
                        {
                            "Variable": "$.n",
                            "NumericGreaterThan": 0,
                            "Assign": {"fromChoice.$": "$.n"},
                            "Next": "Show",
                        }
                    ],
                    "Default": "Show",
                },
                "Show": {
                    "Type": "Pass",
                    "Parameters": {"w.$": "$fromWait", "c.$": "$fromChoice"},
                    "End": True,
                },
            }
        )
        # each state applies InputPath "$.inner" to its own input: the Wait sees the outer "inner" and
        # outputs it, the Choice then sees the nested one
        ex = sm.run({"inner": {"n": 1, "inner": {"n": 7}}})
        assert ex.output == {"w": {"n": 1, "inner": {"n": 7}}, "c": 7}

    def test_later_assignments_replace_earlier_ones(self) -> None:
        sm = jsonata(
            {
                "A": {"Type": "Pass", "Assign": {"v": "first", "keep": True}, "Next": "B"},
                "B": {"Type": "Pass", "Assign": {"v": ["second"]}, "Next": "C"},
                "C": {"Type": "Pass", "Output": {"v": "{% $v %}", "keep": "{% $keep %}"}, "End": True},
            }
        )
        assert sm.run({}).output == {"v": ["second"], "keep": True}

    def test_a_loop_sees_the_value_assigned_by_the_previous_turn(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"i": 0, "seen": []}, "Next": "Step"},
                "Step": {
                    "Type": "Pass",
                    "Assign": {"i": "{% $i + 1 %}", "seen": "{% $append($seen, $i) %}"},
                    "Next": "Check",
                },
                "Check": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $i < 3 %}", "Next": "Step"}],
                    "Default": "Done",
                },
                "Done": {"Type": "Succeed", "Output": {"i": "{% $i %}", "seen": "{% $seen %}"}},
            }
        )
        assert sm.run({}).output == {"i": 3, "seen": [0, 1, 2]}

    def test_a_catcher_assign_replaces_the_state_assign(self) -> None:
        def fail(event: Any) -> Any:
            raise TaskFailed("Boom", "it broke")

        sm = jsonata(
            {
                "Work": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Assign": {"outcome": "success", "result": "{% $states.result %}"},
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Assign": {"outcome": "{% $states.errorOutput.Error %}"},
                            "Next": "Show",
                        }
                    ],
                    "End": True,
                },
                "Show": {
                    "Type": "Pass",
                    "Output": {"outcome": "{% $outcome %}", "hasResult": "{% $exists($result) %}"},
                    "End": True,
                },
            }
        )
        ex = sm.run({}, resources={"Fail": fail})
        assert ex.output == {"outcome": "Boom", "hasResult": False}
        assert assigned(ex, "Work") == {"outcome": '"Boom"'}

    def test_a_jsonpath_catcher_assign_reads_the_error_output(self) -> None:
        def fail(event: Any) -> Any:
            raise TaskFailed("Boom", "it broke")

        sm = machine(
            {
                "Work": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Assign": {"why.$": "$.Cause"},
                            "ResultPath": "$.err",
                            "Next": "Show",
                        }
                    ],
                    "End": True,
                },
                "Show": {"Type": "Pass", "Parameters": {"why.$": "$why", "in.$": "$.id"}, "End": True},
            }
        )
        assert sm.run({"id": 3}, resources={"Fail": fail}).output == {"why": "it broke", "in": 3}

    def test_choice_default_uses_the_state_assign(self) -> None:
        sm = jsonata(
            {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [
                        {"Condition": "{% $states.input.go %}", "Assign": {"path": "rule"}, "Next": "Show"}
                    ],
                    "Default": "Show",
                    "Assign": {"path": "default"},
                },
                "Show": {"Type": "Pass", "Output": "{% $path %}", "End": True},
            }
        )
        assert sm.run({"go": True}).output == "rule"
        assert sm.run({"go": False}).output == "default"

    def test_a_chosen_rule_without_assign_assigns_nothing_jsonata(self) -> None:
        sm = jsonata(
            {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $states.input.go %}", "Next": "Show"}],
                    "Default": "Show",
                    "Assign": {"picked": "default"},
                },
                "Show": {"Type": "Pass", "Output": "{% $exists($picked) %}", "End": True},
            }
        )
        ex = sm.run({"go": True})
        assert assigned(ex, "Pick") is None
        assert ex.output is False

    def test_a_chosen_rule_without_assign_assigns_nothing_jsonpath(self) -> None:
        sm = machine(
            {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Show"}],
                    "Default": "Show",
                    "Assign": {"range": "default"},
                },
                "Show": {"Type": "Pass", "End": True},
            }
        )
        assert assigned(sm.run({"go": True}), "Pick") is None


# ----------------------------------------------------------------------------- scopes


class TestScopes:
    def test_inline_map_iterations_read_outer_variables(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"rate": 3}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "Items": [1, 2],
                    "ItemProcessor": inner(
                        {"Mul": {"Type": "Pass", "Output": "{% $states.input * $rate %}", "End": True}}
                    ),
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == [3, 6]

    def test_jsonpath_map_reads_outer_variables_in_items_path_and_intrinsics(self) -> None:
        sm = machine(
            {
                "Init": {"Type": "Pass", "Assign": {"items": [1, 2], "prefix": "n"}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$items",
                    "ItemProcessor": inner(
                        {
                            "Name": {
                                "Type": "Pass",
                                "Parameters": {"id.$": "States.Format('{}-{}', $prefix, $)"},
                                "End": True,
                            }
                        }
                    ),
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == [{"id": "n-1"}, {"id": "n-2"}]

    def test_parallel_branches_read_outer_variables(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"base": 10}, "Next": "Both"},
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        inner({"Plus": {"Type": "Pass", "Output": "{% $base + 1 %}", "End": True}}),
                        inner({"Minus": {"Type": "Pass", "Output": "{% $base - 1 %}", "End": True}}),
                    ],
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == [11, 9]

    def test_an_assignment_inside_a_map_does_not_change_the_outer_variable(self) -> None:
        sm = machine(
            {
                "Init": {"Type": "Pass", "Assign": {"x": "outer"}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "MaxConcurrency": 1,
                    "ItemProcessor": inner(
                        {
                            "Set": {"Type": "Pass", "Assign": {"x": "inner"}, "Next": "Read"},
                            "Read": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True},
                        }
                    ),
                    "ResultPath": "$.inside",
                    "Next": "After",
                },
                "After": {"Type": "Pass", "Parameters": {"x.$": "$x", "inside.$": "$.inside"}, "End": True},
            }
        )
        ex = sm.run({"items": [1, 2]})
        assert ex.output == {"x": "outer", "inside": [{"x": "inner"}, {"x": "inner"}]}
        assert [d.code for d in sm.diagnostics] == ["VARIABLE_ASSIGNED_IN_OUTER_SCOPE"]

    def test_an_assignment_inside_a_parallel_branch_does_not_change_the_outer_variable(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Both"},
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        inner({"Set": {"Type": "Pass", "Assign": {"x": 2, "branchOnly": True}, "End": True}})
                    ],
                    "Next": "After",
                },
                "After": {
                    "Type": "Pass",
                    "Output": {"x": "{% $x %}", "branchOnly": "{% $exists($branchOnly) %}"},
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == {"x": 1, "branchOnly": False}

    def test_the_specs_scope_example(self) -> None:
        sm = jsonata(
            {
                "Get Greeting": {"Type": "Pass", "Assign": {"outer": "hello"}, "Next": "Greet Everyone"},
                "Greet Everyone": {
                    "Type": "Map",
                    "ItemProcessor": inner(
                        {
                            "Begin": {
                                "Type": "Pass",
                                "Assign": {"inner": "world", "hi": "{% $outer %}"},
                                "Next": "End",
                            },
                            "End": {"Type": "Succeed", "Output": "{% $hi %}"},
                        }
                    ),
                    "Assign": {"outer": 2},
                    "Next": "Goodbye",
                },
                "Goodbye": {"Type": "Succeed", "Output": "{% $outer %}"},
            }
        )
        ex = sm.run(["a", "b"])
        assert ex.output == 2
        assert [d["output"] for d in exits(ex, "End")] == ['"hello"', '"hello"']
        assert exits(ex, "Greet Everyone")[0]["output"] == '["hello","hello"]'

    def test_sibling_branches_do_not_see_each_others_variables(self) -> None:
        sm = jsonata(
            {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        inner({"Left": {"Type": "Pass", "Assign": {"side": "left"}, "End": True}}),
                        inner(
                            {
                                "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Right"},
                                "Right": {"Type": "Pass", "Output": "{% $exists($side) %}", "End": True},
                            }
                        ),
                    ],
                    "End": True,
                }
            }
        )
        assert sm.run({}).output == [{}, False]

    def test_each_map_iteration_keeps_its_own_variables(self) -> None:
        # the iterations run at the same time and interleave; each one reads back its own value
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [3, 1, 2],
                    "ItemProcessor": inner(
                        {
                            "Keep": {
                                "Type": "Pass",
                                "Assign": {"mine": "{% $states.input %}"},
                                "Next": "Sleep",
                            },
                            "Sleep": {"Type": "Wait", "Seconds": "{% $mine * 10 %}", "Next": "Give"},
                            "Give": {"Type": "Pass", "Output": "{% $mine %}", "End": True},
                        }
                    ),
                    "End": True,
                }
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        assert ex.output == [3, 1, 2]
        assert ex.duration == timedelta(seconds=30)

    def test_distributed_map_children_do_not_see_outer_variables(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"x": "outer"}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "Items": [1],
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        **inner({"Read": {"Type": "Pass", "Output": "{% $x %}", "End": True}}),
                    },
                    "End": True,
                },
            }
        )
        ex = sm.run({})
        assert (ex.status, ex.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
        [child] = next(iter(ex.map_runs.values()))
        assert child[-1]["type"] == "ExecutionFailed"
        assert child[-1]["executionFailedEventDetails"] == {
            "error": "States.QueryEvaluationError",
            "cause": located(
                "Read",
                2,
                "The JSONata expression '$x' specified for the field 'Output' returned nothing (undefined).",
            ),
        }

    def test_distributed_map_children_get_variables_through_the_item_selector(self) -> None:
        sm = jsonata(
            {
                "Init": {"Type": "Pass", "Assign": {"x": "outer"}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "Items": [1, 2],
                    "ItemSelector": {"x": "{% $x %}", "item": "{% $states.context.Map.Item.Value %}"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        **inner({"Read": {"Type": "Pass", "End": True}}),
                    },
                    "End": True,
                },
            }
        )
        ex = sm.run({})
        assert ex.status == "SUCCEEDED"
        assert ex.output == [{"x": "outer", "item": 1}, {"x": "outer", "item": 2}]

    def test_a_catcher_assign_on_a_map_writes_to_the_outer_scope(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [1],
                    "ItemProcessor": inner({"Stop": {"Type": "Fail", "Error": "Item.Bad", "Cause": "no"}}),
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Assign": {"failed": "{% $states.errorOutput.Error %}"},
                            "Next": "Show",
                        }
                    ],
                    "End": True,
                },
                "Show": {"Type": "Pass", "Output": "{% $failed %}", "End": True},
            }
        )
        assert sm.run({}).output == "Item.Bad"


# ----------------------------------------------------------------------------- $var in JSONPath states


class TestJsonPathReferences:
    def test_parameters_read_variables_and_their_members(self) -> None:
        sm = machine(
            {
                "Init": {"Type": "Pass", "Assign": {"cfg": {"limit": 5, "tags": ["a", "b"]}}, "Next": "Use"},
                "Use": {
                    "Type": "Pass",
                    "Parameters": {
                        "limit.$": "$cfg.limit",
                        "second.$": "$cfg.tags[1]",
                        "all.$": "$cfg",
                        "plain": "$cfg",
                    },
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == {
            "limit": 5,
            "second": "b",
            "all": {"limit": 5, "tags": ["a", "b"]},
            "plain": "$cfg",
        }

    def test_intrinsic_functions_take_variables(self) -> None:
        sm = machine(
            {
                "Init": {"Type": "Pass", "Assign": {"prefix": "order", "nums": [1, 2, 3]}, "Next": "Use"},
                "Use": {
                    "Type": "Pass",
                    "Parameters": {
                        "id.$": "States.Format('{}-{}', $prefix, $.id)",
                        "count.$": "States.ArrayLength($nums)",
                        "sum.$": "States.MathAdd(States.ArrayGetItem($nums, 0), States.ArrayGetItem($nums, 2))",
                    },
                    "End": True,
                },
            }
        )
        assert sm.run({"id": 17}).output == {"id": "order-17", "count": 3, "sum": 4}

    def test_task_parameters_and_timeout_path_read_variables(self) -> None:
        received: list[Any] = []

        def call(event: Any) -> Any:
            received.append(event)
            return "ok"

        sm = machine(
            {
                "Init": {"Type": "Pass", "Assign": {"payload": {"k": 1}, "timeout": 30}, "Next": "Call"},
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Call",
                    "Parameters": {"data.$": "$payload"},
                    "TimeoutSecondsPath": "$timeout",
                    "End": True,
                },
            }
        )
        ex = sm.run({}, resources={"Call": call})
        assert received == [{"data": {"k": 1}}]
        scheduled = next(e for e in ex.events if e["type"] == "LambdaFunctionScheduled")
        assert scheduled["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"] == 30

    def test_choice_variable_and_wait_paths_read_variables(self) -> None:
        sm = machine(
            {
                "Init": {
                    "Type": "Pass",
                    "Assign": {"level": 7, "delay": 45, "until": "2024-03-01T13:00:00Z"},
                    "Next": "Pick",
                },
                "Pick": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$level", "NumericGreaterThan": 5, "Next": "Short"}],
                    "Default": "Done",
                },
                "Short": {"Type": "Wait", "SecondsPath": "$delay", "Next": "Until"},
                "Until": {"Type": "Wait", "TimestampPath": "$until", "Next": "Done"},
                "Done": {"Type": "Succeed"},
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        waits = [e["timestamp"] for e in ex.events if e["type"] == "WaitStateExited"]
        assert waits == [EPOCH + timedelta(seconds=45), EPOCH + timedelta(hours=1)]

    def test_jsonpath_assign_keeps_strings_that_only_look_like_expressions(self) -> None:
        sm = machine(
            {
                "Init": {
                    "Type": "Pass",
                    "Assign": {
                        "path": "$.nowhere",
                        "var": "$noSuchVar",
                        "ata": "{% $x %}",
                        "fn": "States.UUID()",
                    },
                    "Next": "Show",
                },
                "Show": {
                    "Type": "Pass",
                    "Parameters": {"a.$": "$path", "b.$": "$var", "c.$": "$ata", "d.$": "$fn"},
                    "End": True,
                },
            }
        )
        assert sm.run({}).output == {
            "a": "$.nowhere",
            "b": "$noSuchVar",
            "c": "{% $x %}",
            "d": "States.UUID()",
        }

    def test_variables_cross_query_languages(self) -> None:
        sm = machine(
            {
                "PathSets": {"Type": "Pass", "Assign": {"fromPath.$": "$.n"}, "Next": "AtaSets"},
                "AtaSets": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "Assign": {"fromAta": "{% $fromPath * 2 %}"},
                    "Next": "PathReads",
                },
                "PathReads": {
                    "Type": "Pass",
                    "Parameters": {"a.$": "$fromPath", "b.$": "$fromAta"},
                    "End": True,
                },
            }
        )
        assert sm.run({"n": 4}).output == {"a": 4, "b": 8}


# ----------------------------------------------------------------------------- the history


class TestAssignedVariablesEvent:
    def test_assigned_variables_are_json_text(self) -> None:
        sm = jsonata(
            {
                "Set": {
                    "Type": "Pass",
                    "Assign": {
                        "x": 1,
                        "o": {"a": 1},
                        "s": "text",
                        "n": None,
                        "b": True,
                        "f": 0.5,
                        "l": [1, "two"],
                        "computed": "{% 1 + 2 %}",
                        "quoted": "{% 'say \"hi\"' %}",
                    },
                    "End": True,
                }
            }
        )
        ex = sm.run({})
        details = exits(ex, "Set")[0]
        assert details["assignedVariables"] == {
            "x": "1",
            "o": '{"a":1}',
            "s": '"text"',
            "n": "null",
            "b": "true",
            "f": "0.5",
            "l": '[1,"two"]',
            "computed": "3",
            "quoted": '"say \\"hi\\""',
        }
        assert details["assignedVariablesDetails"] == {"truncated": False}

    def test_jsonpath_assigned_variables_are_json_text(self) -> None:
        sm = machine({"Set": {"Type": "Pass", "Assign": {"v.$": "$.input_value", "k": 0}, "End": True}})
        ex = sm.run({"input_value": "literal"})
        assert exits(ex, "Set")[0]["assignedVariables"] == {"v": '"literal"', "k": "0"}

    def test_no_assign_and_an_empty_assign_record_nothing(self) -> None:
        sm = jsonata(
            {
                "None": {"Type": "Pass", "Next": "Empty"},
                "Empty": {"Type": "Pass", "Assign": {}, "End": True},
            }
        )
        ex = sm.run({"a": 1})
        for name in ("None", "Empty"):
            assert exits(ex, name)[0] == {
                "name": name,
                "output": '{"a":1}',
                "outputDetails": {"truncated": False},
            }

    def test_each_map_iteration_records_its_own_assignments(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [10, 20],
                    "MaxConcurrency": 1,
                    "ItemProcessor": inner(
                        {"Keep": {"Type": "Pass", "Assign": {"item": "{% $states.input %}"}, "End": True}}
                    ),
                    "End": True,
                }
            }
        )
        ex = sm.run({})
        assert [d["assignedVariables"] for d in exits(ex, "Keep")] == [{"item": "10"}, {"item": "20"}]
        assert "assignedVariables" not in exits(ex, "Each")[0]


# ----------------------------------------------------------------------------- limits


class TestLimits:
    def test_a_variable_over_256_kib_fails_with_data_limit_exceeded(self) -> None:
        sm = jsonata({"Big": {"Type": "Pass", "Assign": {"v": "{% $pad('', 300000, 'y') %}"}, "End": True}})
        ex = sm.run({})
        assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
        # the wording after the state prefix is the engine's own (no AWS recording of it)
        assert ex.cause == located(
            "Big",
            2,
            "The value assigned to the variable 'v' is 300002 bytes; a variable holds at most 262144 bytes "
            "(256 KiB).",
        )
        assert [e["type"] for e in ex.events] == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]

    def test_a_jsonpath_variable_over_the_limit(self) -> None:
        sm = machine(
            {"Big": {"Type": "Pass", "Assign": {"v.$": "States.Format('{}{}', $.s, $.s)"}, "End": True}}
        )
        ex = sm.run({"s": "y" * 150_000})
        assert ex.error == "States.DataLimitExceeded"

    def test_a_variable_under_the_limit_is_kept(self) -> None:
        sm = jsonata(
            {
                "Big": {"Type": "Pass", "Assign": {"v": "{% $pad('', 200000, 'y') %}"}, "Next": "Len"},
                "Len": {"Type": "Pass", "Output": "{% $length($v) %}", "End": True},
            }
        )
        assert sm.run({}).output == 200_000

    def test_the_values_of_one_assign_are_limited_together(self) -> None:
        sm = jsonata(
            {
                "Two": {
                    "Type": "Pass",
                    "Assign": {"a": "{% $pad('', 140000, 'y') %}", "b": "{% $pad('', 140000, 'z') %}"},
                    "End": True,
                }
            }
        )
        ex = sm.run({})
        assert ex.error == "States.DataLimitExceeded"
        assert ex.cause == located(
            "Two",
            2,
            "The values assigned by this state are 280004 bytes together; one Assign may set at most 262144 "
            "bytes (256 KiB).",
        )

    def test_all_variables_of_an_execution_are_limited_to_10_mib(self) -> None:
        # 40 values of 260,002 bytes fit in 10 MiB; the 41st does not
        states: dict[str, Any] = {}
        for i in range(1, 42):
            step: dict[str, Any] = {"Type": "Pass", "Assign": {f"v{i}": "{% $pad('', 260000, 'y') %}"}}
            step.update({"Next": f"V{i + 1}"} if i < 41 else {"End": True})
            states[f"V{i}"] = step
        ex = jsonata(states).run({})
        assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
        assert ex.cause == (
            "The variables of this execution hold 10660082 bytes; an execution may store at most 10485760 bytes "
            "(10 MiB)."
        )
        entered = [
            e["stateEnteredEventDetails"]["name"] for e in ex.events if e["type"] == "PassStateEntered"
        ]
        assert entered[-1] == "V41"
        assert len(exits(ex, "V40")) == 1
        assert exits(ex, "V41") == []


# ----------------------------------------------------------------------------- undefined variables


class TestUndefinedVariables:
    def test_jsonata_reference_to_an_unassigned_variable_returns_nothing(self) -> None:
        sm = jsonata({"State0": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": True}})
        ex = sm.run({})
        assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
        assert ex.cause == located(
            "State0",
            2,
            "The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined).",
        )
        assert [(d.code, d.severity) for d in sm.diagnostics] == [("UNDEFINED_VARIABLE", "WARNING")]

    def test_jsonata_exists_tells_an_unassigned_variable_apart(self) -> None:
        sm = jsonata(
            {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $states.input.set %}", "Next": "Set"}],
                    "Default": "Show",
                },
                "Set": {"Type": "Pass", "Assign": {"maybe": 1}, "Next": "Show"},
                "Show": {"Type": "Pass", "Output": "{% $exists($maybe) %}", "End": True},
            }
        )
        assert sm.run({"set": True}).output is True
        assert sm.run({"set": False}).output is False

    def test_jsonpath_reference_to_an_unassigned_variable_is_a_runtime_error(self) -> None:
        sm = machine({"P": {"Type": "Pass", "Parameters": {"v.$": "$nope"}, "End": True}})
        ex = sm.run({})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        # the wording after the state prefix is the engine's own (no AWS recording of it)
        assert ex.cause == located(
            "P", 2, "The variable '$nope' is not defined at this point of the execution"
        )

    def test_an_unassigned_variable_in_an_intrinsic(self) -> None:
        sm = machine(
            {"P": {"Type": "Pass", "Parameters": {"v.$": "States.Format('{}', $nope)"}, "End": True}}
        )
        ex = sm.run({})
        assert ex.error == "States.Runtime"
        assert ex.cause == located(
            "P", 2, "The variable '$nope' is not defined at this point of the execution"
        )

    def test_states_all_does_not_catch_an_unassigned_jsonpath_variable(self) -> None:
        sm = machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "Parameters": {"v.$": "$nope"},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({}, resources={"Echo": lambda e: e})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")

    def test_states_cannot_be_assigned(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata({"P": {"Type": "Pass", "Assign": {"states": 1}, "End": True}})
        assert [(d.code, d.pointer) for d in info.value.diagnostics] == [
            ("RESERVED_VARIABLE", "/States/P/Assign/states")
        ]

    def test_succeed_cannot_assign(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata({"S": {"Type": "Succeed", "Assign": {"a": 1}}})
        assert [(d.code, d.pointer) for d in info.value.diagnostics] == [
            ("UNKNOWN_FIELD", "/States/S/Assign")
        ]


# ----------------------------------------------------------------------------- Execution helpers


def fan_out_machine() -> StateMachine:
    return jsonata(
        {
            "A": {"Type": "Pass", "Assign": {"x": 1, "o": {"a": 1}}, "Next": "Fan"},
            "Fan": {
                "Type": "Map",
                "Items": [10, 20],
                "MaxConcurrency": 1,
                "ItemProcessor": inner(
                    {"In": {"Type": "Pass", "Assign": {"seen": "{% $states.input + $x %}"}, "End": True}}
                ),
                "Next": "B",
            },
            "B": {"Type": "Pass", "Assign": {"x": "{% $x + 1 %}"}, "End": True},
        }
    )


class TestExecutionHelpers:
    def test_variables_lists_every_assignment_with_parsed_values(self) -> None:
        import pandas as pd

        ex = fan_out_machine().run({})
        table = ex.variables()
        assert list(table.columns) == ["id", "timestamp", "state", "iteration", "variable", "value"]
        iterations = [None if pd.isna(i) else int(i) for i in table["iteration"]]
        rows = list(zip(table["id"], table["state"], iterations, table["variable"], table["value"]))
        assert rows == [
            (3, "A", None, "x", 1),
            (3, "A", None, "o", {"a": 1}),
            (8, "In", 0, "seen", 11),
            (12, "In", 1, "seen", 21),
            (17, "B", None, "x", 2),
        ]

    def test_variables_frame_reads_a_plain_event_list(self) -> None:
        ex = fan_out_machine().run({})
        assert variables_frame(ex.events).equals(ex.variables())

    def test_no_assignments_give_an_empty_table(self) -> None:
        ex = jsonata({"P": {"Type": "Pass", "End": True}}).run({})
        table = ex.variables()
        assert len(table) == 0
        assert list(table.columns) == ["id", "timestamp", "state", "iteration", "variable", "value"]

    def test_variables_at_inside_an_iteration(self) -> None:
        ex = fan_out_machine().run({})
        assert variables_at(ex.events, 8) == {"o": {"a": 1}, "seen": 11, "x": 1}
        assert variables_at(ex.events, 3) == {"o": {"a": 1}, "x": 1}

    def test_variables_at_after_a_map_leaves_out_the_iterations_variables(self) -> None:
        ex = fan_out_machine().run({})
        assert variables_at(ex.events, len(ex.events)) == {"o": {"a": 1}, "x": 2}


def test_iso_time_has_milliseconds_and_a_z() -> None:
    assert iso_time(EPOCH.timestamp() + 0.5) == "2024-03-01T12:00:00.500Z"
