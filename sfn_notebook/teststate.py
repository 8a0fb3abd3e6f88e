"""A local TestState: one state (alone, or named in a whole machine) run once by the engine, with
AWS's TestState request and response.

The state is taken out of its machine and run as the only state of a machine of its own, named
``StateName`` as AWS names it; every state it can go to is a stand-in that ends the run, so the
next state is known without running it.  A mock stands in for a Task's call or for a Map's or
Parallel's iterations (engine hooks: ``Run.override``); Retry is answered, not waited for: an
error a retrier still retries is ``RETRIABLE`` with the back-off AWS would wait.  The answer is
shaped like the API's: ``status``, ``output`` (JSON text), ``error``, ``cause``, ``nextState`` and,
at DEBUG and TRACE, ``inspectionData`` with the data after each stage.

Invalid requests raise :class:`~sfn_notebook.AwsError` with AWS's code (``ValidationException``,
``InvalidDefinition``) and message, as the API answers them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._json import MISSING, dumps
from .errors import AwsError, DefinitionError, StatesError
from .history import parse_json_text

if TYPE_CHECKING:
    from .machine import StateMachine

__all__ = [
    "api_request",
    "test_state",
    "test_state_request",
    "TestStateResult",
    "INSPECTION_STAGES",
    "TEST_STATE_NAME",
]

TEST_STATE_NAME = "StateName"  # what AWS calls the state under test (context object, error paths)
_INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
_NO_MOCK_TYPES = ("Pass", "Succeed", "Fail")  # a Choice or Wait ignores a mock
_CONTEXT_FIELDS = {
    "Execution": {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"},
    "State": {"EnteredTime", "Name", "RetryCount"},
    "StateMachine": {"Id", "Name"},
    "Task": {"Token"},
}
_EXCEEDED = (
    "States.ExceedToleratedFailureThreshold",
    "The specified tolerated failure threshold was exceeded",
)
_DEFAULT_REGION = "us-east-1"
_LOCATED = re.compile(
    r"^An error occurred while executing the state '.*?' \(entered at the event id #\d+\)\. "
)
_DEFAULT_ACCOUNT = "123456789012"


def _api_error(code: str, message: str) -> AwsError:
    return AwsError(code, message, operation="TestState")


def _validation(message: str) -> AwsError:
    return _api_error("ValidationException", message)


def _json_field(value: Any, name: str) -> Any:
    """A JSON-text request field (``input``, ``variables``, ``context``) as its value; values pass."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            exc = ValueError("the JSON text is nested too deeply to be read")
        if name == "input":  # the API's own error for an input that is not JSON
            raise _api_error(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{exc}'"
            ) from None
        raise _validation(f"Invalid {name}: it must be valid JSON") from None


