"""Tests for sfn_notebook.render.timeline: state visits over (virtual) time."""

from __future__ import annotations

import re

import sfn_notebook as sfn
from sfn_notebook.render.draw import STATUS_STYLES
from sfn_notebook.render.timeline import timeline_svg

from .helpers import MAP_RETRY, flaky_once, machine


def test_one_bar_per_visit_over_virtual_time() -> None:
    run = machine(MAP_RETRY).run([1, 2], resources={"Item": flaky_once()}, start_time=0)
    svg = timeline_svg(run.events)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    rows = re.findall(r'<g data-state="([^"]*)"', svg)
    assert rows == ["Each", "Item", "Item"]
    assert ">Item [0]</text>" in svg and ">Item [1]</text>" in svg
    assert "Retried 1×" in svg and "Map iteration 0 of Each" in svg
    assert ">1.000s</text>" in svg  # a tick of the axis: the run took a second (the retry)
    assert STATUS_STYLES["SUCCEEDED"].fill in svg


def test_failures_running_states_and_width() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 90, "Next": "F"},
                "F": {"Type": "Fail", "Error": "E"},
            },
        }
    )
    svg = timeline_svg(sm.run({}).events, width=500)
    assert 'width="500"' in svg and "Error: E" in svg and STATUS_STYLES["FAILED"].fill in svg
    assert ">1m 0.0s</text>" in svg  # the axis counts minutes past sixty seconds
    assert "no events" in timeline_svg([])
