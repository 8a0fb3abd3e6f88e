"""Tests for sfn_notebook.machine.StateMachine: construction from dict/JSON/YAML and files, validation
errors, names, repr, and the run()/start() entry points."""

from __future__ import annotations

import json
import pickle
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import DefinitionError, StateMachine

HELLO = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"greeting": "hi"}, "End": True}}}

HELLO_YAML = """\
Comment: a greeting
StartAt: Hello
States:
  Hello:
    Type: Pass
    Result:
      greeting: hi
      answer: yes
    End: true
"""


class TestConstruction:
    def test_from_a_dict(self) -> None:
        sm = StateMachine(HELLO)
        assert sm.definition == HELLO
        assert sm.start_at == "Hello"
        assert sm.state_names == ["Hello"]
        assert sm.query_language == "JSONPath"
        assert sm.run({}).output == {"greeting": "hi"}

    def test_the_callers_dict_is_not_kept_by_reference(self) -> None:
        definition = json.loads(json.dumps(HELLO))
        sm = StateMachine(definition)
        definition["States"]["Hello"]["Result"] = "changed"
        assert sm.run({}).output == {"greeting": "hi"}

    def test_from_json_text(self) -> None:
        assert StateMachine(json.dumps(HELLO)).run({}).output == {"greeting": "hi"}

    def test_from_yaml_text(self) -> None:
        sm = StateMachine(HELLO_YAML)
        # YAML 1.2 core schema: "yes" stays a string
        assert sm.run({}).output == {"greeting": "hi", "answer": "yes"}

    def test_json_and_yaml_round_trip(self) -> None:
        sm = StateMachine(HELLO_YAML)
        assert StateMachine(sm.to_json()).definition == sm.definition
        assert StateMachine(sm.to_yaml()).definition == sm.definition
        assert json.loads(sm.to_json(indent=None)) == sm.definition

    def test_forcing_json_on_yaml_text_is_a_syntax_error(self) -> None:
        with pytest.raises(DefinitionError) as info:
            StateMachine(HELLO_YAML, format="json")
        assert info.value.diagnostics[0].code == "SYNTAX_ERROR"

    def test_nested_state_names_are_listed(self) -> None:
        sm = StateMachine(
            {
                "StartAt": "Fan",
                "States": {
                    "Fan": {
                        "Type": "Map",
                        "ItemProcessor": {
                            "StartAt": "Inner",
                            "States": {"Inner": {"Type": "Pass", "End": True}},
                        },
                        "Next": "Done",
                    },
                    "Done": {"Type": "Succeed"},
                },
            }
        )
        assert sm.state_names == ["Fan", "Inner", "Done"]

    @pytest.mark.parametrize("bad", [5, None, ["StartAt"], b"{}"])
    def test_other_types_are_a_type_error(self, bad: Any) -> None:
        with pytest.raises(TypeError, match="a definition is a dict, JSON text or YAML text"):
            StateMachine(bad)

    def test_type_must_be_standard_or_express(self) -> None:
        assert StateMachine(HELLO, type="EXPRESS").type == "EXPRESS"
        with pytest.raises(ValueError, match="STANDARD"):
            StateMachine(HELLO, type="FAST")


class TestLoad:
    def test_load_json_file(self, tmp_path: Path) -> None:
        path = tmp_path / "greeter.asl.json"
        path.write_text(json.dumps(HELLO), encoding="utf-8")
        sm = StateMachine.load(path)
        assert sm.name == "greeter"
        assert sm.source_name == str(path)
        assert sm.run({}).output == {"greeting": "hi"}

    @pytest.mark.parametrize("suffix", [".yaml", ".yml"])
    def test_load_yaml_file(self, tmp_path: Path, suffix: str) -> None:
        path = tmp_path / ("order flow" + suffix)
        path.write_text(HELLO_YAML, encoding="utf-8")
        sm = StateMachine.load(path)
        assert sm.name == "order-flow"
        assert sm.run({}).output["answer"] == "yes"

    def test_load_with_an_explicit_name(self, tmp_path: Path) -> None:
        path = tmp_path / "x.json"
        path.write_text(json.dumps(HELLO), encoding="utf-8")
        assert StateMachine.load(str(path), name="Custom").name == "Custom"

    def test_an_invalid_file_names_the_file_and_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: Missing\n", encoding="utf-8")
        with pytest.raises(DefinitionError) as info:
            StateMachine.load(path)
        err = info.value
        assert err.source_name == str(path)
        assert str(path) in str(err)
        assert err.line == 5
        assert err.pointer == "/States/A/Next"
        assert "line 5" in str(err)
        assert "Missing" in str(err)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            StateMachine.load(tmp_path / "nope.json")


