"""Tests for sfn_notebook/testing/snapshot.py: assert_history_matches against executions, event lists
and snapshot files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook.testing import assert_history_matches, load_history, save_history
from tests.builders import RecordedExecution, machine, task

SM = machine(
    {
        "Greet": task("greet", ResultPath="$.greeting", Next="Done"),
        "Done": {"Type": "Pass", "End": True},
    }
)


def run(greeting: Any = "hello", **options: Any) -> Any:
    return SM.run({"who": "Ada"}, resources={"greet": lambda event: greeting}, **options)


def test_two_runs_of_the_same_machine_match_whatever_their_names_and_times() -> None:
    assert_history_matches(run(name="first", start_time=0), run(name="second", start_time=1000))


def test_a_difference_is_reported_where_the_histories_part() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_history_matches(run("hello"), run("bonjour"))
    message = str(failure.value)
    assert "actual and expected differ" in message
    assert 'event 5 LambdaFunctionSucceeded \'Greet\': output: "hello" ≠ "bonjour"' in message
    assert 'execution: output $.greeting: "hello" ≠ "bonjour"' in message


def test_ignored_fields_are_left_out_of_events_and_of_the_execution() -> None:
    assert_history_matches(run("hello"), run("bonjour"), ignore=("output", "input", "timestamp"))


def test_an_event_list_and_an_execution_read_from_aws_are_expectations_too() -> None:
    ex = run()
    assert_history_matches(ex, list(run().events))
    assert_history_matches(RecordedExecution(ex), run())


def test_a_missing_snapshot_is_written_then_compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "snapshots" / "greet.json"
    assert_history_matches(run(), snapshot)  # first time: stored
    stored = json.loads(snapshot.read_text())
    assert stored["status"] == "SUCCEEDED" and stored["output"] == {"who": "Ada", "greeting": "hello"}
    assert [e["type"] for e in load_history(snapshot).events] == [e["type"] for e in run().events]
    assert_history_matches(run(), snapshot)
    with pytest.raises(AssertionError, match="differ"):
        assert_history_matches(run("bye"), snapshot)
    monkeypatch.setenv("SFN_UPDATE_SNAPSHOTS", "1")
    assert_history_matches(run("bye"), snapshot)  # rewritten
    monkeypatch.delenv("SFN_UPDATE_SNAPSHOTS")
    assert_history_matches(run("bye"), snapshot)


def test_a_failed_run_against_its_saved_history(tmp_path: Path) -> None:
    def broken(event: Any) -> Any:
        raise sfn.TaskFailed("Broken", "no greeting today")

    failed = SM.run({}, resources={"greet": broken})
    path = save_history(failed, tmp_path / "failed.json")
    assert_history_matches(SM.run({}, resources={"greet": broken}), path)
    with pytest.raises(AssertionError, match=r"status: \"SUCCEEDED\" ≠ \"FAILED\""):
        assert_history_matches(run(), path, ignore=("output", "input"))
