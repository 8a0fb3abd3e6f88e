"""Tests for sfn_notebook.paths.intrinsics: the parser, every States.* function, and properties."""

from __future__ import annotations

import base64
import doctest
import hashlib
import json
import random
import re
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfn_notebook import _json
from sfn_notebook.errors import PathError, StatesError
from sfn_notebook.paths import intrinsics
from sfn_notebook.paths.intrinsics import (
    FUNCTIONS,
    MAX_CALLS,
    RUNTIME_ERROR,
    Call,
    FunctionSpec,
    Literal,
    PathArg,
    is_intrinsic,
    parse_intrinsic,
    parse_intrinsic_leniently,
    unparse,
)
from sfn_notebook.paths.jsonpath import JsonPath, compile_path

# ----------------------------------------------------------------------------- helpers


def run(
    text: str,
    doc: Any = None,
    *,
    context: Any = None,
    variables: dict[str, Any] | None = None,
    rng: random.Random | None = None,
) -> Any:
    """Parse ``text`` and evaluate it: ``$`` reads ``doc``, ``$$`` reads ``context``, ``$x`` a variable."""

    def resolve(path: JsonPath) -> Any:
        if path.root == "$":
            return path.get(doc)
        if path.root == "$$":
            return path.get(context)
        return path.get((variables or {})[path.root])

    return parse_intrinsic(text).evaluate(resolve, rng or random.Random(7))


def fails(text: str, doc: Any = None, **kwargs: Any) -> str:
    """Evaluate; it must raise States.Runtime with AWS's short cause naming the function.
    Returns the longer explanation the error carries for the user."""
    with pytest.raises(StatesError) as info:
        run(text, doc, **kwargs)
    err = info.value
    assert err.error == RUNTIME_ERROR == "States.Runtime"
    assert err.hint is not None
    function = err.hint.split(":", 1)[0]
    assert err.cause == f"Invalid arguments in {function}"
    return err.hint


def parse_error(text: str) -> PathError:
    with pytest.raises(PathError) as info:
        parse_intrinsic(text)
    assert info.value.expression == text
    return info.value


# ----------------------------------------------------------------------------- the registry


def test_registry_has_the_eighteen_aws_functions() -> None:
    assert sorted(FUNCTIONS) == sorted(
        [
            "States.Format",
            "States.StringToJson",
            "States.JsonToString",
            "States.Array",
            "States.ArrayPartition",
            "States.ArrayContains",
            "States.ArrayRange",
            "States.ArrayGetItem",
            "States.ArrayLength",
            "States.ArrayUnique",
            "States.Base64Encode",
            "States.Base64Decode",
            "States.Hash",
            "States.JsonMerge",
            "States.MathRandom",
            "States.MathAdd",
            "States.StringSplit",
            "States.UUID",
        ]
    )
    for name, spec in FUNCTIONS.items():
        assert isinstance(spec, FunctionSpec) and spec.name == name


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("States.Format", 1, None),
        ("States.Array", 0, None),
        ("States.MathRandom", 2, 3),
        ("States.UUID", 0, 0),
        ("States.JsonMerge", 3, 3),
        ("States.ArrayRange", 3, 3),
    ],
)
def test_arity_is_declared_as_data(name: str, low: int, high: int | None) -> None:
    assert (FUNCTIONS[name].min_args, FUNCTIONS[name].max_args) == (low, high)


def test_module_doctests_pass() -> None:
    result = doctest.testmod(intrinsics, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------- is_intrinsic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('x')", True),
        ("States.UUID()", True),
        ("Custom.Thing(1)", True),
        ("Foo(", True),
        ("$.a", False),
        ("$$.Execution.Id", False),
        ("$var", False),
        ("States.Format", False),
        ("States.Format ('x')", False),
        (" States.UUID()", False),
        ("hello world", False),
        ("", False),
        (42, False),
        (None, False),
    ],
)
def test_is_intrinsic(text: Any, expected: bool) -> None:
    assert is_intrinsic(text) is expected


# ----------------------------------------------------------------------------- parsing


def test_parse_builds_a_tree_with_positions() -> None:
    text = "States.Format('n={}', States.ArrayLength($.xs))"
    call = parse_intrinsic(text)
    assert call.name == "States.Format" and call.position == 0
    template, inner = call.args
    assert isinstance(template, Literal) and template.value == "n={}" and template.position == 14
    assert isinstance(inner, Call) and inner.name == "States.ArrayLength"
    assert inner.position == text.index("States.ArrayLength")
    (path,) = inner.args
    assert isinstance(path, PathArg) and path.path == compile_path("$.xs")
    assert path.position == text.index("$.xs")
    assert list(call.paths()) == [compile_path("$.xs")]


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("0", 0),
        ("-17", -17),
        ("3.25", 3.25),
        ("-0.5", -0.5),
        ("2e3", 2000.0),
        ("1.5E-2", 0.015),
        ("null", None),
        ("true", True),
        ("false", False),
        ("''", ""),
        ("'plain'", "plain"),
        (r"'it\'s'", "it's"),
        (r"'back\\slash'", "back\\slash"),
        (r"'\{literal\}'", "{literal}"),
        ("'{\"k\": [1, 2]}'", '{"k": [1, 2]}'),
        ("'commas, (parens) and $dollars'", "commas, (parens) and $dollars"),
    ],
)
def test_literal_arguments(source: str, value: Any) -> None:
    (literal,) = parse_intrinsic(f"States.Array({source})").args
    assert isinstance(literal, Literal)
    assert literal.value == value and type(literal.value) is type(value)


