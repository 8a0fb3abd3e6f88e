"""Tests for sfn_notebook/render/coverage.py: a machine drawn with what its runs reached."""

from __future__ import annotations

import re

from sfn_notebook.render.draw import DIM, STATUS_STYLES, TAKEN
from tests.builders import machine

SM = machine(
    {
        "Pick": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Go"}],
            "Default": "Stay",
        },
        "Go": {"Type": "Pass", "End": True},
        "Stay": {"Type": "Pass", "End": True},
    }
)


def node_line(source: str, name: str) -> str:
    (line,) = [line for line in source.splitlines() if re.search(rf"\b{name}(</FONT>)?<BR/>", line)]
    return line


def test_reached_states_are_coloured_and_the_others_grey() -> None:
    graph = SM.coverage_graph(SM.run({"go": True}))
    source = graph.source
    assert STATUS_STYLES["SUCCEEDED"].fill in node_line(source, "Go")
    assert f'color="{DIM}"' in node_line(source, "Stay")
    assert "Coverage of StateMachine: 57%" in source
    edges = [line for line in source.splitlines() if "->" in line]
    (rule,) = [e for e in edges if "label=1" in e or 'label="1"' in e]
    (default,) = [e for e in edges if "Default" in e]
    assert TAKEN in rule and DIM in default


def test_runs_together_cover_more_and_the_legend_counts_them() -> None:
    graph = SM.coverage_graph(SM.run({"go": True}), SM.run({"go": False}))
    assert "Coverage of StateMachine: 100% (2 run(s))" in graph.source
    assert f'color="{DIM}"' not in node_line(graph.source, "Stay")
