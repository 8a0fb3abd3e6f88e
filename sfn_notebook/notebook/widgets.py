"""ipywidgets for executions: the explorer, a run panel, and live progress of background runs.

The widgets hold no logic of their own beyond presentation: everything they show comes from
``Execution.events`` / ``history()`` / ``trace()``, the graph functions of :mod:`sfn_notebook.render`,
and :func:`sfn_notebook.display.graph_html` for the graphs (or why one cannot be drawn).
Their state lives in traits, so tests drive them by setting traits and reading what they show.
"""

from __future__ import annotations

import html
import json
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from ..display import graph_html
from ..history import event_details, event_rows, parse_json_text, variables_at

if TYPE_CHECKING:
    from ..execution import Execution
    from ..machine import StateMachine

__all__ = ["ExecutionExplorer", "RunPanel", "LiveProgress", "json_html"]

ALL = "(all)"
_STATUS_COLOURS = {
    "SUCCEEDED": "#2e7d32",
    "FAILED": "#c62828",
    "TIMED_OUT": "#c62828",
    "ABORTED": "#6d4c41",
    "RUNNING": "#1565c0",
}


def json_html(value: Any, empty: str = "—") -> str:
    """A JSON value as an escaped, indented ``<pre>`` block."""
    if value is None:
        return f"<span style='color:#888'>{empty}</span>"
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return (
        "<pre style='margin:0;max-height:22em;overflow:auto;font-size:12px;line-height:1.3'>"
        f"{html.escape(text)}</pre>"
    )


def _status_html(execution: Execution) -> str:
    colour = _STATUS_COLOURS.get(execution.status, "#333")
    parts = [
        f"<b>{html.escape(execution.name)}</b> ",
        f"<span style='color:{colour};font-weight:bold'>{execution.status}</span>",
    ]
    if execution.error is not None:
        parts.append(f" — <code>{html.escape(str(execution.error))}</code>")
    for note in dict.fromkeys(getattr(execution, "notes", ())):  # what AWS's terse cause leaves out
        parts.append(f"<br><small><em>note: {html.escape(note)}</em></small>")
    return "".join(parts)


