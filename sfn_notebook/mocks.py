"""Step Functions Local's mocked service integrations (``MockConfigFile.json``), for local runs.

The file maps a state machine name and a test case to mocked responses per Task state::

    {"StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
     "MockedResponses": {"ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}}}}

``sm.run(input, mocks="MockConfigFile.json", test_case="HappyPath")`` serves each listed state from
its mock: attempt ``n`` (the state's retry count) uses the entry whose key is ``"n"`` or a range
``"a-b"`` containing it; ``Return`` is the task's result as the service would return it (for
``lambda:invoke``, the whole Invoke response), ``Throw`` fails the task with its Error and Cause.
States that are not listed use the run's ordinary handlers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine.resources import Handler, HandlerRegistry
from .errors import SfnNotebookError, TaskFailed

__all__ = ["MockConfig", "MockConfigError", "MockedResponse"]


class MockConfigError(SfnNotebookError, ValueError):
    """The mock configuration is malformed, or names a test case that does not exist."""


@dataclass(frozen=True)
class _Attempt:
    first: int
    last: int
    returns: Any = None
    throws: tuple[str | None, str | None] | None = None


class MockedResponse:
    """The answers of one mocked response, by attempt number."""

    is_mock = True  # the engine returns the mock's value as the task result, unwrapped

    def __init__(self, name: str, attempts: list[_Attempt]) -> None:
        self.name = name
        self.attempts = attempts

    def answer(self, attempt: int) -> Any:
        for entry in self.attempts:
            if entry.first <= attempt <= entry.last:
                if entry.throws is not None:
                    raise TaskFailed(*entry.throws)
                return json.loads(json.dumps(entry.returns))
        raise TaskFailed(
            "States.Runtime",
            f"the mocked response '{self.name}' has no entry for attempt {attempt} "
            f"(it covers attempts 0-{self.attempts[-1].last})",
        )

    def __call__(self, event: Any, context: Any = None) -> Any:
        attempt = getattr(context, "retry_count", 0) if context is not None else 0
        return self.answer(attempt)


_RANGE = re.compile(r"(\d+)(?:-(\d+))?\Z")


class MockConfig:
    """A parsed ``MockConfigFile.json``."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise MockConfigError(
                "a mock configuration is a JSON object with StateMachines and MockedResponses"
            )
        unknown = set(document) - {"StateMachines", "MockedResponses"}
        if unknown:
            raise MockConfigError(
                f"unknown top-level fields {sorted(unknown)} (expected StateMachines, MockedResponses)"
            )
        self.responses: dict[str, MockedResponse] = {}
        for name, spec in (document.get("MockedResponses") or {}).items():
            self.responses[name] = _parse_response(name, spec)
        self.machines: dict[str, dict[str, dict[str, str]]] = {}
        for machine, spec in (document.get("StateMachines") or {}).items():
            cases = spec.get("TestCases") if isinstance(spec, Mapping) else None
            if not isinstance(cases, Mapping):
                raise MockConfigError(f"StateMachines.{machine} needs a TestCases object")
            self.machines[machine] = {}
            for case, states in cases.items():
                if not isinstance(states, Mapping):
                    raise MockConfigError(
                        f"test case {machine}.{case} must map state names to mocked responses"
                    )
                for state, response in states.items():
                    if response not in self.responses:
                        raise MockConfigError(
                            f"test case {machine}.{case} maps state '{state}' to '{response}', which is not "
                            "in MockedResponses"
                        )
                self.machines[machine][case] = dict(states)

    @classmethod
    def load(cls, source: str | os.PathLike[str] | Mapping[str, Any] | None) -> MockConfig:
        """From a dict, a JSON file path, or (None) the file named by ``SFN_MOCK_CONFIG``."""
        if source is None:
            env = os.environ.get("SFN_MOCK_CONFIG")
            if not env:
                raise MockConfigError("no mock configuration given and SFN_MOCK_CONFIG is not set")
            source = env
        if isinstance(source, Mapping):
            return cls(source)
        path = Path(source)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise MockConfigError(f"cannot read the mock configuration {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise MockConfigError(f"the mock configuration {path} is not valid JSON: {exc}") from None
        return cls(document)

    def test_cases(self, machine: str) -> list[str]:
        return sorted(self.machines.get(machine, {}))

    def handlers(self, machine: str, test_case: str | None, fallback: HandlerRegistry) -> HandlerRegistry:
        """The registry a run uses: the test case's mocks first, then ``fallback``."""
        if test_case is None:
            raise MockConfigError(
                "give test_case= to choose which test case of the mock configuration to run"
            )
        cases = self.machines.get(machine)
        if cases is None:
            known = ", ".join(sorted(self.machines)) or "none"
            raise MockConfigError(
                f"the mock configuration has no state machine named '{machine}' (it has: {known}); "
                "name the StateMachine accordingly"
            )
        states = cases.get(test_case)
        if states is None:
            raise MockConfigError(
                f"'{machine}' has no test case '{test_case}' (it has: {', '.join(sorted(cases))})"
            )
        return _MockedRegistry({s: self.responses[r] for s, r in states.items()}, fallback)


class _MockedRegistry(HandlerRegistry):
    def __init__(self, mocks: dict[str, MockedResponse], fallback: HandlerRegistry) -> None:
        self._mocks = mocks
        self._fallback = fallback

    def for_state(self, state: str, keys: tuple[str, ...]) -> Handler | None:
        mock = self._mocks.get(state)
        if mock is not None:
            return mock
        return self._fallback.for_state(state, keys)

    def lookup(self, *keys: str) -> Handler | None:
        return self._fallback.lookup(*keys)

    def names(self) -> list[str]:
        return sorted(set(self._fallback.names()) | set(self._mocks))


def _parse_response(name: str, spec: Any) -> MockedResponse:
    if not isinstance(spec, Mapping) or len(spec) == 0:
        raise MockConfigError(f"MockedResponses.{name} must map attempt numbers to Return/Throw objects")
    attempts = []
    for key, answer in spec.items():
        match = _RANGE.match(str(key))
        if match is None:
            raise MockConfigError(
                f"MockedResponses.{name}: '{key}' is not an attempt number or range like '1-3'"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise MockConfigError(f"MockedResponses.{name}: the range '{key}' is backwards")
        if (
            not isinstance(answer, Mapping)
            or len(answer) != 1
            or next(iter(answer)) not in ("Return", "Throw")
        ):
            raise MockConfigError(f"MockedResponses.{name}.{key} must have exactly one of Return or Throw")
        if "Throw" in answer:
            throw = answer["Throw"]
            if not isinstance(throw, Mapping):
                raise MockConfigError(
                    f"MockedResponses.{name}.{key}.Throw must be an object with Error and Cause"
                )
            attempts.append(_Attempt(first, last, throws=(throw.get("Error"), throw.get("Cause"))))
        else:
            attempts.append(_Attempt(first, last, returns=answer["Return"]))
    attempts.sort(key=lambda a: a.first)
    expected = 0
    for entry in attempts:
        if entry.first != expected:
            raise MockConfigError(
                f"MockedResponses.{name}: attempts must be numbered consecutively from 0 (missing {expected})"
            )
        expected = entry.last + 1
    return MockedResponse(name, attempts)
