"""Machines and handlers shared by the widget tests."""

from __future__ import annotations

from typing import Any

import sfn_notebook as sfn

CHECKOUT = """
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:Charge
    Retry:
      - ErrorEquals: [Busy]
        IntervalSeconds: 2
        MaxAttempts: 2
    Catch:
      - ErrorEquals: [Declined]
        ResultPath: $.failure
        Next: Apologise
    ResultPath: $.receipt
    Next: Ship
  Ship:
    Type: Pass
    InputPath: $.receipt
    End: true
  Apologise:
    Type: Pass
    Parameters:
      sorry.$: $.failure.Cause
    End: true
"""

BASKET = """
QueryLanguage: JSONata
StartAt: AddUp
States:
  AddUp:
    Type: Pass
    Assign:
      total: "{% $sum($states.input.prices) %}"
    Next: Report
  Report:
    Type: Pass
    Output:
      total: "{% $total %}"
    End: true
"""

EACH = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work",
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def charge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["card"] == "flaky" and context.retry_count == 0:
        raise sfn.TaskFailed("Busy", "try again")
    if event["card"] == "expired":
        raise sfn.TaskFailed("Declined", "the card expired")
    return {"charged": event["amount"]}


def pane(explorer: Any, title: str, section: int = 0) -> Any:
    """The JSON value a data pane of the explorer shows in a section (None for "—")."""
    import json

    text = explorer.panes[title].sections[section]["json"]
    return None if text is None else json.loads(text)