class ExecutionExplorer(W.VBox):
    """Step or slide through an execution's events; the graph highlights the current state.

    Filters narrow the events by state and by event type; the tabs show the current event's
    state input/output, the error, the data-flow trace of that state visit, variables and the
    raw event.
    """

    def __init__(self, execution: Execution, *, rankdir: str = "TB", graph: bool = True) -> None:
        self.execution = execution
        self.rankdir = rankdir
        self.show_graph = graph
        self.events = execution.events
        self.rows = event_rows(self.events)
        self._svg_cache: dict[Any, str] = {}
        self._traces = {row["entered_event_id"]: row for row in _traces(execution)}
        states = sorted({r.state for r in self.rows if r.state is not None})
        types = sorted({e["type"] for e in self.events})
        self.header = W.HTML(_status_html(execution))
        self.state_filter = W.Dropdown(options=[ALL, *states], value=ALL, description="state")
        self.type_filter = W.Dropdown(options=[ALL, *types], value=ALL, description="event type")
        self.slider = W.IntSlider(min=0, max=0, value=0, description="event", continuous_update=True)
        self.first_button = W.Button(
            icon="fast-backward", layout=W.Layout(width="3em"), tooltip="first event"
        )
        self.prev_button = W.Button(
            icon="step-backward", layout=W.Layout(width="3em"), tooltip="previous event"
        )
        self.next_button = W.Button(icon="step-forward", layout=W.Layout(width="3em"), tooltip="next event")
        self.last_button = W.Button(icon="fast-forward", layout=W.Layout(width="3em"), tooltip="last event")
        self.event_label = W.HTML()
        self.graph = W.HTML()
        self.input_pane = W.HTML()
        self.output_pane = W.HTML()
        self.error_pane = W.HTML()
        self.trace_pane = W.HTML()
        self.variables_pane = W.HTML()
        self.raw_pane = W.HTML()
        self.tabs = W.Tab(
            children=[
                self.input_pane,
                self.output_pane,
                self.error_pane,
                self.trace_pane,
                self.variables_pane,
                self.raw_pane,
            ]
        )
        for i, title in enumerate(["Input", "Output", "Error", "Flow", "Vars", "Event"]):
            self.tabs.set_title(i, title)
        self.visible: list[int] = []
        self.first_button.on_click(lambda _: self._go(0))
        self.prev_button.on_click(lambda _: self._go(self.slider.value - 1))
        self.next_button.on_click(lambda _: self._go(self.slider.value + 1))
        self.last_button.on_click(lambda _: self._go(len(self.visible) - 1))
        self.state_filter.observe(self._refilter, names="value")
        self.type_filter.observe(self._refilter, names="value")
        self.slider.observe(self._show, names="value")
        controls = W.HBox(
            [self.first_button, self.prev_button, self.slider, self.next_button, self.last_button]
        )
        filters = W.HBox([self.state_filter, self.type_filter])
        body = W.HBox([self.graph, self.tabs]) if graph else self.tabs
        super().__init__([self.header, filters, controls, self.event_label, body])
        self._refilter()

    # -- navigation
    def _go(self, position: int) -> None:
        if self.visible:
            self.slider.value = max(0, min(position, len(self.visible) - 1))

    def _refilter(self, _change: Any = None) -> None:
        state, kind = self.state_filter.value, self.type_filter.value
        self.visible = [
            i
            for i, row in enumerate(self.rows)
            if (state == ALL or row.state == state) and (kind == ALL or row.event["type"] == kind)
        ]
        self.slider.max = max(0, len(self.visible) - 1)
        self.slider.disabled = len(self.visible) <= 1
        if self.slider.value > self.slider.max:
            self.slider.value = self.slider.max
        else:
            self._show()

    @property
    def current(self) -> dict[str, Any] | None:
        """The event the explorer shows (None when the filters match no event)."""
        if not self.visible:
            return None
        return self.rows[self.visible[self.slider.value]].event

    def _show(self, _change: Any = None) -> None:
        if not self.visible:
            self.event_label.value = "<em>no event matches the filters</em>"
            for pane in (
                self.input_pane,
                self.output_pane,
                self.error_pane,
                self.trace_pane,
                self.variables_pane,
                self.raw_pane,
            ):
                pane.value = ""
            return
        row = self.rows[self.visible[self.slider.value]]
        event = row.event
        details = event_details(event)
        when = event["timestamp"] - self.events[0]["timestamp"]
        where = (
            f" · state <b>{html.escape(row.state)}</b> ({row.state_type})" if row.state is not None else ""
        )
        self.event_label.value = (
            f"#{event['id']} <b>{event['type']}</b>{where} · +{when.total_seconds():.3f}s "
            f"<small>({self.slider.value + 1} of {len(self.visible)})</small>"
        )
        visit = self._visit_for(event["id"], row.state, row.visit_id)
        payload_in = details.get("input", details.get("parameters"))
        self.input_pane.value = json_html(
            parse_json_text(payload_in) if payload_in is not None else (visit or {}).get("input")
        )
        out = details.get("output")
        self.output_pane.value = json_html(
            parse_json_text(out) if out is not None else (visit or {}).get("output")
        )
        error = details.get("error", (visit or {}).get("error"))
        cause = details.get("cause", (visit or {}).get("cause"))
        self.error_pane.value = (
            json_html(None, "no error")
            if error is None and cause is None
            else f"<b>{html.escape(str(error))}</b>" + json_html(parse_json_text(cause), "")
        )
        self.trace_pane.value = _trace_html(visit)
        assigned = (visit or {}).get("variables")
        visible = variables_at(self.events, event["id"])
        self.variables_pane.value = (
            "<b>Assigned by this state</b>"
            + json_html(assigned, "no variables assigned")
            + "<b>All variables at this event</b>"
            + json_html(visible if visible else None, "none yet")
        )
        raw = {k: v for k, v in event.items() if k != "timestamp"}
        raw["timestamp"] = str(event["timestamp"])
        self.raw_pane.value = json_html(raw)
        if self.show_graph:
            self.graph.value = self._graph_svg(row.state, event)

    def _visit_for(
        self, event_id: int, state: str | None, visit_id: int | None = None
    ) -> dict[str, Any] | None:
        if state is None:
            return None
        # the visit the event belongs to; Map iterations interleave, so the latest visit entered
        # before the event is only a fallback
        exact = self._traces.get(visit_id) if visit_id is not None else None
        if exact is not None:
            return exact
        best = None
        for entered, trace in self._traces.items():
            if entered <= event_id and trace["state"] == state:
                best = trace
        return best

    def _graph_svg(self, state: str | None, event: dict[str, Any]) -> str:
        # the outlined node is the event's state; an event of no state (ExecutionStarted,
        # ExecutionSucceeded, ...) outlines the start or end marker, or nothing, by its type
        key = ("state", state) if state is not None else ("event", event["type"])
        cached = self._svg_cache.get(key)
        if cached is None:
            from ..render import render_execution

            event_id = event["id"]
            cached = graph_html(
                lambda: render_execution(self.execution, rankdir=self.rankdir, current_event=event_id)
            )
            self._svg_cache[key] = cached
        return cached


