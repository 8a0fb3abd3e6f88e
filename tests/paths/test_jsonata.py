"""Tests for sfn_notebook.paths.jsonata: AWS's JSONata dialect, its errors, and the static analysis."""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import re
import subprocess
import sys
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfn_notebook.errors import PathError
from sfn_notebook.paths.jsonata import (
    UNDEFINED_RESULT,
    JsonataError,
    JsonataExpression,
    compile_jsonata,
    evaluation_failure_cause,
    is_jsonata,
    java_random_double,
    strip_delimiters,
    undefined_result_cause,
    unexpected_type_cause,
)

pytestmark = pytest.mark.jsonata  # the dialect runs on the jsonatapy library

# ----------------------------------------------------------------------------- helpers


_NO_INPUT: Any = object()


def run(
    text: str,
    data: Any = _NO_INPUT,
    variables: dict[str, Any] | None = None,
    *,
    rng: random.Random | None = None,
) -> Any:
    """Compile ``text`` and evaluate it with ``$states.input`` = ``data`` (``{}`` when not given)."""
    binding = {"input": {} if data is _NO_INPUT else data}
    return compile_jsonata(text).evaluate(binding, variables or {}, rng)


def error_of(text: str, data: Any = _NO_INPUT, variables: dict[str, Any] | None = None) -> JsonataError:
    with pytest.raises(JsonataError) as info:
        run(text, data, variables)
    return info.value


def syntax_error(text: str) -> PathError:
    with pytest.raises(PathError) as info:
        compile_jsonata(text)
    return info.value


