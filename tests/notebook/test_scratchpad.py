"""The explorer's Evaluate pane (sfn_notebook/notebook/scratchpad.py), driven through its traits."""

from __future__ import annotations

import pytest

pytest.importorskip("anywidget")

from tests.builders import machine, task

SM = machine(
    {
        "Start": {"Type": "Pass", "Assign": {"limit": 5}, "Next": "Work"},
        "Work": task("work", ResultPath="$.result", End=True),
    }
)


def test_the_evaluate_tab_follows_the_explorer_step_by_step() -> None:
    ex = SM.run({"n": 1}, resources={"work": lambda event: event["n"] + 1})
    explorer = ex.explore()
    pane = explorer.evaluator
    assert explorer.panes["Evaluate"] is pane
    assert "type an expression" in pane.message.value
    pane.expression.value = "$"
    assert pane.value == {"n": 1}  # event 1: the execution's input
    assert "the execution" in pane.message.value
    entered = next(e["id"] for e in ex.events if e["type"] == "TaskStateEntered")
    explorer.go_to_event(entered)
    assert pane.value == {"n": 1}
    assert "in state 'Work'" in pane.message.value
    pane.expression.value = "States.MathAdd($.n, $limit)"
    assert pane.value == 6
    explorer.go_to_event(ex.events[-1]["id"])
    pane.expression.value = "$.result"
    assert pane.value == 2
    assert pane.result.sections[0]["title"] == "Value"


def test_a_failing_expression_says_why_in_the_pane() -> None:
    ex = SM.run({"n": 1}, resources={"work": lambda event: 0})
    pane = ex.explore().evaluator
    pane.expression.value = "$.nope"
    assert pane.value is None
    assert "could not be found" in pane.message.value
    pane.language.value = "JSONata"
    pane.expression.value = "$states.input.n"
    assert pane.value == 1
    pane.expression.value = "$states.input.("
    assert pane.value is None and pane.result.sections == []
    assert "color:#d13212" in pane.message.value