def _traces(execution: Execution) -> list[dict[str, Any]]:
    from ..trace import visit_traces

    try:
        return visit_traces(execution)
    except Exception:  # the inspector is a bonus: never let it break the explorer
        return []


_TRACE_LABELS = [
    ("input", "Input"),
    ("afterInputPath", "After InputPath"),
    ("afterParameters", "After Parameters"),
    ("afterArguments", "After Arguments"),
    ("result", "Result"),
    ("afterResultSelector", "After ResultSelector"),
    ("afterResultPath", "After ResultPath"),
    ("errorOutput", "Error output (Catch)"),
    ("output", "Output"),
]


def _trace_html(visit: dict[str, Any] | None) -> str:
    if visit is None:
        return json_html(None, "not inside a state")
    rows = []
    for key, label in _TRACE_LABELS:
        if visit.get(key) is not None:
            rows.append(
                f"<tr><td style='vertical-align:top;white-space:nowrap;padding-right:1em'><b>{label}</b></td>"
                f"<td>{json_html(visit[key])}</td></tr>"
            )
    return "<table>" + "".join(rows) + "</table>"


class RunPanel(W.VBox):
    """Edit the input JSON, run the state machine locally, see the result (and explore it)."""

    def __init__(self, machine: StateMachine, *, input: Any = None, resources: Any = None) -> None:
        self.machine = machine
        self.resources = resources
        self.execution: Execution | None = None
        self.input_box = W.Textarea(
            value=json.dumps({} if input is None else input, indent=2),
            description="input",
            layout=W.Layout(width="100%", height="8em"),
        )
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.result = W.HTML()
        self.graph = W.HTML()
        self.run_button.on_click(lambda _: self.run())
        super().__init__(
            [
                W.HTML(f"<b>{html.escape(machine.name)}</b>"),
                self.input_box,
                self.run_button,
                self.result,
                self.graph,
            ]
        )

    def run(self) -> Execution | None:
        """Run with the JSON in the input box; shows the outcome (or why the input is not JSON)."""
        try:
            payload = json.loads(self.input_box.value)
        except ValueError as exc:
            self.result.value = (
                f"<span style='color:#c62828'>the input is not JSON: {html.escape(str(exc))}</span>"
            )
            return None
        execution = self.machine.run(payload, resources=self.resources)
        self.execution = execution
        body = (
            json_html(execution.output)
            if execution.status == "SUCCEEDED"
            else json_html({"error": execution.error, "cause": execution.cause})
        )
        self.result.value = _status_html(execution) + body
        self.graph.value = graph_html(execution.graph)
        return execution


class LiveProgress(W.VBox):
    """Progress of a background run (``sm.start()``): status, event count, Map iterations, the graph.

    It follows the run through ``execution.subscribe()``: each new event, and the run's stop.
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
        self.graph = W.HTML()
        self._last = 0.0
        self._lock = threading.Lock()
        super().__init__([self.status, self.counter, self.map_progress, self.graph])
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

    def refresh(self) -> None:
        """Redraw from the execution's current history."""
        with self._lock:
            execution = self.execution
            events = execution.events
            self.status.value = _status_html(execution)
            self.counter.value = f"{len(events)} events"
            total = done = 0
            for event in events:
                if event["type"] == "MapStateStarted":
                    total += event_details(event).get("length", 0)
                elif event["type"] in ("MapIterationSucceeded", "MapIterationFailed"):
                    done += 1
            if total > 0:
                self.map_progress.layout.display = ""
                self.map_progress.max = total
                self.map_progress.value = min(done, total)
            if self.show_graph:
                current = events[-1]["id"] if events else None
                from ..render import render_execution

                self.graph.value = graph_html(lambda: render_execution(execution, current_event=current))