class StrictVariables:
    """Workflow variables that can only be looked up by name, recording every name asked for."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.asked: list[str] = []

    def __contains__(self, name: object) -> bool:
        self.asked.append(str(name))
        return name in self.values

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# ----------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{% $states.input %}", True),
        ("{%$states.input%}", True),
        ("{%1%}", True),
        (" {% 1 %}", False),
        ("{% 1 %} ", False),
        ("{%}", False),
        ("{% 1", False),
        ("$states.input", False),
        (42, False),
        (None, False),
        (["{% 1 %}"], False),
    ],
)
def test_is_jsonata(value: Any, expected: bool) -> None:
    assert is_jsonata(value) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% $states.input.total %}", "$states.input.total"),
        ("{%$states.input.total%}", "$states.input.total"),
        ("{%   'spaced'   %}", "'spaced'"),
        ("{%\n\t$x\n%}", "$x"),
        ("{% ' keep inner ' %}", "' keep inner '"),
    ],
)
def test_strip_delimiters_trims_like_aws(text: str, expected: str) -> None:
    assert strip_delimiters(text) == expected


def test_strip_delimiters_refuses_plain_strings() -> None:
    with pytest.raises(ValueError, match="not a JSONata string"):
        strip_delimiters("$states.input")


# ----------------------------------------------------------------------------- compiling


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("$states.input.total +", "S0207", 21),
        ("$count(", "S0207", 7),
        ("($a := 1", "S0203", 8),
        ("'no end", "S0101", 0),
        ("$states.input.`no end", "S0105", 14),
        ("1 + /* open comment", "S0106", 4),
        ("$match($x, /ab", "S0302", 11),
        ("$x[1, 2)", "S0202", 4),
        ("$a $b", "S0201", 3),
        ("1 + + 2", "S0211", 4),
        ('"bad \\q escape"', "S0103", 5),
        ("2 := 3", "S0212", 2),
        ("1 ! 2", "S0204", 2),
    ],
)
def test_syntax_errors_carry_code_and_position(text: str, code: str, position: int) -> None:
    err = syntax_error(text)
    assert err.message.startswith(code + ": ")
    assert err.expression == text
    assert err.position == position


def test_syntax_error_messages_name_tokens_like_jsonata_js() -> None:
    assert syntax_error("$x[1, 2)").message == 'S0202: Expected "]", got ","'
    assert syntax_error("$a $b").message == 'S0201: Syntax error: "$b"'
    assert syntax_error("{'k': }").message == 'S0211: The symbol "}" cannot be used as a unary operator'


def test_path_error_shows_a_caret() -> None:
    text = str(syntax_error("$x[1, 2)"))
    assert text.splitlines()[-1] == "      ^"


def test_statements_need_a_block_at_the_top_level() -> None:
    err = syntax_error("$x := 1; $x")
    assert err.message == 'S0201: Syntax error: ";"'
    assert err.position == 7
    assert run("($x := 1; $x * 3)") == 3


@pytest.mark.parametrize(("text", "position"), [("$a ?? 0", 4), ("$a ?: 0", 4)])
def test_jsonata_2_1_operators_are_rejected(text: str, position: int) -> None:
    err = syntax_error(text)
    assert err.message.startswith("S0211: ")
    assert err.position == position


def test_a_signature_may_contain_question_mark_colon() -> None:
    assert run("($f := function($s)<s?:s>{ $uppercase($s) }; $f('ab'))") == "AB"


def test_compiled_expression_keeps_its_source() -> None:
    expr = compile_jsonata("$states.input.id")
    assert isinstance(expr, JsonataExpression)
    assert expr.source == "$states.input.id"
    assert repr(expr) == "JsonataExpression('$states.input.id')"
    assert compile_jsonata("$states.input.id") is expr  # compiled once, reused


def test_importing_the_module_does_not_load_the_library() -> None:
    code = "import sys, sfn_notebook.paths.jsonata; print('jsonatapy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 5", 7),
        ("9 / 3", 3),
        ("7 / 2", 3.5),
        ("$sum([0.5, 1.5, 2])", 4),
        ("$average([1, 2])", 1.5),
        ("$round(2.6)", 3),
        ("-0", 0),
        ("1.0e3", 1000),
    ],
)
def test_integral_numbers_come_back_as_int(text: str, expected: Any) -> None:
    value = run(text)
    assert value == expected
    assert type(value) is type(expected)


def test_integral_inputs_come_back_as_int() -> None:
    assert run("$states.input.n", {"n": 4.0}) == 4
    assert type(run("$states.input.n", {"n": 4.0})) is int
    assert run("[$states.input.n, 1]", {"n": 4.0}) == [4, 1]
    assert type(run("[$states.input.n, 1]", {"n": 4.0})[0]) is int


def test_huge_numbers_stay_doubles() -> None:
    assert run("1e20") == 1e20
    assert type(run("1e20")) is float
    assert run("$string(1e20)") == "100000000000000000000"


def test_integers_beyond_64_bits_are_read_as_doubles() -> None:
    big = 2**70
    assert run("$states.input.n", {"n": big}) == float(big)
    assert run("$states.input.n + 1", {"n": big}) == float(big)
    assert run("$states.input.list[0]", {"list": [big]}) == float(big)
    assert run("$v * 2", variables={"v": -big}) == -2.0 * big


@pytest.mark.parametrize(("text", "expected"), [("1/0", "Infinity"), ("-1/0", "-Infinity"), ("0/0", "NaN")])
def test_non_finite_numbers_are_written_as_aws_writes_them(text: str, expected: str) -> None:
    assert run(text) == expected
    assert run(f"{{'k': [{text}]}}") == {"k": [expected]}


# ----------------------------------------------------------------------------- undefined, null, functions


def test_undefined_results() -> None:
    assert run("$states.input.missing", {"present": 1}) is UNDEFINED_RESULT
    assert run("$states.input.list[9]", {"list": [1]}) is UNDEFINED_RESULT
    assert run("$notAssigned") is UNDEFINED_RESULT
    assert run("$states.input.list[$ > 5]", {"list": [1, 2]}) is UNDEFINED_RESULT


def test_null_is_a_value() -> None:
    assert run("$states.input.gone", {"gone": None}) is None
    assert run("$states.input.items[0].gone", {"items": [{"gone": None}]}) is None
    assert run("null") is None
    assert run("$v", variables={"v": None}) is None
    assert run("$exists($v)", variables={"v": None}) is True
    assert run("{'a': null, 'b': [null]}") == {"a": None, "b": [None]}


def test_undefined_members_are_dropped() -> None:
    assert run("{'a': $states.input.missing, 'b': 1}") == {"b": 1}
    assert run("[$states.input.missing, 1]") == [1]


@pytest.mark.parametrize(
    "text",
    [
        "function($v) { $v }",
        "$f := function() { 1 }",
        "$uppercase",
        "$partition",
        "{'fn': $string, 'n': 1}",
        "[1, function() { 2 }]",
        "$substringBefore(?, '-')",
    ],
)
def test_function_results_are_unsupported(text: str) -> None:
    err = error_of(text)
    assert err.code == "UNSUPPORTED_RESULT"
    assert err.message == "returned an unsupported result type"


def test_functions_used_inside_are_fine() -> None:
    assert run("$map([1, 2], function($v) { $v * 10 })") == [10, 20]
    assert run("($twice := function($v) { $v * 2 }; {'x': $twice(4), 'n': null})") == {"x": 8, "n": None}


def test_empty_strings_are_not_mistaken_for_functions() -> None:
    assert run("''") == ""
    assert run("{'s': '', 'n': null, 'f': $string(1)}") == {"s": "", "n": None, "f": "1"}


# ----------------------------------------------------------------------------- $eval and errors


def test_eval_is_not_available() -> None:
    err = error_of("$eval('1 + 1')")
    assert err.code == "T1006"
    assert err.message == "T1006: Attempted to invoke a non-function"


def test_unknown_functions_fail_like_aws() -> None:
    assert error_of("$randomSeeded(3)").message == "T1006: Attempted to invoke a non-function"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$sum(['x'])", 'T0412: Argument 1 of function "sum" must be an array of "numbers"'),
        ("$lowercase(7)", 'T0410: Argument 1 of function "lowercase" does not match function signature'),
        ("2 - {}", 'T2002: The right side of the "-" operator must evaluate to a number'),
        ("'a' * 2", 'T2001: The left side of the "*" operator must evaluate to a number'),
        (
            "$split('a-b', '-', -2)",
            "D3020: Third argument of split function must evaluate to a positive number",
        ),
        ("$sqrt(-4)", "D3060: The sqrt function cannot be applied to a negative number: -4"),
        ("$number('seven')", 'D3030: Unable to cast value to a number: "seven"'),
        ("$error('stop here')", "D3137: stop here"),
        ("3 > 'b'", 'T2009: The values either side of the operator ">" must be of the same data type'),
    ],
)
def test_error_messages_read_like_jsonata_js(text: str, message: str) -> None:
    err = error_of(text)
    assert err.code == message.split(":")[0]
    assert err.message == message
    assert str(err) == message


def test_some_errors_have_no_code_in_the_cause() -> None:
    err = error_of("$replace('abc', '', 'x')")
    assert err.code == "D3010"
    assert err.message == "Second argument of replace function cannot be an empty string"
    assert not err.has_code_in_message


def test_runaway_recursion_fails_instead_of_crashing() -> None:
    err = error_of("($down := function($n) { $n = 0 ? 0 : 1 + $down($n - 1) }; $down(1000000))")
    assert err.code == "U1001"
    assert err.message.startswith("Stack overflow error")


def test_errors_pickle() -> None:
    err = error_of("$eval('1')")
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.message) == (err.code, err.message)


def test_cause_sentences() -> None:
    coded = JsonataError("T1006", "T1006: Attempted to invoke a non-function")
    assert evaluation_failure_cause("$f()", "Output/a", coded) == (
        "The JSONata expression '$f()' specified for the field 'Output/a' threw an error during evaluation. "
        "T1006: Attempted to invoke a non-function"
    )
    bare = JsonataError("D3010", "Second argument of replace function cannot be an empty string")
    assert evaluation_failure_cause("$r", "Arguments", bare).endswith(
        "threw an error during evaluation: Second argument of replace function cannot be an empty string"
    )
    unsupported = JsonataError("UNSUPPORTED_RESULT", "returned an unsupported result type")
    assert evaluation_failure_cause("$sum", "Items", unsupported) == (
        "The JSONata expression '$sum' specified for the field 'Items' returned an unsupported result type."
    )
    assert undefined_result_cause("$nothing", "Seconds") == (
        "The JSONata expression '$nothing' specified for the field 'Seconds' returned nothing (undefined)."
    )
    assert unexpected_type_cause("{'a': 1}", "Items", "array", {"a": 1}) == (
        "The JSONata expression '{'a': 1}' specified for the field 'Items' returned an unexpected result "
        "type. Expected 'array', but was 'object' for value: {\"a\":1}"
    )


# ----------------------------------------------------------------------------- $partition


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$partition(['a', 'b', 'c', 'd', 'e'], 2)", [["a", "b"], ["c", "d"], ["e"]]),
        ("$partition([7], 1)", [[7]]),
        ("$partition([7, 8], 5)", [[7, 8]]),
        ("$partition([1, 2, 3], 1)", [[1], [2], [3]]),
        ("$partition([1, 2, 3, 4, 5], 2.7)", [[1, 2], [3, 4], [5]]),
        ("$partition(['only'])", [["only"]]),
    ],
)
def test_partition(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text", ["$partition([], 3)", "$partition([1, 2], 0)", "$partition([1, 2], -0.5)", "$partition($none, 2)"]
)
def test_partition_undefined(text: str) -> None:
    assert run(text) is UNDEFINED_RESULT


def test_partition_errors() -> None:
    assert error_of("$partition([1, 2], -3)").message == "D3137: Second argument must be zero or greater"
    assert error_of("$partition('abc', 2)").code == "T0412"
    assert error_of("$partition([1, 2], 'two')").message == (
        'T0410: Argument 2 of function "partition" does not match function signature'
    )


def test_partition_reads_input() -> None:
    assert run("$partition($states.input.ids, 2)", {"ids": [10, 11, 12]}) == [[10, 11], [12]]


# ----------------------------------------------------------------------------- $range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$range(0, 6, 2)", [0, 2, 4, 6]),
        ("$range(2, 11, 4)", [2, 6, 10]),
        ("$range(5, -5, -5)", [5, 0, -5]),
        ("$range(3, 4, 7)", 3),
        ("$range(8, 8, 1)", 8),
        ("$range(-2.9, 1, 1)", [-2, -1, 0, 1]),
        ("$range(1, 4, 1.9)", [1, 2, 3, 4]),
    ],
)
def test_range(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize("text", ["$range(4, 1, 1)", "$range(1, 4, -1)", "$range(1, 4, 0)", "$range(1, 4)"])
def test_range_undefined(text: str) -> None:
    assert run(text) is UNDEFINED_RESULT


@pytest.mark.parametrize(
    ("text", "argument"), [("$range('1', 4, 1)", 1), ("$range(1)", 2), ("$range(1, 4, true)", 3)]
)
def test_range_errors(text: str, argument: int) -> None:
    assert error_of(text).message == (
        f'T0410: Argument {argument} of function "range" does not match function signature'
    )


def test_range_refuses_huge_sequences() -> None:
    assert error_of("$range(0, 1e12, 1)").code == "D2014"


# ----------------------------------------------------------------------------- $hash


@pytest.mark.parametrize(
    ("algorithm", "python_name"),
    [("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"), ("SHA-384", "sha384"), ("SHA-512", "sha512")],
)
def test_hash_algorithms(algorithm: str, python_name: str) -> None:
    text = "Grüße, Step Functions"
    expected = hashlib.new(python_name, text.encode("utf-8")).hexdigest()
    assert run(f"$hash($states.input.t, '{algorithm}')", {"t": text}) == expected


def test_hash_of_the_documented_example() -> None:
    assert run("$hash('input', 'SHA-1')") == "140f86aae51ab9e1cda9b4254fe98a74eb54c1a1"


def test_hash_errors() -> None:
    assert error_of("$hash('x', 'sha-256')").message == (
        "D3137: Hash algorithm 'sha-256' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
    )
    assert error_of("$hash(12, 'MD5')").message == (
        'T0410: Argument 1 of function "hash" does not match function signature'
    )
    assert error_of("$hash('x', 5)").message == (
        'T0410: Argument 2 of function "hash" does not match function signature'
    )
    assert run("$hash('x')") is UNDEFINED_RESULT


# ----------------------------------------------------------------------------- $random


def test_seeded_random_is_java_util_random() -> None:
    assert run("$random(42)") == 0.7275636800328681
    assert run("$random(0)") == 0.730967787376657
    assert java_random_double(42) == 0.7275636800328681


def test_seeded_random_truncates_its_seed() -> None:
    assert run("$random(42.8)") == run("$random(42)")
    assert run("$random(-3.5)") == java_random_double(-3)


def test_seeded_random_needs_a_number() -> None:
    assert error_of("$random('42')").message == (
        'T0410: Argument 1 of function "random" does not match function signature'
    )


def test_unseeded_random_follows_the_generator() -> None:
    first = run("[$random(), $random()]", rng=random.Random(11))
    again = run("[$random(), $random()]", rng=random.Random(11))
    other = run("[$random(), $random()]", rng=random.Random(12))
    assert first == again != other
    assert first[0] != first[1]
    assert all(0 <= x < 1 for x in first)


def test_generator_advances_as_for_a_single_evaluation() -> None:
    # The expression returns a null, which costs a second evaluation internally; the generator must
    # still move on exactly as far as one evaluation takes it.
    rng = random.Random(5)
    assert run("[$random(), null]", rng=rng)[1] is None
    reference = random.Random(5)
    reference.random()
    assert rng.random() == reference.random()


@given(st.integers(min_value=-(2**53), max_value=2**53))
@settings(max_examples=60, deadline=None)
def test_seeded_random_matches_java_for_any_exact_seed(seed: int) -> None:
    value = run("$random($v)", variables={"v": seed})
    assert value == java_random_double(seed)
    assert 0 <= value < 1


# ----------------------------------------------------------------------------- $uuid


def test_uuid_is_version_4() -> None:
    assert UUID4.match(run("$uuid()"))


def test_uuid_follows_the_generator() -> None:
    pair = run("[$uuid(), $uuid()]", rng=random.Random(3))
    assert pair == run("[$uuid(), $uuid()]", rng=random.Random(3))
    assert pair[0] != pair[1]
    assert all(UUID4.match(u) for u in pair)


# ----------------------------------------------------------------------------- $parse


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{"order": {"lines": [1, 2]}}', {"order": {"lines": [1, 2]}}),
        ("[true, false, null]", [True, False, None]),
        ('"text"', "text"),
        ("-0", 0),
        ("2.50", 2.5),
        ("4.0", 4),
        ("3e2", 300),
        ("  17  ", 17),
        ("18446744073709551616", 1.8446744073709552e19),
    ],
)
def test_parse(document: str, expected: Any) -> None:
    value = run("$parse($states.input.doc)", {"doc": document})
    assert value == expected
    assert type(value) is type(expected)


def test_parse_then_navigate() -> None:
    assert run("$parse($states.input.doc).order.lines[1]", {"doc": '{"order": {"lines": [5, 6]}}'}) == 6
    assert run("$map($states.input.docs, $parse).v", {"docs": ['{"v": 1}', '{"v": 2}']}) == [1, 2]


def test_parse_null_is_a_value() -> None:
    assert run("$parse('null')") is None
    assert run("$exists($parse('null'))") is True


@pytest.mark.parametrize(
    "document", ["", "{", "{'single': 1}", '{"k": 1, "k": 2}', "NaN", "[1] [2]", "1e999"]
)
def test_parse_rejects_what_is_not_json(document: str) -> None:
    assert error_of("$parse($states.input.doc)", {"doc": document}).message == "D3137: Invalid JSON"


def test_parse_argument_checks() -> None:
    assert run("$parse($states.input.missing)") is UNDEFINED_RESULT
    assert error_of("$parse(12)").message == (
        'T0410: Argument 1 of function "parse" does not match function signature'
    )


# ----------------------------------------------------------------------------- $now and $millis


def test_now_can_be_fixed() -> None:
    moment = datetime(2025, 3, 9, 10, 11, 12, 345000, tzinfo=timezone.utc)
    expr = compile_jsonata(
        "{'now': $now(), 'ms': $millis(), 'day': $now('[Y0001]-[M01]-[D01]'), 'same': $now() = $now()}"
    )
    assert expr.evaluate({}, {}, now=moment) == {
        "now": "2025-03-09T10:11:12.345Z",
        "ms": 1741515072345,
        "day": "2025-03-09",
        "same": True,
    }
    assert expr.evaluate({}, {}, now=moment.replace(tzinfo=None))["ms"] == 1741515072345


def test_now_defaults_to_the_clock() -> None:
    before = datetime.now(timezone.utc).timestamp() * 1000
    value = run("$millis()")
    after = datetime.now(timezone.utc).timestamp() * 1000
    assert before - 1 <= value <= after + 1


# ----------------------------------------------------------------------------- bindings


def test_variables_and_states() -> None:
    states = {"input": {"price": 4}, "context": {"State": {"Name": "Quote"}}, "result": {"qty": 3}}
    expr = compile_jsonata(
        "$states.context.State.Name & ': ' & $string($states.input.price * $states.result.qty * $vat)"
    )
    assert expr.evaluate(states, {"vat": 2}) == "Quote: 24"


def test_only_referenced_variables_are_looked_up() -> None:
    variables = StrictVariables({"rate": 3, "unused": {"big": list(range(1000))}})
    assert compile_jsonata("$states.input.n * $rate").evaluate({"input": {"n": 2}}, variables) == 6
    assert set(variables.asked) == {"rate"}


def test_unread_states_fields_are_never_converted() -> None:
    # the library could not convert this "context"; it is fine as long as nothing reads it
    states = {"input": {"n": 2}, "context": object()}
    assert compile_jsonata("$states.input.n + 1").evaluate(states, {}) == 3
    assert compile_jsonata("[$states.input.n]").evaluate(states, {}) == [2]


def test_states_as_a_whole() -> None:
    states = {"input": {"n": 1}, "context": {"State": {"Name": "S"}}}
    assert compile_jsonata("$states").evaluate(states, {}) == states
    assert compile_jsonata("$keys($states)").evaluate(states, {}) == ["input", "context"]


def test_variables_shadow_function_names() -> None:
    assert run("$count + 1", variables={"count": 4}) == 5
    assert run("$hash & '!'", variables={"hash": "abc"}) == "abc!"
    assert run("$count([1, 2])") == 2


def test_exact_integers_pass_through_plain_paths() -> None:
    big = 2**60 + 1  # not a double: AWS keeps a long exact
    assert run("$states.input.id", {"id": big}) == big
    assert run("$order.id", variables={"order": {"id": big}}) == big


def test_eval_replacement_does_not_disturb_parse() -> None:
    assert run("$parse('[1]')") == [1]
    assert error_of("[$parse('[1]'), $eval('2')]").code == "T1006"


def test_lambdas_see_workflow_variables() -> None:
    assert run("($f := function($v) { $v * $rate }; $f(3))", variables={"rate": 2}) == 6
    # a name the expression binds itself wins over the workflow variable, inside lambdas too
    assert run("($rate := 5; $f := function($v) { $v * $rate }; $f(3))", variables={"rate": 2}) == 15


def test_failures_inside_lambdas_keep_their_message() -> None:
    err = error_of("$map(['a', 7], function($v) { $hash($v, 'MD5') })")
    assert err.message == 'T0410: Argument 1 of function "hash" does not match function signature'


def test_non_finite_numbers_inside_lists_of_objects() -> None:
    assert run("[{'a': 1/0}, {'b': 2}]") == [{"a": "Infinity"}, {"b": 2}]


def test_unsupported_regular_expressions_fail_cleanly() -> None:
    # the library's regular expressions have no look-around; the failure is an evaluation error
    assert isinstance(error_of("$contains('abc', /(?<=a)b/)"), JsonataError)


@pytest.mark.parametrize(
    "text", ["$states.input.order", "($states.input.order)", "$states.input.order.lines[0]"]
)
def test_the_callers_objects_are_never_modified(text: str) -> None:
    data = {"order": {"lines": [{"qty": 2.0, "price": 1.5}], "total": 3.0}}
    snapshot = json.dumps(data)
    result = run(text, data)
    assert json.dumps(data) == snapshot
    assert "2.0" not in json.dumps(result) and "3.0" not in json.dumps(result)


def test_key_order_is_kept() -> None:
    rows = [{"zeta": 1, "alpha": 2}, {"alpha": 3, "mid": 4, "zeta": 5}, {"mid": 6, "zeta": 7}]
    data = {"rows": rows}
    expected = [list(row) for row in rows]
    for text in ["$states.input.rows", "($states.input.rows)", "$states.input.rows[zeta > 0]"]:
        assert [list(row) for row in run(text, data)] == expected, text
    assert [list(row) for row in run("$parse($string($states.input.rows))", data)] == expected
    chunks = run("$partition($states.input.rows, 2)", data)
    assert [list(row) for chunk in chunks for row in chunk] == expected
    assert list(run("$v.{'second': 2, 'first': 1}", variables={"v": {}})) == ["second", "first"]


def test_path_over_arrays_maps() -> None:
    data = {"lines": [{"sku": "a"}, {"sku": "b"}], "one": [{"sku": "c"}]}
    assert run("$states.input.lines.sku", data) == ["a", "b"]
    assert run("$states.input.one.sku", data) == "c"
    assert run("$states.input.`lines`", data) == data["lines"]


# ----------------------------------------------------------------------------- variables()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("($x := 1; $x + $y)", {"y"}),
        ("$states.input.a", {"states"}),
        ("$sum($states.input.prices) * $rate", {"states", "rate"}),
        ("function($a, $b) { $a + $b + $c }", {"c"}),
        ("$map($states.input.items, function($v, $i) { $v.price * $factor })", {"states", "factor"}),
        ("($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f($k))", {"k"}),
        ("($total := $total + 1)", {"total"}),
        ("($n := 2) + $n", {"n"}),
        ("[$m := 2, $m * 3]", set()),
        ("$string($v) & '$notAVariable' & \"$nor this\"", {"v"}),
        ("/* $commented */ $real", {"real"}),
        ("$match($s, /\\$not[a-z]+/)", {"s"}),
        ("$states.input.`$odd name`", {"states"}),
        ("$states.input.lines@$l.sku#$i[$i < $limit].($l.sku)", {"states", "limit"}),
        ("$uppercase", set()),
        ("$partition($range(1, $n, 1), $size)", {"n", "size"}),
        ("$x.(  $ + $$.y )", {"x"}),
        ("($f := function($v)<n:n>{ $v * $w }; $f(1))", {"w"}),
        ("($states := {'input': 1}; $states.input)", set()),
        ("$exists($a) ? $a : $b", {"a", "b"}),
        ("$states.input ~> $lookup('k')", {"states"}),
    ],
)
def test_free_variables(text: str, expected: set[str]) -> None:
    assert compile_jsonata(text).variables() == frozenset(expected)


def test_variables_rebound_in_a_nested_lambda() -> None:
    text = "($g := function($x) { ($x := $x + 1; $x * $h) }; $g($start))"
    assert compile_jsonata(text).variables() == {"h", "start"}


def test_recursion_through_a_later_binding() -> None:
    # $odd is bound after $even's body is written, but before $even is called
    text = (
        "($even := function($n) { $n = 0 ? true : $odd($n - 1) }; "
        "$odd := function($n) { $n = 0 ? false : $even($n - 1) }; $even($k))"
    )
    assert compile_jsonata(text).variables() == {"k"}
    assert run(text, variables={"k": 4}) is True


# ----------------------------------------------------------------------------- uses_states_fields()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$states.input.a", {"input"}),
        ("$states.result.Payload & $states.input.id", {"result", "input"}),
        ("$states.errorOutput.Cause", {"errorOutput"}),
        ("$states.context.Execution.Id", {"context"}),
        ("$states.`input`.a", {"input"}),
        ("$states", {"*"}),
        ("$keys($states)", {"*"}),
        ("$states[0]", {"*"}),
        ("$map([1], function($v) { $states.result })", {"result"}),
        ("'$states.result'", set()),
        ("$input.result", set()),
        ("($states := {}; $states.result)", set()),
    ],
)
def test_states_fields(text: str, expected: set[str]) -> None:
    assert compile_jsonata(text).uses_states_fields() == frozenset(expected)


# ----------------------------------------------------------------------------- properties

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False).map(float)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


def _as_jsonata_returns(value: Any) -> Any:
    """``value`` with integral doubles as ints, which is how every result comes back."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_as_jsonata_returns(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_jsonata_returns(v) for k, v in value.items()}
    return value


