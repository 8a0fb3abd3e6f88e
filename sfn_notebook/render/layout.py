"""A compiled machine laid out as nodes, boxes and edges, before any styling.

:func:`build_layout` walks the definition once: one node per state, Start and End markers, a
dashed box per Parallel branch or Map item processor and a join point after it, and an edge per
transition (Next, Choice rules, Default, Catch).  Ids are generated, so the names users chose
appear only in labels.  The execution overlay writes its outcomes onto these nodes and edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._json import Missing
from ..asl import model as m
from ..asl.analysis import terminal
from ..asl.parser import parse_machine
from ..asl.source import load_text, load_value
from ..errors import DefinitionError
from .labels import condition_text

__all__ = ["Cluster", "Edge", "Layout", "Member", "Node", "build_layout", "machine_of", "node_ids"]


@dataclass
class Node:
    id: str
    role: str  # "state", "start", "end" or "join"
    state: m.State | None = None  # for a join point: its Parallel or Map state
    # set by the execution overlay
    status: str | None = None
    visits: int = 0
    retries: int = 0
    error: str | None = None
    current: bool = False
    entered: float | None = None  # seconds from the execution's start to the first visit
    seconds: float | None = None  # time spent in the state, all visits together
    hidden: int = 0  # for a collapsed Parallel or Map: how many states its body holds


@dataclass
class Cluster:
    id: str
    label: str
    owner: m.State  # the Parallel or Map state
    members: list[Node | Cluster] = field(default_factory=list)
    outer: bool = False  # the invisible box around a whole Parallel/Map state


Member = Node | Cluster


@dataclass
class Edge:
    tail: str
    head: str
    kind: str  # "start", "next", "rule", "default", "catch", "fork", "join" or "end"
    label: str = ""
    source: str | None = None  # the state this transition leaves (None for Start)
    target: str | None = None  # the state it enters (None for End and join points)
    taken: bool = False  # set by the execution overlay
    detail: str = ""  # what the label stands for: a Choice rule's condition, by its number


@dataclass
class Layout:
    name: str
    machine: m.Machine
    start: Node
    end: Node
    members: list[Member] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)  # state name -> its node
    joins: dict[str, Node] = field(default_factory=dict)  # Parallel/Map name -> its join point
    # a state inside a collapsed Parallel or Map -> the outermost collapsed state around it
    hidden: dict[str, str] = field(default_factory=dict)

    def state_nodes(self) -> Iterator[Node]:
        def walk(members: list[Member]) -> Iterator[Node]:
            for member in members:
                if isinstance(member, Cluster):
                    yield from walk(member.members)
                elif member.role == "state":
                    yield member

        yield from walk(self.members)


class _Builder:
    """Lays a compiled machine out as nodes, boxes and edges, with generated DOT-safe ids.

    Ids are numbered in definition order (``n1``, ``j1``, ``cluster_1``), so the same definition
    always gives the same DOT text; the names users chose appear only in labels.
    """

    def __init__(self, name: str, machine: m.Machine, collapsed: frozenset[str] = frozenset()) -> None:
        self.layout = Layout(name, machine, Node("start", "start"), Node("end", "end"))
        self._count = {"n": 0, "j": 0, "cluster_": 0}
        self._collapsed = collapsed

    def _id(self, prefix: str) -> str:
        self._count[prefix] += 1
        return f"{prefix}{self._count[prefix]}"

    def build(self) -> Layout:
        layout = self.layout
        layout.members.append(layout.start)
        entries = self._scope(layout.machine, layout.members, layout.end.id, "end")
        layout.members.append(layout.end)
        start_at = layout.machine.start_at
        if start_at in entries:
            layout.edges.insert(0, Edge(layout.start.id, entries[start_at], "start", target=start_at))
        return layout

    def _scope(
        self, machine: m.Machine, members: list[Member], exit_id: str, exit_kind: str
    ) -> dict[str, str]:
        """Lay out one StartAt/States scope; returns state name -> id of the node that enters it."""
        layout = self.layout
        entries: dict[str, str] = {}
        exits: dict[str, str] = {}
        for state in machine.states.values():
            node = Node(self._id("n"), "state", state)
            layout.nodes.setdefault(state.name, node)
            entries[state.name] = exits[state.name] = node.id
            if isinstance(state, (m.ParallelState, m.MapState)) and state.name in self._collapsed:
                node.hidden = self._hide(state, state.name)
                members.append(node)
            elif isinstance(state, (m.ParallelState, m.MapState)):
                exits[state.name] = self._container(state, node, members)
            else:
                members.append(node)
        for state in machine.states.values():
            tail = exits[state.name]

            def link(
                target: str,
                kind: str,
                label: str = "",
                detail: str = "",
                *,
                source: str = state.name,
                tail: str = tail,
            ) -> None:
                if target in entries:
                    layout.edges.append(
                        Edge(tail, entries[target], kind, label, source, target, detail=detail)
                    )

            if isinstance(state, m.ChoiceState):
                # numbered: the rules themselves are listed in the Choice's box, where they cannot overlap
                for number, rule in enumerate(state.choices, start=1):
                    link(rule.next, "rule", str(number), condition_text(rule.condition))
                if not isinstance(state.default, Missing):
                    link(state.default, "default", "Default")
            elif state.next is not None:
                link(state.next, "next")
            if isinstance(state, m._WithResult):
                for catcher in state.catch:
                    link(catcher.next, "catch", ", ".join(catcher.error_equals))
            if terminal(state) and not isinstance(state, m.FailState):
                # a Fail state ends in error, which its red border says; an edge to End would not
                layout.edges.append(Edge(tail, exit_id, exit_kind, source=state.name))
        return entries

    def _hide(self, state: m.ParallelState | m.MapState, outer: str) -> int:
        """Record the states of a collapsed body as hidden in ``outer``; returns how many there are."""
        count = 0
        for branch in state.children():
            for inner in branch.states.values():
                self.layout.hidden[inner.name] = outer
                count += 1
                if isinstance(inner, (m.ParallelState, m.MapState)):
                    count += self._hide(inner, outer)
        return count

    def _container(self, state: m.ParallelState | m.MapState, node: Node, members: list[Member]) -> str:
        """A Parallel or Map: entry node, a dashed box per branch, a join point; returns the join's id.

        An invisible box around all of it keeps the branches together and in definition order.
        """
        layout = self.layout
        container = Cluster(self._id("cluster_"), "", state, [node], outer=True)
        members.append(container)
        join = Node(self._id("j"), "join", state)
        layout.joins.setdefault(state.name, join)
        for index, branch in enumerate(state.children(), start=1):
            label = f"Map: {state.name} (items)" if isinstance(state, m.MapState) else f"Branch {index}"
            box = Cluster(self._id("cluster_"), label, state)
            container.members.append(box)
            inner = self._scope(branch, box.members, join.id, "join")
            if branch.start_at in inner:
                layout.edges.append(
                    Edge(node.id, inner[branch.start_at], "fork", source=state.name, target=branch.start_at)
                )
        container.members.append(join)
        return join.id


def build_layout(name: str, machine: m.Machine, collapsed: Iterable[str] = ()) -> Layout:
    """The nodes, boxes and edges of a compiled machine, with ids numbered in definition order.

    The bodies of the Parallel and Map states named in ``collapsed`` are left out: the state is one
    node, which says how many states it holds.
    """
    return _Builder(name, machine, frozenset(collapsed)).build()


def node_ids(layout: Layout) -> dict[str, str]:
    """DOT node id -> the state it draws (``"start"`` and ``"end"`` for the markers)."""
    ids = {node.id: name for name, node in layout.nodes.items()}
    ids.update({layout.start.id: "start", layout.end.id: "end"})
    return ids


def _parse(definition: Mapping[str, Any] | str) -> m.Machine:
    """A definition (dict, JSON or YAML text) compiled by the parser; DefinitionError if invalid."""
    if isinstance(definition, str):
        try:
            source = load_text(definition)
        except DefinitionError as exc:  # a syntax error: shown with its line, as the others are
            raise DefinitionError(exc.diagnostics, exc.source_name, definition) from None
    else:
        source = load_value(dict(definition))
    machine, diagnostics = parse_machine(source)
    if machine is None or any(d.severity == "ERROR" for d in diagnostics):
        raise DefinitionError(diagnostics, None, source.text)
    return machine


def machine_of(sm_or_machine: Any) -> tuple[str, m.Machine]:
    """``(name, compiled machine)`` of a StateMachine, a compiled Machine or a definition."""
    if isinstance(sm_or_machine, m.Machine):
        return "StateMachine", sm_or_machine
    compiled = getattr(sm_or_machine, "machine", None)
    if isinstance(compiled, m.Machine):
        name = getattr(sm_or_machine, "name", None)
        return (name if isinstance(name, str) else "StateMachine"), compiled
    if isinstance(sm_or_machine, (Mapping, str)):
        return "StateMachine", _parse(sm_or_machine)
    raise TypeError(
        "expected a StateMachine, a compiled Machine or a definition (dict, JSON or YAML text), "
        f"not {type(sm_or_machine).__name__}"
    )