def test_number_literals_keep_their_json_type() -> None:
    assert parse_intrinsic("States.Array(2)") != parse_intrinsic("States.Array(2.0)")
    assert parse_intrinsic("States.Array(1)") != parse_intrinsic("States.Array(true)")
    assert parse_intrinsic("States.Array(0)") != parse_intrinsic("States.Array(false)")


@pytest.mark.parametrize(
    "path",
    [
        "$",
        "$.order.lines[0]",
        "$['key with spaces']",
        "$['a,b']",
        "$.rows[*].sku",
        "$..price",
        "$.cart.length()",
        "$.rows[?(@.kind == 'a, b')]",
        "$$.Execution.Id",
        "$$",
        "$total",
        "$total.items[-1]",
    ],
)
def test_path_arguments_end_at_top_level_commas_and_parens(path: str) -> None:
    call = parse_intrinsic(f"States.Array({path}, 1)")
    first, second = call.args
    assert isinstance(first, PathArg) and first.path.text == path
    assert second == Literal(1)


def test_path_roots() -> None:
    call = parse_intrinsic("States.Array($.a, $$.State.Name, $counter)")
    assert [p.root for p in call.paths()] == ["$", "$$", "counter"]


def test_whitespace_between_tokens_is_allowed() -> None:
    spaced = parse_intrinsic("States.Format( '{}-{}' ,\t$.a ,\n States.UUID( ) )  ")
    tight = parse_intrinsic("States.Format('{}-{}',$.a,States.UUID())")
    assert spaced == tight


def test_equality_ignores_positions() -> None:
    a = parse_intrinsic("States.Array(1, $.x)")
    b = parse_intrinsic("States.Array(  1,    $.x)")
    assert a == b and hash(a) == hash(b)
    assert Call("States.Array", (Literal(1),), 5) == Call("States.Array", (Literal(1),), 0)


def test_up_to_ten_calls_are_accepted() -> None:
    text = "States.Array(" + ", ".join(["States.UUID()"] * (MAX_CALLS - 1)) + ")"
    assert len(parse_intrinsic(text).args) == MAX_CALLS - 1


def test_the_eleventh_call_is_rejected_where_it_starts() -> None:
    nested = "States.ArrayLength($.a)"
    for _ in range(MAX_CALLS):
        nested = f"States.Array({nested})"
    error = parse_error(nested)
    assert "at most 10" in error.message
    assert error.position == nested.index("States.ArrayLength")


def test_nine_calls_nested_five_deep() -> None:
    segment = (
        "States.ArrayGetItem(States.StringSplit("
        "States.ArrayGetItem(States.StringSplit($.Arn, '/'), 2), '.'), {})"
    )
    text = "States.Format('{}.{}', " + segment.format(0) + ", " + segment.format(1) + ")"
    doc = {"Arn": "arn:aws:imagebuilder:eu-west-1:1:image-recipe/web/2.7.1"}
    assert run(text, doc) == "2.7"
    # with a third placeholder and still two values the template no longer matches
    error = parse_error(text.replace("'{}.{}'", "'{}.{}.{}'"))
    assert "3 placeholders" in error.message and error.position == 0


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("States.Array(1, 2", 12, "missing ')'"),
        ("States.Array(", 12, "missing ')'"),
        ("States.Array(1))", 15, "unexpected ')'"),
        ("States.Array(1) trailing", 16, "unexpected 'trailing'"),
        ("States.Format('open", 14, "unterminated string"),
        (r"States.Format('tab\t')", 18, "invalid escape"),
        ("States.Format('ends with \\", 14, "unterminated string"),
        ("States.Array(1,)", 15, "expected an argument"),
        ("States.Array(,1)", 13, "expected an argument"),
        ("States.Array(1 2)", 15, "expected ',' or ')'"),
        ("States.Array($.a b)", 17, "expected ',' or ')'"),
        ("States.Array(nothing)", 13, "unexpected name 'nothing'"),
        ("States.Array(01)", 13, "malformed number"),
        ("States.Array(1.)", 13, "malformed number"),
        ("States.Array(-)", 13, "malformed number"),
        ("States.Array(12abc)", 13, "malformed number"),
        ('States.Array("double")', 13, "single quotes"),
        ("States.Array(1, #)", 16, "unexpected character '#'"),
        ("States.Array($.a..)", 18, "invalid path"),
        ("States.Array($x y)", 16, "expected ',' or ')'"),
        ("$.not.a.call", 0, "States.Name(arguments)"),
        ("", 0, "States.Name(arguments)"),
        ("'just a string'", 0, "States.Name(arguments)"),
        ("States.Format", 0, "States.Name(arguments)"),
    ],
)
def test_syntax_errors_report_where(text: str, position: int, fragment: str) -> None:
    error = parse_error(text)
    assert fragment in error.message
    assert error.position == position


def test_path_error_message_shows_a_caret() -> None:
    error = parse_error("States.Array(1, #)")
    lines = str(error).splitlines()
    assert lines[-2].strip() == "States.Array(1, #)"
    assert lines[-1].index("^") - lines[-2].index("S") == 16


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("States.Formatt('x')", "did you mean States.Format?"),
        ("states.format('x')", "did you mean States.Format?"),
        ("States.ArrayLenght($.a)", "States.ArrayLength"),
        ("States.MathAd(1, 2)", "did you mean States.MathAdd?"),
        ("Format('x')", "did you mean States.Format?"),
    ],
)
def test_unknown_functions_suggest_close_names(text: str, suggestion: str) -> None:
    error = parse_error(text)
    assert "unknown intrinsic function" in error.message and suggestion in error.message
    assert error.message.count(" or ") == 0  # one suggestion, not a list of near-misses
    assert error.position == 0


