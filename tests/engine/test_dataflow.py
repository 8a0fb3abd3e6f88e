"""Tests for sfn_notebook.engine.dataflow: InputPath → Parameters → ResultSelector → ResultPath → OutputPath.

The pure functions are tested directly; Parameters/ResultSelector templates and the error messages
(which carry AWS's "An error occurred while executing the state ..." prefix) through short runs.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfn_notebook import StateMachine
from sfn_notebook._json import MISSING
from sfn_notebook.engine import dataflow as df
from sfn_notebook.errors import StatesError
from sfn_notebook.paths.jsonpath import compile_path
from tests.engine.helpers import LAMBDA, json_scalars, json_values, located, machine

# ----------------------------------------------------------------------------- helpers

json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=5)

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pass_state(input_value: Any, **fields: Any) -> Any:
    """Run a one-state Pass machine and return the execution."""
    return machine({"P": {"Type": "Pass", **fields, "End": True}}).run(input_value, start_time=0)


class FakeEnv:
    """The minimal dataflow.Env: a context object, variables and a random source."""

    def __init__(
        self, context: dict[str, Any] | None = None, variables: dict[str, Any] | None = None
    ) -> None:
        self._context = context or {}
        self._variables = variables or {}
        self.rng = random.Random(0)

    def context(self) -> dict[str, Any]:
        return self._context

    def variable(self, name: str) -> Any:
        return self._variables[name]


# ----------------------------------------------------------------------------- the pure functions


class TestInputAndOutputPath:
    @pytest.mark.parametrize("apply", [df.apply_input_path, df.apply_output_path])
    def test_absent_passes_the_whole_value_through(self, apply: Any) -> None:
        value = {"a": [1, 2]}
        assert apply(MISSING, value) is value

    @pytest.mark.parametrize("apply", [df.apply_input_path, df.apply_output_path])
    def test_null_gives_an_empty_object(self, apply: Any) -> None:
        assert apply(None, {"a": 1}) == {}
        assert apply(None, [1, 2, 3]) == {}

    @pytest.mark.parametrize("apply", [df.apply_input_path, df.apply_output_path])
    def test_a_path_selects_a_node(self, apply: Any) -> None:
        assert apply(compile_path("$.order.items[1]"), {"order": {"items": ["x", "y"]}}) == "y"

    def test_dollar_dollar_reads_the_context(self) -> None:
        env = FakeEnv(context={"Execution": {"Name": "exec-7"}})
        assert df.apply_input_path(compile_path("$$.Execution.Name"), {"ignored": True}, env) == "exec-7"

    def test_a_missing_property_is_a_located_runtime_error(self) -> None:
        with pytest.raises(StatesError) as info:
            df.apply_input_path(compile_path("$.missing"), {"present": 1})
        err = info.value
        assert err.error == "States.Runtime"
        assert err.cause == "Invalid path '$.missing' : No results for path: $['missing']"
        assert err.locate is True

    def test_a_missing_intermediate_property_names_the_first_gap(self) -> None:
        with pytest.raises(StatesError) as info:
            df.apply_output_path(compile_path("$.first.second"), {"other": 1})
        assert info.value.cause == "Invalid path '$.first.second' : Missing property in path $['first']"


class TestResultPath:
    def test_absent_replaces_the_input_with_the_result(self) -> None:
        assert df.apply_result_path(MISSING, {"in": 1}, {"out": 2}) == {"out": 2}

    def test_null_discards_the_result(self) -> None:
        state_input = {"in": 1}
        assert df.apply_result_path(None, state_input, {"out": 2}) is state_input

    def test_dollar_replaces_everything(self) -> None:
        assert df.apply_result_path(compile_path("$"), {"in": 1}, [7]) == [7]

    def test_creates_missing_objects_along_the_path(self) -> None:
        out = df.apply_result_path(compile_path("$.a.b.c"), {"keep": True}, 5)
        assert out == {"keep": True, "a": {"b": {"c": 5}}}

    def test_overwrites_an_existing_key_and_keeps_siblings(self) -> None:
        out = df.apply_result_path(compile_path("$.a.x"), {"a": {"x": 1, "y": 2}}, "new")
        assert out == {"a": {"x": "new", "y": 2}}

    def test_does_not_modify_the_input(self) -> None:
        state_input = {"a": {"x": 1}, "b": [1]}
        before = copy.deepcopy(state_input)
        df.apply_result_path(compile_path("$.a.y"), state_input, {"z": 1})
        assert state_input == before

    @pytest.mark.parametrize("state_input", [{"a": "text"}, {"a": 3}, [1, 2], "scalar", None])
    def test_crossing_a_non_object_fails_with_result_path_match_failure(self, state_input: Any) -> None:
        with pytest.raises(StatesError) as info:
            df.apply_result_path(compile_path("$.a.b"), state_input, 1)
        err = info.value
        assert err.error == "States.ResultPathMatchFailure"
        assert "$.a.b" in (err.cause or "")
        assert err.locate is True


class TestResolvePath:
    def test_reads_the_document_the_context_and_variables(self) -> None:
        env = FakeEnv(context={"State": {"Name": "S"}}, variables={"limit": 10})
        assert df.resolve_path(compile_path("$.x"), {"x": 1}, env, "x.$") == 1
        assert df.resolve_path(compile_path("$$.State.Name"), {}, env, "n.$") == "S"
        assert df.resolve_path(compile_path("$limit"), {}, env, "l.$") == 10

    def test_a_missing_path_quotes_the_field_and_the_input(self) -> None:
        with pytest.raises(StatesError) as info:
            df.resolve_path(compile_path("$.nope"), {"k": [1, "two"]}, FakeEnv(), "value.$")
        assert info.value.error == "States.Runtime"
        assert info.value.cause == (
            "The JSONPath '$.nope' specified for the field 'value.$' could not be found in the input "
            '\'{"k":[1,"two"]}\''
        )


# ----------------------------------------------------------------------------- absent vs null in runs


class TestAbsentVersusNullInRuns:
    def test_input_path_null_gives_the_state_an_empty_object(self) -> None:
        ex = pass_state({"a": 1}, InputPath=None)
        assert ex.output == {}

    def test_output_path_null_gives_an_empty_object(self) -> None:
        ex = pass_state({"a": 1}, Result={"r": 2}, OutputPath=None)
        assert ex.output == {}

    def test_result_path_null_passes_the_raw_input_through(self) -> None:
        ex = pass_state({"a": 1}, Result={"r": 2}, ResultPath=None)
        assert ex.output == {"a": 1}

    def test_absent_result_path_replaces_the_input(self) -> None:
        ex = pass_state({"a": 1}, Result={"r": 2})
        assert ex.output == {"r": 2}

    def test_result_path_null_keeps_the_raw_input_even_with_an_input_path(self) -> None:
        ex = pass_state({"a": {"deep": 1}, "b": 2}, InputPath="$.a", ResultPath=None)
        assert ex.output == {"a": {"deep": 1}, "b": 2}

    def test_result_path_merges_into_the_raw_input_not_the_effective_input(self) -> None:
        ex = pass_state({"a": {"deep": 1}, "b": 2}, InputPath="$.a", ResultPath="$.copy")
        assert ex.output == {"a": {"deep": 1}, "b": 2, "copy": {"deep": 1}}

    def test_output_path_selects_after_result_path(self) -> None:
        ex = pass_state({"keep": 1}, Result={"v": [4, 5]}, ResultPath="$.r", OutputPath="$.r.v[1]")
        assert ex.output == 5


# ----------------------------------------------------------------------------- Parameters


class TestParameters:
    def test_paths_context_paths_nested_objects_arrays_and_literals(self) -> None:
        params = {
            "id.$": "$.order.id",
            "name.$": "$$.Execution.Name",
            "state.$": "$$.State.Name",
            "literal": "$.order.id",
            "nested": {"first.$": "$.order.lines[0]", "const": 3},
            "list": [{"inner.$": "$.order.id"}, "plain", [{"deeper.$": "$.flag"}]],
        }
        sm = machine({"Build": {"Type": "Pass", "Parameters": params, "End": True}})
        ex = sm.run({"order": {"id": "o-9", "lines": ["l1", "l2"]}, "flag": False}, name="run-42")
        assert ex.output == {
            "id": "o-9",
            "name": "run-42",
            "state": "Build",
            "literal": "$.order.id",
            "nested": {"first": "l1", "const": 3},
            "list": [{"inner": "o-9"}, "plain", [{"deeper": False}]],
        }

    def test_the_whole_execution_input_from_the_context(self) -> None:
        sm = machine(
            {
                "Shrink": {"Type": "Pass", "Result": "replaced", "Next": "Read"},
                "Read": {"Type": "Pass", "Parameters": {"original.$": "$$.Execution.Input"}, "End": True},
            }
        )
        assert sm.run({"k": [1, 2]}).output == {"original": {"k": [1, 2]}}

    def test_intrinsic_functions(self) -> None:
        params = {
            "greeting.$": "States.Format('Hi {}, you have {} items', $.who, $.n)",
            "pair.$": "States.Array($.who, $.n)",
            "total.$": "States.MathAdd($.n, 10)",
            "text.$": "States.JsonToString($.obj)",
        }
        ex = pass_state({"who": "Ann", "n": 3, "obj": {"a": 1}}, Parameters=params)
        assert ex.output == {
            "greeting": "Hi Ann, you have 3 items",
            "pair": ["Ann", 3],
            "total": 13,
            "text": '{"a":1}',
        }

    def test_parameters_apply_after_input_path(self) -> None:
        ex = pass_state({"outer": {"inner": 8}}, InputPath="$.outer", Parameters={"got.$": "$.inner"})
        assert ex.output == {"got": 8}

    def test_a_missing_path_fails_with_aws_message(self) -> None:
        ex = pass_state({"present": 1}, Parameters={"wanted.$": "$.absent"})
        assert ex.status == "FAILED"
        assert ex.error == "States.Runtime"
        assert ex.cause == located(
            "P",
            2,
            "The JSONPath '$.absent' specified for the field 'wanted.$' could not be found in the input "
            "'{\"present\":1}'",
        )

    def test_a_missing_context_path_also_fails(self) -> None:
        ex = pass_state({}, Parameters={"v.$": "$$.Execution.Input.nothing"})
        assert ex.error == "States.Runtime"
        assert "The JSONPath '$$.Execution.Input.nothing' specified for the field 'v.$'" in (ex.cause or "")

    def test_failure_history_is_entered_then_execution_failed(self) -> None:
        ex = pass_state({}, Parameters={"v.$": "$.none"})
        assert [e["type"] for e in ex.events] == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


# ----------------------------------------------------------------------------- ResultSelector


class TestResultSelector:
    def test_reshapes_the_task_result_before_result_path(self) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Lookup",
                    "ResultSelector": {"size.$": "$.body.size", "by.$": "$$.State.Name", "tag": "fixed"},
                    "ResultPath": "$.lookup",
                    "End": True,
                }
            }
        )
        ex = sm.run({"q": "z"}, resources={"Lookup": lambda event: {"body": {"size": 12}, "noise": [1]}})
        assert ex.output == {"q": "z", "lookup": {"size": 12, "by": "Call", "tag": "fixed"}}

    def test_paths_read_the_result_not_the_input(self) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Lookup",
                    "ResultSelector": {"v.$": "$.fromInput"},
                    "End": True,
                }
            }
        )
        ex = sm.run({"fromInput": 1}, resources={"Lookup": lambda event: {"other": 2}})
        assert ex.error == "States.Runtime"
        assert ex.cause == located(
            "Call",
            2,
            "The JSONPath '$.fromInput' specified for the field 'v.$' could not be found in the input "
            "'{\"other\":2}'",
        )


# ----------------------------------------------------------------------------- ResultPath in runs


class TestResultPathInRuns:
    def test_creates_nested_objects(self) -> None:
        ex = pass_state({"x": 1}, Result={"r": True}, ResultPath="$.a.b.c")
        assert ex.output == {"x": 1, "a": {"b": {"c": {"r": True}}}}

    def test_non_object_target_fails_with_result_path_match_failure(self) -> None:
        ex = pass_state({"a": "text"}, Result=1, ResultPath="$.a.b")
        assert ex.status == "FAILED"
        assert ex.error == "States.ResultPathMatchFailure"
        assert ex.cause is not None
        assert ex.cause.startswith(located("P", 2, ""))
        assert "$.a.b" in ex.cause

    @pytest.mark.parametrize("error_equals", [["States.ResultPathMatchFailure"], ["States.ALL"]])
    def test_result_path_match_failure_is_catchable(self, error_equals: list[str]) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fn",
                    "ResultPath": "$.a.b",
                    "Catch": [{"ErrorEquals": error_equals, "ResultPath": "$.problem", "Next": "Handled"}],
                    "End": True,
                },
                "Handled": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({"a": 5}, resources={"Fn": lambda event: "result"})
        assert ex.status == "SUCCEEDED"
        assert ex.output["a"] == 5
        assert ex.output["problem"]["Error"] == "States.ResultPathMatchFailure"


# ----------------------------------------------------------------------------- missing paths in runs


class TestMissingPaths:
    def test_input_path_no_results(self) -> None:
        ex = pass_state({"here": 0}, InputPath="$.gone")
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert ex.cause == located("P", 2, "Invalid path '$.gone' : No results for path: $['gone']")

    def test_output_path_missing_property(self) -> None:
        ex = pass_state({"here": 0}, OutputPath="$.outer.inner")
        assert ex.cause == located(
            "P", 2, "Invalid path '$.outer.inner' : Missing property in path $['outer']"
        )

    def test_the_event_id_in_the_prefix_is_the_states_entered_event(self) -> None:
        sm = machine(
            {
                "One": {"Type": "Pass", "Next": "Two"},
                "Two": {"Type": "Pass", "Next": "Three"},
                "Three": {"Type": "Pass", "InputPath": "$.nothing", "End": True},
            }
        )
        ex = sm.run({})
        entered = next(
            e["id"] for e in ex.events if e.get("stateEnteredEventDetails", {}).get("name") == "Three"
        )
        assert entered == 6
        assert ex.cause == located("Three", 6, "Invalid path '$.nothing' : No results for path: $['nothing']")


class TestStatesRuntimeIsFinal:
    def _task(self, **extra: Any) -> StateMachine:
        return machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fn",
                    "OutputPath": "$.not.there",
                    **extra,
                    "End": True,
                },
                "Handled": {"Type": "Pass", "End": True},
            }
        )

    @pytest.mark.parametrize("error_equals", [["States.ALL"], ["States.Runtime"], ["States.TaskFailed"]])
    def test_not_caught_even_when_named(self, error_equals: list[str]) -> None:
        sm = self._task(Catch=[{"ErrorEquals": error_equals, "Next": "Handled"}])
        ex = sm.run({}, resources={"Fn": lambda event: {}})
        assert ex.status == "FAILED"
        assert ex.error == "States.Runtime"
        assert [e["type"] for e in ex.events][-1] == "ExecutionFailed"
        assert not any(e["type"] == "PassStateEntered" for e in ex.events)

    def test_not_retried(self) -> None:
        calls: list[Any] = []
        sm = self._task(Retry=[{"ErrorEquals": ["States.Runtime"], "MaxAttempts": 3}])
        ex = sm.run({}, resources={"Fn": lambda event: calls.append(event) or {}})
        assert ex.error == "States.Runtime"
        assert len(calls) == 1
        assert sum(e["type"] == "LambdaFunctionScheduled" for e in ex.events) == 1


# ----------------------------------------------------------------------------- properties

IDENTITY = machine({"P": {"Type": "Pass", "InputPath": "$", "End": True}})
ROUND_TRIP = machine(
    {
        "P": {"Type": "Pass", "Parameters": {"v.$": "$$.Execution.Input.payload"}, "Next": "Q"},
        "Q": {"Type": "Pass", "End": True},
    }
)
DISCARD = machine({"P": {"Type": "Pass", "Result": {"junk": 1}, "ResultPath": None, "End": True}})


@PROPERTY
@given(json_values)
def test_input_path_dollar_is_the_identity(value: Any) -> None:
    assert IDENTITY.run(value).output == value
    assert df.apply_input_path(compile_path("$"), value) == value


@PROPERTY
@given(json_objects, json_values)
def test_result_path_then_output_path_on_the_same_key_gives_back_the_result(
    state_input: Any, result: Any
) -> None:
    sm = machine(
        {"P": {"Type": "Pass", "Result": result, "ResultPath": "$.k", "OutputPath": "$.k", "End": True}}
    )
    assert sm.run(state_input).output == result
    combined = df.apply_result_path(compile_path("$.k"), state_input, result)
    assert df.apply_output_path(compile_path("$.k"), combined) == result


@PROPERTY
@given(json_values)
def test_result_path_null_returns_the_input_unchanged(value: Any) -> None:
    assert DISCARD.run(value).output == value


@PROPERTY
@given(json_values)
def test_context_input_round_trips(value: Any) -> None:
    assert ROUND_TRIP.run({"payload": value}).output == {"v": value}


constant_keys = st.text(max_size=6).filter(lambda k: not k.endswith(".$"))
constant_templates = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(constant_keys, inner, max_size=3),
    max_leaves=8,
)


@PROPERTY
@given(st.dictionaries(constant_keys, constant_templates, max_size=4), json_values)
def test_parameters_without_dollar_keys_are_a_constant(template: dict[str, Any], value: Any) -> None:
    sm = machine({"P": {"Type": "Pass", "Parameters": template, "End": True}})
    assert sm.run(value).output == template
    assert sm.run({"different": True}).output == template


@PROPERTY
@given(json_objects, json_objects, json_values)
def test_result_path_never_modifies_its_input(
    inner: dict[str, Any], others: dict[str, Any], result: Any
) -> None:
    state_input = {**others, "a": inner}
    before = json.loads(json.dumps(state_input))
    out = df.apply_result_path(compile_path("$.a.b"), state_input, result)
    assert state_input == before
    assert out["a"]["b"] == result