class TestDefinitionErrors:
    def test_an_empty_object_lists_every_missing_field(self) -> None:
        with pytest.raises(DefinitionError) as info:
            StateMachine("{}")
        codes = {d.code for d in info.value.diagnostics}
        assert codes == {"MISSING_FIELD"}
        assert "(2 errors)" in str(info.value)

    def test_unknown_start_at(self) -> None:
        with pytest.raises(DefinitionError) as info:
            StateMachine({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}})
        assert info.value.pointer == "/StartAt"
        assert "Nowhere" in str(info.value)

    def test_unknown_state_type_lists_the_allowed_ones(self) -> None:
        with pytest.raises(DefinitionError) as info:
            StateMachine('{"StartAt": "A",\n "States": {"A": {"Type": "Sleep", "End": true}}}')
        err = info.value
        assert err.line == 2
        assert err.diagnostics[0].state == "A"
        assert err.diagnostics[0].field == "Type"
        assert "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map" in str(err)

    def test_syntax_error_in_json_text(self) -> None:
        with pytest.raises(DefinitionError) as info:
            StateMachine('{"StartAt": "A", "States": {')
        assert info.value.diagnostics[0].code == "SYNTAX_ERROR"

    def test_is_a_value_error_and_picklable(self) -> None:
        with pytest.raises(ValueError) as info:
            StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
        err = info.value
        assert isinstance(err, DefinitionError)
        assert isinstance(err, sfn.SfnNotebookError)
        copy = pickle.loads(pickle.dumps(err))
        assert copy.diagnostics == err.diagnostics
        assert str(copy) == str(err)

    def test_warnings_do_not_raise_and_are_kept(self) -> None:
        sm = StateMachine(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True}, "Orphan": {"Type": "Pass", "End": True}},
            }
        )
        assert [d.code for d in sm.diagnostics] == ["UNREACHABLE_STATE"]
        assert all(d.severity == "WARNING" for d in sm.diagnostics)


class TestNames:
    @pytest.mark.parametrize("name", ["Orders", "orders-v2_final", "a" * 80, "ünïcode"])
    def test_valid_machine_names(self, name: str) -> None:
        sm = StateMachine(HELLO, name=name)
        assert sm.name == name
        assert (
            sm.run({}, name="exec-1").arn == f"arn:aws:states:us-east-1:123456789012:execution:{name}:exec-1"
        )

    @pytest.mark.parametrize(
        "name", ["", "a" * 81, "has space", "tab\there", "a/b", "x:y", "q?", "star*", "{x}", "a$b"]
    )
    def test_invalid_machine_names(self, name: str) -> None:
        with pytest.raises(ValueError, match="invalid state machine name"):
            StateMachine(HELLO, name=name)

    @pytest.mark.parametrize("name", ["", "two words", "semi;colon", "a" * 81])
    def test_invalid_execution_names(self, name: str) -> None:
        with pytest.raises(ValueError, match="invalid execution name"):
            StateMachine(HELLO).run({}, name=name)

    def test_default_execution_name_is_a_uuid(self) -> None:
        name = StateMachine(HELLO).run({}).name
        assert len(name) == 36
        assert name[14] == "4"

    def test_a_seed_fixes_the_execution_name(self) -> None:
        sm = StateMachine(HELLO)
        assert sm.run({}, seed=11).name == sm.run({}, seed=11).name
        assert sm.run({}, seed=11).name != sm.run({}, seed=12).name


