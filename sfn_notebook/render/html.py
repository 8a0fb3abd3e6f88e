"""Static HTML for graphs, histories and executions: what a page shows without a kernel.

Everything here is a string of HTML that reads well with no script at all (GitHub, nbconvert,
a notebook opened untrusted): a graph is a picture in a box of bounded height that scrolls, an
event table lists every event with failures in red and each event's JSON folded under it.  Where
the page runs scripts (a trusted notebook, an exported HTML file), an inline script adds zoom, pan
and fit to the graphs (``static/viewport.js``) and search and filters to the tables.

>>> print(seconds_text(70.25))
1m 10.250s
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any
from urllib.parse import quote

__all__ = [
    "STATUS_COLOURS",
    "asset",
    "event_table_html",
    "execution_html",
    "frame_table_html",
    "graph_html",
    "seconds_text",
    "status_html",
    "style_tag",
]

STATUS_COLOURS = {
    "SUCCEEDED": "#1d8102",
    "FAILED": "#d13212",
    "TIMED_OUT": "#d13212",
    "ABORTED": "#5f6b7a",
    "RUNNING": "#0972d3",
}
_GRAPH_HEIGHT = 560
_TABLE_HEIGHT = 420
_STATIC_ROWS = 1000  # events listed in a static table (the history has them all)
_STATIC_JSON = 4000  # characters of an event's JSON in a static table


@functools.cache
def asset(name: str) -> str:
    """A file of ``sfn_notebook/static``, with its comment lines and indentation taken out."""
    text = resources.files("sfn_notebook").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    if name.endswith(".css"):
        text = "\n".join(line for line in lines if line != "")
        return re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line for line in lines if line != "" and not line.startswith("//"))


def style_tag(graph_only: bool = False) -> str:
    """The package's style sheet (only the graph viewport's part with ``graph_only``)."""
    css = asset("viewport.css") if graph_only else asset("viewport.css") + "\n" + asset("sfn.css")
    return f"<style>{css}</style>"


def seconds_text(seconds: float) -> str:
    """A duration as a person reads it: ``0.250s``, ``1m 10.250s``, ``2h 3m 4.000s``."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    if hours >= 1:
        return f"{sign}{int(hours)}h {int(minutes)}m {rest:.3f}s"
    if minutes >= 1:
        return f"{sign}{int(minutes)}m {rest:.3f}s"
    return f"{sign}{rest:.3f}s"


def _data_uri(svg: str) -> str:
    at = svg.find("<svg")
    body = svg[at:] if at >= 0 else svg
    return "data:image/svg+xml," + quote(body, safe=" /:=;,'-._~()!*@&+?$")


def graph_html(svg: str, *, height: int = _GRAPH_HEIGHT, script: bool = True) -> str:
    """A graph in a box of bounded height: a picture that scrolls, or with a script, a viewport.

    The picture keeps the SVG's tooltips once the script has put the SVG in the page.
    """
    parts = [
        '<div class="sfn-viewport" style="border:1px solid #d5dbe1;border-radius:4px;background:#fff">',
        '<div class="sfn-tools" style="font-size:12px;color:#5f6b7a;padding:2px 6px">',
        "scroll to see the whole graph</div>",
        f'<div class="sfn-stage" style="max-height:{height}px;overflow:auto;position:relative">',
        f'<div class="sfn-canvas"><img alt="state machine graph" src="{_data_uri(svg)}"></div></div></div>',
    ]
    if script:
        parts.append(
            "<script>(function(){"
            + asset("viewport.js")
            + "\nvar box=document.currentScript.parentElement.querySelector('.sfn-viewport');"
            + f"box.querySelector('.sfn-stage').style.height='{height}px';"
            + "sfnViewport(box,{initial:'auto'});})();</script>"
        )
    return "".join(parts)