def test_state(
    definition: str | Mapping[str, Any],
    *,
    stateName: str | None = None,
    input: Any = None,
    inspectionLevel: str = "INFO",
    roleArn: str | None = None,
    variables: Any = None,
    context: Any = None,
    mock: Mapping[str, Any] | None = None,
    revealSecrets: bool = False,
    stateConfiguration: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    local_aws: bool = True,
    region: str = _DEFAULT_REGION,
    account: str | None = None,
) -> dict[str, Any]:
    """Test one state locally, as AWS's TestState API does; the API's keyword arguments, its answer.

    ``definition`` is a state (or, with ``stateName``, a whole machine), as JSON text or a dict;
    ``input``, ``variables`` and ``context`` are JSON text (or values); ``mock`` is
    ``{"result": <JSON text>}`` or ``{"errorOutput": {"error": ..., "cause": ...}}`` with an
    optional ``fieldValidationMode`` (``STRICT``, ``PRESENT``, ``NONE``); ``stateConfiguration``
    holds ``retrierRetryCount``, ``mapIterationFailureCount``, ``errorCausedByState`` and
    ``mapItemReaderData``.  A Task with no mock runs with ``resources`` (handlers, as for a run), the
    registered tasks and the in-process AWS.

    >>> test_state('{"Type": "Pass", "Result": 1, "Next": "B"}', input='{}')
    {'status': 'SUCCEEDED', 'output': '1', 'nextState': 'B'}
    """
    if inspectionLevel not in _INSPECTION_LEVELS:
        raise _validation(
            f"1 validation error detected: Value '{inspectionLevel}' at 'inspectionLevel' failed to satisfy "
            "constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
        )
    mock = dict(mock) if mock is not None else None
    config = dict(stateConfiguration or {})
    raw_state, query_language = _state_of(definition, stateName)
    checked_sm = _machine_for(raw_state, query_language, keep_retry=True).machine
    checked = checked_sm.states[checked_sm.start_at]
    retriers = getattr(checked, "retry", ())
    machine = _machine_for(raw_state, query_language)
    state = machine.machine.states[machine.machine.start_at]
    kind = state.type
    if mock is None and kind in ("Map", "Parallel"):
        raise _api_error(
            "InvalidDefinition",
            "TestState API does not support Map or Parallel states. Supported state types include: "
            "[Task, Wait, Pass, Succeed, Fail, Choice]",
        )
    if mock is not None and kind in _NO_MOCK_TYPES:
        raise _validation(f"State type '{kind}' is not supported when a mock is specified")
    if mock is not None and revealSecrets:
        raise _validation("TestState does not support RevealSecrets when a mock is specified.")
    if mock is not None and "result" in mock and "errorOutput" in mock:
        raise _validation("A test mock should have only one of the following fields: [result, errorOutput].")
    if mock is None and kind == "Task":
        _check_unmocked_task(state)
        if roleArn is None:
            raise _validation("RoleArn must be specified when testing a Task state")
    mocked = _mocked_result(mock, state, config)
    context_value = _check_context(_json_field(context, "context")) if context is not None else None
    input_value = {} if input is None else _json_field(input, "input")
    variables_value = _json_field(variables, "variables") if variables is not None else None
    if account is None:  # the caller's account: the role's, as on AWS
        parts = roleArn.split(":") if isinstance(roleArn, str) else []
        account = parts[4] if len(parts) > 5 and parts[4] else _DEFAULT_ACCOUNT
    if variables_value is not None and not isinstance(variables_value, dict):
        raise _validation("Invalid variables: it must be a JSON object")
    return _Test(
        machine,
        state,
        retriers,
        input_value,
        inspectionLevel,
        roleArn,
        variables_value,
        context_value,
        mock,
        mocked,
        config,
        resources,
        local_aws,
        region,
        account,
    ).answer()


test_state.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


# ---------------------------------------------------------------------------------------------- request


def _state_of(definition: str | Mapping[str, Any], state_name: str | None) -> tuple[dict[str, Any], str]:
    """The state under test (raw, as written) and the query language it runs with."""
    from .machine import StateMachine

    if isinstance(definition, str):
        try:
            value = json.loads(definition)
        except ValueError:
            raise _api_error(
                "InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION'"
            ) from None
    else:
        value = dict(definition)
    if not isinstance(value, dict):
        raise _api_error("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED'")
    if state_name is None:
        language = value.get("QueryLanguage", "JSONPath")
        return value, language if isinstance(language, str) else "JSONPath"
    try:
        sm = StateMachine(value)
    except DefinitionError as exc:
        raise _api_error("InvalidDefinition", _definition_message(exc)) from None
    found = _find_state(value, state_name, sm.query_language)
    if found is None:
        raise _validation("State not found in definition")
    return found


def _find_state(scope: Mapping[str, Any], name: str, language: str) -> tuple[dict[str, Any], str] | None:
    states = scope.get("States")
    if not isinstance(states, Mapping):
        return None
    for key, raw in states.items():
        if not isinstance(raw, Mapping):
            continue
        own = raw.get("QueryLanguage", language)
        if key == name:
            return dict(raw), own
        children = list(raw.get("Branches") or [])
        for key_name in ("ItemProcessor", "Iterator"):
            if isinstance(raw.get(key_name), Mapping):
                children.append(raw[key_name])
        for child in children:
            if isinstance(child, Mapping):
                found = _find_state(child, name, own)
                if found is not None:
                    return found
    return None


