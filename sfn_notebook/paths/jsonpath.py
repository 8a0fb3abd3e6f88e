"""JSONPath as Step Functions evaluates it (Jayway semantics), parsed once into immutable paths.

A path starts at one of three roots:

* ``$``  the state's input (or whatever document the field applies to),
* ``$$`` the context object,
* ``$name`` a workflow variable (``$order.items[0]``).

:func:`compile_path` turns the text into a :class:`JsonPath`.  Paths made only of ``.name``,
``['name']`` and ``[n]`` steps are *reference paths* (one node at most, usable as ``ResultPath``);
everything else (``*``, ``..``, slices, unions, filters) is *indefinite* and always yields a list,
exactly as Jayway, the library behind AWS's JSONPath, does.

>>> p = compile_path("$.order.items[0].sku")
>>> p.get({"order": {"items": [{"sku": "A1"}]}})
'A1'
>>> compile_path("$.items[*].id").get({"items": [{"id": 1}, {"id": 2}]})
[1, 2]
>>> compile_path("$.a.b").update({"a": {"x": 1}}, 5)
{'a': {'x': 1, 'b': 5}}
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, cast

from .._json import dumps, type_name
from ..errors import PathError

__all__ = [
    "JsonPath",
    "PathNotFound",
    "UpdateFailed",
    "compile_path",
    "is_path",
    "ROOT",
]


class PathNotFound(Exception):
    """A definite path selected nothing. ``str(exc)`` is Jayway's message, as AWS quotes it."""


class UpdateFailed(Exception):
    """A ResultPath could not be applied to the document."""


# ----------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class _Prop:
    names: tuple[str, ...]

    @property
    def definite(self) -> bool:
        return len(self.names) == 1

    def fragment(self) -> str:
        return "[" + ",".join("'" + n + "'" for n in self.names) + "]"


@dataclass(frozen=True)
class _Index:
    indexes: tuple[int, ...]

    @property
    def definite(self) -> bool:
        return len(self.indexes) == 1

    def fragment(self) -> str:
        return "[" + ",".join(str(i) for i in self.indexes) + "]"


@dataclass(frozen=True)
class _Wildcard:
    definite = False

    def fragment(self) -> str:
        return "[*]"


@dataclass(frozen=True)
class _Slice:
    start: int | None
    end: int | None
    definite = False

    def fragment(self) -> str:
        a = "" if self.start is None else str(self.start)
        b = "" if self.end is None else str(self.end)
        return f"[{a}:{b}]"


@dataclass(frozen=True)
class _Scan:
    """``..``: this node and every descendant; the next segment applies to each."""

    definite = False

    def fragment(self) -> str:
        return ".."


@dataclass(frozen=True)
class _Filter:
    expr: _Expr
    definite = False

    def fragment(self) -> str:
        return "[?]"


@dataclass(frozen=True)
class _Function:
    name: str
    definite = True

    def fragment(self) -> str:
        return "." + self.name + "()"


_Segment = Any  # one of the classes above


# ----------------------------------------------------------------------------- filter expressions


@dataclass(frozen=True)
class _Expr:
    op: str  # "lit", "path", "not", "and", "or", "exists", or a comparison operator
    args: tuple[Any, ...] = ()


# ----------------------------------------------------------------------------- the path object


