"""The widgets, driven through their traits: set what a user would set, read what they would see."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

import sfn_notebook as sfn
from sfn_notebook.notebook.widgets import ALL, ExecutionExplorer, LiveProgress, RunPanel, json_html

CHECKOUT = """
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:Charge
    Retry:
      - ErrorEquals: [Busy]
        IntervalSeconds: 2
        MaxAttempts: 2
    Catch:
      - ErrorEquals: [Declined]
        ResultPath: $.failure
        Next: Apologise
    ResultPath: $.receipt
    Next: Ship
  Ship:
    Type: Pass
    InputPath: $.receipt
    End: true
  Apologise:
    Type: Pass
    Parameters:
      sorry.$: $.failure.Cause
    End: true
"""

BASKET = """
QueryLanguage: JSONata
StartAt: AddUp
States:
  AddUp:
    Type: Pass
    Assign:
      total: "{% $sum($states.input.prices) %}"
    Next: Report
  Report:
    Type: Pass
    Output:
      total: "{% $total %}"
    End: true
"""


def charge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["card"] == "flaky" and context.retry_count == 0:
        raise sfn.TaskFailed("Busy", "try again")
    if event["card"] == "expired":
        raise sfn.TaskFailed("Declined", "the card expired")
    return {"charged": event["amount"]}


@pytest.fixture
def checkout() -> sfn.StateMachine:
    return sfn.StateMachine(CHECKOUT, name="Checkout")


@pytest.fixture
def flaky(checkout: sfn.StateMachine) -> sfn.LocalExecution:
    return checkout.run({"card": "flaky", "amount": 12}, resources={"Charge": charge}, seed=1)


# ---------------------------------------------------------------------------------------- ExecutionExplorer


@pytest.mark.exe
def test_explorer_starts_on_the_first_event(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert isinstance(explorer, ExecutionExplorer)
    assert explorer.slider.value == 0
    assert explorer.slider.max == len(flaky.events) - 1
    assert "#1" in explorer.event_label.value
    assert "ExecutionStarted" in explorer.event_label.value
    assert f"(1 of {len(flaky.events)})" in explorer.event_label.value
    assert "&quot;card&quot;: &quot;flaky&quot;" in explorer.input_pane.value
    assert "SUCCEEDED" in explorer.header.value
    assert "<svg" in explorer.graph.value
    assert explorer.current == flaky.events[0]


def test_explorer_slider_moves_through_events(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    last = len(flaky.events) - 1
    explorer.slider.value = last
    assert "ExecutionSucceeded" in explorer.event_label.value
    assert explorer.current == flaky.events[-1]
    assert json.loads(_unescape_pre(explorer.output_pane.value)) == flaky.output


def test_explorer_buttons(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.next_button.click()
    assert explorer.slider.value == 1
    explorer.last_button.click()
    assert explorer.slider.value == explorer.slider.max
    explorer.next_button.click()  # already at the end: stays there
    assert explorer.slider.value == explorer.slider.max
    explorer.prev_button.click()
    assert explorer.slider.value == explorer.slider.max - 1
    explorer.first_button.click()
    assert explorer.slider.value == 0


def test_explorer_state_filter_shows_the_data_flow(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    assert explorer.state_filter.options == (ALL, "Charge", "Ship")
    explorer.state_filter.value = "Charge"
    history = flaky.history()
    assert len(explorer.visible) == int((history["state"] == "Charge").sum())
    assert explorer.slider.max == len(explorer.visible) - 1
    assert {explorer.rows[i].state for i in explorer.visible} == {"Charge"}
    assert "state <b>Charge</b> (Task)" in explorer.event_label.value
    explorer.slider.value = explorer.slider.max  # TaskStateExited: the visit is complete
    trace = explorer.trace_pane.value
    for label in ("Input", "After InputPath", "After Parameters", "Result", "After ResultPath", "Output"):
        assert f"<b>{label}</b>" in trace
    assert "&quot;charged&quot;: 12" in trace
    assert "&quot;receipt&quot;" in explorer.output_pane.value


def test_explorer_type_filter_shows_the_error(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert len(explorer.visible) == 1
    assert explorer.slider.disabled
    assert "LambdaFunctionFailed" in explorer.event_label.value
    assert "<b>Busy</b>" in explorer.error_pane.value
    assert "try again" in explorer.error_pane.value
    assert "&quot;type&quot;: &quot;LambdaFunctionFailed&quot;" in explorer.raw_pane.value


def test_explorer_filters_that_match_nothing(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    explorer.state_filter.value = "Ship"
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert explorer.visible == []
    assert explorer.current is None
    assert "no event matches" in explorer.event_label.value
    for pane in (
        explorer.input_pane,
        explorer.output_pane,
        explorer.error_pane,
        explorer.trace_pane,
        explorer.variables_pane,
        explorer.raw_pane,
    ):
        assert pane.value == ""
    explorer.type_filter.value = ALL  # back to the Ship events
    assert "state <b>Ship</b>" in explorer.event_label.value


@pytest.mark.exe
def test_explorer_graph_follows_the_current_event(flaky: sfn.LocalExecution) -> None:
    explorer = flaky.explore()
    graphs = {}
    for position in range(explorer.slider.max + 1):
        explorer.slider.value = position
        graphs[explorer.rows[explorer.visible[position]].event["type"]] = explorer.graph.value
    # the start marker is outlined first, the end marker last: two different pictures
    assert graphs["ExecutionStarted"] != graphs["ExecutionSucceeded"]
    assert graphs["TaskStateEntered"] != graphs["PassStateEntered"]
    assert all("<svg" in svg for svg in graphs.values())


def test_explorer_caught_error_and_failed_execution(checkout: sfn.StateMachine) -> None:
    caught = checkout.run({"card": "expired", "amount": 1}, resources={"Charge": charge})
    explorer = caught.explore()
    explorer.type_filter.value = "LambdaFunctionFailed"
    assert "<b>Declined</b>" in explorer.error_pane.value
    failed = checkout.run({"card": "flaky", "amount": 1}, resources={"Charge": lambda e: 1 / 0})
    explorer = failed.explore()
    assert "FAILED" in explorer.header.value
    assert "ZeroDivisionError" in explorer.header.value
    explorer.slider.value = explorer.slider.max
    assert "ExecutionFailed" in explorer.event_label.value
    assert "ZeroDivisionError" in explorer.error_pane.value


def test_explorer_follows_interleaved_map_iterations() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "Work",
                        "States": {
                            "Work": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work",
                                "End": True,
                            }
                        },
                    },
                    "End": True,
                }
            },
        }
    )

    def work(event: dict[str, str], context: Any) -> str:
        context.sleep(20 - len(event["item"]))  # the last item finishes first: the iterations interleave
        return event["item"].upper()

    items = ["first", "second", "third-item"]
    ex = sm.run([{"item": item} for item in items], resources={"Work": work})
    explorer = ex.explore()
    explorer.state_filter.value = "Work"
    finished = []
    for position, index in enumerate(explorer.visible):
        explorer.slider.value = position
        row = explorer.rows[index]
        item = items[row.iteration]
        trace = explorer.trace_pane.value
        assert f"&quot;{item}&quot;" in trace
        assert all(f"&quot;{other}&quot;" not in trace for other in items if other != item)
        if row.event["type"] == "TaskStateExited":
            finished.append(item)
    assert finished == ["third-item", "second", "first"]


def test_explorer_variables_tab() -> None:
    ex = sfn.StateMachine(BASKET, name="Basket").run({"prices": [1, 2, 3.5]})
    assert ex.output == {"total": 6.5}
    explorer = ex.explore()
    explorer.state_filter.value = "AddUp"
    explorer.slider.value = explorer.slider.max
    assigned, visible = _all_pre(explorer.variables_pane.value)
    assert json.loads(assigned) == {"total": 6.5}  # what this state assigned
    assert json.loads(visible) == {"total": 6.5}  # and every variable as it stands at this event
    explorer.state_filter.value = "Report"
    assert "no variables assigned" in explorer.variables_pane.value
    # the variables assigned earlier are still visible while Report runs
    assert json.loads(_all_pre(explorer.variables_pane.value)[-1]) == {"total": 6.5}
    assert explorer.tabs.get_title(4) == "Vars"


def test_explorer_without_graph(flaky: sfn.LocalExecution) -> None:
    explorer = ExecutionExplorer(flaky, graph=False)
    explorer.slider.value = 3
    assert explorer.graph.value == ""
    assert explorer.children[-1] is explorer.tabs  # the tabs alone, no graph beside them


# ---------------------------------------------------------------------------------------- RunPanel


@pytest.mark.exe
def test_run_panel_runs_the_input(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    assert json.loads(panel.input_box.value) == {"card": "ok", "amount": 3}
    ex = panel.run()
    assert ex is not None and ex is panel.execution
    assert ex.status == "SUCCEEDED"
    assert "SUCCEEDED" in panel.result.value
    assert "&quot;charged&quot;: 3" in panel.result.value
    assert "<svg" in panel.graph.value


def test_run_panel_without_dot_says_why_there_is_no_graph(checkout: sfn.StateMachine, no_dot: None) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    assert panel.run() is not None
    assert "SUCCEEDED" in panel.result.value
    assert panel.graph.value.startswith("<p><em>cannot draw the graph")
    assert "pip install graphviz-pure" in panel.graph.value


def test_run_panel_button(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, resources={"Charge": charge})
    panel.input_box.value = '{"card": "expired", "amount": 9}'
    panel.run_button.click()
    assert panel.execution is not None
    assert panel.execution.output == {"sorry": "the card expired"}
    assert "the card expired" in panel.result.value


def test_run_panel_shows_a_failure(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, resources={"Charge": charge})
    panel.input_box.value = '{"amount": 9}'  # no "card": the handler raises KeyError
    panel.run_button.click()
    assert panel.execution is not None and panel.execution.status == "FAILED"
    assert "FAILED" in panel.result.value
    assert "KeyError" in panel.result.value


def test_run_panel_rejects_invalid_json(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, resources={"Charge": charge})
    panel.input_box.value = '{"card": "ok", "amount": 3}'
    first = panel.run()
    panel.input_box.value = '{"card": "ok",'
    assert panel.run() is None
    assert "the input is not JSON" in panel.result.value
    assert panel.execution is first  # the last good run is kept
    panel.run_button.click()
    assert "the input is not JSON" in panel.result.value


def test_json_html_escapes_and_marks_absent_values() -> None:
    assert json_html(None) == "<span style='color:#888'>—</span>"
    assert "&lt;b&gt;" in json_html("<b>")


# ---------------------------------------------------------------------------------------- LiveProgress

SLOW = """
StartAt: Pause
States:
  Pause:
    Type: Wait
    Seconds: 3600
    Next: Each
  Each:
    Type: Map
    ItemProcessor:
      StartAt: Work
      States:
        Work:
          Type: Task
          Resource: arn:aws:lambda:us-east-1:123456789012:function:Work
          End: true
    End: true
