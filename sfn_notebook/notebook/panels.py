"""Panels around runs: run a machine from an input box, follow a background run, look at Map runs."""

from __future__ import annotations

import html
import json
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from ..display import graph_html as drawn_graph
from ..history import event_details, event_rows
from ..render.html import execution_html, seconds_text, status_html
from .components import EventTable, JsonView, StaticFallback

if TYPE_CHECKING:
    from ..execution import Execution
    from ..machine import StateMachine

__all__ = ["LiveProgress", "MapRunView", "RunPanel"]


class RunPanel(StaticFallback, W.VBox):  # type: ignore[misc]
    """Edit the input JSON, run the state machine locally, see the result, open the explorer on it."""

    def __init__(self, machine: StateMachine, *, input: Any = None, resources: Any = None) -> None:
        self.machine = machine
        self.resources = resources
        self.execution: Execution | None = None
        self.explorer: Any = None
        self.input_box = W.Textarea(
            value=json.dumps({} if input is None else input, indent=2),
            description="input",
            layout=W.Layout(width="100%", height="8em"),
        )
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.explore_button = W.Button(
            description="Explore", icon="search", tooltip="open the explorer on this run", disabled=True
        )
        self.result = W.HTML()
        self.output = JsonView()
        self.graph = W.HTML()
        self.explorer_box = W.Box()
        self.run_button.on_click(lambda _: self.run())
        self.explore_button.on_click(lambda _: self.explore())
        super().__init__(
            [
                W.HTML(f"<b>{html.escape(machine.name)}</b>"),
                self.input_box,
                W.HBox([self.run_button, self.explore_button]),
                self.result,
                self.output,
                self.graph,
                self.explorer_box,
            ]
        )
        self.add_class("sfn-live")

    def _clear(self) -> None:
        self.execution = None
        self.explore_button.disabled = True
        self.output.sections = []
        self.graph.value = ""
        self.explorer_box.children = []
        self.explorer = None

    def run(self) -> Execution | None:
        """Run with the JSON in the input box; shows the outcome, or only why the input is not JSON."""
        try:
            payload = json.loads(self.input_box.value)
        except ValueError as exc:
            self._clear()  # nothing of an earlier run stays under the message
            self.result.value = (
                f"<span style='color:#d13212'>the input is not JSON: {html.escape(str(exc))}</span>"
            )
            return None
        self._clear()
        execution = self.machine.run(payload, resources=self.resources)
        self.execution = execution
        self.explore_button.disabled = False
        self.result.value = status_html(execution)
        if execution.status == "SUCCEEDED":
            self.output.show(("Output", execution.output))
        else:
            self.output.show(("Error", {"error": execution.error, "cause": execution.cause}))
        self.graph.value = drawn_graph(execution.graph)
        return execution

    def explore(self) -> Any:
        """Open the explorer on the last run, under the panel (its graph then replaces the picture)."""
        if self.execution is None:
            return None
        from .explorer import ExecutionExplorer

        self.explorer = ExecutionExplorer(self.execution)
        self.graph.value = ""
        self.explorer_box.children = [self.explorer]
        return self.explorer

    def static_html(self) -> str:
        title = f"<p><b>Run panel of {html.escape(self.machine.name)}</b></p>"
        if self.execution is None:
            return title + "<p><em>no run yet</em></p>"
        return title + execution_html(self.execution, None, None)


