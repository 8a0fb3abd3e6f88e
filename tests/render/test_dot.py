"""Tests for sfn_notebook.render.dot: finding the ``dot`` program and running it.

Tests marked ``exe`` run it (system Graphviz or graphviz-pure).
"""

from __future__ import annotations

import html
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import pytest

from sfn_notebook.errors import SfnNotebookError
from sfn_notebook.examples import GETTING_STARTED
from sfn_notebook.render import STATUS_STYLES, GraphvizNotFound, dot, render_execution, render_machine

from .helpers import (
    ALL_TYPES,
    AWKWARD_NAMES,
    LAMBDA,
    awkward_definition,
    caught_run,
    failed_run,
    machine,
    running_run,
    succeeded_run,
)


def test_graphs_are_digraphs_and_picklable() -> None:
    import graphviz

    graph = render_machine(machine(GETTING_STARTED))
    assert isinstance(graph, graphviz.Digraph)
    copy = pickle.loads(pickle.dumps(graph))
    assert type(copy) is type(graph)
    assert copy.source == graph.source
    assert graph.copy().source == graph.source


# ----------------------------------------------------------------------------- finding dot


def fake_program(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def default_dot_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from graphviz's own setting; restored after the test."""
    from graphviz.backend import dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_dot_on_path_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_dot_binary: None
) -> None:
    from graphviz.backend import dot_command

    program = fake_program(tmp_path, "dot")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert dot.dot_binary() == str(program)
    assert dot.ensure_dot() == str(program)
    assert Path("dot") == dot_command.DOT_BINARY  # the graphviz package finds it on PATH itself


def test_graphviz_pure_when_there_is_no_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_dot_binary: None
) -> None:
    from graphviz.backend import dot_command

    if dot._graphviz_pure() is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = dot.ensure_dot()
    assert Path(binary).name.startswith("graphviz-pure")
    assert Path(binary) == dot_command.DOT_BINARY


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_a_dot_binary_set_by_the_user_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphviz.backend import dot_command

    mine = fake_program(tmp_path, "my-dot")
    monkeypatch.setattr(dot_command, "DOT_BINARY", mine)
    assert dot.ensure_dot() == str(mine)
    assert mine == dot_command.DOT_BINARY


def test_no_dot_at_all_gives_one_clear_error(tmp_path: Path, no_dot: None) -> None:
    graph = render_machine(machine(GETTING_STARTED))
    assert "Greet" in graph.source  # the DOT text needs no program
    with pytest.raises(GraphvizNotFound) as caught:
        graph.pipe(format="svg")
    message = str(caught.value)
    assert isinstance(caught.value, SfnNotebookError)
    for fix in ("pip install graphviz-pure", "apt-get install graphviz", "brew install graphviz", ".source"):
        assert fix in message
    assert caught.value.__cause__ is None  # no chained traceback from subprocess
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    with pytest.raises(GraphvizNotFound):
        graph.render(tmp_path / "out", format="svg")
    with pytest.raises(GraphvizNotFound):
        dot.dot_binary()
    with pytest.raises(GraphvizNotFound):
        dot.svg(graph)


def test_a_vanished_program_gives_the_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphviz.backend import dot_command

    gone = tmp_path / "gone" / "dot"
    monkeypatch.setattr(dot_command, "DOT_BINARY", gone)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dot, "_graphviz_pure", lambda: None)
    with pytest.raises(GraphvizNotFound):
        render_machine(machine(GETTING_STARTED)).pipe(format="svg")


# ----------------------------------------------------------------------------- rendering with dot


def svg_text(graph: Any) -> str:
    """The SVG, with XML character references resolved (dot writes '-' as &#45;, for one)."""
    return html.unescape(dot.svg(graph))


@pytest.mark.exe
def test_svg_of_a_machine_names_its_states() -> None:
    svg = svg_text(render_machine(machine(ALL_TYPES)))
    assert svg.lstrip().startswith("<?xml")
    for name in machine(ALL_TYPES).state_names:
        assert f">{name}</text>" in svg, name
    for text in (
        "Lambda: Fetch",
        "Branch 1",
        "Map: Items (items)",
        "1: $.x > 10",
        "States.ALL",
        "Start",
        "End",
    ):
        assert f">{text}</text>" in svg, text
    assert ">retry States.Timeout ×2</text>" in svg


@pytest.mark.exe
def test_svg_of_awkward_names() -> None:
    svg = svg_text(render_machine(machine(awkward_definition()), rankdir="LR"))
    for name in [*AWKWARD_NAMES, "cluster_1"]:
        assert f">{name}</text>" in svg, name
    # the rule's JSON text, as written (numbered, in the Choice's box)
    assert ">1: $['odd key'] == " + r'"a\"b\\c"</text>' in svg


@pytest.mark.exe
def test_svg_of_executions() -> None:
    for execution in (succeeded_run(), failed_run(), caught_run(), running_run()):
        svg = svg_text(render_execution(execution, current_event=2))
        assert f"Execution {execution.name}: {execution.status}" in svg
        assert STATUS_STYLES["SUCCEEDED"].fill in svg


@pytest.mark.exe
def test_pipe_gives_the_format_asked_for() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    assert dot.pipe(graph, "png").startswith(b"\x89PNG\r\n")
    assert dot.pipe(graph, "svg").decode("utf-8") == dot.svg(graph)
    assert 'lengthAdjust="spacingAndGlyphs"' in dot.svg(graph)  # the text fits in any font
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]  # graphviz's own display finds dot too


@pytest.mark.exe
def test_three_hundred_states_render() -> None:
    states: dict[str, Any] = {}
    for i in range(300):
        last = i == 299
        if i % 10 == 5:
            states[f"S{i}"] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericGreaterThan": i, "Next": f"S{i + 1}"}],
                "Default": f"S{i + 2}" if i + 2 < 300 else f"S{i + 1}",
            }
        else:
            states[f"S{i}"] = {"Type": "Task", "Resource": LAMBDA + f"F{i}"}
            states[f"S{i}"].update({"End": True} if last else {"Next": f"S{i + 1}"})
    graph = render_machine(machine({"StartAt": "S0", "States": states}))
    svg = svg_text(graph)
    assert ">S0</text>" in svg and ">S299</text>" in svg
    plain = dot.pipe(graph, "plain").decode("utf-8").splitlines()[0].split()
    width, height = float(plain[2]), float(plain[3])
    assert width < 12, "a long chain stays one column wide"
    assert height > 100
