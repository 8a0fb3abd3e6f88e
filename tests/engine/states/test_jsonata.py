"""JSONata states run end to end by the runners in engine/states/: query-language selection,
Arguments and Output on every state type, ``{% %}`` strings nested in templates, the ``$states``
binding, Choice/Wait/Fail/Map fields given as expressions, States.QueryEvaluationError (its cause,
its EvaluationFailed event and the field it names) and AWS's extra functions inside a run.

The expression language itself is tested in tests/paths/test_jsonata.py; variables (Assign) in
tests/engine/test_scope.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.errors import DefinitionError
from tests.engine.helpers import LAMBDA, jsonata, located, machine, types

pytestmark = pytest.mark.jsonata  # JSONata states need jsonatapy

EPOCH = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def exited(ex: Any, name: str) -> dict[str, Any]:
    """The stateExitedEventDetails of the (first) visit of state ``name``."""
    return next(
        e["stateExitedEventDetails"]
        for e in ex.events
        if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] == name
    )


def evaluation_failures(ex: Any) -> list[dict[str, Any]]:
    return [e["evaluationFailedEventDetails"] for e in ex.events if e["type"] == "EvaluationFailed"]


def undefined(expr: str, field: str) -> str:
    return f"The JSONata expression '{expr}' specified for the field '{field}' returned nothing (undefined)."


def echo(event: Any) -> Any:
    return event


def recorder() -> tuple[list[Any], Any]:
    """A handler that keeps every event it receives (and returns "ok"), with the list it fills."""
    received: list[Any] = []

    def handler(event: Any) -> Any:
        received.append(event)
        return "ok"

    return received, handler


# ----------------------------------------------------------------------------- query languages


class TestQueryLanguage:
    def test_top_level_jsonata_applies_to_every_state(self) -> None:
        sm = jsonata(
            {
                "First": {
                    "Type": "Pass",
                    "Output": {"doubled": "{% $states.input.n * 2 %}"},
                    "Next": "Second",
                },
                "Second": {"Type": "Pass", "Output": "{% $states.input.doubled + 1 %}", "End": True},
            }
        )
        ex = sm.run({"n": 20})
        assert ex.status == "SUCCEEDED"
        assert ex.output == 41
        assert exited(ex, "First")["output"] == '{"doubled":40}'

    def test_a_single_state_can_opt_into_jsonata(self) -> None:
        sm = machine(
            {
                "Path": {"Type": "Pass", "Parameters": {"total.$": "$.order.total"}, "Next": "Ata"},
                "Ata": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "Output": {"withTax": "{% $states.input.total * 1.5 %}"},
                    "End": True,
                },
            }
        )
        assert sm.run({"order": {"total": 10}}).output == {"withTax": 15}

    def test_jsonata_output_feeds_a_following_jsonpath_state(self) -> None:
        sm = machine(
            {
                "Ata": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "Output": {"list": "{% [1, 2, 3] %}", "name": "{% $uppercase($states.input.who) %}"},
                    "Next": "Path",
                },
                "Path": {
                    "Type": "Pass",
                    "Parameters": {"count.$": "States.ArrayLength($.list)", "who.$": "$.name"},
                    "End": True,
                },
            }
        )
        assert sm.run({"who": "ada"}).output == {"count": 3, "who": "ADA"}

    def test_a_state_cannot_switch_back_to_jsonpath_under_a_jsonata_machine(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata({"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}})
        assert [(d.code, d.pointer) for d in info.value.diagnostics] == [
            ("INVALID_VALUE", "/States/P/QueryLanguage")
        ]

    def test_states_inside_a_jsonata_map_default_to_the_machines_language(self) -> None:
        # the spec: an ItemProcessor's states inherit the state machine's language, not the Map's
        sm = machine(
            {
                "Each": {
                    "Type": "Map",
                    "QueryLanguage": "JSONata",
                    "Items": "{% $states.input.xs %}",
                    "ItemProcessor": {
                        "StartAt": "Wrap",
                        "States": {"Wrap": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                    },
                    "End": True,
                }
            }
        )
        assert sm.run({"xs": [1, 2]}).output == [{"v": 1}, {"v": 2}]

    def test_jsonpath_fields_in_a_jsonata_state_are_refused(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata({"P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}})
        assert [d.code for d in info.value.diagnostics] == ["FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE"]


# ----------------------------------------------------------------------------- Arguments and Output


class TestArgumentsAndOutput:
    def test_task_arguments_output_and_the_result(self) -> None:
        received: list[Any] = []

        def add(event: Any) -> Any:
            received.append(event)
            return {"sum": sum(event["nums"]), "n": len(event["nums"])}

        sm = jsonata(
            {
                "Add": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Add",
                    "Arguments": {"nums": "{% $states.input.values %}", "tag": "fixed"},
                    "Output": {
                        "total": "{% $states.result.sum %}",
                        "count": "{% $states.result.n %}",
                        "id": "{% $states.input.id %}",
                    },
                    "End": True,
                }
            }
        )
        ex = sm.run({"values": [1, 2, 3], "id": "a-1"}, resources={"Add": add})
        assert received == [{"nums": [1, 2, 3], "tag": "fixed"}]
        assert ex.output == {"total": 6, "count": 3, "id": "a-1"}
        scheduled = next(e for e in ex.events if e["type"] == "LambdaFunctionScheduled")
        assert scheduled["lambdaFunctionScheduledEventDetails"]["input"] == '{"nums":[1,2,3],"tag":"fixed"}'

    def test_without_arguments_the_task_gets_the_state_input(self) -> None:
        received, look = recorder()
        sm = jsonata({"T": {"Type": "Task", "Resource": LAMBDA + "Look", "End": True}})
        assert sm.run({"k": [1, None]}, resources={"Look": look}).output == "ok"
        assert received == [{"k": [1, None]}]

    def test_without_output_a_task_outputs_its_result(self) -> None:
        sm = jsonata({"T": {"Type": "Task", "Resource": LAMBDA + "R", "Arguments": {"a": 1}, "End": True}})
        assert sm.run({"ignored": True}, resources={"R": lambda e: {"got": e}}).output == {"got": {"a": 1}}

    def test_arguments_can_be_one_whole_expression(self) -> None:
        received, handler = recorder()
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "R",
                    "Arguments": "{% $states.input.items[price > 2].name %}",
                    "End": True,
                }
            }
        )
        items = [{"name": "a", "price": 1}, {"name": "b", "price": 3}, {"name": "c", "price": 5}]
        sm.run({"items": items}, resources={"R": handler})
        assert received == [["b", "c"]]

    def test_pass_output_replaces_the_input_and_may_be_any_json_value(self) -> None:
        for output, expected in (
            ("{% $states.input.x %}", None),
            ("{% false %}", False),
            ("{% 0 %}", 0),
            ("{% [] %}", []),
            ("{% {} %}", {}),
            ("plain text", "plain text"),
            (7, 7),
        ):
            ex = jsonata({"P": {"Type": "Pass", "Output": output, "End": True}}).run({"x": None})
            assert ex.output == expected

    def test_parallel_arguments_go_to_every_branch_and_output_sees_the_results(self) -> None:
        sm = jsonata(
            {
                "Both": {
                    "Type": "Parallel",
                    "Arguments": {"n": "{% $states.input.n %}"},
                    "Branches": [
                        {
                            "StartAt": "Double",
                            "States": {
                                "Double": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}
                            },
                        },
                        {
                            "StartAt": "Square",
                            "States": {
                                "Square": {
                                    "Type": "Pass",
                                    "Output": "{% $states.input.n * $states.input.n %}",
                                    "End": True,
                                }
                            },
                        },
                    ],
                    "Output": {
                        "each": "{% $states.result %}",
                        "sum": "{% $sum($states.result) %}",
                        "kept": "{% $states.input.keep %}",
                    },
                    "End": True,
                }
            }
        )
        assert sm.run({"n": 5, "keep": "k"}).output == {"each": [10, 25], "sum": 35, "kept": "k"}

    def test_map_output_sees_the_collected_results(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": "{% $states.input.xs %}",
                    "ItemProcessor": {
                        "StartAt": "Inc",
                        "States": {"Inc": {"Type": "Pass", "Output": "{% $states.input + 1 %}", "End": True}},
                    },
                    "Output": {"all": "{% $states.result %}", "max": "{% $max($states.result) %}"},
                    "End": True,
                }
            }
        )
        assert sm.run({"xs": [4, 9, 2]}).output == {"all": [5, 10, 3], "max": 10}

    def test_wait_and_succeed_outputs(self) -> None:
        sm = jsonata(
            {
                "Nap": {"Type": "Wait", "Seconds": 1, "Output": {"slept": True}, "Next": "Done"},
                "Done": {"Type": "Succeed", "Output": {"was": "{% $states.input %}"}},
            }
        )
        assert sm.run({"x": 1}).output == {"was": {"slept": True}}

    def test_expressions_nested_in_objects_and_arrays_are_evaluated_in_place(self) -> None:
        sm = jsonata(
            {
                "P": {
                    "Type": "Pass",
                    "Output": {
                        "list": [
                            "{% $states.input.a %}",
                            {"deeper": "{% $states.input.a + 1 %}"},
                            "literal",
                            3,
                        ],
                        "object": {"inner": {"x": "{% $string($states.input.a) %}", "y": None}},
                        "text": "100% {% not evaluated %}",
                        "compact": "{%$states.input.a%}",
                    },
                    "End": True,
                }
            }
        )
        assert sm.run({"a": 1}).output == {
            "list": [1, {"deeper": 2}, "literal", 3],
            "object": {"inner": {"x": "1", "y": None}},
            "text": "100% {% not evaluated %}",
            "compact": 1,
        }

    def test_arguments_nested_arrays_reach_the_handler(self) -> None:
        received, handler = recorder()
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "R",
                    "Arguments": {"pairs": [["{% $states.input.k %}", "{% $states.input.v %}"], ["z", 0]]},
                    "End": True,
                }
            }
        )
        sm.run({"k": "a", "v": [True]}, resources={"R": handler})
        assert received == [{"pairs": [["a", [True]], ["z", 0]]}]


# ----------------------------------------------------------------------------- $states


class TestStatesBinding:
    def test_states_input_is_the_raw_state_input(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": "{% $states.input %}", "End": True}})
        assert sm.run([1, {"a": None}]).output == [1, {"a": None}]

    def test_states_context_follows_the_execution_and_the_state(self) -> None:
        sm = jsonata(
            {
                "Sleep": {"Type": "Wait", "Seconds": 61, "Next": "Look"},
                "Look": {
                    "Type": "Pass",
                    "Output": {
                        "name": "{% $states.context.Execution.Name %}",
                        "input": "{% $states.context.Execution.Input %}",
                        "started": "{% $states.context.Execution.StartTime %}",
                        "state": "{% $states.context.State.Name %}",
                        "entered": "{% $states.context.State.EnteredTime %}",
                    },
                    "End": True,
                },
            }
        )
        ex = sm.run({"i": 1}, name="run-1", start_time=EPOCH)
        assert ex.output == {
            "name": "run-1",
            "input": {"i": 1},
            "started": "2024-03-01T12:00:00.000Z",
            "state": "Look",
            "entered": "2024-03-01T12:01:01.000Z",
        }

    def test_states_context_in_task_arguments_has_the_state_name(self) -> None:
        received, handler = recorder()
        sm = jsonata(
            {
                "Lookup": {
                    "Type": "Task",
                    "Resource": LAMBDA + "R",
                    "Arguments": {"from": "{% $states.context.State.Name %}"},
                    "End": True,
                }
            }
        )
        sm.run({}, resources={"R": handler})
        assert received == [{"from": "Lookup"}]

    def test_catcher_output_and_assign_see_the_error_output_and_the_input(self) -> None:
        def reject(event: Any) -> Any:
            raise TaskFailed("Order.Rejected", "no stock")

        sm = jsonata(
            {
                "Order": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Reject",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Output": {
                                "error": "{% $states.errorOutput.Error %}",
                                "cause": "{% $states.errorOutput.Cause %}",
                                "id": "{% $states.input.id %}",
                            },
                            "Assign": {"failure": "{% $states.errorOutput %}"},
                            "Next": "Report",
                        }
                    ],
                    "End": True,
                },
                "Report": {
                    "Type": "Pass",
                    "Output": {"in": "{% $states.input %}", "var": "{% $failure %}"},
                    "End": True,
                },
            }
        )
        ex = sm.run({"id": 7}, resources={"Reject": reject})
        assert ex.output == {
            "in": {"error": "Order.Rejected", "cause": "no stock", "id": 7},
            "var": {"Error": "Order.Rejected", "Cause": "no stock"},
        }
        assert exited(ex, "Order")["assignedVariables"] == {
            "failure": '{"Error":"Order.Rejected","Cause":"no stock"}'
        }

    def test_a_catcher_without_output_passes_the_error_output_on(self) -> None:
        def fail(event: Any) -> Any:
            raise TaskFailed("E", "c")

        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "F",
                    "Catch": [{"ErrorEquals": ["E"], "Next": "After"}],
                    "End": True,
                },
                "After": {"Type": "Pass", "End": True},
            }
        )
        assert sm.run({"x": 1}, resources={"F": fail}).output == {"Error": "E", "Cause": "c"}

    def test_states_result_is_refused_in_arguments(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata(
                {
                    "T": {
                        "Type": "Task",
                        "Resource": LAMBDA + "R",
                        "Arguments": {"r": "{% $states.result %}"},
                        "End": True,
                    }
                }
            )
        assert [d.code for d in info.value.diagnostics] == ["INVALID_STATES_REFERENCE"]

    def test_states_error_output_is_refused_outside_a_catcher(self) -> None:
        with pytest.raises(DefinitionError) as info:
            jsonata({"P": {"Type": "Pass", "Output": "{% $states.errorOutput %}", "End": True}})
        assert [d.code for d in info.value.diagnostics] == ["INVALID_STATES_REFERENCE"]


# ----------------------------------------------------------------------------- Choice


def choice_machine(choice: dict[str, Any]) -> StateMachine:
    return jsonata(
        {
            "Pick": {"Type": "Choice", **choice},
            "Big": {"Type": "Pass", "Output": {"went": "Big", "got": "{% $states.input %}"}, "End": True},
            "Small": {"Type": "Pass", "Output": {"went": "Small", "got": "{% $states.input %}"}, "End": True},
        }
    )


class TestChoice:
    def test_the_first_true_condition_wins(self) -> None:
        sm = choice_machine(
            {
                "Choices": [
                    {"Condition": "{% $states.input.n > 100 %}", "Next": "Big"},
                    {"Condition": "{% $states.input.n > 10 %}", "Next": "Small"},
                    {"Condition": True, "Next": "Big"},
                ]
            }
        )
        assert sm.run({"n": 50}).output == {"went": "Small", "got": {"n": 50}}
        assert sm.run({"n": 500}).output == {"went": "Big", "got": {"n": 500}}
        assert sm.run({"n": 5}).output == {"went": "Big", "got": {"n": 5}}

    def test_a_matched_rule_output_becomes_the_state_output(self) -> None:
        sm = choice_machine(
            {
                "Choices": [
                    {
                        "Condition": "{% $states.input.n > 10 %}",
                        "Output": {"excess": "{% $states.input.n - 10 %}"},
                        "Next": "Big",
                    }
                ],
                "Default": "Small",
                "Output": "default output",
            }
        )
        ex = sm.run({"n": 15})
        assert ex.output == {"went": "Big", "got": {"excess": 5}}
        assert exited(ex, "Pick")["output"] == '{"excess":5}'

    def test_the_state_output_applies_when_no_rule_matches(self) -> None:
        sm = choice_machine(
            {
                "Choices": [{"Condition": "{% $states.input.n > 10 %}", "Output": "rule", "Next": "Big"}],
                "Default": "Small",
                "Output": {"fallback": "{% $states.input.n %}"},
            }
        )
        assert sm.run({"n": 3}).output == {"went": "Small", "got": {"fallback": 3}}

    def test_a_matched_rule_assign_is_recorded_on_the_choice_exit(self) -> None:
        sm = choice_machine(
            {
                "Choices": [
                    {
                        "Condition": "{% $states.input.n > 10 %}",
                        "Assign": {"size": "large", "seen": "{% $states.input.n %}"},
                        "Next": "Big",
                    }
                ],
                "Default": "Small",
            }
        )
        ex = sm.run({"n": 11})
        assert exited(ex, "Pick")["assignedVariables"] == {"size": '"large"', "seen": "11"}
        assert exited(ex, "Pick")["output"] == '{"n":11}'

    def test_a_matched_rule_without_output_passes_the_input_through(self) -> None:
        sm = choice_machine(
            {
                "Choices": [{"Condition": "{% $states.input.n > 10 %}", "Next": "Big"}],
                "Default": "Small",
                "Output": "only for the default",
            }
        )
        assert sm.run({"n": 50}).output == {"went": "Big", "got": {"n": 50}}

    def test_no_match_and_no_default(self) -> None:
        sm = choice_machine({"Choices": [{"Condition": "{% $states.input.n > 10 %}", "Next": "Big"}]})
        ex = sm.run({"n": 1})
        assert (ex.status, ex.error) == ("FAILED", "States.NoChoiceMatched")
        assert ex.cause == located("Pick", 2, "No Choice Rule matched and no Default was specified.")

    def test_a_condition_that_is_not_a_boolean_names_its_rule(self) -> None:
        sm = choice_machine(
            {
                "Choices": [
                    {"Condition": "{% false %}", "Next": "Big"},
                    {"Condition": "{% $states.input.word %}", "Next": "Small"},
                ]
            }
        )
        ex = sm.run({"word": "yes"})
        assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
        assert ex.cause == located(
            "Pick",
            2,
            "The JSONata expression '$states.input.word' specified for the field 'Choices[1]/Condition' returned "
            "an unexpected result type. Expected 'boolean', but was 'string' for value: \"yes\"",
        )
        assert evaluation_failures(ex)[0]["location"] == "Choices[1]/Condition"

    def test_an_undefined_condition_names_its_rule(self) -> None:
        sm = choice_machine(
            {"Choices": [{"Condition": "{% $states.input.flag %}", "Next": "Big"}], "Default": "Small"}
        )
        ex = sm.run({})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located("Pick", 2, undefined("$states.input.flag", "Choices[0]/Condition"))

    def test_rules_after_the_match_are_not_evaluated(self) -> None:
        sm = choice_machine(
            {
                "Choices": [
                    {"Condition": "{% true %}", "Next": "Big"},
                    {"Condition": "{% $error('never evaluated') %}", "Next": "Small"},
                ]
            }
        )
        assert sm.run({}).output == {"went": "Big", "got": {}}


# ----------------------------------------------------------------------------- Wait and Fail


class TestWaitAndFail:
    def test_seconds_expression_advances_the_virtual_clock(self) -> None:
        sm = jsonata({"W": {"Type": "Wait", "Seconds": "{% $states.input.delay * 60 %}", "End": True}})
        ex = sm.run({"delay": 2}, start_time=EPOCH)
        assert ex.status == "SUCCEEDED"
        assert ex.stop_date == EPOCH + timedelta(minutes=2)

    def test_timestamp_expression(self) -> None:
        sm = jsonata({"W": {"Type": "Wait", "Timestamp": "{% $states.input.until %}", "End": True}})
        ex = sm.run({"until": "2024-03-01T12:30:00Z"}, start_time=EPOCH)
        assert ex.stop_date == EPOCH + timedelta(minutes=30)

    def test_timestamp_built_from_the_context(self) -> None:
        # an hour after the state was entered, computed in the expression
        sm = jsonata(
            {
                "W": {
                    "Type": "Wait",
                    "Timestamp": "{% $fromMillis($toMillis($states.context.State.EnteredTime) + 3600000) %}",
                    "End": True,
                }
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        assert ex.stop_date == EPOCH + timedelta(hours=1)

    def test_seconds_must_be_an_integer(self) -> None:
        sm = jsonata({"W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": True}})
        ex = sm.run({"s": "ten"}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
        assert ex.cause == located(
            "W",
            2,
            "The JSONata expression '$states.input.s' specified for the field 'Seconds' returned an unexpected "
            "result type. Expected 'integer', but was 'string' for value: \"ten\"",
        )
        assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "EvaluationFailed", "ExecutionFailed"]

    def test_seconds_must_not_be_negative(self) -> None:
        sm = jsonata({"W": {"Type": "Wait", "Seconds": "{% 0 - $states.input.s %}", "End": True}})
        ex = sm.run({"s": 3}, start_time=EPOCH)
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located(
            "W",
            2,
            "The JSONata expression '0 - $states.input.s' specified for the field 'Seconds' returned a negative "
            "value: -3",
        )

    def test_a_timestamp_that_does_not_parse(self) -> None:
        sm = jsonata({"W": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True}})
        ex = sm.run({"at": "2016-13-05T21:29:29Z"}, start_time=EPOCH)
        message = (
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            "2016-13-05T21:29:29Z"
        )
        assert (ex.error, ex.cause) == ("States.QueryEvaluationError", located("W", 2, message))
        assert evaluation_failures(ex) == [
            {
                "error": "States.QueryEvaluationError",
                "cause": located("W", 2, message),
                "location": "Timestamp",
                "state": "W",
            }
        ]

    def test_fail_error_and_cause_expressions(self) -> None:
        sm = jsonata(
            {
                "F": {
                    "Type": "Fail",
                    "Error": "{% 'Order.' & $states.input.code %}",
                    "Cause": "{% 'order ' & $string($states.input.id) & ' was refused' %}",
                }
            }
        )
        ex = sm.run({"code": "Refused", "id": 12})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Order.Refused", "order 12 was refused")
        assert ex.events[-1]["executionFailedEventDetails"] == {
            "error": "Order.Refused",
            "cause": "order 12 was refused",
        }

    def test_fail_error_must_be_a_string(self) -> None:
        ex = jsonata({"F": {"Type": "Fail", "Error": "{% $states.input.code %}"}}).run({"code": 42})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located(
            "F",
            2,
            "The JSONata expression '$states.input.code' specified for the field 'Error' returned an unexpected "
            "result type. Expected 'string', but was 'number' for value: 42",
        )
        assert evaluation_failures(ex)[0]["location"] == "Error"

    def test_fail_cause_that_is_undefined(self) -> None:
        ex = jsonata({"F": {"Type": "Fail", "Error": "E", "Cause": "{% $states.input.why %}"}}).run({})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located("F", 2, undefined("$states.input.why", "Cause"))


# ----------------------------------------------------------------------------- Map and TimeoutSeconds


def processor(**state: Any) -> dict[str, Any]:
    return {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True, **state}}}


class TestMapFields:
    def test_items_expression(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": "{% $states.input.orders[qty > 1].sku %}",
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        orders = [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}, {"sku": "c", "qty": 5}]
        ex = sm.run({"orders": orders})
        assert ex.output == ["a", "c"]
        started = next(e for e in ex.events if e["type"] == "MapStateStarted")
        assert started["mapStateStartedEventDetails"] == {"length": 2}

    def test_literal_items(self) -> None:
        sm = jsonata(
            {"Each": {"Type": "Map", "Items": [3, "x", None], "ItemProcessor": processor(), "End": True}}
        )
        assert sm.run({"ignored": 1}).output == [3, "x", None]

    def test_items_default_to_the_state_input(self) -> None:
        sm = jsonata({"Each": {"Type": "Map", "ItemProcessor": processor(), "End": True}})
        assert sm.run([1, 2]).output == [1, 2]

    def test_items_that_are_not_an_array(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": "{% $states.input.n %}",
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        ex = sm.run({"n": 1})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located(
            "Each",
            2,
            "The JSONata expression '$states.input.n' specified for the field 'Items' returned an unexpected "
            "result type. Expected 'array', but was 'number' for value: 1",
        )
        assert evaluation_failures(ex)[0]["location"] == "Items"

    def test_item_selector_sees_the_map_item_and_the_state_input(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": "{% $states.input.orders %}",
                    "ItemSelector": {
                        "position": "{% $states.context.Map.Item.Index %}",
                        "sku": "{% $states.context.Map.Item.Value.sku %}",
                        "currency": "{% $states.input.currency %}",
                        "fixed": [1, "{% $states.context.Map.Item.Index * 10 %}"],
                    },
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        ex = sm.run({"orders": [{"sku": "a"}, {"sku": "b"}], "currency": "EUR"})
        assert ex.output == [
            {"position": 0, "sku": "a", "currency": "EUR", "fixed": [1, 0]},
            {"position": 1, "sku": "b", "currency": "EUR", "fixed": [1, 10]},
        ]

    def test_item_selector_error_names_the_field(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [1],
                    "ItemSelector": {"v": "{% $states.context.Map.Item.Value.nope %}"},
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        ex = sm.run({})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located(
            "Each", 2, undefined("$states.context.Map.Item.Value.nope", "ItemSelector/v")
        )

    def test_max_concurrency_expression_runs_iterations_one_at_a_time(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [1, 2, 3],
                    "MaxConcurrency": "{% $states.input.limit %}",
                    "ItemProcessor": processor(Type="Wait", Seconds=10),
                    "End": True,
                }
            }
        )
        one_at_a_time = sm.run({"limit": 1}, start_time=EPOCH)
        assert one_at_a_time.output == [1, 2, 3]
        iterations = [
            (
                e["type"],
                (e.get("mapIterationStartedEventDetails") or e["mapIterationSucceededEventDetails"])["index"],
            )
            for e in one_at_a_time.events
            if e["type"] in ("MapIterationStarted", "MapIterationSucceeded")
        ]
        # each iteration ends before the next one starts
        assert iterations == [
            ("MapIterationStarted", 0),
            ("MapIterationSucceeded", 0),
            ("MapIterationStarted", 1),
            ("MapIterationSucceeded", 1),
            ("MapIterationStarted", 2),
            ("MapIterationSucceeded", 2),
        ]
        assert one_at_a_time.duration == timedelta(seconds=30)
        all_at_once = sm.run({"limit": 0}, start_time=EPOCH)
        assert all_at_once.duration == timedelta(seconds=10)

    def test_max_concurrency_that_is_not_a_number(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [1],
                    "MaxConcurrency": "{% $states.input.limit %}",
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        ex = sm.run({"limit": "two"})
        assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
        # AWS's wording for this case is not recorded; only the state prefix is checked
        assert ex.cause.startswith(located("Each", 2, ""))
        assert types(ex) == [
            "ExecutionStarted",
            "MapStateEntered",
            "EvaluationFailed",
            "MapStateFailed",
            "ExecutionFailed",
        ]

    def test_a_negative_tolerated_failure_percentage_is_a_query_evaluation_error(self) -> None:
        sm = jsonata(
            {
                "Each": {
                    "Type": "Map",
                    "Items": [1],
                    "ToleratedFailurePercentage": "{% $states.input.pct %}",
                    "ItemProcessor": processor(),
                    "End": True,
                }
            }
        )
        assert sm.run({"pct": -5}).error == "States.QueryEvaluationError"


class TestTimeoutSeconds:
    def test_timeout_seconds_expression_is_scheduled_with_the_task(self) -> None:
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "TimeoutSeconds": "{% $states.input.limit * 2 %}",
                    "End": True,
                }
            }
        )
        ex = sm.run({"limit": 5}, resources={"Echo": echo})
        scheduled = next(e for e in ex.events if e["type"] == "LambdaFunctionScheduled")
        assert scheduled["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"] == 10

    def test_timeout_seconds_expression_times_the_task_out(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(30)
            return "late"

        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Slow",
                    "TimeoutSeconds": "{% $states.input.limit %}",
                    "End": True,
                }
            }
        )
        ex = sm.run({"limit": 20}, resources={"Slow": slow}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
        assert "LambdaFunctionTimedOut" in types(ex)
        assert ex.stop_date == EPOCH + timedelta(seconds=20)

    def test_timeout_seconds_that_is_a_string_is_a_query_evaluation_error(self) -> None:
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "TimeoutSeconds": "{% $states.input.name %}",
                    "End": True,
                }
            }
        )
        ex = sm.run({"name": "abc"}, resources={"Echo": echo})
        assert ex.error == "States.QueryEvaluationError"


# ----------------------------------------------------------------------------- States.QueryEvaluationError


class TestQueryEvaluationError:
    def test_an_expression_that_returns_nothing(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": {"v": "{% $states.input.missing %}"}, "End": True}})
        ex = sm.run({"a": 1})
        cause = located("P", 2, undefined("$states.input.missing", "Output/v"))
        assert (ex.status, ex.error, ex.cause, ex.output) == (
            "FAILED",
            "States.QueryEvaluationError",
            cause,
            None,
        )
        assert types(ex) == ["ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"]
        failed = ex.events[2]
        assert failed["previousEventId"] == 2
        assert failed["evaluationFailedEventDetails"] == {
            "error": "States.QueryEvaluationError",
            "cause": cause,
            "location": "Output/v",
            "state": "P",
        }
        assert ex.events[3]["executionFailedEventDetails"] == {
            "error": "States.QueryEvaluationError",
            "cause": cause,
        }

    def test_an_expression_that_throws(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": {"v": "{% $states.input.name + 1 %}"}, "End": True}})
        ex = sm.run({"name": "ada"})
        assert ex.error == "States.QueryEvaluationError"
        assert ex.cause == located(
            "P",
            2,
            "The JSONata expression '$states.input.name + 1' specified for the field 'Output/v' threw an error "
            'during evaluation. T2001: The left side of the "+" operator must evaluate to a number',
        )
        assert evaluation_failures(ex)[0]["location"] == "Output/v"

    def test_a_failed_cast_throws_with_its_code(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": "{% $number($states.input.s) %}", "End": True}})
        ex = sm.run({"s": "x"})
        assert ex.cause == located(
            "P",
            2,
            "The JSONata expression '$number($states.input.s)' specified for the field 'Output' threw an error "
            'during evaluation. D3030: Unable to cast value to a number: "x"',
        )

    def test_eval_is_not_available(self) -> None:
        ex = jsonata({"P": {"Type": "Pass", "Output": "{% $eval('1 + 1') %}", "End": True}}).run({})
        assert ex.cause == located(
            "P",
            2,
            "The JSONata expression '$eval('1 + 1')' specified for the field 'Output' threw an error during "
            "evaluation. T1006: Attempted to invoke a non-function",
        )

    def test_the_event_id_in_the_cause_is_the_failing_states_entry(self) -> None:
        sm = jsonata(
            {
                "One": {"Type": "Pass", "Next": "Two"},
                "Two": {"Type": "Pass", "Next": "Three"},
                "Three": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True},
            }
        )
        ex = sm.run({})
        assert ex.cause == located("Three", 6, undefined("$doesNotExist", "Output/result"))
        assert evaluation_failures(ex)[0]["state"] == "Three"

    def test_array_elements_are_named_by_index(self) -> None:
        sm = jsonata(
            {"P": {"Type": "Pass", "Output": {"list": [1, {"k": "{% $states.input.none %}"}]}, "End": True}}
        )
        ex = sm.run({})
        assert ex.cause == located("P", 2, undefined("$states.input.none", "Output/list[1]/k"))
        assert evaluation_failures(ex)[0]["location"] == "Output/list[1]/k"

    def test_task_arguments_fail_before_the_task_is_scheduled(self) -> None:
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "Arguments": {"a": "{% $states.input.absent %}"},
                    "End": True,
                }
            }
        )
        ex = sm.run({}, resources={"Echo": echo})
        assert types(ex) == ["ExecutionStarted", "TaskStateEntered", "EvaluationFailed", "ExecutionFailed"]
        assert ex.cause == located("T", 2, undefined("$states.input.absent", "Arguments/a"))

    def test_a_catcher_can_catch_a_failed_output_expression(self) -> None:
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "Output": {"v": "{% $states.result.nope %}"},
                    "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({"id": 7}, resources={"Echo": echo})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {
            "Error": "States.QueryEvaluationError",
            "Cause": located("T", 2, undefined("$states.result.nope", "Output/v")),
        }
        assert types(ex)[4:7] == ["LambdaFunctionSucceeded", "EvaluationFailed", "TaskStateExited"]

    def test_a_retrier_retries_a_failed_arguments_expression(self) -> None:
        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Echo",
                    "Arguments": {"v": "{% $states.input.nope %}"},
                    "Retry": [
                        {
                            "ErrorEquals": ["States.QueryEvaluationError"],
                            "MaxAttempts": 2,
                            "IntervalSeconds": 3,
                        }
                    ],
                    "End": True,
                }
            }
        )
        ex = sm.run({}, resources={"Echo": echo}, start_time=EPOCH)
        assert ex.error == "States.QueryEvaluationError"
        assert types(ex).count("EvaluationFailed") == 3
        assert ex.stop_date == EPOCH + timedelta(seconds=3 + 6)

    def test_a_failing_catcher_output_names_the_catcher(self) -> None:
        def fail(event: Any) -> Any:
            raise TaskFailed("Boom", "bad")

        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Catch": [
                        {"ErrorEquals": ["Other"], "Next": "After"},
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Output": {"v": "{% $states.errorOutput.nope %}"},
                            "Next": "After",
                        },
                    ],
                    "End": True,
                },
                "After": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({}, resources={"Fail": fail})
        assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
        assert ex.cause == located("T", 2, undefined("$states.errorOutput.nope", "Catch[1]/Output/v"))
        assert evaluation_failures(ex) == [
            {
                "error": "States.QueryEvaluationError",
                "cause": ex.cause,
                "location": "Catch[1]/Output/v",
                "state": "T",
            }
        ]

    def test_a_failing_catcher_assign_names_the_catcher(self) -> None:
        def fail(event: Any) -> Any:
            raise TaskFailed("Boom", "bad")

        sm = jsonata(
            {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Assign": {"v": "{% $states.errorOutput.nope %}"},
                            "Next": "After",
                        }
                    ],
                    "End": True,
                },
                "After": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({}, resources={"Fail": fail})
        assert ex.cause == located("T", 2, undefined("$states.errorOutput.nope", "Catch[0]/Assign/v"))
        assert evaluation_failures(ex)[0]["location"] == "Catch[0]/Assign/v"


# ----------------------------------------------------------------------------- AWS's functions and the clock


class TestFunctionsInARun:
    def test_partition_range_hash_and_parse(self) -> None:
        sm = jsonata(
            {
                "P": {
                    "Type": "Pass",
                    "Output": {
                        "chunks": "{% $partition($states.input.xs, 2) %}",
                        "evens": "{% $range(0, 6, 2) %}",
                        "sha1": "{% $hash($states.input.word, 'SHA-1') %}",
                        "parsed": "{% $parse($states.input.text).a %}",
                    },
                    "End": True,
                }
            }
        )
        ex = sm.run({"xs": [1, 2, 3, 4, 5], "word": "input", "text": '{"a": [1, {"b": null}]}'})
        assert ex.output == {
            "chunks": [[1, 2], [3, 4], [5]],
            "evens": [0, 2, 4, 6],
            "sha1": "140f86aae51ab9e1cda9b4254fe98a74eb54c1a1",
            "parsed": [1, {"b": None}],
        }

    def test_seeded_random_is_javas_next_double(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": "{% $random(42) %}", "End": True}})
        assert sm.run({}).output == 0.7275636800328681

    def test_uuid_and_unseeded_random_follow_the_runs_seed(self) -> None:
        sm = jsonata(
            {"P": {"Type": "Pass", "Output": {"id": "{% $uuid() %}", "r": "{% $random() %}"}, "End": True}}
        )
        one = sm.run({}, seed=7).output
        two = sm.run({}, seed=7).output
        other = sm.run({}, seed=8).output
        assert one == two
        assert one != other
        assert uuid.UUID(one["id"]).version == 4
        assert 0 <= one["r"] < 1

    def test_now_and_millis_follow_the_virtual_clock(self) -> None:
        sm = jsonata(
            {
                "Nap": {"Type": "Wait", "Seconds": 90, "Next": "Stamp"},
                "Stamp": {
                    "Type": "Pass",
                    "Output": {"now": "{% $now() %}", "ms": "{% $millis() %}"},
                    "End": True,
                },
            }
        )
        ex = sm.run({}, start_time=EPOCH)
        after = EPOCH + timedelta(seconds=90)
        assert ex.output == {"now": "2024-03-01T12:01:30.000Z", "ms": int(after.timestamp() * 1000)}

    def test_now_at_the_start(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": "{% $now() %}", "End": True}})
        assert sm.run({}, start_time=EPOCH).output == "2024-03-01T12:00:00.000Z"

    def test_an_expression_defining_a_local_variable(self) -> None:
        sm = jsonata(
            {
                "P": {
                    "Type": "Pass",
                    "Output": "{% ($product := function($x, $y) { $x * $y }; $reduce([1..5], $product)) %}",
                    "End": True,
                }
            }
        )
        assert sm.run({}).output == 120

    def test_the_history_holds_the_evaluated_json_text(self) -> None:
        sm = jsonata({"P": {"Type": "Pass", "Output": {"q": "{% 1 / 4 %}", "s": "{% 1 + 2 %}"}, "End": True}})
        ex = sm.run({})
        assert exited(ex, "P")["output"] == '{"q":0.25,"s":3}'
        assert json.loads(ex.events[-1]["executionSucceededEventDetails"]["output"]) == {"q": 0.25, "s": 3}
