"""Choice rules: evaluate a compiled rule tree against the state's effective input.

Operators are a table of small functions, not a chain of ``if "StringEquals" in rule``.
A comparison whose operand has the wrong type is simply false, as on AWS.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .._json import is_number
from ..asl import model as m
from ..asl.parser import parse_timestamp
from ..paths.jsonpath import JsonPath, PathNotFound
from .dataflow import Env, runtime_error

__all__ = ["evaluate_condition"]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _string(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and compare(a, b)


def _numeric(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: is_number(a) and is_number(b) and compare(a, b)


def _timestamp(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(a: Any, b: Any) -> bool:
        left, right = parse_timestamp(a), parse_timestamp(b)
        return left is not None and right is not None and compare(left, right)

    return test


def _boolean_equals(a: Any, b: Any) -> bool:
    return isinstance(a, bool) and isinstance(b, bool) and a == b


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {"BooleanEquals": _boolean_equals}
for _suffix, _cmp in _ORDER.items():
    _OPERATORS["String" + _suffix] = _string(_cmp)
    _OPERATORS["Numeric" + _suffix] = _numeric(_cmp)
    _OPERATORS["Timestamp" + _suffix] = _timestamp(_cmp)

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}


def _lookup(path: JsonPath, doc: Any, env: Env) -> Any:
    root = path.root
    target = doc if root == "$" else env.context() if root == "$$" else env.variable(root)
    return path.get(target)


def _test(rule: m.DataTest, doc: Any, env: Env) -> bool:
    op = rule.operator
    if op == "IsPresent":
        try:
            _lookup(rule.variable, doc, env)
            present = True
        except PathNotFound:
            present = False
        return present is rule.value
    try:
        value = _lookup(rule.variable, doc, env)
    except PathNotFound as exc:
        raise runtime_error(f"Invalid path '{rule.variable.text}' : {exc}") from None
    type_test = _TYPE_TESTS.get(op)
    if type_test is not None:
        return type_test(value) is rule.value
    if op == "StringMatches":
        return isinstance(value, str) and rule.pattern is not None and glob_matches(rule.pattern, value)
    expected = rule.value
    if rule.by_path:
        try:
            expected = _lookup(expected, doc, env)
        except PathNotFound as exc:
            raise runtime_error(f"Invalid path '{expected.text}' : {exc}") from None
    return _OPERATORS[op](value, expected)


def evaluate_condition(rule: m.Condition, doc: Any, env: Env) -> bool:
    """Whether a JSONPath Choice rule (DataTest or And/Or/Not tree) holds for ``doc``."""
    if type(rule) is m.DataTest:
        return _test(rule, doc, env)
    if type(rule) is m.BoolRule:
        if rule.operator == "And":
            return all(evaluate_condition(r, doc, env) for r in rule.rules)
        if rule.operator == "Or":
            return any(evaluate_condition(r, doc, env) for r in rule.rules)
        return not evaluate_condition(rule.rules[0], doc, env)
    raise AssertionError(f"not a JSONPath rule: {rule!r}")


def glob_matches(pieces: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` matches a StringMatches glob given as the literal pieces between its '*'s.

    Linear in the text: the first piece must start it and the last end it; each piece between is
    taken at its first place after the one before (with '*' the only wildcard, the leftmost choice
    never loses a match), so no position is tried twice.

    >>> glob_matches(("", "a", "b"), "xxaxxb"), glob_matches(("log-", ".txt"), "log-1.txt.gz")
    (True, False)
    """
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return text == first
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    pos, end = len(first), len(text) - len(last)
    for piece in pieces[1:-1]:
        found = text.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True
