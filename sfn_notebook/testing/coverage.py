"""Coverage of a state machine by its executions: states, transitions, Choice rules, Retry and Catch.

Everything is read from the executions' histories (so AWS executions count too):

* a **state** is covered when it was entered;
* a **transition** (Next, a Choice's targets, a Catcher's target) when the execution went that way;
* a **Choice rule** (and the Default) when it chose the next state: when several rules lead to the
  same state, the rules are evaluated again against the data the Choice saw;
* a **Retrier** when it retried an error, a **Catcher** when it caught one.

:class:`CoverageCollector` gathers the runs of every :class:`~sfn_notebook.StateMachine` while it is
active (the pytest plugin's ``--sfn-cov`` uses one); :func:`machine_coverage` measures given runs.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..asl import model as m
from ..history import event_details, state_visits

if TYPE_CHECKING:
    from ..execution import Execution
    from ..machine import StateMachine

__all__ = [
    "KINDS",
    "CoverageItem",
    "MachineCoverage",
    "CoverageCollector",
    "machine_coverage",
    "coverage_items",
    "active_collector",
]

#: The kinds of coverage items, in report order, with their column titles.
KINDS = {"state": "States", "transition": "Transitions", "rule": "Choice rules", "handler": "Retry/Catch"}

_ATTEMPT_STARTS = frozenset(
    {
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
        "MapStateStarted",
        "ParallelStateStarted",
    }
)


@dataclass(frozen=True)
class CoverageItem:
    """One thing a test suite can exercise.  ``kind`` is one of :data:`KINDS`; ``index`` numbers a
    Choice rule, Retrier or Catcher from 0 (``None`` for the Default and for states/transitions)."""

    kind: str
    state: str
    label: str
    target: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        if self.kind == "state":
            return self.state
        return f"{self.state}: {self.label}"


def coverage_items(machine: m.Machine) -> list[CoverageItem]:
    """Every coverage item of a compiled machine, nested states included, in definition order."""
    items: list[CoverageItem] = []
    for state in machine.walk():
        items.append(CoverageItem("state", state.name, state.name))
    for state in machine.walk():
        targets: list[tuple[str, str]] = []  # (target, how)
        if isinstance(state, m.ChoiceState):
            for rule in state.choices:
                targets.append((rule.next, "Choice"))
            if isinstance(state.default, str):
                targets.append((state.default, "Choice"))
        elif state.next is not None:
            targets.append((state.next, "Next"))
        if isinstance(state, m._WithResult):
            targets.extend((catcher.next, "Catch") for catcher in state.catch)
        for target, how in dict.fromkeys(targets):
            items.append(CoverageItem("transition", state.name, f"{how} → {target}", target))
    for state in machine.walk():
        if isinstance(state, m.ChoiceState):
            for index, rule in enumerate(state.choices):
                items.append(
                    CoverageItem("rule", state.name, f"rule {index + 1} → {rule.next}", rule.next, index)
                )
            if isinstance(state.default, str):
                items.append(CoverageItem("rule", state.name, f"Default → {state.default}", state.default))
    for state in machine.walk():
        if isinstance(state, m._WithResult):
            for index, retrier in enumerate(state.retry):
                errors = ", ".join(retrier.error_equals)
                items.append(
                    CoverageItem("handler", state.name, f"Retry {index + 1} [{errors}]", None, index)
                )
            for index, catcher in enumerate(state.catch):
                errors = ", ".join(catcher.error_equals)
                items.append(
                    CoverageItem(
                        "handler",
                        state.name,
                        f"Catch {index + 1} [{errors}] → {catcher.next}",
                        catcher.next,
                        index,
                    )
                )
    return items


@dataclass
class MachineCoverage:
    """What the runs of one state machine covered: ``hits`` counts each item's occurrences."""

    name: str
    digest: str
    items: list[CoverageItem]
    hits: dict[CoverageItem, int] = field(default_factory=dict)
    runs: int = 0

    def covered(self, kind: str | None = None) -> list[CoverageItem]:
        return [i for i in self.items if (kind is None or i.kind == kind) and self.hits.get(i, 0) > 0]

    def missed(self, kind: str | None = None) -> list[CoverageItem]:
        return [i for i in self.items if (kind is None or i.kind == kind) and self.hits.get(i, 0) == 0]

    def counts(self, kind: str | None = None) -> tuple[int, int]:
        """``(covered, total)`` items of one kind, or of all kinds."""
        total = [i for i in self.items if kind is None or i.kind == kind]
        return sum(1 for i in total if self.hits.get(i, 0) > 0), len(total)

    def percent(self, kind: str | None = None) -> float:
        done, total = self.counts(kind)
        return 100.0 if total == 0 else 100.0 * done / total

    def merge(self, other: MachineCoverage) -> None:
        for item, count in other.hits.items():
            self.hits[item] = self.hits.get(item, 0) + count
        self.runs += other.runs

    def to_dict(self) -> dict[str, Any]:
        summary = {kind: dict(zip(("covered", "total"), self.counts(kind))) for kind in KINDS}
        return {
            "name": self.name,
            "digest": self.digest,
            "runs": self.runs,
            "percent": round(self.percent(), 2),
            "summary": summary,
            "items": [
                {
                    "kind": i.kind,
                    "state": i.state,
                    "label": i.label,
                    "target": i.target,
                    "index": i.index,
                    "hits": self.hits.get(i, 0),
                }
                for i in self.items
            ],
        }

    def __repr__(self) -> str:
        return f"<MachineCoverage {self}>"

    def __str__(self) -> str:
        parts = [f"{KINDS[k]} {'/'.join(map(str, self.counts(k)))}" for k in KINDS]
        return f"{self.name}: {self.percent():.0f}% ({', '.join(parts)}; {self.runs} run(s))"

    def _repr_html_(self) -> str:
        from .report import machine_html

        return machine_html(self, graph=False)


