"""Tests for sfn_notebook/scratchpad.py: ex.evaluate against the data at a state visit or event,
for JSONPath and JSONata machines, local runs and executions known only from their history."""

from __future__ import annotations

import pytest

import sfn_notebook as sfn
from sfn_notebook.errors import PathError
from tests.builders import RecordedExecution, jsonata, machine, task

PRICES = machine(
    {
        "Start": {"Type": "Pass", "Assign": {"rate": 2, "currency.$": "$.currency"}, "Next": "Price"},
        "Price": task("price", ResultPath="$.price", Next="Each"),
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": True}}},
            "ResultPath": "$.lines",
            "Assign": {"rate": 3},
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    }
)
ORDER = {"currency": "EUR", "items": [{"sku": "a"}, {"sku": "b"}]}


@pytest.fixture
def ex() -> sfn.LocalExecution:
    run = PRICES.run(ORDER, resources={"price": lambda event: 10})
    assert run.succeeded
    return run


def test_jsonpath_against_a_states_input_and_output(ex: sfn.LocalExecution) -> None:
    assert ex.evaluate("$.currency") == "EUR"  # at=None: the execution's input
    assert ex.evaluate("$", at="Price") == ORDER
    assert ex.evaluate("$.price", at="Price", output=True) == 10
    assert ex.evaluate("$.lines[1].sku", at="Done") == "b"


def test_variables_are_those_in_scope_at_the_event(ex: sfn.LocalExecution) -> None:
    assert ex.evaluate("$rate", at="Price") == 2
    assert ex.evaluate("$currency", at="Price") == "EUR"
    assert ex.evaluate("$rate", at="Done") == 3  # the Map assigned it when it exited
    assert ex.evaluate("$rate", at="Each") == 2  # not yet while it ran
    with pytest.raises(sfn.StatesError, match=r"'\$rate' is not defined"):
        ex.evaluate("$rate", at="Start")


def test_the_context_object_at_a_state_visit(ex: sfn.LocalExecution) -> None:
    assert ex.evaluate("$$.State.Name", at="Price") == "Price"
    assert ex.evaluate("$$.State.RetryCount", at="Price", output=True) == 0
    assert ex.evaluate("$$.Execution.Name", at="Price") == ex.name
    assert ex.evaluate("$$.Execution.Input", at="Done") == ORDER
    assert ex.evaluate("$$.Map.Item.Index", at="Line", visit=1) == 1
    assert ex.evaluate("$$.Map.Item.Value", at="Line", visit=1) == {"sku": "b"}
    assert ex.evaluate("$.sku", at="Line", visit=-1) == "b"


def test_intrinsic_functions_see_the_same_data(ex: sfn.LocalExecution) -> None:
    assert ex.evaluate("States.Format('{} {}', $.price, $currency)", at="Each") == "10 EUR"
    assert ex.evaluate("States.ArrayLength($.items)", at="Price") == 2


def test_an_event_id_chooses_what_dollar_means(ex: sfn.LocalExecution) -> None:
    events = {e["type"]: e["id"] for e in ex.events}
    assert ex.evaluate("$", at=events["LambdaFunctionSucceeded"]) == 10  # the task's result
    assert ex.evaluate("$.price", at=events["TaskStateExited"]) == 10
    assert ex.evaluate("$.lines[0]", at=events["ExecutionSucceeded"]) == {"sku": "a"}
    assert ex.evaluate("$$.Execution.Name", at=events["ExecutionSucceeded"]) == ex.name


def test_jsonata_in_a_jsonata_machine_with_and_without_delimiters() -> None:
    sm = jsonata(
        {
            "Count": {"Type": "Pass", "Assign": {"seen": "{% $count($states.input.xs) %}"}, "Next": "Call"},
            "Call": task("call", Output="{% $states.result %}", End=True),
        }
    )

    def fail_once(event: object) -> object:
        raise sfn.TaskFailed("Nope", "not today")

    ex = sm.run({"xs": [1, 2, 3]}, resources={"call": lambda event: {"ok": True}})
    assert ex.evaluate("$states.input.xs[1]", at="Call") == 2
    assert ex.evaluate("{% $seen * 10 %}", at="Call") == 30
    assert ex.evaluate("$states.context.State.Name", at="Call") == "Call"
    result_event = next(e["id"] for e in ex.events if e["type"] == "LambdaFunctionSucceeded")
    assert ex.evaluate("$states.result.ok", at=result_event) is True
    failed = sm.run({"xs": []}, resources={"call": fail_once})
    failure = next(e["id"] for e in failed.events if e["type"] == "LambdaFunctionFailed")
    assert failed.evaluate("$states.errorOutput.Error", at=failure) == "Nope"
    assert ex.evaluate("$.xs", at="Call", language="JSONPath") == [1, 2, 3]


def test_an_execution_read_from_aws_is_evaluated_from_its_history(ex: sfn.LocalExecution) -> None:
    from_aws = RecordedExecution(ex, state_machine=PRICES)
    assert from_aws.evaluate("$rate", at="Done") == 3
    assert from_aws.evaluate("$$.Execution.Name", at="Price") == ex.name
    assert from_aws.evaluate("$$.StateMachine.Name", at="Price") == PRICES.name
    assert from_aws.evaluate("$$.Execution.StartTime", at="Price") == ex.evaluate(
        "$$.Execution.StartTime", at="Price"
    )


def test_misuse_is_a_python_error_and_a_failed_expression_a_states_error(ex: sfn.LocalExecution) -> None:
    with pytest.raises(ValueError, match="never entered a state named 'Nope'"):
        ex.evaluate("$", at="Nope")
    with pytest.raises(ValueError, match="entered 1 time"):
        ex.evaluate("$", at="Price", visit=3)
    with pytest.raises(ValueError, match="no event with id 999"):
        ex.evaluate("$", at=999)
    with pytest.raises(ValueError, match="neither a JSONPath"):
        ex.evaluate("price", at="Price")
    with pytest.raises(PathError):
        ex.evaluate("States.Nope($)", at="Price")
    with pytest.raises(sfn.StatesError, match="could not be found in the input"):
        ex.evaluate("$.missing", at="Price")
