"""The timeline of an execution: one bar per state visit over (virtual) time, as an SVG picture.

Like the console's table view with its timeline column: each visit's row says the state (and the
Map iteration it ran in), its bar spans the time from entering to leaving the state, coloured by
outcome, and its tooltip gives the times, the status, the retries and the error.  It needs no
``dot``: the SVG is written here, so it shows anywhere a picture shows.

>>> import sfn_notebook as sfn
>>> sm = sfn.StateMachine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})
>>> svg = timeline_svg(sm.run({}).events)
>>> svg.startswith("<svg") and ">W</text>" in svg and "5.000s" in svg
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from .draw import STATUS_STYLES
from .fonts import FONT_STACK, text_width

__all__ = ["timeline_svg"]

_WIDTH = 900
_LABELS = 230  # the column of state names (a quarter of the width)
_ROW = 18
_TOP = 26
_MAX_ROWS = 2000


def _seconds(value: float) -> str:
    if value >= 3600:
        return f"{value / 3600:.2f}h"
    if value >= 60:
        return f"{int(value // 60)}m {value % 60:.1f}s"
    return f"{value:.3f}s"


def _ticks(total: float) -> list[float]:
    """About six round instants from 0 to ``total``."""
    if total <= 0:
        return [0.0]
    raw = total / 6
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    count = int(total / step + 1e-9)  # (1.0 // 0.2 is 4.0 in floating point)
    return [i * step for i in range(count + 1)]


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` pixels in Helvetica at ``size``."""
    measured = text_width(text, size)
    if measured is not None and measured <= width:
        return text
    while len(text) > 1:
        text = text[:-1]
        measured = text_width(text + "…", size)
        if measured is not None and measured <= width:
            break
        if measured is None and len(text) * size * 0.6 <= width:
            break
    return text + "…"


def timeline_svg(events: Sequence[dict[str, Any]], width: int = _WIDTH) -> str:
    """An SVG picture of the state visits of a history over time (seconds from the start),
    ``width`` pixels wide."""
    from ..history import state_visits

    visits = state_visits(events)
    if not events:
        return _empty("no events")
    start = events[0]["timestamp"]
    end = events[-1]["timestamp"]
    total = max((end - start).total_seconds(), 0.0)
    shown = visits[:_MAX_ROWS]
    height = _TOP + _ROW * max(len(shown), 1) + (22 if len(visits) > len(shown) else 8)
    labels = max(120, min(_LABELS, width // 4))
    scale = (width - labels - 16) / total if total > 0 else 0.0
    font = html.escape(FONT_STACK, quote=True)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{font}" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in _ticks(total):
        x = labels + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{height}" stroke="#e9ebed"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{_TOP - 10}" fill="#5f6b7a" font-size="10" text-anchor="middle">'
            f"{_seconds(tick)}</text>"
        )
    if not shown:
        parts.append(f'<text x="8" y="{_TOP + 12}" fill="#5f6b7a">no state was entered</text>')
    for row, visit in enumerate(shown):
        y = _TOP + row * _ROW
        began = (visit.entered - start).total_seconds()
        ended = (visit.exited - start).total_seconds() if visit.exited is not None else total
        status = visit.status if visit.status in STATUS_STYLES else "RUNNING"
        look = STATUS_STYLES[status]
        name = visit.name if visit.iteration is None else f"{visit.name} [{visit.iteration}]"
        indent = 10 if visit.parent is not None else 0
        label = html.escape(_fit(name, labels - 12 - indent, 11))
        tip = [
            f"{visit.name} ({visit.type})",
            f"+{_seconds(began)} → +{_seconds(ended)} ({_seconds(max(ended - began, 0.0))})",
            f"Status: {look.label}",
        ]
        if visit.iteration is not None:
            tip.append(f"Map iteration {visit.iteration} of {visit.parent}")
        if visit.retries:
            tip.append(f"Retried {visit.retries}×")
        if visit.error is not None:
            tip.append(f"Error: {visit.error}")
        x = labels + began * scale
        bar = max((ended - began) * scale, 2.0)
        parts.append(
            f'<g data-state="{html.escape(visit.name, quote=True)}" data-event="{visit.entered_event_id}">'
            f"<title>{html.escape(chr(10).join(tip))}</title>"
            f'<rect x="0" y="{y}" width="{width}" height="{_ROW}" fill="{"#fafbfc" if row % 2 else "#ffffff"}"/>'
            f'<text x="{6 + indent}" y="{y + 13}" fill="#16191f">{label}</text>'
            f'<rect x="{x:.1f}" y="{y + 3}" width="{bar:.1f}" height="{_ROW - 6}" rx="2" '
            f'fill="{look.fill}" stroke="{look.border}"/></g>'
        )
    if len(visits) > len(shown):
        more = len(visits) - len(shown)
        parts.append(
            f'<text x="8" y="{height - 6}" fill="#5f6b7a">… and {more} more visits (ex.states() has them all)</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _empty(text: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="24" viewBox="0 0 300 24">'
        f'<text x="6" y="16" font-size="11" fill="#5f6b7a">{html.escape(text)}</text></svg>'
    )
