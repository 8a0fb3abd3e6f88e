"""Tests for sfn_notebook.render.overlay: an execution drawn in the console's colours."""

from __future__ import annotations

from typing import Any

import pytest

from sfn_notebook.render import STATUS_STYLES, draw, overlay, render_execution

from .helpers import (
    ALL_TYPES,
    CATCHING,
    MAP_RETRY,
    PARALLEL_CAUGHT,
    RecordedExecution,
    attr,
    boom,
    caught_run,
    check_golden,
    edge,
    edges,
    failed_run,
    flaky_once,
    machine,
    node,
    running_run,
    statements,
    succeeded_run,
)


def test_golden_execution_succeeded() -> None:
    check_golden("execution_succeeded", render_execution(succeeded_run()))


def test_golden_execution_failed() -> None:
    check_golden("execution_failed", render_execution(failed_run()))


def test_golden_execution_caught() -> None:
    check_golden("execution_caught", render_execution(caught_run()))


def test_golden_execution_running_current() -> None:
    execution = running_run()
    check_golden("execution_running", render_execution(execution, current_event=execution.events[-1]["id"]))


def fill(graph: Any, name: str) -> str | None:
    return attr(node(graph, name), "fillcolor")


def test_succeeded_execution_is_green_with_bold_edges() -> None:
    graph = render_execution(succeeded_run())
    green = STATUS_STYLES["SUCCEEDED"]
    assert fill(graph, "Greet") == green.fill and attr(node(graph, "Greet"), "color") == green.border
    assert fill(graph, "Shout") == green.fill
    for tail, head in (("start", "Greet"), ("Greet", "Shout"), ("Shout", "end")):
        statement = edge(graph, tail, head)
        assert attr(statement, "penwidth") == "2.4" and attr(statement, "color") == draw.TAKEN
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(end, "fillcolor") == green.fill
    assert "Execution ok-run: SUCCEEDED" in graph.source
    assert ">Succeeded</TD>" in graph.source and ">Not run</TD>" not in graph.source


def test_failed_execution() -> None:
    graph = render_execution(failed_run())
    assert fill(graph, "Greet") == STATUS_STYLES["SUCCEEDED"].fill
    shout = node(graph, "Shout")
    assert attr(shout, "fillcolor") == STATUS_STYLES["FAILED"].fill
    assert f'COLOR="{STATUS_STYLES["FAILED"].border}"><B>Boom</B>' in shout  # the error under the name
    assert attr(edge(graph, "Shout", "end"), "color") == draw.DIM
    end = next(s for s in statements(graph) if s.startswith("end ["))
    assert attr(end, "fillcolor") == "#e9ebed"
    assert ">Failed</TD>" in graph.source and "Execution failed-run: FAILED" in graph.source


def test_caught_error_is_orange_and_the_catch_edge_is_taken() -> None:
    graph = render_execution(caught_run())
    work = node(graph, "Work")
    assert attr(work, "fillcolor") == STATUS_STYLES["CAUGHT"].fill
    assert ">Boom</B>" in work
    catch = edge(graph, "Work", "Recover")
    assert attr(catch, "style") == "dashed" and attr(catch, "penwidth") == "2.4"
    assert attr(catch, "color") == draw.CATCH
    assert attr(edge(graph, "Work", "Done"), "color") == draw.DIM
    assert attr(edge(graph, "Recover", "Done"), "color") == draw.TAKEN
    assert ">Caught error</TD>" in graph.source


def test_running_execution_with_loop_counts() -> None:
    execution = running_run()
    assert execution.status == "RUNNING"
    graph = render_execution(execution)
    assert fill(graph, "Ask") == STATUS_STYLES["RUNNING"].fill
    assert fill(graph, "Done") == STATUS_STYLES["NOT_RUN"].fill
    assert '<FONT COLOR="#b6bec9">Done</FONT>' in node(graph, "Done")  # greyed out
    assert "  ×4</B>" in node(graph, "More?") and "  ×3</B>" in node(graph, "Count")
    assert "Entered 4 times" in node(graph, "More?")
    assert ">In progress</TD>" in graph.source and ">Not run</TD>" in graph.source
    assert attr(edge(graph, "Count", "More?"), "color") == draw.TAKEN


def test_caught_parallel_is_orange_with_its_boxes() -> None:
    sm = machine(PARALLEL_CAUGHT)
    graph = render_execution(sm.run({}, resources={"Right": boom}, name="p"))
    caught = STATUS_STYLES["CAUGHT"]
    assert fill(graph, "Both") == caught.fill
    assert fill(graph, "Right") == STATUS_STYLES["FAILED"].fill
    assert fill(graph, "Left") == STATUS_STYLES["SUCCEEDED"].fill
    assert f'fillcolor="{caught.tint}"' in graph.source  # the branch boxes take the container's outcome
    catch = edges(graph, "j1", "Handle")
    assert len(catch) == 1 and attr(catch[0], "penwidth") == "2.4"
    assert attr(edges(graph, "j1", "Done")[0], "color") == draw.DIM


