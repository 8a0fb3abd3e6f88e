"""Tests for the public API in sfn_notebook/__init__.py: the names it offers, that importing it stays
light, and the task registry it exposes (sfn.task, sfn.clear_tasks)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import sfn_notebook as sfn
from tests.builders import LAMBDA, machine, task

GREET = machine({"Greet": task("Greet", End=True)})


@pytest.mark.parametrize("name", sfn.__all__)
def test_every_advertised_name_is_there(name: str) -> None:
    assert getattr(sfn, name) is not None


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sfn.nope  # noqa: B018


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    heavy = ["pandas", "IPython", "ipywidgets", "graphviz", "boto3", "moto", "jsonatapy"]
    code = f"import sys, sfn_notebook; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_a_registered_task_serves_every_run_until_the_registry_is_cleared() -> None:
    @sfn.task("Greet")
    def greet(event: Any) -> Any:
        return {"hello": event["name"]}

    assert GREET.run({"name": "Ada"}).output == {"hello": "Ada"}
    assert GREET.run({"name": "Bo"}).output == {"hello": "Bo"}

    sfn.clear_tasks()
    ex = GREET.run({"name": "Ada"})
    assert ex.status == "FAILED"
    assert ex.error == "Lambda.ResourceNotFoundException"
    assert any("no Python handler" in note for note in ex.notes)


def test_clearing_forgets_handlers_under_every_kind_of_name() -> None:
    sfn.task("Greet", lambda event: "by name")
    sfn.task(LAMBDA + "Greet", lambda event: "by ARN")
    sfn.task("arn:aws:states:::sqs:sendMessage", lambda params: "by resource")
    send = machine({"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}})
    assert GREET.run({}).output == "by ARN"  # the most specific name wins
    assert send.run({}).output == "by resource"

    sfn.clear_tasks()
    assert GREET.run({}).status == send.run({}).status == "FAILED"
    assert GREET.run({}, resources={"Greet": lambda event: "given"}).output == "given"


def test_clearing_an_empty_registry_is_harmless() -> None:
    sfn.clear_tasks()
    sfn.clear_tasks()
    assert GREET.run({}, resources={"Greet": lambda event: 1}).output == 1
