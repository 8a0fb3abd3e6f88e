"""Tests for sfn_notebook.errors: diagnostics shown with their source line, and StatesError, the
runtime error value that flows through Retry/Catch."""

from __future__ import annotations

import copy
import pickle

import pytest

from sfn_notebook import DefinitionError, StateMachine
from sfn_notebook.errors import Diagnostic, StatesError, format_diagnostics

YAML = """\
StartAt: Hi
States:
  Hi:
    Type: Pass
    Nxt: Bye
  Bye:
    Type: Succeed
"""


def unknown_field(line: int | None = 5, column: int | None = 5) -> Diagnostic:
    return Diagnostic("UNKNOWN_FIELD", "no field 'Nxt'", "/States/Hi/Nxt", line, column)


def test_the_excerpt_is_the_line_and_a_caret_under_the_column() -> None:
    assert unknown_field().excerpt(YAML) == ["       5 |     Nxt: Bye", "         |     ^"]


def test_no_excerpt_without_text_or_line() -> None:
    assert unknown_field().excerpt(None) == []
    assert unknown_field(line=None).excerpt(YAML) == []
    assert unknown_field(line=99).excerpt(YAML) == []


def test_a_line_without_column_has_no_caret() -> None:
    assert unknown_field(column=None).excerpt(YAML) == ["       5 |     Nxt: Bye"]


def test_tabs_keep_the_caret_aligned() -> None:
    text = "a\n\tb:\tc\n"
    assert Diagnostic("X", "m", "", 2, 5).excerpt(text) == ["       2 | \tb:\tc", "         | \t  \t^"]


def test_lines_end_as_the_positions_count_them() -> None:
    text = "one\r\ntwo\rthree\nfour"
    assert Diagnostic("X", "m", "", 3, 1).excerpt(text)[0] == "       3 | three"
    assert Diagnostic("X", "m", "", 4, 4).excerpt(text) == ["       4 | four", "         |    ^"]


def test_a_byte_order_mark_is_not_shown() -> None:
    assert Diagnostic("X", "m", "", 1, 2).excerpt("\ufeff{x") == ["       1 | {x", "         |  ^"]


def test_a_long_line_shows_the_part_around_the_column() -> None:
    text = "a" * 300 + "HERE" + "b" * 300
    source, caret = Diagnostic("X", "m", "", 1, 301).excerpt(text)
    assert source.startswith("       1 | …") and source.endswith("…")
    assert len(source) - len("       1 | ") == 102  # 100 characters and an ellipsis on each side
    assert source[caret.index("^") :].startswith("HERE")
    start = Diagnostic("X", "m", "", 1, 2).excerpt(text)
    assert start[0] == "       1 | " + "a" * 100 + "…" and start[1] == "         |  ^"


def test_render_is_the_diagnostic_then_its_excerpt() -> None:
    d = unknown_field()
    assert d.render(YAML).splitlines() == [str(d), *d.excerpt(YAML)]
    assert d.render() == str(d)


def test_format_diagnostics_limits_and_counts_the_rest() -> None:
    many = [unknown_field(), Diagnostic("A", "first", "/StartAt", 1, 1), Diagnostic("B", "second")]
    text = format_diagnostics(many, YAML, limit=2)
    assert text.splitlines() == [
        str(many[0]),
        "       5 |     Nxt: Bye",
        "         |     ^",
        str(many[1]),
        "       1 | StartAt: Hi",
        "         | ^",
        "... and 1 more",
    ]
    assert format_diagnostics(many).splitlines() == [str(d) for d in many]


def test_format_diagnostics_without_source() -> None:
    with pytest.raises(DefinitionError) as info:
        StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    text = format_diagnostics(info.value.diagnostics, None)
    assert "error MISSING_NEXT_OR_END at state 'A' (/States/A): state 'A' needs 'Next'" in text
    assert "|" not in text


def test_a_definition_error_shows_each_error_with_its_line() -> None:
    with pytest.raises(DefinitionError) as info:
        StateMachine(YAML, source_name="hello.yaml")
    error = info.value
    assert error.source == YAML
    errors = [d for d in error.diagnostics if d.severity == "ERROR"]
    expected = ["invalid state machine definition (2 errors) in hello.yaml"]
    for d in errors:
        expected += [f"  - {d}", *d.excerpt(YAML)]
    assert str(error).splitlines() == expected
    assert "       5 |     Nxt: Bye" in str(error)


def test_a_syntax_error_shows_its_line_and_the_name() -> None:
    text = '{"StartAt": "A",\n "States": {'
    with pytest.raises(DefinitionError) as info:
        StateMachine(text, source_name="cut.json")
    assert str(info.value).splitlines()[0] == "invalid state machine definition (1 error) in cut.json"
    assert '       2 |  "States": {\n         |             ^' in str(info.value)


def test_a_definition_error_from_a_dict_has_no_source_lines() -> None:
    with pytest.raises(DefinitionError) as info:
        StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    assert info.value.source is None
    assert "|" not in str(info.value)


def test_the_source_survives_pickling() -> None:
    with pytest.raises(DefinitionError) as info:
        StateMachine(YAML)
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.source == YAML
    assert str(copy) == str(info.value)


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