def test_unknown_function_without_a_close_name_lists_them_all() -> None:
    error = parse_error("Lambda.Invoke($.x)")
    assert all(name in error.message for name in FUNCTIONS)


def test_unknown_nested_function_points_at_it() -> None:
    text = "States.Array(1, States.Nope())"
    assert parse_error(text).position == text.index("States.Nope")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("States.ArrayLength($.a, $.b)", "takes 1 argument but 2 were given"),
        ("States.ArrayLength()", "takes 1 argument but 0 were given"),
        ("States.UUID(1)", "takes 0 arguments but 1 was given"),
        ("States.MathRandom(1)", "takes 2 to 3 arguments but 1 was given"),
        ("States.MathRandom(1, 2, 3, 4)", "takes 2 to 3 arguments but 4 were given"),
        ("States.Format()", "takes at least 1 argument but 0 were given"),
        ("States.JsonMerge($.a, $.b)", "takes 3 arguments but 2 were given"),
    ],
)
def test_wrong_argument_counts(text: str, fragment: str) -> None:
    error = parse_error(text)
    assert fragment in error.message and error.position == 0


def test_wrong_argument_count_of_a_nested_call_points_at_it() -> None:
    text = "States.Array(States.MathAdd(1))"
    assert parse_error(text).position == 13


@pytest.mark.parametrize(
    ("text", "literal", "fragment"),
    [
        ("States.ArrayPartition($.a, 'x')", "'x'", "argument 2 (chunk size) must be a number"),
        ("States.ArrayLength('abc')", "'abc'", "argument 1 (array) must be an array"),
        ("States.ArrayLength(null)", "null", "but the literal null is null"),
        ("States.JsonMerge($.a, $.b, 'false')", "'false'", "must be a boolean"),
        ("States.JsonMerge($.a, 12, false)", "12", "must be an object"),
        ("States.MathAdd(1, true)", "true", "must be a number"),
        ("States.Format(7)", "7", "argument 1 (template) must be a string"),
        ("States.Hash($.d, 256)", "256", "argument 2 (algorithm) must be a string"),
        ("States.StringSplit(3.5, ',')", "3.5", "must be a string"),
        ("States.Base64Decode(false)", "false", "must be a string"),
    ],
)
def test_literals_of_the_wrong_type_are_rejected_at_parse_time(
    text: str, literal: str, fragment: str
) -> None:
    error = parse_error(text)
    assert fragment in error.message
    assert error.position == text.rindex(literal)


def test_literal_format_template_must_match_its_values() -> None:
    error = parse_error("States.Format('{} and {}', $.a)")
    assert "2 placeholders" in error.message and "1 value" in error.message
    error = parse_error("States.Format('none', $.a)")
    assert "0 placeholders" in error.message
    parse_intrinsic(r"States.Format('\{\} is not a placeholder')")


# ----------------------------------------------------------------------------- unparse


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (Literal(None), "null"),
        (Literal(True), "true"),
        (Literal(False), "false"),
        (Literal(-3), "-3"),
        (Literal(2.0), "2.0"),
        (Literal(1e21), "1e+21"),
        (Literal("it's \\ {}"), r"'it\'s \\ {}'"),
        (Literal("{}", raw=r"\{\}"), r"'\{\}'"),
        (PathArg(compile_path("$['a b']")), "$['a b']"),
        (Call("States.UUID", ()), "States.UUID()"),
        (
            Call("States.Array", (Literal(1), PathArg(compile_path("$.x")), Call("States.UUID", ()))),
            "States.Array(1, $.x, States.UUID())",
        ),
    ],
)
def test_unparse_canonical_text(node: Any, text: str) -> None:
    assert unparse(node) == text


def test_unparse_normalises_spacing() -> None:
    text = "States.Format( '{}' ,$.a )"
    assert unparse(parse_intrinsic(text)) == "States.Format('{}', $.a)"


def test_literal_validation() -> None:
    with pytest.raises(ValueError, match="does not decode"):
        Literal("a", raw="b")
    with pytest.raises(ValueError, match="only string literals"):
        Literal(1, raw="1")
    with pytest.raises(ValueError, match="finite"):
        Literal(float("inf"))
    with pytest.raises(TypeError):
        Literal([1, 2])  # type: ignore[arg-type]
    assert Literal("x{}").raw == "x{}"
    assert repr(Literal("{}", raw=r"\{\}")) == "Literal('{}', raw='\\\\{\\\\}')"


# ----------------------------------------------------------------------------- States.Format


def test_format_fills_placeholders_in_order() -> None:
    assert run("States.Format('{} owes {}', $.who, $.amount)", {"who": "Ana", "amount": 12}) == "Ana owes 12"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("text", "text"),
        ("", ""),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-7, "-7"),
        (2.0, "2.0"),
        (0.25, "0.25"),
        (0.001, "0.001"),
        (12345678.9, "1.23456789E7"),
        (1e7, "1.0E7"),
        (3e-7, "3.0E-7"),
        (-0.0, "-0.0"),
        (1e21, "1.0E21"),
        ([1, "b", None], "[1, b, null]"),
        ([], "[]"),
        ({}, "{}"),
        ({"k": "v", "n": [1.5, {"x": True}]}, "{k=v, n=[1.5, {x=true}]}"),
    ],
)
def test_format_renders_values_as_aws_does(value: Any, text: str) -> None:
    assert run("States.Format('<{}>', $.v)", {"v": value}) == f"<{text}>"


