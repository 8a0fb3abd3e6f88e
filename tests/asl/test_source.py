"""Tests for sfn_notebook.asl.source: JSON/YAML text -> JSON value + positions of every pointer."""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfn_notebook.asl.source import Source, escape_token, join_pointer, load_text, load_value
from sfn_notebook.errors import DefinitionError, Diagnostic
from tests.builders import json_documents, json_scalars

# ----------------------------------------------------------------------------- helpers


def offset_of(text: str, position: tuple[int, int]) -> int:
    """The string index of a 1-based (line, column), computed independently of the module."""
    line, column = position
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    return starts[line - 1] + column - 1


def at(src: Source, pointer: str, *, value: bool = False) -> str:
    """The source text from the position of ``pointer`` to the end of its line."""
    assert src.text is not None
    position = src.value_position(pointer) if value else src.position(pointer)
    assert position is not None
    start = offset_of(src.text, position)
    return src.text[start:].splitlines()[0]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, with the same key order (1 != 1.0 != True here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


def walk(value: Any, pointer: str = "", key: str | None = None):
    """Yield (pointer, value, key or None) for ``value`` and everything inside it."""
    yield pointer, value, key
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, pointer + "/" + k.replace("~", "~0").replace("/", "~1"), k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{pointer}/{i}")


def diagnostics(text: str, format: str | None = None) -> list[Diagnostic]:
    with pytest.raises(DefinitionError) as info:
        load_text(text, format)
    return info.value.diagnostics


def only_diagnostic(text: str, format: str | None = None) -> Diagnostic:
    found = diagnostics(text, format)
    assert len(found) == 1, found
    return found[0]


DEFINITION_JSON = """\
{
  "Comment": "positions",
  "StartAt": "Hello World",
  "States": {
    "Hello World": {
      "Type": "Map",
      "ItemProcessor": {
        "StartAt": "P",
        "States": {
          "P": {
            "Type": "Task",
            "Retry": [
              {"ErrorEquals": ["States.ALL"], "BackoffRate": 2.5},
              {"ErrorEquals": ["Custom"], "MaxAttempts": 0}
            ],
            "End": true
          }
        }
      },
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}
"""

DEFINITION_YAML = """\
Comment: positions
StartAt: Hello World
States:
  Hello World:
    Type: Map
    ItemProcessor:
      StartAt: P
      States:
        P:
          Type: Task
          Retry:
            - ErrorEquals: [States.ALL]
              BackoffRate: 2.5
            - ErrorEquals:
                - Custom
              MaxAttempts: 0
          End: true
    Next: Done
  Done: {Type: Succeed}
"""

RETRY = "/States/Hello World/ItemProcessor/States/P/Retry"


# ----------------------------------------------------------------------------- JSON positions


def test_json_value_is_what_json_loads_gives() -> None:
    src = load_text(DEFINITION_JSON)
    assert src.format == "json"
    assert src.text == DEFINITION_JSON
    assert same(src.value, json.loads(DEFINITION_JSON))


def test_json_positions_of_nested_members_and_items() -> None:
    src = load_text(DEFINITION_JSON)
    assert src.position("") == (1, 1)
    assert src.position("/StartAt") == (3, 3)
    assert src.value_position("/StartAt") == (3, 14)
    assert src.position("/States/Hello World") == (5, 5)
    assert src.value_position("/States/Hello World") == (5, 20)
    assert src.position(RETRY + "/0/BackoffRate") == (13, 47)
    assert src.value_position(RETRY + "/0/BackoffRate") == (13, 62)
    assert at(src, RETRY + "/0/BackoffRate") == '"BackoffRate": 2.5},'
    assert at(src, RETRY + "/0/BackoffRate", value=True) == "2.5},"
    assert at(src, RETRY, value=True) == "["
    # an array item has no key: position() is where the value starts
    assert src.position(RETRY + "/1") == src.value_position(RETRY + "/1") == (14, 15)
    assert at(src, RETRY + "/0/ErrorEquals/0") == '"States.ALL"], "BackoffRate": 2.5},'
    assert at(src, RETRY + "/1/MaxAttempts", value=True) == "0}"
    assert at(src, "/States/Done/Type") == '"Type": "Succeed"}'


def test_missing_pointer_falls_back_to_nearest_enclosing_one() -> None:
    src = load_text(DEFINITION_JSON)
    assert src.position("/States/Done/Next") == src.position("/States/Done") == (22, 5)
    assert src.value_position("/States/Done/Next") == src.value_position("/States/Done") == (22, 13)
    assert src.position(RETRY + "/7/ErrorEquals") == src.position(RETRY) == (12, 13)
    assert src.value_position(RETRY + "/7/ErrorEquals") == src.value_position(RETRY) == (12, 22)
    assert src.position("/Nope/deeper/still") == (1, 1)


def test_pointer_must_start_with_a_slash() -> None:
    src = load_text(DEFINITION_JSON)
    with pytest.raises(ValueError, match="JSON Pointer"):
        src.position("States/Done")


def test_line_text() -> None:
    src = load_text(DEFINITION_JSON)
    assert src.line_text(3) == '  "StartAt": "Hello World",'
    assert src.line_text(1) == "{"
    assert src.line_text(0) is None
    assert src.line_text(26) is None
    assert src.line_text(25) == ""  # after the final line break


def test_locate_fills_in_line_and_column() -> None:
    src = load_text(DEFINITION_JSON)
    diagnostic = Diagnostic("MISSING_FIELD", "Next is required", "/States/Done/Next")
    located = src.locate(diagnostic)
    assert (located.line, located.column) == (22, 5)
    assert located.message == diagnostic.message
    assert src.locate(located) is located
    assert load_value({}).locate(diagnostic) is diagnostic


def test_pointers_escape_slash_and_tilde() -> None:
    text = '{"a/b": {"~c": [1, {"x~/y": 2}]}, "": {"": 3}}'
    src = load_text(text)
    assert src.value == {"a/b": {"~c": [1, {"x~/y": 2}]}, "": {"": 3}}
    assert at(src, "/a~1b") == text[1:]
    assert at(src, "/a~1b/~0c/1/x~0~1y") == '"x~/y": 2}]}, "": {"": 3}}'
    assert at(src, "//") == '"": 3}}'
    assert escape_token("x~/y") == "x~0~1y"
    assert join_pointer("/a~1b", "~c", 1, "x~/y") == "/a~1b/~0c/1/x~0~1y"


def test_crlf_line_endings_json() -> None:
    text = '{\r\n  "a": 1,\r\n  "b": [\r\n    true\r\n  ]\r\n}\r\n'
    src = load_text(text)
    assert src.value == {"a": 1, "b": [True]}
    assert src.position("/b") == (3, 3)
    assert src.value_position("/b/0") == (4, 5)
    assert src.line_text(2) == '  "a": 1,'


def test_lone_carriage_return_ends_a_line() -> None:
    src = load_text('{"a": 1,\r"b": 2}')
    assert src.position("/b") == (2, 1)


def test_tabs_count_as_one_column() -> None:
    text = '{\n\t"a": {\n\t\t"b":\t[1,\t2]\n\t}\n}'
    src = load_text(text)
    assert src.position("/a") == (2, 2)
    assert src.position("/a/b") == (3, 3)
    assert src.value_position("/a/b") == (3, 8)
    assert src.value_position("/a/b/1") == (3, 12)


def test_unicode_columns_count_characters() -> None:
    text = '{"é😀": "naïve 😀", "k": 1}'
    src = load_text(text)
    assert src.value == {"é😀": "naïve 😀", "k": 1}
    assert src.position("/k") == (1, 19)
    assert src.value_position("/k") == (1, 24)


def test_byte_order_mark_is_skipped_and_not_counted() -> None:
    src = load_text('\ufeff{"a": 1}')
    assert src.value == {"a": 1}
    assert src.format == "json"
    assert src.position("") == (1, 1)
    assert src.position("/a") == (1, 2)


@pytest.mark.parametrize(
    "text",
    [
        r'"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"',
        r'"\ud800 lone surrogate"',
        "123456789012345678901234567890",
        "-0",
        "-0.0",
        "1E5",
        "1e-7",
        "2.50",
        "[]",
        "{}",
        " [ [ ] , { } , null ] ",
        "true",
        "null",
        '"plain top-level string"',
    ],
)
def test_json_values_match_json_loads(text: str) -> None:
    assert same(load_text(text, "json").value, json.loads(text))


def test_number_types() -> None:
    value = load_text("[1, 1.0, 1e2, -5, 10000000000000000000000]").value
    assert [type(v) for v in value] == [int, float, float, int, int]


def test_large_document_matches_json_loads() -> None:
    states = {
        f"S{i}": {
            "Type": "Task",
            "Parameters": {"n": i, "f": i / 7, "s": f'é {i} "q"', "l": [True, None, False]},
            "Next": f"S{i + 1}",
        }
        for i in range(4000)
    }
    text = json.dumps({"StartAt": "S0", "States": states}, indent=2)
    assert len(text) > 1_000_000
    src = load_text(text)
    assert same(src.value, json.loads(text))
    assert at(src, "/States/S3999/Next") == '"Next": "S4000"'


# ----------------------------------------------------------------------------- JSON errors


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            '{\n  "a": 1\n  "b": 2\n}',
            3,
            3,
            "Expecting ',' delimiter (is a ',' missing at the end of line 2?)",
        ),
        ('{"a": 1 "b": 2}', 1, 9, "Expecting ',' delimiter"),
        ("[1 2]", 1, 4, "Expecting ',' delimiter"),
        ('{\n  "a": [1, 2,],\n  "b": 1\n}', 2, 13, "trailing comma: JSON does not allow ',' before ']'"),
        ('{\n  "a": 1,\n}', 2, 9, "trailing comma: JSON does not allow ',' before '}'"),
        ('{\n  "a": "unterminated\n}', 2, 8, "unterminated string"),
        ('{"a": "never closed', 1, 7, "unterminated string"),
        ("{'a': 1}", 1, 2, "double quotes"),
        ("{\n  \"a\": 'x'\n}", 2, 8, "not single quotes"),
        (
            '{\n  "a": {\n    "b": 1\n',
            3,
            11,
            "unexpected end of input: the object opened on line 2, column 8",
        ),
        ('{"a": [1, 2', 1, 12, "unexpected end of input: the array opened on line 1, column 7"),
        ('{"a": ', 1, 6, "unexpected end of input"),
        ('{"a" 1}', 1, 6, "Expecting ':' delimiter after the key \"a\""),
        ('{"a": 1}\n{"b": 2}', 2, 1, "Extra data"),
        ('{"a": 1}}', 1, 9, "Extra data"),
        ('{"a": 01}', 1, 7, "leading zeros"),
        ('{"a": +1}', 1, 7, "cannot start with '+'"),
        ('{"a": .5}', 1, 7, "digit before '.'"),
        ('{"a": 1.}', 1, 7, "digit after '.'"),
        ('{"a": True}', 1, 7, "True is not a JSON value; write true"),
        ('{"a": None}', 1, 7, "write null"),
        ('{"a": undefined}', 1, 7, "Expecting value"),
        ('{"a": 1, // note\n "b": 2}', 1, 10, "comments are not allowed"),
        ('{"a": 1 /* note */}', 1, 9, "comments are not allowed"),
        ('{"a": "x\\qy"}', 1, 9, "invalid escape '\\\\q'"),
        ('{"a": "\\u12G4"}', 1, 8, "\\u must be followed by 4 hex digits"),
        ('{"a": "tab\there"}', 1, 11, "control character U+0009"),
        ('{"a": 1, 2: 3}', 1, 10, "Expecting property name enclosed in double quotes"),
        ("", 1, 1, "the definition is empty"),
        ("   \n  ", 1, 1, "the definition is empty"),
    ],
)
def test_json_syntax_errors(text: str, line: int, column: int, message: str) -> None:
    diagnostic = only_diagnostic(text, "json")
    assert diagnostic.code == "SYNTAX_ERROR"
    assert diagnostic.pointer == ""
    assert message in diagnostic.message
    assert (diagnostic.line, diagnostic.column) == (line, column)


