"""Tests for sfn_notebook.engine.retry (error matching, back-off) and Retry/Catch in runs.

Timing is always read from the virtual clock (event timestamps), never from wall time.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook._json import MISSING
from sfn_notebook.asl.model import Catcher, Retrier
from sfn_notebook.engine.retry import UNCATCHABLE, error_matches, find_catcher, find_retrier, retry_delay
from tests.engine.helpers import LAMBDA, machine


def failing(*errors: str, then: Any = MISSING) -> Any:
    """A handler that raises TaskFailed(errors[n]) on call n, then returns ``then`` (or keeps failing)."""
    calls: list[Any] = []

    def handler(event: Any) -> Any:
        calls.append(event)
        n = len(calls) - 1
        if n < len(errors):
            raise TaskFailed(errors[n], f"attempt {n}")
        if then is MISSING:
            raise TaskFailed(errors[-1], f"attempt {n}")
        return then

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


def offsets(ex: Any, event_type: str) -> list[float]:
    """Seconds since the start of every event of ``event_type``."""
    start = ex.events[0]["timestamp"]
    return [(e["timestamp"] - start).total_seconds() for e in ex.events if e["type"] == event_type]


def task(
    retry: list[dict[str, Any]] | None = None, catch: list[dict[str, Any]] | None = None, **extra: Any
) -> StateMachine:
    state: dict[str, Any] = {"Type": "Task", "Resource": LAMBDA + "Work", **extra, "End": True}
    if retry is not None:
        state["Retry"] = retry
    if catch is not None:
        state["Catch"] = catch
    return machine({"Work": state, "Recover": {"Type": "Pass", "End": True}})


# ----------------------------------------------------------------------------- error_matches


class TestErrorMatches:
    def test_exact_names_match_themselves_only(self) -> None:
        assert error_matches(["Custom.Error"], "Custom.Error")
        assert not error_matches(["Custom.Error"], "custom.error")
        assert not error_matches(["Custom.Error"], "Custom.ErrorX")

    def test_any_name_in_the_list(self) -> None:
        assert error_matches(["A", "B", "C"], "B")
        assert not error_matches(["A", "B"], "D")

    @pytest.mark.parametrize(
        "error",
        ["Lambda.ServiceException", "States.Timeout", "States.TaskFailed", "States.BranchFailed", "X"],
    )
    def test_states_all_matches_ordinary_errors(self, error: str) -> None:
        assert error_matches(["States.ALL"], error)

    def test_states_all_does_not_match_a_runtime_error(self) -> None:
        assert not error_matches(["States.ALL"], "States.Runtime")

    def test_states_all_matches_a_data_limit_error(self) -> None:
        # as recorded on AWS: a Task whose result is too large is caught by States.ALL
        assert error_matches(["States.ALL"], "States.DataLimitExceeded")

    def test_task_failed_does_not_match_a_timeout(self) -> None:
        assert not error_matches(["States.TaskFailed"], "States.Timeout")

    @pytest.mark.parametrize("error", ["Lambda.Unknown", "MyError", "States.Permissions"])
    def test_task_failed_matches_task_errors(self, error: str) -> None:
        assert error_matches(["States.TaskFailed"], error)

    def test_task_failed_does_not_match_a_runtime_error(self) -> None:
        assert not error_matches(["States.TaskFailed"], "States.Runtime")

    def test_naming_the_timeout_matches_it(self) -> None:
        assert error_matches(["States.Timeout"], "States.Timeout")

    def test_a_missing_error_name_matches_only_wildcards(self) -> None:
        assert error_matches(["States.ALL"], None)
        assert not error_matches(["Some.Error"], None)


class TestFindRetrierAndCatcher:
    def test_first_matching_retrier_wins(self) -> None:
        retriers = [Retrier(("A",)), Retrier(("B", "C")), Retrier(("States.ALL",))]
        assert find_retrier(retriers, "C") == 1
        assert find_retrier(retriers, "Z") == 2
        assert find_retrier(retriers[:2], "Z") is None

    def test_first_matching_catcher_wins(self) -> None:
        catchers = [Catcher(("A",), "One"), Catcher(("States.ALL",), "Two")]
        assert find_catcher(catchers, "A") == 0
        assert find_catcher(catchers, "B") == 1

    @pytest.mark.parametrize("error", sorted(UNCATCHABLE))
    def test_uncatchable_errors_are_never_matched_even_when_named(self, error: str) -> None:
        assert find_retrier([Retrier((error,))], error) is None
        assert find_catcher([Catcher((error,), "Next")], error) is None


# ----------------------------------------------------------------------------- retry_delay


class TestRetryDelay:
    def test_defaults_are_one_second_doubling(self) -> None:
        retrier = Retrier(("E",))
        assert [retry_delay(retrier, n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]

    def test_interval_times_backoff_to_the_attempt_minus_one(self) -> None:
        retrier = Retrier(("E",), interval_seconds=5, backoff_rate=1.5)
        assert [retry_delay(retrier, n) for n in (1, 2, 3)] == [5.0, 7.5, 11.25]

    def test_backoff_rate_one_is_constant(self) -> None:
        retrier = Retrier(("E",), interval_seconds=4, backoff_rate=1.0)
        assert {retry_delay(retrier, n) for n in range(1, 6)} == {4.0}

    def test_max_delay_caps_the_delay(self) -> None:
        retrier = Retrier(("E",), interval_seconds=3, backoff_rate=3.0, max_delay_seconds=20)
        assert [retry_delay(retrier, n) for n in (1, 2, 3, 4)] == [3.0, 9.0, 20.0, 20.0]

    def test_full_jitter_is_reproducible_with_a_seed(self) -> None:
        retrier = Retrier(("E",), interval_seconds=10, jitter_strategy="FULL")
        first = [retry_delay(retrier, n, random.Random(99)) for n in (1, 2, 3)]
        second = [retry_delay(retrier, n, random.Random(99)) for n in (1, 2, 3)]
        assert first == second

    def test_jitter_none_is_the_plain_delay(self) -> None:
        retrier = Retrier(("E",), interval_seconds=2, jitter_strategy="NONE")
        assert retry_delay(retrier, 3, random.Random(1)) == 8.0


@settings(max_examples=60, deadline=None)
@given(
    interval=st.integers(min_value=1, max_value=1000),
    backoff=st.floats(min_value=1.0, max_value=5.0),
    attempt=st.integers(min_value=1, max_value=8),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=5000)),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_full_jitter_stays_between_zero_and_the_capped_delay(
    interval: int, backoff: float, attempt: int, cap: int | None, seed: int
) -> None:
    plain = Retrier(
        ("E",),
        interval_seconds=interval,
        backoff_rate=backoff,
        max_delay_seconds=MISSING if cap is None else cap,
    )
    jittered = Retrier(
        ("E",),
        interval_seconds=interval,
        backoff_rate=backoff,
        max_delay_seconds=MISSING if cap is None else cap,
        jitter_strategy="FULL",
    )
    delay = retry_delay(plain, attempt)
    expected = interval * backoff ** (attempt - 1)
    assert delay == pytest.approx(expected if cap is None else min(expected, cap))
    value = retry_delay(jittered, attempt, random.Random(seed))
    assert 0.0 <= value <= delay
    assert value == retry_delay(jittered, attempt, random.Random(seed))


# ----------------------------------------------------------------------------- Retry in runs


class TestRetryInRuns:
    def test_retries_until_success_and_counts_attempts(self) -> None:
        handler = failing("Flaky", "Flaky", then={"ok": True})
        ex = task(retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 3}]).run({}, resources={"Work": handler})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"ok": True}
        assert len(handler.calls) == 3

    def test_retries_advance_the_virtual_clock_by_the_backoff(self) -> None:
        handler = failing("Flaky")
        sm = task(
            retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3}]
        )
        ex = sm.run({}, resources={"Work": handler}, start_time=0)
        assert ex.status == "FAILED"
        assert offsets(ex, "LambdaFunctionScheduled") == [0.0, 2.0, 8.0, 26.0]
        assert ex.duration == timedelta(seconds=26)

    def test_default_retrier_is_three_attempts_one_second_doubling(self) -> None:
        ex = task(retry=[{"ErrorEquals": ["Flaky"]}]).run(
            {}, resources={"Work": failing("Flaky")}, start_time=0
        )
        assert offsets(ex, "LambdaFunctionScheduled") == [0.0, 1.0, 3.0, 7.0]

    def test_max_delay_seconds_caps_each_wait(self) -> None:
        sm = task(
            retry=[
                {
                    "ErrorEquals": ["Flaky"],
                    "IntervalSeconds": 4,
                    "BackoffRate": 4,
                    "MaxAttempts": 3,
                    "MaxDelaySeconds": 10,
                }
            ]
        )
        ex = sm.run({}, resources={"Work": failing("Flaky")}, start_time=0)
        assert offsets(ex, "LambdaFunctionScheduled") == [0.0, 4.0, 14.0, 24.0]

    def test_full_jitter_is_reproducible_with_the_run_seed(self) -> None:
        sm = task(
            retry=[
                {"ErrorEquals": ["Flaky"], "IntervalSeconds": 30, "MaxAttempts": 4, "JitterStrategy": "FULL"}
            ]
        )
        one = sm.run({}, resources={"Work": failing("Flaky")}, start_time=0, seed=5)
        two = sm.run({}, resources={"Work": failing("Flaky")}, start_time=0, seed=5)
        times = offsets(one, "LambdaFunctionScheduled")
        assert times == offsets(two, "LambdaFunctionScheduled")
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(0 <= gap <= 30 * 2**n + 1e-3 for n, gap in enumerate(gaps))

    def test_max_attempts_zero_never_retries_and_shadows_later_retriers(self) -> None:
        handler = failing("Flaky")
        sm = task(
            retry=[
                {"ErrorEquals": ["Flaky"], "MaxAttempts": 0},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
            ]
        )
        ex = sm.run({}, resources={"Work": handler})
        assert ex.status == "FAILED"
        assert ex.error == "Flaky"
        assert len(handler.calls) == 1

    def test_an_exhausted_first_retrier_does_not_fall_through_to_the_next(self) -> None:
        handler = failing("Flaky")
        sm = task(
            retry=[
                {"ErrorEquals": ["Flaky"], "MaxAttempts": 1},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
            ]
        )
        sm.run({}, resources={"Work": handler})
        assert len(handler.calls) == 2

    def test_each_retrier_keeps_its_own_counter(self) -> None:
        # A, B, A, B, A: each retrier allows 2 retries, so the fifth failure (third A) is final
        handler = failing("A", "B", "A", "B", "A", then="never")
        sm = task(
            retry=[
                {"ErrorEquals": ["A"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 1},
                {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 10, "BackoffRate": 1},
            ]
        )
        ex = sm.run({}, resources={"Work": handler}, start_time=0)
        assert ex.status == "FAILED"
        assert ex.error == "A"
        assert len(handler.calls) == 5
        assert offsets(ex, "LambdaFunctionScheduled") == [0.0, 1.0, 11.0, 12.0, 22.0]

    def test_each_retrier_counts_its_own_backoff_exponent(self) -> None:
        handler = failing("A", "B", "A", then="done")
        sm = task(
            retry=[
                {"ErrorEquals": ["A"], "MaxAttempts": 5, "IntervalSeconds": 1, "BackoffRate": 10},
                {"ErrorEquals": ["B"], "MaxAttempts": 5, "IntervalSeconds": 2, "BackoffRate": 10},
            ]
        )
        ex = sm.run({}, resources={"Work": handler}, start_time=0)
        assert ex.output == "done"
        # A (1st of A: 1 s), B (1st of B: 2 s), A (2nd of A: 10 s)
        assert offsets(ex, "LambdaFunctionScheduled") == [0.0, 1.0, 3.0, 13.0]

    def test_retry_count_is_visible_in_parameters_on_each_attempt(self) -> None:
        seen: list[Any] = []

        def handler(event: Any) -> Any:
            seen.append(event)
            if event["attempt"] < 2:
                raise TaskFailed("Again", "")
            return event

        sm = task(
            retry=[{"ErrorEquals": ["Again"], "MaxAttempts": 5}],
            Parameters={"attempt.$": "$$.State.RetryCount", "state.$": "$$.State.Name"},
        )
        ex = sm.run({}, resources={"Work": handler})
        assert [e["attempt"] for e in seen] == [0, 1, 2]
        assert ex.output == {"attempt": 2, "state": "Work"}

    def test_retries_keep_one_state_visit(self) -> None:
        ex = task(retry=[{"ErrorEquals": ["E"], "MaxAttempts": 2}]).run(
            {}, resources={"Work": failing("E", then=1)}
        )
        types = [e["type"] for e in ex.events]
        assert types.count("TaskStateEntered") == 1
        assert types.count("TaskStateExited") == 1
        assert types.count("LambdaFunctionFailed") == 1


# ----------------------------------------------------------------------------- Catch in runs


class TestCatchInRuns:
    def test_catch_default_result_path_replaces_input_with_error_output(self) -> None:
        sm = task(catch=[{"ErrorEquals": ["Boom"], "Next": "Recover"}])
        ex = sm.run({"keep": 1}, resources={"Work": failing("Boom")})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"Error": "Boom", "Cause": "attempt 0"}

    def test_catch_result_path_merges_the_error_output(self) -> None:
        sm = task(catch=[{"ErrorEquals": ["Boom"], "ResultPath": "$.failure", "Next": "Recover"}])
        ex = sm.run({"keep": 1}, resources={"Work": failing("Boom")})
        assert ex.output == {"keep": 1, "failure": {"Error": "Boom", "Cause": "attempt 0"}}

    def test_catch_result_path_null_keeps_the_input(self) -> None:
        sm = task(catch=[{"ErrorEquals": ["Boom"], "ResultPath": None, "Next": "Recover"}])
        ex = sm.run({"keep": 1}, resources={"Work": failing("Boom")})
        assert ex.output == {"keep": 1}

    def test_first_matching_catcher_is_used(self) -> None:
        sm = machine(
            {
                "Work": {
                    "Type": "Task",
                    "Resource": LAMBDA + "Work",
                    "Catch": [
                        {"ErrorEquals": ["Other"], "Next": "Wrong"},
                        {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.via", "Next": "Right"},
                        {"ErrorEquals": ["States.ALL"], "Next": "Wrong"},
                    ],
                    "End": True,
                },
                "Wrong": {"Type": "Fail", "Error": "WrongCatcher"},
                "Right": {"Type": "Pass", "End": True},
            }
        )
        ex = sm.run({}, resources={"Work": failing("Boom")})
        assert ex.status == "SUCCEEDED"
        assert ex.output["via"]["Error"] == "Boom"

    def test_retries_are_exhausted_before_catching(self) -> None:
        handler = failing("Boom")
        sm = task(
            retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 5, "BackoffRate": 1}],
            catch=[{"ErrorEquals": ["Boom"], "ResultPath": "$.e", "Next": "Recover"}],
        )
        ex = sm.run({}, resources={"Work": handler}, start_time=0)
        assert len(handler.calls) == 3
        assert ex.output == {"e": {"Error": "Boom", "Cause": "attempt 2"}}
        exited = next(e for e in ex.events if e["type"] == "TaskStateExited")
        assert (exited["timestamp"] - ex.events[0]["timestamp"]).total_seconds() == 10.0

    def test_caught_history_is_failed_then_exited_then_the_catcher_target(self) -> None:
        sm = task(catch=[{"ErrorEquals": ["States.ALL"], "Next": "Recover"}])
        ex = sm.run({}, resources={"Work": failing("Boom")})
        assert [e["type"] for e in ex.events] == [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]

    def test_an_uncaught_error_ends_the_execution_without_exiting_the_state(self) -> None:
        ex = task(catch=[{"ErrorEquals": ["Other"], "Next": "Recover"}]).run(
            {}, resources={"Work": failing("Boom")}
        )
        assert ex.status == "FAILED"
        assert (ex.error, ex.cause) == ("Boom", "attempt 0")
        assert [e["type"] for e in ex.events][-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