def test_format_escaped_braces_and_quotes_are_literal() -> None:
    assert run(r"States.Format('\{\} {} \'q\' \\', $.a)", {"a": 1}) == "{} 1 'q' \\"


def test_format_values_containing_braces_are_not_expanded_again() -> None:
    assert run("States.Format('{}|{}', $.a, $.b)", {"a": "{}", "b": "x"}) == "{}|x"


def test_format_escaped_braces_are_literal() -> None:
    assert run("States.Format('\\{ {} \\}', $.a)", {"a": 5}) == "{ 5 }"


def lenient_failure(text: str, doc: Any = None) -> tuple[list[str], StatesError]:
    """Parse as AWS accepts a definition, then run: the problems found and the runtime error."""
    call, problems = parse_intrinsic_leniently(text)
    with pytest.raises(StatesError) as info:
        call.evaluate(lambda path: path.get(doc), random.Random(1))
    return [p.message for p in problems], info.value


@pytest.mark.parametrize(
    ("text", "function", "problem"),
    [
        ("States.Format('{ {} }', $.a)", "States.Format", "not part of a '{}' placeholder"),
        ("States.Format('}')", "States.Format", "not part of a '{}' placeholder"),
        ("States.Format('{} {}', $.a)", "States.Format", "2 placeholders"),
        ("States.MathAdd('a', 1)", "States.MathAdd", "must be a number"),
        ("States.ArrayLength($.a, $.b)", "States.ArrayLength", "takes 1 argument but 2 were given"),
        ("States.Hash('x')", "States.Hash", "takes 2 arguments but 1 was given"),
    ],
)
def test_argument_problems_are_accepted_then_fail_at_run_time_as_on_aws(
    text: str, function: str, problem: str
) -> None:
    problems, error = lenient_failure(text, {"a": 1, "b": 2})
    assert len(problems) == 1 and problem in problems[0]
    assert (error.error, error.cause) == ("States.Runtime", f"Invalid arguments in {function}")


def test_uuid_ignores_arguments_as_aws_does() -> None:
    call, problems = parse_intrinsic_leniently("States.UUID($.seed, 'x')")
    assert "AWS ignores them" in problems[0].message
    value = call.evaluate(lambda path: path.get({}), random.Random(3))  # $.seed is never read
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)


def test_format_template_from_a_path() -> None:
    doc = {"template": "Hi {}, you are {}.", "name": "Bo", "age": 30}
    assert run("States.Format($.template, $.name, $.age)", doc) == "Hi Bo, you are 30."


def test_format_template_from_a_path_must_match_its_values() -> None:
    cause = fails("States.Format($.t, $.a)", {"t": "{}{}", "a": 1})
    assert cause.startswith("States.Format:") and "2 placeholders" in cause and "1 value was given" in cause


def test_format_template_must_be_a_string_at_runtime() -> None:
    cause = fails("States.Format($.t)", {"t": 5})
    assert "argument 1 (template) must be a string" in cause and "received a number: 5" in cause


def test_format_with_a_nested_call() -> None:
    assert run("States.Format('{}', States.Array(1, 2))") == "[1, 2]"


# ----------------------------------------------------------------------------- JSON manipulation


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": [1, 2.5, "x"], "b": null}', {"a": [1, 2.5, "x"], "b": None}),
        ("[]", []),
        ("-12", -12),
        ("0.5", 0.5),
        ("false", False),
        ('"quoted"', "quoted"),
        ("null", None),
        ("", None),
        ("   ", None),
    ],
)
def test_string_to_json(text: str, value: Any) -> None:
    result = run("States.StringToJson($.s)", {"s": text})
    assert _json.dumps(result) == _json.dumps(value)


def test_string_to_json_literal_argument() -> None:
    assert run("States.StringToJson('{\"on\": true}')") == {"on": True}


@pytest.mark.parametrize(
    "text", ["{", "{'single': 1}", "tru", "NaN", "[1, Infinity]", "1e999", "1 2", "[1,]"]
)
def test_string_to_json_rejects_invalid_json(text: str) -> None:
    cause = fails("States.StringToJson($.s)", {"s": text})
    assert cause.startswith("States.StringToJson: the string is not valid JSON")


def test_string_to_json_needs_a_string() -> None:
    cause = fails("States.StringToJson($.s)", {"s": {"already": "json"}})
    assert "must be a string" in cause and "received an object" in cause


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": [True, None]}, '{"b":1,"a":[true,null]}'),
        ("text", '"text"'),
        (1.5, "1.5"),
        (3, "3"),
        (None, "null"),
        ({"snow": "\u2603"}, '{"snow":"\u2603"}'),
        ({"q": 'say "hi"'}, '{"q":"say \\"hi\\""}'),
    ],
)
def test_json_to_string_writes_compact_json(value: Any, text: str) -> None:
    assert run("States.JsonToString($.v)", {"v": value}) == text


def test_json_merge_is_shallow_and_the_second_object_wins() -> None:
    doc = {"x": {"keep": 1, "over": {"deep": 1}}, "y": {"over": {"other": 2}, "add": 3}}
    before = json.loads(json.dumps(doc))
    merged = run("States.JsonMerge($.x, $.y, false)", doc)
    assert merged == {"keep": 1, "over": {"other": 2}, "add": 3}
    assert doc == before


def test_json_merge_deep_mode_is_not_supported() -> None:
    cause = fails("States.JsonMerge($.x, $.y, true)", {"x": {}, "y": {}})
    assert cause.startswith("States.JsonMerge:") and "shallow" in cause


