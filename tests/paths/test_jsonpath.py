"""Tests for sfn_notebook.paths.jsonpath: Jayway semantics as AWS applies them, ResultPath updates.

The expected values and error messages were checked against Jayway json-path 2.10.0 (the library behind
AWS's JSONPath) and, where AWS deviates from plain Jayway, against executions recorded on AWS.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfn_notebook.errors import PathError
from sfn_notebook.paths.jsonpath import ROOT, JsonPath, PathNotFound, UpdateFailed, compile_path, is_path
from tests.builders import json_documents

BOOKS: dict[str, Any] = {
    "books": [
        {"t": "a", "p": 8, "isbn": "1", "tags": ["x"]},
        {"t": "b", "p": 12, "tags": []},
        {"t": "c", "p": 30, "isbn": "2", "tags": ["x", "y"]},
    ],
    "max": 20,
}

JACKSON = (
    "This is not a json object according to the JsonProvider: "
    "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."
)


def not_found(path: str, doc: Any) -> str:
    """The message of the PathNotFound that evaluating ``path`` on ``doc`` must raise."""
    with pytest.raises(PathNotFound) as info:
        compile_path(path).get(doc)
    return str(info.value)


def syntax_error(text: str) -> PathError:
    with pytest.raises(PathError) as info:
        compile_path(text)
    assert info.value.expression == text
    return info.value


# ----------------------------------------------------------------------------- definite paths


@pytest.mark.parametrize(
    ("path", "doc", "expected"),
    [
        ("$", {"a": 1}, {"a": 1}),
        ("$", 5, 5),
        ("$.a", {"a": 1}, 1),
        ("$.a", {"a": None}, None),
        ("$.a.b", {"a": {"b": [1, 2]}}, [1, 2]),
        ("$.a[0]", {"a": ["x", "y"]}, "x"),
        ("$.a[-1]", {"a": ["x", "y"]}, "y"),
        ("$[0]", [7, 8], 7),
        ("$['a b'].c", {"a b": {"c": 3}}, 3),
        ("$['a.b']", {"a.b": 1}, 1),
        ('$["a"]', {"a": 1}, 1),
        ("$.order.items[1].sku", {"order": {"items": [{"sku": "A"}, {"sku": "B"}]}}, "B"),
        ("$.a-b", {"a-b": 1}, 1),
        ("$.größe", {"größe": 42}, 42),
        ("$.a.length()", {"a": [1, 2, 3]}, 3),
        ("$.a[0].tags.length()", {"a": [{"tags": ["x"]}]}, 1),
    ],
)
def test_definite_path_returns_the_single_value(path: str, doc: Any, expected: Any) -> None:
    compiled = compile_path(path)
    assert compiled.definite
    assert compiled.get(doc) == expected


def test_definite_path_returns_the_node_itself_not_a_copy() -> None:
    inner = {"b": 1}
    assert compile_path("$.a").get({"a": inner}) is inner


@pytest.mark.parametrize(
    ("path", "doc", "message"),
    [
        # a missing leaf: Jayway's "No results"; a missing step before the leaf: "Missing property"
        ("$.a", {}, "No results for path: $['a']"),
        ("$.NoSuchOutputPath", {"int-literal": 0}, "No results for path: $['NoSuchOutputPath']"),
        ("$.a.b", {}, "Missing property in path $['a']"),
        ("$.no.such.result.path", {}, "Missing property in path $['no']"),
        ("$.a.b.c", {"a": {}}, "Missing property in path $['a']['b']"),
        ("$.a[5]", {"a": [1]}, "No results for path: $['a'][5]"),
        ("$.a[-5]", {"a": [1, 2]}, "No results for path: $['a'][-5]"),
        ("$.a[5].b", {"a": [1]}, "No results for path: $['a'][5]['b']"),
        ("$.a[0].b", {"a": []}, "No results for path: $['a'][0]['b']"),
        ("$['a b']", {}, "No results for path: $['a b']"),
        ("$.a[0]", {"a": None}, "The path $['a'] is null"),
    ],
)
def test_definite_path_that_selects_nothing_raises_jayways_message(path: str, doc: Any, message: str) -> None:
    assert not_found(path, doc) == message


@pytest.mark.parametrize(
    ("path", "doc", "java_class"),
    [
        ("$.a.b", {"a": 1}, "java.lang.Integer"),
        ("$.a.b", {"a": 1.5}, "java.lang.Double"),
        ("$.a.b", {"a": "s"}, "java.lang.String"),
        ("$.a.b", {"a": True}, "java.lang.Boolean"),
        ("$.x.y", {"x": [1]}, "java.util.ArrayList"),
        ("$.a", [], "java.util.ArrayList"),
    ],
)
def test_property_of_a_non_object_names_the_java_class_like_jayway(
    path: str, doc: Any, java_class: str
) -> None:
    compiled = compile_path(path)
    parent = compiled.normalized().rsplit("[", 1)[0]
    last = "[" + compiled.normalized().rsplit("[", 1)[1]
    expected = f"Expected to find an object with property {last} in path {parent} but found '{java_class}'."
    assert not_found(path, doc) == f"{expected} {JACKSON}"


def test_index_of_a_non_array_is_reported_as_a_filter_on_arrays() -> None:
    message = not_found("$.x[0]", {"x": {"0": 1}})
    assert message.startswith("Filter: [0] can only be applied to arrays. Current context is: ")


def test_find_and_exists_never_raise_for_definite_paths() -> None:
    path = compile_path("$.a.b")
    assert path.find({}) == []
    assert path.find({"a": {"b": None}}) == [None]
    assert not path.exists({})
    assert not path.exists({"a": 3})
    assert path.exists({"a": {"b": None}})


# ----------------------------------------------------------------------------- indefinite paths


@pytest.mark.parametrize(
    ("path", "doc", "expected"),
    [
        ("$.books[*].t", BOOKS, ["a", "b", "c"]),
        ("$.books[*].isbn", BOOKS, ["1", "2"]),
        ("$[*]", {"x": 1, "y": 2}, [1, 2]),
        ("$.*", [1, 2], [1, 2]),
        ("$..t", BOOKS, ["a", "b", "c"]),
        ("$..b", {"a": {"b": 1}, "b": 2, "c": [{"b": 3}]}, [2, 1, 3]),
        ("$..books[1].t", BOOKS, ["b"]),
        ("$.a[1:]", {"a": [1, 2, 3]}, [2, 3]),
        ("$.a[:2]", {"a": [1, 2, 3]}, [1, 2]),
        ("$.a[-2:]", {"a": [1, 2, 3]}, [2, 3]),
        ("$.a[5:9]", {"a": [1, 2, 3]}, []),
        ("$.books[0:1].t", BOOKS, ["a"]),
        ("$.a[0,1]", {"a": [1]}, [1]),
        ("$.a[1,0]", {"a": [1, 2]}, [2, 1]),
        ("$.a[0,5]", {"a": [1, 2]}, [1]),
        ("$['a','b'].c", {"a": {"c": 1}, "b": {"c": 2}}, [1, 2]),
        ("$.books[?(@.p > 10)].t", BOOKS, ["b", "c"]),
        ("$.books[?(@.p > 10 && @.p < $.max)].t", BOOKS, ["b"]),
        ("$.books[?(@.p < 10 || @.p > 20)].t", BOOKS, ["a", "c"]),
        ("$.books[?(@.isbn)].t", BOOKS, ["a", "c"]),
        ("$.books[?(!@.isbn)].t", BOOKS, ["b"]),
        ("$.books[?(@.t == 'b')].p", BOOKS, [12]),
        ("$.books[?(@.t != 'b')].p", BOOKS, [8, 30]),
        ("$.books[?(@.p >= 12)].t", BOOKS, ["b", "c"]),
        ("$.books[?(@.p == 12.0)].t", BOOKS, ["b"]),
        ("$.books[?(@.t =~ /[ab]/)].p", BOOKS, [8, 12]),
        ("$.books[?(@.t in ['a','c'])].p", BOOKS, [8, 30]),
        ("$.books[?(@.t nin ['a','c'])].p", BOOKS, [12]),
        ("$.books[?(@.tags size 2)].t", BOOKS, ["c"]),
        ("$.books[?(@.tags empty true)].t", BOOKS, ["b"]),
        ("$.books[?(@.tags contains 'y')].t", BOOKS, ["c"]),
        ("$.books[?(@.nope > 1)].t", BOOKS, []),
        ("$.users[?(@.status == 0)]", {"users": [{"status": 0}, {"status": 1}]}, [{"status": 0}]),
    ],
)
def test_indefinite_path_returns_every_match_as_a_list(path: str, doc: Any, expected: Any) -> None:
    compiled = compile_path(path)
    assert not compiled.definite
    assert not compiled.is_reference
    assert compiled.get(doc) == expected


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        # recorded on AWS: "item.$": "$.item.items[*]" (and the slices) on {} gives "item": [], where plain
        # Jayway would raise "Missing property in path $['item']"; the other indefinite forms follow suit
        ("$[*]", {}),
        ("$.items[*]", {}),
        ("$.item.items[*]", {}),
        ("$.item.items[1:]", {}),
        ("$.item.items[:1]", {}),
        ("$.item.items[1:5].itemValue", {}),
        ("$.items[1:].itemValue", {}),
        ("$.a..b", {}),
        ("$.a[?(@.b)]", {}),
        ("$.a[0,1]", {}),
        ("$.a[*]", {"a": 5}),
        ("$.a[*]", {"a": None}),
        ("$.a[*].b", {"a": [{}, 3, None]}),
        ("$.books[?(@.p > 100)]", BOOKS),
    ],
)
def test_indefinite_path_that_selects_nothing_gives_an_empty_list(path: str, doc: Any) -> None:
    compiled = compile_path(path)
    assert compiled.get(doc) == []
    assert compiled.find(doc) == []
    assert not compiled.exists(doc)


def test_indefinite_path_skips_items_missing_a_property_like_jayway() -> None:
    assert compile_path("$.a[*].b").get({"a": [{"b": 1}, {}]}) == [1]
    assert compile_path("$.a[*].b.c").get({"a": [{"b": {"c": 1}}, {"b": 2}]}) == [1]


def test_filter_can_compare_with_the_document_root() -> None:
    doc = {"limit": 10, "xs": [{"v": 5}, {"v": 15}]}
    assert compile_path("$.xs[?(@.v < $.limit)].v").get(doc) == [5]


# ----------------------------------------------------------------------------- names, roots, escapes


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("$['a\\'b']", "a\\'b"),
        ("$['a\\.b']", "a\\.b"),
        ("$['a\\\\b']", "a\\\\b"),
        ('$[\'Test\\""Name"\']', 'Test\\""Name"'),
    ],
)
def test_bracket_names_keep_escapes_verbatim(path: str, key: str) -> None:
    # AWS (unlike plain Jayway) matches the characters between the quotes as written: recorded on AWS,
    # "$['Test\\\"\"Name\"']" selects the key Test\""Name" of the input
    assert compile_path(path).get({key: "found"}) == "found"
    unescaped = key.replace("\\", "")
    if unescaped != key:
        with pytest.raises(PathNotFound):
            compile_path(path).get({unescaped: "found"})


@pytest.mark.parametrize(
    ("path", "root", "is_context", "is_variable"),
    [
        ("$", "$", False, False),
        ("$.a", "$", False, False),
        ("$$", "$$", True, False),
        ("$$.Execution.Id", "$$", True, False),
        ("$$.Map.Item.Value", "$$", True, False),
        ("$order", "order", False, True),
        ("$order.items[0].sku", "order", False, True),
        ("$_x1['k']", "_x1", False, True),
        ("$größe.a", "größe", False, True),
    ],
)
def test_roots(path: str, root: str, is_context: bool, is_variable: bool) -> None:
    compiled = compile_path(path)
    assert compiled.root == root
    assert compiled.is_context is is_context
    assert compiled.is_variable is is_variable


def test_variable_and_context_paths_apply_to_the_document_they_are_given() -> None:
    order = {"items": [{"sku": "A1"}]}
    assert compile_path("$order.items[0].sku").get(order) == "A1"
    assert compile_path("$order").get(order) is order
    context = {"Execution": {"Id": "arn:exec"}}
    assert compile_path("$$.Execution.Id").get(context) == "arn:exec"
    assert compile_path("$$.Execution.Name").find(context) == []
    assert not_found("$x.missing", {}) == "No results for path: $['missing']"


def test_variable_paths_can_be_reference_paths() -> None:
    path = compile_path("$order.items[0]")
    assert path.is_reference and path.definite


@pytest.mark.parametrize(
    ("path", "normalized"),
    [
        ("$", "$"),
        ("$.a.b[0]", "$['a']['b'][0]"),
        ("$['a b'][-1]", "$['a b'][-1]"),
        ('$["a"]', "$['a']"),
        ("$.a[*]", "$['a'][*]"),
        ("$.*", "$[*]"),
        ("$..a", "$..['a']"),
        ("$.a[1:3]", "$['a'][1:3]"),
        ("$.a[:3]", "$['a'][:3]"),
        ("$.a[0,1]", "$['a'][0,1]"),
        ("$['a','b']", "$['a','b']"),
        ("$.a.length()", "$['a'].length()"),
        ("$$.Execution.Id", "$['Execution']['Id']"),
    ],
)
def test_normalized_is_jayways_canonical_spelling(path: str, normalized: str) -> None:
    assert compile_path(path).normalized() == normalized


# ----------------------------------------------------------------------------- reference paths


@pytest.mark.parametrize(
    ("path", "reference", "definite"),
    [
        ("$", True, True),
        ("$.a.b", True, True),
        ("$['a'][0]['b c']", True, True),
        ("$.a[-1]", True, True),
        ("$x.a", True, True),
        ("$.a.length()", False, True),
        ("$.a[*]", False, False),
        ("$..a", False, False),
        ("$.a[0:1]", False, False),
        ("$.a[0,1]", False, False),
        ("$['a','b']", False, False),
        ("$.a[?(@.b)]", False, False),
    ],
)
def test_reference_and_definite_classification(path: str, reference: bool, definite: bool) -> None:
    compiled = compile_path(path)
    assert compiled.is_reference is reference
    assert compiled.definite is definite


# ----------------------------------------------------------------------------- update (ResultPath)


@pytest.mark.parametrize(
    ("path", "doc", "value", "expected"),
    [
        ("$", {"a": 1}, {"r": 1}, {"r": 1}),
        ("$", {"a": 1}, 7, 7),
        ("$.a", {"a": 1, "b": 2}, 9, {"a": 9, "b": 2}),
        ("$.r", {"a": 1}, [1], {"a": 1, "r": [1]}),
        ("$.a.b", {"a": {"x": 1}}, 5, {"a": {"x": 1, "b": 5}}),
        ("$.a.b.c", {}, 5, {"a": {"b": {"c": 5}}}),
        ("$['a b'].c", {}, None, {"a b": {"c": None}}),
        ("$.a[1]", {"a": [1, 2]}, 5, {"a": [1, 5]}),
        ("$.a[-1]", {"a": [1, 2]}, 5, {"a": [1, 5]}),
        ("$.a[0].b", {"a": [{}]}, 5, {"a": [{"b": 5}]}),
    ],
)
def test_update_places_the_value_and_creates_missing_objects(
    path: str, doc: Any, value: Any, expected: Any
) -> None:
    before = copy.deepcopy(doc)
    assert compile_path(path).update(doc, value) == expected
    assert doc == before


def test_update_keeps_key_order_and_replaces_in_place() -> None:
    out = compile_path("$.a").update({"a": 1, "b": 2}, 3)
    assert list(out) == ["a", "b"]
    out = compile_path("$.c").update({"a": 1, "b": 2}, 3)
    assert list(out) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        ("$.a.b", {"a": 1}),
        ("$.a.b", {"a": None}),
        ("$.a.b", {"a": [1]}),
        ("$.a", [1]),
        ("$.a", "text"),
        ("$.a[3]", {"a": [1]}),
        ("$.a[0]", {"a": {"0": 1}}),
    ],
)
def test_update_across_a_non_object_fails_without_mutating(path: str, doc: Any) -> None:
    before = copy.deepcopy(doc)
    with pytest.raises(UpdateFailed) as info:
        compile_path(path).update(doc, 1)
    assert path in str(info.value)
    assert doc == before


@pytest.mark.parametrize("path", ["$.a[*]", "$..a", "$.a[0:1]", "$.a[?(@.b)]", "$.a.length()"])
def test_update_needs_a_reference_path(path: str) -> None:
    with pytest.raises(UpdateFailed, match="not a reference path"):
        compile_path(path).update({"a": [{"b": 1}]}, 1)


def test_update_message_for_an_index_into_a_missing_array_mentions_an_array() -> None:
    with pytest.raises(UpdateFailed) as info:
        compile_path("$.a[0]").update({}, 1)
    assert "array" in str(info.value)


def test_root_update_returns_the_value_itself() -> None:
    value = {"r": 1}
    assert ROOT.update({"a": 1}, value) is value


def test_update_shares_untouched_subtrees_but_copies_the_path() -> None:
    doc = {"a": {"b": 1}, "keep": {"big": [1, 2, 3]}}
    out = compile_path("$.a.c").update(doc, 2)
    assert out["a"] is not doc["a"]
    assert out["keep"] == doc["keep"]
    assert doc == {"a": {"b": 1}, "keep": {"big": [1, 2, 3]}}


# ----------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("a.b", 0),
        ("", 0),
        ("$.", 2),
        ("$.a[", 3),
        ("$.a[x]", 3),
        ("$['a", 2),
        ("$.a b", 3),
        ("$.a[?(@.x", None),
        ("$[1:2:3]", 1),
        ("$.a.b()x", None),
    ],
)
def test_malformed_paths_raise_path_error_with_a_position(text: str, position: int | None) -> None:
    error = syntax_error(text)
    assert error.message
    if position is not None:
        assert error.position == position
    assert text in str(error)


def test_path_error_shows_a_caret_under_the_problem() -> None:
    error = syntax_error("$.a[x]")
    assert str(error).splitlines()[-1] == "     ^"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$", True),
        ("$.a[0]", True),
        ("$$.Execution", True),
        ("$x", True),
        ("a", False),
        ("$.a[", False),
        (3, False),
    ],
)
def test_is_path(value: Any, expected: bool) -> None:
    assert is_path(value) is expected


def test_compiled_paths_compare_by_text_and_are_cached() -> None:
    assert compile_path("$.a") == compile_path("$.a")
    assert compile_path("$.a") is compile_path("$.a")
    assert compile_path("$.a") != compile_path("$['a']")
    assert hash(compile_path("$.a")) == hash("$.a")
    assert str(compile_path("$.a")) == "$.a"
    assert isinstance(ROOT, JsonPath) and ROOT.text == "$"


# ----------------------------------------------------------------------------- properties

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3)
)
# names that can sit between quotes without escapes ("'" ends the name, "\" keeps the next character)
names = st.text(st.characters(blacklist_characters="'\\", blacklist_categories=("Cs",)), max_size=4)
json_values = json_documents(scalars, keys=names, max_leaves=8)
steps = st.lists(names | st.integers(-4, 4), max_size=4)


def path_text(keys: list[str | int]) -> str:
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f"['{k}']" for k in keys)


def naive_get(doc: Any, keys: list[str | int]) -> Any:
    """Walk the document by hand; KeyError when a step does not exist."""
    node = doc
    for key in keys:
        if not isinstance(node, (dict, list)) or not _has(node, key):
            raise KeyError(key)
        node = node[key]
    return node


@st.composite
def doc_and_steps(draw: st.DrawFn) -> tuple[Any, list[str | int]]:
    """A document and steps that mostly follow its structure (sometimes leaving it)."""
    doc = draw(json_values)
    keys: list[str | int] = []
    node = doc
    for _ in range(draw(st.integers(0, 4))):
        if isinstance(node, dict) and node and draw(st.booleans()):
            key: str | int = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node and draw(st.booleans()):
            key = draw(st.integers(-len(node), len(node) - 1))
        else:
            key = draw(names | st.integers(-4, 4))
        keys.append(key)
        node = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None
    return doc, keys


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(key, str) and key in node
    return isinstance(key, int) and -len(node) <= key < len(node)


@settings(max_examples=100, deadline=None)
@given(doc_and_steps())
def test_get_on_reference_paths_equals_a_naive_walk(case: tuple[Any, list[str | int]]) -> None:
    doc, keys = case
    path = compile_path(path_text(keys))
    assert path.is_reference and path.definite
    try:
        expected = naive_get(doc, keys)
    except KeyError:
        with pytest.raises(PathNotFound):
            path.get(doc)
        assert path.find(doc) == []
        assert not path.exists(doc)
    else:
        assert path.get(doc) is expected
        assert path.find(doc) == [expected]
        assert path.exists(doc)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(names, json_values, max_size=4), st.lists(names, min_size=1, max_size=4), json_values)
def test_update_then_get_returns_the_value(doc: dict[str, Any], keys: list[str], value: Any) -> None:
    path = compile_path(path_text(list(keys)))
    try:
        updated = path.update(doc, value)
    except UpdateFailed:
        # only when a step of the path crosses something that is not an object
        node: Any = doc
        for key in keys[:-1]:
            if not isinstance(node, dict):
                break
            node = node.get(key, {})
        assert not isinstance(node, dict)
        return
    assert path.get(updated) is value


@settings(max_examples=60, deadline=None)
@given(json_values, steps, json_values)
def test_update_never_mutates_the_document(doc: Any, keys: list[str | int], value: Any) -> None:
    before = copy.deepcopy(doc)
    path = compile_path(path_text(keys))
    try:
        updated = path.update(doc, value)
    except UpdateFailed:
        updated = None
    assert doc == before
    if keys and updated is not None:
        assert path.get(updated) is value


identifiers = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("abcxyzABC_"),
    st.text("abcxyz_0123456789", max_size=5),
)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(identifiers, scalars, min_size=1, max_size=4))
def test_dot_and_bracket_notation_agree(doc: dict[str, Any]) -> None:
    for key in doc:
        assert compile_path(f"$.{key}").get(doc) is compile_path(f"$['{key}']").get(doc) is doc[key]


@pytest.mark.parametrize(
    ("path", "doc", "expected"),
    [
        ("$.[0]", [7, 8], 7),
        ("$.a.[1].b", {"a": [{}, {"b": 2}]}, 2),
        ("$.[?(@.n > 1)]", [{"n": 1}, {"n": 2}], [{"n": 2}]),
    ],
)
def test_a_dot_before_a_bracket_is_read_as_the_bracket_like_jayway(
    path: str, doc: Any, expected: Any
) -> None:
    assert compile_path(path).get(doc) == expected


def test_a_bare_word_in_a_filter_compares_as_that_string() -> None:
    doc = [{"lang": "es", "text": "hola"}, {"lang": "fr", "text": "salut"}]
    assert compile_path("$[?(@.lang==es)].text").get(doc) == ["hola"]


def nested(depth: int) -> Any:
    value: Any = {"a": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_scan_and_a_filter_reach_values_of_any_depth() -> None:
    deep = nested(5000)
    assert len(compile_path("$..a").get(deep)) == 5001
    assert compile_path("$.x[?(@ == $.y)]").get({"x": [deep, 1], "y": nested(5000)}) == [deep]


def test_whitespace_around_a_path_is_trimmed_like_jayway() -> None:
    assert compile_path("$.a ").get({"a": 1}) == 1
    assert compile_path("$$.Execution.Name\n").root == "$$"


@pytest.mark.jsonata  # the linear-time engine is the JSONata library's
def test_a_regex_with_nested_repetition_matches_in_linear_time() -> None:
    # Python's backtracking engine would try 2**50000 ways to split the a's before giving up
    doc = [{"s": "a" * 50_000 + "c"}, {"s": "aaab"}, {"s": "AAAB"}]
    assert compile_path("$[?(@.s =~ /(a+)+b/)].s").get(doc) == ["aaab"]
    assert compile_path("$[?(@.s =~ /(a|aa)*b/i)].s").get(doc) == ["aaab", "AAAB"]
    assert compile_path("$[?(@.s =~ /(a)\\1+b/)].s").get([{"s": "aab"}]) == ["aab"]  # a back reference


def test_a_backtracking_regex_that_runs_too_long_fails_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # a back reference keeps Python's engine, which would try every way of splitting forty a's
    from sfn_notebook.paths import jsonpath

    monkeypatch.setattr(jsonpath, "REGEX_SECONDS", 0.5)
    path = compile_path("$[?(@.s =~ /(a*)*\\1b/)].s")
    with pytest.raises(PathNotFound, match=r"took longer than 0\.5 seconds"):
        path.get([{"s": "a" * 40}])
    assert path.get([{"s": "aab"}, {"s": "a" * 20 + "b"}, {"s": "ab"}]) == ["aab", "a" * 20 + "b", "ab"]
    assert path.get([{"s": "a" * 20 + "c"}]) == []  # no match, found in moments