@dataclass(frozen=True, eq=False)
class JsonPath:
    """A compiled JSONPath. Immutable; evaluate it against any number of documents."""

    text: str
    root: str  # "$" (input), "$$" (context) or the name of a variable
    segments: tuple[_Segment, ...] = field(repr=False)
    definite: bool = field(repr=False)
    is_reference: bool = field(repr=False)
    _simple: tuple[str | int, ...] | None = field(repr=False, default=None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonPath) and other.text == self.text

    @property
    def field_name(self) -> str | None:
        """The one field a reference path names when it is just ``$.field``, else None."""
        keys = self._simple
        if keys is not None and len(keys) == 1 and type(keys[0]) is str:
            return keys[0]
        return None

    def __hash__(self) -> int:
        return hash(self.text)

    def __str__(self) -> str:
        return self.text

    @property
    def is_context(self) -> bool:
        return self.root == "$$"

    @property
    def is_variable(self) -> bool:
        return self.root not in ("$", "$$")

    def normalized(self) -> str:
        """Jayway's canonical spelling, as in its error messages: ``$['a']['b'][0]``."""
        return "$" + "".join(s.fragment() for s in self.segments)

    # -- reading

    def get(self, doc: Any) -> Any:
        """Evaluate like Jayway: a definite path returns its one value or raises :class:`PathNotFound`;
        an indefinite path returns the list of every match (possibly empty)."""
        simple = self._simple
        if simple is not None:
            node = doc
            for key in simple:
                if type(key) is str:
                    if type(node) is dict and key in node:
                        node = node[key]
                        continue
                elif type(node) is list:
                    n = len(node)
                    i = cast(int, key)
                    if i < 0:
                        i += n
                    if 0 <= i < n:
                        node = node[i]
                        continue
                return self._slow_get(doc)
            return node
        return self._slow_get(doc)

    def find(self, doc: Any) -> list[Any]:
        """Every match, as a list, never raising (a definite path gives zero or one values)."""
        try:
            value = self.get(doc)
        except PathNotFound:
            return []
        return [value] if self.definite else value

    def exists(self, doc: Any) -> bool:
        """Whether the path selects something (``IsPresent``)."""
        if self.definite:
            try:
                self.get(doc)
            except PathNotFound:
                return False
            return True
        return bool(self._evaluate(doc, raise_missing=False))

    def _slow_get(self, doc: Any) -> Any:
        results = self._evaluate(doc, raise_missing=True)
        if self.definite:
            if not results:
                raise PathNotFound("No results for path: " + self.normalized())
            return results[0]
        return results

    def _evaluate(self, doc: Any, raise_missing: bool) -> list[Any]:
        """Every value the path selects, in Jayway's order. Values only: location text is built
        from the segments when a definite path has to report what is missing."""
        current: list[Any] = [doc]
        segments = self.segments
        # AWS reports a missing step only when the whole path is definite; indefinite paths
        # simply select fewer (or no) values.
        definite = self.definite and raise_missing
        count = len(segments)
        for position, seg in enumerate(segments):
            kind = type(seg)
            nxt: list[Any] = []
            if kind is _Scan:
                for node in current:
                    _descend(node, nxt)
            elif kind is _Prop:
                names = seg.names
                single = names[0] if len(names) == 1 else None
                for node in current:
                    if type(node) is not dict:
                        if definite:
                            raise PathNotFound(
                                f"Expected to find an object with property {seg.fragment()} in path "
                                f"{self._location(position)} but found '{_java_class(node)}'. This is not a json "
                                "object according to the JsonProvider: "
                                "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."
                            )
                        continue
                    if single is not None:
                        if single in node:
                            nxt.append(node[single])
                        elif definite and position != count - 1:
                            raise PathNotFound(f"Missing property in path {self._location(position + 1)}")
                    else:
                        nxt.extend(node[name] for name in names if name in node)
            elif kind is _Index:
                for node in current:
                    if type(node) is not list:
                        if definite:
                            _not_array(seg, self._location(position), node)
                        continue
                    n = len(node)
                    for index in seg.indexes:
                        i = index + n if index < 0 else index
                        if 0 <= i < n:
                            nxt.append(node[i])
            elif kind is _Slice:
                for node in current:
                    if type(node) is list:
                        start, end = _slice_bounds(seg, len(node))
                        nxt.extend(node[start:end])
                    elif definite:
                        _not_array(seg, self._location(position), node)
            elif kind is _Wildcard:
                for node in current:
                    if type(node) is dict:
                        nxt.extend(node.values())
                    elif type(node) is list:
                        nxt.extend(node)
            elif kind is _Filter:
                for node in current:
                    if type(node) is list:
                        nxt.extend(item for item in node if _truthy(_eval_expr(seg.expr, item, doc)))
                    elif type(node) is dict and _truthy(_eval_expr(seg.expr, node, doc)):
                        nxt.append(node)
            elif kind is _Function:
                for node in current:
                    nxt.append(_call_function(seg.name, node, self._location(position)))
            current = nxt
        return current

    def _location(self, upto: int) -> str:
        """Jayway's spelling of the path's first ``upto`` steps, for error messages."""
        return "$" + "".join(s.fragment() for s in self.segments[:upto])

    # -- writing

    def update(self, doc: Any, value: Any) -> Any:
        """Return a copy of ``doc`` with ``value`` placed at this reference path (ResultPath rules).

        Missing objects along the way are created; only the containers on the path are copied,
        so ``doc`` itself is never modified.  Raises :class:`UpdateFailed` when the path crosses a
        value that is not an object (or an array index that does not exist).
        """
        keys = self._simple
        if keys is None:
            raise UpdateFailed(f"{self.text} is not a reference path")
        if not keys:
            return value
        if len(keys) == 1 and type(doc) is dict and type(keys[0]) is str:  # $.field on an object
            new = dict(doc)
            new[keys[0]] = value
            return new
        return _set_in(doc, keys, 0, value, self)