def test_json_merge_arguments_must_be_objects() -> None:
    cause = fails("States.JsonMerge($.x, $.y, false)", {"x": {}, "y": [1]})
    assert "argument 2 (second object) must be an object" in cause and "received an array: [1]" in cause
    cause = fails("States.JsonMerge($.x, $.x, $.flag)", {"x": {}, "flag": "false"})
    assert "argument 3 (deep merge) must be a boolean" in cause


# ----------------------------------------------------------------------------- arrays


def test_array_collects_values() -> None:
    assert run("States.Array()") == []
    assert run("States.Array($.a, 'two', 3, null, false, States.Array())", {"a": {"k": 1}}) == [
        {"k": 1},
        "two",
        3,
        None,
        False,
        [],
    ]


@pytest.mark.parametrize(
    ("items", "size", "chunks"),
    [
        ([], 3, []),
        ([1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]),
        ([1, 2, 3, 4], 4, [[1, 2, 3, 4]]),
        (["a", "b"], 10, [["a", "b"]]),
        ([1, 2, 3], 1, [[1], [2], [3]]),
        # a fractional size is truncated, not rounded
        ([1, 2, 3, 4, 5], 2.6, [[1, 2], [3, 4], [5]]),
        ([1, 2, 3], 1.4, [[1], [2], [3]]),
    ],
)
def test_array_partition(items: list[Any], size: float, chunks: list[list[Any]]) -> None:
    assert run("States.ArrayPartition($.items, $.size)", {"items": items, "size": size}) == chunks


@pytest.mark.parametrize("size", [0, -2, 0.4])
def test_array_partition_needs_a_positive_chunk_size(size: float) -> None:
    cause = fails("States.ArrayPartition($.items, $.size)", {"items": [1], "size": size})
    assert cause.startswith("States.ArrayPartition:") and "positive integer" in cause


def test_array_partition_needs_an_array() -> None:
    cause = fails("States.ArrayPartition($.items, 2)", {"items": "abc"})
    assert "argument 1 (array) must be an array" in cause and 'received a string: "abc"' in cause


@pytest.mark.parametrize(
    ("items", "wanted", "found"),
    [
        ([3, 4, 5], 4, True),
        ([3, 4, 5], 6, False),
        ([], None, False),
        ([None], None, True),
        ([[1, 2], 3], [1, 2], True),
        ([[1, 2]], [2, 1], False),
        ([{"a": 1, "b": [2]}], {"b": [2], "a": 1}, True),
        ([{"a": 1}], {"a": 1, "b": 2}, False),
        ([1], True, False),
        ([True], 1, False),
        ([0], False, False),
        ([1.0], 1, False),
        (["1"], 1, False),
    ],
)
def test_array_contains_uses_typed_deep_equality(items: list[Any], wanted: Any, found: bool) -> None:
    assert run("States.ArrayContains($.items, $.wanted)", {"items": items, "wanted": wanted}) is found


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        (1, 9, 2, [1, 3, 5, 7, 9]),
        (0, 10, 4, [0, 4, 8]),
        (5, 5, 1, [5]),
        (10, 1, -3, [10, 7, 4, 1]),
        (3, 1, 1, []),
        (1, 3, -1, []),
        (-4, 0, 2, [-4, -2, 0]),
        # fractions are truncated toward zero: (1, 1, 1) and (5, 0, -2)
        (1.6, 1.4, 1, [1]),
        (5.4, -0.6, -2.4, [5, 3, 1]),
    ],
)
def test_array_range(start: float, end: float, step: float, expected: list[int]) -> None:
    doc = {"start": start, "end": end, "step": step}
    assert run("States.ArrayRange($.start, $.end, $.step)", doc) == expected


def test_array_range_limit_is_one_thousand_items() -> None:
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000
    cause = fails("States.ArrayRange(0, 1000, 1)")
    assert cause.startswith("States.ArrayRange:") and "1,001 items" in cause and "1,000" in cause


def test_array_range_step_must_not_be_zero() -> None:
    assert "step must not be 0" in fails("States.ArrayRange(1, 5, $.s)", {"s": 0.3})


def test_array_get_item() -> None:
    doc = {"items": ["a", "b", "c"]}
    assert run("States.ArrayGetItem($.items, 0)", doc) == "a"
    assert run("States.ArrayGetItem($.items, 2)", doc) == "c"
    assert run("States.ArrayGetItem($.items, 1.0)", doc) == "b"


@pytest.mark.parametrize(
    ("items", "index", "expected"),
    [
        (["a", "b", "c"], 1.7, "b"),  # truncated, not rounded
        (["a"], 1, None),  # out of range: null, as AWS returns
        (["a"], -1, None),
        ([], 999, None),
    ],
)
def test_array_get_item_truncates_and_gives_null_out_of_range(
    items: list[Any], index: float, expected: Any
) -> None:
    assert run("States.ArrayGetItem($.items, $.i)", {"items": items, "i": index}) == expected


def test_array_length() -> None:
    assert run("States.ArrayLength($.a)", {"a": []}) == 0
    assert run("States.ArrayLength($.a)", {"a": [[1, 2], None, {}]}) == 3
    assert "must be an array" in fails("States.ArrayLength($.a)", {"a": {"not": "array"}})


def test_array_unique_keeps_first_occurrences() -> None:
    doc = {"a": [3, 1, 3, "3", 1.0, True, 1, None, None, {"k": [1]}, {"k": [1]}, [2], [2], False, 0]}
    assert run("States.ArrayUnique($.a)", doc) == [3, 1, "3", 1.0, True, None, {"k": [1]}, [2], False, 0]