@given(JSON_VALUES.filter(lambda v: not isinstance(v, str)))  # $string leaves a string as it is
@settings(max_examples=150, deadline=None)
def test_parse_inverts_string(value: Any) -> None:
    result = run("$parse($string($v))", variables={"v": value})
    assert result == _as_jsonata_returns(value)
    assert json.dumps(result) == json.dumps(_as_jsonata_returns(value))


PATH_KEYS = st.sampled_from(["a", "b", "c"])
NESTED = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(PATH_KEYS, children, max_size=3),
    max_leaves=10,
)


@given(NESTED, st.lists(PATH_KEYS, max_size=4))
@settings(max_examples=200, deadline=None)
def test_plain_paths_agree_with_the_library(document: Any, steps: list[str]) -> None:
    path = "".join("." + step for step in steps)
    direct = run(f"$states.input{path}", document)  # answered without the library when it can be
    through_library = run(f"($states.input{path})", document)
    assert direct == through_library
    assert json.dumps(direct, default=repr) == json.dumps(through_library, default=repr)


@given(JSON_VALUES)
@settings(max_examples=100, deadline=None)
def test_identity_round_trips_json(value: Any) -> None:
    result = run("$states.input", value)
    assert result == _as_jsonata_returns(value)
    assert json.dumps(result) == json.dumps(_as_jsonata_returns(value))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "$partition([1, 2, 3], 2, 99)",
            'Argument 3 of function "partition" does not match function signature',
        ),
        ("$range(1, 5, 1, 99)", 'Argument 4 of function "range" does not match function signature'),
        ('$hash("a", "MD5", 1)', 'Argument 3 of function "hash" does not match function signature'),
        ("$random(77, 88)", 'Argument 2 of function "random" does not match function signature'),
        ("$uuid(null)", 'Argument 1 of function "uuid" does not match function signature'),
        ('$parse("{}", 1)', 'Argument 2 of function "parse" does not match function signature'),
    ],
)
def test_aws_functions_refuse_extra_arguments(text: str, message: str) -> None:
    error = error_of(text)
    assert (error.code, error.message) == ("T0410", f"T0410: {message}")