def _set_in(node: Any, keys: tuple[str | int, ...], i: int, value: Any, path: JsonPath) -> Any:
    key = keys[i]
    last = i == len(keys) - 1
    if type(key) is str:
        if node is _ABSENT:
            node = {}  # ResultPath creates the objects on its way
        elif type(node) is not dict:
            raise UpdateFailed(_describe_mismatch(path, keys[:i], node, "an object"))
        new = dict(node)
        new[key] = value if last else _set_in(node.get(key, _ABSENT), keys, i + 1, value, path)
        return new
    if type(node) is not list:
        raise UpdateFailed(_describe_mismatch(path, keys[:i], node, "an array"))
    n = len(node)
    idx = cast(int, key)
    if idx < 0:
        idx += n
    if not 0 <= idx < n:
        raise UpdateFailed(f"Index {key} out of bounds for length {n} in path {path.text}")
    new_list = list(node)
    new_list[idx] = value if last else _set_in(node[idx], keys, i + 1, value, path)
    return new_list


_ABSENT = object()  # a step that does not exist yet


def _describe_mismatch(path: JsonPath, prefix: tuple[str | int, ...], node: Any, needed: str) -> str:
    where = "$" + "".join(f"['{k}']" if isinstance(k, str) else f"[{k}]" for k in prefix)
    if node is _ABSENT:
        return f"Unable to apply ResultPath {path.text}: {where} does not exist, and an index step needs {needed}"
    return f"Unable to apply ResultPath {path.text}: the value at {where} is not {needed}"


# ----------------------------------------------------------------------------- evaluation helpers


def _not_array(seg: Any, path: str, node: Any) -> None:
    if node is None:
        raise PathNotFound(f"The path {path} is null")
    raise PathNotFound(
        f"Filter: {seg.fragment()} can only be applied to arrays. Current context is: {dumps(node)}"
    )


def _slice_bounds(seg: _Slice, n: int) -> tuple[int, int]:
    start = 0 if seg.start is None else seg.start
    end = n if seg.end is None else seg.end
    if start < 0:
        start = max(0, n + start)
    if end < 0:
        end = max(0, n + end)
    return min(start, n), min(end, n)


def _descend(node: Any, out: list) -> None:
    """``node`` and everything inside it, parents before children, in document order (iteratively:
    a scan reaches any depth)."""
    pending = [node]
    while pending:
        item = pending.pop()
        out.append(item)
        if type(item) is dict:
            pending.extend(reversed(item.values()))
        elif type(item) is list:
            pending.extend(reversed(item))


_JAVA_CLASSES: Final = {
    "null": "null",
    "boolean": "java.lang.Boolean",
    "integer": "java.lang.Integer",
    "number": "java.lang.Double",
    "string": "java.lang.String",
    "array": "java.util.ArrayList",
    "object": "java.util.LinkedHashMap",
}


