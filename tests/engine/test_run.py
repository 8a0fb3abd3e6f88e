"""Tests for sfn_notebook.engine.run: limits, ending executions (timeouts, StopExecution, background runs),
determinism and input isolation.  Each state family is tested in tests/engine/states/."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.engine.events import HISTORY_LIMIT, MAX_PAYLOAD
from sfn_notebook.errors import DefinitionError
from tests.engine.helpers import LAMBDA, json_values, machine, types

EPOCH = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


USE = {"Use": {"Type": "Task", "Resource": LAMBDA + "Use", "End": True}}


def nested(depth: int) -> Any:
    """A JSON value nested ``depth`` arrays deep."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- limits


class TestLimits:
    def test_a_state_output_over_256_kib_fails_with_data_limit_exceeded(self) -> None:
        sm = machine(
            {
                "Grow": {
                    "Type": "Pass",
                    "Parameters": {"big.$": "States.Format('{}{}', $.s, $.s)"},
                    "End": True,
                }
            }
        )
        ex = sm.run({"s": "x" * (MAX_PAYLOAD // 2)})
        assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
        assert ex.cause == (
            "The state/task 'Grow' returned a result with a size exceeding the maximum number of bytes "
            "service limit."
        )

    def test_a_result_added_to_an_input_near_the_limit_fails_with_data_limit_exceeded(self) -> None:
        # the output of a Pass that adds its Result as a new field is the input's text grown by it
        sm = machine({"Add": {"Type": "Pass", "Result": "y" * 100, "ResultPath": "$.r", "End": True}})
        ex = sm.run({"s": "x" * (MAX_PAYLOAD - 50)})
        assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
        assert "'Add'" in (ex.cause or "")
        assert sm.run({"s": "x" * (MAX_PAYLOAD - 200)}).status == "SUCCEEDED"

    def test_the_limit_counts_utf8_bytes(self) -> None:
        # 99,000 characters of three bytes each: under the limit in characters, over it in bytes
        sm = machine(
            {
                "P": {
                    "Type": "Pass",
                    "Parameters": {"v.$": "States.Format('{}{}{}', $.s, $.s, $.s)"},
                    "End": True,
                }
            }
        )
        ex = sm.run({"s": "€" * 33_000})
        assert ex.error == "States.DataLimitExceeded"

    def test_a_task_result_over_the_limit_fails_the_task_and_states_all_catches_it(self) -> None:
        sm = machine(
            {
                "Fetch": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fetch",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({}, resources={"Fetch": lambda e: "y" * (MAX_PAYLOAD + 1)})
        assert ex.status == "SUCCEEDED"
        failed = [e for e in ex.events if e["type"] == "LambdaFunctionFailed"]
        assert failed[0]["lambdaFunctionFailedEventDetails"] == {
            "error": "States.DataLimitExceeded",
            # a Lambda function's result is named by the function's ARN
            "cause": f"The state/task '{LAMBDA}Fetch' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        }
        assert ex.output["Error"] == "States.DataLimitExceeded"

    def test_an_integration_result_over_the_limit_names_the_service(self) -> None:
        sm = machine({"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}})
        ex = sm.run({"FunctionName": "Big"}, resources={"Big": lambda e: "y" * (MAX_PAYLOAD + 1)})
        assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
        assert ex.cause == (
            "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes "
            "service limit."
        )
        assert "TaskFailed" in types(ex)

    def test_an_execution_input_over_the_limit_is_refused(self) -> None:
        with pytest.raises(ValueError, match="262144"):
            machine({"P": {"Type": "Pass", "End": True}}).run({"s": "z" * MAX_PAYLOAD})

    def test_an_input_that_is_not_json_is_refused(self) -> None:
        with pytest.raises(TypeError, match="not JSON"):
            machine({"P": {"Type": "Pass", "End": True}}).run({"when": datetime.now()})

    def test_an_input_nested_too_deeply_is_refused(self) -> None:
        with pytest.raises(ValueError, match="nested too deeply"):
            machine({"P": {"Type": "Pass", "End": True}}).run(nested(5000))

    def test_an_input_holding_itself_is_refused(self) -> None:
        cycle: dict[str, Any] = {}
        cycle["me"] = [cycle]
        with pytest.raises(TypeError, match="Circular reference"):
            machine({"P": {"Type": "Pass", "End": True}}).run(cycle)

    def test_a_result_nested_too_deeply_is_refused_with_the_definition(self) -> None:
        with pytest.raises(DefinitionError, match=r"nested more than \d+ levels"):
            machine({"P": {"Type": "Pass", "Result": nested(5000), "End": True}})

    def test_a_value_nested_too_deeply_fails_the_execution(self) -> None:
        sm = machine(
            {"P": {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.text)"}, "End": True}}
        )
        ex = sm.run({"text": "[" * 5000 + "]" * 5000})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert types(ex)[-1] == "ExecutionFailed"
        assert len(ex.history()) == len(ex.events) and ex.trace() is not None

    @pytest.mark.parametrize("depth", [900, 990, 5000])
    def test_deep_data_from_a_handler_ends_the_run_and_its_history_reads(self, depth: int) -> None:
        sm = machine({"Make": {"Type": "Task", "Resource": LAMBDA + "Make", "Next": "Use"}, **USE})
        ex = sm.run({}, resources={"Make": lambda e: nested(depth), "Use": lambda e: e})
        assert ex.status in ("SUCCEEDED", "FAILED")
        if ex.status == "FAILED":
            assert (ex.error or "").startswith(("States.", "Runtime."))
        assert len(ex.history()) == len(ex.events)
        ex.trace()
        ex.states()

    def test_an_exception_escaping_the_engine_fails_the_run_with_a_note(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from sfn_notebook.engine import dataflow

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise ZeroDivisionError("inside the engine")

        monkeypatch.setattr(dataflow, "evaluate", broken)
        sm = machine({"P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}})
        ex = sm.run({})
        assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
        assert "ZeroDivisionError: inside the engine" in (ex.cause or "") and ex.notes
        assert types(ex)[-1] == "ExecutionFailed"

    def test_a_failing_listener_is_not_called_again_and_the_run_goes_on(self) -> None:
        heard: list[int | None] = []

        def listener(execution: Any, event_id: int | None) -> None:
            heard.append(event_id)
            raise ValueError("no display")

        ex = machine({"P": {"Type": "Pass", "End": True}}).run({}, progress=listener)
        assert ex.status == "SUCCEEDED" and heard == [1]
        assert "ValueError: no display" in ex.notes[0]

    def test_the_history_limit_fails_the_execution_and_keeps_the_history(self) -> None:
        sm = machine({"Ping": {"Type": "Pass", "Next": "Pong"}, "Pong": {"Type": "Pass", "Next": "Ping"}})
        ex = sm.run({})
        assert ex.status == "FAILED"
        assert len(ex.events) == HISTORY_LIMIT == 25_000
        assert ex.events[-1]["type"] == "ExecutionFailed"
        assert [e["id"] for e in ex.events] == list(range(1, HISTORY_LIMIT + 1))
        assert ex.events[-2]["type"] in ("PassStateEntered", "PassStateExited")
        assert (ex.error, ex.cause) == (
            "States.Runtime",
            "The execution reached the maximum number of history events (25000).",
        )
        assert any("DISTRIBUTED" in note for note in ex.notes)  # the advice is ours, not in AWS's cause

    def test_machine_timeout_after_a_long_wait(self) -> None:
        sm = machine(
            {
                "Nap": {"Type": "Wait", "Seconds": 86_400, "Next": "Never"},
                "Never": {"Type": "Pass", "End": True},
            },
            TimeoutSeconds=300,
        )
        ex = sm.run({}, start_time=EPOCH)
        assert ex.status == "TIMED_OUT"
        assert ex.error == "States.Timeout"
        assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
        assert ex.events[-1]["timestamp"] == EPOCH + timedelta(seconds=300)
        # as AWS records it: the error alone, and no link to an earlier event
        assert ex.events[-1]["executionTimedOutEventDetails"] == {"error": "States.Timeout"}
        assert ex.events[-1]["previousEventId"] == 0
        assert ex.output is None

    def test_machine_timeout_while_waiting_for_a_callback(self) -> None:
        resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
        sm = machine(
            {
                "Ask": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"t.$": "$$.Task.Token"},
                    "End": True,
                }
            },
            TimeoutSeconds=50,
        )
        ex = sm.run({}, resources={resource: lambda params: {}}, start_time=EPOCH)
        ex.advance(100)
        assert ex.status == "TIMED_OUT"
        assert ex.events[-1]["type"] == "ExecutionTimedOut"
        assert ex.events[-1]["timestamp"] == EPOCH + timedelta(seconds=50)

    def test_machine_timeout_during_retry_backoff(self) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "MaxAttempts": 5}],
                    "End": True,
                }
            },
            TimeoutSeconds=60,
        )

        def fail(event: Any) -> Any:
            raise TaskFailed("Nope", "")

        ex = sm.run({}, resources={"Fail": fail}, start_time=EPOCH)
        assert ex.status == "TIMED_OUT"
        assert ex.events[-1]["type"] == "ExecutionTimedOut"
        assert ex.events[-1]["timestamp"] == EPOCH + timedelta(seconds=60)

    def test_machine_timeout_not_reached(self) -> None:
        sm = machine({"Nap": {"Type": "Wait", "Seconds": 299, "End": True}}, TimeoutSeconds=300)
        assert sm.run({}).status == "SUCCEEDED"

    @pytest.mark.parametrize(("workflow_type", "longest"), [("STANDARD", 365 * 86_400), ("EXPRESS", 300)])
    def test_no_execution_runs_longer_than_its_type_allows(self, workflow_type: str, longest: int) -> None:
        # a Standard execution lasts at most a year, an Express one five minutes: past that it times
        # out as with TimeoutSeconds, whatever TimeoutSeconds says
        states = {"Nap": {"Type": "Wait", "Seconds": 99_999_999, "End": True}}
        for top in ({}, {"TimeoutSeconds": 99_999_999}):
            definition = {"StartAt": "Nap", "States": states, **top}
            ex = StateMachine(definition, type=workflow_type).run({}, start_time=EPOCH)
            assert (ex.status, ex.error) == ("TIMED_OUT", "States.Timeout")
            assert ex.events[-1]["timestamp"] == EPOCH + timedelta(seconds=longest)

    def test_a_retry_that_would_wait_for_ever_times_out_at_a_year(self) -> None:
        sm = machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Fail",
                    "Retry": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "IntervalSeconds": 99_999_999,
                            "MaxAttempts": 99_999_999,
                            "BackoffRate": 2.0,
                        }
                    ],
                    "End": True,
                }
            }
        )

        def fail(event: Any) -> Any:
            raise TaskFailed("Nope", "")

        ex = sm.run({}, resources={"Fail": fail}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("TIMED_OUT", "States.Timeout")
        assert ex.events[-1]["timestamp"] == EPOCH + timedelta(days=365)


# ----------------------------------------------------------------------------- stopping, background runs


CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def callback_machine() -> StateMachine:
    return machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": CALLBACK,
                "Parameters": {"token.$": "$$.Task.Token"},
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "End": True},
        }
    )


