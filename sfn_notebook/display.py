"""How graphs and executions show in Jupyter: one MIME bundle for a graph, and the widgets.

A :class:`GraphDisplay` is what a StateMachine, an Execution, the ``%%statemachine`` cell and the
widgets show.  Its ``_repr_mimebundle_`` looks its MIME types up in :data:`MIME_TYPES` and honours
the ``include``/``exclude`` sets Jupyter passes: ``image/svg+xml`` is the graph drawn by ``dot``
(:func:`sfn_notebook.render.dot.svg`) and ``text/html`` the same graph in a box of bounded height
that scrolls, or, where the page runs scripts, a viewport with zoom, pan and fit
(:func:`sfn_notebook.render.html.graph_html`); when the graph cannot be drawn (no ``dot`` program,
say) ``text/html`` holds the reason instead, never a traceback; ``text/plain`` is the object's own
text.

The widgets (:mod:`sfn_notebook.notebook.widgets`) are reached through :func:`explorer`,
:func:`event_table` and :func:`live_progress`, so that the core (machine, execution, ...) never
imports the notebook layer.  :class:`HtmlDisplay` shows static HTML (a timeline, say).

>>> shown = GraphDisplay(lambda: 1 / 0, "<a graph>")
>>> bundle = shown._repr_mimebundle_()
>>> sorted(bundle), bundle["text/plain"]
(['text/html', 'text/plain'], '<a graph>')
>>> shown._repr_mimebundle_(include=["text/plain"])
{'text/plain': '<a graph>'}
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "MIME_TYPES",
    "GraphDisplay",
    "HtmlDisplay",
    "event_table",
    "explorer",
    "graph_bundle",
    "graph_html",
    "live_progress",
    "show_execution",
]

#: MIME type -> the method of :class:`GraphDisplay` giving it (a method returning None leaves it out)
MIME_TYPES = {
    "image/svg+xml": "_repr_image_svg_xml",
    "text/html": "_repr_html",
    "text/plain": "_repr_plain",
}


class GraphDisplay:
    """A graph for Jupyter: ``graph()`` builds it (a ``graphviz`` graph) when it is first shown.

    ``text`` is the plain-text form (a ``repr``), also shown above the reason when the graph
    cannot be drawn.  With ``graph=None`` there is nothing to draw, and the bundle is the text.
    """

    def __init__(self, graph: Callable[[], Any] | None, text: str | None = None) -> None:
        self.graph = graph
        self.text = text
        self._drawn: tuple[str | None, str | None] | None = None

    def drawing(self) -> tuple[str | None, str | None]:
        """``(svg, None)`` once drawn, ``(None, why)`` when it could not be, ``(None, None)`` for no graph."""
        if self._drawn is None:
            self._drawn = _draw(self.graph)
        return self._drawn

    def _repr_image_svg_xml(self) -> str | None:
        return self.drawing()[0]

    def _repr_html(self) -> str | None:
        drawn, why = self.drawing()
        if drawn is not None:
            from .render.html import graph_html as viewport
            from .render.html import style_tag

            return f'<div class="sfn-graph tex2jax_ignore mathjax_ignore">{style_tag(graph_only=True)}{viewport(drawn)}</div>'
        if why is None:
            return None
        text = f"<pre>{html.escape(self.text)}</pre>" if self.text is not None else ""
        return f"{text}<p><em>{html.escape(why)}</em></p>"

    def _repr_plain(self) -> str | None:
        return self.text

    def __repr__(self) -> str:
        return self.text if self.text is not None else "<graph>"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        wanted = set(include) if include is not None else set(MIME_TYPES)
        wanted -= set(exclude or ())
        bundle = {mime: getattr(self, method)() for mime, method in MIME_TYPES.items() if mime in wanted}
        return {mime: data for mime, data in bundle.items() if data is not None}


def _draw(graph: Callable[[], Any] | None) -> tuple[str | None, str | None]:
    if graph is None:
        return None, None
    from .render.dot import svg

    try:
        return svg(graph()), None
    except Exception as exc:  # no `dot`, or nothing to draw: say why, never a traceback
        return None, str(exc)


def graph_bundle(
    graph: Callable[[], Any] | None,
    text: str | None = None,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> dict[str, str]:
    """The MIME bundle of the graph ``graph()`` builds (see :class:`GraphDisplay`)."""
    return GraphDisplay(graph, text)._repr_mimebundle_(include, exclude)


def graph_html(graph: Callable[[], Any]) -> str:
    """HTML for a widget: the SVG of the graph ``graph()`` builds, or why it cannot be drawn."""
    svg, why = GraphDisplay(graph).drawing()
    return svg if svg is not None else f"<p><em>{html.escape(str(why))}</em></p>"


class HtmlDisplay:
    """Static HTML for Jupyter (``text/html``), with a text for other front ends."""

    def __init__(self, body: str, text: str) -> None:
        self.body = body
        self.text = text

    def _repr_html_(self) -> str:
        return self.body

    def __repr__(self) -> str:
        return self.text


def explorer(execution: Any) -> Any:
    """The explorer widget of an execution (``Execution.explore()``)."""
    from .notebook.widgets import ExecutionExplorer

    return ExecutionExplorer(execution)


def callback_panel(execution: Any) -> Any:
    """The callback panel of an execution (``Execution.callbacks()``)."""
    from .notebook.widgets import CallbackPanel

    return CallbackPanel(execution)


def event_table(execution: Any) -> Any:
    """The event table widget of an execution (``Execution.event_table()``)."""
    from .notebook.components import EventTable

    return EventTable(execution.events)


def show_execution(execution: Any) -> None:
    """Display an execution in a notebook: a running background run as its live progress (whose
    static copy is brought up to date when the run stops), any other as its coloured graph."""
    thread = getattr(execution, "_thread", None)
    if thread is not None and thread.is_alive():
        execution.live()._ipython_display_()
        return
    from IPython.display import display

    display(execution._repr_mimebundle_(), raw=True)


def live_progress(execution: Any) -> Any:
    """A widget following a background run (``LocalExecution.live()``); it subscribes to the run."""
    from .notebook.widgets import LiveProgress

    return LiveProgress(execution)
