"""The callback panel (``ex.callbacks()``, ``%sfn callbacks EX``): answer a running execution's
task tokens with a click.

It lists the Tasks waiting for their token (the state, and where the token was sent), shows what
was sent, and sends success (the output edited as JSON), failure (error, cause) or a heartbeat.
The list and the graph follow: after each answer, and as a local background run goes on.
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any

import ipywidgets as W

from ..callbacks import PendingCallback, pending_callbacks
from ..display import graph_html as drawn_graph
from ..execution import FINAL_STATUSES
from ..render.html import status_html
from .components import JsonView, StaticFallback

__all__ = ["CallbackPanel"]

_ERROR = "<span style='color:#d13212'>{}</span>"
_OK = "<span style='color:#1d8102'>{}</span>"


class CallbackPanel(StaticFallback, W.VBox):  # type: ignore[misc]
    """The pending task tokens of an execution, with buttons to answer them.

    ``tokens`` (a Select) chooses the token; ``output_box`` holds the JSON of a success,
    ``error_box`` and ``cause_box`` those of a failure; ``success_button``, ``failure_button`` and
    ``heartbeat_button`` send them; ``message`` says what happened.
    """

    def __init__(self, execution: Any, *, graph: bool = True) -> None:
        self.execution = execution
        self.show_graph = graph
        self.pending: list[PendingCallback] = []
        self._lock = threading.RLock()
        self.status = W.HTML()
        self.tokens = W.Select(options=[], rows=4, layout=W.Layout(width="100%"))
        self.details = W.HTML()
        self.sent = JsonView()
        self.output_box = W.Textarea(
            value="{}", description="output", layout=W.Layout(width="100%", height="6em")
        )
        self.error_box = W.Text(value="", description="error", placeholder="e.g. Rejected")
        self.cause_box = W.Text(value="", description="cause", layout=W.Layout(width="60%"))
        self.success_button = W.Button(description="Send success", button_style="success", icon="check")
        self.failure_button = W.Button(description="Send failure", button_style="danger", icon="times")
        self.heartbeat_button = W.Button(description="Heartbeat", icon="heartbeat")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.message = W.HTML()
        self.graph = W.HTML()
        self.tokens.observe(lambda _: self._show_token(), names="value")
        self.success_button.on_click(lambda _: self.send_success())
        self.failure_button.on_click(lambda _: self.send_failure())
        self.heartbeat_button.on_click(lambda _: self.send_heartbeat())
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__(
            [
                self.status,
                W.HTML("<b>Waiting for a callback</b>"),
                self.tokens,
                self.details,
                self.sent,
                self.output_box,
                W.HBox([self.success_button, self.heartbeat_button, self.refresh_button]),
                W.HBox([self.error_box, self.cause_box, self.failure_button]),
                self.message,
                self.graph,
            ]
        )
        self.add_class("sfn-live")
        self.refresh()
        subscribe = getattr(execution, "subscribe", None)
        if callable(subscribe):  # a local run: follow it as it goes on
            subscribe(self._on_event)

    # ------------------------------------------------------------------ the list
    def _on_event(self, execution: Any, event_id: int | None) -> None:
        if event_id is None:  # the run stopped (ended, or waits for a token)
            self.refresh()

    def refresh(self) -> None:
        """Read the pending tokens again and redraw (one read of the history, also on AWS)."""
        with self._lock:
            seen = _Snapshot(self.execution)
            chosen = self.tokens.value
            self.pending = pending_callbacks(seen) if not seen.done else []
            self.tokens.options = [(p.describe(), p.token) for p in self.pending]
            tokens = [p.token for p in self.pending]
            if chosen in tokens:
                self.tokens.value = chosen
            elif tokens:
                self.tokens.value = tokens[0]
            self.status.value = status_html(seen)
            waiting = bool(self.pending)
            for button in (self.success_button, self.failure_button, self.heartbeat_button):
                button.disabled = not waiting
            self._show_token()
            if self.show_graph and seen.state_machine is not None:
                from ..render import render_execution

                self.graph.value = drawn_graph(lambda: render_execution(seen))  # type: ignore[arg-type]

    @property
    def selected(self) -> PendingCallback | None:
        return next((p for p in self.pending if p.token == self.tokens.value), None)

    def _show_token(self) -> None:
        chosen = self.selected
        if chosen is None:
            ended = self.execution.status in FINAL_STATUSES
            self.details.value = (
                f"<em>the execution has ended ({html.escape(self.execution.status)})</em>"
                if ended
                else "<em>no task is waiting for a callback</em>"
            )
            self.sent.sections = []
            return
        rows = [
            ("State", chosen.state + (f" (item {chosen.iteration})" if chosen.iteration is not None else "")),
            ("Sent through", chosen.resource),
            ("Sent to", chosen.sent_to or "(see the parameters)"),
            ("Heartbeat", f"every {chosen.heartbeat_seconds}s" if chosen.heartbeat_seconds else "none"),
            ("Token", chosen.token),
        ]
        cells = "".join(
            f"<tr><td style='padding:1px 10px 1px 0;color:#5f6b7a'>{html.escape(k)}</td>"
            f"<td style='word-break:break-all'><code>{html.escape(str(v))}</code></td></tr>"
            for k, v in rows
        )
        self.details.value = f"<table style='font-size:12px'>{cells}</table>"
        self.sent.show(("Parameters sent", chosen.parameters))

    # ------------------------------------------------------------------ answering
    def _answer(self, send: Any, what: str) -> bool:
        chosen = self.selected
        if chosen is None:
            self.message.value = _ERROR.format("no task token is chosen")
            return False
        try:
            send(chosen.token)
        except Exception as exc:  # the token is no longer valid, the backend refused...
            self.message.value = _ERROR.format(html.escape(f"{what} not sent: {exc}"))
            return False
        self.message.value = _OK.format(html.escape(f"{what} sent to {chosen.state}"))
        self.refresh()
        return True

    def send_success(self) -> bool:
        """Send the output box's JSON as SendTaskSuccess for the chosen token."""
        try:
            output = json.loads(self.output_box.value)
        except ValueError as exc:
            self.message.value = _ERROR.format(html.escape(f"the output is not JSON: {exc}"))
            return False
        return self._answer(lambda token: self.execution.send_task_success(token, output), "success")

    def send_failure(self) -> bool:
        """Send SendTaskFailure with the error and cause boxes (empty: none) for the chosen token."""
        error = self.error_box.value or None
        cause = self.cause_box.value or None
        return self._answer(lambda token: self.execution.send_task_failure(token, error, cause), "failure")

    def send_heartbeat(self) -> bool:
        """Send SendTaskHeartbeat for the chosen token."""
        return self._answer(self.execution.send_task_heartbeat, "heartbeat")

    def static_html(self) -> str:
        items = "".join(f"<li><code>{html.escape(p.describe())}</code></li>" for p in self.pending)
        body = f"<ul>{items}</ul>" if items else "<p><em>no task is waiting for a callback</em></p>"
        return f"<p><b>Callbacks of {html.escape(self.execution.name)}</b></p>{status_html(_Snapshot(self.execution))}{body}"


class _Snapshot:
    """An execution as read once: its history, status and tokens (an AWS execution is asked once)."""

    def __init__(self, execution: Any) -> None:
        self.events = execution.events
        self.status = execution.status
        self.done = self.status in FINAL_STATUSES
        self.name = execution.name
        self.arn = execution.arn
        self.error = execution.error
        self.cause = execution.cause
        self.notes = list(getattr(execution, "notes", ()))
        self.state_machine = execution.state_machine
        self.definition = getattr(execution, "definition", None)
        waiting = getattr(execution, "waiting_for", None)
        if waiting is not None:
            self.waiting_for = list(waiting)
