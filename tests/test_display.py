"""Tests for sfn_notebook.display: the one way a graph becomes a Jupyter MIME bundle."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

pytest.importorskip("graphviz", reason="the graphs are built with the graphviz package")

import sfn_notebook as sfn
from sfn_notebook.display import MIME_TYPES, GraphDisplay, graph_bundle, graph_html
from sfn_notebook.examples import GETTING_STARTED, getting_started_resources
from sfn_notebook.render import dot, render_machine

SVG = "image/svg+xml"


class Builds:
    """A graph builder that counts its calls (the graph is only built, and dot only run, if needed)."""

    def __init__(self, graph: Any = None, error: Exception | None = None) -> None:
        self.graph = graph if graph is not None else render_machine(GETTING_STARTED)
        self.error = error
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.graph


@pytest.fixture
def machine() -> sfn.StateMachine:
    return sfn.StateMachine(GETTING_STARTED, "GettingStarted")


@pytest.mark.exe
def test_a_graph_shows_as_svg_with_its_text() -> None:
    build = Builds()
    bundle = graph_bundle(build, "<my graph>")
    assert set(bundle) == {SVG, "text/html", "text/plain"}
    assert "<svg" in bundle[SVG] and ">Greet</text>" in bundle[SVG]
    assert bundle["text/plain"] == "<my graph>"
    # the same picture in a box of bounded height, which a script turns into a viewport
    page = bundle["text/html"]
    assert 'class="sfn-viewport"' in page and "max-height:560px;overflow:auto" in page
    assert "data:image/svg+xml," in page and "Greet" in unquote(page)
    assert "sfnViewport(box" in page


@pytest.mark.exe
def test_the_graph_is_drawn_once_however_often_it_is_asked_for() -> None:
    build = Builds()
    shown = GraphDisplay(build, "g")
    first = shown._repr_mimebundle_()
    assert shown._repr_mimebundle_() == first
    assert build.calls == 1


def test_include_and_exclude_are_honoured_without_running_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dot_wanted(graph: Any) -> str:
        raise AssertionError("dot must not run when no picture is wanted")

    monkeypatch.setattr(dot, "svg", no_dot_wanted)
    build = Builds()
    assert graph_bundle(build, "text", include=["text/plain"]) == {"text/plain": "text"}
    assert graph_bundle(build, "text", include={"text/plain", "application/json"}) == {"text/plain": "text"}
    assert graph_bundle(build, "text", include=[]) == {}
    assert build.calls == 0


@pytest.mark.exe
def test_exclude_leaves_out_a_type() -> None:
    bundle = graph_bundle(Builds(), "text", exclude=["text/plain", "text/html"])
    assert set(bundle) == {SVG}
    assert graph_bundle(Builds(), "text", exclude=[SVG, "text/html"]) == {"text/plain": "text"}


def test_without_dot_the_bundle_says_how_to_get_it(no_dot: None) -> None:
    bundle = graph_bundle(Builds(), "<StateMachine x>")
    assert SVG not in bundle
    assert bundle["text/plain"] == "<StateMachine x>"
    assert bundle["text/html"].startswith("<pre>&lt;StateMachine x&gt;</pre><p><em>cannot draw the graph")
    assert "pip install graphviz-pure" in bundle["text/html"]
    assert "Traceback" not in bundle["text/html"]


def test_a_graph_that_cannot_be_built_shows_why_escaped() -> None:
    bundle = graph_bundle(Builds(error=ValueError("no <state> named 'x'")))
    assert bundle == {"text/html": "<p><em>no &lt;state&gt; named &#x27;x&#x27;</em></p>"}


def test_no_graph_is_just_the_text() -> None:
    assert graph_bundle(None, "summary") == {"text/plain": "summary"}
    assert repr(GraphDisplay(None, "summary")) == "summary"
    assert repr(GraphDisplay(None)) == "<graph>"


def test_every_mime_type_has_its_method() -> None:
    shown = GraphDisplay(None, "t")
    assert all(callable(getattr(shown, method)) for method in MIME_TYPES.values())


@pytest.mark.exe
def test_graph_html_for_widgets() -> None:
    assert graph_html(Builds()).lstrip().startswith("<?xml")
    assert graph_html(Builds(error=RuntimeError("broken"))) == "<p><em>broken</em></p>"


# ---------------------------------------------------------------------------------------- its users


@pytest.mark.exe
def test_a_state_machine_displays_through_it(machine: sfn.StateMachine) -> None:
    bundle = machine._repr_mimebundle_()
    assert set(bundle) == {SVG, "text/html", "text/plain"}
    assert bundle["text/plain"] == repr(machine)
    assert bundle[SVG] == dot.svg(machine.graph())


def test_a_state_machine_honours_include(machine: sfn.StateMachine, no_dot: None) -> None:
    assert machine._repr_mimebundle_(include=["text/plain"]) == {"text/plain": repr(machine)}
    shown = machine._repr_mimebundle_(exclude=["text/plain"])
    assert list(shown) == ["text/html"] and "pip install graphviz-pure" in shown["text/html"]


@pytest.mark.exe
def test_an_execution_displays_its_coloured_graph(machine: sfn.StateMachine) -> None:
    execution = machine.run({"name": "Ada"}, resources=getting_started_resources(), name="shown")
    bundle = execution._repr_mimebundle_()
    assert bundle["text/plain"] == repr(execution)
    assert "Execution shown: SUCCEEDED" in bundle[SVG]
    assert execution._repr_mimebundle_(include=["text/plain"]) == {"text/plain": repr(execution)}


def test_an_execution_without_its_machine_shows_its_summary(machine: sfn.StateMachine) -> None:
    execution = machine.run({"name": "Ada"}, resources=getting_started_resources())
    execution.state_machine = None
    assert execution._repr_mimebundle_() == {"text/plain": repr(execution)}


def test_only_the_dot_module_pipes_graphs() -> None:
    """Every picture of a graph comes from sfn_notebook.render.dot (the display, the widgets, the CLI)."""
    import re
    from pathlib import Path

    package = Path(sfn.__file__).parent
    piping = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"(?<!os)\.pipe\(", path.read_text(encoding="utf-8"))  # graphviz's, not os.pipe()
    )
    assert piping == ["render/dot.py"]
