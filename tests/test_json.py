"""Tests for sfn_notebook._json: MISSING, compact text, strict loading and the JSON type names."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfn_notebook._json import (
    MISSING,
    a_type_name,
    dumps,
    is_integer,
    is_number,
    loads_compact,
    loads_strict,
    type_name,
    utf8_size,
    with_article,
    with_member,
)
from tests.builders import json_documents, json_scalars

json_values = json_documents(json_scalars | st.integers())  # integers of any size


# ----------------------------------------------------------------------------- MISSING


def test_missing_is_one_object_that_refuses_a_truth_value() -> None:
    assert type(MISSING)() is MISSING
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
    with pytest.raises(TypeError, match="is MISSING"):
        bool(MISSING)


# ----------------------------------------------------------------------------- text


@given(json_values)
def test_dumps_is_compact_utf8_and_loads_compact_reads_it_back(value: Any) -> None:
    text = dumps(value)
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert loads_compact(text) == value


def test_dumps_refuses_what_is_not_json() -> None:
    with pytest.raises(ValueError):
        dumps(float("nan"))
    with pytest.raises(TypeError, match="set"):
        dumps({1, 2})


def test_loads_compact_still_reports_bad_text() -> None:
    with pytest.raises(ValueError):
        loads_compact("")
    with pytest.raises(ValueError):
        loads_compact("[1] tail")


def test_utf8_size_counts_bytes() -> None:
    assert utf8_size("abc") == 3
    assert utf8_size("é€😀") == 2 + 3 + 4


# ----------------------------------------------------------------------------- strict loading


@given(json_values)
def test_loads_strict_reads_what_json_writes(value: Any) -> None:
    assert loads_strict(json.dumps(value)) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "NaN is not a JSON value"),
        ('{"a": -Infinity}', "-Infinity is not a JSON value"),
        ("[1e400]", "the number 1e400 is out of range"),
        ("{", "Expecting property name"),
    ],
)
def test_loads_strict_refuses_what_a_java_service_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        loads_strict(text)


def test_repeated_keys_are_an_error_only_when_asked() -> None:
    assert loads_strict('{"a": 1, "a": 2}') == {"a": 2}
    with pytest.raises(ValueError, match="same key twice"):
        loads_strict('{"k": {"a": 1, "a": 2}}', unique_keys=True)


def test_integers_beyond_a_java_long_become_doubles_only_when_asked() -> None:
    big = 2**63
    assert loads_strict(str(big)) == big and isinstance(loads_strict(str(big)), int)
    assert loads_strict(str(2**63 - 1), long_integers=True) == 2**63 - 1
    assert loads_strict(str(-(2**63)), long_integers=True) == -(2**63)
    converted = loads_strict(f"[{big}, {-big - 1}]", long_integers=True)
    assert converted == [float(big), float(-big - 1)] and all(isinstance(v, float) for v in converted)
    with pytest.raises(ValueError, match="out of range"):
        loads_strict("1" + "0" * 400, long_integers=True)


# ----------------------------------------------------------------------------- type names


@pytest.mark.parametrize(
    ("value", "name", "with_integers", "phrase"),
    [
        (None, "null", "null", "null"),
        (True, "boolean", "boolean", "a boolean"),
        (0, "number", "integer", "an integer"),
        (2.0, "number", "number", "a number"),
        ("", "string", "string", "a string"),
        ([], "array", "array", "an array"),
        ({}, "object", "object", "an object"),
        ((1,), "tuple", "tuple", "tuple"),
    ],
)
def test_type_names(value: Any, name: str, with_integers: str, phrase: str) -> None:
    assert type_name(value) == name
    assert type_name(value, integers=True) == with_integers
    assert a_type_name(value) == phrase
    assert with_article(with_integers) == phrase


def test_numbers_and_integers_never_include_booleans() -> None:
    assert [is_number(v) for v in (1, 1.5, True, "1", None)] == [True, True, False, False, False]
    assert [is_integer(v) for v in (1, 1.0, 1.5, False)] == [True, True, False, False]


def test_with_member_writes_what_dumps_writes_for_the_object_with_one_more_field() -> None:
    for value, key, member in [({}, "r", 1), ({"a": [1, 2]}, "r", {"x": None}), ({"a": 1}, 'ü"/', "é")]:
        grown = {**value, key: member}
        assert with_member(dumps(value), key, dumps(member)) == dumps(grown)
