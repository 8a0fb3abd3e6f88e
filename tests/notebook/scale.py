"""Machines and runs at the size that tests the widgets: 300 states, a failing run of about 110 events.

Plain Python with no test imports, so that a notebook can import it as well (the browser test
copies it beside its notebook).
"""

from __future__ import annotations

from typing import Any

import sfn_notebook as sfn

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
START = "2025-01-01T09:00:00Z"


def big_definition(states: int = 300) -> dict[str, Any]:
    """A chain of ``states`` states: Pass and Task steps, a Choice every 25, a Map and a Parallel."""
    names = [f"Step {i:03d}" for i in range(states)]
    machine: dict[str, Any] = {}
    for i, name in enumerate(names):
        after = names[i + 1] if i + 1 < states else None
        ending: dict[str, Any] = {"Next": after} if after is not None else {"End": True}
        if i % 25 == 10 and after is not None:
            machine[name] = {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.speed", "StringEquals": "fast", "Next": after},
                    {"Variable": "$.speed", "StringEquals": "slow", "Next": after},
                ],
                "Default": after,
            }
        elif i == 40:
            machine[name] = {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ResultPath": None,
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
                **ending,
            }
        elif i == 60:
            machine[name] = {
                "Type": "Parallel",
                "ResultPath": None,
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
                ],
                **ending,
            }
        elif i % 7 == 3:
            machine[name] = {"Type": "Task", "Resource": LAMBDA + "Work", "ResultPath": "$.last", **ending}
        else:
            machine[name] = {"Type": "Pass", **ending}
    return {"Comment": f"{states} states in a row", "StartAt": names[0], "States": machine}


def work(event: Any, context: Any = None) -> Any:
    return {"ok": True}


def big_machine(states: int = 300) -> sfn.StateMachine:
    return sfn.StateMachine(big_definition(states), name="Big")


def big_run(states: int = 300) -> Any:
    return big_machine(states).run(
        {"speed": "fast", "items": [1, 2, 3]}, resources={"Work": work}, start_time=START
    )


FAILING: dict[str, Any] = {
    "Comment": "Check each order, then charge: the charge keeps failing",
    "StartAt": "Check orders",
    "States": {
        "Check orders": {
            "Type": "Map",
            "ItemsPath": "$.orders",
            "ItemProcessor": {
                "StartAt": "Check",
                "States": {
                    "Check": {"Type": "Task", "Resource": LAMBDA + "Check", "End": True},
                },
            },
            "ResultPath": "$.checked",
            "Next": "Charge",
        },
        "Charge": {
            "Type": "Task",
            "Resource": LAMBDA + "Charge",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 10, "MaxAttempts": 3, "BackoffRate": 2}],
            "End": True,
        },
    },
}


def check(event: Any, context: Any = None) -> Any:
    return {"order": event, "ok": True}


def charge(event: Any, context: Any = None) -> Any:
    raise sfn.TaskFailed("Busy", "the payment service is busy")


def failing_run(orders: int = 13) -> Any:
    """A run that fails in its last state after retries: 110 events with 13 orders."""
    sm = sfn.StateMachine(FAILING, name="Orders")
    return sm.run(
        {"orders": list(range(orders))}, resources={"Check": check, "Charge": charge}, start_time=START
    )