def _java_class(node: Any) -> str:
    """The Java class AWS's JSONPath library names for a JSON value in its messages."""
    return _JAVA_CLASSES.get(type_name(node, integers=True), "java.util.LinkedHashMap")


def _call_function(name: str, node: Any, path: str) -> Any:
    if name in ("length", "size"):
        if isinstance(node, (list, dict, str)):
            return len(node)
        raise PathNotFound(f"Function {name}() cannot be applied to the value at {path}")
    numbers = node if isinstance(node, list) else []
    nums = [v for v in numbers if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if name in ("min", "max", "sum", "avg", "stddev"):
        if not nums:
            raise PathNotFound(
                f"Aggregation function attempted to calculate value using empty array at {path}"
            )
        if name == "min":
            return float(min(nums))
        if name == "max":
            return float(max(nums))
        if name == "sum":
            return float(sum(nums))
        mean = sum(nums) / len(nums)
        if name == "avg":
            return mean
        return math.sqrt(sum((v - mean) ** 2 for v in nums) / len(nums))
    if name == "keys" and isinstance(node, dict):
        return list(node)
    if name in ("first", "last") and isinstance(node, list) and node:
        return node[0] if name == "first" else node[-1]
    raise PathNotFound(f"Function {name}() cannot be applied to the value at {path}")


def _truthy(value: Any) -> bool:
    return value is True


_MISSING_VALUE = object()


def _eval_expr(expr: _Expr, item: Any, root: Any) -> Any:
    op = expr.op
    if op == "lit":
        return expr.args[0]
    if op == "path":
        base, path = expr.args
        found = path.find(item if base == "@" else root)
        if not found:
            return _MISSING_VALUE
        return found[0] if path.definite else found
    if op == "exists":
        value = _eval_expr(expr.args[0], item, root)
        return value is not _MISSING_VALUE
    if op == "not":
        inner = expr.args[0]
        if inner.op == "path":
            return _eval_expr(inner, item, root) is _MISSING_VALUE
        return not _truthy(_eval_expr(inner, item, root))
    if op == "and":
        return all(_truthy(_eval_expr(a, item, root)) for a in expr.args)
    if op == "or":
        return any(_truthy(_eval_expr(a, item, root)) for a in expr.args)
    left = _eval_expr(expr.args[0], item, root)
    right = _eval_expr(expr.args[1], item, root)
    return _compare(op, left, right)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is _MISSING_VALUE or right is _MISSING_VALUE:
        return op == "!=" and not (left is _MISSING_VALUE and right is _MISSING_VALUE)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("<", "<=", ">", ">="):
        if (_num(left) and _num(right)) or (isinstance(left, str) and isinstance(right, str)):
            if op == "<":
                return left < right
            if op == "<=":
                return left <= right
            if op == ">":
                return left > right
            return left >= right
        return False
    if op == "=~":
        if not isinstance(left, str) or not isinstance(right, (re.Pattern, _LinearRegex)):
            return False
        return right.fullmatch(left) is not None
    if op == "in":
        return isinstance(right, list) and any(_equal(left, r) for r in right)
    if op == "nin":
        return isinstance(right, list) and not any(_equal(left, r) for r in right)
    if op == "subsetof":
        return (
            isinstance(left, list)
            and isinstance(right, list)
            and all(any(_equal(a, b) for b in right) for a in left)
        )
    if op == "anyof":
        return (
            isinstance(left, list)
            and isinstance(right, list)
            and any(any(_equal(a, b) for b in right) for a in left)
        )
    if op == "noneof":
        return (
            isinstance(left, list)
            and isinstance(right, list)
            and not any(any(_equal(a, b) for b in right) for a in left)
        )
    if op == "contains":
        if isinstance(left, str) and isinstance(right, str):
            return right in left
        return isinstance(left, list) and any(_equal(x, right) for x in left)
    if op == "size":
        return isinstance(left, (list, str)) and _num(right) and len(left) == right
    if op == "empty":
        if not isinstance(left, (list, str)) or not isinstance(right, bool):
            return False
        return (len(left) == 0) == right
    raise AssertionError(op)


# a repeated group that itself repeats or alternates, as in (a+)+ or (a|aa)*: a backtracking engine
# can take exponential time on a text that almost matches
_NESTED_REPETITION: Final = re.compile(r"\((?:[^()\\]|\\.)*[+*|}](?:[^()\\]|\\.)*\)\s*[+*{]")


class _LinearRegex:
    """A filter's regular expression with nested repetition, matched by the JSONata library's
    engine, which takes linear time where Python's could take hours.  Its compiled matchers belong to
    the thread that made them, so each thread makes its own."""

    __slots__ = ("_expression", "_local", "pattern")

    def __init__(self, pattern: re.Pattern[str], expression: str) -> None:
        self.pattern = pattern
        self._expression = expression
        self._local = threading.local()

    @classmethod
    def make(cls, pattern: re.Pattern[str]) -> _LinearRegex | None:
        """The linear matcher for ``pattern``, or None when that engine cannot read it (a back
        reference, a look-around) or the library is missing."""
        flags = ("i" if pattern.flags & re.I else "") + ("m" if pattern.flags & re.M else "")
        regex = cls(pattern, "$contains(s, /^(?:" + pattern.pattern + ")$/" + flags + ")")
        try:
            regex._matcher()
        except (ImportError, ValueError):
            return None
        return regex

    def _matcher(self) -> Any:
        matcher = getattr(self._local, "matcher", None)
        if matcher is None:
            import jsonatapy

            matcher = self._local.matcher = jsonatapy.compile(self._expression)
        return matcher

    def fullmatch(self, text: str) -> bool | None:
        try:
            return True if self._matcher().evaluate({"s": text}) is True else None
        except ValueError:  # the engine could not use it after all: the bounded backtracking one
            return _BoundedRegex(self.pattern).fullmatch(text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LinearRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


class _BoundedRegex:
    """A filter's regular expression with nested repetition that the linear engine cannot read (a
    back reference, a look-around, too many states): Python's backtracking engine matches it, in a
    child process ended after :data:`REGEX_SECONDS` when the text is long enough to take that long.
    Python's engine cannot be interrupted, so in this process it could run for hours."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def fullmatch(self, text: str) -> bool | None:
        if len(text) <= _SHORT_TEXT or not _CAN_FORK:
            return self.pattern.fullmatch(text) is not None or None
        return _fullmatch_in_child(self.pattern, text) or None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BoundedRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


#: How long a backtracking match may run (seconds) before the path fails.
REGEX_SECONDS: Final = 10.0
_SHORT_TEXT: Final = 12  # texts this short match in moments whatever the pattern
_CAN_FORK: Final = sys.platform.startswith("linux") and hasattr(os, "fork")


def _fullmatch_in_child(pattern: re.Pattern[str], text: str) -> bool:
    import select
    import signal

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer one byte, leave without any clean-up
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which ends us
            os.write(write_end, b"1" if pattern.fullmatch(text) is not None else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], REGEX_SECONDS)
        answer = os.read(read_end, 1) if ready else b""
    finally:  # Ctrl-C included: the child goes at once
        os.close(read_end)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if answer not in (b"0", b"1"):
        raise PathNotFound(
            f"The regular expression /{pattern.pattern}/ took longer than {REGEX_SECONDS:g} seconds to match"
        )
    return answer == b"1"


def _equal(a: Any, b: Any) -> bool:
    if _num(a) and _num(b):
        return a == b
    if type(a) is not type(b):
        return False
    if type(a) is dict or type(a) is list:
        return _deep_equal(a, b)
    return a == b


def _deep_equal(a: Any, b: Any) -> bool:
    """``a == b`` for JSON containers, iteratively (any depth)."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is dict and type(y) is dict:
            if x.keys() != y.keys():
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif type(x) is list and type(y) is list:
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y))
        elif type(x) in (dict, list) or type(y) in (dict, list) or x != y:
            return False
    return True


