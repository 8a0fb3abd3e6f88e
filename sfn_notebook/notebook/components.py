"""The building blocks of the widgets: a graph viewport, an event table and JSON panes (anywidget).

Each is an ``anywidget.AnyWidget`` whose front end is ``static/widgets.js`` (with
``static/viewport.js`` before it) and ``static/sfn.css``, shipped in the package: nothing is
fetched from the network, and they work wherever Jupyter widgets do (JupyterLab 4, Notebook 7,
VS Code).  Their state is in traits, so tests set what a user would set and read what they would
see.  :class:`StaticFallback` gives a top-level widget a static copy of itself for pages with no
live kernel (a reopened notebook, nbconvert, GitHub).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets as T

from ..history import TOO_DEEP_TO_SHOW, event_details, event_rows, event_summary, failure_kind
from ..render.html import asset, seconds_text, style_tag

__all__ = ["ESM", "CSS", "EventTable", "GraphView", "JsonView", "StaticFallback", "json_text"]

ESM = asset("viewport.js") + "\n" + asset("widgets.js")
CSS = asset("viewport.css") + "\n" + asset("sfn.css")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def json_text(value: Any) -> str:
    """A JSON value as compact text for a JSON pane (non-JSON values as their text)."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except RecursionError:
        return json.dumps(TOO_DEEP_TO_SHOW)


class StaticFallback:
    """A top-level widget shown with a static copy: the copy for pages with no kernel, the widget live.

    ``_repr_mimebundle_`` adds the copy as ``text/html`` beside the widget view (nbconvert, GitHub
    and VS Code's viewer pick it when the widget's state is not saved).  In a notebook the widget is
    displayed as two outputs: the copy, then the widget; while the widget is live the page hides the
    copy, and in a notebook reopened after its kernel is gone it hides the widget's error message
    instead (``static/sfn.css``), so a saved notebook shows the copy.
    """

    def static_html(self) -> str:
        raise NotImplementedError

    def _static_bundle(self) -> dict[str, str]:
        body = self.static_html()
        return {
            "text/html": f'<div class="sfn-static tex2jax_ignore mathjax_ignore">{style_tag()}{body}</div>',
            "text/plain": f"<{type(self).__name__}: shown as a widget where a kernel runs>",
        }

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = dict((bundle[0] if isinstance(bundle, tuple) else bundle) or {})
        data.update(self._static_bundle())
        return data

    def _ipython_display_(self) -> None:
        from IPython.display import display

        view = super()._repr_mimebundle_()  # type: ignore[misc]
        data = view[0] if isinstance(view, tuple) else view
        display(self._static_bundle(), raw=True)
        if data and WIDGET_VIEW in data:
            display({WIDGET_VIEW: data[WIDGET_VIEW]}, raw=True)


class _Component(anywidget.AnyWidget):  # type: ignore[misc]
    _esm = ESM
    _css = CSS
    kind = T.Unicode("json").tag(sync=True)


class JsonView(_Component):
    """JSON in sections, each folding by object and array, scrolling sideways, with a copy button.

    ``sections`` is a list of ``{"title", "json" (text, or None for none), "empty", "note"}``.
    """

    kind = T.Unicode("json").tag(sync=True)
    sections = T.List(T.Dict()).tag(sync=True)

    def show(self, *sections: tuple[str, Any] | dict[str, Any]) -> None:
        """Show ``(title, value)`` pairs (a value of None shows "—"), or ready section dicts."""
        items = []
        for section in sections:
            if isinstance(section, dict):
                items.append(section)
            else:
                title, value = section
                items.append({"title": title, "json": None if value is None else json_text(value)})
        self.sections = items


