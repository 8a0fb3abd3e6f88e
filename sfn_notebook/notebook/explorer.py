"""The execution explorer: step through the events; the graph, the event table and the panes follow.

Layout: the status; the step controls (the slider counts events from 1) and the filters; then the
main view (Graph, Events, Timeline, and Map runs when the execution has Map states) beside the
data panes (Input, Output, Error, Data flow, Variables, Event, and Evaluate: an expression
evaluated against the data at the current event).  The two sit side by side, the main
view resizable by its corner, and stack on a narrow page.

Extending it: :meth:`ExecutionExplorer.add_tab` adds a data pane (any widget) that is told of each
step, :meth:`~ExecutionExplorer.add_view` a main view, :meth:`~ExecutionExplorer.add_action` a
button (or any widget) to the tool bar, and :meth:`~ExecutionExplorer.on_step` calls a function
at each step.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from ..history import EventRow, event_details, event_rows, parse_json_text, variables_at
from ..render.html import execution_html, seconds_text, status_html
from .components import EventTable, GraphView, JsonView, StaticFallback, json_text

if TYPE_CHECKING:
    from ..execution import Execution

__all__ = ["ALL", "ExecutionExplorer"]

ALL = "(all)"

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
PANES = ("Input", "Output", "Error", "Data flow", "Variables", "Event")


class ExecutionExplorer(StaticFallback, W.VBox):  # type: ignore[misc]
    """Step or slide through an execution's events; the graph outlines the current state.

    ``slider`` (1 to the number of events that pass the filters), the buttons, a click on a
    node of the graph (the state filter becomes its state) or on a row of the event table move it.
    ``state_filter`` and ``type_filter`` narrow the events; ``panes`` holds the data panes by title.
    """

    def __init__(self, execution: Execution, *, rankdir: str = "TB", graph: bool = True) -> None:
        self.execution = execution
        self.rankdir = rankdir
        self.events = execution.events
        self.rows: list[EventRow] = event_rows(self.events)
        self._traces = {row["entered_event_id"]: row for row in _traces(execution)}
        self._steppers: list[Callable[[ExecutionExplorer, dict[str, Any] | None], None]] = []
        self._moving = False
        self._why: str | None = None  # why the graph could not be drawn
        self.visible: list[int] = []
        states = sorted({r.state for r in self.rows if r.state is not None})
        types = sorted({e["type"] for e in self.events})

        self.header = W.HTML(status_html(execution))
        self.slider = W.IntSlider(
            min=1, max=1, value=1, description="event", continuous_update=True,
            layout=W.Layout(flex="1 1 auto", min_width="12em"),
        )  # fmt: skip
        self.first_button = _button("fast-backward", "first event")
        self.prev_button = _button("step-backward", "previous event")
        self.next_button = _button("step-forward", "next event")
        self.last_button = _button("fast-forward", "last event")
        self.event_label = W.HTML()
        self.state_filter = W.Dropdown(options=[ALL, *states], value=ALL, description="state")
        self.type_filter = W.Dropdown(options=[ALL, *types], value=ALL, description="event type")
        self.actions = W.HBox(layout=W.Layout(flex_flow="row wrap", align_items="center"))

        self.graph: GraphView | None = None
        self.table = EventTable(self.events)
        self.timeline = W.HTML()
        self._timeline_drawn = False
        views: list[tuple[str, W.Widget]] = []
        if graph:
            self.graph = GraphView(self._draw_graph, collapsible=_containers(execution))
            views.append(("Graph", self.graph))
        views += [("Events", self.table), ("Timeline", self.timeline)]
        if any(e["type"] in ("MapStateStarted", "MapRunStarted") for e in self.events):
            from .panels import MapRunView

            views.append(("Map runs", MapRunView(execution)))
        self.views = W.Tab(children=[w for _, w in views], titles=[t for t, _ in views])
        self.views.add_class("sfn-main")
        self.views.observe(self._view_chosen, names="selected_index")
        self.panes: dict[str, W.Widget] = {title: JsonView() for title in PANES}
        self._pane_updates: dict[str, Callable[[ExecutionExplorer, dict[str, Any] | None], None]] = {}
        self.tabs = W.Tab(children=list(self.panes.values()), titles=list(self.panes))
        self.tabs.add_class("sfn-side")

        self.first_button.on_click(lambda _: self.go(0))
        self.prev_button.on_click(lambda _: self.go(self.position - 1))
        self.next_button.on_click(lambda _: self.go(self.position + 1))
        self.last_button.on_click(lambda _: self.go(len(self.visible) - 1))
        self.state_filter.observe(self._refilter, names="value")
        self.type_filter.observe(self._refilter, names="value")
        self.slider.observe(self._show, names="value")
        self.table.observe(self._row_chosen, names="selected")
        if self.graph is not None:
            self.graph.observe(self._node_chosen, names="clicks")

        controls = W.HBox(
            [self.first_button, self.prev_button, self.slider, self.next_button, self.last_button],
            layout=W.Layout(align_items="center"),
        )
        filters = W.HBox(
            [self.state_filter, self.type_filter, self.actions],
            layout=W.Layout(flex_flow="row wrap", align_items="center"),
        )
        body = W.Box([self.views, self.tabs])
        body.add_class("sfn-body")
        super().__init__([self.header, controls, filters, self.event_label, body])
        self.add_class("sfn-explorer")
        self.add_class("sfn-live")
        self._refilter()
        from .scratchpad import EvaluatePane

        self.evaluator = EvaluatePane(execution)
        self.add_tab("Evaluate", self.evaluator, self.evaluator.step)
        self.tester: Any = None  # the StateTester the "test this state" action opened
        if execution.state_machine is not None:
            self.test_button = W.Button(
                description="Test this state",
                icon="flask",
                tooltip="test the current state alone (TestState) with its recorded input",
            )
            self.test_button.on_click(lambda _: self.test_state())
            self.add_action(self.test_button)

    def test_state(self, on: Any = None) -> Any:
        """Open the "Test state" pane for the current event's state: its recorded input (and the
        result or error its work recorded, as a mock) in editors, and the stages side by side."""
        from .tester import StateTester

        row = self.current_row
        sm = self.execution.state_machine
        if row is None or row.state is None or sm is None:
            return None
        recorded = self._visit_for(row.event["id"], row.state, row.visit_id) or {}
        # the run's handlers serve the state when the user clears the mock
        registry = getattr(getattr(getattr(self.execution, "_run", None), "setup", None), "handlers", None)
        resources = {n: registry.lookup(n) for n in registry.names()} if registry is not None else None
        tester = StateTester(sm, row.state, recorded, on=on, resources=resources)
        self.tester = tester
        title = "Test state"
        if title in self.panes:
            index = list(self.panes).index(title)
            children = list(self.tabs.children)
            children[index] = tester
            self.panes[title] = tester
            self.tabs.children = children
            self.tabs.set_title(index, title)
        else:
            self.add_tab(title, tester)
        self.tabs.selected_index = list(self.panes).index(title)
        return tester

    # ------------------------------------------------------------------ extending
    def add_tab(
        self,
        title: str,
        widget: W.Widget,
        update: Callable[[ExecutionExplorer, dict[str, Any] | None], None] | None = None,
    ) -> W.Widget:
        """Add a data pane; ``update(explorer, event)`` is called now and at each step."""
        self.panes[title] = widget
        self.tabs.children = [*self.tabs.children, widget]
        self.tabs.set_title(len(self.tabs.children) - 1, title)
        if update is not None:
            self._pane_updates[title] = update
            update(self, self.current)
        return widget

    def add_view(self, title: str, widget: W.Widget) -> W.Widget:
        """Add a main view beside Graph, Events and Timeline."""
        self.views.children = [*self.views.children, widget]
        self.views.set_title(len(self.views.children) - 1, title)
        return widget

    def add_action(self, widget: W.Widget) -> W.Widget:
        """Add a button (or any widget) to the tool bar, after the filters."""
        self.actions.children = [*self.actions.children, widget]
        return widget

    def on_step(self, callback: Callable[[ExecutionExplorer, dict[str, Any] | None], None]) -> None:
        """Call ``callback(explorer, event)`` at each step (event None when no event passes the filters)."""
        self._steppers.append(callback)

    # ------------------------------------------------------------------ navigation
    @property
    def position(self) -> int:
        """The current event's position among the events that pass the filters (from 0)."""
        return self.slider.value - 1

    def go(self, position: int) -> None:
        """Show the event at ``position`` (from 0) among those that pass the filters."""
        if self.visible:
            self.slider.value = max(0, min(position, len(self.visible) - 1)) + 1

    def go_to_event(self, event_id: int) -> None:
        """Show the event with this id; the filters are cleared if they hide it."""
        index = next((i for i, row in enumerate(self.rows) if row.event["id"] == event_id), None)
        if index is None:
            raise ValueError(f"the execution has no event with id {event_id!r}")
        if index not in self.visible:
            self._moving = True
            try:
                self.state_filter.value = ALL
                self.type_filter.value = ALL
            finally:
                self._moving = False
            self._refilter()
        self.go(self.visible.index(index))

    @property
    def current(self) -> dict[str, Any] | None:
        """The event the explorer shows (None when the filters match no event)."""
        row = self.current_row
        return row.event if row is not None else None

    @property
    def current_row(self) -> EventRow | None:
        if not self.visible:
            return None
        return self.rows[self.visible[self.position]]

    def _refilter(self, _change: Any = None) -> None:
        if self._moving:
            return
        before = self.visible[self.position] if self.visible and 0 <= self.position < len(self.visible) else 0
        state, kind = self.state_filter.value, self.type_filter.value
        self.visible = [
            i
            for i, row in enumerate(self.rows)
            if (state == ALL or row.state == state) and (kind == ALL or row.event["type"] == kind)
        ]
        # stay on the event shown if it still passes, else go to the next one that does (or the last)
        after = next((p for p, i in enumerate(self.visible) if i >= before), len(self.visible) - 1)
        with self.slider.hold_trait_notifications():
            self.slider.max = max(1, len(self.visible))
            self.slider.disabled = len(self.visible) <= 1
        if self.visible and self.slider.value != after + 1:
            self.slider.value = after + 1
        else:
            self._show()

    def _row_chosen(self, change: Any) -> None:
        event_id = change["new"]
        current = self.current
        if current is not None and current["id"] == event_id:
            return
        if any(row.event["id"] == event_id for row in self.rows):
            self.go_to_event(event_id)

    def _node_chosen(self, _change: Any) -> None:
        assert self.graph is not None
        state = self.graph.clicked
        if state in ("start", "end") or state not in self.state_filter.options:
            self.state_filter.value = ALL
            if state == "end":
                self.go(len(self.visible) - 1)
            elif state == "start":
                self.go(0)
            return
        self.state_filter.value = state
        self.graph.selected = state

    def _view_chosen(self, change: Any) -> None:
        if self.views.children[change["new"]] is self.timeline and not self._timeline_drawn:
            self._draw_timeline()

    def _draw_timeline(self) -> None:
        from ..render.timeline import timeline_svg

        self.timeline.value = f'<div class="sfn-timeline">{timeline_svg(self.events, width=620)}</div>'
        self._timeline_drawn = True

    # ------------------------------------------------------------------ showing an event
    def _show(self, _change: Any = None) -> None:
        row = self.current_row
        if row is None:
            self.event_label.value = "<em>no event matches the filters</em>"
            for title in PANES:
                self.panes[title].show()  # type: ignore[attr-defined]
            self._tell(None)
            return
        event = row.event
        where = (
            f" · state <b>{html.escape(row.state)}</b> ({row.state_type})" if row.state is not None else ""
        )
        when = seconds_text((event["timestamp"] - self.events[0]["timestamp"]).total_seconds())
        self.event_label.value = (
            f"#{event['id']} <b>{html.escape(event['type'])}</b>{where} · +{when} "
            f"<small>({self.position + 1} of {len(self.visible)})</small>"
        )
        self._fill_panes(row)
        if self.graph is not None:
            if row.state is not None:
                self.graph.current = row.state
            else:
                kind = event["type"]
                self.graph.current = {"ExecutionStarted": "start", "ExecutionSucceeded": "end"}.get(kind, "")
        if self.table.selected != event["id"]:
            self.table.selected = event["id"]
        self._tell(event)

    def _tell(self, event: dict[str, Any] | None) -> None:
        for update in self._pane_updates.values():
            update(self, event)
        for callback in self._steppers:
            callback(self, event)

    def _fill_panes(self, row: EventRow) -> None:
        event = row.event
        details = event_details(event)
        visit = self._visit_for(event["id"], row.state, row.visit_id) or {}
        payload_in = details.get("input", details.get("parameters"))
        panes: dict[str, Any] = self.panes
        panes["Input"].show(
            ("Input", parse_json_text(payload_in) if payload_in is not None else visit.get("input"))
        )
        out = details.get("output")
        panes["Output"].show(("Output", parse_json_text(out) if out is not None else visit.get("output")))
        error = details.get("error", visit.get("error"))
        cause = details.get("cause", visit.get("cause"))
        if error is None and cause is None:
            panes["Error"].show({"title": "Error", "json": None, "empty": "no error"})
        else:
            panes["Error"].show(
                {"title": str(error), "json": json_text(parse_json_text(cause)), "note": "cause"}
            )
        if not visit:
            panes["Data flow"].show({"title": "Data flow", "json": None, "empty": "not inside a state"})
        else:
            panes["Data flow"].show(
                *[(label, visit[key]) for key, label in _TRACE_LABELS if visit.get(key) is not None]
            )
        everything = variables_at(self.events, event["id"])
        panes["Variables"].show(
            {"title": "Assigned by this state", "json": _maybe(visit.get("variables")), "empty": "none"},
            {"title": "All variables at this event", "json": _maybe(everything or None), "empty": "none yet"},
        )
        raw = {k: (str(v) if k == "timestamp" else v) for k, v in event.items()}
        panes["Event"].show((f"Event {event['id']}", raw))

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

    def _draw_graph(self, collapsed: list[str]) -> tuple[str, dict[str, str]]:
        from ..display import GraphDisplay
        from ..render import render_execution
        from ..render.layout import build_layout, node_ids
        from ..render.overlay import _execution_machine

        drawn, why = GraphDisplay(
            lambda: render_execution(self.execution, rankdir=self.rankdir, collapsed=collapsed)
        ).drawing()
        if drawn is None:
            return (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="30"><text x="4" y="18">{html.escape(str(why))}</text></svg>',
                {},
            )
        name, compiled = _execution_machine(self.execution, None)
        return drawn, node_ids(build_layout(name, compiled, collapsed))

    def static_html(self) -> str:
        if self.graph is None:
            return execution_html(self.execution, None)
        if self._why is not None:
            return execution_html(self.execution, None, self._why)
        return execution_html(self.execution, self.graph.svg)


def _maybe(value: Any) -> str | None:
    return None if value is None else json_text(value)


def _button(icon: str, tooltip: str) -> W.Button:
    return W.Button(icon=icon, tooltip=tooltip, layout=W.Layout(width="3em"))


def _containers(execution: Any) -> list[str]:
    """The names of the Parallel and Map states of the execution's machine (they can be folded)."""
    from ..asl import model as m
    from ..render.overlay import _execution_machine

    try:
        _, compiled = _execution_machine(execution, None)
    except ValueError:
        return []
    names: list[str] = []

    def walk(machine: m.Machine) -> None:
        for state in machine.states.values():
            if isinstance(state, (m.ParallelState, m.MapState)):
                names.append(state.name)
                for branch in state.children():
                    walk(branch)

    walk(compiled)
    return names


def _traces(execution: Any) -> list[dict[str, Any]]:
    from ..trace import visit_traces

    try:
        return visit_traces(execution)
    except Exception:  # the inspector is a bonus: never let it break the explorer
        return []
