"""The state tester (TestState from a recorded visit), driven through its widgets' values."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("ipywidgets")

import sfn_notebook as sfn
from sfn_notebook.notebook.tester import StateTester

MACHINE = {
    "StartAt": "Split",
    "States": {
        "Split": {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "ItemProcessor": {"StartAt": "Id", "States": {"Id": {"Type": "Pass", "End": True}}},
            "ResultPath": "$.ys",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_a_map_is_tested_with_its_recorded_result_as_the_mock() -> None:
    sm = sfn.StateMachine(MACHINE)
    recorded = {"input": {"xs": [1, 2]}, "result": [1, 2]}
    tester = StateTester(sm, "Split", recorded)
    assert json.loads(tester.mock_box.value) == {"result": [1, 2]}
    result = tester.test()
    assert result.output == {"xs": [1, 2], "ys": [1, 2]}
    assert "maxConcurrency" not in tester.stages.value  # not a data-flow stage
    assert tester.stages.value.count("<tr>") == 3  # the header, recorded, tested


def test_the_apis_refusal_is_shown_in_its_words() -> None:
    tester = StateTester(sfn.StateMachine(MACHINE), "Split", {"input": {"xs": []}})
    assert tester.mock_box.value == ""  # nothing recorded: a Map without a mock, which AWS refuses
    assert tester.test() is None
    assert "InvalidDefinition" in tester.message.value
    tester.mock_box.value = '{"result": {"not": "a list"}}'
    assert tester.test() is None
    assert "Mocked result must be an array." in tester.message.value


def test_an_unknown_state_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="no state named"):
        StateTester(sfn.StateMachine(MACHINE), "Nope")