def test_higher_order_functions_pass_aws_functions_only_what_they_take() -> None:
    assert run('$map(["1", "[2]"], $parse)') == [1, [2]]


# ----------------------------------------------------------------------------- expressions that could take the process down


def test_a_string_that_doubles_in_a_recursive_function_fails_instead_of_aborting() -> None:
    error = error_of("($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 40))")
    assert "Out of memory" in error.message


def test_a_pad_too_wide_to_allocate_fails_instead_of_panicking() -> None:
    error = error_of("$pad('', 1000000000, 'x')")
    assert error.code == "D3137"
    assert "$pad" in error.message


def test_pad_behaves_as_jsonatas_below_the_bound() -> None:
    assert run("$pad('ab', 5)") == "ab   "
    assert run("$pad('ab', -5, '#')") == "###ab"
    assert run("$pad('abc', 2)") == "abc"
    assert run("$pad($states.input.none, 5)") is UNDEFINED_RESULT
    assert error_of("$pad('a', '5')").code == "T0410"


def test_replace_and_join_refuse_results_too_long_to_build_instead_of_aborting() -> None:
    # a megabyte put in place of each of its own characters, or joined a thousand times over
    error = error_of("($s := $pad('', 1000000, 'x'); $replace($s, 'x', $s))")
    assert error.code == "D3137" and "$replace" in error.message
    error = error_of("($s := $pad('', 1000000, 'x'); $join([1..1000].($s)))")
    assert error.code == "D3137" and "$join" in error.message
    assert error_of("$join([1..100000].$string(), $pad('', 1000000, '-'))").code == "D3137"