class TestRunOptions:
    def test_region_and_account_shape_the_arns(self) -> None:
        ex = StateMachine(HELLO, name="M").run({}, name="e", region="eu-central-1", account="999988887777")
        assert ex.arn == "arn:aws:states:eu-central-1:999988887777:execution:M:e"

    def test_role_arn_is_recorded(self) -> None:
        ex = StateMachine(HELLO).run({}, role_arn="arn:aws:iam::111111111111:role/Mine")
        assert (
            ex.events[0]["executionStartedEventDetails"]["roleArn"] == "arn:aws:iam::111111111111:role/Mine"
        )

    @pytest.mark.parametrize(
        "start_time",
        [
            datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
            "2030-05-06T07:08:09Z",
            datetime(2030, 5, 6, 7, 8, 9),  # naive means UTC
            1904281689,  # epoch seconds
        ],
    )
    def test_start_time_forms(self, start_time: Any) -> None:
        ex = StateMachine(HELLO).run({}, start_time=start_time)
        assert ex.start_date == datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
        assert ex.events[0]["timestamp"] == datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)

    def test_a_bad_start_time(self) -> None:
        with pytest.raises(TypeError, match="start_time"):
            StateMachine(HELLO).run({}, start_time=[2030])

    def test_resources_must_be_callable(self) -> None:
        with pytest.raises(TypeError, match="must be callable"):
            StateMachine(HELLO).run({}, resources={"Fn": "not a function"})

    def test_execution_summary_and_raise_for_status(self) -> None:
        ok = StateMachine(HELLO).run({}, name="fine")
        assert ok.succeeded
        assert ok.raise_for_status() is ok
        assert repr(ok) == '<LocalExecution fine: SUCCEEDED → {"greeting":"hi"}>'
        bad = StateMachine({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}})
        ex = bad.run({}, name="broken")
        assert repr(ex) == "<LocalExecution broken: FAILED (E: C)>"
        with pytest.raises(sfn.ExecutionFailedError, match="broken FAILED: E: C"):
            ex.raise_for_status()

    def test_execution_input_property(self) -> None:
        assert StateMachine(HELLO).run({"in": [1]}).input == {"in": [1]}