def test_syntax_error_message_names_the_source() -> None:
    with pytest.raises(DefinitionError, match=r"in machine\.json") as info:
        load_text('{"a": 1 "b": 2}', name="machine.json")
    assert info.value.source_name == "machine.json"
    assert info.value.line == 1
    assert isinstance(info.value, ValueError)


def test_very_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    diagnostic = only_diagnostic("[" * 100_000, "json")
    assert diagnostic.code == "SYNTAX_ERROR"
    assert "nested too deeply" in diagnostic.message


def test_json_duplicate_keys_are_all_reported() -> None:
    text = '{\n  "a": 1,\n  "b": {"c": 1,\n    "c": 2},\n  "a": 3,\n  "a": 4\n}'
    found = diagnostics(text)
    assert [(d.code, d.pointer, d.line, d.column) for d in found] == [
        ("DUPLICATE_KEY", "/b/c", 4, 5),
        ("DUPLICATE_KEY", "/a", 5, 3),
        ("DUPLICATE_KEY", "/a", 6, 3),
    ]
    assert found[0].message == 'duplicate key "c" (first defined on line 3)'
    assert found[2].message == 'duplicate key "a" (first defined on line 2)'


@pytest.mark.parametrize(
    ("text", "pointers", "columns"),
    [
        ('{"a": NaN}', ["/a"], [7]),
        ('{"a": [Infinity, -Infinity]}', ["/a/0", "/a/1"], [8, 18]),
        ('{"a": 1e400, "b": -2E999}', ["/a", "/b"], [7, 19]),
    ],
)
def test_json_non_finite_numbers(text: str, pointers: list[str], columns: list[int]) -> None:
    found = diagnostics(text)
    assert [d.code for d in found] == ["NON_FINITE_NUMBER"] * len(pointers)
    assert [d.pointer for d in found] == pointers
    assert [d.column for d in found] == columns


