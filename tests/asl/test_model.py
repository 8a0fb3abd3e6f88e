"""Tests for sfn_notebook.asl.model: building a state from its fields."""

from __future__ import annotations

import pytest

from sfn_notebook._json import MISSING
from sfn_notebook.asl import model as m


def test_build_gives_the_same_state_as_the_constructor_with_defaults_filled_in() -> None:
    fields = {"name": "P", "type": "Pass", "pointer": "/States/P", "next": "Q", "result": {"a": 1}}
    built = m.build(m.PassState, dict(fields))
    assert built == m.PassState(**fields)  # type: ignore[arg-type]
    assert built.result_path is MISSING
    assert built.plain is False
    plain = {"name": "S", "type": "Succeed", "pointer": "/States/S", "plain": True}
    assert hash(m.build(m.SucceedState, dict(plain))) == hash(m.SucceedState(**plain))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):  # still frozen
        built.next = "R"  # type: ignore[misc]


def test_build_reports_unknown_or_missing_fields_as_the_constructor_does() -> None:
    with pytest.raises(TypeError):
        m.build(m.PassState, {"name": "P", "type": "Pass", "pointer": "", "resource": "x"})
    with pytest.raises(TypeError):  # a Task needs its resource
        m.build(m.TaskState, {"name": "T", "type": "Task", "pointer": ""})
