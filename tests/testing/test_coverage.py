"""Tests for sfn_notebook/testing/coverage.py: what counts as covered, read from histories, and the
collector that gathers every run."""

from __future__ import annotations

from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook.testing.coverage import CoverageCollector, coverage_items, machine_coverage
from tests.builders import machine, task

ROUTE = machine(
    {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericEquals": 1, "Next": "Small"},
                {"Variable": "$.n", "NumericEquals": 2, "Next": "Small"},
                {"Variable": "$.n", "NumericGreaterThan": 2, "Next": "Work"},
            ],
            "Default": "Small",
        },
        "Small": {"Type": "Pass", "End": True},
        "Work": task(
            "work",
            Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 2, "IntervalSeconds": 1}],
            Catch=[
                {"ErrorEquals": ["Fatal"], "Next": "Recover"},
                {"ErrorEquals": ["States.ALL"], "Next": "Recover"},
            ],
            End=True,
        ),
        "Recover": {"Type": "Pass", "End": True},
    }
)


def failing(*errors: str) -> Any:
    """A handler that raises ``errors`` one per attempt, then returns "done"."""
    left = list(errors)

    def handler(event: Any, context: Any = None) -> Any:
        if left:
            raise sfn.TaskFailed(left.pop(0), "on purpose")
        return "done"

    return handler


def labels(cov: Any, kind: str, covered: bool = True) -> list[str]:
    return [str(i) for i in (cov.covered(kind) if covered else cov.missed(kind))]


def test_every_item_of_a_machine_is_listed_once_in_definition_order() -> None:
    items = coverage_items(ROUTE.machine)
    assert [str(i) for i in items if i.kind == "state"] == ["Route", "Small", "Work", "Recover"]
    assert [str(i) for i in items if i.kind == "transition"] == [
        "Route: Choice → Small",
        "Route: Choice → Work",
        "Work: Catch → Recover",
    ]
    assert [i.label for i in items if i.kind == "rule"] == [
        "rule 1 → Small",
        "rule 2 → Small",
        "rule 3 → Work",
        "Default → Small",
    ]
    assert [i.label for i in items if i.kind == "handler"] == [
        "Retry 1 [Flaky]",
        "Catch 1 [Fatal] → Recover",
        "Catch 2 [States.ALL] → Recover",
    ]


def test_a_rule_sharing_its_target_with_others_is_told_apart_by_evaluating_the_rules_again() -> None:
    cov = machine_coverage(ROUTE, [ROUTE.run({"n": 2})])
    assert labels(cov, "rule") == ["Route: rule 2 → Small"]
    cov = machine_coverage(ROUTE, [ROUTE.run({"n": 0})])
    assert labels(cov, "rule") == ["Route: Default → Small"]
    assert labels(cov, "state", covered=False) == ["Work", "Recover"]


def test_retries_and_catches_count_for_the_retrier_and_catcher_that_matched() -> None:
    retried = ROUTE.run({"n": 5}, resources={"work": failing("Flaky")})
    assert retried.output == "done"
    caught = ROUTE.run({"n": 5}, resources={"work": failing("Other")})
    assert caught.status == "SUCCEEDED"
    cov = machine_coverage(ROUTE, [retried, caught])
    assert labels(cov, "handler") == ["Work: Retry 1 [Flaky]", "Work: Catch 2 [States.ALL] → Recover"]
    assert cov.hits[cov.covered("handler")[0]] == 1
    assert labels(cov, "transition") == ["Route: Choice → Work", "Work: Catch → Recover"]
    assert cov.runs == 2


def test_percentages_count_every_kind_together() -> None:
    cov = machine_coverage(ROUTE, [ROUTE.run({"n": 1})])
    # Route, Small; one transition; rule 1 of four rules; no handler
    assert cov.counts("state") == (2, 4)
    assert cov.counts() == (4, 14)
    assert cov.percent() == pytest.approx(100 * 4 / 14)
    assert cov.to_dict()["summary"]["rule"] == {"covered": 1, "total": 4}