def test_problems_of_several_kinds_are_reported_together() -> None:
    found = diagnostics('{"a": NaN, "a": 1}')
    assert [d.code for d in found] == ["NON_FINITE_NUMBER", "DUPLICATE_KEY"]


# ----------------------------------------------------------------------------- format detection


def test_format_detection() -> None:
    assert load_text('  \n {"a": 1}').format == "json"
    assert load_text("[1, 2]").format == "json"
    assert load_text("a: 1").format == "yaml"
    assert load_text('# comment\n{"a": 1}').format == "yaml"


def test_yaml_flow_mapping_that_is_not_json_falls_back_to_yaml() -> None:
    src = load_text("{StartAt: A, States: {A: {Type: Pass, End: true}}}")
    assert src.format == "yaml"
    assert src.value == {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    assert src.position("/States/A/End") == (1, 39)


def test_yaml_flow_mapping_problems_are_reported_as_yaml_problems() -> None:
    diagnostic = only_diagnostic("{Type: Pass, Type: Task}")
    assert (diagnostic.code, diagnostic.pointer, diagnostic.column) == ("DUPLICATE_KEY", "/Type", 14)


def test_python_dict_literal_reads_as_yaml() -> None:
    src = load_text("{'StartAt': 'A', 'Next': None, 'End': True}")
    assert src.format == "yaml"
    assert src.value == {"StartAt": "A", "Next": "None", "End": True}


def test_text_that_looks_like_json_reports_the_json_error() -> None:
    # valid YAML (a flow mapping with a trailing comma), but clearly meant as JSON
    diagnostic = only_diagnostic('{\n  "StartAt": "A",\n  "Comment": "x",\n}')
    assert "trailing comma" in diagnostic.message
    assert (diagnostic.line, diagnostic.column) == (3, 17)


def test_when_json_and_yaml_both_fail_the_json_error_is_reported() -> None:
    diagnostic = only_diagnostic("[1, 2")
    assert diagnostic.message.startswith("unexpected end of input")


def test_explicit_format() -> None:
    assert load_text('{"a": 1}', "yaml").format == "yaml"
    assert load_text('{"a": 1}', format="json").format == "json"
    assert "double quotes" in only_diagnostic("{a: 1}", "json").message
    with pytest.raises(ValueError, match=r"unknown format: 'xml' \(must be one of \['json', 'yaml'\]"):
        load_text("{}", "xml")


def test_text_must_be_str() -> None:
    with pytest.raises(TypeError, match="expects str, not bytes"):
        load_text(b'{"a": 1}')  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- YAML positions


def test_yaml_value_and_positions() -> None:
    src = load_text(DEFINITION_YAML)
    assert src.format == "yaml"
    assert same(src.value, json.loads(DEFINITION_JSON))
    assert src.position("") == (1, 1)
    assert src.position("/StartAt") == (2, 1)
    assert src.value_position("/StartAt") == (2, 10)
    assert src.position(RETRY + "/0/BackoffRate") == (13, 15)
    assert src.value_position(RETRY + "/0/BackoffRate") == (13, 28)
    assert at(src, RETRY + "/0/ErrorEquals/0") == "States.ALL]"
    assert at(src, RETRY + "/1/ErrorEquals/0") == "Custom"
    # a block mapping starts at its first key, a block sequence at its first '-'
    assert at(src, RETRY + "/1", value=True) == "ErrorEquals:"
    assert at(src, RETRY, value=True) == "- ErrorEquals: [States.ALL]"
    assert at(src, "/States/Done/Type") == "Type: Succeed}"
    assert src.position("/States/Done/Missing") == (19, 3)
    assert src.line_text(19) == "  Done: {Type: Succeed}"


def test_yaml_crlf_and_unicode() -> None:
    text = 'a: 1\r\nb:\r\n  - x\r\n  - {c: "é😀", d: 2}\r\n'
    src = load_text(text)
    assert src.value == {"a": 1, "b": ["x", {"c": "é😀", "d": 2}]}
    assert src.position("/b") == (2, 1)
    assert src.value_position("/b/0") == (3, 5)
    assert src.position("/b/1/d") == (4, 15)
    assert src.value_position("/b/1/d") == (4, 18)
    assert src.line_text(4) == '  - {c: "é😀", d: 2}'


def test_yaml_block_scalars_and_empty_values() -> None:
    src = load_text("a:\nb: |\n  line 1\n  line 2\nc: >-\n  folded\n  text\nd: ''\n")
    assert src.value == {"a": None, "b": "line 1\nline 2\n", "c": "folded text", "d": ""}
    assert src.value_position("/b") == (2, 4)


# ----------------------------------------------------------------------------- YAML scalars


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("yes", "yes"),
        ("Yes", "Yes"),
        ("No", "No"),
        ("no", "no"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("n", "n"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        ("nULL", "nULL"),
        ("None", "None"),
        ("0", 0),
        ("-12", -12),
        ("+12", 12),
        ("007", 7),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", "0b101"),
        ("017_000", "017_000"),
        ("1_000", "1_000"),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("1.5", 1.5),
        ("-1.", -1.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("2.5E-3", 0.0025),
        ("1:30", "1:30"),
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("12.5.3", "12.5.3"),
        ("$.input", "$.input"),
        ("'true'", "true"),
        ('"0x1F"', "0x1F"),
        ("!!str 12", "12"),
        ("!!str true", "true"),
        ("! 12", "12"),
        ("!!int '12'", 12),
        ("!!float 3", 3.0),
        ("!!bool 'false'", False),
        ("!!null ''", None),
        ('"\\ud83d\\ude00"', "😀"),
    ],
)
def test_yaml_core_schema_scalars(written: str, expected: Any) -> None:
    value = load_text(f"v: {written}\n", "yaml").value["v"]
    assert same(value, expected)


def test_yes_and_no_stay_strings_as_state_names_and_choice_values() -> None:
    text = (
        "StartAt: Ask\n"
        "States:\n"
        "  Ask:\n"
        "    Type: Choice\n"
        "    Choices:\n"
        "      - Variable: $.answer\n"
        "        StringEquals: yes\n"
        "        Next: Yes\n"
        "    Default: No\n"
        "  Yes: {Type: Succeed}\n"
        "  No: {Type: Fail}\n"
    )
    value = load_text(text).value
    assert list(value["States"]) == ["Ask", "Yes", "No"]
    assert value["States"]["Ask"]["Choices"][0] == {
        "Variable": "$.answer",
        "StringEquals": "yes",
        "Next": "Yes",
    }
    assert value["States"]["Ask"]["Default"] == "No"


@pytest.mark.parametrize(
    ("written", "key"), [("1", "1"), ("true", "true"), ("~", "~"), ("0x10", "0x10"), ("1.50", "1.50")]
)
def test_yaml_scalar_keys_are_strings_as_written(written: str, key: str) -> None:
    src = load_text(f"States:\n  {written}: x\n")
    assert src.value == {"States": {key: "x"}}
    assert src.position(join_pointer("/States", key)) == (2, 3)


def test_yaml_collection_keys_are_rejected() -> None:
    found = diagnostics("a: 1\n? [x, y]\n: 2\n? {k: v}\n: 3\n")
    assert [(d.code, d.line, d.column) for d in found] == [("INVALID_KEY", 2, 3), ("INVALID_KEY", 4, 3)]
    assert found[0].message == "a key must be a string, not a sequence"


@pytest.mark.parametrize(
    ("text", "code", "line", "message"),
    [
        ("a: .inf\n", "NON_FINITE_NUMBER", 1, ".inf is not a finite number"),
        ("a: -.Inf\n", "NON_FINITE_NUMBER", 1, "-.Inf"),
        ("a:\n  b: .NaN\n", "NON_FINITE_NUMBER", 2, ".NaN"),
        ("a: 1e400\n", "NON_FINITE_NUMBER", 1, "1e400"),
        ("a: !!float .nan\n", "NON_FINITE_NUMBER", 1, ".nan"),
        ("a: !Ref Bucket\n", "UNSUPPORTED_YAML", 1, "the YAML tag !Ref is not supported on a scalar"),
        ("a: !GetAtt [Fn, Arn]\n", "UNSUPPORTED_YAML", 1, "!GetAtt is not supported on a sequence"),
        ("a: !!binary aGVsbG8=\n", "UNSUPPORTED_YAML", 1, "!!binary"),
        ("a: !!timestamp 2024-01-01\n", "UNSUPPORTED_YAML", 1, "!!timestamp"),
        ("a: !!set {x, y}\n", "UNSUPPORTED_YAML", 1, "!!set"),
        ("a: !!int 1.5\n", "UNSUPPORTED_YAML", 1, "'1.5' is not a valid !!int value"),
        ("a: !!bool yes\n", "UNSUPPORTED_YAML", 1, "'yes' is not a valid !!bool value"),
    ],
)
def test_yaml_value_problems(text: str, code: str, line: int, message: str) -> None:
    diagnostic = only_diagnostic(text)
    assert diagnostic.code == code
    assert diagnostic.line == line
    assert diagnostic.pointer == ("/a/b" if "b:" in text else "/a")
    assert message in diagnostic.message


# ----------------------------------------------------------------------------- YAML anchors, aliases, merges


def test_yaml_aliases_are_resolved_into_independent_values() -> None:
    text = "retry: &retry\n  - ErrorEquals: [States.ALL]\n    MaxAttempts: 2\na: *retry\nb: *retry\n"
    src = load_text(text)
    assert src.value["a"] == src.value["b"] == [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]
    assert src.value["a"] is not src.value["b"]
    assert src.value["a"][0] is not src.value["retry"][0]
    # the alias itself is where the value is used; inside it, positions are those of the anchor
    assert src.position("/b") == (5, 1)
    assert src.value_position("/b") == (5, 4)
    assert src.position("/b/0/MaxAttempts") == (3, 5)


def test_yaml_merge_keys() -> None:
    text = (
        "defaults: &defaults\n"
        "  Type: Task\n"
        "  Retry: []\n"
        "extra: &extra {Comment: extra, Type: Pass}\n"
        "A:\n"
        "  <<: *defaults\n"
        "  Retry: [1]\n"
        "B:\n"
        "  Next: C\n"
        "  <<: [*extra, *defaults]\n"
        "C:\n"
        "  <<: {End: true}\n"
        "  '<<': literal key\n"
    )
    src = load_text(text)
    assert src.value["A"] == {"Type": "Task", "Retry": [1]}
    assert list(src.value["B"].items()) == [
        ("Next", "C"),
        ("Comment", "extra"),
        ("Type", "Pass"),
        ("Retry", []),
    ]
    assert src.value["C"] == {"End": True, "<<": "literal key"}
    assert src.position("/A/Type") == (2, 3)
    assert src.position("/A/Retry") == (7, 3)
    assert src.position("/B/Type") == (4, 32)


def test_yaml_nested_merges_and_duplicates_around_merges() -> None:
    text = "base: &base {a: 1}\nmid: &mid {<<: *base, b: 2}\ntop:\n  <<: *mid\n  b: 3\n  b: 4\n"
    found = diagnostics(text)
    assert [(d.code, d.pointer, d.line) for d in found] == [("DUPLICATE_KEY", "/top/b", 6)]
    value = load_text(text.replace("  b: 4\n", "")).value
    assert value["top"] == {"a": 1, "b": 3}


def test_yaml_bad_merge_value() -> None:
    diagnostic = only_diagnostic("a:\n  <<: 5\n  b: 1\n")
    assert diagnostic.code == "UNSUPPORTED_YAML"
    assert "needs a mapping" in diagnostic.message
    assert diagnostic.line == 2


@pytest.mark.parametrize(
    "text", ["a: &a [1, *a]\n", "a: &a\n  b: *a\n", "a: &a\n  <<: *a\n", "a: &a {b: {<<: *a}}\n"]
)
def test_yaml_recursive_aliases(text: str) -> None:
    diagnostic = only_diagnostic(text)
    assert diagnostic.code == "UNSUPPORTED_YAML"
    assert "recursive alias" in diagnostic.message


def test_yaml_alias_explosion_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    diagnostic = only_diagnostic("\n".join(lines) + "\n")
    assert diagnostic.code == "UNSUPPORTED_YAML"
    assert "too many values" in diagnostic.message


def test_yaml_duplicate_keys_are_all_reported() -> None:
    text = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Type: Task\n  A: {}\nStartAt: B\n"
    found = diagnostics(text)
    assert [(d.code, d.pointer, d.line, d.column) for d in found] == [
        ("DUPLICATE_KEY", "/States/A/Type", 5, 5),
        ("DUPLICATE_KEY", "/States/A", 6, 3),
        ("DUPLICATE_KEY", "/StartAt", 7, 1),
    ]
    assert found[0].message == 'duplicate key "Type" (first defined on line 4)'
    assert found[2].message == 'duplicate key "StartAt" (first defined on line 1)'


def test_yaml_keys_written_differently_can_still_be_duplicates() -> None:
    found = diagnostics("1: a\n'1': b\n")
    assert [(d.code, d.line) for d in found] == [("DUPLICATE_KEY", 2)]


# ----------------------------------------------------------------------------- YAML errors


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("StartAt: A\nStates:\n  A:\n    Type: Pass\n     End: true\n", 5, 9, "check the indentation"),
        (
            "StartAt: A\nStates:\n  A:\n    Type: Pass\n   End: true\n",
            5,
            4,
            "bad indentation: a key here does not line up with the mapping that starts at line 3, column 3",
        ),
        ("States:\n  A:\n    Retry:\n      - 1\n     - 2\n", 5, 6, "bad indentation: a list item"),
        ("StartAt: A\nStates:\n\tA: 1\n", 3, 1, "tab character"),
        ("StartAt: A\nStates\n  A: 1\n", 2, 1, "missing ':'"),
        ("a: [1, 2\nb: 3\n", 2, 2, "expected ',' or ']' in the list that starts at line 1, column 4"),
        ("a: {x: 1\nb: 3\n", 2, 2, "expected ',' or '}' in the mapping that starts at line 1, column 4"),
        ('a: "abc\nb: 3\n', 1, 4, "unterminated quoted string"),
        ("a: 1\n---\nb: 2\n", 2, 1, "a second YAML document"),
        ("a: *nowhere\n", 1, 4, "alias *nowhere refers to no anchor"),
        ("a: &x 1\nb: &x 2\n", 2, 4, "anchor &x is defined twice (first at line 1, column 4)"),
        ("a: @x\n", 1, 4, "cannot start with '@'"),
        ("a: \x01\n", 1, 4, "U+0001 is not allowed"),
        ("# only a comment\n", 1, 1, "the definition is empty"),
        ("a: 'x' y\n", 1, 8, "unexpected text here: expected a new entry of the mapping"),
    ],
)
def test_yaml_syntax_errors(text: str, line: int, column: int, message: str) -> None:
    diagnostic = only_diagnostic(text)
    assert diagnostic.code == "SYNTAX_ERROR"
    assert message in diagnostic.message
    assert (diagnostic.line, diagnostic.column) == (line, column)