class LiveProgress(StaticFallback, W.VBox):  # type: ignore[misc]
    """Progress of a background run (``sm.start()``): status, event count, Map items, the graph.

    It follows the run through ``execution.subscribe()``: each new event, and the run's stop.  The
    static copy it leaves in the notebook is brought up to date when the run stops.
    """

    def __init__(self, execution: Any, *, interval: float = 0.25, graph: bool = True) -> None:
        self.execution = execution
        self.interval = interval
        self.show_graph = graph
        self.status = W.HTML()
        self.counter = W.HTML()
        self.map_progress = W.IntProgress(
            min=0, max=1, value=0, description="Map items", layout=W.Layout(display="none")
        )
        self.map_label = W.HTML(layout=W.Layout(display="none"))
        self.graph = W.HTML()
        self._last = 0.0
        self._lock = threading.Lock()
        self._handle: Any = None
        super().__init__([self.status, self.counter, W.HBox([self.map_progress, self.map_label]), self.graph])
        self.add_class("sfn-live")
        self.refresh()
        execution.subscribe(self._on_event)
        if execution.done:  # it may have ended between the first refresh and the subscription
            self.refresh()

    def _on_event(self, execution: Any, event_id: int | None) -> None:
        """A new event (redrawn at most every ``interval`` seconds), or None: the run stopped."""
        now = time.monotonic()
        final = event_id is None or execution.done
        if final or now - self._last >= self.interval:
            self._last = now
            self.refresh()
        if event_id is None and self._handle is not None:
            self._handle.update(self._static_bundle(), raw=True)

    def refresh(self) -> None:
        """Redraw from the execution's current history."""
        with self._lock:
            execution = self.execution
            events = execution.events
            self.status.value = status_html(execution)
            self.counter.value = f"{len(events)} events"
            total = done = failed = 0
            # a local history gives its types without shaping every event at each refresh
            kinds = events.types() if hasattr(events, "types") else [event["type"] for event in events]
            for index, kind in enumerate(kinds):
                if kind == "MapStateStarted":
                    total += event_details(events[index]).get("length", 0)
                elif kind == "MapIterationSucceeded":
                    done += 1
                elif kind in ("MapIterationFailed", "MapIterationAborted"):
                    done += 1
                    failed += 1
            if total > 0:
                self.map_progress.layout.display = ""
                self.map_label.layout.display = ""
                self.map_progress.max = total
                self.map_progress.value = min(done, total)
                state = "done" if done >= total else "running"
                extra = f", {failed} failed" if failed else ""
                self.map_label.value = f"{min(done, total)} / {total} ({state}{extra})"
                if failed:
                    self.map_progress.bar_style = "danger"
                elif done >= total:
                    self.map_progress.bar_style = "success"
                else:
                    self.map_progress.bar_style = ""
            if self.show_graph:
                current = events[-1]["id"] if events else None
                from ..render import render_execution

                self.graph.value = drawn_graph(lambda: render_execution(execution, current_event=current))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self._handle = display(self._static_bundle(), raw=True, display_id=True)
        view = W.VBox._repr_mimebundle_(self)
        data = view[0] if isinstance(view, tuple) else view
        if data:
            from .components import WIDGET_VIEW

            display({WIDGET_VIEW: data[WIDGET_VIEW]}, raw=True)
        if self.execution.done:
            self._handle.update(self._static_bundle(), raw=True)

    def static_html(self) -> str:
        from ..display import GraphDisplay

        svg, why = GraphDisplay(self.execution.graph).drawing()
        return execution_html(self.execution, svg, why)


class MapRunView(StaticFallback, W.VBox):  # type: ignore[misc]
    """The Map states of an execution: items succeeded, failed and running, the item table, and
    the history of the item chosen (a Distributed Map's child execution, or an inline iteration)."""

    def __init__(self, execution: Any) -> None:
        self.execution = execution
        self.maps = map_runs(execution)
        names = list(self.maps)
        self.map_choice = W.Dropdown(options=names, description="Map", value=names[0] if names else None)
        self.summary = W.HTML()
        self.items = W.HTML()
        self.item_choice = W.Dropdown(description="item", options=[])
        self.item_table = EventTable([], height=360)
        self.item_output = JsonView()
        self.map_choice.observe(lambda _: self._show_map(), names="value")
        self.item_choice.observe(lambda _: self._show_item(), names="value")
        super().__init__(
            [
                W.HBox([self.map_choice]),
                self.summary,
                self.items,
                W.HTML("<b>An item's history</b>"),
                self.item_choice,
                self.item_table,
                self.item_output,
            ]
        )
        self.add_class("sfn-live")
        self._show_map()

    def _show_map(self) -> None:
        run = self.maps.get(self.map_choice.value)
        if run is None:
            self.summary.value = "<em>no Map state ran</em>"
            return
        self.summary.value = run.summary_html()
        self.items.value = run.items_html()
        self.item_choice.options = [
            (f"item {item.index} ({item.status.lower()})", item.index) for item in run.items
        ]
        self._show_item()

    def _show_item(self) -> None:
        run = self.maps.get(self.map_choice.value)
        if run is None or self.item_choice.value is None:
            self.item_table.load([])
            self.item_output.sections = []
            return
        item = next(item for item in run.items if item.index == self.item_choice.value)
        self.item_table.load(item.events)
        self.item_output.show(
            (
                "Output" if item.error is None else "Error",
                item.output if item.error is None else {"error": item.error, "cause": item.cause},
            )
        )

    def static_html(self) -> str:
        return "".join(run.summary_html() + run.items_html() for run in self.maps.values())


class MapItem:
    def __init__(self, index: int, events: list[dict[str, Any]]) -> None:
        self.index = index
        self.events = events
        self.status = "RUNNING"
        self.error: str | None = None
        self.cause: str | None = None
        self.output: Any = None
        self.seconds: float | None = None


