"""The building blocks: the event table, the graph view and the JSON panes, through their traits."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("anywidget")

import sfn_notebook as sfn
from sfn_notebook.notebook.components import EventTable, GraphView, JsonView, json_text

from .machines import CHECKOUT, charge
from .scale import failing_run


@pytest.fixture
def run() -> Any:
    return failing_run()


def test_every_event_is_a_row(run: Any) -> None:
    table = EventTable(run.events)
    assert len(run.events) == 110
    assert [row["id"] for row in table.rows] == [e["id"] for e in run.events]
    assert table.matching_ids == [e["id"] for e in run.events]  # no search: every row passes
    failed = [row for row in table.rows if row["kind"] == "fail"]
    assert [row["type"] for row in failed] == [
        "LambdaFunctionFailed",
        "LambdaFunctionFailed",
        "LambdaFunctionFailed",
        "LambdaFunctionFailed",
        "ExecutionFailed",
    ]
    assert failed[-1]["summary"] == "Busy: the payment service is busy"
    assert table.rows[-1]["elapsed"] == "+1m 10.000s"  # retries after 10, 20 and 40 s


def test_search_finds_words_in_types_states_errors_and_payloads(run: Any) -> None:
    table = EventTable(run.events)
    table.query = "busy"
    assert {table.rows[i]["type"] for i in table.matches} == {"LambdaFunctionFailed", "ExecutionFailed"}
    table.query = "ExecutionFailed"
    assert table.matching_ids == [run.events[-1]["id"]]
    table.query = '"order": 7'  # inside an output
    assert {table.rows[i]["type"] for i in table.matches} >= {"LambdaFunctionSucceeded"}
    table.query = ""
    assert len(table.matches) == 110


def test_filters_by_type_and_by_state(run: Any) -> None:
    table = EventTable(run.events)
    assert "Charge" in table.states and "LambdaFunctionFailed" in table.types
    table.state_filter = "Charge"
    assert {table.rows[i]["state"] for i in table.matches} == {"Charge"}
    table.type_filter = "LambdaFunctionScheduled"
    assert len(table.matches) == 4  # the first attempt and three retries
    table.query = "nothing like this"
    assert table.matches == []


def test_a_row_expands_to_its_event(run: Any) -> None:
    table = EventTable(run.events)
    table.expanded = [run.events[-1]["id"]]
    detail = json.loads(table.details[str(run.events[-1]["id"])])
    assert detail["type"] == "ExecutionFailed"
    assert detail["executionFailedEventDetails"]["error"] == "Busy"


def test_another_history_can_be_loaded(run: Any) -> None:
    table = EventTable(run.events)
    table.query = "busy"
    table.expanded = [1]
    other = sfn.StateMachine(CHECKOUT, name="C").run(
        {"card": "ok", "amount": 1}, resources={"Charge": charge}
    )
    table.load(other.events)
    assert len(table.rows) == len(other.events)
    assert table.expanded == [] and table.details == {}
    assert table.matches == []  # the search still applies: no "busy" in this one


def test_the_standalone_table_has_a_static_copy(run: Any) -> None:
    table = run.event_table()
    assert isinstance(table, EventTable)
    static = table._repr_mimebundle_()["text/html"]
    assert static.count('<tr class="sfn-row') == 110


def test_json_view_sections() -> None:
    view = JsonView()
    view.show(("Input", {"a": [1, 2]}), ("Nothing", None))
    assert view.sections == [
        {"title": "Input", "json": '{"a": [1, 2]}'},
        {"title": "Nothing", "json": None},
    ]
    assert json_text({"é": 1}) == '{"é": 1}'


def test_graph_view_redraws_when_folded() -> None:
    drawn: list[list[str]] = []

    def draw(collapsed: list[str]) -> tuple[str, dict[str, str]]:
        drawn.append(collapsed)
        return f"<svg>{','.join(collapsed)}</svg>", {"n1": "A"}

    view = GraphView(draw, collapsible=["A"])
    assert view.svg == "<svg></svg>" and view.node_states == {"n1": "A"}
    view.collapsed = ["A"]
    assert view.svg == "<svg>A</svg>"
    view.click("A")
    view.click("A")
    assert (view.clicked, view.clicks) == ("A", 2)
    assert drawn == [[], ["A"]]
