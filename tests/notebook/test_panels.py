"""The run panel, the live progress of a background run and the Map run view."""

from __future__ import annotations

import threading
from typing import Any

import pytest

pytest.importorskip("anywidget")

import sfn_notebook as sfn
from sfn_notebook.notebook.explorer import ExecutionExplorer
from sfn_notebook.notebook.panels import LiveProgress, MapRunView, RunPanel, map_runs

from .machines import CHECKOUT, EACH, charge


@pytest.fixture
def checkout() -> sfn.StateMachine:
    return sfn.StateMachine(CHECKOUT, name="Checkout")


# ---------------------------------------------------------------------------------------- RunPanel


@pytest.mark.exe
def test_run_panel_runs_the_input(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    ex = panel.run()
    assert ex is not None and ex is panel.execution
    assert ex.status == "SUCCEEDED"
    assert "SUCCEEDED" in panel.result.value
    assert panel.output.sections[0]["title"] == "Output"
    assert '"charged": 3' in panel.output.sections[0]["json"]
    assert "<svg" in panel.graph.value
    assert not panel.explore_button.disabled


def test_run_panel_opens_the_explorer_on_its_run(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    assert panel.explore_button.disabled
    panel.run_button.click()
    panel.explore_button.click()
    assert isinstance(panel.explorer, ExecutionExplorer)
    assert panel.explorer.execution is panel.execution
    assert panel.explorer_box.children == (panel.explorer,)
    assert panel.graph.value == ""  # the explorer's graph replaces the picture


def test_run_panel_without_dot_says_why_there_is_no_graph(checkout: sfn.StateMachine, no_dot: None) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    assert panel.run() is not None
    assert "SUCCEEDED" in panel.result.value
    assert panel.graph.value.startswith("<p><em>cannot draw the graph")


def test_run_panel_shows_a_failure(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, resources={"Charge": charge})
    panel.input_box.value = '{"amount": 9}'  # no "card": the handler raises KeyError
    panel.run_button.click()
    assert panel.execution is not None and panel.execution.status == "FAILED"
    assert "KeyError" in panel.result.value
    assert panel.output.sections[0]["title"] == "Error"


def test_invalid_json_clears_the_last_result(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, resources={"Charge": charge})
    panel.input_box.value = '{"card": "ok", "amount": 3}'
    panel.run()
    panel.explore()
    panel.input_box.value = '{"card": "ok",'
    assert panel.run() is None
    assert "the input is not JSON" in panel.result.value
    # nothing of the earlier run stays under the message
    assert panel.execution is None and panel.explore_button.disabled
    assert panel.output.sections == [] and panel.graph.value == "" and panel.explorer_box.children == ()


def test_run_panel_static_copy(checkout: sfn.StateMachine) -> None:
    panel = RunPanel(checkout, input={"card": "ok", "amount": 3}, resources={"Charge": charge})
    assert "no run yet" in panel._repr_mimebundle_()["text/html"]
    panel.run()
    assert "SUCCEEDED" in panel._repr_mimebundle_()["text/html"]


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
        assert (live.map_progress.value, live.map_progress.max) == (0, 5)
        assert live.map_label.value == "0 / 5 (running)"
        assert live.map_progress.bar_style == ""
        bundle = ex._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
    finally:
        gate.set()
    ex.wait(timeout=30)
    assert ex.status == "SUCCEEDED"
    # the live view was redrawn when the run ended, without being asked
    assert "SUCCEEDED" in live.status.value
    assert live.map_progress.value == 5
    assert live.map_label.value == "5 / 5 (done)"
    assert live.map_progress.bar_style == "success"  # no longer the blue of a running bar
    assert live.counter.value == f"{len(ex.events)} events"
    assert "<svg" in live.graph.value
    # once finished, the execution displays as its graph again
    assert "image/svg+xml" in ex._repr_mimebundle_()


def test_live_progress_marks_failed_items() -> None:
    def work(event: Any, context: Any) -> Any:
        if event == 2:
            raise sfn.TaskFailed("Bad", "item 2")
        return event

    ex = sfn.StateMachine(EACH, name="Each").run([1, 2, 3], resources={"Work": work})
    live = LiveProgress(ex, graph=False)
    assert live.map_progress.bar_style == "danger"
    assert "failed" in live.map_label.value


def test_live_progress_of_a_finished_run(checkout: sfn.StateMachine) -> None:
    ex = checkout.run({"card": "ok", "amount": 1}, resources={"Charge": charge})
    live = LiveProgress(ex, graph=False)
    assert "SUCCEEDED" in live.status.value
    assert live.counter.value == f"{len(ex.events)} events"
    assert live.map_progress.layout.display == "none"  # no Map: no progress bar
    assert live.graph.value == ""


def _wait_until(condition: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the background run")
        time.sleep(0.01)


# ---------------------------------------------------------------------------------------- MapRunView


def test_map_run_view_counts_items_and_opens_an_item() -> None:
    def work(event: Any, context: Any) -> Any:
        if event == 2:
            raise sfn.TaskFailed("Bad", "item 2")
        return event * 10

    ex = sfn.StateMachine(EACH, name="Each").run([1, 2, 3], resources={"Work": work})
    runs = map_runs(ex)
    run = runs["Each"]
    assert run.total == 3
    assert run.counts() == {"SUCCEEDED": 2, "FAILED": 1, "RUNNING": 0, "ABORTED": 0}
    assert [item.status for item in run.items] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    assert run.items[1].error == "Bad"
    view = MapRunView(ex)
    assert "<b>2</b> succeeded" in view.summary.value and "<b>1</b> failed" in view.summary.value
    view.item_choice.value = 1
    assert {e["type"] for e in view.item_table.events} >= {"MapIterationStarted", "LambdaFunctionFailed"}
    assert view.item_output.sections[0]["title"] == "Error"
    view.item_choice.value = 2
    assert view.item_output.sections[0]["json"] == "30"


def test_map_run_view_of_a_distributed_map() -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Double",
                    "States": {"Double": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    ex = sfn.StateMachine(definition, name="Dist").run([1, 2])
    run = map_runs(ex)["Each"]
    assert run.distributed and run.total == 2
    assert [item.status for item in run.items] == ["SUCCEEDED", "SUCCEEDED"]
    assert run.items[0].events[0]["type"] == "ExecutionStarted"  # the child execution's own history


@pytest.mark.exe
def test_a_background_run_displayed_updates_its_static_copy_when_it_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import IPython.display

    updates: list[dict[str, Any]] = []

    class Handle:
        def update(self, data: dict[str, Any], raw: bool = False) -> None:
            updates.append(data)

    shown: list[dict[str, Any]] = []

    def display(data: Any, raw: bool = False, display_id: Any = None, **kwargs: Any) -> Any:
        shown.append(data)
        return Handle() if display_id else None

    monkeypatch.setattr(IPython.display, "display", display)
    gate = threading.Event()

    def work(event: Any, context: Any) -> Any:
        gate.wait(timeout=30)
        return event

    ex = sfn.StateMachine(SLOW, name="Slow").start([1], resources={"Work": work})
    _wait_until(lambda: any(e["type"] == "MapStateStarted" for e in ex.events))
    ex._ipython_display_()
    assert [sorted(data) for data in shown] == [
        ["text/html", "text/plain"],
        ["application/vnd.jupyter.widget-view+json"],
    ]
    assert "RUNNING" in shown[0]["text/html"]
    gate.set()
    ex.wait(timeout=30)
    _wait_until(lambda: bool(updates))
    assert "SUCCEEDED" in updates[-1]["text/html"]
    shown.clear()
    ex._ipython_display_()  # finished: its graph
    assert "image/svg+xml" in shown[0]
