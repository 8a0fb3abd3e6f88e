"""Tests for sfn_notebook.asl.analysis: transitions, reachability, paths to an end, and the flow warnings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook.asl import model as m
from sfn_notebook.asl.analysis import can_finish, edges, flow_warnings, reachable, terminal
from sfn_notebook.machine import StateMachine
from tests.builders import SUCCEED, asl, branch, task


def compiled(definition: dict[str, Any]) -> m.Machine:
    return StateMachine(definition).machine


def warnings(definition: dict[str, Any] | str) -> list[tuple[str, str]]:
    sm = StateMachine(definition)
    assert all(d.severity == "WARNING" for d in sm.diagnostics)
    return [(d.code, d.pointer) for d in sm.diagnostics]


LOOP_WITH_EXIT = asl(
    {
        "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.n", "Next": "Process"},
        "Process": task(Next="Done?", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]),
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.done", "BooleanEquals": False, "Next": "Pause"}],
            "Default": "Finished",
        },
        "Pause": {"Type": "Wait", "Seconds": 5, "Next": "Process"},
        "Finished": SUCCEED,
        "Failed": {"Type": "Fail", "Error": "WorkFailed"},
    }
)


# ----------------------------------------------------------------------------- graph facts


def test_edges_list_every_transition_with_its_label() -> None:
    assert sorted(edges(compiled(LOOP_WITH_EXIT))) == sorted(
        [
            ("Init", "Process", "Next"),
            ("Process", "Done?", "Next"),
            ("Process", "Failed", "Catch"),
            ("Done?", "Pause", "rule 1"),
            ("Done?", "Finished", "Default"),
            ("Pause", "Process", "Next"),
        ]
    )


def test_edges_stay_inside_one_scope() -> None:
    definition = asl(
        {
            "P": {
                "Type": "Parallel",
                "Next": "End",
                "Branches": [branch(X={"Type": "Pass", "Next": "Y"}, Y=SUCCEED)],
            },
            "End": SUCCEED,
        }
    )
    top = compiled(definition)
    assert list(edges(top)) == [("P", "End", "Next")]
    (inner,) = top.states["P"].children()
    assert list(edges(inner)) == [("X", "Y", "Next")]


def test_reachable_follows_next_choice_rules_default_and_catch() -> None:
    top = compiled(LOOP_WITH_EXIT)
    assert reachable(top) == set(top.states)


def test_reachable_excludes_states_nothing_reachable_leads_to() -> None:
    definition = asl({"A": SUCCEED, "B": {"Type": "Pass", "Next": "C"}, "C": SUCCEED})
    assert reachable(compiled(definition)) == {"A"}


def test_can_finish_is_every_state_with_a_path_to_a_terminal_state() -> None:
    top = compiled(LOOP_WITH_EXIT)
    assert can_finish(top) == set(top.states)
    loop = compiled(
        asl(
            {
                "Start": {"Type": "Pass", "Next": "Ping"},
                "Ping": {"Type": "Pass", "Next": "Pong"},
                "Pong": {"Type": "Pass", "Next": "Ping"},
                "Unused": SUCCEED,
            }
        )
    )
    assert can_finish(loop) == {"Unused"}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"Type": "Succeed"}, True),
        ({"Type": "Fail"}, True),
        ({"Type": "Pass", "End": True}, True),
        ({"Type": "Wait", "Seconds": 1, "End": True}, True),
        ({"Type": "Pass", "Next": "Other"}, False),
    ],
)
def test_terminal(state: dict[str, Any], expected: bool) -> None:
    top = compiled(asl({"S": state, "Other": SUCCEED}))
    assert terminal(top.states["S"]) is expected


def test_flow_warnings_returns_pointer_code_message_triples() -> None:
    top = compiled(asl({"A": SUCCEED, "Orphan": SUCCEED}))
    assert flow_warnings(top) == [
        (
            "/States/Orphan",
            "UNREACHABLE_STATE",
            "state 'Orphan' can never be entered: no path from StartAt ('A') leads to it "
            "(AWS refuses to create such a state machine: MISSING_TRANSITION_TARGET)",
        )
    ]


def test_a_workflow_without_any_terminal_state_says_aws_refuses_it() -> None:
    top = compiled(asl({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}))
    messages = [message for _, code, message in flow_warnings(top) if code == "NO_PATH_TO_END"]
    assert len(messages) == 2
    assert all(message.endswith("MISSING_END_STATE)") for message in messages)


# ----------------------------------------------------------------------------- warnings on StateMachine


def test_clean_machines_have_no_warnings() -> None:
    assert warnings(LOOP_WITH_EXIT) == []
    nested = asl(
        {
            "Fan": {
                "Type": "Parallel",
                "Branches": [branch(A=task(End=True)), branch(B={"Type": "Pass", "Next": "C"}, C=SUCCEED)],
                "Next": "Each",
            },
            "Each": {"Type": "Map", "ItemProcessor": branch(D=task(End=True)), "End": True},
        }
    )
    assert warnings(nested) == []


def test_unreachable_states_are_warnings() -> None:
    sm = StateMachine(asl({"A": SUCCEED, "B": {"Type": "Pass", "Next": "C"}, "C": SUCCEED}))
    found = {d.pointer: d for d in sm.diagnostics}
    assert set(found) == {"/States/B", "/States/C"}
    for name in ("B", "C"):
        d = found[f"/States/{name}"]
        assert d.code == "UNREACHABLE_STATE"
        assert d.severity == "WARNING"
        assert d.state == name
        assert f"'{name}'" in d.message


def test_states_reachable_only_through_catch_or_default_are_not_unreachable() -> None:
    definition = asl(
        {
            "Try": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handle"}]),
            "Handle": {"Type": "Pass", "Next": "Decide"},
            "Decide": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": SUCCEED,
            "No": {"Type": "Fail"},
        }
    )
    assert warnings(definition) == []


def test_a_loop_with_no_way_out_warns_for_every_state_in_it() -> None:
    definition = asl(
        {
            "Start": {"Type": "Pass", "Next": "Ping"},
            "Ping": {"Type": "Wait", "Seconds": 1, "Next": "Pong"},
            "Pong": task(Next="Ping"),
        }
    )
    sm = StateMachine(definition)
    assert [(d.code, d.pointer) for d in sm.diagnostics] == [
        ("NO_PATH_TO_END", "/States/Start"),
        ("NO_PATH_TO_END", "/States/Ping"),
        ("NO_PATH_TO_END", "/States/Pong"),
    ]
    assert all(d.severity == "WARNING" for d in sm.diagnostics)
    assert "can never reach an end" in sm.diagnostics[1].message
    assert "'Ping'" in sm.diagnostics[1].message


def test_a_loop_left_only_through_a_choice_without_default_still_warns() -> None:
    # with no Default, the only way out is the NoChoiceMatched failure: there is no path to an end
    definition = asl(
        {
            "Process": {"Type": "Pass", "Next": "Again?"},
            "Again?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "Process"}],
            },
        }
    )
    assert warnings(definition) == [
        ("NO_PATH_TO_END", "/States/Process"),
        ("NO_PATH_TO_END", "/States/Again?"),
    ]


def test_a_loop_with_a_catch_to_a_terminal_state_is_fine() -> None:
    definition = asl(
        {"Poll": task(Next="Poll", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Stop"}]), "Stop": SUCCEED}
    )
    assert warnings(definition) == []


def test_an_unreachable_loop_is_reported_as_unreachable_only() -> None:
    definition = asl({"A": SUCCEED, "B": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Pass", "Next": "B"}})
    assert warnings(definition) == [("UNREACHABLE_STATE", "/States/B"), ("UNREACHABLE_STATE", "/States/C")]


def test_nested_scopes_are_analysed_with_their_own_start() -> None:
    definition = asl(
        {
            "P": {
                "Type": "Parallel",
                "Branches": [branch(X={"Type": "Pass", "Next": "X"}), branch(Y=SUCCEED, Z=SUCCEED)],
                "Next": "M",
            },
            "M": {"Type": "Map", "ItemProcessor": branch(I=SUCCEED, Orphan=SUCCEED), "End": True},
        }
    )
    assert warnings(definition) == [
        ("NO_PATH_TO_END", "/States/P/Branches/0/States/X"),
        ("UNREACHABLE_STATE", "/States/P/Branches/1/States/Z"),
        ("UNREACHABLE_STATE", "/States/M/ItemProcessor/States/Orphan"),
    ]


def test_warnings_carry_the_line_of_the_state_in_json_and_yaml() -> None:
    definition = asl({"A": SUCCEED, "Orphan": SUCCEED})
    text = json.dumps(definition, indent=2)
    (d,) = StateMachine(text).diagnostics
    assert text.splitlines()[d.line - 1].strip().startswith('"Orphan"')
    assert d.column == text.splitlines()[d.line - 1].index('"Orphan"') + 1
    yaml_text = "StartAt: A\nStates:\n  A:\n    Type: Succeed\n  Orphan:\n    Type: Succeed\n"
    (d,) = StateMachine(yaml_text).diagnostics
    assert (d.code, d.line, d.column) == ("UNREACHABLE_STATE", 5, 3)


def test_warnings_do_not_prevent_running() -> None:
    sm = StateMachine(asl({"A": {"Type": "Pass", "Result": 1, "End": True}, "Orphan": SUCCEED}))
    assert sm.diagnostics
    assert sm.run({}).output == 1
    assert "1 warning(s)" in repr(sm)


def test_warnings_are_not_listed_as_errors() -> None:
    sm = StateMachine(asl({"A": SUCCEED, "Orphan": SUCCEED}))
    assert [d.severity for d in sm.diagnostics] == ["WARNING"]
    assert str(sm.diagnostics[0]).startswith("warning UNREACHABLE_STATE at state 'Orphan' (/States/Orphan): ")


def test_unreachable_message_does_not_claim_nothing_leads_to_a_state_that_has_a_predecessor() -> None:
    sm = StateMachine(asl({"A": SUCCEED, "B": {"Type": "Pass", "Next": "C"}, "C": SUCCEED}))
    (c,) = [d for d in sm.diagnostics if d.state == "C"]
    assert "nothing leads to it" not in c.message
    assert "StartAt" in c.message or "start" in c.message