def test_a_jsonata_choice_is_evaluated_again_with_its_variables() -> None:
    sm = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"limit": 3}, "Next": "Pick"},
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.n > $limit %}", "Next": "Done"},
                    {"Condition": "{% $states.input.n = $limit %}", "Next": "Done"},
                ],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
        QueryLanguage="JSONata",
    )
    cov = machine_coverage(sm, [sm.run({"n": 3}), sm.run({"n": 9})])
    assert labels(cov, "rule") == ["Pick: rule 1 → Done", "Pick: rule 2 → Done"]


def test_states_inside_parallel_branches_and_map_iterations_count() -> None:
    sm = machine(
        {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
                ],
                "Next": "Each",
            },
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
                "End": True,
            },
        }
    )
    cov = machine_coverage(sm, [sm.run([1, 2])])
    assert cov.missed() == []
    assert cov.hits[next(i for i in cov.items if str(i) == "Item")] == 2


def test_the_collector_gathers_runs_of_every_machine_while_it_is_active() -> None:
    other = machine({"Only": {"Type": "Pass", "End": True}})
    with CoverageCollector() as collector:
        ROUTE.run({"n": 1})
        ROUTE.run({"n": 7}, resources={"work": failing()})
        other.run({})
    other.run({})  # after the collector stopped: not counted
    # both machines are named StateMachine: their definitions tell them apart
    assert [c.name for c in collector.results()] == ["StateMachine", "StateMachine"]
    (route,) = [c for c in collector.results() if c.counts("state")[1] == 4]
    assert route.runs == 2
    assert labels(route, "state") == ["Route", "Small", "Work"]
    (only,) = [c for c in collector.results() if c is not route]
    assert only.runs == 1


def test_a_background_run_is_measured_once_it_has_stopped() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                    "Next": "After",
                },
                "After": {"Type": "Pass", "End": True},
            },
        }
    )
    with CoverageCollector() as collector:
        ex = sm.start({}, resources={"arn:aws:states:::sqs:sendMessage.waitForTaskToken": lambda p: {}})
        ex.wait()
        assert ex.status == "RUNNING"
        ex.send_task_success(ex.waiting_for[0].token, {"ok": True})
        ex.wait()
    (cov,) = collector.results()
    assert labels(cov, "state") == ["Ask", "After"]


def test_sm_coverage_uses_the_active_collector_or_says_how_to_get_one() -> None:
    with pytest.raises(ValueError, match=r"sfn.testing.collect\(\)"):
        ROUTE.coverage()
    with sfn.testing.collect():
        ROUTE.run({"n": 0})
        assert labels(ROUTE.coverage(), "rule") == ["Route: Default → Small"]
    assert sfn.testing.active_collector() is None


def test_a_run_waiting_for_a_token_counts_once_it_ends_or_as_it_stands_at_the_end() -> None:
    sm = sfn.StateMachine(
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                    "Next": "After",
                },
                "After": {"Type": "Pass", "End": True},
            },
        }
    )
    collector = CoverageCollector().start()
    resources = {"arn:aws:states:::sqs:sendMessage.waitForTaskToken": lambda p: {}}
    answered = sm.run({}, resources=resources)
    forgotten = sm.run({}, resources=resources)
    assert collector.results() == []  # both still wait
    answered.send_task_success(answered.waiting_for[0].token, {})
    (cov,) = collector.results()
    assert (cov.runs, labels(cov, "state")) == (1, ["Ask", "After"])
    collector.stop()  # the final flush counts the run still waiting, as far as it went
    assert forgotten.status == "RUNNING" and collector.results()[0].runs == 2


def test_states_of_a_distributed_map_count_from_its_child_executions() -> None:
    sm = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Check",
                    "States": {
                        "Check": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "Big"}],
                            "Default": "Small",
                        },
                        "Big": {"Type": "Pass", "End": True},
                        "Small": {"Type": "Pass", "End": True},
                    },
                },
                "End": True,
            }
        }
    )
    ex = sm.run([1, 5])
    assert ex.succeeded and len(next(iter(ex.map_runs.values()))) == 2
    cov = machine_coverage(sm, [ex])
    assert cov.missed() == []
    assert cov.runs == 1