def test_replace_and_join_behave_as_jsonatas_below_the_bound() -> None:
    assert run("$replace('a-b-c', '-', '+')") == "a+b+c"
    assert run("$replace('a-b-c', '-', '+', 1)") == "a+b-c"
    assert run("$replace('a-b', /-/, function($m) { '#' })") == "a#b"
    assert run("'a-b' ~> $replace('-', '')") == "ab"
    assert run("$replace($states.input.none, 'a', 'b')") is UNDEFINED_RESULT
    assert run("$join(['x', 'y'])") == "xy"
    assert run("['x', 'y'] ~> $join('|')") == "x|y"
    assert run("$join('x')") == "x"
    assert error_of("$join([1, 2])").code == "T0412"


def test_writing_out_an_array_of_one_repeated_megabyte_fails_instead_of_aborting() -> None:
    # five thousand references to one string cost nothing until & or $string writes each one out
    for text in (
        "($s := $pad('', 1000000, 'x'); $length(([1..5000].($s)) & ''))",
        "($s := $pad('', 1000000, 'x'); $length($string([1..5000].($s))))",
    ):
        assert "Out of memory" in error_of(text).message
    assert run("$string([1..3].('ab')) & '!'") == '["ab","ab","ab"]!'
    assert not compile_jsonata("'Hello ' & $states.input.name")._recursive  # plain text stays here


