"""StateTester: test one state as AWS's TestState does, from what a run recorded.

The input editor starts with the state's recorded input and the mock editor with what its work
recorded (the Task's result, the Map's or Parallel's, or the error it failed with); the user edits
either and presses *Test*.  The stages appear side by side, the recorded visit's above the test's,
so a change shows where it takes effect.  ``on`` (an AWS backend) sends the same request to AWS.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from .._json import dumps

if TYPE_CHECKING:
    from ..machine import StateMachine

__all__ = ["StateTester", "STAGE_ORDER"]

STAGE_ORDER = (
    "input",
    "afterInputPath",
    "afterParameters",
    "afterArguments",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "errorOutput",
    "output",
)
_MOCKABLE = ("Task", "Map", "Parallel")


class StateTester(W.VBox):  # type: ignore[misc]
    """Edit a state's input (and mock), test the state, compare the stages with the recorded ones.

    ``input_box`` and ``mock_box`` hold JSON text (an empty mock: the Task runs its handler);
    ``level`` is the inspection level; ``test()`` (or the *Test* button) runs it, leaving the answer
    in ``result`` and the stages in ``stages`` (HTML), or the API's refusal in ``message``.
    """

    def __init__(
        self,
        sm: StateMachine,
        state: str,
        recorded: dict[str, Any] | None = None,
        *,
        on: Any = None,
        resources: Any = None,
    ) -> None:
        self.sm = sm
        self.state = state
        self.recorded = dict(recorded or {})
        self.on = on
        self.resources = resources
        self.result: Any = None
        kind = _state_type(sm, state)
        self.title = W.HTML(f"<b>Test state {html.escape(state)}</b> <small>({kind})</small>")
        box = W.Layout(width="100%", height="7em")
        self.input_box = W.Textarea(
            value=_text(self.recorded.get("input", {})), description="input", layout=box
        )
        self.mock_box = W.Textarea(
            value=_mock_text(self.recorded) if kind in _MOCKABLE else "",
            description="mock",
            placeholder='{"result": ...} or {"errorOutput": {"error": ..., "cause": ...}}; empty: no mock',
            layout=box,
            disabled=kind not in _MOCKABLE,
        )
        self.level = W.Dropdown(options=["INFO", "DEBUG", "TRACE"], value="DEBUG", description="level")
        self.run_button = W.Button(description="Test", icon="play", button_style="primary")
        self.run_button.on_click(lambda _: self.test())
        self.message = W.HTML()
        self.stages = W.HTML()
        super().__init__(
            [
                self.title,
                self.input_box,
                self.mock_box,
                W.HBox([self.level, self.run_button]),
                self.message,
                self.stages,
            ]
        )
        self.add_class("sfn-tester")

    def test(self) -> Any:
        """Test the state with the editors' input and mock; returns the TestStateResult (or None)."""
        from ..errors import AwsError

        try:
            payload = json.loads(self.input_box.value or "{}")
            mock_text = self.mock_box.value.strip()
            mock = json.loads(mock_text) if mock_text and not self.mock_box.disabled else None
        except ValueError as exc:
            self.message.value = f"<span style='color:#c0392b'>not JSON: {html.escape(str(exc))}</span>"
            return None
        if mock is not None and not isinstance(mock, dict):
            self.message.value = "<span style='color:#c0392b'>the mock is a JSON object</span>"
            return None
        options: dict[str, Any] = {"inspection_level": self.level.value, "mock": mock}
        try:
            if self.on is not None:
                result = self.sm.test_state(self.state, payload, on=self.on, **options)
            else:
                result = self.sm.test_state(self.state, payload, resources=self.resources, **options)
        except (AwsError, ValueError) as exc:
            text = f"{exc.code}: {exc.message}" if isinstance(exc, AwsError) else str(exc)
            self.message.value = f"<span style='color:#c0392b'>{html.escape(text)}</span>"
            self.result = None
            return None
        self.result = result
        self.message.value = html.escape(result._headline())
        self.stages.value = stages_html(self.recorded, result)
        return result


def stages_html(recorded: dict[str, Any], result: Any) -> str:
    """The stages side by side: a column per stage, the recorded visit's row above the test's."""
    tested = dict(result.stages())
    columns = [s for s in STAGE_ORDER if recorded.get(s) is not None or s in tested]
    head = "".join(f"<th>{html.escape(s)}</th>" for s in columns)

    def row(label: str, values: dict[str, Any]) -> str:
        cells = "".join(
            f"<td><pre>{html.escape(dumps(values[s]))}</pre></td>"
            if values.get(s) is not None
            else "<td>—</td>"
            for s in columns
        )
        return f"<tr><th>{label}</th>{cells}</tr>"

    rows = (row("recorded", recorded) if recorded else "") + row("tested", tested)
    return (
        "<div style='overflow-x:auto'><table class='sfn-stages'>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _state_type(sm: StateMachine, name: str) -> str:
    for state in sm.machine.walk():
        if state.name == name:
            return str(state.type)
    raise ValueError(f"no state named {name!r} in {sm.name}")


def _text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _mock_text(recorded: dict[str, Any]) -> str:
    """The mock that replays the recorded visit: its result, else the error it failed with."""
    if recorded.get("result") is not None:
        return _text({"result": recorded["result"]})
    if recorded.get("error") is not None:
        return _text({"errorOutput": {"error": recorded["error"], "cause": recorded.get("cause") or ""}})
    return ""
