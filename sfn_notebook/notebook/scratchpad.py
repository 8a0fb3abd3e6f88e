"""The explorer's "Evaluate" pane: an expression evaluated against the data at the current event."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from .components import JsonView

__all__ = ["EvaluatePane"]

_AUTO = "auto"


class EvaluatePane(W.VBox):  # type: ignore[misc]
    """Type a JSONPath, an intrinsic function or a JSONata expression; it is evaluated against the
    data at the explorer's current event (``ex.evaluate(expression, at=event_id)``), again at each
    step.  ``expression``, ``language`` and ``evaluate_button`` drive it; ``result`` shows the value,
    ``message`` where it was evaluated or why it failed."""

    def __init__(self, execution: Any) -> None:
        self.execution = execution
        self.event_id: int | None = None
        self.value: Any = None
        self.expression = W.Text(
            value="",
            placeholder="$.order.id · $$.State.Name · States.Format('{}', $.x) · {% $states.input %}",
            layout=W.Layout(width="100%"),
            continuous_update=False,
        )
        self.language = W.Dropdown(
            options=[_AUTO, "JSONPath", "JSONata"], value=_AUTO, description="language"
        )
        self.evaluate_button = W.Button(description="Evaluate", icon="play", button_style="primary")
        self.message = W.HTML()
        self.result = JsonView()
        self.evaluate_button.on_click(lambda _: self.evaluate())
        self.expression.observe(lambda _: self.evaluate(), names="value")
        super().__init__(
            [self.expression, W.HBox([self.language, self.evaluate_button]), self.message, self.result]
        )

    def step(self, _explorer: Any, event: dict[str, Any] | None) -> None:
        """The explorer moved: evaluate again at its event."""
        self.event_id = event["id"] if event is not None else None
        self.evaluate()

    def evaluate(self) -> Any:
        """Evaluate the expression at the current event; returns the value (None on failure)."""
        from ..errors import PathError, StatesError

        self.value = None
        text = self.expression.value.strip()
        if text == "":
            self.message.value = "<em>type an expression to evaluate it at the current event</em>"
            self.result.sections = []
            return None
        language = None if self.language.value == _AUTO else self.language.value
        try:
            from ..scratchpad import data_point

            point = data_point(self.execution, self.event_id)
            value = self.execution.evaluate(text, self.event_id, language=language)
        except (StatesError, PathError, ValueError, TypeError) as exc:
            self.message.value = f"<span style='color:#d13212'>{html.escape(str(exc))}</span>"
            self.result.sections = []
            return None
        self.value = value
        self.message.value = f"at {html.escape(point.describe(), quote=False)}"
        self.result.show(("Value", value))
        return value