def test_array_unique_ignores_key_order_of_objects() -> None:
    doc = {"a": [{"x": 1, "y": 2}, {"y": 2, "x": 1}]}
    assert run("States.ArrayUnique($.a)", doc) == [{"x": 1, "y": 2}]


# ----------------------------------------------------------------------------- encoding, hashing


@pytest.mark.parametrize("text", ["", "Step Functions", "ünïcödé ☃", "a" * 7_500])
def test_base64_round_trip(text: str) -> None:
    encoded = run("States.Base64Encode($.s)", {"s": text})
    assert encoded == base64.b64encode(text.encode()).decode()
    assert run("States.Base64Decode($.s)", {"s": encoded}) == text


def test_base64_decode_accepts_missing_padding() -> None:
    assert run("States.Base64Decode('bm90ZQ')") == "note"
    assert run("States.Base64Decode('bm90ZQ==')") == "note"


@pytest.mark.parametrize("text", ["not base64!", "abcde", "ab=c", "a===", "bm90ZQ="])
def test_base64_decode_rejects_invalid_input(text: str) -> None:
    cause = fails("States.Base64Decode($.s)", {"s": text})
    assert cause.startswith("States.Base64Decode: the input is not valid Base64")


@pytest.mark.parametrize("function", ["States.Base64Encode", "States.Base64Decode"])
def test_base64_input_limit(function: str) -> None:
    cause = fails(f"{function}($.s)", {"s": "A" * 10_001})
    assert "10,001 characters" in cause and "maximum is 10,000" in cause


@pytest.mark.parametrize(
    ("algorithm", "hashlib_name"),
    [("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"), ("SHA-384", "sha384"), ("SHA-512", "sha512")],
)
def test_hash_algorithms(algorithm: str, hashlib_name: str) -> None:
    data = "order #1182 ✓"
    expected = hashlib.new(hashlib_name, data.encode()).hexdigest()
    assert run("States.Hash($.d, $.alg)", {"d": data, "alg": algorithm}) == expected
    assert expected == expected.lower()


@pytest.mark.parametrize("algorithm", ["SHA256", "sha-256", "SHA-224", ""])
def test_hash_rejects_other_algorithms(algorithm: str) -> None:
    cause = fails("States.Hash('x', $.alg)", {"alg": algorithm})
    assert "not supported" in cause and "MD5, SHA-1, SHA-256, SHA-384, SHA-512" in cause


def test_hash_input_limit_and_type() -> None:
    assert len(run("States.Hash($.d, 'MD5')", {"d": "x" * 10_000})) == 32
    assert "maximum is 10,000" in fails("States.Hash($.d, 'MD5')", {"d": "x" * 10_001})
    assert "argument 1 (data) must be a string" in fails("States.Hash($.d, 'MD5')", {"d": {"a": 1}})


# ----------------------------------------------------------------------------- math


@pytest.mark.parametrize(
    ("a", "b", "total"),
    [
        (2, 3, 5),
        (10, -11, -1),
        (2.5, 0, 3),
        (-2.5, 0, -2),
        (-0.5, 0, 0),
        (0.5, 0.5, 2),
        (1.4, 1.4, 2),
        (-1.6, 0, -2),
        (2147483646, 1, 2147483647),
        (-2147483648, 0, -2147483648),
    ],
)
def test_math_add_rounds_half_up_like_java(a: float, b: float, total: int) -> None:
    result = run("States.MathAdd($.a, $.b)", {"a": a, "b": b})
    assert result == total and type(result) is int


@pytest.mark.parametrize(
    ("a", "b", "fragment"),
    [
        (2147483648, 0, "first value (2147483648) is outside the integer range"),
        (0, -2147483649, "second value (-2147483649) is outside"),
        (2147483647, 1, "sum 2147483648 is outside"),
    ],
)
def test_math_add_stays_in_the_integer_range(a: int, b: int, fragment: str) -> None:
    assert fragment in fails("States.MathAdd($.a, $.b)", {"a": a, "b": b})


def test_math_add_needs_numbers() -> None:
    cause = fails("States.MathAdd($.a, 1)", {"a": "1"})
    assert cause == 'States.MathAdd: argument 1 (value) must be a number, but received a string: "1"'
    assert "received a boolean" in fails("States.MathAdd($.a, 1)", {"a": True})


def test_math_random_stays_in_range_and_follows_the_rng() -> None:
    draws = [run("States.MathRandom(3, 7)", rng=random.Random(seed)) for seed in range(200)]
    assert set(draws) == {3, 4, 5, 6}
    assert draws == [run("States.MathRandom(3, 7)", rng=random.Random(seed)) for seed in range(200)]


def test_math_random_truncates_its_bounds() -> None:
    draws = {run("States.MathRandom(0.6, 2.5)", rng=random.Random(seed)) for seed in range(100)}
    assert draws == {0, 1}


def test_math_random_fails_when_truncation_leaves_no_number() -> None:
    assert "must be less than the end" in fails("States.MathRandom(1.4, 1.6)")


def test_array_partition_fails_on_a_size_truncated_to_zero() -> None:
    assert "positive integer" in fails("States.ArrayPartition($.a, 0.6)", {"a": [1, 2]})


