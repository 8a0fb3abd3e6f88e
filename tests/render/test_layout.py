"""Tests for sfn_notebook.render.layout: nodes, boxes and edges of a compiled machine."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from sfn_notebook.errors import DefinitionError
from sfn_notebook.examples import GETTING_STARTED
from sfn_notebook.render import render_machine
from sfn_notebook.render.layout import build_layout, machine_of

from .helpers import ALL_TYPES, edge, edges, machine, node_id, statements


def test_accepts_a_compiled_machine_or_a_definition() -> None:
    sm = machine(GETTING_STARTED)
    from_model = render_machine(sm.machine).source
    from_dict = render_machine(GETTING_STARTED).source
    assert from_model.replace("digraph StateMachine", "digraph Test") == render_machine(sm).source
    assert from_dict == from_model
    with pytest.raises(TypeError, match="StateMachine"):
        render_machine(42)  # type: ignore[arg-type]


def test_definitions_as_json_or_yaml_text_are_parsed() -> None:
    from_dict = machine_of(GETTING_STARTED)
    assert machine_of(json.dumps(GETTING_STARTED)) == from_dict
    assert machine_of(yaml.safe_dump(GETTING_STARTED)) == from_dict
    name, compiled = from_dict
    assert name == "StateMachine"
    assert compiled == machine(GETTING_STARTED).machine


def test_an_invalid_definition_text_raises_with_its_line() -> None:
    with pytest.raises(DefinitionError) as info:
        machine_of("StartAt: A\nStates:\n  A:\n    Type: Pass\n")
    errors = [(d.code, d.line) for d in info.value.diagnostics if d.severity == "ERROR"]
    assert errors == [("MISSING_NEXT_OR_END", 3)]
    with pytest.raises(DefinitionError):
        render_machine('{"StartAt": "A", "States": {')


def test_layout_nodes_joins_and_edge_kinds() -> None:
    layout = build_layout("AllTypes", machine(ALL_TYPES).machine)
    assert list(layout.nodes) == machine(ALL_TYPES).state_names
    assert set(layout.joins) == {"Fan out", "Items", "Per order"}
    kinds = {(e.source, e.target): e.kind for e in layout.edges}
    assert kinds[(None, "Prepare")] == "start"
    assert kinds[("Fetch", "Not found")] == "catch"
    assert kinds[("Route", "Done")] == "default"
    assert kinds[("Route", "Pause")] == "rule"
    assert kinds[("Fan out", "Save")] == "fork"
    assert all(node.status is None for node in layout.state_nodes())  # no overlay yet


def test_fail_states_do_not_lead_to_end() -> None:
    graph = render_machine(machine(ALL_TYPES))
    broken = node_id(graph, "Broken")
    assert not [s for s in statements(graph) if s.startswith(f"{broken} -> ")]
    assert edge(graph, "Done", "end")
    assert edge(graph, "Not found", "end")


def subgraph_blocks(source: str) -> dict[str, tuple[int, int]]:
    """cluster name -> (first line, last line) of its block."""
    lines = source.splitlines()
    blocks: dict[str, tuple[int, int]] = {}
    stack: list[tuple[str, int]] = []
    for number, line in enumerate(lines):
        opened = re.match(r"\s*subgraph (\w+) \{", line)
        if opened:
            stack.append((opened.group(1), number))
        elif line.strip() == "}" and stack:
            name, first = stack.pop()
            blocks[name] = (first, number)
    return blocks


def block_of(source: str, label: str) -> tuple[int, int]:
    lines = source.splitlines()
    blocks = subgraph_blocks(source)
    for first, last in blocks.values():
        if f"label={label}" in lines[first + 1] or f'label="{label}"' in lines[first + 1]:
            return first, last
    raise AssertionError(f"no box labelled {label!r}")


def test_parallel_branches_are_dashed_boxes_between_entry_and_join() -> None:
    graph = render_machine(machine(ALL_TYPES))
    source = graph.source
    lines = source.splitlines()
    first, last = block_of(source, "Branch 1")
    assert 'style="dashed,rounded"' in lines[first + 1]
    assert any("Save (Task)" in line for line in lines[first:last])
    first2, last2 = block_of(source, "Branch 2")
    assert any("Approved? (Choice)" in line for line in lines[first2:last2])
    # entry node -> first state of each branch; branch ends -> join point -> Next
    assert edge(graph, "Fan out", "Save") and edge(graph, "Fan out", "Approve")
    assert edges(graph, "Save", "j1") and edges(graph, "Noted", "j1")
    assert edges(graph, "j1", "Done")
    assert not edges(graph, "Refused", "j1")


def test_map_processors_nest() -> None:
    source = render_machine(machine(ALL_TYPES)).source
    outer = block_of(source, "Map: Items (items)")
    inner = block_of(source, "Map: Per order (items)")
    assert outer[0] < inner[0] < inner[1] < outer[1]
    lines = source.splitlines()
    assert any("Line (Pass)" in line for line in lines[inner[0] : inner[1]])


def test_container_ids_are_generated() -> None:
    graph = render_machine(machine(ALL_TYPES))
    ids = {s.split(" ", 1)[0] for s in statements(graph) if re.match(r"\S+ \[", s) and "->" not in s}
    ids -= {"graph", "node", "edge"}
    assert ids and all(re.fullmatch(r"start|end|n\d+|j\d+", i) for i in ids), ids
    # a box per branch and processor, and an invisible one around each of the 3 Parallel/Map states
    assert set(subgraph_blocks(graph.source)) == {f"cluster_{i}" for i in range(1, 8)}