class TestEndingExecutions:
    def test_stop_aborts_and_keeps_the_history(self) -> None:
        ex = callback_machine().run({"n": 1}, resources={CALLBACK: lambda params: {}})
        assert ex.status == "RUNNING"
        before = len(ex.events)
        ex.stop("Operator.Cancelled", "no longer needed")
        assert ex.status == "ABORTED"
        assert (ex.error, ex.cause) == ("Operator.Cancelled", "no longer needed")
        assert len(ex.events) == before + 1
        last = ex.events[-1]
        assert last["type"] == "ExecutionAborted"
        assert last["executionAbortedEventDetails"] == {
            "error": "Operator.Cancelled",
            "cause": "no longer needed",
        }
        assert last["previousEventId"] == 0  # as on AWS: StopExecution follows no event of the run

    def test_stop_without_reason(self) -> None:
        ex = callback_machine().run({}, resources={CALLBACK: lambda params: {}})
        ex.stop()
        assert ex.status == "ABORTED"
        assert ex.events[-1]["executionAbortedEventDetails"] == {}

    def test_stop_after_the_end_changes_nothing(self) -> None:
        ex = machine({"P": {"Type": "Pass", "End": True}}).run({})
        events = list(ex.events)
        ex.stop("Late", "too late")
        assert ex.status == "SUCCEEDED"
        assert ex.events == events

    def test_callbacks_after_stop_are_refused(self) -> None:
        ex = callback_machine().run({}, resources={CALLBACK: lambda params: {}})
        token = ex.waiting_for[0].token
        ex.stop()
        with pytest.raises(ValueError, match="already ended"):
            ex.send_task_success(token, {})

    def test_a_failed_execution_keeps_its_history(self) -> None:
        ex = machine(
            {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Fail", "Error": "E", "Cause": "C"}}
        ).run({})
        assert types(ex) == [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "FailStateEntered",
            "ExecutionFailed",
        ]
        assert ex.history()["type"].tolist() == types(ex)

    def test_start_runs_in_the_background(self) -> None:
        sm = machine(
            {"Nap": {"Type": "Wait", "Seconds": 10, "Next": "Done"}, "Done": {"Type": "Pass", "End": True}}
        )
        ex = sm.start({"k": 1}, start_time=EPOCH).wait(timeout=30)
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"k": 1}
        assert ex.stop_date == EPOCH + timedelta(seconds=10)

    def test_start_rejects_unknown_arguments(self) -> None:
        with pytest.raises(TypeError, match="unexpected"):
            machine({"P": {"Type": "Pass", "End": True}}).start({}, bogus=1)