def test_single_document_with_markers_is_fine() -> None:
    assert load_text("---\na: 1\n...\n").value == {"a": 1}


def test_top_level_need_not_be_an_object() -> None:
    assert load_text("- a\n- b\n").value == ["a", "b"]
    assert load_text("just text").value == "just text"
    assert load_text("null", "json").value is None


# ----------------------------------------------------------------------------- load_value


def test_load_value_uses_the_value_as_is() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": [1, 2.5, None, True, "x"]}}}
    src = load_value(definition)
    assert src.value is definition
    assert src.format == "dict"
    assert src.text is None
    assert src.position("/States/A") is None
    assert src.value_position("") is None
    assert src.line_text(1) is None


def test_load_value_accepts_subclasses_and_shared_subtrees() -> None:
    shared = {"x": 1}
    value = OrderedDict(a=shared, b=shared, c=[shared, shared])
    assert load_value(value).value is value


@pytest.mark.parametrize(
    ("value", "code", "pointer", "message"),
    [
        ({"a": (1, 2)}, "NOT_JSON", "/a", "a tuple is not a JSON value (use a list)"),
        ({"a": [{"b": {1, 2}}]}, "NOT_JSON", "/a/0/b", "a set is not a JSON value (use a list)"),
        ({"a": frozenset()}, "NOT_JSON", "/a", "a frozenset"),
        ({"a": b"bytes"}, "NOT_JSON", "/a", "a bytes is not a JSON value"),
        ({"a": Decimal("1.5")}, "NOT_JSON", "/a", "a decimal.Decimal is not a JSON value"),
        ({"a": object()}, "NOT_JSON", "/a", "a object is not a JSON value"),
        ({"a": float("nan")}, "NON_FINITE_NUMBER", "/a", "nan is not a finite number"),
        ({"a": [float("inf")]}, "NON_FINITE_NUMBER", "/a/0", "inf"),
        ({"a": {1: "x"}}, "INVALID_KEY", "/a/1", "object keys must be strings, not a int (1)"),
        ({"a/b": {("t",): 1}}, "INVALID_KEY", "/a~1b/('t',)", "not a tuple"),
        ((1, 2), "NOT_JSON", "", "a tuple"),
    ],
)
def test_load_value_rejects_what_is_not_json(value: Any, code: str, pointer: str, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        load_value(value)
    [diagnostic] = info.value.diagnostics
    assert (diagnostic.code, diagnostic.pointer) == (code, pointer)
    assert message in diagnostic.message
    assert diagnostic.line is None


def test_load_value_reports_every_problem_and_cycles() -> None:
    value: dict[str, Any] = {"a": (1,), "b": [float("nan"), {2}]}
    value["self"] = value
    with pytest.raises(DefinitionError) as info:
        load_value(value, name="notebook cell")
    assert [(d.code, d.pointer) for d in info.value.diagnostics] == [
        ("NOT_JSON", "/a"),
        ("NON_FINITE_NUMBER", "/b/0"),
        ("NOT_JSON", "/b/1"),
        ("NOT_JSON", "/self"),
    ]
    assert "circular reference" in info.value.diagnostics[-1].message
    assert info.value.source_name == "notebook cell"


# ----------------------------------------------------------------------------- properties

# any integer (the reader keeps them exact), longer strings and keys, larger documents
json_values = json_documents(
    json_scalars | st.integers() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(max_size=12),
    keys=st.text(max_size=8),
    size=5,
    max_leaves=25,
)


def dump_options() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "indent": st.sampled_from([None, 0, 1, 2, "\t", " \t"]),
            "ensure_ascii": st.booleans(),
            "separators": st.sampled_from([None, (",", ":"), (" , ", " :  ")]),
        }
    )