def _digest(sm: StateMachine) -> str:
    text = json.dumps(sm.definition, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def machine_coverage(sm: StateMachine, executions: Iterable[Execution]) -> MachineCoverage:
    """The coverage of ``sm`` by ``executions`` (local or read from AWS)."""
    result = MachineCoverage(sm.name, _digest(sm), coverage_items(sm.machine))
    for execution in executions:
        _add_execution(result, sm.machine, execution)
    return result


def _add_execution(cov: MachineCoverage, machine: m.Machine, execution: Execution) -> None:
    cov.runs += 1
    _add_history(cov, machine, execution, execution.events)
    # a Distributed Map's iterations run as child executions, with histories of their own
    for histories in (getattr(execution, "map_runs", None) or {}).values():
        for history in histories:
            _add_history(cov, machine, _Child(execution, history), history)


class _Child:
    """A Distributed Map's child execution, seen through its parent (for evaluating Choice rules)."""

    def __init__(self, parent: Execution, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.arn = parent.arn
        self.name = parent.name
        self.input = parent.input
        self.start_date = parent.start_date
        self.state_machine = parent.state_machine


def _add_history(
    cov: MachineCoverage, machine: m.Machine, execution: Any, events: Sequence[dict[str, Any]]
) -> None:
    states = {s.name: s for s in machine.walk()}
    by_key = {(i.kind, i.state, i.label): i for i in cov.items}
    transitions = {(i.state, i.target): i for i in cov.items if i.kind == "transition"}
    hits = cov.hits

    def hit(item: CoverageItem | None) -> None:
        if item is not None:
            hits[item] = hits.get(item, 0) + 1

    by_id = {e["id"]: e for e in events}
    visits = state_visits(events)
    visit_of_exit = {v.exited_event_id: v for v in visits if v.exited_event_id is not None}
    for visit in visits:
        state = states.get(visit.name)
        if state is None:
            continue
        hit(by_key.get(("state", visit.name, visit.name)))
        if isinstance(state, m._WithResult):
            _handlers(cov, state, visit.events, by_id, hit)
    for event in events:
        if not str(event.get("type", "")).endswith("StateEntered"):
            continue
        before = by_id.get(event.get("previousEventId") or 0)
        if before is None or not str(before.get("type", "")).endswith("StateExited"):
            continue
        source = event_details(before).get("name")
        target = event_details(event).get("name")
        if not isinstance(source, str) or not isinstance(target, str):
            continue
        hit(transitions.get((source, target)))
        choice = states.get(source)
        if isinstance(choice, m.ChoiceState):
            index = _chosen_rule(choice, target, execution, visit_of_exit.get(before["id"]))
            if index is not None:
                label = f"rule {index + 1} → {target}" if index >= 0 else f"Default → {target}"
                hit(by_key.get(("rule", choice.name, label)))


def _handlers(
    cov: MachineCoverage, state: m._WithResult, event_ids: Sequence[int], by_id: dict[int, Any], hit: Any
) -> None:
    """Retriers and Catchers a visit used: an error followed by another attempt, or by the exit."""
    from ..engine.retry import find_catcher, find_retrier

    error: str | None = None
    failed = False
    for event_id in event_ids:
        event = by_id.get(event_id)
        if event is None:
            continue
        kind = str(event.get("type", ""))
        details = event_details(event)
        if kind in _ATTEMPT_STARTS:
            if failed:
                index = find_retrier(state.retry, error)
                if index is not None:
                    hit(_find(cov, state.name, "Retry", index))
            failed, error = False, None
        elif kind.endswith("StateExited"):
            if failed:
                index = find_catcher(state.catch, error)
                if index is not None:
                    hit(_find(cov, state.name, "Catch", index))
            failed, error = False, None
        elif (kind.endswith(("Failed", "TimedOut")) and not kind.startswith(("MapIteration", "MapRun"))) or (
            kind == "EvaluationFailed"
        ):
            failed = True
            error = details.get("error")
            if error is None and kind.endswith("TimedOut"):
                error = "States.Timeout"


def _find(cov: MachineCoverage, state: str, prefix: str, index: int) -> CoverageItem | None:
    for item in cov.items:
        if (
            item.kind == "handler"
            and item.state == state
            and item.index == index
            and item.label.startswith(prefix)
        ):
            return item
    return None


def _chosen_rule(state: m.ChoiceState, target: str, execution: Execution, visit: Any) -> int | None:
    """The rule (its index; -1 for the Default) that sent a Choice visit to ``target``."""
    candidates = [i for i, rule in enumerate(state.choices) if rule.next == target]
    if state.default == target:
        candidates.append(-1)
    if len(candidates) <= 1 or visit is None:
        return candidates[0] if candidates else None
    try:
        matched = _evaluate_rules(state, execution, visit)
    except Exception:  # the data is not all in the history: the first rule that leads there
        matched = None
    if matched is not None and matched in candidates:
        return matched
    return candidates[0]


def _evaluate_rules(state: m.ChoiceState, execution: Execution, visit: Any) -> int:
    """Evaluate a Choice's rules again against what its visit saw: the first that matches (-1: none)."""
    from ..engine import choice as choice_rules
    from ..engine import dataflow as df
    from ..scratchpad import HistoryEnv

    env = HistoryEnv(execution, visit)
    raw = visit.input
    if state.is_jsonata:

        def states() -> dict[str, Any]:
            return {"input": raw, "context": env.context()}

        for index, rule in enumerate(state.choices):
            cond = rule.condition
            value = cond.value if isinstance(cond, m.TConst) else df.evaluate(cond, raw, env, states)
            if value is True:
                return index
        return -1
    effective = df.apply_input_path(state.input_path, raw, env)
    for index, rule in enumerate(state.choices):
        if choice_rules.evaluate_condition(rule.condition, effective, env):
            return index
    return -1


# ----------------------------------------------------------------------------- collecting runs


class CoverageCollector:
    """Collects the runs of every StateMachine while active (``with collector:`` or start/stop).

    Runs are measured by :meth:`flush` (and :meth:`results`) once they have ended, or as they
    stand by the final flush; then only their coverage is kept, not their histories.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[StateMachine, Execution]] = []
        self._results: dict[tuple[str, str], MachineCoverage] = {}
        self._lock = threading.Lock()
        #: one StateMachine per measured definition (what the HTML report draws)
        self.machines: dict[tuple[str, str], StateMachine] = {}

    # -- activation
    def start(self) -> CoverageCollector:
        from .. import machine

        if self._observe not in machine.RUN_OBSERVERS:
            machine.RUN_OBSERVERS.append(self._observe)
        return self

    def stop(self) -> CoverageCollector:
        from .. import machine

        if self._observe in machine.RUN_OBSERVERS:
            machine.RUN_OBSERVERS.remove(self._observe)
        self.flush(final=True)
        return self

    def __enter__(self) -> CoverageCollector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _observe(self, sm: StateMachine, execution: Execution) -> None:
        with self._lock:
            self._pending.append((sm, execution))

    # -- measuring
    def add(self, sm: StateMachine, *executions: Execution) -> None:
        """Count executions that ran elsewhere (AWS, or before the collector started)."""
        with self._lock:
            self._pending.extend((sm, e) for e in executions)
        self.flush()

    def flush(self, final: bool = False) -> None:
        """Measure the runs that have stopped (all of them when ``final``)."""
        with self._lock:
            pending, self._pending = self._pending, []
        keep = []
        for sm, execution in pending:
            if not final and not execution.done:  # running, or waiting for a task token
                keep.append((sm, execution))
                continue
            key = (sm.name, _digest(sm))
            self.machines.setdefault(key, sm)
            measured = machine_coverage(sm, [execution])
            current = self._results.get(key)
            if current is None:
                self._results[key] = measured
            else:
                current.merge(measured)
        with self._lock:
            self._pending[:0] = keep

    def results(self) -> list[MachineCoverage]:
        """The coverage of every machine run so far, by name."""
        self.flush()
        return sorted(self._results.values(), key=lambda c: (c.name, c.digest))

    def for_machine(self, sm: StateMachine) -> MachineCoverage | None:
        self.flush()
        return self._results.get((sm.name, _digest(sm)))

    def percent(self) -> float:
        """All machines together: covered items over all items."""
        done = total = 0
        for cov in self.results():
            d, t = cov.counts()
            done, total = done + d, total + t
        return 100.0 if total == 0 else 100.0 * done / total


_ACTIVE: list[CoverageCollector] = []


def active_collector() -> CoverageCollector | None:
    """The collector started last with :func:`collect` or by the pytest plugin, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


def collect() -> CoverageCollector:
    """Start collecting the coverage of every run; ``sm.coverage()`` and ``sm.coverage_graph()``
    then show what the runs so far covered.  Use as ``with sfn.testing.collect() as cov:`` or keep it."""
    collector = _Registered()
    return collector.start()


class _Registered(CoverageCollector):
    """A collector that :func:`active_collector` returns while it runs."""

    def start(self) -> CoverageCollector:
        if self not in _ACTIVE:
            _ACTIVE.append(self)
        return super().start()

    def stop(self) -> CoverageCollector:
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        return super().stop()