# ----------------------------------------------------------------------------- determinism and isolation

BUSY = machine(
    {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "id.$": "States.UUID()"},
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": LAMBDA + "Work",
                        "Retry": [{"ErrorEquals": ["Flaky"], "JitterStrategy": "FULL", "IntervalSeconds": 3}],
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.results",
            "Next": "Stamp",
        },
        "Stamp": {
            "Type": "Pass",
            "Parameters": {"name.$": "$$.Execution.Name", "r.$": "States.MathRandom(0, 1000)"},
            "ResultPath": "$.stamp",
            "End": True,
        },
    }
)


def flaky_worker() -> Any:
    seen: dict[str, int] = {}

    def work(event: Any) -> Any:
        key = json.dumps(event["value"], sort_keys=True)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            raise TaskFailed("Flaky", "first try")
        if isinstance(event["value"], dict):
            event["value"].clear()  # a handler that mutates its event
        elif isinstance(event["value"], list):
            event["value"].append("mutated")
        return event

    return work


@PROPERTY
@given(st.lists(json_values, max_size=4), st.integers(min_value=0, max_value=2**31))
def test_the_same_seed_and_start_time_give_identical_events(items: list[Any], seed: int) -> None:
    one = BUSY.run({"items": items}, resources={"Work": flaky_worker()}, seed=seed, start_time=EPOCH)
    two = BUSY.run({"items": items}, resources={"Work": flaky_worker()}, seed=seed, start_time=EPOCH)
    assert one.status == "SUCCEEDED"
    assert one.name == two.name
    assert one.events == two.events
    assert one.output == two.output