@pytest.mark.parametrize(
    ("start", "end", "seed", "expected"),
    [
        # values printed by `new java.util.Random(seed).nextInt(end - start)` on a JVM, plus start
        (0, 10, 42, 0),
        (0, 100, 42, 30),
        (0, 999, 0, 672),
        (100, 1100, -7, 762),
        (0, 7, 123456789012, 3),
        (0, 2147483647, 3, 1569933734),
    ],
)
def test_math_random_with_a_seed_is_java_random(start: int, end: int, seed: int, expected: int) -> None:
    text = f"States.MathRandom({start}, {end}, {seed})"
    assert run(text, rng=random.Random(1)) == expected
    assert run(text, rng=random.Random(2)) == expected


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5)])
def test_math_random_start_must_be_below_end(start: int, end: int) -> None:
    cause = fails(f"States.MathRandom({start}, {end})")
    assert cause.startswith("States.MathRandom:") and "must be less than the end" in cause


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("0, 3000000000", "the end value (3000000000) is outside the integer range"),
        ("-2147483649, 0", "the start value (-2147483649) is outside the integer range"),
        ("1e300, 2e300", "outside the integer range"),
        ("-2000000000, 2000000000", "wider than 2147483647"),
        ("-2000000000, 2000000000, 7", "wider than 2147483647"),
    ],
)
def test_math_random_works_in_32_bit_integers(args: str, message: str) -> None:
    cause = fails(f"States.MathRandom({args})")
    assert cause.startswith("States.MathRandom:") and message in cause


def test_math_random_reaches_the_ends_of_the_integer_range() -> None:
    assert run("States.MathRandom(-2147483648, -2147483647)") == -(2**31)
    assert run("States.MathRandom(2147483646, 2147483647, 1)") == 2**31 - 2


# ----------------------------------------------------------------------------- strings, ids


@pytest.mark.parametrize(
    ("text", "delimiters", "parts"),
    [
        ("a,b,c", ",", ["a", "b", "c"]),
        ("k1=v1;k2=v2", "=;", ["k1", "v1", "k2", "v2"]),
        (",,a,,b,,", ",", ["a", "b"]),
        (";;;", ";", []),
        ("", ",", []),
        ("no delimiter here", "|", ["no delimiter here"]),
        ("abc", "", ["abc"]),
        ("line one\nline two", "\n", ["line one", "line two"]),
        ("a b\tc", " \t", ["a", "b", "c"]),
    ],
)
def test_string_split_treats_each_character_as_a_delimiter(
    text: str, delimiters: str, parts: list[str]
) -> None:
    assert run("States.StringSplit($.t, $.d)", {"t": text, "d": delimiters}) == parts


def test_string_split_with_escaped_literal_delimiters() -> None:
    assert run(r"States.StringSplit($.t, '\'\\')", {"t": "a'b\\c"}) == ["a", "b", "c"]


def test_string_split_needs_strings() -> None:
    assert "argument 2 (delimiters) must be a string" in fails("States.StringSplit('a', $.d)", {"d": 1})


def test_uuid_is_version_4_and_reproducible() -> None:
    first = run("States.UUID()", rng=random.Random(11))
    parsed = uuid.UUID(first)
    assert parsed.version == 4 and str(parsed) == first
    assert run("States.UUID()", rng=random.Random(11)) == first
    assert run("States.UUID()", rng=random.Random(12)) != first


def test_one_rng_gives_different_uuids_in_one_call() -> None:
    a, b = run("States.Array(States.UUID(), States.UUID())", rng=random.Random(3))
    assert a != b


# ----------------------------------------------------------------------------- evaluation plumbing


def test_paths_are_resolved_by_the_caller() -> None:
    seen: list[str] = []

    def resolve(path: JsonPath) -> Any:
        seen.append(path.text)
        return 2

    call = parse_intrinsic("States.MathAdd($.a, States.MathAdd($$.b, $c))")
    assert call.evaluate(resolve, random.Random()) == 6
    assert seen == ["$.a", "$$.b", "$c"]


def test_errors_from_resolve_propagate() -> None:
    def resolve(path: JsonPath) -> Any:
        raise StatesError("States.Runtime", f"no {path.text}")

    with pytest.raises(StatesError, match=r"no \$\.missing"):
        parse_intrinsic("States.Array($.missing)").evaluate(resolve, random.Random())


def test_context_and_variable_paths() -> None:
    context = {"Execution": {"Name": "run-17-b"}}
    text = "States.ArrayGetItem(States.StringSplit($$.Execution.Name, '-'), $idx)"
    assert run(text, context=context, variables={"idx": 1}) == "17"


def test_nested_results_feed_outer_calls() -> None:
    doc = {"csv": "x,y,z,y"}
    text = "States.ArrayLength(States.ArrayUnique(States.StringSplit($.csv, ',')))"
    assert run(text, doc) == 3


def test_runtime_errors_name_the_failing_inner_function() -> None:
    cause = fails("States.Array(States.MathAdd($.a, 5))", {"a": "one"})
    assert cause.startswith("States.MathAdd:")


# ----------------------------------------------------------------------------- properties

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@given(_JSON)
def test_string_to_json_inverts_json_to_string(value: Any) -> None:
    result = run("States.StringToJson(States.JsonToString($.v))", {"v": value})
    assert _json.dumps(result) == _json.dumps(value)


@given(st.lists(_JSON, max_size=30), st.integers(min_value=1, max_value=12))
def test_partition_then_flatten_gives_the_array_back(items: list[Any], size: int) -> None:
    chunks = run("States.ArrayPartition($.items, $.size)", {"items": items, "size": size})
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(st.lists(_JSON, max_size=20))
def test_array_unique_is_idempotent_and_keeps_membership(items: list[Any]) -> None:
    unique = run("States.ArrayUnique($.a)", {"a": items})
    assert run("States.ArrayUnique($.a)", {"a": unique}) == unique
    for item in items:
        assert run("States.ArrayContains($.u, $.x)", {"u": unique, "x": item}) is True