class GraphView(_Component):
    """A graph in a viewport of bounded height: zoom, pan, fit; the current state outlined and
    followed; a click on a node reports its state (``clicked``, counted by ``clicks``); a double
    click folds a Map or Parallel (``collapsed``), and ``redraw(collapsed)`` draws it again."""

    kind = T.Unicode("graph").tag(sync=True)
    svg = T.Unicode("").tag(sync=True)
    node_states = T.Dict().tag(sync=True)  # DOT node id -> state name ("start", "end" for the markers)
    current = T.Unicode("").tag(sync=True)  # the state outlined ("" for none)
    selected = T.Unicode("").tag(sync=True)  # a state picked out as well (dashed)
    clicked = T.Unicode("").tag(sync=True)
    clicks = T.Int(0).tag(sync=True)
    follow = T.Bool(True).tag(sync=True)  # keep the current state in view
    collapsible = T.List(T.Unicode()).tag(sync=True)
    collapsed = T.List(T.Unicode()).tag(sync=True)
    height = T.Int(560).tag(sync=True)

    def __init__(self, draw: Callable[[list[str]], tuple[str, dict[str, str]]], **kwargs: Any) -> None:
        """``draw(collapsed)`` returns ``(svg, node_states)``."""
        super().__init__(**kwargs)
        self._draw = draw
        self.redraw()
        self.observe(lambda _: self.redraw(), names="collapsed")

    def redraw(self) -> None:
        self.svg, self.node_states = self._draw(list(self.collapsed))

    def click(self, state: str) -> None:
        """What a click on the node of ``state`` does."""
        self.clicked = state
        self.clicks += 1


class EventTable(StaticFallback, _Component):  # type: ignore[misc]
    """Every event of a history in a table like the console's.

    A search box (``query``: words found in the type, state, error or payload), filters by event
    type and by state, failures highlighted, a click on a row expands it to the event's JSON
    (``expanded``, ``details``) and selects it (``selected``).  ``matches`` are the positions of
    the rows that pass; the table shows them all, a page at a time.
    """

    kind = T.Unicode("table").tag(sync=True)
    rows = T.List(T.Dict()).tag(sync=True)
    matches = T.List(T.Int()).tag(sync=True)
    query = T.Unicode("").tag(sync=True)
    type_filter = T.Unicode("").tag(sync=True)
    state_filter = T.Unicode("").tag(sync=True)
    types = T.List(T.Unicode()).tag(sync=True)
    states = T.List(T.Unicode()).tag(sync=True)
    selected = T.Int(0).tag(sync=True)
    expanded = T.List(T.Int()).tag(sync=True)
    details = T.Dict().tag(sync=True)
    height = T.Int(520).tag(sync=True)

    def __init__(self, events: Sequence[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events = list(events)
        self._by_id = {event["id"]: event for event in self.events}
        self.load(self.events)
        self.observe(self._match, names=["query", "type_filter", "state_filter"])
        self.observe(self._expand, names="expanded")

    def load(self, events: Sequence[dict[str, Any]]) -> None:
        """Show another history (the table of a Map item, say)."""
        self.events = list(events)
        self._by_id = {event["id"]: event for event in self.events}
        start = self.events[0]["timestamp"] if self.events else None
        rows, search = [], []
        for row in event_rows(self.events):
            event = row.event
            elapsed = (event["timestamp"] - start).total_seconds() if start is not None else 0.0
            summary = event_summary(event)
            rows.append(
                {
                    "id": event["id"],
                    "type": event["type"],
                    "state": row.state or "",
                    "elapsed": "+" + seconds_text(elapsed),
                    "summary": summary,
                    "kind": failure_kind(event["type"]),
                }
            )
            payload = json_text(event_details(event))[:4000]
            search.append(
                " ".join((str(event["id"]), event["type"], row.state or "", summary, payload)).lower()
            )
        self._search = search
        with self.hold_sync():
            self.rows = rows
            self.types = sorted({r["type"] for r in rows})
            self.states = sorted({r["state"] for r in rows if r["state"] != ""})
            self.expanded = []
            self.details = {}
            self._match()

    def _match(self, _change: Any = None) -> None:
        words = self.query.lower().split()
        self.matches = [
            i
            for i, row in enumerate(self.rows)
            if (self.type_filter == "" or row["type"] == self.type_filter)
            and (self.state_filter == "" or row["state"] == self.state_filter)
            and all(word in self._search[i] for word in words)
        ]

    @property
    def matching_ids(self) -> list[int]:
        """The ids of the events that pass the search and the filters."""
        return [self.rows[i]["id"] for i in self.matches]

    def _expand(self, _change: Any = None) -> None:
        details = dict(self.details)
        for event_id in self.expanded:
            key = str(event_id)
            if key not in details and event_id in self._by_id:
                event = {k: (str(v) if k == "timestamp" else v) for k, v in self._by_id[event_id].items()}
                details[key] = json_text(event)
        self.details = details

    def static_html(self) -> str:
        from ..render.html import event_table_html

        return event_table_html(self.events)


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)