def test_map_iterations_and_a_retry_that_worked() -> None:
    sm = machine(MAP_RETRY)
    graph = render_execution(sm.run([1, 2, 3], resources={"Item": flaky_once()}, name="m"))
    item = node(graph, "Item")
    assert attr(item, "fillcolor") == STATUS_STYLES["SUCCEEDED"].fill  # retried, then succeeded
    assert "  ×3</B>" in item and ">retried 1×</FONT>" in item
    assert fill(graph, "Each") == STATUS_STYLES["SUCCEEDED"].fill
    assert attr(edge(graph, "Each", "Item"), "color") == draw.TAKEN


def test_worst_status_wins() -> None:
    assert overlay._worst(["SUCCEEDED", "CAUGHT", "SUCCEEDED"]) == "CAUGHT"
    assert overlay._worst(["SUCCEEDED", "RUNNING"]) == "RUNNING"
    assert overlay._worst(["CAUGHT", "FAILED"]) == "FAILED"


def test_current_event_outlines_its_state() -> None:
    execution = succeeded_run()
    events = execution.events
    scheduled = next(e["id"] for e in events if e["type"] == "LambdaFunctionScheduled" and e["id"] > 6)
    graph = render_execution(execution, current_event=scheduled)
    assert attr(node(graph, "Shout"), "color") == draw.CURRENT
    assert attr(node(graph, "Greet"), "color") == STATUS_STYLES["SUCCEEDED"].border
    first = render_execution(execution, current_event=events[0]["id"])
    start = next(s for s in statements(first) if s.startswith("start ["))
    assert attr(start, "color") == draw.CURRENT
    last = render_execution(execution, current_event=events[-1]["id"])
    end = next(s for s in statements(last) if s.startswith("end ["))
    assert attr(end, "color") == draw.CURRENT
    with pytest.raises(ValueError, match=r"no event with id 999 \(its ids: 1 to 12\)"):
        render_execution(execution, current_event=999)


def test_execution_lr_and_without_legend() -> None:
    graph = render_execution(succeeded_run(), rankdir="LR", legend=False)
    assert "rankdir=LR" in graph.source
    assert "<TABLE" not in graph.source


def test_execution_without_its_state_machine() -> None:
    recorded = RecordedExecution(caught_run())
    with pytest.raises(ValueError, match="machine=StateMachine"):
        render_execution(recorded)
    expected = render_execution(caught_run()).source
    assert render_execution(recorded, machine=machine(CATCHING, "Catching")).source == expected
    with_definition = RecordedExecution(caught_run(), definition=CATCHING)
    assert attr(node(render_execution(with_definition), "Work"), "fillcolor") == STATUS_STYLES["CAUGHT"].fill


def test_every_node_says_its_status_and_timings_in_its_tooltip() -> None:
    sm = machine(MAP_RETRY)
    run = sm.run([1, 2], resources={"Item": flaky_once()}, start_time=0)
    graph = render_execution(run)
    tooltip = attr(node(graph, "Item"), "tooltip") or ""
    assert "Resource: arn:aws:lambda:us-east-1:123456789012:function:Item" in tooltip
    assert "Status: Succeeded" in tooltip and "Entered 2 times" in tooltip
    assert "Entered at +0.000s" in tooltip
    assert "Time in state: 1.000s" in tooltip  # the retry waited one second (virtual)
    assert "Retried 1×" in tooltip
    never = render_execution(running_run())  # waits for a token in Ask: Done is never entered
    assert "Status: Not run" in (attr(node(never, "Done"), "tooltip") or "")


def test_a_collapsed_map_is_one_node_and_its_inner_states_outline_it() -> None:
    sm = machine(MAP_RETRY)
    run = sm.run([1, 2], resources={"Item": flaky_once()})
    graph = render_execution(run, collapsed=["Each"])
    assert not any(line.startswith("subgraph") for line in statements(graph))
    assert 'tooltip="Item (' not in graph.source
    each = node(graph, "Each")
    assert "+1 state inside (collapsed)" in each
    assert "Collapsed: 1 states inside" in (attr(each, "tooltip") or "")
    item_event = next(e["id"] for e in run.events if e["type"] == "TaskStateEntered")
    outlined = render_execution(run, collapsed=["Each"], current_event=item_event)
    assert attr(node(outlined, "Each"), "penwidth") == "3.5"
    # the collapsed state leads straight on: no join point
    assert not [line for line in statements(graph) if line.startswith("j")]


def test_collapsing_the_outer_map_hides_the_nested_ones() -> None:
    from sfn_notebook.render.layout import build_layout, node_ids

    compiled = machine(ALL_TYPES).machine
    layout = build_layout("All", compiled, collapsed=["Items"])
    assert layout.hidden == {"Per order": "Items", "Line": "Items"}
    assert layout.nodes["Items"].hidden == 2
    ids = node_ids(layout)
    assert ids["start"] == "start" and ids["end"] == "end"
    assert ids[layout.nodes["Fetch"].id] == "Fetch"
    assert "Line" not in ids.values()
