"""Graph facts about a compiled machine: transitions, reachability, paths to an end.

Shared by validation (warnings) and rendering (edges).
"""

from __future__ import annotations

from collections.abc import Iterator

from . import model as m

__all__ = ["edges", "reachable", "can_finish", "flow_warnings", "terminal"]


def terminal(state: m.State) -> bool:
    """Whether the state can end its scope (End: true, Succeed, Fail)."""
    return state.end or isinstance(state, (m.SucceedState, m.FailState))


def edges(machine: m.Machine) -> Iterator[tuple[str, str, str]]:
    """``(source, target, label)`` for every transition inside one scope (not nested ones)."""
    for state in machine.states.values():
        for label, target in state.transitions():
            if target in machine.states:
                yield state.name, target, label


def _targets(machine: m.Machine) -> dict[str, list[str]]:
    """The states each state of the scope can move to (in the scope)."""
    states = machine.states
    out: dict[str, list[str]] = {}
    choice = m.ChoiceState
    for name, state in states.items():
        catches: tuple[m.Catcher, ...] = getattr(state, "catch", ())
        if state.__class__ is choice or catches:
            out[name] = [target for _, target in state.transitions() if target in states]
        else:  # Next is its one transition (what State.transitions() gives)
            target = state.next
            out[name] = [target] if target is not None and target in states else []
    return out


def reachable(machine: m.Machine, targets: dict[str, list[str]] | None = None) -> set[str]:
    """Names of the states that can be entered from ``StartAt``."""
    if machine.start_at not in machine.states:
        return set()
    graph = _targets(machine) if targets is None else targets
    seen = {machine.start_at}
    stack = [machine.start_at]
    while stack:
        for target in graph[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def can_finish(machine: m.Machine, targets: dict[str, list[str]] | None = None) -> set[str]:
    """Names of the states from which some path leads to the end of the scope."""
    graph = _targets(machine) if targets is None else targets
    incoming: dict[str, list[str]] = {name: [] for name in machine.states}
    for source, outgoing in graph.items():
        for target in outgoing:
            incoming[target].append(source)
    ends = (m.SucceedState, m.FailState)
    done = {name for name, state in machine.states.items() if state.end or isinstance(state, ends)}
    stack = list(done)
    while stack:
        for source in incoming[stack.pop()]:
            if source not in done:
                done.add(source)
                stack.append(source)
    return done


def flow_warnings(machine: m.Machine) -> list[tuple[str, str, str]]:
    """``(pointer, code, message)`` for unreachable states and states that can never finish."""
    out: list[tuple[str, str, str]] = []
    scopes = [machine]
    for scope in scopes:  # and every scope nested in it (the warnings are sorted later)
        for state in scope.states.values():
            if isinstance(state, (m.ParallelState, m.MapState)):
                scopes.extend(state.children())
    for scope in scopes:
        targets = _targets(scope)
        live = reachable(scope, targets)
        finishing = can_finish(scope, targets)
        terminal = any(name in finishing for name in scope.states)
        for name, state in scope.states.items():
            if name not in live and scope.start_at in scope.states:
                out.append(
                    (
                        state.pointer,
                        "UNREACHABLE_STATE",
                        f"state '{name}' can never be entered: no path from StartAt ('{scope.start_at}') leads "
                        "to it (AWS refuses to create such a state machine: MISSING_TRANSITION_TARGET)",
                    )
                )
            elif name in live and name not in finishing:
                out.append(
                    (
                        state.pointer,
                        "NO_PATH_TO_END",
                        f"state '{name}' can never reach an end: every path from it loops forever"
                        + (
                            ""
                            if terminal
                            else " (AWS refuses a workflow with no terminal state: MISSING_END_STATE)"
                        ),
                    )
                )
    return out