def _machine_for(raw: dict[str, Any], language: str, keep_retry: bool = False) -> Any:
    """A machine whose only real state is the one under test; where it can go, stand-ins end the run.
    The run's copy has no Retry: TestState answers whether a retrier would retry, it does not wait."""
    from .machine import StateMachine

    state = raw if keep_retry else {k: v for k, v in raw.items() if k != "Retry"}
    targets: list[str] = []
    if isinstance(raw.get("Next"), str):
        targets.append(raw["Next"])
    if isinstance(raw.get("Default"), str):
        targets.append(raw["Default"])
    for key_name in ("Choices", "Catch"):
        for rule in raw.get(key_name) or []:
            if isinstance(rule, Mapping) and isinstance(rule.get("Next"), str):
                targets.append(rule["Next"])
    # a state that goes to a state called "StateName" runs under another name (its context still says StateName)
    own = TEST_STATE_NAME if TEST_STATE_NAME not in targets else f"{TEST_STATE_NAME} (tested)"
    states: dict[str, Any] = {own: state}
    for target in targets:
        states[target] = {"Type": "Succeed"}
    definition: dict[str, Any] = {"StartAt": own, "States": states}
    if language == "JSONata":
        definition["QueryLanguage"] = "JSONata"
    try:
        return StateMachine(definition, name="TestStateMachine")
    except DefinitionError as exc:
        raise _api_error("InvalidDefinition", _definition_message(exc)) from None


def _definition_message(exc: DefinitionError) -> str:
    errors = [d for d in exc.diagnostics if d.severity == "ERROR"]
    first = errors[0] if errors else None
    if first is None:
        return "Invalid State Machine Definition"
    return f"Invalid State Machine Definition: '{first.code}: {first.message} at {first.pointer}'"


def _check_unmocked_task(state: Any) -> None:
    """Without a mock TestState calls the resource once and cannot wait for an activity worker, a
    job (``.sync``) or a callback (``.waitForTaskToken``)."""
    from .engine.resources import parse_resource

    info = parse_resource(state.resource) if isinstance(state.resource, str) else None
    if info is None:
        return
    if info.kind == "activity" or info.pattern:
        raise _api_error(
            "InvalidDefinition",
            "TestState API does not support Activity tasks, .sync or .waitForTaskToken integration patterns "
            "without a mock.",
        )


