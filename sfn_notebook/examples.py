"""Small state machines and Python stand-ins used by the demo, the tutorials and the docs."""

from __future__ import annotations

from typing import Any

__all__ = ["GETTING_STARTED", "greet", "shout", "getting_started_resources"]

GETTING_STARTED: dict[str, Any] = {
    "Comment": "Getting started: two Lambda functions in sequence",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Comment": "Builds a greeting from the input's name",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Greet",
            "ResultPath": "$.greeting",
            "Next": "Shout",
        },
        "Shout": {
            "Type": "Task",
            "Comment": "Turns the greeting into a shout",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Shout",
            "InputPath": "$.greeting",
            "End": True,
        },
    },
}


def greet(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Stand-in for the ``Greet`` Lambda function."""
    name = event.get("name", "world")
    return {"text": f"Hello, {name}!", "language": "en"}


def shout(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Stand-in for the ``Shout`` Lambda function."""
    return {"message": event["text"].upper(), "length": len(event["text"])}


def getting_started_resources() -> dict[str, Any]:
    return {"Greet": greet, "Shout": shout}