def assert_positions_are_right(src: Source, text: str) -> None:
    """Every pointer's positions point at text that decodes to the value (or to the key)."""
    decoder = json.JSONDecoder()
    for pointer, value, key in walk(src.value):
        value_at = src.value_position(pointer)
        assert value_at is not None
        decoded, _ = decoder.raw_decode(text, offset_of(text, value_at))
        assert same(decoded, value), pointer
        key_at = src.position(pointer)
        assert key_at is not None
        if key is None:
            assert key_at == value_at
        else:
            decoded_key, end = decoder.raw_decode(text, offset_of(text, key_at))
            assert decoded_key == key
            assert text[end:].lstrip(" \t\r\n").startswith(":")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, options=dump_options(), crlf=st.booleans())
def test_json_round_trip_matches_json_loads(value: Any, options: dict[str, Any], crlf: bool) -> None:
    text = json.dumps(value, **options)
    if crlf:
        text = text.replace("\n", "\r\n")
    src = load_text(text, "json")
    assert same(src.value, json.loads(text))
    assert same(src.value, value)
    assert_positions_are_right(src, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, indent=st.sampled_from([None, 2]))
def test_json_text_read_as_yaml_gives_the_same_value_and_positions(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    as_json = load_text(text, "json")
    as_yaml = load_text(text, "yaml")
    assert same(as_yaml.value, as_json.value)
    for pointer, _, _ in walk(as_json.value):
        assert as_yaml.position(pointer) == as_json.position(pointer), pointer
        assert as_yaml.value_position(pointer) == as_json.value_position(pointer), pointer


@settings(max_examples=100, deadline=None)
@given(value=json_values)
def test_load_value_accepts_every_json_value(value: Any) -> None:
    assert load_value(value).value is value


# ----------------------------------------------------------------------------- compact locations, size limit


def _long_key_document(key: str, items: int) -> dict[str, Any]:
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {key: [1] * items}, "End": True}}}


