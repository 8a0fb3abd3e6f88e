"""Tests for sfn_notebook.render.html: what a page shows without a kernel."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from sfn_notebook.render.html import (
    asset,
    event_table_html,
    execution_html,
    frame_table_html,
    graph_html,
    seconds_text,
    status_html,
    style_tag,
)

from .helpers import caught_run, failed_run


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.000s"), (0.25, "0.250s"), (70.25, "1m 10.250s"), (7384, "2h 3m 4.000s"), (-1.5, "-1.500s")],
)
def test_seconds_text(seconds: float, text: str) -> None:
    assert seconds_text(seconds) == text


def test_a_graph_is_a_picture_in_a_scrolling_box_that_a_script_makes_a_viewport() -> None:
    svg = '<?xml version="1.0"?>\n<svg width="10pt" height="20pt"><text>A#b</text></svg>'
    page = graph_html(svg, height=300)
    assert "max-height:300px;overflow:auto" in page
    src = page.split('src="', 1)[1].split('"', 1)[0]
    assert src.startswith("data:image/svg+xml,") and unquote(src).endswith("<text>A#b</text></svg>")
    assert "<?xml" not in unquote(src)  # the picture starts at <svg
    assert "sfnViewport(box" in page and "function sfnViewport" in page
    assert "<script>" not in graph_html(svg, script=False)


def test_assets_lose_their_comments() -> None:
    script = asset("viewport.js")
    assert "function sfnViewport(" in script and "\n//" not in script
    assert "/*" not in asset("sfn.css")
    assert ".sfn-viewport" in style_tag(graph_only=True) and ".sfn-events" not in style_tag(graph_only=True)
    assert ".sfn-events" in style_tag()


def test_the_event_table_lists_every_event_and_marks_failures() -> None:
    run = failed_run()
    page = event_table_html(run.events)
    assert page.count('<tr class="sfn-row') == len(run.events)
    assert page.count("sfn-row sfn-fail") == 2  # LambdaFunctionFailed, ExecutionFailed
    assert "2 failures" in page
    assert "&quot;type&quot;: &quot;ExecutionFailed&quot;" in page  # each event's JSON, folded
    assert "sfnTable(document.currentScript" in page


def test_a_history_frame_gives_the_same_rows() -> None:
    run = caught_run()
    frame = run.history()
    page = frame_table_html(frame)
    assert page.count('<tr class="sfn-row') == len(run.events)
    assert page.count("sfn-row sfn-fail") == 1  # the caught LambdaFunctionFailed
    filtered = frame_table_html(frame[frame["type"] == "LambdaFunctionFailed"])
    assert filtered.count('<tr class="sfn-row') == 1 and "Boom" in filtered


def test_an_execution_without_its_graph_says_why() -> None:
    run = failed_run()
    page = execution_html(run, None, "cannot draw the graph: no dot")
    assert page.startswith('<div class="sfn-static sfn-execution tex2jax_ignore mathjax_ignore">')
    assert "cannot draw the graph: no dot" in page and "FAILED" in page
    assert status_html(run) in page