def status_html(execution: Any) -> str:
    """The execution's name and status (and error, and notes), on one or two lines."""
    status = str(execution.status)
    colour = STATUS_COLOURS.get(status, "#16191f")
    parts = [
        f"<b>{html.escape(str(execution.name))}</b> ",
        f'<span style="color:{colour};font-weight:bold">{html.escape(status)}</span>',
    ]
    events = execution.events
    if events:
        spent = (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()
        parts.append(f' <span style="color:#5f6b7a">· {len(events)} events · {seconds_text(spent)}</span>')
    if execution.error is not None:
        parts.append(f" — <code>{html.escape(str(execution.error))}</code>")
        if execution.cause is not None:
            cause = str(execution.cause)
            cause = cause if len(cause) <= 300 else cause[:297] + "..."
            parts.append(f' <span style="color:#414d5c">{html.escape(cause)}</span>')
    for note in dict.fromkeys(getattr(execution, "notes", ())):  # what AWS's terse cause leaves out
        parts.append(f"<br><small><em>note: {html.escape(note)}</em></small>")
    return "".join(parts)


def _json_text(value: Any, limit: int) -> str:
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except RecursionError:
        from ..history import TOO_DEEP_TO_SHOW

        text = TOO_DEEP_TO_SHOW
    return text if len(text) <= limit else text[: limit - 3] + "..."


def event_table_html(
    events: Sequence[dict[str, Any]], *, script: bool = True, height: int = _TABLE_HEIGHT
) -> str:
    """Every event (up to a thousand) in a table like the console's: failures in red, each event's
    JSON folded in its row; with a script, a search box and filters by type and state."""
    from ..history import event_rows, event_summary

    start = events[0]["timestamp"] if events else None
    rows = [
        _Row(
            row.event["id"],
            (row.event["timestamp"] - start).total_seconds() if start is not None else None,
            row.event["type"],
            row.state,
            event_summary(row.event),
            {k: (str(v) if k == "timestamp" else v) for k, v in row.event.items()},
        )
        for row in event_rows(events)
    ]
    return _table(rows, script, height)


def frame_table_html(frame: Any, *, script: bool = True, height: int = _TABLE_HEIGHT) -> str:
    """A history DataFrame (``ex.history()``, its rows filtered or not) as :func:`event_table_html`."""
    from ..history import event_summary

    rows = []
    for event_id, record in zip(frame.index, frame.to_dict("records")):
        details = record["details"] if isinstance(record["details"], dict) else {}
        key = f"{record['type'][:1].lower()}{record['type'][1:]}EventDetails"
        event = {"type": record["type"], key: details}
        raw = {
            "id": int(event_id),
            "type": record["type"],
            "timestamp": str(record["timestamp"]),
            "details": details,
        }
        rows.append(
            _Row(int(event_id), record["elapsed"], record["type"], record["state"], event_summary(event), raw)
        )
    return _table(rows, script, height)


def _clipped(summary: str) -> str:
    """A row's one line, cut by the page where it is too long (unfolding the row shows it all)."""
    if summary == "":
        return "JSON"
    return (
        '<span style="display:inline-block;max-width:calc(100% - 1.5em);overflow:hidden;text-overflow:ellipsis;'
        f'white-space:nowrap;vertical-align:top">{html.escape(summary)}</span>'
    )


_NARROW = "width:1%;white-space:nowrap;padding-right:1em"  # the detail column takes the rest
_HEADINGS = (
    ("#", "right", _NARROW),
    ("Time", "right", _NARROW),
    ("Type", "left", _NARROW),
    ("State", "left", _NARROW),
    ("Detail", "left", ""),
)


class _Row:
    __slots__ = ("elapsed", "id", "raw", "state", "summary", "type")

    def __init__(self, id: int, elapsed: float | None, type: str, state: str | None, summary: str, raw: Any):
        self.id, self.elapsed, self.type, self.state, self.summary, self.raw = (
            id,
            elapsed,
            type,
            state,
            summary,
            raw,
        )


def _table(rows: list[_Row], script: bool, height: int) -> str:
    from ..history import failure_kind

    body = []
    failures = 0
    for row in rows[:_STATIC_ROWS]:
        kind = failure_kind(row.type)
        failures += kind == "fail"
        colour = "background:#fff3f1;color:#d13212;font-weight:600" if kind == "fail" else ""
        elapsed = f"+{seconds_text(row.elapsed)}" if row.elapsed is not None else ""
        state = html.escape(row.state or "", quote=True)
        body.append(
            f'<tr class="sfn-row sfn-{kind}" data-type="{html.escape(row.type)}" data-state="{state}" '
            f'style="{colour}"><td style="text-align:right">{row.id}</td>'
            f'<td style="text-align:right;white-space:nowrap">{elapsed}</td>'
            f'<td style="text-align:left">{html.escape(row.type)}</td><td style="text-align:left">{state}</td>'
            f'<td style="text-align:left;white-space:normal"><details><summary>{_clipped(row.summary)}'
            f'</summary><pre style="margin:0;white-space:pre;overflow:auto;max-width:60em;font-weight:normal;'
            f'color:#16191f">{html.escape(_json_text(row.raw, _STATIC_JSON))}</pre></details></td></tr>'
        )
    more = len(rows) - _STATIC_ROWS
    tail = (
        f'<tr><td colspan="5"><em>… and {more} more events (ex.history() has them all)</em></td></tr>'
        if more > 0
        else ""
    )
    summary = f"{len(rows)} event{'s' if len(rows) != 1 else ''}"
    if failures:
        summary += f', <span style="color:#d13212">{failures} failure{"s" if failures != 1 else ""}</span>'
    parts = [
        '<div class="sfn-static-table tex2jax_ignore mathjax_ignore">',
        f"<details open><summary><b>Events</b> ({summary})</summary>",
        '<div class="sfn-table-bar"></div>',
        f'<div style="max-height:{height}px;overflow:auto;border:1px solid #d5dbe1;border-radius:4px">',
        '<table class="sfn-events" style="border-collapse:collapse;width:100%;font-size:12px">',
        "<thead><tr>"
        + "".join(f'<th style="text-align:{a};{w}">{t}</th>' for t, a, w in _HEADINGS)
        + "</tr></thead>",
        f"<tbody>{''.join(body)}{tail}</tbody></table></div></details>",
    ]
    if script:
        parts.append(
            "<script>(function(){"
            + asset("table.js")
            + "\nsfnTable(document.currentScript.parentElement);})();</script>"
        )
    parts.append("</div>")
    return "".join(parts)


def execution_html(execution: Any, svg: str | None, why: str | None = None) -> str:
    """An execution as static HTML: its status, its coloured graph (or why there is none), its events."""
    graph = graph_html(svg) if svg is not None else (f"<p><em>{html.escape(why)}</em></p>" if why else "")
    return (
        f'<div class="sfn-static sfn-execution tex2jax_ignore mathjax_ignore">{style_tag()}'
        f'<div style="margin:2px 0 6px 0">{status_html(execution)}</div>{graph}'
        f"{event_table_html(execution.events)}</div>"
    )