def _check_context(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _validation("Invalid Context object provided: it must be a JSON object")
    for key, part in value.items():
        if key == "Map":
            raise _validation(
                "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"
            )
        allowed = _CONTEXT_FIELDS.get(key)
        if allowed is None:
            raise _validation(f"Invalid Context object provided: Field '{key}' is not allowed")
        if isinstance(part, dict):
            for field in part:
                if field not in allowed:
                    raise _validation(f"Invalid Context object provided: Field '{field}' is not allowed")
    return value


def _mocked_result(mock: dict[str, Any] | None, state: Any, config: dict[str, Any]) -> Any:
    """The mock's result as a value (MISSING for an error output or no mock), checked as AWS does."""
    if mock is None or "result" not in mock:
        if mock is not None and state.type == "Map":
            _check_failure_count(config, None)
        return MISSING
    text = mock["result"]
    if isinstance(text, str):
        try:
            result = json.loads(text)
        except ValueError:
            raise _validation("Mocked result must be valid JSON") from None
    else:
        result = text
    if state.type == "Parallel":
        if not isinstance(result, list):
            raise _validation("Mocked result must be an array.")
        if len(result) != len(state.branches):
            raise _validation(
                "Mocked result must contain the same number of items as number of Parallel branches."
            )
    elif state.type == "Map":
        if state.result_writer is not MISSING:
            if not isinstance(result, dict):
                raise _validation("Mocked result must be a JSON object.")
        elif not isinstance(result, list):
            raise _validation("Mocked result must be an array.")
        _check_failure_count(config, len(result) if isinstance(result, list) else None)
    elif state.type == "Task":
        from .teststate_fields import check_mock_result

        problem = check_mock_result(state.resource, result, str(mock.get("fieldValidationMode", "STRICT")))
        if problem is not None:
            raise _validation(f"Mock result schema validation error: {problem}")
    return result


def _check_failure_count(config: dict[str, Any], iterations: int | None) -> None:
    count = config.get("mapIterationFailureCount")
    if count is None:
        return
    if iterations is None:
        data = config.get("mapItemReaderData")
        if isinstance(data, str):
            try:
                items = json.loads(data)
            except ValueError:
                items = None
            iterations = len(items) if isinstance(items, list) else None
    if iterations is not None and count > iterations:
        raise _validation(
            "Map iteration failure count must be less than or equal to the number of Map iterations"
        )


# ---------------------------------------------------------------------------------------------- the run


class _Test:
    """One TestState call: the run of the state, its hooks (``Run.override``) and the answer."""

    def __init__(
        self,
        sm: Any,
        state: Any,
        retriers: Any,
        input_value: Any,
        level: str,
        role_arn: str | None,
        variables: dict[str, Any] | None,
        context: dict[str, Any] | None,
        mock: dict[str, Any] | None,
        mocked: Any,
        config: dict[str, Any],
        resources: Mapping[str, Any] | None,
        local_aws: bool,
        region: str,
        account: str,
    ) -> None:
        self.sm = sm
        self.state = state
        self.retriers = list(retriers)
        self.input = input_value
        self.level = level
        self.role_arn = role_arn
        self.variables = variables
        self.context_value = context
        self.mock = mock
        self.mocked = mocked
        self.config = config
        self.resources = resources
        self.local_aws = local_aws
        self.region = region
        self.account = account

    # -- the engine's hooks

    def context(self, visit: Any, ctx: dict[str, Any]) -> dict[str, Any]:
        run = visit.run
        execution = {
            "Id": f"arn:aws:states:{run.region}:{run.account}:express:{run.state_machine_name}:{run.execution_name}",
            "Input": run.input,
            "Name": run.execution_name,
            "RoleArn": self.role_arn,
            "StartTime": ctx["Execution"]["StartTime"],
        }
        out = dict(ctx)
        out["Execution"] = execution
        out["State"] = {**ctx["State"], "Name": TEST_STATE_NAME}
        if self.context_value is not None:
            out.update(self.context_value)
        return out

    def result(self, visit: Any, effective: Any) -> Any:
        """The mocked result of the state's work (Task call, branches, iterations), or MISSING."""
        mock = self.mock
        if mock is None:
            return MISSING
        if "errorOutput" in mock:
            error_output = mock["errorOutput"] or {}
            raise StatesError(error_output.get("error"), error_output.get("cause"))
        if visit.state.type == "Map":
            self._check_tolerance(visit, self.mocked)
        return self.mocked

    def _check_tolerance(self, visit: Any, result: Any) -> None:
        failures = self.config.get("mapIterationFailureCount")
        trace = visit.trace or {}
        count = trace.get("toleratedFailureCount", MISSING)
        percentage = trace.get("toleratedFailurePercentage", MISSING)
        if not isinstance(failures, int) or failures <= 0 or (count is MISSING and percentage is MISSING):
            return
        total = len(result) if isinstance(result, list) else 0
        exceeded = count is not MISSING and failures > count
        if percentage is not MISSING and total > 0 and failures * 100.0 / total > percentage:
            exceeded = True
        if exceeded:
            raise StatesError(*_EXCEEDED)

    # -- the run and the answer

    def answer(self) -> dict[str, Any]:
        from .engine.resources import HandlerRegistry
        from .engine.run import Run, RunSetup, input_text

        sm = self.sm
        handlers = HandlerRegistry(self.resources)
        role = self.role_arn or f"arn:aws:iam::{self.account}:role/TestStateRole"
        setup = RunSetup(sm.machine, handlers, sm.name, self.region, self.account, role, self.local_aws)
        text = input_text(self.input)
        run = Run(setup, self.input, execution_name=None, start_time=_now(), identity=text.encode())
        run.override = self
        run.tracing = True
        run.derive_stages = False
        run.start(text, self.variables)
        run.drive()
        return self._response(run)

    def _response(self, run: Any) -> dict[str, Any]:
        events = run.events
        entered = [e for e in _events(events) if e[0].endswith("StateEntered")]
        first_id = entered[0][1] if entered else None
        trace = dict(run.traces.get(first_id, {})) if first_id is not None else {}
        state = self.state
        if state.plain:  # a state that transforms nothing: every stage is its input
            stages = ("afterInputPath", "afterParameters", "result", "afterResultPath", "output")
            trace = dict.fromkeys(stages if state.type == "Pass" else ("afterInputPath", "output"), run.input)
            trace["input"] = run.input
        next_state = entered[1][2] if len(entered) > 1 else None
        response: dict[str, Any] = {}
        error = trace.get("error", MISSING)
        failed = run.status != "SUCCEEDED" or error is not MISSING
        details: dict[str, Any] = {}
        status = "SUCCEEDED"
        if failed:
            err = error if error is not MISSING else run.error
            cause = trace.get("cause", MISSING) if error is not MISSING else run.cause
            if isinstance(cause, str):  # no history: no event to name
                cause = _LOCATED.sub("", cause, count=1)
            retry = self._retry(err)
            if retry is not None:
                details.update(retry)
            if "retryBackoffIntervalSeconds" in details:
                status = "RETRIABLE"
                next_state = None
            elif run.status == "SUCCEEDED":
                status = "CAUGHT_ERROR"
                from .engine.retry import find_catcher

                index = find_catcher(state.catch, err)
                if index is not None:
                    details["catchIndex"] = index
            else:
                status = "FAILED"
                next_state = None
            if err is not None:
                response["error"] = err
            if cause is not MISSING and cause is not None:
                response["cause"] = cause
        response["status"] = status
        if status in ("SUCCEEDED", "CAUGHT_ERROR") and "output" in trace:
            response["output"] = dumps(trace["output"])
        if next_state is not None:
            response["nextState"] = next_state
        if self.level != "INFO":
            response["inspectionData"] = self._inspection(trace, details)
        order = ("status", "output", "error", "cause", "nextState", "inspectionData")
        return {key: response[key] for key in order if key in response}

    def _retry(self, error: str | None) -> dict[str, Any] | None:
        from .engine.retry import find_retrier

        retriers = self.retriers
        index = find_retrier(retriers, error)
        if index is None:
            return None
        retrier = retriers[index]
        done = self.config.get("retrierRetryCount", 0)
        if not isinstance(done, int) or done >= retrier.max_attempts:
            return {"retryIndex": index}
        delay = retrier.interval_seconds * retrier.backoff_rate**done
        cap = retrier.max_delay_seconds
        if isinstance(cap, int) and delay > cap:
            delay = cap
        return {"retryBackoffIntervalSeconds": int(delay), "retryIndex": index}

    def _inspection(self, trace: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        data: dict[str, Any] = {}
        keys = _inspection_keys(state)
        for key in keys:
            if key in trace:
                data[key] = trace[key]
        if state.type == "Fail" and not state.is_jsonata:
            data["afterInputPath"] = trace["input"]
        if (
            state.type == "Pass"
            and not state.is_jsonata
            and "afterResultSelector" in keys
            and "result" in trace
        ):
            data["afterResultSelector"] = trace["result"]
            if state.result is MISSING:
                data.pop("result", None)
            else:
                data.pop("afterInputPath", None)
                data.pop("afterParameters", None)
        variables = self._variables_after(trace)
        if variables:
            data["variables"] = variables
        if details:
            data["errorDetails"] = dict(sorted(details.items()))
        out: dict[str, Any] = {}
        for key in sorted(data):
            value = data[key]
            out[key] = dumps(value) if key in _JSON_TEXT else value
        return out

    def _variables_after(self, trace: dict[str, Any]) -> dict[str, Any]:
        merged = dict(self.variables or {})
        assigned = trace.get("variables")
        if isinstance(assigned, dict):
            merged.update(assigned)
        return merged


_JSON_TEXT = frozenset(
    {
        "input",
        "afterInputPath",
        "afterParameters",
        "afterArguments",
        "result",
        "afterResultSelector",
        "afterResultPath",
        "variables",
        "afterItemsPath",
        "afterItemSelector",
        "afterItemBatcher",
        "afterItemsPointer",
    }
)


def _inspection_keys(state: Any) -> tuple[str, ...]:
    """The stages AWS reports for a state of this type and query language."""
    kind = state.type
    if state.is_jsonata:
        if kind == "Task":
            return ("input", "afterArguments", "result")
        if kind == "Map":
            return (
                "input",
                "afterItemSelector",
                "afterItemBatcher",
                "maxConcurrency",
                "toleratedFailureCount",
                "toleratedFailurePercentage",
            )
        return ("input",)
    if kind in ("Choice", "Succeed", "Fail", "Wait"):
        return ("input", "afterInputPath")
    if kind == "Pass":
        return (
            "input",
            "afterInputPath",
            "afterParameters",
            "result",
            "afterResultSelector",
            "afterResultPath",
        )
    if kind == "Parallel":
        return ("input", "afterResultSelector", "afterResultPath")
    if kind == "Map":
        return (
            "input",
            "afterInputPath",
            "afterItemsPath",
            "afterItemSelector",
            "afterItemBatcher",
            "maxConcurrency",
            "toleratedFailureCount",
            "toleratedFailurePercentage",
            "afterResultSelector",
            "afterResultPath",
        )
    return ("input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath")


def _events(log: Any) -> list[tuple[str, int, str | None]]:
    """(type, id, state name) of each event of the run's history."""
    out = []
    for event in log.materialize():
        kind = event["type"]
        details = next(
            (v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {}
        )
        out.append((kind, event["id"], details.get("name")))
    return out


def _now() -> float:
    """Now, or the fixed start of local runs (``SFN_NOTEBOOK_START_TIME``), as for a run."""
    from .machine import _to_epoch

    return _to_epoch(None)


# ---------------------------------------------------------------------------------------------- a machine's state

# TestState's inspection data in data-flow order; "output" is the state's output
INSPECTION_STAGES = (
    "input",
    "afterArguments",
    "afterInputPath",
    "afterParameters",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "output",
)


@dataclass
class TestStateResult:
    """What the TestState API returned for one state, with the inspector's data-flow stages.

    ``inspection`` holds the inspection data with its JSON texts parsed; :meth:`stages` lists the
    stages present in data-flow order (input, afterInputPath, afterParameters, result,
    afterResultSelector, afterResultPath, output).
    """

    __test__ = False  # not a pytest test class

    state: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    inspection: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_response(cls, state: str, response: Mapping[str, Any]) -> TestStateResult:
        data = dict(response.get("inspectionData", {}))
        parsed = {key: parse_json_text(value) if key in _JSON_TEXT else value for key, value in data.items()}
        return cls(
            state=state,
            status=str(response.get("status", "")),
            output=parse_json_text(response["output"]) if "output" in response else None,
            error=response.get("error"),
            cause=response.get("cause"),
            next_state=response.get("nextState"),
            inspection=parsed,
            raw=dict(response),
        )

    @property
    def variables(self) -> Any:
        return self.inspection.get("variables")

    @property
    def error_details(self) -> dict[str, Any] | None:
        return self.inspection.get("errorDetails")

    def stages(self) -> list[tuple[str, Any]]:
        """(stage, value) for each data-flow stage AWS reported, in order, ending with the output."""
        out = [(s, self.inspection[s]) for s in INSPECTION_STAGES[:-1] if s in self.inspection]
        if "output" in self.raw:
            out.append(("output", self.output))
        return out

    def diff(self, other: TestStateResult) -> dict[str, tuple[Any, Any]]:
        """Where two answers for the same state differ (a local one and AWS's, say): ``{field:
        (mine, theirs)}`` over status, output, error, cause, nextState and each inspection field;
        empty when they agree.

        >>> a = TestStateResult("S", "SUCCEEDED", output=1, raw={"output": "1"})
        >>> a.diff(TestStateResult("S", "SUCCEEDED", output=2, raw={"output": "2"}))
        {'output': (1, 2)}
        """
        mine, theirs = self._fields(), other._fields()
        return {
            key: (mine.get(key), theirs.get(key))
            for key in dict.fromkeys([*mine, *theirs])
            if mine.get(key, MISSING) != theirs.get(key, MISSING)
        }

    def _fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if "output" in self.raw:
            out["output"] = self.output
        for key, value in (("error", self.error), ("cause", self.cause), ("nextState", self.next_state)):
            if value is not None:
                out[key] = value
        out.update({f"inspectionData.{k}": v for k, v in self.inspection.items()})
        return out

    def to_frame(self) -> Any:
        """The stages as a DataFrame (columns ``stage``, ``value``)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.stages(), columns=["stage", "value"])

    def _headline(self) -> str:
        text = f"TestState {self.state}: {self.status}"
        if self.next_state is not None:
            text += f" → {self.next_state}"
        if self.error is not None or self.cause is not None:
            text += f" ({self.error}: {self.cause})"
        return text

    def __repr__(self) -> str:
        return f"<TestStateResult {self._headline()}>"

    def __str__(self) -> str:
        lines = [self._headline()]
        lines.extend(f"  {stage:<20} {dumps(value)}" for stage, value in self.stages())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(stage)}</td><td><code>{html.escape(dumps(value))}</code></td></tr>"
            for stage, value in self.stages()
        )
        return f"<p><b>{html.escape(self._headline())}</b></p><table><tbody>{rows}</tbody></table>"


def test_state_request(
    sm: StateMachine,
    state_name: str,
    input: Any = MISSING,
    *,
    inspection_level: str = "DEBUG",
    variables: Mapping[str, Any] | None = None,
    mock: Mapping[str, Any] | None = None,
    role_arn: str | None = None,
    reveal_secrets: bool = False,
    context: Mapping[str, Any] | None = None,
    state_configuration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The TestState request that tests ``state_name`` of ``sm`` (the API's keyword arguments).

    A top-level state is sent alone (with the machine's QueryLanguage); a nested one is sent with
    the whole machine and ``stateName``.  ``input``, ``variables`` and ``context`` are values (sent
    as JSON text); a mock's non-text ``result`` is JSON-encoded.
    """
    if inspection_level not in _INSPECTION_LEVELS:
        raise ValueError(f"inspection_level must be one of INFO, DEBUG, TRACE, not {inspection_level!r}")
    top = sm.definition.get("States", {})
    params: dict[str, Any] = {"inspectionLevel": inspection_level}
    if state_name in top:
        state = dict(top[state_name])
        if "QueryLanguage" in sm.definition and "QueryLanguage" not in state:
            state["QueryLanguage"] = sm.definition["QueryLanguage"]
        params["definition"] = json.dumps(state, ensure_ascii=False)
    elif state_name in sm.state_names:
        params["definition"] = sm.to_json()
        params["stateName"] = state_name
    else:
        raise ValueError(f"no state named {state_name!r} in {sm.name} (states: {', '.join(sm.state_names)})")
    if role_arn is not None:
        params["roleArn"] = role_arn
    try:
        params["input"] = dumps({} if input is MISSING else input)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the input must be made of JSON values (dict, list, str, number, bool, None): {exc}"
        ) from None
    if variables is not None:
        params["variables"] = dumps(dict(variables))
    if mock is not None:
        mock_params = dict(mock)
        if "result" in mock_params and not isinstance(mock_params["result"], str):
            mock_params["result"] = dumps(mock_params["result"])
        params["mock"] = mock_params
    if context is not None:
        params["context"] = dumps(dict(context))
    if state_configuration is not None:
        params["stateConfiguration"] = dict(state_configuration)
    if reveal_secrets:
        params["revealSecrets"] = True
    return params


test_state_request.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def api_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A TestState request as the API takes it: a dict ``definition`` and the JSON fields (``input``,
    ``variables``, ``context``, a mock's ``result``) given as values become JSON text.

    >>> api_request({"definition": {"Type": "Succeed"}, "input": {"a": 1}})
    {'definition': '{"Type": "Succeed"}', 'input': '{"a":1}'}
    """
    out = dict(request)
    if isinstance(out.get("definition"), Mapping):
        out["definition"] = json.dumps(out["definition"], ensure_ascii=False)
    for key in ("input", "variables", "context"):
        if key in out and not isinstance(out[key], str):
            out[key] = dumps(out[key])
    mock = out.get("mock")
    if isinstance(mock, Mapping) and "result" in mock and not isinstance(mock["result"], str):
        out["mock"] = {**mock, "result": dumps(mock["result"])}
    return out