@given(st.text(alphabet="ab,;", max_size=30), st.text(alphabet=",;", max_size=2))
def test_string_split_parts_are_non_empty_and_free_of_delimiters(text: str, delimiters: str) -> None:
    parts = run("States.StringSplit($.t, $.d)", {"t": text, "d": delimiters})
    assert all(part and not set(part) & set(delimiters) for part in parts)
    assert "".join(parts) == "".join(ch for ch in text if ch not in delimiters)


# ---- generated syntax trees

_PATHS = [
    "$",
    "$.a",
    "$.a.b[0]",
    "$['x y']",
    "$['a,b']",
    "$.items[*].id",
    "$..name",
    "$.list.length()",
    "$.rows[?(@.k == 'p, q')]",
    "$$.Execution.Id",
    "$$",
    "$counter",
    "$counter.items[-1]",
]
_PLAIN = st.text(alphabet=st.characters(blacklist_characters="'\\{}", codec="utf-8"), max_size=6)
_ESCAPES = st.sampled_from(["\\'", "\\\\", "\\{", "\\}"])


@st.composite
def _raw_string(draw: st.DrawFn, placeholders: int | None = None) -> Literal:
    """A string literal's raw spelling; with ``placeholders`` set, exactly that many ``{}``."""
    if placeholders is None:
        pieces = draw(st.lists(_PLAIN | _ESCAPES | st.sampled_from(["{", "}", "{}"]), max_size=5))
    else:
        pieces = draw(st.lists(_PLAIN | _ESCAPES, max_size=4))
        for _ in range(placeholders):
            pieces.insert(draw(st.integers(0, len(pieces))), "{}")
    raw = "".join(pieces)
    return Literal(intrinsics._template_parts(raw, placeholders=False)[0], raw=raw)


def _literal_for(types: frozenset[str]) -> st.SearchStrategy[Literal]:
    options: list[st.SearchStrategy[Literal]] = []
    if not types or "string" in types:
        options.append(_raw_string())
    if not types or "number" in types:
        options.append(st.integers(-(10**12), 10**12).map(Literal))
        options.append(st.floats(allow_nan=False, allow_infinity=False).map(Literal))
    if not types or "boolean" in types:
        options.append(st.booleans().map(Literal))
    if not types:
        options.append(st.just(Literal(None)))
    return st.one_of(options) if options else st.nothing()


@st.composite
def _call(draw: st.DrawFn, budget: list[int] | None = None) -> Call:
    budget = [MAX_CALLS] if budget is None else budget
    budget[0] -= 1
    spec: FunctionSpec = FUNCTIONS[draw(st.sampled_from(sorted(FUNCTIONS)))]
    high = spec.max_args if spec.max_args is not None else spec.min_args + 3
    count = draw(st.integers(spec.min_args, high))
    args: list[Any] = []
    for index in range(count):
        param = spec.param(index)
        if spec.name == "States.Format" and index == 0:
            choices = [_raw_string(placeholders=count - 1), st.sampled_from(_PATHS).map(_path_arg)]
        else:
            choices = [_literal_for(param.types), st.sampled_from(_PATHS).map(_path_arg)]
        if budget[0] > 0:
            choices.append(st.deferred(lambda: _call(budget)))
        args.append(draw(st.one_of(choices)))
    return Call(spec.name, tuple(args))


def _path_arg(text: str) -> PathArg:
    return PathArg(compile_path(text))


@settings(max_examples=300)
@given(_call())
def test_parse_inverts_unparse(call: Call) -> None:
    text = unparse(call)
    assert parse_intrinsic(text) == call
    assert unparse(parse_intrinsic(text)) == text


@given(st.text(max_size=40))
def test_parser_only_raises_path_errors(text: str) -> None:
    try:
        parse_intrinsic(text)
    except PathError as error:
        assert error.position is not None and 0 <= error.position <= len(text)


@given(st.text(alphabet="States.Format(),'{}\\$ ab1-", max_size=40))
def test_parser_only_raises_path_errors_on_near_miss_text(text: str) -> None:
    try:
        parse_intrinsic(text)
    except PathError as error:
        assert error.position is not None and 0 <= error.position <= len(text)


# ----------------------------------------------------------------------------- values nested deeper than Python recurses


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    return value


def test_array_unique_and_contains_compare_values_of_any_depth() -> None:
    deep, other = nested(5000), nested(5000, leaf=2)
    assert run("States.ArrayUnique($.x)", {"x": [deep, other, nested(5000)]}) == [deep, other]
    assert run("States.ArrayContains($.x, $.y)", {"x": [other, deep], "y": nested(5000)}) is True
    assert run("States.ArrayContains($.x, $.y)", {"x": [other], "y": deep}) is False


def test_array_unique_keeps_java_s_distinctions_inside_containers() -> None:
    items = [[1], [1.0], [True], {"a": 1, "b": 2}, {"b": 2, "a": 1}, [-0.0], [0.0]]
    assert run("States.ArrayUnique($.x)", {"x": items}) == [
        [1],
        [1.0],
        [True],
        {"a": 1, "b": 2},
        [-0.0],
        [0.0],
    ]


def test_json_text_nested_beyond_what_can_be_read_fails_as_a_runtime_error() -> None:
    text = "[" * 5000 + "]" * 5000
    assert "nested too deeply" in fails("States.StringToJson($.s)", {"s": text})
    assert "nested too deeply" in fails("States.JsonToString($.x)", {"x": nested(5000)})
