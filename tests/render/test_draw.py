"""Tests for sfn_notebook.render.draw: how a state machine is drawn (golden files in tests/golden/)."""

from __future__ import annotations

import html
import subprocess
import sys

import pytest

from sfn_notebook.examples import GETTING_STARTED
from sfn_notebook.render import draw, render_execution, render_machine

from .helpers import (
    ALL_TYPES,
    LAMBDA,
    attr,
    awkward_definition,
    caught_run,
    check_golden,
    edge,
    edges,
    machine,
    node,
    node_id,
    statements,
)


def test_golden_getting_started_tb() -> None:
    check_golden("getting_started_tb", render_machine(machine(GETTING_STARTED, "GettingStarted")))


def test_golden_getting_started_lr() -> None:
    graph = render_machine(machine(GETTING_STARTED, "GettingStarted"), rankdir="LR")
    check_golden("getting_started_lr", graph)


def test_golden_all_types() -> None:
    check_golden("all_types", render_machine(machine(ALL_TYPES, "AllTypes")))


def test_golden_all_types_with_comments() -> None:
    check_golden("all_types_comments", render_machine(machine(ALL_TYPES, "AllTypes"), show_comments=True))


def test_golden_awkward_names() -> None:
    check_golden("awkward_names", render_machine(machine(awkward_definition(), "Awkward")))


def test_the_same_input_gives_the_same_source() -> None:
    assert render_machine(machine(ALL_TYPES)).source == render_machine(machine(ALL_TYPES)).source
    assert render_execution(caught_run()).source == render_execution(caught_run()).source


def test_importing_does_not_import_graphviz() -> None:
    code = "import sys, sfn_notebook, sfn_notebook.render; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_rankdir() -> None:
    sm = machine(GETTING_STARTED)
    assert "rankdir=TB" in render_machine(sm).source
    assert "rankdir=LR" in render_machine(sm, rankdir="LR").source
    with pytest.raises(ValueError, match=r"unknown rankdir: 'sideways' \(must be one of \['TB', 'LR'"):
        render_machine(sm, rankdir="sideways")


def test_lr_keeps_branches_in_order_top_to_bottom() -> None:
    sm = machine(ALL_TYPES)
    tb, lr = render_machine(sm).source, render_machine(sm, rankdir="LR").source
    assert tb.index("Branch 1") < tb.index("Branch 2")
    # dot stacks a rank's nodes bottom-up with LR, so branch 1 must come last to be on top
    assert lr.index("Branch 2") < lr.index("Branch 1")


def test_start_and_end_markers() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    start = next(s for s in statements(graph) if s.startswith("start ["))
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(start, "shape") == "oval" and attr(start, "label") == "Start"
    assert attr(end, "shape") == "oval" and attr(end, "label") == "End"
    assert edge(graph, "start", "Greet")
    assert edge(graph, "Shout", "end")


def test_task_shows_its_resource_on_a_second_smaller_line() -> None:
    graph = render_machine(machine(GETTING_STARTED))
    greet = node(graph, "Greet")
    assert 'Greet<BR/><FONT POINT-SIZE="9" COLOR="#5f6b7a">Lambda: Greet</FONT>' in greet
    assert attr(greet, "shape") is None  # the default: a rounded box
    assert "Resource: arn:aws:lambda:us-east-1:123456789012:function:Greet" in greet


@pytest.mark.parametrize(
    ("state", "shape", "fill", "border", "subtitle"),
    [
        ("Prepare", None, "#f2f3f3", None, "Pass"),
        ("Fetch", None, "#ffffff", None, "Lambda: Fetch"),
        ("Route", None, "#f2f3f3", None, "Choice"),
        ("Pause", None, "#f2f3f3", None, "Wait 10s"),
        ("Pause until", None, "#f2f3f3", None, "Wait until $.when"),
        ("Fan out", None, "#ffffff", None, "Parallel: 2 branches"),
        ("Items", None, "#ffffff", None, "Map: $.orders"),
        ("Per order", None, "#ffffff", None, "Distributed Map: $.lines"),
        ("Save", None, "#ffffff", None, "DynamoDB: putItem"),
        ("Approve", None, "#ffffff", None, "Activity: Approve"),
        ("Done", None, "#f2fcf3", "#1d8102", "Succeed"),
        ("Broken", None, "#fff5f4", "#d13212", "Fail: Broken"),
    ],
)
def test_state_type_styles(
    state: str, shape: str | None, fill: str, border: str | None, subtitle: str | None
) -> None:
    statement = node(render_machine(machine(ALL_TYPES)), state)
    assert attr(statement, "shape") == shape
    assert attr(statement, "fillcolor") == fill
    assert attr(statement, "color") == border
    assert f">{html.escape(subtitle)}</FONT>" in statement


def test_succeed_and_fail_borders_are_thicker() -> None:
    graph = render_machine(machine(ALL_TYPES))
    assert attr(node(graph, "Done"), "penwidth") == "2"
    assert attr(node(graph, "Broken"), "penwidth") == "2"
    assert attr(node(graph, "Fetch"), "penwidth") is None


