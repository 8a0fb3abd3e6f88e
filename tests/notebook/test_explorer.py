"""The explorer, driven through its traits: set what a user would set, read what they would see."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("anywidget")

import ipywidgets as W

import sfn_notebook as sfn
from sfn_notebook.notebook.explorer import ALL, PANES, ExecutionExplorer

from .machines import BASKET, CHECKOUT, EACH, charge, pane
from .scale import big_run, failing_run


@pytest.fixture
def checkout() -> sfn.StateMachine:
    return sfn.StateMachine(CHECKOUT, name="Checkout")


@pytest.fixture
def flaky(checkout: sfn.StateMachine) -> sfn.LocalExecution:
    return checkout.run({"card": "flaky", "amount": 12}, resources={"Charge": charge}, seed=1)


@pytest.mark.exe
def test_starts_on_the_first_event_and_counts_from_one(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert isinstance(explorer, ExecutionExplorer)
    assert (explorer.slider.min, explorer.slider.value, explorer.slider.max) == (1, 1, len(flaky.events))
    assert "#1 <b>ExecutionStarted</b>" in explorer.event_label.value
    assert f"(1 of {len(flaky.events)})" in explorer.event_label.value
    assert pane(explorer, "Input") == {"card": "flaky", "amount": 12}
    assert "SUCCEEDED" in explorer.header.value
    assert explorer.graph is not None and "<svg" in explorer.graph.svg
    assert explorer.graph.current == "start"
    assert explorer.table.selected == 1
    assert explorer.current == flaky.events[0]


def test_the_last_event(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.slider.value = explorer.slider.max
    assert "ExecutionSucceeded" in explorer.event_label.value
    assert f"({len(flaky.events)} of {len(flaky.events)})" in explorer.event_label.value
    assert explorer.current == flaky.events[-1]
    assert pane(explorer, "Output") == flaky.output
    assert explorer.graph is not None and explorer.graph.current == "end"


def test_buttons(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.next_button.click()
    assert explorer.slider.value == 2 and explorer.position == 1
    explorer.last_button.click()
    assert explorer.slider.value == explorer.slider.max
    explorer.next_button.click()  # already at the end: stays there
    assert explorer.slider.value == explorer.slider.max
    explorer.prev_button.click()
    assert explorer.slider.value == explorer.slider.max - 1
    explorer.first_button.click()
    assert explorer.slider.value == 1


def test_the_state_filter_shows_the_data_flow(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert explorer.state_filter.options == (ALL, "Charge", "Ship")
    explorer.state_filter.value = "Charge"
    history = flaky.history()
    assert len(explorer.visible) == int((history["state"] == "Charge").sum())
    assert explorer.slider.max == len(explorer.visible)
    assert {explorer.rows[i].state for i in explorer.visible} == {"Charge"}
    assert "state <b>Charge</b> (Task)" in explorer.event_label.value
    explorer.slider.value = explorer.slider.max  # TaskStateExited: the visit is complete
    titles = [section["title"] for section in explorer.panes["Data flow"].sections]
    assert titles == [
        "Input",
        "After InputPath",
        "After Parameters",
        "Result",
        "After ResultSelector",
        "After ResultPath",
        "Output",
    ]
    assert pane(explorer, "Data flow", 3) == {"charged": 12}
    assert "receipt" in pane(explorer, "Output")


def test_a_filter_chosen_late_keeps_the_place(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.go(2)  # an event of Charge, early on
    shown = explorer.current
    assert shown is not None
    explorer.state_filter.value = "Charge"
    assert explorer.current == shown  # it passes the filter: it stays
    assert explorer.position < len(explorer.visible) - 1  # so "next" still moves
    before = explorer.slider.value
    explorer.next_button.click()
    assert explorer.slider.value == before + 1


def test_a_filter_that_hides_the_event_moves_to_the_next_that_passes(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.go(1)  # TaskStateEntered of Charge
    explorer.state_filter.value = "Ship"
    assert explorer.position == 0
    assert explorer.current is not None and explorer.current["type"] == "PassStateEntered"


def test_the_type_filter_shows_the_error(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert len(explorer.visible) == 1
    assert explorer.slider.disabled
    assert "LambdaFunctionFailed" in explorer.event_label.value
    assert explorer.panes["Error"].sections[0]["title"] == "Busy"
    assert pane(explorer, "Error") == "try again"
    assert pane(explorer, "Event")["type"] == "LambdaFunctionFailed"


def test_filters_that_match_nothing(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.state_filter.value = "Ship"
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert explorer.visible == []
    assert explorer.current is None
    assert "no event matches" in explorer.event_label.value
    assert all(explorer.panes[title].sections == [] for title in PANES)
    explorer.type_filter.value = ALL  # back to the Ship events
    assert "state <b>Ship</b>" in explorer.event_label.value


def test_a_click_on_a_node_chooses_its_state(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert explorer.graph is not None
    explorer.graph.click("Ship")
    assert explorer.state_filter.value == "Ship"
    assert explorer.graph.selected == "Ship"
    assert explorer.graph.current == "Ship"
    explorer.graph.click("end")
    assert explorer.state_filter.value == ALL
    assert explorer.current == flaky.events[-1]


def test_a_click_on_a_row_of_the_event_table_goes_to_its_event(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.state_filter.value = "Ship"
    failed = next(e["id"] for e in flaky.events if e["type"] == "LambdaFunctionFailed")
    explorer.table.selected = failed  # what a click on its row does
    assert explorer.current is not None and explorer.current["id"] == failed
    assert explorer.state_filter.value == ALL  # the filter hid it: cleared
    explorer.next_button.click()
    assert explorer.table.selected == failed + 1  # and the table follows the explorer


def test_the_graph_is_drawn_once_and_the_current_state_moves(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert explorer.graph is not None
    svg = explorer.graph.svg
    seen = []
    for value in range(1, explorer.slider.max + 1):
        explorer.slider.value = value
        seen.append(explorer.graph.current)
    assert explorer.graph.svg == svg
    assert seen[0] == "start" and seen[-1] == "end"
    assert "Charge" in seen and "Ship" in seen
    assert set(explorer.graph.node_states.values()) >= {"start", "end", "Charge", "Ship", "Apologise"}


@pytest.mark.exe
def test_folding_a_map_redraws_the_graph() -> None:
    ex = sfn.StateMachine(EACH, name="Each").run([1, 2], resources={"Work": lambda e: e})
    explorer = ex.explore()
    assert explorer.graph is not None
    assert explorer.graph.collapsible == ["Each"]
    assert "Work" in explorer.graph.node_states.values()
    explorer.graph.collapsed = ["Each"]  # what a double click on the Map does
    assert "Work" not in explorer.graph.node_states.values()
    assert "+1 state inside" in explorer.graph.svg
    explorer.state_filter.value = "Work"
    assert explorer.graph.current == "Work"  # the folded Map stands for it in the picture


def test_caught_error_and_failed_execution(checkout: sfn.StateMachine) -> None:
    caught = checkout.run({"card": "expired", "amount": 1}, resources={"Charge": charge})
    explorer = caught.explore()
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert explorer.panes["Error"].sections[0]["title"] == "Declined"
    failed = checkout.run({"card": "flaky", "amount": 1}, resources={"Charge": lambda e: 1 / 0})
    explorer = failed.explore()
    assert "FAILED" in explorer.header.value
    assert "ZeroDivisionError" in explorer.header.value
    explorer.slider.value = explorer.slider.max
    assert "ExecutionFailed" in explorer.event_label.value
    assert explorer.panes["Error"].sections[0]["title"] == "ZeroDivisionError"


def test_follows_interleaved_map_iterations() -> None:
    def work(event: dict[str, str], context: Any) -> str:
        context.sleep(20 - len(event["item"]))  # the last item finishes first: the iterations interleave
        return event["item"].upper()

    items = ["first", "second", "third-item"]
    ex = sfn.StateMachine(EACH, name="Each").run([{"item": item} for item in items], resources={"Work": work})
    explorer = ex.explore()
    explorer.state_filter.value = "Work"
    finished = []
    for position, index in enumerate(explorer.visible):
        explorer.go(position)
        row = explorer.rows[index]
        item = items[row.iteration]
        assert pane(explorer, "Data flow") == {"item": item}
        if row.event["type"] == "TaskStateExited":
            finished.append(item)
    assert finished == ["third-item", "second", "first"]


def test_the_variables_pane() -> None:
    ex = sfn.StateMachine(BASKET, name="Basket").run({"prices": [1, 2, 3.5]})
    assert ex.output == {"total": 6.5}
    explorer = ex.explore()
    explorer.state_filter.value = "AddUp"
    explorer.slider.value = explorer.slider.max
    assert pane(explorer, "Variables", 0) == {"total": 6.5}  # what this state assigned
    assert pane(explorer, "Variables", 1) == {"total": 6.5}  # and every variable at this event
    explorer.state_filter.value = "Report"
    assert pane(explorer, "Variables", 0) is None
    assert pane(explorer, "Variables", 1) == {"total": 6.5}  # assigned earlier, still visible


def test_full_tab_titles(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert list(explorer.tabs.titles) == [
        "Input",
        "Output",
        "Error",
        "Data flow",
        "Variables",
        "Event",
        "Evaluate",
    ]
    assert list(explorer.views.titles) == ["Graph", "Events", "Timeline"]


def test_the_timeline_is_drawn_when_its_view_is_chosen(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert explorer.timeline.value == ""
    explorer.views.selected_index = 2
    assert "<svg" in explorer.timeline.value and ">Charge</text>" in explorer.timeline.value


def test_a_map_run_view_where_there_are_maps() -> None:
    ex = sfn.StateMachine(EACH, name="Each").run([1, 2], resources={"Work": lambda e: e})
    explorer = ex.explore()
    assert list(explorer.views.titles) == ["Graph", "Events", "Timeline", "Map runs"]


def test_without_graph(flaky: sfn.LocalExecution) -> None:
    explorer = ExecutionExplorer(flaky, graph=False)
    explorer.slider.value = 3
    assert explorer.graph is None
    assert list(explorer.views.titles) == ["Events", "Timeline"]


def test_extending_with_a_tab_an_action_and_a_step_callback(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    seen: list[int | None] = []
    note = W.HTML()
    explorer.add_tab("Notes", note, lambda ex, event: setattr(note, "value", str(event and event["id"])))
    explorer.add_action(W.Button(description="Test this state"))
    explorer.add_view("Extra", W.HTML("extra"))
    explorer.on_step(lambda ex, event: seen.append(event["id"] if event else None))
    assert explorer.tabs.titles[-1] == "Notes" and note.value == "1"
    explorer.next_button.click()
    assert note.value == "2" and seen == [2]
    assert explorer.actions.children[0].description == "Test this state"
    assert explorer.views.titles[-1] == "Extra"


def test_the_header_shows_the_notes_behind_a_terse_cause() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Add",
            "States": {"Add": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.a, 1)"}, "End": True}},
        }
    )
    ex = sm.run({"a": "seven"})
    assert ex.cause is not None and ex.cause.endswith("Invalid arguments in States.MathAdd")
    header = ExecutionExplorer(ex).header.value
    assert "note: State &#x27;Add&#x27;: States.MathAdd: argument 1 (value) must be a number" in header


# ------------------------------------------------------------------------ a saved notebook, at scale


@pytest.mark.exe
def test_the_static_copy_shows_the_graph_status_and_every_event() -> None:
    ex = failing_run()
    assert len(ex.events) == 110 and ex.status == "FAILED"
    explorer = ex.explore()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    static = bundle["text/html"]
    assert static.startswith('<div class="sfn-static tex2jax_ignore mathjax_ignore">')  # no $ as TeX
    assert "data:image/svg+xml," in static and "FAILED" in static
    assert static.count('<tr class="sfn-row') == 110
    assert static.count("sfn-row sfn-fail") == sum(e["type"].endswith("Failed") for e in ex.events)
    assert "ExecutionExplorer(" not in static


def test_in_a_notebook_the_copy_and_the_widget_are_two_outputs(
    flaky: sfn.LocalExecution, monkeypatch: pytest.MonkeyPatch
) -> None:
    import IPython.display

    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False, **kw: shown.append(data))
    flaky.explore()._ipython_display_()
    assert [sorted(data) for data in shown] == [
        ["text/html", "text/plain"],
        ["application/vnd.jupyter.widget-view+json"],
    ]
    assert 'class="sfn-static ' in shown[0]["text/html"]


@pytest.mark.exe
def test_a_300_state_execution() -> None:
    ex = big_run()
    explorer = ex.explore()
    assert explorer.graph is not None
    assert len([s for s in explorer.graph.node_states.values() if s.startswith("Step ")]) == 300
    explorer.last_button.click()
    assert explorer.graph.current == "end"
    explorer.state_filter.value = "Step 250"
    assert explorer.graph.current == "Step 250"
    assert json.loads(explorer.panes["Event"].sections[0]["json"])["id"] == explorer.current["id"]  # type: ignore[index]


def test_test_this_state_replays_the_visit_and_takes_edits(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.state_filter.value = "Charge"
    explorer.go(len(explorer.visible) - 1)
    explorer.test_button.click()
    tester = explorer.tester
    assert explorer.tabs.children[explorer.tabs.selected_index] is tester
    assert json.loads(tester.input_box.value) == {"card": "flaky", "amount": 12}
    assert json.loads(tester.mock_box.value) == {"result": {"charged": 12}}
    tester.run_button.click()
    assert (tester.result.status, tester.result.next_state) == ("SUCCEEDED", "Ship")
    assert tester.result.output == {"card": "flaky", "amount": 12, "receipt": {"charged": 12}}
    assert "recorded" in tester.stages.value and "tested" in tester.stages.value
    assert "afterResultPath" in tester.stages.value
    # the user changes the mock: the card is declined, and the Catch sends it elsewhere
    tester.mock_box.value = json.dumps({"errorOutput": {"error": "Declined", "cause": "no"}})
    caught = tester.test()
    assert (caught.status, caught.next_state) == ("CAUGHT_ERROR", "Apologise")
    tester.mock_box.value = json.dumps({"errorOutput": {"error": "Busy", "cause": "later"}})
    assert tester.test().status == "RETRIABLE"
    # no mock: the run's handler serves the state (a flaky card is busy at the first attempt)
    tester.mock_box.value = ""
    unmocked = tester.test()
    assert (unmocked.status, unmocked.error) == ("RETRIABLE", "Busy")
    # and the input: a state that is not JSON is refused where the user typed it
    tester.input_box.value = "{nope"
    assert tester.test() is None
    assert "not JSON" in tester.message.value


def test_test_this_state_on_a_pass_has_no_mock(checkout: sfn.StateMachine) -> None:
    ex = checkout.run({"card": "ok", "amount": 3}, resources={"Charge": charge})
    explorer = ex.explore()
    explorer.state_filter.value = "Ship"
    tester = explorer.test_state()
    assert tester.mock_box.disabled
    assert tester.test().output == {"charged": 3}
    assert pane(explorer, "Output") == {"charged": 3}