@PROPERTY
@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4), st.lists(json_values, max_size=4))
def test_the_engine_never_mutates_the_callers_input(extra: dict[str, Any], items: list[Any]) -> None:
    value = {**extra, "items": items}
    snapshot = copy.deepcopy(value)
    ex = BUSY.run(value, resources={"Work": flaky_worker()}, start_time=EPOCH)
    assert ex.status == "SUCCEEDED"
    assert value == snapshot
    # the output is a different object: mutating it does not reach the caller's input either
    ex.output["items"].append("x")
    assert value == snapshot


# Machines with no Task: a run of one whose stages are all derived from its history works on the
# caller's object itself (no copy), so nothing it hands out may be that object
DERIVED = machine(
    {
        "Add": {"Type": "Pass", "Result": {"added": [1]}, "ResultPath": "$.r", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.r", "IsPresent": True, "Next": "Done"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    }
)
RECORDED = machine(
    {
        "Add": {"Type": "Pass", "Result": {"added": [1]}, "ResultPath": "$.r", "Next": "Pick"},
        "Pick": {"Type": "Pass", "Parameters": {"all.$": "$", "items.$": "$.items"}, "Next": "Each"},
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": True}}},
            "ResultPath": "$.each",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    }
)


def _deep_change(value: Any) -> None:
    """Change every container inside ``value`` in place."""
    if isinstance(value, dict):
        for child in list(value.values()):
            _deep_change(child)
        value["changed"] = True
    elif isinstance(value, list):
        for child in list(value):
            _deep_change(child)
        value.append("changed")


@pytest.mark.parametrize("sm", [DERIVED, RECORDED], ids=["stages-derived", "stages-recorded"])
@PROPERTY
@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4), st.lists(json_values, max_size=4))
def test_a_run_with_no_task_hands_out_nothing_of_the_callers_input(
    sm: StateMachine, extra: dict[str, Any], items: list[Any]
) -> None:
    value = {**extra, "items": items}
    snapshot = copy.deepcopy(value)
    ex = sm.run(value)
    assert ex.status == "SUCCEEDED"
    assert (ex._run.input is value) == (sm is DERIVED)  # copied only when stages are recorded
    assert value == snapshot  # not changed by the run
    events, output = copy.deepcopy(list(ex.events)), copy.deepcopy(ex.output)
    trace = ex.trace()
    stages = copy.deepcopy(trace.to_dict("records"))
    _deep_change(value)  # the caller changes its object afterwards: the execution keeps what it saw
    assert list(ex.events) == events
    assert ex.output == output
    assert ex.trace().to_dict("records") == stages
    value = copy.deepcopy(snapshot)
    ex = sm.run(value)
    _deep_change(ex.output)  # and changing what was handed out does not reach the caller's object
    for column in ("input", "afterInputPath", "afterParameters", "result", "afterResultPath", "output"):
        for cell in ex.trace()[column]:
            _deep_change(cell)
    assert value == snapshot