def test_ranges_are_built_where_running_out_of_memory_cannot_abort_the_process() -> None:
    assert not compile_jsonata("$count([1..3])")._recursive  # small literal ranges stay here
    assert compile_jsonata("$count([1..$states.input])")._recursive  # up to ten million items
    assert compile_jsonata("$count($append([1..900000], [1..900000]))")._recursive
    assert run("$count($append([1..3], [1..2]))") == 5
    message = error_of("$count($append([1..9000000], [1..9000000]))").message
    assert "Out of memory" in message or "timeout" in message  # whichever limit the child meets first


def test_distinct_runs_where_its_time_limit_can_stop_it() -> None:
    # its pairwise comparison is one native call: in this process no limit could interrupt it
    expression = compile_jsonata("$distinct($states.input)")
    assert expression._recursive  # evaluated in a child process, which is ended at the time limit
    assert expression.evaluate({"input": [1, 2, 2, "a", "a"]}, {}) == [1, 2, "a"]
    assert not compile_jsonata("$count($states.input)")._recursive


def test_recursive_functions_still_compute_and_draw_random_numbers_in_order() -> None:
    assert run("($f := function($n) { $n = 0 ? 1 : $n * $f($n - 1) }; $f(10))") == 3628800
    text = "($f := function($n) { $n = 0 ? [] : $append($f($n - 1), $random()) }; $f(2))"
    first, second = random.Random(7), random.Random(7)
    expected = [second.random(), second.random()]
    assert compile_jsonata(text).evaluate({"input": {}}, {}, first) == expected
    assert first.getstate() == second.getstate()  # the draws made elsewhere advance this generator


def test_an_evaluation_past_its_first_slice_still_ends_with_its_value() -> None:
    assert run("$count([1..3000000].($ * 2)[$ % 3 = 0])") == 1000000


def test_ctrl_c_stops_a_long_evaluation() -> None:
    import os
    import signal
    import threading

    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run("$reduce([1..6000000], function($a, $b) { $a + $b })")  # long, in bounded memory
    finally:
        timer.cancel()


def test_a_value_nested_deeper_than_python_recurses_fails_the_expression() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = {"a": deep}
    error = error_of("[$states.input.x, 1]", {"x": deep})
    assert "nested too deeply" in error.message


def test_an_expression_evaluates_in_any_thread_and_in_a_child_forked_from_one() -> None:
    import threading

    plain = compile_jsonata("$sum($states.input.n.($ * 2))")
    recursive = compile_jsonata("($f := function($n) { $n = 0 ? 0 : $n + $f($n - 1) }; $f($states.input.k))")
    results: list[Any] = []

    def work() -> None:
        results.append(plain.evaluate({"input": {"n": [1, 2]}}, {}))
        results.append(recursive.evaluate({"input": {"k": 4}}, {}))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    work()  # and again here, where both were compiled
    assert results == [6, 10, 6, 10]
