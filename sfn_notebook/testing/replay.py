"""From an execution to a test: a MockConfigFile that replays its Tasks, and a pytest file around it.

:func:`mock_config` reads every Task's attempts from the history (local or AWS) and writes them as
Step Functions Local's ``MockConfigFile.json``: attempt ``n`` of a state returns what it returned,
or throws the error it failed with, so retries happen again in the same order.  :func:`replay` runs
a machine with such a file, answering ``.waitForTaskToken`` callbacks from it too, and
:func:`pytest_source` writes a test that replays an execution and checks where it went and how it
ended.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..history import event_details, parse_json_text, state_visits

if TYPE_CHECKING:
    from ..execution import Execution
    from ..machine import StateMachine

__all__ = ["mock_config", "replay", "pytest_source", "state_path", "visit_counts"]

_SUCCEEDED = frozenset({"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"})
_FAILED = frozenset(
    {
        "TaskFailed",
        "TaskStartFailed",
        "TaskSubmitFailed",
        "LambdaFunctionFailed",
        "LambdaFunctionStartFailed",
        "LambdaFunctionScheduleFailed",
        "ActivityFailed",
        "ActivityScheduleFailed",
    }
)
_TIMED_OUT = frozenset({"TaskTimedOut", "LambdaFunctionTimedOut", "ActivityTimedOut"})


def _attempts(events: Sequence[dict[str, Any]], event_ids: list[int]) -> list[dict[str, Any]]:
    """The outcome of each attempt of one Task visit, as mocked-response entries (Return or Throw)."""
    by_id = {e["id"]: e for e in events}
    out: list[dict[str, Any]] = []
    for event_id in event_ids:
        event = by_id.get(event_id)
        if event is None:
            continue
        kind = event["type"]
        details = event_details(event)
        if kind in _SUCCEEDED:
            out.append({"Return": parse_json_text(details.get("output"))})
        elif kind in _FAILED or kind in _TIMED_OUT:
            error = details.get("error")
            if error is None and kind in _TIMED_OUT:
                error = "States.Timeout"
            throw: dict[str, Any] = {}
            if error is not None:
                throw["Error"] = error
            if details.get("cause") is not None:
                throw["Cause"] = details["cause"]
            out.append({"Throw": throw})
    return out


def _numbered(attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """Attempts keyed ``"0"``, ``"1"``, ... with runs of equal answers as ranges (``"1-3"``)."""
    numbered: dict[str, Any] = {}
    start = 0
    while start < len(attempts):
        end = start
        while end + 1 < len(attempts) and attempts[end + 1] == attempts[start]:
            end += 1
        numbered[str(start) if end == start else f"{start}-{end}"] = attempts[start]
        start = end + 1
    return numbered


def machine_name(execution: Execution) -> str:
    """The name of the state machine an execution ran (from its ARN when nothing else says)."""
    sm = execution.state_machine
    if sm is not None:
        return sm.name
    parts = execution.arn.split(":")
    return parts[6] if len(parts) > 7 else "StateMachine"


def task_visits(execution: Execution) -> dict[str, list[list[dict[str, Any]]]]:
    """Each Task state's visits in the order they were entered, each visit its attempts' answers."""
    histories = [execution.events]
    for children in (getattr(execution, "map_runs", None) or {}).values():
        histories.extend(children)  # a Distributed Map's child executions (local runs keep them)
    visits: dict[str, list[list[dict[str, Any]]]] = {}
    for events, visit in ((history, v) for history in histories for v in state_visits(history)):
        if visit.type != "Task":
            continue
        attempts = _attempts(events, visit.events)
        if attempts:
            visits.setdefault(visit.name, []).append(attempts)
    return visits


def mock_config(
    execution: Execution, test_case: str = "Recorded", *, state_machine_name: str | None = None
) -> dict[str, Any]:
    """A MockConfigFile document replaying every Task of ``execution`` (see the module's text).

    A state entered several times (a loop, Map iterations) is mocked with its first visit's
    answers, the only kind of answer the format has; a warning says so when the visits differ.
    """
    visits = task_visits(execution)
    answers = {state: attempts[0] for state, attempts in visits.items()}
    differing = [state for state, attempts in visits.items() if any(a != attempts[0] for a in attempts)]
    if differing:
        warnings.warn(
            f"{', '.join(differing)}: entered several times with different results; a MockConfigFile "
            "answers by attempt only, so every visit replays the first one's",
            stacklevel=3,
        )
    responses: dict[str, Any] = {}
    case: dict[str, str] = {}
    for state, attempts in answers.items():
        response = f"{test_case}: {state}"
        case[state] = response
        responses[response] = _numbered(attempts)
    name = state_machine_name or machine_name(execution)
    return {"StateMachines": {name: {"TestCases": {test_case: case}}}, "MockedResponses": responses}


def replay(
    sm: StateMachine,
    input: Any = None,
    *,
    mocks: Any,
    test_case: str,
    visits: Mapping[str, Sequence[str]] | None = None,
    **run_options: Any,
) -> Any:
    """Run ``sm`` locally with a mock configuration, answering its ``.waitForTaskToken`` tasks from
    the same mocks (``Return`` as SendTaskSuccess, ``Throw`` as SendTaskFailure), as Step Functions
    Local does; returns the :class:`~sfn_notebook.LocalExecution` once it stops.

    ``visits`` maps a state entered several times (a loop, Map iterations) to the mocked responses
    of its visits, in the order they were entered: each visit answers from its own, attempt by
    attempt (a retry answers from the earliest visit still waiting for that attempt).
    """
    from ..errors import TaskFailed
    from ..mocks import MockConfig, MockedResponse

    config = mocks if isinstance(mocks, MockConfig) else MockConfig.load(mocks)
    served: dict[Any, tuple[MockedResponse, int]] = {}  # a call's task token -> its answers, attempt

    class _Noted(MockedResponse):
        def __call__(self, event: Any, context: Any = None) -> Any:
            attempt = getattr(context, "retry_count", 0) if context is not None else 0
            served[getattr(context, "task_token", None)] = (self, attempt)
            return self.answer(attempt)

    class _ByVisit(_Noted):
        """One state's answers visit by visit: a first attempt opens the next visit."""

        def __init__(self, name: str, responses: list[MockedResponse]) -> None:
            super().__init__(name, responses[0].attempts)
            self.responses = responses
            self.tried: list[int] = []  # per opened visit: the attempt a retry would be (-1: done)

        def __call__(self, event: Any, context: Any = None) -> Any:
            attempt = getattr(context, "retry_count", 0) if context is not None else 0
            if attempt == 0:
                self.tried.append(0)
                index = len(self.tried) - 1
            else:
                index = next((i for i, n in enumerate(self.tried) if n == attempt), len(self.tried) - 1)
            if index < 0 or index >= len(self.responses):
                raise TaskFailed(
                    "States.Runtime",
                    f"the replay recorded {len(self.responses)} visit(s) of this state; "
                    f"this is visit {index + 1}",
                )
            response = self.responses[index]
            served[getattr(context, "task_token", None)] = (response, attempt)
            try:
                answer = response.answer(attempt)
            except TaskFailed:
                self.tried[index] = attempt + 1  # a retry may come for this visit
                raise
            self.tried[index] = -1  # this visit is over
            return answer

    config.responses = {name: _Noted(name, r.attempts) for name, r in config.responses.items()}
    case = config.machines.get(sm.name, {}).get(test_case, {})
    for state, names in (visits or {}).items():
        unknown = [n for n in names if n not in config.responses]
        if state not in case or not names or unknown:
            raise ValueError(
                f"visits: state {state!r} needs a mocked response in test case {test_case!r} and "
                f"known responses for its visits{f' (unknown: {unknown})' if unknown else ''}"
            )
        by_visit = f"{case[state]} (by visit)"
        config.responses[by_visit] = _ByVisit(by_visit, [config.responses[n] for n in names])
        case[state] = by_visit
    execution = sm.run({} if input is None else input, mocks=config, test_case=test_case, **run_options)
    while execution.status == "RUNNING":
        waiting = [t for t in execution.waiting_for if t.state in case]
        if not waiting:
            break
        token = waiting[0]
        response, attempt = served.get(token.token, (config.responses[case[token.state]], 0))
        try:
            value = response.answer(attempt)
        except TaskFailed as failure:
            execution.send_task_failure(token.token, failure.error, failure.cause)
        else:
            execution.send_task_success(token.token, value)
    return execution


def state_path(execution: Execution) -> list[str]:
    """The top-level states an execution went through, in order (Parallel and Map bodies left out)."""
    return [v.name for v in state_visits(execution.events) if v.parent is None]


def visit_counts(execution: Execution) -> dict[str, int]:
    """How many times each state was entered, nested states included."""
    return dict(sorted(Counter(v.name for v in state_visits(execution.events)).items()))


# ----------------------------------------------------------------------------- writing a test


def _literal(value: Any, indent: int = 0) -> str:
    """A JSON value as a Python literal laid out like indented JSON (dicts keep their key order)."""
    flat = repr(value)
    if len(flat) + indent <= 96 or not isinstance(value, (dict, list)) or len(value) == 0:
        return flat
    inner = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{inner}{key!r}: {_literal(item, indent + 4)}," for key, item in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{inner}{_literal(item, indent + 4)}," for item in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower()
    return name if name and not name[0].isdigit() else f"x_{name}"


def pytest_source(execution: Execution, *, test_case: str | None = None) -> str:
    """The text of a pytest module replaying ``execution`` locally with mocks of its Tasks."""
    sm = execution.state_machine
    if sm is None:
        raise ValueError(
            "this execution carries no state machine definition: attach one "
            "(execution.state_machine = StateMachine(...)) to write a test from it"
        )
    if not execution.done:
        raise ValueError(f"the execution is still {execution.status}: write a test once it has ended")
    name = sm.name
    case = test_case or _identifier(f"replay {execution.name[:8]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # states whose visits differ are replayed visit by visit
        mocks = mock_config(execution, case, state_machine_name=name)
    visits: dict[str, list[str]] = {}
    for state, recorded in task_visits(execution).items():
        if any(attempts != recorded[0] for attempts in recorded):
            visits[state] = [f"{case}: {state} #{i}" for i in range(1, len(recorded) + 1)]
            for response, attempts in zip(visits[state], recorded):
                mocks["MockedResponses"][response] = _numbered(attempts)
    parts = execution.arn.split(":")
    region, account = (parts[3], parts[4]) if len(parts) > 4 else ("us-east-1", "123456789012")
    start = execution.start_date
    options = [f"name={execution.name!r}", f"region={region!r}", f"account={account!r}"]
    if start is not None:
        options.append(f"start_time={start.isoformat()!r}")
    checks = [f"    assert ex.status == {execution.status!r}, ex.summary()"]
    checks.append(f"    assert state_path(ex) == {state_path(execution)!r}")
    checks.append(f"    assert visit_counts(ex) == {visit_counts(execution)!r}")
    if execution.status == "SUCCEEDED":
        checks.append("    assert ex.output == OUTPUT")
        expected = f"OUTPUT = {_literal(execution.output)}\n"
    else:
        for name_ in ("error", "cause"):
            value = getattr(execution, name_)
            checks.append(f"    assert ex.{name_} {'is' if value is None else '=='} {value!r}")
        expected = ""
    note_text = (
        f"\n{', '.join(visits)}: entered several times with different results; MOCKS holds each\n"
        "visit's answers and VISITS says which visit answers from which."
        if visits
        else ""
    )
    return (
        f'"""A regression test from execution {execution.name} of {name} ({execution.status}).\n\n'
        f"It replays the execution locally: every Task answers what it answered then (MockConfigFile\n"
        f"test case {case!r}), and the test checks the path through the states and how it\nended.\n"
        f"Recorded from {execution.arn}.{note_text}\n"
        '"""\n\n'
        "import sfn_notebook as sfn\n"
        "from sfn_notebook.testing import replay, state_path, visit_counts\n\n"
        f"DEFINITION = {_literal(sm.definition)}\n"
        f"MOCKS = {_literal(mocks)}\n"
        + (f"VISITS = {_literal(visits)}\n" if visits else "")
        + f"INPUT = {_literal(execution.input)}\n"
        f"{expected}\n\n"
        f"def test_{_identifier(name)}_{case}():\n"
        f"    sm = sfn.StateMachine(DEFINITION, {name!r})\n"
        "    ex = replay(\n"
        + "".join(
            f"        {part},\n"
            for part in (
                "sm",
                "INPUT",
                "mocks=MOCKS",
                f"test_case={case!r}",
                *(["visits=VISITS"] if visits else []),
                *options,
            )
        )
        + "    )\n"
        + "\n".join(checks)
        + "\n"
    )


def write_pytest(execution: Execution, path: str | Path, *, test_case: str | None = None) -> Path:
    target = Path(path)
    if target.suffix != ".py":
        raise ValueError(f"a pytest file ends in .py: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(pytest_source(execution, test_case=test_case), encoding="utf-8")
    return target


def write_mock_config(document: Mapping[str, Any], path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