def test_a_handler_mutating_its_event_does_not_change_the_recorded_history() -> None:
    def mutate(event: Any) -> Any:
        event["nested"]["k"] = "changed"
        return {"ok": True}

    sm = machine({"Call": {"Type": "Task", "Resource": LAMBDA + "M", "ResultPath": "$.r", "End": True}})
    ex = sm.run({"nested": {"k": "original"}}, resources={"M": mutate})
    assert ex.output == {"nested": {"k": "original"}, "r": {"ok": True}}
    scheduled = next(e for e in ex.events if e["type"] == "LambdaFunctionScheduled")
    assert json.loads(scheduled["lambdaFunctionScheduledEventDetails"]["input"]) == {
        "nested": {"k": "original"}
    }


def test_different_seeds_give_different_random_values() -> None:
    one = BUSY.run({"items": [1]}, resources={"Work": flaky_worker()}, seed=1, start_time=EPOCH)
    two = BUSY.run({"items": [1]}, resources={"Work": flaky_worker()}, seed=2, start_time=EPOCH)
    assert one.name != two.name
    assert one.output["results"][0]["id"] != two.output["results"][0]["id"]


# ----------------------------------------------------------------------------- the synchronous start


def _links(ex: Any) -> list[tuple[str, int, int]]:
    return [(e["type"], e["id"], e["previousEventId"]) for e in ex.events]


def test_an_execution_that_never_waits_links_its_events_as_one_that_does() -> None:
    """Pass/Choice/Succeed run as plain calls; the history is the one a fiber would record."""
    states = {
        "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "S"}]},
        "S": {"Type": "Succeed"},
    }
    ex = machine(states).run({})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"a": 1}
    assert _links(ex) == [
        ("ExecutionStarted", 1, 0),
        ("PassStateEntered", 2, 0),
        ("PassStateExited", 3, 2),
        ("ChoiceStateEntered", 4, 3),
        ("ChoiceStateExited", 5, 4),
        ("SucceedStateEntered", 6, 5),
        ("SucceedStateExited", 7, 6),
        ("ExecutionSucceeded", 8, 7),
    ]


def test_a_wait_after_plain_states_continues_in_the_executions_fiber() -> None:
    states = {
        "A": {"Type": "Pass", "Assign": {"n": 2}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 5, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"n.$": "$n"}, "End": True},
    }
    ex = machine(states).run({}, start_time=EPOCH)
    assert (ex.status, ex.output) == ("SUCCEEDED", {"n": 2})
    assert _links(ex)[3:6] == [
        ("WaitStateEntered", 4, 3),
        ("WaitStateExited", 5, 4),
        ("PassStateEntered", 6, 5),
    ]
    assert ex.events[-1]["timestamp"] - ex.events[0]["timestamp"] == timedelta(seconds=5)


def test_a_first_state_that_waits_names_no_previous_event() -> None:
    ex = machine({"W": {"Type": "Wait", "Seconds": 1, "End": True}}).run({})
    assert _links(ex)[:2] == [("ExecutionStarted", 1, 0), ("WaitStateEntered", 2, 0)]


def test_a_plain_state_failing_at_the_start_fails_the_execution() -> None:
    ex = machine({"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}).run({})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "E", "c")
    assert _links(ex)[-1] == ("ExecutionFailed", 3, 2)


class TestTimeHold:
    """``run.time_hold``: asked before virtual time moves on; true leaves the run where it is."""

    def test_a_held_run_stays_running_until_the_hold_is_released(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from sfn_notebook.engine import run as run_module

        holding = [True]
        asked: list[Any] = []

        def hold(run: Any) -> bool:
            asked.append(run)
            return holding[0]

        monkeypatch.setattr(run_module, "time_hold", hold)
        sm = machine({"Nap": {"Type": "Wait", "Seconds": 30, "Next": "Done"}, "Done": {"Type": "Succeed"}})
        ex = sm.run({}, start_time=0)
        assert ex.status == "RUNNING"
        assert ex._run.held and ex._run.waiting_tokens == []
        assert asked and asked[0] is ex._run
        holding[0] = False
        ex._run.drive()
        assert ex.status == "SUCCEEDED"
        assert ex.events[-1]["timestamp"].timestamp() == 30.0

    def test_runs_that_never_wait_never_ask(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from sfn_notebook.engine import run as run_module

        monkeypatch.setattr(run_module, "time_hold", lambda run: pytest.fail("asked"))
        assert machine({"P": {"Type": "Pass", "End": True}}).run({}).status == "SUCCEEDED"