class TestRepr:
    def test_repr_counts_states_and_names_the_start(self) -> None:
        assert (
            repr(StateMachine(HELLO, name="Greeter")) == "<StateMachine Greeter: 1 state, starts at 'Hello'>"
        )

    def test_repr_mentions_warnings(self) -> None:
        sm = StateMachine(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}},
            },
            name="Two",
        )
        assert repr(sm) == "<StateMachine Two: 2 states, starts at 'A', 1 warning(s)>"

    def test_the_package_docstring_example(self) -> None:
        sm = sfn.StateMachine({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": True}}})
        assert sm.run({"x": 1}).status == "SUCCEEDED"


def test_an_interrupted_run_is_aborted_and_keeps_its_history() -> None:
    calls = {"n": 0}

    def slow(event):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the second task
        return event

    sm = StateMachine(
        {
            "StartAt": "One",
            "States": {
                "One": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:1:function:slow",
                    "Next": "Two",
                },
                "Two": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:slow", "End": True},
            },
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex = sm.run({"x": 1}, resources={"slow": slow})
    assert ex.status == "ABORTED"
    assert ex.error == "KeyboardInterrupt"
    assert "Two" in (ex.cause or "")
    types = [e["type"] for e in ex.events]
    assert types[:6] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
    ]
    assert types[-1] == "ExecutionAborted"
    assert sm.last_execution is ex
    assert any("interrupted" in str(w.message) for w in caught)


@pytest.mark.parametrize("task", [False, True], ids=["no-task", "a-task-later"])
@pytest.mark.parametrize("options", [{}, {"seed": 1}], ids=["no-option", "an-option"])
def test_an_interrupt_outside_a_handler_aborts_the_run_and_keeps_its_history(
    options: dict[str, Any], task: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no handler runs here: the interrupt comes while the second state is being recorded
    from sfn_notebook.engine.run import Run

    recorded = Run.emit_state

    def emit_state(run: Run, entered: str, exited: str, name: str, *texts: str) -> None:
        if name == "Two":
            raise KeyboardInterrupt
        recorded(run, entered, exited, name, *texts)

    monkeypatch.setattr(Run, "emit_state", emit_state)
    sm = StateMachine(
        {
            "StartAt": "One",
            "States": {
                "One": {"Type": "Pass", "Next": "Two"},
                "Two": {"Type": "Pass", **({"Next": "Three"} if task else {"End": True})},
                **(
                    {"Three": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}}
                    if task
                    else {}
                ),
            },
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex = sm.run({"x": 1}, **options)
    assert (ex.status, ex.error) == ("ABORTED", "KeyboardInterrupt")
    assert [e["type"] for e in ex.events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionAborted",
    ]
    assert sm.last_execution is ex
    [warning] = [w for w in caught if "interrupted" in str(w.message)]
    assert warning.filename == __file__  # it points at the caller's line


class TestRunNumbers:
    """Runs without a seed differ from one another, and repeat when the notebook runs again."""

    def test_two_runs_of_one_machine_have_different_names(self) -> None:
        sm = StateMachine(HELLO)
        assert sm.run({}).name != sm.run({}).name

    def test_a_new_machine_repeats_the_same_runs(self) -> None:
        one, two = StateMachine(HELLO), StateMachine(HELLO)
        assert [one.run({}).name, one.run({}).name] == [two.run({}).name, two.run({}).name]

    def test_machines_of_one_name_and_input_but_different_definitions_differ(self) -> None:
        other = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}}
        assert StateMachine(HELLO, name="m").run({}).name != StateMachine(other, name="m").run({}).name

    def test_the_clock_start_can_be_set_for_all_runs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SFN_NOTEBOOK_START_TIME", "2030-05-06T07:08:09Z")
        assert StateMachine(HELLO).run({}).start_date == datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
        monkeypatch.setenv("SFN_NOTEBOOK_START_TIME", "0")
        assert StateMachine(HELLO).run({}).start_date == datetime(1970, 1, 1, tzinfo=timezone.utc)
        monkeypatch.setenv("SFN_NOTEBOOK_START_TIME", "soon")
        with pytest.raises(ValueError, match="SFN_NOTEBOOK_START_TIME='soon'"):
            StateMachine(HELLO).run({})


class TestTestState:
    MACHINE = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Result": 1, "End": True}}}
                ],
                "Next": "Charge",
            },
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                "ResultPath": "$.paid",
                "End": True,
            },
        },
    }

    def test_a_top_level_task_with_a_mock(self) -> None:
        sm = StateMachine(self.MACHINE)
        result = sm.test_state("Charge", {"n": 1}, mock={"result": {"ok": True}})
        assert (result.status, result.output) == ("SUCCEEDED", {"n": 1, "paid": {"ok": True}})
        assert [stage for stage, _ in result.stages()][:2] == ["input", "afterInputPath"]

    def test_a_nested_state_is_tested_inside_its_machine(self) -> None:
        result = StateMachine(self.MACHINE).test_state("Inner", {"x": 0}, inspection_level="INFO")
        assert (result.status, result.output, result.inspection) == ("SUCCEEDED", 1, {})

    def test_a_task_without_a_mock_runs_its_handler(self) -> None:
        sm = StateMachine(self.MACHINE)
        result = sm.test_state("Charge", {}, resources={"Charge": lambda event, context: "done"})
        assert result.output["paid"]["Payload"] == "done"  # a handler named by the state's name serves

    def test_an_unknown_state(self) -> None:
        with pytest.raises(ValueError, match="no state named"):
            StateMachine(self.MACHINE).test_state("Nope")


def test_a_run_given_no_option_is_named_as_one_given_the_default_options() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "$.r", "End": True}}}
    plain, explicit = StateMachine(definition), StateMachine(definition)
    first = [plain.run({"k": 1}) for _ in range(3)]
    # local_aws=1 is not `True`, so these runs take the general set-up path
    second = [explicit.run({"k": 1}, local_aws=1) for _ in range(3)]  # type: ignore[arg-type]
    assert [ex.name for ex in first] == [ex.name for ex in second]
    assert len({ex.name for ex in first}) == 3
    assert [ex.output for ex in first] == [ex.output for ex in second] == [{"k": 1, "r": {"k": 1}}] * 3
    assert [e["type"] for e in first[0].events] == [e["type"] for e in second[0].events]


def test_a_definition_holding_a_lone_surrogate_escape_runs() -> None:
    # JSON text may escape half of a UTF-16 pair ("\ud800"): AWS's parser reads it, and so do we
    sm = StateMachine('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "\\ud800", "End": true}}}')
    ex = sm.run({})
    assert (ex.status, ex.output) == ("SUCCEEDED", "\ud800")