def test_locations_of_a_long_key_above_a_long_array_cost_no_more_than_the_text() -> None:
    """No pointer is kept per value: a 3,000-character key above 3,000 items does not multiply."""
    import tracemalloc

    key = "k" * 3000
    text = json.dumps(_long_key_document(key, 3000))
    tracemalloc.start()
    try:
        src = load_text(text)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 20 * len(text)  # once, a full pointer per item: over 9 MB for these 12 KB
    assert src.value_position(f"/States/P/Result/{key}/2999") == (1, text.rindex("1]") + 1)
    assert src.position("/States/P/End") == (1, text.rindex('"End"') + 1)


def test_yaml_aliases_expand_values_not_location_tables() -> None:
    import tracemalloc

    key = "k" * 1000
    text = (
        "StartAt: P\nStates:\n  P:\n    Type: Pass\n    End: true\n    Result:\n"
        f"      a: &big\n        {key}: [{', '.join(['1'] * 3000)}]\n      b: *big\n      c: *big\n"
    )
    tracemalloc.start()
    try:
        src = load_text(text)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 50 * len(text)
    assert src.value["States"]["P"]["Result"]["c"][key][5] == 1
    assert src.position(f"/States/P/Result/c/{key}/5") == (8, 1027)  # where the anchored list has it
    assert src.position("/States/P/Result/c") == (10, 7)