"""


@pytest.mark.exe
def test_live_progress_of_a_background_run() -> None:
    gate = threading.Event()

    def work(event: Any, context: Any) -> Any:
        if not gate.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        return event * 2

    sm = sfn.StateMachine(SLOW, name="Slow")
    ex = sm.start([1, 2, 3, 4, 5], resources={"Work": work})
    try:
        live = ex.live()
        assert isinstance(live, LiveProgress)
        assert ex.live() is live
        _wait_until(lambda: any(e["type"] == "MapStateStarted" for e in ex.events))
        live.refresh()
        assert ex.status == "RUNNING"
        assert "RUNNING" in live.status.value
        assert live.map_progress.layout.display == ""
        assert live.map_progress.max == 5
        assert live.map_progress.value == 0
        bundle = ex._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
    finally:
        gate.set()
    ex.wait(timeout=30)
    assert ex.status == "SUCCEEDED"
    assert ex.output == [2, 4, 6, 8, 10]
    # the live view was redrawn when the run ended, without being asked
    assert "SUCCEEDED" in live.status.value
    assert live.map_progress.value == 5
    assert live.counter.value == f"{len(ex.events)} events"
    live.refresh()
    assert live.map_progress.value == live.map_progress.max == 5
    assert "<svg" in live.graph.value
    # once finished, the execution displays as its graph again
    assert "image/svg+xml" in ex._repr_mimebundle_()


def test_live_progress_of_a_finished_run(flaky: sfn.LocalExecution) -> None:
    live = LiveProgress(flaky, graph=False)
    assert "SUCCEEDED" in live.status.value
    assert live.counter.value == f"{len(flaky.events)} events"
    assert live.map_progress.layout.display == "none"  # no Map: no progress bar
    assert live.graph.value == ""


def _wait_until(condition: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the background run")
        time.sleep(0.01)


def _all_pre(value: str) -> list[str]:
    """The JSON texts of every json_html() <pre> block, in order."""
    import html
    import re

    return [html.unescape(m) for m in re.findall(r"<pre[^>]*>(.*?)</pre>", value, re.S)]


def _unescape_pre(value: str) -> str:
    """The JSON text inside json_html()'s <pre> block."""
    import html
    import re

    match = re.search(r"<pre[^>]*>(.*)</pre>", value, re.S)
    assert match is not None, value
    return html.unescape(match.group(1))


def test_explorer_header_shows_the_notes_behind_a_terse_cause() -> None:
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
