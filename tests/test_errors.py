"""Tests for sfn_notebook.errors: StatesError, the runtime error value that flows through Retry/Catch."""

from __future__ import annotations

import copy
import pickle

import pytest

from sfn_notebook.errors import StatesError


class TestStatesError:
    def test_fields_are_read_only(self) -> None:
        err = StatesError("States.Runtime", "boom", locate=True, hint="more words", location="Output")
        for name, value in (
            ("error", "Other"),
            ("cause", "x"),
            ("locate", False),
            ("hint", None),
            ("location", None),
        ):
            with pytest.raises(AttributeError, match=name):
                setattr(err, name, value)
            with pytest.raises(AttributeError, match=name):
                delattr(err, name)
        assert (err.error, err.cause, err.locate, err.hint, err.location) == (
            "States.Runtime",
            "boom",
            True,
            "more words",
            "Output",
        )

    def test_location_is_a_declared_field(self) -> None:
        assert StatesError("States.QueryEvaluationError", "bad").location is None
        assert StatesError("States.QueryEvaluationError", "bad", location="Items").location == "Items"

    def test_replace_makes_a_new_error_and_keeps_the_old_one(self) -> None:
        err = StatesError("States.Runtime", "boom", hint="why")
        again = err.replace(locate=True)
        assert again is not err
        assert (again.error, again.cause, again.locate, again.hint) == ("States.Runtime", "boom", True, "why")
        assert err.locate is False

    def test_replace_rejects_unknown_fields(self) -> None:
        with pytest.raises(TypeError, match="colour"):
            StatesError("E").replace(colour="red")

    def test_located_at_prefixes_the_cause_once(self) -> None:
        err = StatesError("States.Runtime", "The path was not found", locate=True)
        located = err.located_at("Lookup", 7)
        assert located.cause == (
            "An error occurred while executing the state 'Lookup' (entered at the event id #7). "
            "The path was not found"
        )
        assert located.locate is False
        assert err.cause == "The path was not found" and err.locate is True
        assert located.located_at("Outer", 2) is located

    def test_an_error_that_needs_no_location_is_returned_as_is(self) -> None:
        err = StatesError("Custom.Error", "from a handler")
        assert err.located_at("Task", 3) is err

    def test_message_and_error_output(self) -> None:
        assert str(StatesError("E", "c")) == "E: c"
        assert StatesError("E", "c").output() == {"Error": "E", "Cause": "c"}
        assert StatesError("E").output() == {"Error": "E"}
        assert StatesError(None, None).output() == {}

    def test_pickle_and_copy_keep_every_field(self) -> None:
        err = StatesError("States.QueryEvaluationError", "bad", locate=True, hint="h", location="Output")
        for again in (pickle.loads(pickle.dumps(err)), copy.copy(err), copy.deepcopy(err)):
            assert (again.error, again.cause, again.locate, again.hint, again.location) == (
                "States.QueryEvaluationError",
                "bad",
                True,
                "h",
                "Output",
            )

    def test_it_can_be_raised_and_chained(self) -> None:
        with pytest.raises(StatesError) as info:
            try:
                raise ValueError("inner")
            except ValueError as exc:
                raise StatesError("E", "c") from exc
        assert isinstance(info.value.__cause__, ValueError)
        assert info.value.__traceback__ is not None