def test_json_positions_are_found_in_containers_read_on_demand() -> None:
    src = load_text('{"a": [10, {"b/c": {"~": 1}}, 30],\n "z": "last"}')
    assert src.value_position("/a/1/b~1c/~0") == (1, 26)
    assert src.position("/a/1/b~1c/~0") == (1, 21)
    assert src.value_position("/a/2") == (1, 31)
    assert src.position("/a/7") == (1, 2)  # no such item: the array's member
    assert src.position("/z") == (2, 2)


def test_definitions_over_one_megabyte_are_refused_clearly() -> None:
    filler = "x" * 1_048_576
    document = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": filler, "End": True}}}
    for attempt in (lambda: load_value(document), lambda: load_text(json.dumps(document))):
        with pytest.raises(DefinitionError) as caught:
            attempt()
        (problem,) = caught.value.diagnostics
        assert problem.code == "DEFINITION_TOO_LARGE"
        assert "1,048,576" in problem.message
    with pytest.raises(DefinitionError, match="DEFINITION_TOO_LARGE"):
        load_text(f"StartAt: P\nStates:\n  P: {{Type: Pass, End: true, Result: {filler}}}\n")
    assert load_value({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * 1000, "End": True}}})


def test_shared_containers_are_measured_before_their_text_is_written() -> None:
    # forty levels of a list holding itself twice: 2**40 leaves once written out, a few objects in memory
    shared: list[object] = [1]
    for _ in range(40):
        shared = [shared, shared]
    document = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": shared, "End": True}}}
    with pytest.raises(DefinitionError) as caught:
        load_value(document)
    assert [d.code for d in caught.value.diagnostics] == ["DEFINITION_TOO_LARGE"]
    shared.append(float("nan"))  # what is not JSON is still named, once, however often it is shared
    with pytest.raises(DefinitionError) as caught:
        load_value(document)
    assert [d.code for d in caught.value.diagnostics] == ["NON_FINITE_NUMBER"]
    shared[-1] = shared  # and so is a cycle among shared containers
    with pytest.raises(DefinitionError) as caught:
        load_value(document)
    assert [d.code for d in caught.value.diagnostics] == ["NOT_JSON"]
    small = {"Type": "Pass", "Next": "B"}  # a state object used twice is fine while it is small
    assert load_value(
        {"StartAt": "A", "States": {"A": small, "B": {"Type": "Pass", "Result": small, "End": True}}}
    )


def test_python_data_that_is_not_json_is_found_after_the_quick_check() -> None:
    for bad, code in (
        ({"a": (1, 2)}, "NOT_JSON"),
        ({"a": {1: 2}}, "INVALID_KEY"),
        ({"a": float("nan")}, "NON_FINITE_NUMBER"),
    ):
        with pytest.raises(DefinitionError) as caught:
            load_value(bad)
        assert [d.code for d in caught.value.diagnostics] == [code]