# ----------------------------------------------------------------------------- parser

_SIMPLE_NAME_STOP = set(".[( ")
_VARIABLE_NAME = re.compile(r"[^\W\d][\w]*", re.UNICODE)
_COMPARISON_OPS = ("==", "!=", "<=", ">=", "=~", "<", ">")
_WORD_OPS = ("nin", "in", "subsetof", "anyof", "noneof", "contains", "size", "empty")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers
    def fail(self, message: str, pos: int | None = None) -> PathError:
        return PathError(message, self.text, self.pos if pos is None else pos)

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t", "\n", "\r") and self.peek():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    # -- grammar
    def parse_root(self) -> str:
        text = self.text
        if not text.startswith("$"):
            raise self.fail("a path must start with '$'", 0)
        if text.startswith("$$"):
            self.pos = 2
            return "$$"
        m = _VARIABLE_NAME.match(text, 1)
        if m:
            self.pos = m.end()
            return m.group(0)
        self.pos = 1
        return "$"

    def parse_segments(self, stop: str = "") -> list[_Segment]:
        segments: list[_Segment] = []
        while not self.at_end() and self.peek() not in stop:
            c = self.peek()
            if c == ".":
                if self.peek(1) == ".":
                    self.pos += 2
                    segments.append(_Scan())
                    if self.peek() == "[":
                        continue
                    if self.peek() == "*":
                        self.pos += 1
                        segments.append(_Wildcard())
                        continue
                    segments.append(self.parse_dot_name(after_scan=True))
                    continue
                self.pos += 1
                if self.peek() == "*":
                    self.pos += 1
                    segments.append(_Wildcard())
                    continue
                if self.peek() == "[":  # '$.[0]', '$.a.['b']': Jayway reads '.[' as '['
                    continue
                segments.append(self.parse_dot_name())
            elif c == "[":
                segments.append(self.parse_bracket())
            elif c in " \t" and stop:
                break
            else:
                raise self.fail(f"unexpected character {c!r}")
        return segments

    def parse_dot_name(self, after_scan: bool = False) -> _Segment:
        start = self.pos
        while not self.at_end() and self.peek() not in _SIMPLE_NAME_STOP and not self._at_stop_in_filter():
            self.pos += 1
        name = self.text[start : self.pos]
        if self.peek() == "(":
            if self.peek(1) != ")":
                raise self.fail("functions take no arguments here")
            self.pos += 2
            if not self.at_end() and not self._in_filter:
                raise self.fail("a function call must end the path")
            return _Function(name)
        if not name:
            if self.peek() == " ":
                raise self.fail("use bracket notation ['my prop'] for property names with spaces")
            raise self.fail("expected a property name")
        return _Prop((name,))

    _in_filter = False

    def _at_stop_in_filter(self) -> bool:
        if not self._in_filter:
            return False
        c = self.peek()
        return c in ")=!<>&|," or c.isspace()

    def parse_bracket(self) -> _Segment:
        open_pos = self.pos
        self.pos += 1
        self.skip_ws()
        c = self.peek()
        if c in ("'", '"'):
            names = []
            while True:
                self.skip_ws()
                names.append(self.parse_quoted())
                self.skip_ws()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                break
            self.expect("]", open_pos)
            return _Prop(tuple(names))
        if c == "*":
            self.pos += 1
            self.skip_ws()
            self.expect("]", open_pos)
            return _Wildcard()
        if c == "?":
            self.pos += 1
            self.skip_ws()
            self.expect("(", open_pos)
            expr = self.parse_or()
            self.skip_ws()
            self.expect(")", open_pos)
            self.skip_ws()
            self.expect("]", open_pos)
            return _Filter(expr)
        # indexes or a slice
        start = self.pos
        close = self.text.find("]", start)
        if close < 0:
            raise self.fail("unclosed '['", open_pos)
        body = self.text[start:close].strip()
        self.pos = close + 1
        if ":" in body:
            parts = [p.strip() for p in body.split(":")]
            if len(parts) > 3 or not all(p == "" or _is_int(p) for p in parts):
                raise self.fail(f"invalid slice [{body}]", open_pos)
            if len(parts) == 3 and parts[2] not in ("", "1"):
                raise self.fail("slices with a step are not supported", open_pos)
            a = int(parts[0]) if parts[0] else None
            b = int(parts[1]) if parts[1] else None
            return _Slice(a, b)
        items = [p.strip() for p in body.split(",")]
        if not body or not all(_is_int(p) for p in items):
            raise self.fail(f"invalid array index [{body}]", open_pos)
        return _Index(tuple(int(p) for p in items))

    def expect(self, char: str, open_pos: int) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}", self.pos if not self.at_end() else open_pos)
        self.pos += 1

    def parse_quoted(self) -> str:
        quote = self.peek()
        if quote not in ("'", '"'):
            raise self.fail("expected a quoted property name")
        start = self.pos + 1
        i = start
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                # AWS keeps escape characters in bracket property names verbatim
                self.pos = i + 1
                return text[start:i]
            i += 1
        raise self.fail("unterminated quoted property name", start - 1)

    # -- filter expressions
    def parse_or(self) -> _Expr:
        left = self.parse_and()
        args = [left]
        while True:
            self.skip_ws()
            if self.text.startswith("||", self.pos):
                self.pos += 2
                args.append(self.parse_and())
            else:
                break
        return args[0] if len(args) == 1 else _Expr("or", tuple(args))

    def parse_and(self) -> _Expr:
        left = self.parse_unary()
        args = [left]
        while True:
            self.skip_ws()
            if self.text.startswith("&&", self.pos):
                self.pos += 2
                args.append(self.parse_unary())
            else:
                break
        return args[0] if len(args) == 1 else _Expr("and", tuple(args))

    def parse_unary(self) -> _Expr:
        self.skip_ws()
        if self.peek() == "!" and self.peek(1) != "=":
            self.pos += 1
            return _Expr("not", (self.parse_unary(),))
        if self.peek() == "(":
            self.pos += 1
            inner = self.parse_or()
            self.skip_ws()
            self.expect(")", self.pos)
            return inner
        left = self.parse_operand()
        self.skip_ws()
        for op in _COMPARISON_OPS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                self.skip_ws()
                right = self.parse_regex() if op == "=~" else self.parse_operand()
                return _Expr(op, (left, right))
        for word in _WORD_OPS:
            end = self.pos + len(word)
            if self.text.startswith(word, self.pos) and (
                end >= len(self.text) or not self.text[end].isalnum()
            ):
                self.pos = end
                self.skip_ws()
                return _Expr(word, (left, self.parse_operand()))
        if left.op == "path":
            return _Expr("exists", (left,))
        return left

    def parse_regex(self) -> _Expr:
        if self.peek() != "/":
            raise self.fail("expected a /regular expression/")
        i = self.pos + 1
        while i < len(self.text) and self.text[i] != "/":
            i += 2 if self.text[i] == "\\" else 1
        if i >= len(self.text):
            raise self.fail("unterminated regular expression")
        pattern = self.text[self.pos + 1 : i]
        i += 1
        flags = 0
        while i < len(self.text) and self.text[i] in "imsx":
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[self.text[i]]
            i += 1
        self.pos = i
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise self.fail(f"invalid regular expression: {exc}") from None
        if _NESTED_REPETITION.search(pattern):
            linear = _LinearRegex.make(compiled) if not flags & ~(re.I | re.M) else None
            return _Expr("lit", (linear if linear is not None else _BoundedRegex(compiled),))
        return _Expr("lit", (compiled,))

    def parse_operand(self) -> _Expr:
        self.skip_ws()
        c = self.peek()
        if c in ("@", "$"):
            base = c
            self.pos += 1
            saved = self._in_filter
            self._in_filter = True
            try:
                segs = self.parse_segments(stop=")=!<>&|, \t")
            finally:
                self._in_filter = saved
            path = _build(base if base == "$" else "$", "$", tuple(segs))
            return _Expr("path", (base, path))
        if c in ("'", '"'):
            return _Expr("lit", (self.parse_quoted_literal(),))
        if c == "[":
            return _Expr("lit", (self.parse_json_value(),))
        if c == "{":
            return _Expr("lit", (self.parse_json_value(),))
        m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?").match(self.text, self.pos)
        if m:
            self.pos = m.end()
            s = m.group(0)
            return _Expr("lit", (float(s) if any(ch in s for ch in ".eE") else int(s),))
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return _Expr("lit", (value,))
        m = re.compile(r"[A-Za-z_][\w-]*").match(self.text, self.pos)
        if m:  # a bare word, as in '[?(@.code==es)]': deployed definitions use it for the string
            self.pos = m.end()
            return _Expr("lit", (m.group(0),))
        raise self.fail("expected a value in the filter")

    def parse_quoted_literal(self) -> str:
        quote = self.peek()
        i = self.pos + 1
        out = []
        while i < len(self.text):
            ch = self.text[i]
            if ch == "\\" and i + 1 < len(self.text):
                out.append(self.text[i + 1])
                i += 2
                continue
            if ch == quote:
                self.pos = i + 1
                return "".join(out)
            out.append(ch)
            i += 1
        raise self.fail("unterminated string")

    def parse_json_value(self) -> Any:
        import json

        decoder = json.JSONDecoder()
        # Jayway accepts single-quoted strings inside JSON literals
        try:
            value, end = decoder.raw_decode(self.text, self.pos)
        except ValueError:
            depth = 0
            i = self.pos
            while i < len(self.text):
                if self.text[i] in "[{":
                    depth += 1
                elif self.text[i] in "]}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            chunk = self.text[self.pos : i + 1].replace("'", '"')
            try:
                value = json.loads(chunk)
            except ValueError:
                raise self.fail("invalid JSON literal in the filter") from None
            end = i + 1
        self.pos = end
        return value


