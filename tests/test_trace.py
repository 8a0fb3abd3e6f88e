"""Tests for sfn_notebook.trace: the data-flow stages of every state visit, recorded by a local run
or rebuilt from a history and the definition."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.trace import STAGES, TRACE_COLUMNS, trace_frame, visit_traces
from tests.builders import RecordedExecution, asl, jsonata, task


def boom(event: Any) -> Any:
    raise TaskFailed("Bad", "it broke")


ORDER = StateMachine(
    asl(
        {
            "Charge": task(
                "Charge",
                InputPath="$.order",
                Parameters={"amount.$": "$.total", "currency": "EUR"},
                ResultSelector={"paid.$": "$.ok"},
                ResultPath="$.payment",
                OutputPath="$.payment",
                Next="Nap",
            ),
            "Nap": {"Type": "Wait", "Seconds": 5, "Next": "Notify"},
            "Notify": task(
                "Boom",
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.problem", "Next": "Done"}],
                End=True,
            ),
            "Done": {"Type": "Succeed"},
        }
    )
)
HANDLERS = {"Charge": lambda event: {"ok": event["amount"] * 10}, "Boom": boom}
INPUT = {"order": {"total": 2}}


def by_state(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["state"]: row for row in rows}


@pytest.fixture(scope="module")
def local() -> Any:
    ex = ORDER.run(INPUT, resources=HANDLERS)
    assert ex.status == "SUCCEEDED"
    return ex


# ----------------------------------------------------------------------------- a local run


def test_one_row_per_visit_in_history_order_with_every_column(local: Any) -> None:
    rows = visit_traces(local)
    assert [row["state"] for row in rows] == ["Charge", "Nap", "Notify", "Done"]
    assert all(list(row) == TRACE_COLUMNS for row in rows)
    ids = [row["entered_event_id"] for row in rows]
    assert ids == sorted(ids)
    assert all(local.events[i - 1]["type"].endswith("StateEntered") for i in ids)


def test_a_task_shows_each_stage_of_its_data_flow(local: Any) -> None:
    charge = by_state(visit_traces(local))["Charge"]
    assert (charge["type"], charge["status"]) == ("Task", "SUCCEEDED")
    assert charge["input"] == INPUT
    assert charge["afterInputPath"] == {"total": 2}
    assert charge["afterParameters"] == {"amount": 2, "currency": "EUR"}
    assert charge["result"] == {"ok": 20}
    assert charge["afterResultSelector"] == {"paid": 20}
    assert charge["afterResultPath"] == {**INPUT, "payment": {"paid": 20}}
    assert charge["output"] == {"paid": 20}
    assert charge["afterArguments"] is None  # a JSONPath state has Parameters, not Arguments


def test_a_caught_error_shows_the_error_and_what_the_catcher_passes_on(local: Any) -> None:
    notify = by_state(visit_traces(local))["Notify"]
    assert notify["status"] == "CAUGHT"
    assert (notify["error"], notify["cause"]) == ("Bad", "it broke")
    assert notify["errorOutput"] == {"Error": "Bad", "Cause": "it broke"}
    assert notify["result"] is None
    assert notify["output"] == {"paid": 20, "problem": {"Error": "Bad", "Cause": "it broke"}}


def test_states_that_transform_nothing_pass_their_input_through(local: Any) -> None:
    rows = by_state(visit_traces(local))
    for name in ("Nap", "Done"):
        assert rows[name]["afterInputPath"] == rows[name]["input"] == rows[name]["output"]
        assert rows[name]["afterParameters"] is None and rows[name]["result"] is None


def test_a_plain_pass_state_is_its_input_at_every_stage() -> None:
    ex = StateMachine(asl({"Echo": {"Type": "Pass", "End": True}})).run({"a": 1})
    [row] = visit_traces(ex)
    filled = [stage for stage in STAGES if row[stage] is not None]
    assert filled == ["input", "afterInputPath", "afterParameters", "result", "afterResultPath", "output"]
    assert all(row[stage] == {"a": 1} for stage in filled)


@pytest.mark.parametrize(
    "fields",
    [
        {"Result": {"ok": True}},
        {"Result": {"ok": True}, "ResultPath": "$.r"},
        {"Result": [1, {"n": None}], "ResultPath": "$.deep.er"},
        {"Result": "text", "ResultPath": None},
        {"ResultPath": "$.copy"},
        {"ResultPath": "$"},
        {"Result": 0, "ResultPath": "$.x"},  # a field replaced
    ],
)
def test_a_pass_state_with_only_result_fields_shows_the_stages_a_recording_would(
    fields: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # such a Pass's stages are worked out from the history and the definition, not recorded while
    # it runs; they are the stages the run records when asked to record every stage
    from sfn_notebook.engine.run import Run

    definition = asl({"P": {"Type": "Pass", **fields, "Next": "Q"}, "Q": {"Type": "Pass", "End": True}})
    derived = visit_traces(StateMachine(definition).run({"x": 1}))
    monkeypatch.setattr(Run, "derive_stages", False)
    recorded = visit_traces(StateMachine(definition).run({"x": 1}))
    assert derived == recorded
    assert derived[0]["result"] == fields.get("Result", {"x": 1})


def test_a_pass_state_records_its_input_path_before_its_parameters() -> None:
    sm = StateMachine(
        asl({"P": {"Type": "Pass", "InputPath": "$.order", "Parameters": {"n": 1}, "End": True}})
    )
    [row] = visit_traces(sm.run({"order": {"id": 7}}))
    assert row["afterInputPath"] == {"id": 7}
    assert row["afterParameters"] == {"n": 1}


def test_a_failed_visit_has_no_output_and_keeps_its_error() -> None:
    sm = StateMachine(asl({"Only": task("Boom", End=True)}))
    [row] = visit_traces(sm.run({"x": 1}, resources={"Boom": boom}))
    assert (row["status"], row["error"], row["cause"]) == ("FAILED", "Bad", "it broke")
    assert row["input"] == {"x": 1} and row["output"] is None


@pytest.mark.jsonata
def test_jsonata_states_show_arguments_and_the_variables_they_assign() -> None:
    sm = jsonata(
        {
            "Price": {
                "Type": "Pass",
                "Output": "{% $states.input.qty * 2 %}",
                "Assign": {"qty": "{% $states.input.qty %}"},
                "Next": "Charge",
            },
            "Charge": task(
                "Charge",
                Arguments={"amount": "{% $states.input %}"},
                Output="{% $states.result.ok %}",
                End=True,
            ),
        }
    )
    ex = sm.run({"qty": 3}, resources={"Charge": lambda event: {"ok": event["amount"] + 1}})
    rows = by_state(visit_traces(ex))
    assert rows["Price"]["variables"] == {"qty": 3}
    assert rows["Price"]["output"] == 6
    assert rows["Charge"]["afterArguments"] == {"amount": 6}
    assert rows["Charge"]["afterParameters"] is None
    assert rows["Charge"]["result"] == {"ok": 7}
    assert rows["Charge"]["output"] == 7

    rebuilt = by_state(visit_traces(RecordedExecution(ex, state_machine=sm)))
    assert rebuilt["Charge"]["afterArguments"] == {"amount": 6}  # the history's parameters, moved
    assert rebuilt["Charge"]["afterParameters"] is None
    assert rebuilt["Price"]["variables"] == {"qty": 3}  # from the exit event's assignedVariables


# ----------------------------------------------------------------------------- rebuilt from a history


def test_with_the_definition_every_jsonpath_stage_is_recomputed(local: Any) -> None:
    recorded = visit_traces(RecordedExecution(local, state_machine=ORDER))
    live = visit_traces(local)
    for was, now in zip(live, recorded):
        for column in TRACE_COLUMNS:
            if column != "errorOutput":  # the history does not keep what a catcher passes on
                assert now[column] == was[column], (now["state"], column)
    assert by_state(recorded)["Notify"]["errorOutput"] is None


def test_a_rebuilt_pass_state_applies_its_input_path_before_its_parameters() -> None:
    sm = StateMachine(
        asl(
            {
                "P": {
                    "Type": "Pass",
                    "InputPath": "$.order",
                    "Parameters": {"id.$": "$.id", "n": 2},
                    "ResultPath": "$.prepared",
                    "End": True,
                }
            }
        )
    )
    [row] = visit_traces(RecordedExecution(sm.run({"order": {"id": 7}}), state_machine=sm))
    assert row["afterInputPath"] == {"id": 7}
    assert row["afterParameters"] == row["result"] == {"id": 7, "n": 2}
    assert row["afterResultPath"] == row["output"] == {"order": {"id": 7}, "prepared": {"id": 7, "n": 2}}


def test_without_the_definition_only_what_the_history_shows_is_filled(local: Any) -> None:
    charge = by_state(visit_traces(RecordedExecution(local)))["Charge"]
    assert charge["input"] == INPUT
    assert charge["afterParameters"] == {"amount": 2, "currency": "EUR"}  # the function's input
    assert charge["result"] == {"ok": 20}
    assert charge["output"] == {"paid": 20}
    for stage in ("afterInputPath", "afterResultSelector", "afterResultPath"):
        assert charge[stage] is None, stage


def test_a_stage_that_cannot_be_recomputed_stays_empty() -> None:
    # the definition the history is read with does not fit it: InputPath finds nothing
    ran = StateMachine(asl({"Echo": {"Type": "Pass", "End": True}})).run({"a": 1})
    other = StateMachine(asl({"Echo": {"Type": "Pass", "InputPath": "$.missing", "End": True}}))
    [row] = visit_traces(RecordedExecution(ran, state_machine=other))
    assert row["input"] == row["output"] == {"a": 1}
    assert row["afterInputPath"] is None and row["afterResultPath"] is None


# ----------------------------------------------------------------------------- the table


@pytest.mark.pandas
def test_the_frame_has_one_row_per_visit_and_the_trace_columns(local: Any) -> None:
    frame = trace_frame(local)
    assert list(frame.columns) == TRACE_COLUMNS
    assert frame["state"].tolist() == ["Charge", "Nap", "Notify", "Done"]
    assert str(frame["entered_event_id"].dtype) == "int64"
    assert frame.loc[0, "afterResultSelector"] == {"paid": 20}
    assert local.trace()["state"].tolist() == frame["state"].tolist()


@pytest.mark.pandas
def test_an_empty_history_gives_an_empty_frame() -> None:
    class Unstarted(RecordedExecution):
        @property
        def events(self) -> list[dict[str, Any]]:
            return []

    ex = StateMachine(asl({"Echo": {"Type": "Pass", "End": True}})).run({})
    frame = trace_frame(Unstarted(ex))
    assert list(frame.columns) == TRACE_COLUMNS and len(frame) == 0


@pytest.mark.parametrize(
    ("definition", "stage", "path"),
    [
        (
            asl({"P": {"Type": "Pass", "Parameters": {"x": {"y": [1]}, "z.$": "$.a"}, "End": True}}),
            "afterParameters",
            ("x", "y"),
        ),
        (
            asl({"P": {"Type": "Pass", "Output": {"k": [1]}, "End": True}}, QueryLanguage="JSONata"),
            "output",
            ("k",),
        ),
    ],
)
def test_changing_a_stage_in_the_table_changes_nothing_the_machine_holds(
    definition: dict[str, Any], stage: str, path: tuple[str, ...]
) -> None:
    # a template's constants are the definition's own values; the table hands out copies
    sm = StateMachine(definition)
    before = json.loads(json.dumps(sm.run({"a": 1}).output))
    value = sm.last_execution.trace().iloc[0][stage]
    for key in path:
        value = value[key]
    value.append(5)
    assert sm.run({"a": 1}).output == before
