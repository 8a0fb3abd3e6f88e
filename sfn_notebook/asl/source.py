"""Definition text (JSON or YAML) parsed into plain JSON values, with the position of every value.

Every diagnostic about a definition names a JSON Pointer (RFC 6901) such as
``/States/Charge/Retry/0/BackoffRate``.  A :class:`Source` turns such a pointer back into the
1-based ``(line, column)`` where the user typed it, so messages can say *where* to look.

* :func:`load_text` parses JSON or YAML text.  JSON goes through a small scanner that records the
  offset of every key and value and produces exactly what :func:`json.loads` produces.  YAML goes
  through PyYAML's composer, and scalars are read with the YAML 1.2 *core schema*: only
  ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay strings), timestamps stay
  strings, and the only numbers are decimal, ``0o`` octal and ``0x`` hex integers and decimal floats.
* :func:`load_value` wraps a value that is already Python data (no positions) after checking that
  it only holds JSON types.

Columns count characters (code points), a tab counts as one column, and lines end at ``\\n``,
``\\r\\n`` or ``\\r``.

Problems are reported as one :class:`~sfn_notebook.errors.DefinitionError` listing every
:class:`~sfn_notebook.errors.Diagnostic` found, with these codes:

``SYNTAX_ERROR``
    the text is not JSON/YAML (or is empty, or holds several YAML documents); fatal, reported alone.
``DUPLICATE_KEY``
    a key appears twice in one object; reported at the second occurrence.
``NON_FINITE_NUMBER``
    ``NaN``, ``Infinity``, ``.inf``, ``.nan`` or a number too large for a float.
``INVALID_KEY``
    a YAML key that is a mapping or a sequence, or a dict key that is not a ``str``.
``UNSUPPORTED_YAML``
    a YAML tag other than the standard JSON-compatible ones (``!Ref``, ``!!binary``, ...), a value
    that does not match its tag, a bad ``<<`` merge, a recursive alias or an alias explosion.
``NOT_JSON``
    :func:`load_value` found a Python object that is not JSON data (tuple, set, bytes, ...).

YAML mapping keys are always strings: a scalar key is taken *as written*, so ``200:`` gives the key
``"200"``, ``true:`` the key ``"true"`` and ``~:`` the key ``"~"``.  Only keys that are themselves
mappings or sequences are rejected.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable
from typing import Any, Final, Literal

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .._json import dumps, loads_compact
from ..errors import DefinitionError, Diagnostic

__all__ = ["Format", "Source", "escape_token", "join_pointer", "load_text", "load_value"]

Format = Literal["json", "yaml", "dict"]
Position = tuple[int, int]

_FORMATS: Final = ("json", "yaml")


# ----------------------------------------------------------------------------- pointers


def escape_token(token: str | int) -> str:
    """One JSON Pointer reference token: ``~`` becomes ``~0`` and ``/`` becomes ``~1``.

    >>> escape_token("a/b~c")
    'a~1b~0c'
    """
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    """Append reference tokens to the pointer ``base``.

    >>> join_pointer("/States", "Hello World", "Retry", 0)
    '/States/Hello World/Retry/0'
    """
    return base + "".join("/" + escape_token(t) for t in tokens)


# ----------------------------------------------------------------------------- Source

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Source:
    """A parsed definition: its JSON ``value`` and where each part of it was written.

    ``format`` is ``"json"``, ``"yaml"`` or ``"dict"`` (given as Python data, no positions).
    ``text`` is the original text (``None`` for ``"dict"``) and ``name`` an optional label such as
    a file name, used in error messages.  Create one with :func:`load_text` or :func:`load_value`.
    """

    __slots__ = ("_bom", "_line_starts", "_members", "_root", "format", "name", "text", "value")

    def __init__(
        self,
        value: Any,
        format: Format,
        text: str | None = None,
        name: str | None = None,
        members: dict[int, tuple[Any, Members]] | None = None,
        root_offset: int | None = None,
    ) -> None:
        self.value = value
        self.format: Format = format
        self.text = text
        self.name = name
        # where each container's members were written, by the container's id (with the container,
        # so the id stays its own): {key: (key offset, value offset)} or [item offsets].  No pointer
        # is stored: a definition's locations cost what its values do.  JSON text is scanned for
        # a container's members only when a position inside it is asked for.
        self._members: dict[int, tuple[Any, Members]] = members if members is not None else {}
        self._root = root_offset
        self._line_starts: list[int] | None = None
        self._bom = text is not None and text.startswith("\ufeff")

    def __repr__(self) -> str:
        where = f", name={self.name!r}" if self.name is not None else ""
        lines = f", {len(self._starts())} lines" if self.text is not None else ""
        return f"<Source format={self.format!r}{where}{lines}>"

    def position(self, pointer: str) -> Position | None:
        """``(line, column)`` of what ``pointer`` designates, for pointing a user at it.

        For a member of an object this is where its *key* starts; for an array item or the root,
        where the value starts.  A pointer with no recorded position (a missing field, say) falls
        back to its nearest enclosing pointer.  ``None`` when there is no text.
        """
        offset = self._lookup(pointer, True)
        return None if offset is None else self.offset_to_position(offset)

    def value_position(self, pointer: str) -> Position | None:
        """``(line, column)`` where the value at ``pointer`` starts (falls back like :meth:`position`)."""
        offset = self._lookup(pointer, False)
        return None if offset is None else self.offset_to_position(offset)

    def line_text(self, line: int) -> str | None:
        """The text of 1-based ``line`` without its line break, or ``None`` if there is no such line."""
        if self.text is None:
            return None
        starts = self._starts()
        if not 1 <= line <= len(starts):
            return None
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r\n")

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """``diagnostic`` with ``line``/``column`` filled in from its pointer (unchanged if already set)."""
        if diagnostic.line is not None:
            return diagnostic
        where = self.position(diagnostic.pointer)
        if where is None:
            return diagnostic
        return Diagnostic(
            code=diagnostic.code,
            message=diagnostic.message,
            pointer=diagnostic.pointer,
            line=where[0],
            column=where[1],
            severity=diagnostic.severity,
        )

    def offset_to_position(self, offset: int) -> Position:
        """1-based ``(line, column)`` of the character at ``offset`` in :attr:`text`."""
        starts = self._starts()
        index = bisect.bisect_right(starts, offset) - 1
        column = offset - starts[index] + 1
        if index == 0 and self._bom and offset > 0:
            column -= 1  # a byte order mark is invisible in editors
        return index + 1, column

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            text = self.text if self.text is not None else ""
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        return self._line_starts

    def _lookup(self, pointer: str, keys: bool) -> int | None:
        if pointer != "" and not pointer.startswith("/"):
            raise ValueError(f"not a JSON Pointer: {pointer!r} (must be empty or start with '/')")
        text = self.text
        if text is None:
            return None
        if self._root is None:
            self._root = _WS.match(text, 1 if text.startswith("\ufeff") else 0).end()  # type: ignore[union-attr]
        node = self.value
        key_at: int | None = None
        value_at = self._root
        for raw in pointer.split("/")[1:] if pointer else ():
            members = self._container_members(node, value_at)
            if isinstance(node, dict) and isinstance(members, dict):
                token = raw.replace("~1", "/").replace("~0", "~")
                if token not in members or token not in node:
                    break
                key_at, value_at = members[token]
                node = node[token]
            elif isinstance(node, list) and isinstance(members, list):
                if not raw.isdigit() or (raw != "0" and raw.startswith("0")) or int(raw) >= len(members):
                    break
                key_at, value_at = None, members[int(raw)]
                node = node[int(raw)]
            else:
                break
        return key_at if keys and key_at is not None else value_at

    def _container_members(self, node: Any, offset: int) -> Members | None:
        if not isinstance(node, (dict, list)):
            return None
        known = self._members.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        if self.format != "json" or self.text is None:
            return None
        members = _json_members(self.text, offset)
        if members is not None:
            self._members[id(node)] = (node, members)
        return members


Members = dict[str, tuple[int, int]] | list[int]


def _json_members(text: str, pos: int) -> Members | None:
    """Where the members of the JSON object or array starting at ``pos`` were written: for an
    object ``{key: (key offset, value offset)}`` (the first key, the last value, as parsing keeps
    them), for an array the offset of each item.  Values are skipped with the C scanner."""
    ws = _WS.match
    scan_key = json.decoder.scanstring  # type: ignore[attr-defined]
    skip = _SKIP
    opener = text[pos : pos + 1]
    if opener not in ("{", "["):
        return None
    pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
    try:
        if opener == "[":
            items: list[int] = []
            if text[pos : pos + 1] == "]":
                return items
            while True:
                items.append(pos)
                pos = ws(text, skip(text, pos)[1]).end()  # type: ignore[union-attr]
                if text[pos : pos + 1] != ",":
                    return items
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        members: dict[str, tuple[int, int]] = {}
        if text[pos : pos + 1] == "}":
            return members
        while True:
            key_at = pos
            key, pos = scan_key(text, pos + 1)
            pos = ws(text, pos).end() + 1  # type: ignore[union-attr]  # past the ':'
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            first = members.get(key)
            members[key] = (key_at if first is None else first[0], pos)
            pos = ws(text, skip(text, pos)[1]).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] != ",":
                return members
            pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
    except (ValueError, StopIteration):  # not text this module parsed: no positions
        return None


_SKIP = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- entry points


def load_text(text: str, format: str | None = None, *, name: str | None = None) -> Source:
    """Parse definition ``text`` written in JSON or YAML.

    ``format`` is ``"json"``, ``"yaml"`` or ``None`` to guess: text whose first non-blank character
    is ``{`` or ``[`` is JSON, anything else YAML.  A guessed JSON text that fails to parse is
    retried as YAML when it does not look like JSON (``{StartAt: A, ...}`` is a YAML flow mapping).
    ``name`` (a file name, say) is only used in error messages.

    Raises :class:`~sfn_notebook.errors.DefinitionError` listing every problem found.

    >>> src = load_text('{"StartAt": "Hi",\\n "States": {"Hi": {"Type": "Pass", "End": true}}}')
    >>> src.format, src.value["States"]["Hi"]["End"]
    ('json', True)
    >>> src.position("/States/Hi/End"), src.value_position("/States/Hi/End")
    ((2, 36), (2, 43))
    >>> src.line_text(2)
    ' "States": {"Hi": {"Type": "Pass", "End": true}}}'
    >>> src = load_text("States:\\n  Ask:\\n    Choices: [Yes, No, on]\\n")
    >>> src.format, src.value["States"]["Ask"]["Choices"], src.position("/States/Ask/Choices/1")
    ('yaml', ['Yes', 'No', 'on'], (3, 20))
    >>> load_text('{"a": 1 "b": 2}')
    Traceback (most recent call last):
      ...
    sfn_notebook.errors.DefinitionError: invalid state machine definition (1 error)
      - error SYNTAX_ERROR at line 1, column 9 (/): Expecting ',' delimiter
    """
    if not isinstance(text, str):
        raise TypeError(
            f"load_text() expects str, not {type(text).__name__} (decode bytes first, "
            "or use load_value() for Python data)"
        )
    if format is not None and format not in _FORMATS:
        raise ValueError(f"unknown format: {format!r} (must be one of {list(_FORMATS)} or None)")
    if len(text) > DEFINITION_LIMIT and text.lstrip(" \t\r\n\ufeff")[:1] in ("{", "["):
        _check_size(len(text), name)  # JSON text: what would be sent to Step Functions
    guessed = format is None
    if format is None:
        format = "json" if text.lstrip(" \t\r\n\ufeff")[:1] in ("{", "[") else "yaml"
    if format == "yaml":
        return _load_yaml(text, name)
    try:
        return _load_json(text, name)
    except _JsonSyntaxError as json_error:
        error = _syntax_error(text, json_error.offset, json_error.message, name)
        if guessed and not json_error.looks_like_json:
            try:
                return _load_yaml(text, name)
            except DefinitionError as yaml_error:
                if any(d.code != "SYNTAX_ERROR" for d in yaml_error.diagnostics):
                    raise  # valid YAML syntax: its problems are the real ones
        raise error from None


def load_value(value: Any, *, name: str | None = None) -> Source:
    """Wrap Python data that is already a JSON value (no text, so no positions).

    The value is used as is, not copied.  It may only contain ``dict`` (with ``str`` keys),
    ``list``, ``str``, ``int``, finite ``float``, ``bool`` and ``None``; anything else (a tuple,
    a set, ``float("nan")``, ...) raises :class:`~sfn_notebook.errors.DefinitionError`.

    >>> load_value({"StartAt": "A", "States": {}}).value
    {'StartAt': 'A', 'States': {}}
    >>> load_value({"States": {"A": {"Next": ("B",)}}})
    Traceback (most recent call last):
      ...
    sfn_notebook.errors.DefinitionError: invalid state machine definition (1 error)
      - error NOT_JSON at state 'A', field 'Next' (/States/A/Next): a tuple is not a JSON value (use a list)
    """
    if _surely_too_large(value):  # shared or cyclic containers: their text could be endless
        problems = _check_json_value(value)
        if problems:
            raise DefinitionError(problems, name)
        _check_size(DEFINITION_LIMIT + 1, name)
    try:  # the usual case: JSON data, which the C encoder writes and reads back the same
        text = dumps(value)
        problems = [] if loads_compact(text) == value else _check_json_value(value)
    except (TypeError, ValueError, RecursionError):
        text = ""
        problems = _check_json_value(value)
    if problems:
        raise DefinitionError(problems, name)
    _check_size(len(text), name)
    return Source(value, "dict", None, name)


#: The longest definition Step Functions accepts, in characters of its JSON text (1 MB).
DEFINITION_LIMIT: Final = 1_048_576


def _surely_too_large(value: Any) -> bool:
    """Whether ``value``'s JSON text would be longer than the limit (counted without writing it).

    A container referenced many times (``v = [v, v]`` forty times) is written out at every
    reference: its text grows exponentially, so it is measured, by a walk that stops at the limit.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            total += 1 + 3 * len(item)
            for key in item:
                total += len(key) if type(key) is str else 1
            stack.extend(item.values())
        elif kind is list:
            total += 1 + len(item)
            stack.extend(item)
        elif kind is str:
            total += 2 + len(item)
        else:
            total += 1
        if total > DEFINITION_LIMIT:
            return True
    return False


def _check_size(length: int, name: str | None) -> None:
    if length > DEFINITION_LIMIT:
        message = (
            f"the definition is {length:,} characters of JSON; Step Functions accepts at most "
            f"{DEFINITION_LIMIT:,} (1 MB)"
        )
        raise DefinitionError([Diagnostic("DEFINITION_TOO_LARGE", message, "")], name)


# ----------------------------------------------------------------------------- shared helpers


def _syntax_error(text: str, offset: int, message: str, name: str | None) -> DefinitionError:
    line, column = Source(None, "json", text).offset_to_position(offset)
    return DefinitionError([Diagnostic("SYNTAX_ERROR", message, "", line, column)], name)


def _quote(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


class _Problems:
    """Diagnostics collected while reading a text, each reported once."""

    def __init__(self, text: str) -> None:
        self.source = Source(None, "json", text)
        self.items: dict[tuple[str, int, str], Diagnostic] = {}

    def add(self, code: str, message: str, pointer: str, offset: int) -> None:
        key = (code, offset, message)
        if key not in self.items:
            line, column = self.source.offset_to_position(offset)
            self.items[key] = Diagnostic(code, message, pointer, line, column)

    def duplicate(self, key: str, pointer: str, offset: int, first_offset: int) -> None:
        first_line = self.source.offset_to_position(first_offset)[0]
        self.add(
            "DUPLICATE_KEY",
            f"duplicate key {_quote(key)} (first defined on line {first_line})",
            pointer,
            offset,
        )

    def non_finite(self, written: str, pointer: str, offset: int) -> None:
        self.add(
            "NON_FINITE_NUMBER",
            f"{written} is not a finite number; JSON numbers cannot be NaN or infinite",
            pointer,
            offset,
        )

    def raise_if_any(self, name: str | None) -> None:
        if self.items:
            raise DefinitionError(list(self.items.values()), name)


# ----------------------------------------------------------------------------- JSON


class _JsonSyntaxError(Exception):
    def __init__(self, offset: int, message: str, looks_like_json: bool) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.looks_like_json = looks_like_json


_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS: Final = frozenset(" \t\n\r")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_WORD = re.compile(r"[-+]?[A-Za-z_$][A-Za-z0-9_$]*|[-+.0-9][-+.0-9A-Za-z_]*")
_NUMBER_TAIL: Final = frozenset("0123456789.+-_eE" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NON_FINITE_WORDS: Final = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}
_PYTHON_WORDS: Final = {"True": "true", "False": "false", "None": "null"}
_ESCAPES: Final = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


class _NeedsDiagnosis(Exception):
    """The text holds something the C scanner accepts and a definition may not (a duplicate key, a
    non-finite number): the positional reader diagnoses it."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _NeedsDiagnosis
    return result


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise _NeedsDiagnosis
    return number


def _not_a_constant(word: str) -> Any:
    raise _NeedsDiagnosis


_FAST_JSON = json.JSONDecoder(
    object_pairs_hook=_unique_pairs, parse_float=_finite_float, parse_constant=_not_a_constant
)


def _load_json(text: str, name: str | None) -> Source:
    # the usual case, a valid definition: read by the C scanner, positions found when asked for
    if not text.startswith("\ufeff"):
        try:
            value = _FAST_JSON.decode(text)
        except (_NeedsDiagnosis, ValueError, RecursionError):
            pass
        else:
            return Source(value, "json", text, name)
    parser = _JsonParser(text)
    value = parser.parse()
    parser.problems.raise_if_any(name)
    return Source(value, "json", text, name)


class _JsonParser:
    """Recursive-descent JSON reader that records the offset of every key and value.

    Strings are decoded by :func:`json.decoder.scanstring` (the C routine behind
    :func:`json.loads`), numbers by the same rules as :mod:`json`, so values are identical.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems = _Problems(text)
        self.seen_string = False
        # the whitespace pattern always matches (possibly empty)
        self.ws: Callable[[str, int], re.Match[str]] = _WS.match  # type: ignore[assignment]
        self.number = _NUMBER.match
        self.scan: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

    def parse(self) -> Any:
        text = self.text
        start = 1 if text.startswith("\ufeff") else 0
        pos = self.ws(text, start).end()
        if pos == len(text):
            raise self.fail(0, "the definition is empty")
        try:
            value, pos = self.value(pos, "")
        except RecursionError:
            raise self.fail(pos, "the definition is nested too deeply") from None
        end = self.ws(text, pos).end()
        if end != len(text):
            line = self.problems.source.offset_to_position(pos - 1)[0]
            raise self.fail(end, f"Extra data: unexpected text after the JSON value that ends on line {line}")
        return value

    def fail(self, offset: int, message: str) -> _JsonSyntaxError:
        # a key or a string was read before the error: the text is meant to be JSON
        looks_like_json = self.seen_string
        return _JsonSyntaxError(offset, message, looks_like_json)

    def end_of_text(self) -> int:
        """Where the text ends, not counting trailing blank lines: the place to point at."""
        return len(self.text.rstrip(" \t\r\n"))

    def value(self, pos: int, pointer: str) -> tuple[Any, int]:
        text = self.text
        char = text[pos : pos + 1]
        if char == '"':
            return self.string(pos)
        if char == "{":
            return self.object(pos, pointer)
        if char == "[":
            return self.array(pos, pointer)
        match = self.number(text, pos)
        if match is not None:
            end = match.end()
            if text[end : end + 1] not in _NUMBER_TAIL:
                literal = match.group()
                if match.group(1) is None and match.group(2) is None:
                    try:
                        return int(literal), end
                    except ValueError:  # more digits than int() accepts
                        raise self.fail(pos, f"the integer {literal[:20]}... has too many digits") from None
                number = float(literal)
                if not math.isfinite(number):
                    self.problems.non_finite(literal, pointer, pos)
                return number, end
        if text.startswith("true", pos):
            return True, pos + 4
        if text.startswith("false", pos):
            return False, pos + 5
        if text.startswith("null", pos):
            return None, pos + 4
        return self.bad_value(pos, pointer)

    def bad_value(self, pos: int, pointer: str) -> tuple[Any, int]:
        """Diagnose the text at ``pos``, where a value should start; may accept NaN/Infinity."""
        text = self.text
        if pos >= len(text):
            raise self.fail(self.end_of_text(), "unexpected end of input: expected a value")
        char = text[pos]
        if char == "'":
            raise self.fail(pos, 'JSON strings must be enclosed in double quotes ("), not single quotes')
        if text.startswith(("//", "/*"), pos):
            raise self.fail(pos, "comments are not allowed in JSON")
        match = _WORD.match(text, pos)
        if match is None:
            raise self.fail(pos, f"Expecting value: found {char!r}")
        word = match.group()
        if word in _NON_FINITE_WORDS:
            self.problems.non_finite(word, pointer, pos)
            return float(word), match.end()
        if word in _PYTHON_WORDS:
            raise self.fail(pos, f"{word} is not a JSON value; write {_PYTHON_WORDS[word]}")
        if word[0] in "-+.0123456789":
            raise self.fail(pos, f"invalid number {word!r}{self.number_hint(word)}")
        raise self.fail(pos, f"Expecting value: found {word!r} (strings must be enclosed in double quotes)")

    @staticmethod
    def number_hint(word: str) -> str:
        digits = word.lstrip("-+")
        if word.startswith("+"):
            return ": a JSON number cannot start with '+'"
        if digits.startswith("0") and digits[1:2].isdigit():
            return ": a JSON number cannot have leading zeros"
        if digits.startswith("."):
            return ": a JSON number needs a digit before '.'"
        if digits.endswith("."):
            return ": a JSON number needs a digit after '.'"
        return ""

    def string(self, pos: int) -> tuple[str, int]:
        try:
            result: tuple[str, int] = self.scan(self.text, pos + 1)
        except json.JSONDecodeError as exc:
            raise self.string_error(pos, exc.pos, exc.msg) from None
        self.seen_string = True
        return result

    def string_error(self, start: int, at: int, message: str) -> _JsonSyntaxError:
        text = self.text
        if message.startswith("Unterminated"):
            return self.fail(start, "unterminated string: the closing '\"' is missing")
        if message.startswith("Invalid control"):
            char = text[at]
            if char in "\r\n":
                return self.fail(
                    start,
                    "unterminated string: a string cannot continue on the next line (write \\n instead)",
                )
            escape = _ESCAPES.get(char, f"\\u{ord(char):04x}")
            return self.fail(
                at, f"control character U+{ord(char):04X} must be escaped in a string ({escape})"
            )
        backslash = text.rfind("\\", start, at + 1)
        if "uXXXX" in message:
            return self.fail(backslash, "invalid escape: \\u must be followed by 4 hex digits")
        escape = text[backslash : backslash + 2]
        return self.fail(
            backslash,
            f'invalid escape {escape!r} in string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)',
        )

    def object(self, start: int, pointer: str) -> tuple[dict[str, Any], int]:
        text = self.text
        ws = self.ws
        key_offsets: dict[str, int] = {}  # where each key was first written
        scan = self.scan
        value = self.value
        result: dict[str, Any] = {}
        pos = ws(text, start + 1).end()
        if text[pos : pos + 1] == "}":
            return result, pos + 1
        while True:
            if text[pos : pos + 1] != '"':
                raise self.bad_key(pos, start)
            key_at = pos
            try:
                key, pos = scan(text, pos + 1)
            except json.JSONDecodeError as exc:
                raise self.string_error(key_at, exc.pos, exc.msg) from None
            self.seen_string = True
            if text[pos : pos + 1] in _WS_CHARS:
                pos = ws(text, pos).end()
            if text[pos : pos + 1] != ":":
                raise self.missing(
                    pos, f"Expecting ':' delimiter after the key {_quote(key)}", start, "object"
                )
            pos = ws(text, pos + 1).end()
            child = pointer + "/" + key.replace("~", "~0").replace("/", "~1")
            if key in result:
                self.problems.duplicate(key, child, key_at, key_offsets[key])
            else:
                key_offsets[key] = key_at
            result[key], pos = value(pos, child)
            char = text[pos : pos + 1]
            if char in _WS_CHARS:
                pos = ws(text, pos).end()
                char = text[pos : pos + 1]
            if char == ",":
                comma = pos
                pos = ws(text, pos + 1).end()
                if text[pos : pos + 1] == "}":
                    raise self.fail(comma, "trailing comma: JSON does not allow ',' before '}'")
            elif char == "}":
                return result, pos + 1
            else:
                raise self.missing(pos, "Expecting ',' delimiter", start, "object")

    def array(self, start: int, pointer: str) -> tuple[list[Any], int]:
        text = self.text
        ws = self.ws
        value = self.value
        result: list[Any] = []
        append = result.append
        pos = ws(text, start + 1).end()
        if text[pos : pos + 1] == "]":
            return result, pos + 1
        index = 0
        while True:
            item, pos = value(pos, f"{pointer}/{index}")
            append(item)
            index += 1
            char = text[pos : pos + 1]
            if char in _WS_CHARS:
                pos = ws(text, pos).end()
                char = text[pos : pos + 1]
            if char == ",":
                comma = pos
                pos = ws(text, pos + 1).end()
                if text[pos : pos + 1] == "]":
                    raise self.fail(comma, "trailing comma: JSON does not allow ',' before ']'")
            elif char == "]":
                return result, pos + 1
            else:
                raise self.missing(pos, "Expecting ',' delimiter", start, "array")

    def bad_key(self, pos: int, start: int) -> _JsonSyntaxError:
        text = self.text
        if pos >= len(text):
            return self.missing(pos, "", start, "object")
        if text[pos] == "'":
            return self.fail(pos, 'property names must be enclosed in double quotes ("), not single quotes')
        if text.startswith(("//", "/*"), pos):
            return self.fail(pos, "comments are not allowed in JSON")
        return self.fail(pos, "Expecting property name enclosed in double quotes")

    def missing(self, pos: int, message: str, start: int, kind: str) -> _JsonSyntaxError:
        """A delimiter is missing at ``pos`` inside the container opened at ``start``."""
        text = self.text
        where = self.problems.source.offset_to_position
        line, column = where(start)
        if pos >= len(text):
            closer = "}" if kind == "object" else "]"
            return self.fail(
                self.end_of_text(),
                f"unexpected end of input: the {kind} opened on line {line}, column {column} "
                f"is not closed with '{closer}'",
            )
        if text.startswith(("//", "/*"), pos):
            return self.fail(pos, "comments are not allowed in JSON")
        if message.startswith("Expecting ','"):
            before = len(text[:pos].rstrip(" \t\r\n")) - 1
            previous_line = where(before)[0]
            if previous_line < where(pos)[0]:
                message += f" (is a ',' missing at the end of line {previous_line}?)"
        return self.fail(pos, message)


# ----------------------------------------------------------------------------- YAML

_STR_TAG: Final = "tag:yaml.org,2002:str"
_INT_TAG: Final = "tag:yaml.org,2002:int"
_FLOAT_TAG: Final = "tag:yaml.org,2002:float"
_BOOL_TAG: Final = "tag:yaml.org,2002:bool"
_NULL_TAG: Final = "tag:yaml.org,2002:null"
_MAP_TAG: Final = "tag:yaml.org,2002:map"
_SEQ_TAG: Final = "tag:yaml.org,2002:seq"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_PLAIN_TAG: Final = "?plain"  # untagged plain scalar, resolved with the core schema

_CORE_NULL: Final = frozenset({"", "~", "null", "Null", "NULL"})
_CORE_BOOL: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_SCALAR_START: Final = frozenset("-+.0123456789~nNtTfF")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Through aliases, a YAML document may expand to ten times its own number of nodes plus this many.
_ALIAS_BUDGET: Final = 100_000


class _Alias:
    """A use of an anchored node (``*name``), remembered with the place of the alias itself."""

    __slots__ = ("start_mark", "target")

    def __init__(self, target: Node, start_mark: Any) -> None:
        self.target = target
        self.start_mark = start_mark


class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):  # type: ignore[misc]
    """PyYAML's reader, scanner, parser and composer, with no implicit typing of scalars."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.node_count = 0

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return _PLAIN_TAG
        tag: str = super().resolve(kind, value, implicit)
        return tag

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            return _Alias(super().compose_node(parent, index), mark)
        self.node_count += 1
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor: str | None) -> ScalarNode:
        non_specific = self.peek_event().tag == "!"
        node: ScalarNode = super().compose_scalar_node(anchor)
        if non_specific:  # `! 12` is the string "12" (PyYAML would resolve it)
            node.tag = _STR_TAG
        if node.style == '"' and _SURROGATE.search(node.value) is not None:
            # join "\ud83d\ude00" into one character, as JSON does
            node.value = node.value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        return node


def _load_yaml(text: str, name: str | None) -> Source:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        node_count = loader.node_count
    except yaml.MarkedYAMLError as exc:
        offset, message = _yaml_error(exc)
        raise _syntax_error(text, offset, message, name) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        message = f"the character U+{ord(char):04X} is not allowed in YAML text"
        raise _syntax_error(text, exc.position, message, name) from None
    except RecursionError:
        raise _syntax_error(text, 0, "the definition is nested too deeply", name) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise _syntax_error(text, 0, "the definition is empty", name)
    builder = _YamlBuilder(text, 10 * node_count + _ALIAS_BUDGET)
    try:
        value = builder.build(root, "")
    except RecursionError:
        raise _syntax_error(text, 0, "the definition is nested too deeply", name) from None
    except _AliasExplosion as exc:
        builder.problems.items.clear()
        builder.problems.add("UNSUPPORTED_YAML", str(exc), "", exc.offset)
    builder.problems.raise_if_any(name)
    _check_size(len(dumps(value)), name)  # the JSON the YAML stands for, as Step Functions gets it
    return Source(value, "yaml", text, name, builder.members, root.start_mark.index)


def _describe_token(found: str) -> str:
    """PyYAML's name of a token (``'<scalar>'``, ``'-'``) in words."""
    return {
        "'<block mapping start>'": "a key",
        "'<block sequence start>'": "a list item",
        "'<block end>'": "the end of a block",
        "'<stream end>'": "the end of the text",
        "'<document start>'": "'---'",
        "'<document end>'": "'...'",
        "'<scalar>'": "a value",
        "'<alias>'": "an alias",
        "'<anchor>'": "an anchor",
        "'<tag>'": "a tag",
        "'-'": "a list item ('-')",
        "'?'": "a key",
    }.get(found, found)


def _yaml_error(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The offset and a readable message for one of PyYAML's errors."""
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context or ""
    offset = exc.problem_mark.index if exc.problem_mark is not None else 0
    context_at = ""
    if exc.context_mark is not None:
        context_at = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
    if problem == "mapping values are not allowed here":
        return (
            offset,
            "unexpected ':' here: check the indentation of this line, or quote a value that contains ': '",
        )
    if problem in ("sequence entries are not allowed here", "mapping keys are not allowed here"):
        what = "a list item ('-')" if problem.startswith("sequence") else "a key ('?')"
        return offset, f"{what} is not allowed here: check the indentation of this line"
    match = re.fullmatch(r"expected the node content, but found (.*)", problem)
    if match is not None:
        return offset, f"expected a value, but found {_describe_token(match.group(1))}"
    if problem == "found character '\\t' that cannot start any token":
        return offset, "found a tab character: YAML indentation must use spaces"
    match = re.fullmatch(r"found character '(.*)' that cannot start any token", problem)
    if match is not None:
        return offset, f"a plain value cannot start with {match.group(1)!r}; put the value in quotes"
    if problem == "could not find expected ':'" and exc.context_mark is not None:
        return exc.context_mark.index, "missing ':' after this key (or a multi-line key)"
    match = re.fullmatch(r"expected <block end>, but found (.*)", problem)
    if match is not None and match.group(1) == "'<scalar>'":
        kind = "mapping" if "mapping" in context else "list"
        return offset, (
            f"unexpected text here: expected a new entry of the {kind} that starts at {context_at} "
            "(quote the whole value if it contains quotes or brackets)"
        )
    if match is not None:
        kind = "mapping" if "mapping" in context else "list"
        return offset, (
            f"bad indentation: {_describe_token(match.group(1))} here does not line up with the {kind} "
            f"that starts at {context_at}"
        )
    if problem == "found unexpected end of stream" and "quoted scalar" in context:
        return exc.context_mark.index if exc.context_mark else offset, "unterminated quoted string"
    match = re.fullmatch(r"expected ',' or '(.)', but got (.*)", problem)
    if match is not None:
        kind = "list" if match.group(1) == "]" else "mapping"
        return offset, (
            f"expected ',' or '{match.group(1)}' in the {kind} that starts at {context_at}, "
            f"but found {_describe_token(match.group(2))}"
        )
    match = re.fullmatch(r"found undefined alias '(.*)'", problem)
    if match is not None:
        return offset, f"alias *{match.group(1)} refers to no anchor &{match.group(1)} defined before it"
    match = re.fullmatch(r"found duplicate anchor '(.*)'; first occurrence", context)
    if match is not None:
        return offset, f"anchor &{match.group(1)} is defined twice (first at {context_at})"
    if context == "expected a single document in the stream":
        return offset, "a second YAML document starts here; a definition must be a single document"
    message = problem
    if context:
        message += f" ({context}" + (f" at {context_at})" if context_at else ")")
    return offset, message


class _AliasExplosion(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__("aliases expand the document to too many values")
        self.offset = offset


class _YamlBuilder:
    """Turns composed YAML nodes into JSON values, recording offsets and collecting problems."""

    def __init__(self, text: str, budget: int) -> None:
        self.members: dict[int, tuple[Any, Members]] = {}  # see Source: offsets by container
        self.problems = _Problems(text)
        self.budget = budget
        self.active: set[int] = set()  # collections being built (to catch recursive aliases)

    def build(self, node: Node | _Alias, pointer: str) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _AliasExplosion(node.start_mark.index)
        if isinstance(node, _Alias):
            if id(node.target) in self.active:
                self.problems.add(
                    "UNSUPPORTED_YAML",
                    "recursive alias: it refers to a node containing it",
                    pointer,
                    node.start_mark.index,
                )
                return None
            node = node.target
        if isinstance(node, ScalarNode):
            return self.scalar(node, pointer)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self.check_tag(node, _SEQ_TAG, pointer)
                items = [self.build(item, f"{pointer}/{index}") for index, item in enumerate(node.value)]
                self.members[id(items)] = (items, [item.start_mark.index for item in node.value])
                return items
            self.check_tag(node, _MAP_TAG, pointer)
            return self.mapping(node, pointer)
        finally:
            self.active.discard(id(node))

    def check_tag(self, node: Node, expected: str, pointer: str) -> None:
        if node.tag != expected:
            self.unsupported_tag(node, pointer)

    def unsupported_tag(self, node: Node, pointer: str) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        kind = {ScalarNode: "a scalar", SequenceNode: "a sequence", MappingNode: "a mapping"}[type(node)]
        self.problems.add(
            "UNSUPPORTED_YAML",
            f"the YAML tag {tag} is not supported on {kind} (a definition is plain JSON data)",
            pointer,
            node.start_mark.index,
        )

    def scalar(self, node: ScalarNode, pointer: str) -> Any:
        text: str = node.value
        tag = node.tag
        if tag == _PLAIN_TAG:
            if text[:1] not in _SCALAR_START and text != "":
                return text
            return self.core(text, node, pointer, None)
        if tag == _STR_TAG:
            return text
        if tag in (_INT_TAG, _FLOAT_TAG, _BOOL_TAG, _NULL_TAG):
            return self.core(text, node, pointer, tag)
        self.unsupported_tag(node, pointer)
        return text

    def core(self, text: str, node: ScalarNode, pointer: str, tag: str | None) -> Any:
        """Read ``text`` with the YAML 1.2 core schema; ``tag`` (when given) is what it must be."""
        offset = node.start_mark.index
        value: Any = text
        if text in _CORE_NULL:
            value = None
        elif text in _CORE_BOOL:
            value = _CORE_BOOL[text]
        elif _CORE_INT.fullmatch(text) is not None:
            try:
                value = int(text, 0) if text[:2] in ("0o", "0x") else int(text)
            except ValueError:
                self.problems.add("UNSUPPORTED_YAML", "this integer has too many digits", pointer, offset)
                return None
            if tag == _FLOAT_TAG:
                value = float(value)
        elif _CORE_FLOAT.fullmatch(text) is not None:
            value = float(text)
            if not math.isfinite(value):
                self.problems.non_finite(text, pointer, offset)
        elif _CORE_NON_FINITE.fullmatch(text) is not None:
            self.problems.non_finite(text, pointer, offset)
            value = float(text.replace(".", "", 1))
        expected = {_INT_TAG: int, _FLOAT_TAG: float, _BOOL_TAG: bool, _NULL_TAG: type(None)}.get(tag or "")
        if expected is not None and type(value) is not expected:
            short = (tag or "").replace("tag:yaml.org,2002:", "!!")
            self.problems.add("UNSUPPORTED_YAML", f"{text!r} is not a valid {short} value", pointer, offset)
        return value

    def key(self, node: Node | _Alias, pointer: str) -> str | None:
        """A mapping key as a string (scalars as written), or ``None`` after reporting a bad key."""
        target = node.target if isinstance(node, _Alias) else node
        if isinstance(target, ScalarNode):
            return str(target.value)
        kind = "mapping" if isinstance(target, MappingNode) else "sequence"
        self.problems.add(
            "INVALID_KEY", f"a key must be a string, not a {kind}", pointer, node.start_mark.index
        )
        return None

    @staticmethod
    def is_merge(node: Node | _Alias) -> bool:
        return isinstance(node, ScalarNode) and (
            node.tag == _MERGE_TAG or (node.tag == _PLAIN_TAG and node.value == "<<")
        )

    def mapping(self, node: MappingNode, pointer: str) -> dict[str, Any]:
        """Build a mapping; ``<<`` merges keys from other mappings that the mapping does not set itself."""
        result: dict[str, Any] = {}
        own = {self.key_text(k) for k, _ in node.value if not self.is_merge(k)}
        seen: dict[str, int] = {}
        offsets: dict[str, tuple[int, int]] = {}  # key: (where the key was first written, its value)
        for key_node, value_node in node.value:
            if self.is_merge(key_node):
                for name, name_at, merged in self.merge_entries(value_node, pointer):
                    if name not in own and name not in result:
                        child = pointer + "/" + name.replace("~", "~0").replace("/", "~1")
                        offsets[name] = (name_at, merged.start_mark.index)
                        result[name] = self.build(merged, child)
                continue
            key = self.key(key_node, pointer)
            if key is None:
                continue
            key_at = key_node.start_mark.index
            child = pointer + "/" + key.replace("~", "~0").replace("/", "~1")
            if key in seen:
                self.problems.duplicate(key, child, key_at, seen[key])
                offsets[key] = (offsets[key][0], value_node.start_mark.index)
            else:
                seen[key] = key_at
                offsets[key] = (key_at, value_node.start_mark.index)
            result[key] = self.build(value_node, child)
        self.members[id(result)] = (result, offsets)
        return result

    @staticmethod
    def key_text(node: Node | _Alias) -> str | None:
        target = node.target if isinstance(node, _Alias) else node
        return str(target.value) if isinstance(target, ScalarNode) else None

    def merge_entries(self, node: Node | _Alias, pointer: str) -> list[tuple[str, int, Node | _Alias]]:
        """``(key, key offset, value node)`` of the mappings named by a ``<<`` value, first one wins."""
        target = node.target if isinstance(node, _Alias) else node
        sources = target.value if isinstance(target, SequenceNode) else [node]
        entries: list[tuple[str, int, Node | _Alias]] = []
        for source in sources:
            mapping = source.target if isinstance(source, _Alias) else source
            if not isinstance(mapping, MappingNode):
                self.problems.add(
                    "UNSUPPORTED_YAML",
                    "'<<' (merge) needs a mapping or a list of mappings, such as <<: *defaults",
                    pointer,
                    source.start_mark.index,
                )
                continue
            if id(mapping) in self.active:
                self.problems.add(
                    "UNSUPPORTED_YAML",
                    "recursive alias: it refers to a node containing it",
                    pointer,
                    source.start_mark.index,
                )
                continue
            self.active.add(id(mapping))
            try:
                entries.extend(self.flatten(mapping, pointer))
            finally:
                self.active.discard(id(mapping))
        return entries

    def flatten(self, mapping: MappingNode, pointer: str) -> list[tuple[str, int, Node | _Alias]]:
        """The entries of ``mapping`` including its own merges, own keys first."""
        own: list[tuple[str, int, Node | _Alias]] = []
        merged: list[tuple[str, int, Node | _Alias]] = []
        for key_node, value_node in mapping.value:
            if self.is_merge(key_node):
                merged.extend(self.merge_entries(value_node, pointer))
                continue
            key = self.key_text(key_node)
            if key is not None:
                own.append((key, key_node.start_mark.index, value_node))
        return own + merged


# ----------------------------------------------------------------------------- Python values


def _type_label(value: Any) -> str:
    kind = type(value)
    if kind.__module__ == "builtins":
        return f"a {kind.__name__}"
    return f"a {kind.__module__}.{kind.__qualname__}"


def _check_json_value(value: Any) -> list[Diagnostic]:
    """Every place where ``value`` holds something other than JSON data."""
    problems: list[Diagnostic] = []
    on_path: set[int] = set()
    checked: set[int] = set()  # containers met again (shared ones) are not walked twice
    stack: list[tuple[Any, str, bool]] = [(value, "", False)]
    while stack:
        item, pointer, leaving = stack.pop()
        if leaving:
            on_path.discard(id(item))
            checked.add(id(item))
            continue
        kind = type(item)
        if item is None or kind is str or kind is int or kind is bool:
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                problems.append(
                    Diagnostic(
                        "NON_FINITE_NUMBER",
                        f"{item!r} is not a finite number; JSON numbers cannot be NaN or infinite",
                        pointer,
                    )
                )
            continue
        if isinstance(item, (dict, list)):
            if id(item) in checked:
                continue
            if id(item) in on_path:
                problems.append(
                    Diagnostic("NOT_JSON", "circular reference: this value contains itself", pointer)
                )
                continue
            on_path.add(id(item))
            stack.append((item, pointer, True))
            if isinstance(item, dict):
                children = []
                for key, child in item.items():
                    if not isinstance(key, str):
                        problems.append(
                            Diagnostic(
                                "INVALID_KEY",
                                f"object keys must be strings, not {_type_label(key)} ({key!r})",
                                join_pointer(pointer, str(key)),
                            )
                        )
                    children.append((child, join_pointer(pointer, str(key)), False))
                stack.extend(reversed(children))
            else:
                stack.extend((child, f"{pointer}/{i}", False) for i, child in reversed(list(enumerate(item))))
            continue
        if isinstance(item, (str, int)):
            continue
        hint = " (use a list)" if isinstance(item, (tuple, set, frozenset)) else ""
        problems.append(Diagnostic("NOT_JSON", f"{_type_label(item)} is not a JSON value{hint}", pointer))
    return problems