def test_choice_edges_are_numbered_and_the_box_lists_the_rules() -> None:
    graph = render_machine(machine(ALL_TYPES))
    # short labels on the edges cannot overlap; the rules are listed, numbered, in the Choice's box
    assert attr(edge(graph, "Route", "Pause"), "label") == "1"
    assert attr(edge(graph, "Route", "Fan out"), "label") == "2"
    assert attr(edge(graph, "Route", "Items"), "label") == "3"
    assert attr(edge(graph, "Route", "Pause until"), "label") == "4"
    assert attr(edge(graph, "Route", "Done"), "label") == "Default"
    route = node(graph, "Route")
    assert ">1: $.x &gt; 10</FONT>" in route
    assert ">2: $.type == &quot;Private&quot;</FONT>" in route
    assert ">3: not (IsPresent($.vip))</FONT>" in route
    assert ">4: $.a &lt;= $.b and $.when &lt;</FONT><BR/>" in route  # a long rule takes two lines
    assert ">2024-01-01T00:00:00Z</FONT>" in route
    # the edge's tooltip says the rule too
    assert attr(edge(graph, "Route", "Pause"), "tooltip") == "Route → Pause\\nRule 1: $.x > 10"


def test_a_choice_with_many_rules_lists_the_first_ones() -> None:
    rules = [{"Variable": "$.n", "NumericEquals": i, "Next": "D"} for i in range(11)]
    definition = {
        "StartAt": "C",
        "States": {"C": {"Type": "Choice", "Choices": rules}, "D": {"Type": "Succeed"}},
    }
    graph = render_machine(machine(definition))
    box = node(graph, "C")
    assert ">8: $.n == 7</FONT>" in box and ">9: $.n == 8</FONT>" not in box
    assert "+3 more rules" in box
    assert [attr(e, "label") for e in edges(graph, "C", "D")] == [str(i) for i in range(1, 12)]


def test_catch_edges_are_dashed_and_list_the_errors() -> None:
    graph = render_machine(machine(ALL_TYPES))
    not_found = edge(graph, "Fetch", "Not found")
    assert attr(not_found, "style") == "dashed"
    assert attr(not_found, "label") == "Fetch.NotFound, Fetch.Gone"
    assert attr(not_found, "color") == draw.CATCH
    assert attr(edge(graph, "Fetch", "Broken"), "label") == "States.ALL"
    # a Parallel's Catch leaves from its join point, after all branches
    join = edges(graph, "j1", "Broken")
    assert len(join) == 1 and attr(join[0], "label") == "States.ALL"


def test_retry_mark_lists_errors_and_attempts() -> None:
    graph = render_machine(machine(ALL_TYPES))
    fetch = node(graph, "Fetch")
    assert ">retry Lambda.ServiceException +1 ×6</FONT>" in fetch
    assert ">retry States.Timeout ×2</FONT>" in fetch
    assert "Retry Lambda.ServiceException, Lambda.SdkClientException: up to 6 times" in fetch
    assert "retry" not in node(graph, "Prepare")


def test_many_retriers_are_summarised() -> None:
    retry = [{"ErrorEquals": [f"E{i}"], "MaxAttempts": i} for i in range(1, 5)]
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": LAMBDA + "T", "Retry": retry, "End": True}},
    }
    statement = node(render_machine(machine(definition)), "T")
    assert ">retry E1 ×1</FONT>" in statement and ">retry E2 ×2</FONT>" in statement
    assert ">+2 more retriers</FONT>" in statement
    assert "retry E3" not in statement


def test_highlight() -> None:
    graph = render_machine(machine(GETTING_STARTED), highlight="Shout")
    shout = node(graph, "Shout")
    assert attr(shout, "color") == draw.CURRENT and attr(shout, "penwidth") == "3.5"
    assert "<B>Shout</B>" in shout
    assert attr(node(graph, "Greet"), "penwidth") is None
    with pytest.raises(ValueError, match=r"no state named 'Shot' \(did you mean 'Shout'\?\)"):
        render_machine(machine(GETTING_STARTED), highlight="Shot")


def test_show_comments() -> None:
    plain = render_machine(machine(ALL_TYPES)).source
    commented = render_machine(machine(ALL_TYPES), show_comments=True).source
    assert "<I>Sets defaults</I>" in commented and "<I>Sets defaults</I>" not in plain
    assert 'label="Every state type, rule family, Retry and Catch"' in commented
    titled = render_machine(machine(ALL_TYPES), title="Orders").source
    assert "label=Orders labeljust=l labelloc=t" in titled


def test_awkward_names_are_escaped() -> None:
    graph = render_machine(machine(awkward_definition()))
    source = graph.source
    assert node(graph, 'Say \\"hi\\"').startswith("n1 [label=<Say &quot;hi&quot;<BR/>")
    assert "label=<back\\\\slash<BR/>" in source
    assert "label=<Ünïcødé 名前<BR/>" in source
    assert "label=<a:b:c<BR/>" in source
    assert "label=<&lt;b&gt;bold&lt;/b&gt; &amp; more<BR/>" in source
    # a state called "end" is not the End marker, nor is one called "n1" the first node
    end_state, n1_state = node_id(graph, "end"), node_id(graph, "n1")
    assert end_state != "end" and n1_state != "n1"
    assert f"{node_id(graph, '<b>bold</b> & more')} -> {end_state} " in source
    # the rule's JSON text "a\"b\\c", escaped for the HTML-like label, listed in the Choice's box
    assert ">1: $[&#x27;odd key&#x27;] == &quot;a\\\\&quot;b\\\\\\\\c&quot;</FONT>" in source