class MapRun:
    """One Map state's items, read from the parent history (inline) or the child histories."""

    def __init__(self, name: str, distributed: bool, total: int) -> None:
        self.name = name
        self.distributed = distributed
        self.total = total
        self.items: list[MapItem] = []

    def counts(self) -> dict[str, int]:
        counts = {"SUCCEEDED": 0, "FAILED": 0, "RUNNING": 0, "ABORTED": 0}
        for item in self.items:
            counts[item.status if item.status in counts else "FAILED"] += 1
        counts["RUNNING"] += max(0, self.total - len(self.items))
        return counts

    def summary_html(self) -> str:
        counts = self.counts()
        kind = "Distributed Map" if self.distributed else "Map"
        cells = [
            f'<span style="color:#1d8102"><b>{counts["SUCCEEDED"]}</b> succeeded</span>',
            f'<span style="color:#d13212"><b>{counts["FAILED"]}</b> failed</span>',
            f'<span style="color:#0972d3"><b>{counts["RUNNING"]}</b> running</span>',
        ]
        if counts["ABORTED"]:
            cells.append(f'<span style="color:#5f6b7a"><b>{counts["ABORTED"]}</b> aborted</span>')
        return (
            f"<p><b>{html.escape(self.name)}</b> ({kind}): {self.total} items · " + " · ".join(cells) + "</p>"
        )

    def items_html(self) -> str:
        colours = {"SUCCEEDED": "#1d8102", "FAILED": "#d13212", "RUNNING": "#0972d3", "ABORTED": "#5f6b7a"}
        rows = []
        for item in self.items:
            took = seconds_text(item.seconds) if item.seconds is not None else ""
            error = html.escape(f"{item.error}: {item.cause}" if item.error is not None else "")
            cell = "style='padding:1px 10px 1px 4px;text-align:{}'"
            rows.append(
                f"<tr><td {cell.format('right')}>{item.index}</td>"
                f"<td {cell.format('left')}><b style='color:{colours.get(item.status, '#16191f')}'>{item.status}</b></td>"
                f"<td {cell.format('right')}>{took}</td><td {cell.format('right')}>{len(item.events)}</td>"
                f"<td {cell.format('left')}>{error}</td></tr>"
            )
        head = "".join(
            f"<th style='padding:2px 10px 2px 4px;text-align:{align};background:#f2f3f3'>{title}</th>"
            for title, align in (
                ("item", "right"),
                ("status", "left"),
                ("time", "right"),
                ("events", "right"),
                ("error", "left"),
            )
        )
        return (
            "<div style='max-height:260px;overflow:auto;border:1px solid #d5dbe1;border-radius:4px'>"
            "<table style='border-collapse:collapse;width:100%;font-size:12px;line-height:1.4'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )


def map_runs(execution: Any) -> dict[str, MapRun]:
    """Each Map state of the execution (by name) with its items and their histories."""
    events = execution.events
    rows = event_rows(events)
    runs: dict[str, MapRun] = {}
    children = getattr(execution, "map_runs", {}) or {}
    for row in rows:
        kind = row.event["type"]
        details = event_details(row.event)
        if kind == "MapStateStarted" and row.state is not None and row.state not in runs:
            runs[row.state] = MapRun(row.state, False, int(details.get("length", 0)))
        elif kind == "MapRunStarted" and row.state is not None:
            arn = details.get("mapRunArn")
            run = runs.setdefault(row.state, MapRun(row.state, True, 0))
            run.distributed = True
            for index, history in enumerate(children.get(arn, [])):
                run.items.append(_child_item(index, history))
            run.total = max(run.total, len(run.items))
    for name, run in runs.items():
        if run.distributed:
            continue
        by_index: dict[int, MapItem] = {}
        for row in rows:
            kind = row.event["type"]
            details = event_details(row.event)
            position: Any = row.iteration
            if kind.startswith("MapIteration") and details.get("name") == name:
                position = details.get("index")
            elif row.parent != name:
                continue
            if not isinstance(position, int):
                continue
            item = by_index.setdefault(position, MapItem(position, []))
            item.events.append(row.event)
            if kind == "MapIterationSucceeded" and details.get("name") == name:
                item.status = "SUCCEEDED"
            elif kind == "MapIterationFailed" and details.get("name") == name:
                item.status = "FAILED"
            elif kind == "MapIterationAborted" and details.get("name") == name and item.status == "RUNNING":
                item.status = "ABORTED"  # stopped by a sibling's failure (one that had finished stays so)
            elif "error" in details and item.error is None and kind.endswith("Failed"):
                item.error, item.cause = details.get("error"), details.get("cause")
            elif kind.endswith("StateExited") and row.parent == name:
                item.output = details.get("output")
        for item in by_index.values():
            if len(item.events) > 1:
                item.seconds = (item.events[-1]["timestamp"] - item.events[0]["timestamp"]).total_seconds()
            if item.status == "SUCCEEDED":
                item.error = item.cause = None
            item.output = _parsed(item.output)
        run.items = [by_index[i] for i in sorted(by_index)]
    return runs


def _child_item(index: int, history: list[dict[str, Any]]) -> MapItem:
    item = MapItem(index, history)
    last = history[-1] if history else None
    if last is not None:
        status = {
            "ExecutionSucceeded": "SUCCEEDED",
            "ExecutionFailed": "FAILED",
            "ExecutionTimedOut": "FAILED",
            "ExecutionAborted": "ABORTED",
        }.get(last["type"], "RUNNING")
        item.status = status
        details = event_details(last)
        item.error, item.cause = details.get("error"), details.get("cause")
        item.output = _parsed(details.get("output"))
        item.seconds = (last["timestamp"] - history[0]["timestamp"]).total_seconds()
    return item


def _parsed(value: Any) -> Any:
    from ..history import parse_json_text

    return parse_json_text(value)