def _is_int(s: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", s))


def _build(text: str, root: str, segments: tuple[_Segment, ...]) -> JsonPath:
    definite = all(s.definite for s in segments)
    is_reference = all(type(s) in (_Prop, _Index) and s.definite for s in segments)
    simple: tuple[str | int, ...] | None = None
    if is_reference:
        simple = tuple(s.names[0] if type(s) is _Prop else s.indexes[0] for s in segments)
    return JsonPath(text, root, segments, definite, is_reference, simple)


_cache: dict[str, JsonPath] = {}
_JAVA_WHITESPACE: Final = "".join(chr(c) for c in range(33))  # what String.trim removes


def compile_path(text: str) -> JsonPath:
    """Parse ``text`` once into a :class:`JsonPath`; raises :class:`PathError` when it is malformed."""
    cached = _cache.get(text)
    if cached is not None:
        return cached
    if not isinstance(text, str):
        raise PathError("a path must be a string", repr(text))
    trimmed = text.strip(_JAVA_WHITESPACE)  # Jayway trims the path as Java's String.trim does
    parser = _Parser(trimmed)
    root = parser.parse_root()
    if root == "$" and trimmed.startswith("$") and len(trimmed) > 1 and trimmed[1] not in ".[":
        raise parser.fail(f"unexpected character {trimmed[1]!r} after '$'", 1)
    segments = parser.parse_segments()
    path = _build(trimmed, root, tuple(segments))
    if len(_cache) < 10_000:
        _cache[text] = path
    return path


def is_path(text: Any) -> bool:
    """True when ``text`` is a string that parses as a JSONPath (``$``, ``$$...``, ``$var...``)."""
    if not isinstance(text, str) or not text.startswith("$"):
        return False
    try:
        compile_path(text)
    except PathError:
        return False
    return True


ROOT = compile_path("$")

_Resolver = Callable[[JsonPath], Any]
