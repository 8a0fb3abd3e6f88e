"""JSONata as Step Functions evaluates it: JSONata 2.0.6 plus AWS's six functions, minus ``$eval``.

A field value ``"{% expr %}"`` holds a JSONata expression.  :func:`compile_jsonata` parses it once when
the definition is loaded (syntax errors become :class:`~sfn_notebook.errors.PathError` with a position)
and :meth:`JsonataExpression.evaluate` runs it with ``$states`` and the workflow variables bound:

>>> expr = compile_jsonata(strip_delimiters("{% $sum($states.input.prices) * $rate %}"))
>>> expr.evaluate({"input": {"prices": [2, 3]}}, {"rate": 2})
10
>>> sorted(expr.variables()), sorted(expr.uses_states_fields())
(['rate', 'states'], ['input'])
>>> expr.evaluate({"input": {}}, {"rate": 2}) is UNDEFINED_RESULT
True
>>> compile_jsonata("$partition([1, 2, 3], 2)").evaluate({}, {})
[[1, 2], [3]]

The dialect
-----------
* AWS's functions: ``$partition(array, size)``, ``$range(start, end, step)`` (end included when a step
  lands on it; a one-element range is the bare number, as AWS returns it), ``$hash(data, algorithm)``
  (MD5, SHA-1, SHA-256, SHA-384, SHA-512), ``$random([seed])`` (seeded = ``java.util.Random(seed)
  .nextDouble()``; unseeded draws from the ``rng`` given to :meth:`~JsonataExpression.evaluate`),
  ``$uuid()`` (version 4, from ``rng``) and ``$parse(json)``.  They are JSONata lambdas bound around
  the expression, so an undefined argument or result stays undefined, as JSONata's own functions do.
* ``$eval`` fails with ``T1006: Attempted to invoke a non-function``, which is what AWS answers.
* JSONata 2.1's ``??`` and ``?:`` are syntax errors: AWS runs 2.0.6.
* Numbers are doubles.  Results come back as ``int`` when integral and below 2**63 in magnitude (AWS
  writes ``1 + 2`` as ``3``), as ``float`` otherwise.  An input integer beyond a Java ``long`` becomes
  a double, as AWS reads it.  A non-finite result is the string AWS writes for it: ``"Infinity"``,
  ``"-Infinity"``, ``"NaN"``.
* A result that is, or contains, a function is refused (``UNSUPPORTED_RESULT``): AWS reports that the
  expression "returned an unsupported result type".

Error causes
------------
AWS words a failed expression as (AWS-recorded; the state prefix is the engine's business)::

    An error occurred while executing the state '<State>' (entered at the event id #<n>).
    The JSONata expression '<expr>' specified for the field '<Field/path>' <ending>

with ``<ending>`` one of ``threw an error during evaluation. <CODE>: <message>`` (``: <message>``
when the JSONata error has no code), ``returned nothing (undefined).``, ``returned an unsupported
result type.`` and ``returned an unexpected result type. Expected 'array', but was 'number' for
value: 1``.  :class:`JsonataError` carries ``<CODE>: <message>`` in ``message``, worded like
jsonata-js's catalogue, which is what AWS prints; :func:`evaluation_failure_cause`,
:func:`undefined_result_cause` and :func:`unexpected_type_cause` build the sentences.

Choice of library
-----------------
Measured on a 2-core x86-64 machine, CPython 3.11, best of three runs, time per call, ``$states``
bound (``p``/``q`` stand for ``price``/``qty``):

=====================================  ======  ================  ===============  ============
expression                             input   jsonatapy 2.2.13  jsonata-python   this adapter
=====================================  ======  ================  ===============  ============
``$states.input.order.id``             0.4 KB  8.7 us            48 us            3.9 us
``$sum($states.input.items.(p*q))``    0.4 KB  12 us             305 us           18 us
``$states.input.items[q > 3].sku``     0.4 KB  17 us             193 us           14 us
``$states.input.order.id``             177 KB  2.5 ms            31 us            1.8 us
``$sum($states.input.items.(p*q))``    177 KB  3.8 ms            100 ms           2.3 ms
``$states.input.items[q > 3].sku``     177 KB  2.9 ms            47 ms            1.5 ms
``$states.input.order.id``             737 KB  12.9 ms           51 us            3.4 us
``$sum($states.input.items.(p*q))``    737 KB  19.7 ms           217 ms           4.5 ms
compile (five typical expressions)     -       2.6-4.7 us        144-443 us       95-232 us
=====================================  ======  ================  ===============  ============

jsonatapy (Rust) is 6-30x faster than jsonata-python (pure Python) except for a plain field access on
a large input, where jsonatapy converts its bindings whole on every call.  So this adapter does not
bind ``$states`` and the variables: it hands them over as the input document, which jsonatapy reads
lazily, and binds them in a block around the expression (``$states := $$.`sfn:states```); and an
expression that is only ``$name.field.field`` (the commonest shape in definitions) is answered in
Python.  Pre-converting the input once per state visit (``jsonatapy.JsonataData``) was measured and is
not needed: building it costs 3-7 ms at 177 KB, more than one call's conversion, and the lazy input
document already makes a path into a large input cost microseconds.  Compiling is slower than the
library alone (the tokenizer below is Python) and is cached per expression text.

jsonatapy's differences from JSONata, and what the adapter does about them: errors are ``ValueError``
text without a position (the code is parsed out, the message reworded as jsonata-js words it, and a
syntax error located by re-parsing prefixes of the expression); ``None`` stands for JSON null,
undefined and functions alike, and a list of objects it built comes back with every object's keys in
the order first met in the result (a second run inside ``$string`` settles both when they can
matter); integers beyond 64 bits cannot be handed to it (they become doubles, as AWS reads them); it
accepts JSONata 2.1's operators (refused here); binding a name to undefined hides a built-in, and a
lambda resolves a free name when it is made if the name is bound by then (so only free names are
bound around the expression).  Remaining differences: the library computes with doubles, so an
integer beyond 2**53 loses precision once it goes through arithmetic or a function (plain paths keep
it exact, as AWS's ``long`` does), and its regular expressions are Rust's (no look-around or
back-references, which AWS's Java engine has).

jsonatapy has wheels for CPython 3.10-3.13 on Linux x86-64, macOS arm64 and Windows x86-64; elsewhere
(Linux arm64, musl, macOS x86-64, CPython 3.14) pip builds it from source, which needs a Rust
toolchain.  jsonata-python would be the fallback there, but it fails on function-valued results, on
``1/0`` and on ``$number('x')`` with Python exceptions and words errors differently, so it would need
an adapter of its own; none is provided yet.

Static analysis (:meth:`JsonataExpression.variables`, :meth:`~JsonataExpression.uses_states_fields`)
works on this module's own JSONata tokenizer (neither library exposes its syntax tree): it skips
strings, quoted names, comments and regular expressions, and follows JSONata's scopes (blocks,
lambda parameters, ``:=``, ``@$v`` and ``#$i`` bindings).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import itertools
import json
import math
import os
import random
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final, Protocol

from .._json import MISSING, dumps, is_number, loads_strict, type_name
from ..errors import PathError
from .java_random import JavaRandom

__all__ = [
    "UNDEFINED_RESULT",
    "JsonataError",
    "JsonataExpression",
    "VariableLookup",
    "compile_jsonata",
    "evaluation_failure_cause",
    "is_jsonata",
    "java_random_double",
    "strip_delimiters",
    "undefined_result_cause",
    "unexpected_type_cause",
]

#: What :meth:`JsonataExpression.evaluate` returns when the expression yields nothing (undefined).
UNDEFINED_RESULT: Final = MISSING

#: Longest an evaluation may run before it fails with ``D1012`` (milliseconds).  AWS bounds
#: evaluation too; this is a safety net against expressions that never terminate.
EVALUATION_TIMEOUT_MS: Final = 10_000

#: JSONata 2.0.6's built-in functions (``$eval`` included: it is a name, calling it fails).
JSONATA_FUNCTIONS: Final = frozenset({
    "string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim",
    "pad", "contains", "split", "join", "match", "replace", "eval", "base64encode", "base64decode",
    "encodeUrlComponent", "encodeUrl", "decodeUrlComponent", "decodeUrl", "formatNumber", "formatBase",
    "formatInteger", "parseInteger", "number", "abs", "floor", "ceil", "round", "power", "sqrt", "random",
    "sum", "max", "min", "average", "boolean", "not", "exists", "count", "append", "sort", "reverse",
    "shuffle", "distinct", "zip", "keys", "lookup", "spread", "merge", "sift", "each", "error", "assert",
    "type", "now", "millis", "fromMillis", "toMillis", "map", "filter", "single", "reduce", "clone",
})  # fmt: skip

#: The functions Step Functions adds to JSONata.
AWS_FUNCTIONS: Final = frozenset({"partition", "range", "hash", "random", "uuid", "parse"})

BUILTIN_FUNCTIONS: Final = JSONATA_FUNCTIONS | AWS_FUNCTIONS

_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1


class VariableLookup(Protocol):
    """What :meth:`JsonataExpression.evaluate` needs from the workflow variables: lookup by name."""

    def __contains__(self, name: object, /) -> bool: ...

    def __getitem__(self, name: str, /) -> Any: ...


# ============================================================================ delimiters


def is_jsonata(value: Any) -> bool:
    """True when ``value`` is a string AWS evaluates as JSONata: ``{%`` ... ``%}``, nothing outside.

    >>> is_jsonata("{% $states.input %}"), is_jsonata("{%1%}"), is_jsonata(" {% 1 %}"), is_jsonata(3)
    (True, True, False, False)
    """
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def strip_delimiters(text: str) -> str:
    """The expression inside ``{% ... %}``, trimmed as AWS trims it (the text AWS quotes in causes).

    AWS quotes ``{% true %}`` as ``'true'``; the trim removes what Java's ``String.trim`` removes
    (every character up to U+0020).

    >>> strip_delimiters("{%  $states.input.x %}")
    '$states.input.x'
    """
    if not is_jsonata(text):
        raise ValueError(f"not a JSONata string (must start with '{{%' and end with '%}}'): {text!r}")
    return _java_trim(text[2:-2])


def _java_trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


# ============================================================================ errors


class JsonataError(Exception):
    """A JSONata expression failed while being evaluated (AWS: ``States.QueryEvaluationError``).

    ``code`` is JSONata's error code (``T0410``, ``D3020``, ...), or ``"UNSUPPORTED_RESULT"`` when the
    result is not JSON (a function).  ``message`` is the text AWS prints after "threw an error during
    evaluation. ": ``"<code>: <message>"``, or the bare message for the few errors AWS prints without a
    code (evaluation limits, ``D3010``).
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(code, message)

    @property
    def has_code_in_message(self) -> bool:
        """Whether ``message`` starts with the code (AWS then joins it with ``. ``, otherwise ``: ``)."""
        return self.message.startswith(self.code + ": ")

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message))


def evaluation_failure_cause(source: str, field: str, error: JsonataError) -> str:
    """AWS's sentence for an expression that failed (the cause without the state prefix).

    >>> error = JsonataError("T1006", "T1006: Attempted to invoke a non-function")
    >>> print(evaluation_failure_cause("$x()", "Output", error).split(" threw ")[1])
    an error during evaluation. T1006: Attempted to invoke a non-function
    """
    head = f"The JSONata expression '{source}' specified for the field '{field}'"
    if error.code == "UNSUPPORTED_RESULT":
        return f"{head} returned an unsupported result type."
    joint = ". " if error.has_code_in_message else ": "
    return f"{head} threw an error during evaluation{joint}{error.message}"


def undefined_result_cause(source: str, field: str) -> str:
    """AWS's sentence for an expression that returned nothing (undefined)."""
    return (
        f"The JSONata expression '{source}' specified for the field '{field}' returned nothing (undefined)."
    )


def unexpected_type_cause(source: str, field: str, expected: str, value: Any) -> str:
    """AWS's sentence for a result of the wrong JSON type (``expected`` as ``type_name`` names it).

    >>> print(unexpected_type_cause("1", "Items", "array", 1).split(". ")[1])
    Expected 'array', but was 'number' for value: 1
    """
    return (
        f"The JSONata expression '{source}' specified for the field '{field}' returned an unexpected result "
        f"type. Expected '{expected}', but was '{type_name(value)}' for value: {dumps(value)}"
    )


def _error(code: str, message: str, *, with_code: bool = True) -> JsonataError:
    return JsonataError(code, f"{code}: {message}" if with_code else message)


# ============================================================================ tokenizer


@dataclass(frozen=True)
class _Token:
    """One lexical token.  ``kind`` is one of: name, var, str, num, value, regex, op, end.

    ``text`` is the operator, the name (without backquotes), the variable name (without ``$``), the
    decoded string or the literal's source.  ``prefix`` is True when the token was read where an operand
    was expected (this is what makes ``/`` a regex and ``and`` a field name).
    """

    kind: str
    text: str
    start: int
    end: int
    prefix: bool
    quoted: bool = False


class _LexError(Exception):
    def __init__(self, code: str, message: str, position: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position


_OPERATOR_CHARS: Final = frozenset(".[]{}(),@#;:?+-*/%|=<>^&!~")
_TWO_CHAR_OPERATORS: Final = frozenset({"..", ":=", "!=", ">=", "<=", "**", "~>", "??", "?:"})
_INFIX_WORDS: Final = frozenset({"and", "or", "in"})
_VALUE_WORDS: Final = frozenset({"true", "false", "null"})
_LAMBDA_WORDS: Final = frozenset({"function", "λ"})
_OPERAND_OPERATORS: Final = frozenset({"*", "**", "%", "?"})  # operands when read in prefix position
_NUMBER: Final = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[Ee][-+]?[0-9]+)?")
_ESCAPES: Final = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens the way JSONata 2.0.6's lexer does (ending with an ``end`` token)."""
    tokens: list[_Token] = []
    pos, n = 0, len(text)
    expect_operand = True
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos < n and text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0:
                raise _LexError("S0106", "Comment has no closing tag", pos)
            pos = close + 2
            continue
        if pos >= n:
            tokens.append(_Token("end", "", n, n, expect_operand))
            return tokens
        ch = text[pos]
        start = pos
        if ch == "/" and expect_operand:
            pos = _scan_regex(text, pos)
            tokens.append(_Token("regex", text[start:pos], start, pos, True))
            expect_operand = False
            continue
        if text[pos : pos + 2] in _TWO_CHAR_OPERATORS:
            op = text[pos : pos + 2]
            pos += 2
            tokens.append(_Token("op", op, start, pos, expect_operand))
            expect_operand = True
            continue
        if ch in _OPERATOR_CHARS:
            if ch in "!~":
                raise _LexError("S0204", f"Unknown operator: {json.dumps(ch)}", pos)
            pos += 1
            tokens.append(_Token("op", ch, start, pos, expect_operand))
            # an operator follows a closing bracket or an operand-like one (wildcard, placeholder)
            expect_operand = not (ch in ")]}" or (ch in _OPERAND_OPERATORS and expect_operand))
            continue
        if ch in "\"'":
            value, pos = _scan_string(text, pos)
            tokens.append(_Token("str", value, start, pos, expect_operand))
            expect_operand = False
            continue
        if ch == "`":
            close = text.find("`", pos + 1)
            if close < 0:
                raise _LexError("S0105", "Quoted property name must be terminated with a backquote (`)", pos)
            pos = close + 1
            tokens.append(_Token("name", text[start + 1 : close], start, pos, expect_operand, quoted=True))
            expect_operand = False
            continue
        match = _NUMBER.match(text, pos) if ch.isdigit() else None
        if match is not None:
            pos = match.end()
            if math.isinf(float(match.group())):
                raise _LexError("S0102", f"Number out of range: {match.group()}", start)
            tokens.append(_Token("num", match.group(), start, pos, expect_operand))
            expect_operand = False
            continue
        if ch == "$":
            pos = _scan_name(text, pos + 1)
            tokens.append(_Token("var", text[start + 1 : pos], start, pos, expect_operand))
            expect_operand = False
            continue
        pos = _scan_name(text, pos)
        word = text[start:pos]
        if word in _INFIX_WORDS and not expect_operand:
            tokens.append(_Token("op", word, start, pos, False))
            expect_operand = True
        elif word in _VALUE_WORDS:
            tokens.append(_Token("value", word, start, pos, expect_operand))
            expect_operand = False
        elif word in _LAMBDA_WORDS and expect_operand:
            tokens.append(_Token("name", word, start, pos, True))
            expect_operand = True
        else:
            tokens.append(_Token("name", word, start, pos, expect_operand))
            expect_operand = False


def _scan_name(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and not text[pos].isspace() and text[pos] not in _OPERATOR_CHARS:
        pos += 1
    return pos


def _scan_string(text: str, pos: int) -> tuple[str, int]:
    quote, start, n = text[pos], pos, len(text)
    pos += 1
    out: list[str] = []
    while pos < n:
        ch = text[pos]
        if ch == quote:
            return "".join(out), pos + 1
        if ch == "\\":
            nxt = text[pos + 1 : pos + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                pos += 2
                continue
            if nxt == "u":
                digits = text[pos + 2 : pos + 6]
                if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    pos += 6
                    continue
                raise _LexError("S0104", "The escape sequence \\u must be followed by 4 hex digits", pos)
            raise _LexError("S0103", f"Unsupported escape sequence: \\{nxt}", pos)
        out.append(ch)
        pos += 1
    raise _LexError("S0101", "String literal must be terminated by a matching quote", start)


def _scan_regex(text: str, pos: int) -> int:
    """Position just after the regex literal starting at ``pos`` (its flags included)."""
    start, n, depth = pos, len(text), 0
    pos += 1
    while pos < n:
        ch = text[pos]
        escaped = _odd_backslashes_before(text, pos)
        if ch == "/" and depth == 0 and not escaped:
            if pos == start + 1:
                raise _LexError("S0301", "Empty regular expressions are not allowed", start)
            pos += 1
            while pos < n and text[pos] in "im":
                pos += 1
            return pos
        if ch in "([{" and text[pos - 1] != "\\":
            depth += 1
        elif ch in ")]}" and text[pos - 1] != "\\":
            depth -= 1
        pos += 1
    raise _LexError("S0302", "No terminating / in regular expression", start)


def _odd_backslashes_before(text: str, pos: int) -> bool:
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


# ============================================================================ static analysis


class _Scope:
    """A JSONata frame: the root, a ``( ... )`` block or a lambda body."""

    __slots__ = ("all_bound", "committed", "is_lambda", "parent")

    def __init__(self, parent: _Scope | None, is_lambda: bool = False) -> None:
        self.parent = parent
        self.is_lambda = is_lambda
        self.committed: set[str] = set()  # bound by the point the scan has reached
        self.all_bound: set[str] = set()  # bound anywhere in the frame (what a lambda sees when called)


class _Level:
    """An open bracket, or the whole expression (``root``)."""

    __slots__ = ("kind", "pending", "scope", "top")

    def __init__(self, kind: str, scope: _Scope, top: bool = False) -> None:
        self.kind = kind  # root, block, call, params, lambda, array, filter, object
        self.scope = scope  # the frame expressions inside this bracket run in
        self.pending: list[str] = []  # ``$x :=`` seen; bound once the right-hand side ends
        self.top = top  # a field name read here is relative to the expression's top level


@dataclass(frozen=True)
class _Analysis:
    free: frozenset[str]  # free variable reads (builtins excluded)
    free_any: frozenset[str]  # free variable reads, built-in function names included
    states_fields: frozenset[str]
    names: frozenset[str]  # every ``$name`` in the text (what may need binding)
    called: tuple[str, ...]  # built-in functions called (for error messages)
    may_yield_function: bool
    simple_path: tuple[str, tuple[str, ...]] | None  # ``$var.a.b`` shape: (var, steps)
    top_level_names: tuple[str, ...] = ()  # field names read at the top level (AWS refuses them)
    uses_parent: bool = False  # ``$$`` appears (AWS refuses it)


def _analyse(tokens: list[_Token]) -> _Analysis:
    """Free variables and other facts about a tokenized expression (assumed syntactically valid)."""
    scan = _Scan(tokens)
    free_reads = scan.free_reads()
    free = {name for name, _ in free_reads}
    names = frozenset(tok.text for tok in tokens if tok.kind == "var")
    may_yield_function = scan.may_yield_function
    for tok, nxt in itertools.pairwise(tokens):
        if tok.kind == "var" and not (nxt.kind == "op" and nxt.text == "("):
            if tok.text in BUILTIN_FUNCTIONS or tok.text in scan.bound_anywhere:
                may_yield_function = True
    called = (n for n in scan.called if n in BUILTIN_FUNCTIONS and n not in scan.bound_anywhere)
    return _Analysis(
        free=frozenset(free - BUILTIN_FUNCTIONS - {"", "$"}),
        free_any=frozenset(free - {"", "$"}),
        states_fields=_states_fields(tokens, free_reads),
        names=names,
        called=tuple(dict.fromkeys(called)),
        may_yield_function=may_yield_function,
        simple_path=_simple_path(tokens),
        top_level_names=tuple(dict.fromkeys(scan.top_level_names)),
        uses_parent="$" in names,
    )


def _states_fields(tokens: list[_Token], free_reads: list[tuple[str, int]]) -> frozenset[str]:
    """The fields of ``$states`` the expression reads (``"*"``: it reads ``$states`` otherwise)."""
    fields: set[str] = set()
    for name, index in free_reads:
        if name != "states":
            continue
        dot = tokens[index + 1]
        step = tokens[index + 2] if index + 2 < len(tokens) else tokens[-1]
        if dot.kind == "op" and dot.text == "." and step.kind in ("name", "str"):
            fields.add(step.text)
        else:
            fields.add("*")
    return frozenset(fields)


class _Scan:
    """One pass over an expression's tokens, following its scopes: which variables it binds and
    reads, which functions it calls, which field names it reads at the top level."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.levels = [_Level("root", _Scope(None), top=True)]
        self.top_level_names: list[str] = []
        self.deferred: list[tuple[str, int, list[_Scope]]] = []  # reads a lambda's caller may bind
        self.reads: list[tuple[str, int]] = []  # reads nothing binds
        self.bound_anywhere: set[str] = set()
        self.called: list[str] = []
        self.may_yield_function = False
        self.lambda_pending: _Scope | None = None  # parameters read, body not opened yet
        i = 0
        while i < len(tokens):
            i = self._step(i)
        for level in self.levels:
            _commit(level)

    def free_reads(self) -> list[tuple[str, int]]:
        """Every read of a variable that no enclosing scope binds, with its token index, in order."""
        free_reads = list(self.reads)
        for name, index, scopes in self.deferred:
            if not any(name in scope.all_bound for scope in scopes):
                free_reads.append((name, index))
        free_reads.sort(key=lambda item: item[1])
        return free_reads

    def _step(self, i: int) -> int:
        """Take in ``tokens[i]``; the index of the next token to read."""
        tokens = self.tokens
        tok = tokens[i]
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else tokens[-1]
        level = self.levels[-1]
        if tok.kind == "var":
            self._variable(i, prev, nxt, level)
        elif tok.kind == "name" and tok.prefix and not tok.quoted and tok.text in _LAMBDA_WORDS:
            self.may_yield_function = True
        elif tok.kind == "name" and tok.prefix and level.top and not _is_step(prev):
            if tok.quoted or tok.text not in _INFIX_WORDS | _VALUE_WORDS:
                self.top_level_names.append(tok.text)
        elif tok.kind == "op":
            return self._operator(i, prev, nxt, level)
        return i + 1

    def _variable(self, i: int, prev: _Token | None, nxt: _Token, level: _Level) -> None:
        name = self.tokens[i].text
        if level.kind == "params" or (prev is not None and prev.kind == "op" and prev.text in ("@", "#")):
            level.scope.committed.add(name)
            level.scope.all_bound.add(name)
            self.bound_anywhere.add(name)
        elif nxt.kind == "op" and nxt.text == ":=":
            level.pending.append(name)
            level.scope.all_bound.add(name)
            self.bound_anywhere.add(name)
        else:
            self._read(name, i)
            if (nxt.kind == "op" and nxt.text == "(") or (prev is not None and prev.text == "~>"):
                self.called.append(name)

    def _operator(self, i: int, prev: _Token | None, nxt: _Token, level: _Level) -> int:
        tokens, levels = self.tokens, self.levels
        tok = tokens[i]
        op = tok.text
        # a bracket continues the top level unless it follows a path step ("a.(b)", "$f.g(x)")
        top = level.top and not _is_step(prev) and not (i > 1 and _is_step(tokens[i - 2]) and op == "(")
        if op == "(":
            if prev is not None and prev.kind == "name" and prev.prefix and prev.text in _LAMBDA_WORDS:
                levels.append(_Level("params", _Scope(level.scope, is_lambda=True)))
            elif not tok.prefix or (prev is not None and prev.text == "^"):
                levels.append(_Level("call", level.scope, top))
            else:
                levels.append(_Level("block", _Scope(level.scope), top))
        elif op == "[":
            levels.append(_Level("array", level.scope, top) if tok.prefix else _Level("filter", level.scope))
        elif op == "{":
            if self.lambda_pending is not None:
                levels.append(_Level("lambda", self.lambda_pending))
                self.lambda_pending = None
            else:
                levels.append(_Level("object", level.scope))
        elif op in ")]}":
            _commit(level)
            if len(levels) > 1:
                levels.pop()
            if level.kind == "params":
                self.lambda_pending = level.scope
                if nxt.kind == "op" and nxt.text == "<":
                    return _skip_signature(tokens, i + 1)
        elif op in (";", ","):
            _commit(level)
        elif op == "?" and tok.prefix:
            self.may_yield_function = True  # a partial application placeholder
        return i + 1

    def _read(self, name: str, index: int) -> None:
        scope: _Scope | None = self.levels[-1].scope
        lazy: list[_Scope] = []
        crossed = False
        while scope is not None:
            if not crossed and name in scope.committed:
                return
            if crossed:
                lazy.append(scope)
            if scope.is_lambda:
                crossed = True
            scope = scope.parent
        if lazy:
            self.deferred.append((name, index, lazy))
        else:
            self.reads.append((name, index))


def _commit(level: _Level) -> None:
    """The variables assigned in ``level`` so far are bound from here on."""
    level.scope.committed.update(level.pending)
    level.pending.clear()


def _is_step(token: _Token | None) -> bool:
    """Whether ``token`` is the ``.`` of a path step (what follows it is read from the step's value)."""
    return token is not None and token.kind == "op" and token.text == "."


def _skip_signature(tokens: list[_Token], i: int) -> int:
    """Index of the token after the function signature ``<...>`` that starts at ``tokens[i]``."""
    depth = 0
    while i < len(tokens) and tokens[i].kind != "end":
        tok = tokens[i]
        if tok.kind == "op" and tok.text == "<":
            depth += 1
        elif tok.kind == "op" and tok.text == ">":
            depth -= 1
            if depth == 0:
                return i + 1
        elif tok.kind == "op" and tok.text == "{":
            return i
        i += 1
    return i


def _simple_path(tokens: list[_Token]) -> tuple[str, tuple[str, ...]] | None:
    """``(var, (step, ...))`` when the expression is ``$var`` followed only by ``.name`` steps."""
    body = tokens[:-1]
    if not body or body[0].kind != "var" or body[0].text in ("", "$") or len(body) % 2 != 1:
        return None
    steps = []
    for dot, name in zip(body[1::2], body[2::2]):
        if not (dot.kind == "op" and dot.text == "." and name.kind == "name"):
            return None
        if not name.quoted and name.text in _LAMBDA_WORDS:
            return None
        steps.append(name.text)
    return body[0].text, tuple(steps)


def _check_dialect(tokens: list[_Token]) -> None:
    """Reject what jsonatapy accepts but JSONata 2.0.6 (AWS) does not."""
    in_signature = 0
    for prev, tok in zip([None, *tokens], tokens):
        if tok.kind != "op":
            continue
        if (
            tok.text == "<"
            and prev is not None
            and prev.kind == "op"
            and prev.text == ")"
            and not in_signature
        ):
            in_signature = 1 if _closes_params(tokens, prev) else 0
            continue
        if in_signature:
            if tok.text == "<":
                in_signature += 1
            elif tok.text == ">":
                in_signature -= 1
            continue
        if tok.text in ("??", "?:"):
            # 2.0.6 reads these as two tokens; its parser stops at the second one.
            second = tok.text[1]
            raise _LexError(
                "S0211", f"The symbol {json.dumps(second)} cannot be used as a unary operator", tok.start + 1
            )
        if tok.text == ":=" and (prev is None or prev.kind != "var"):
            raise _LexError("S0212", "The left side of := must be a variable name (start with $)", tok.start)


def _closes_params(tokens: list[_Token], close: _Token) -> bool:
    """Whether the ``)`` token ``close`` ends a lambda's parameter list."""
    index = tokens.index(close)
    depth = 0
    for j in range(index, -1, -1):
        tok = tokens[j]
        if tok.kind == "op" and tok.text == ")":
            depth += 1
        elif tok.kind == "op" and tok.text == "(":
            depth -= 1
            if depth == 0:
                before = tokens[j - 1] if j > 0 else None
                return before is not None and before.kind == "name" and before.text in _LAMBDA_WORDS
    return False


# ============================================================================ AWS's functions

_UNDEFINED_MARK: Final = "\u0000sfn-notebook:undefined\u0000"
_HASHES: Final = {
    "MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
}  # fmt: skip
_RANGE_LIMIT: Final = 10_000_000
#: The longest string $replace and $join may build (characters): far past any payload, far below memory.
_RESULT_CHARS: Final = 1 << 24

# Each AWS function is a JSONata lambda around a host function, so JSONata decides what is undefined:
# the host learns which arguments exist and returns a marker for "undefined".  Hosts whose results may
# hold objects return JSON text, decoded by the library's own reader: values handed back directly lose
# their key order in jsonatapy 2.2.13.
# The signatures (any value, optional) make an extra argument a T0410 error, as AWS's functions do,
# and tell higher-order functions such as $map how many arguments to pass.
_PRELUDE: Final = {
    "partition": (
        "$partition := function($a, $b)<x?x?:x> "
        "{ $__sfn_j($__sfn_partition([$exists($a), $exists($b)], $a, $b)) }"
    ),
    "range": (
        "$range := function($a, $b, $c)<x?x?x?:x> "
        "{ $__sfn_u($__sfn_range([$exists($a), $exists($b), $exists($c)], $a, $b, $c)) }"
    ),
    "hash": "$hash := function($a, $b)<x?x?:x> { $__sfn_u($__sfn_hash([$exists($a), $exists($b)], $a, $b)) }",
    "random": "$random := function($a)<x?:x> { $__sfn_random([$exists($a)], $a) }",
    "uuid": "$uuid := function()<:s> { $__sfn_uuid() }",
    "parse": "$parse := function($a)<x?:x> { $__sfn_j($__sfn_parse([$exists($a)], $a)) }",
    "now": "$now := function($a, $b) { $fromMillis($__sfn_millis(), $a, $b) }",
    "millis": "$millis := function() { $__sfn_millis() }",
    "eval": "$eval := function() { $__sfn_reject_eval() }",
    # the library allocates the whole padding before anything can stop it: widths are bounded first
    "pad": (
        "$__sfn_pad := $pad; $pad := function($s, $w, $c) { $type($w) = 'number' and $abs($w) > "
        f"{1 << 20} ? $error('$pad: a width beyond {1 << 20} characters needs more memory than an "
        "evaluation may use') : $__sfn_pad($s, $w, $c) }"
    ),
    # $replace and $join build their whole result at once too (a megabyte string replaced into every
    # character of itself is a terabyte): the longest result they could give is bounded first
    "replace": (
        "$__sfn_replace := $replace; $replace := function($s, $p, $r, $l)<s-(sf)(sf)n?:s> { ($type($s) = 'string' "
        "and $type($r) = 'string' and ($length($s) + 1) * $length($r) + $length($s) > "
        f"{_RESULT_CHARS}) ? $error('$replace: the result could reach more characters than an "
        "evaluation may use') : $__sfn_replace($s, $p, $r, $l) }"
    ),
    "join": (
        "$__sfn_join := $join; $join := function($a, $s) { ($type($a) = 'array' and "
        "$sum($a.($type($) = 'string' ? $length($) : 0)) + $count($a) * ($type($s) = 'string' ? "
        f"$length($s) : 0) > {_RESULT_CHARS}) ? $error('$join: the result would be longer than "
        "an evaluation may build') : $__sfn_join($a, $s) }"
    ),
}
_AWS_ARITY: Final = {"partition": 2, "range": 3, "hash": 2, "random": 1, "uuid": 0, "parse": 1}
_MARK_TEST: Final = "$r = '\\u0000sfn-notebook:undefined\\u0000'"
_DECODER: Final = "$__sfn_json := $eval"  # captured before a user's ``$eval`` is replaced
_UNDEFINED_HELPER: Final = f"$__sfn_u := function($r) {{ {_MARK_TEST} ? $__sfn_none : $r }}"
_JSON_HELPER: Final = f"$__sfn_j := function($r) {{ {_MARK_TEST} ? $__sfn_none : $__sfn_json($r) }}"
_JSON_FUNCTIONS: Final = frozenset({"partition", "parse"})
_PLAIN_FUNCTIONS: Final = frozenset({"range", "hash"})
_STATES_KEY: Final = "sfn:states"  # keys of the document the prelude reads ``$states`` and variables from
_VARIABLES_KEY: Final = "sfn:variables"


@dataclass
class _Evaluation:
    """Per-evaluation state the host functions read (set in a context variable)."""

    rng: random.Random | None
    now: datetime | None
    millis: int | None = None
    failure: JsonataError | None = None


_CURRENT: contextvars.ContextVar[_Evaluation] = contextvars.ContextVar("sfn_notebook_jsonata_evaluation")


class _HostFailure(Exception):
    """Raised inside a host function; the real error waits in the current :class:`_Evaluation`."""


def _fail(error: JsonataError) -> _HostFailure:
    current = _CURRENT.get(None)
    if current is not None:
        current.failure = error
    return _HostFailure(error.message)


def _signature_error(function: str, argument: int) -> _HostFailure:
    message = f'Argument {argument} of function "{function}" does not match function signature'
    return _fail(_error("T0410", message))


def _towards_zero(value: Any, function: str, argument: int) -> int:
    """A numeric argument as a Java ``long``: truncated towards zero, saturated, NaN as 0."""
    if not is_number(value):
        raise _signature_error(function, argument)
    if isinstance(value, int):
        return min(max(value, _LONG_MIN), _LONG_MAX)
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return _LONG_MAX if value > 0 else _LONG_MIN
    return min(max(math.trunc(value), _LONG_MIN), _LONG_MAX)


def java_random_double(seed: int) -> float:
    """``new java.util.Random(seed).nextDouble()``, bit for bit (what AWS's ``$random(seed)`` returns).

    >>> java_random_double(42)
    0.7275636800328681
    """
    return JavaRandom(seed).next_double()


def _as_json_text(value: Any) -> str:
    return json.dumps(_to_library(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _host_partition(flags: list[bool], array: Any, size: Any) -> Any:
    if not flags[0]:
        return _UNDEFINED_MARK
    if not isinstance(array, list):
        raise _fail(_error("T0412", 'Argument 1 of function "partition" must be an array of undefined'))
    if not array:
        return _UNDEFINED_MARK
    if not flags[1]:
        return _as_json_text([array])
    chunk = _towards_zero(size, "partition", 2)
    if chunk < 0:
        raise _fail(_error("D3137", "Second argument must be zero or greater"))
    if chunk == 0:
        return _UNDEFINED_MARK
    return _as_json_text([array[i : i + chunk] for i in range(0, len(array), chunk)])


def _host_range(flags: list[bool], start: Any, end: Any, step: Any) -> Any:
    first = _towards_zero(start if flags[0] else None, "range", 1)
    last = _towards_zero(end if flags[1] else None, "range", 2)
    if not flags[2]:
        return _UNDEFINED_MARK
    stride = _towards_zero(step, "range", 3)
    if stride == 0 or (stride > 0 and first > last) or (stride < 0 and first < last):
        return _UNDEFINED_MARK
    size = (last - first) // stride + 1
    if size > _RANGE_LIMIT:
        raise _fail(
            _error(
                "D2014",
                f"The size of the sequence allocated by the range function must not exceed 1e7.  "
                f"Attempted to allocate {size}.",
            )
        )
    values = [first + k * stride for k in range(size)]
    return values[0] if len(values) == 1 else values


def _host_hash(flags: list[bool], data: Any, algorithm: Any) -> Any:
    if not isinstance(data, str) or not flags[0]:
        raise _signature_error("hash", 1)
    if not flags[1]:
        return _UNDEFINED_MARK
    if not isinstance(algorithm, str):
        raise _signature_error("hash", 2)
    name = _HASHES.get(algorithm)
    if name is None:
        allowed = "SHA-1, SHA-384, SHA-256, SHA-512, MD5"
        raise _fail(_error("D3137", f"Hash algorithm '{algorithm}' must be one of {allowed}"))
    return hashlib.new(name, data.encode("utf-8", "surrogatepass")).hexdigest()


def _host_random(flags: list[bool], seed: Any) -> float:
    if flags[0]:
        return java_random_double(_towards_zero(seed, "random", 1))
    current = _CURRENT.get(None)
    generator = current.rng if current is not None and current.rng is not None else random
    return generator.random()


def _host_uuid() -> str:
    current = _CURRENT.get(None)
    generator = current.rng if current is not None and current.rng is not None else random
    bits = generator.getrandbits(128)
    return str(uuid.UUID(int=bits, version=4))


def _host_parse(flags: list[bool], text: Any) -> Any:
    if not flags[0]:
        return _UNDEFINED_MARK
    if not isinstance(text, str):
        raise _signature_error("parse", 1)
    try:
        value = loads_strict(text, unique_keys=True, long_integers=True)
    except (ValueError, RecursionError):
        raise _fail(_error("D3137", "Invalid JSON")) from None
    return _as_json_text(value)


def _host_millis() -> int:
    current = _CURRENT.get(None)
    if current is None:
        return int(datetime.now(timezone.utc).timestamp() * 1000)
    if current.millis is None:
        moment = current.now if current.now is not None else datetime.now(timezone.utc)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        current.millis = int(moment.timestamp() * 1000)  # one timestamp per evaluation, as JSONata's $now
    return current.millis


def _host_reject_eval(*_args: Any) -> Any:
    raise _fail(_error("T1006", "Attempted to invoke a non-function"))


_HOSTS: Final[dict[str, Callable[..., Any]]] = {
    "__sfn_partition": _host_partition,
    "__sfn_range": _host_range,
    "__sfn_hash": _host_hash,
    "__sfn_random": _host_random,
    "__sfn_uuid": _host_uuid,
    "__sfn_parse": _host_parse,
    "__sfn_millis": _host_millis,
    "__sfn_reject_eval": _host_reject_eval,
}


# ============================================================================ values


def _to_library(value: Any) -> Any:
    """``value`` with integers beyond a Java ``long`` turned into doubles (what AWS reads them as)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if _LONG_MIN <= value <= _LONG_MAX else float(value)
    if isinstance(value, list):
        return [_to_library(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_library(v) for k, v in value.items()}
    return value


def _number(value: float) -> Any:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and -(2.0**63) < value < 2.0**63:
        return int(value)
    return value


class _Seen:
    """What :func:`_finish` noticed in a library result."""

    __slots__ = ("listed", "nulls")

    def __init__(self) -> None:
        self.nulls = False  # a None: JSON null, or undefined, or a function
        self.listed: list[dict[str, Any]] = []  # objects that are items of lists


def _finish(value: Any, seen: _Seen) -> Any:
    """``value`` with numbers as AWS writes them, noting in ``seen`` what needs a second look.

    Containers are copied only where something changes, so the result may share unchanged parts
    with the arguments (the library hands back the caller's own objects for a plain path); nothing
    the caller passed in is ever modified.
    """
    kind = type(value)
    if kind is dict:
        changed: Any = None
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is str or item_kind is bool or (item_kind is int and _LONG_MIN <= item <= _LONG_MAX):
                continue
            new = _finish(item, seen)
            if new is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = new
        return value if changed is None else changed
    if kind is list:
        changed = None
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is str or item_kind is bool or (item_kind is int and _LONG_MIN <= item <= _LONG_MAX):
                continue
            if item_kind is dict:
                seen.listed.append(item)
            new = _finish(item, seen)
            if new is not item:
                if changed is None:
                    changed = list(value)
                changed[index] = new
        return value if changed is None else changed
    if kind is float:
        return _number(value)
    if value is None:
        seen.nulls = True
    elif kind is int and not _LONG_MIN <= value <= _LONG_MAX:
        return _number(float(value))
    elif isinstance(value, (dict, list)):  # a subclass: copy it as its base type
        return _finish(dict(value) if isinstance(value, dict) else list(value), seen)
    return value


def _functions_inside(value: Any, shadow: Any) -> bool:
    """Whether the library result ``value`` holds a function where its JSON rendering ``shadow`` has one.

    jsonatapy returns ``None`` for a function and renders it as ``""`` in JSON text.
    """
    if value is None:
        return shadow == ""
    if isinstance(value, list) and isinstance(shadow, list) and len(value) == len(shadow):
        return any(_functions_inside(v, s) for v, s in zip(value, shadow))
    if isinstance(value, dict) and isinstance(shadow, dict):
        return any(_functions_inside(v, shadow.get(k)) for k, v in value.items() if k in shadow)
    return False


# ============================================================================ library messages

_TOKEN_NAMES: Final = {
    "LeftParen": "(", "RightParen": ")", "LeftBracket": "[", "RightBracket": "]", "LeftBrace": "{",
    "RightBrace": "}", "Comma": ",", "Semicolon": ";", "Colon": ":", "Dot": ".", "DotDot": "..",
    "Plus": "+", "Minus": "-", "Star": "*", "StarStar": "**", "Slash": "/", "Percent": "%",
    "Equal": "=", "NotEqual": "!=", "LessThan": "<", "LessThanOrEqual": "<=", "GreaterThan": ">",
    "GreaterThanOrEqual": ">=", "Ampersand": "&", "At": "@", "Hash": "#", "Caret": "^", "Pipe": "|",
    "Question": "?", "QuestionQuestion": "??", "QuestionColon": "?:", "ColonEqual": ":=",
    "TildeArrow": "~>", "True": "true", "False": "false", "Null": "null", "And": "and", "Or": "or",
    "In": "in",
}  # fmt: skip
_TOKEN_REPR: Final = re.compile(
    r"\b(Identifier|String|Number|Variable|ParentVariable|Function|Regex)\((.*?)\)|\b([A-Z][A-Za-z]+)\b"
)
_LIBRARY_ERROR: Final = re.compile(
    r"(?:Parse error: )?(?:Invalid syntax: )?(?:Signature validation failed: )?([A-Z]\d{4}): (.*)", re.S
)
_TYPE_PLURALS: Final = {
    "Number": "numbers", "String": "strings", "Boolean": "booleans", "Object": "objects", "Array": "arrays",
    "Function": "functions", "Null": "nulls",
}  # fmt: skip
_CODELESS: Final = frozenset({"D3010", "U1001", "D1012"})  # AWS prints these without their code
# jsonata-js's wording where jsonatapy words things differently and no detail is lost.
_FIXED_MESSAGES: Final = {
    "D1002": "Cannot negate a non-numeric value",
    "D1012": "Expression evaluation timeout: Check for infinite loop",
    "D2014": "The size of the sequence allocated by the range operator (..) must not exceed 1e7",
    "D3010": "Second argument of replace function cannot be an empty string",
    "D3011": "Fourth argument of replace function must evaluate to a positive number",
    "D3020": "Third argument of split function must evaluate to a positive number",
    "D3040": "Third argument of match function must evaluate to a positive number",
    "T1006": "Attempted to invoke a non-function",
    "T2003": "The left side of the range operator (..) must evaluate to an integer",
    "T2004": "The right side of the range operator (..) must evaluate to an integer",
    "T2006": "The right side of the function application operator ~> must be a function",
    "U1001": "Stack overflow error: Check for non-terminating recursive function.  "
    "Consider rewriting as tail-recursive.",
}


def _readable_token(match: re.Match[str]) -> str:
    kind, payload, bare = match.group(1), match.group(2), match.group(3)
    if bare is not None:
        return json.dumps(_TOKEN_NAMES[bare]) if bare in _TOKEN_NAMES else bare
    if kind == "Number":
        try:
            return dumps(_number(float(payload)))
        except ValueError:
            return payload
    if kind in ("String", "Identifier", "Function"):
        try:
            return json.dumps(json.loads(payload))
        except ValueError:
            return payload
    if kind == "Variable":
        return json.dumps("$" + payload.strip('"'))
    if kind == "ParentVariable":
        return json.dumps("$$")
    return match.group(0)


def _syntax_message(code: str, text: str) -> str:
    if code in ("S0201", "S0202", "S0203", "S0211"):
        return _TOKEN_REPR.sub(_readable_token, text)
    if code == "S0217":
        return "The object representing the 'parent' cannot be derived from this expression"
    return text


def _runtime_message(code: str, text: str, called: tuple[str, ...]) -> str:
    if code in _FIXED_MESSAGES:
        return _FIXED_MESSAGES[code]
    function = called[0] if len(called) == 1 else None
    if code == "T0410":
        match = re.match(r"(\w+)\(\) takes no arguments", text)
        if match:
            function, index = match.group(1), 1
        else:
            numbers = [int(n) for n in re.findall(r"\d+", text)]
            aws = [name for name in called if name in _AWS_ARITY]
            if text.startswith("Argument count mismatch: expected 0") and len(aws) == 1:
                # one of AWS's functions was given too many arguments (its signature is ours)
                function = aws[0]
                index = _AWS_ARITY[function] + 1
            elif text.startswith("Argument count mismatch") and len(numbers) == 2:
                index = numbers[0] + 1 if numbers[1] > numbers[0] else numbers[1] + 1
            else:
                index = numbers[0] if numbers else 1
        name = f' "{function}"' if function else ""
        return f"Argument {index} of function{name} does not match function signature"
    if code == "T0411":
        name = f' "{function}"' if function else ""
        return f"Context value is not a compatible type with argument 1 of function{name}"
    if code == "T0412":
        match = re.match(r"Argument (\d+) must be an array of (\w+)", text)
        if match:
            kind = _TYPE_PLURALS.get(match.group(2), match.group(2).lower())
            name = f' "{function}"' if function else ""
            return f"Argument {match.group(1)} of function{name} must be an array of {json.dumps(kind)}"
    if code in ("T2001", "T2002"):
        return re.sub(r"the (\S+) operator", lambda m: f"the {json.dumps(m.group(1))} operator", text)
    if code == "T2009":
        match = re.search(r'operator ("[^"]*")', text)
        operator = f" {match.group(1)}" if match else ""
        return f"The values either side of the operator{operator} must be of the same data type"
    if code == "D3030":
        match = re.match(r"Cannot convert '(.*)' to number", text, re.S)
        if match:
            return f"Unable to cast value to a number: {json.dumps(match.group(1))}"
    if code == "D3100":
        match = re.search(r"got (-?\d+)", text)
        if match:
            given = match.group(1)
            return f"The radix of the formatBase function must be between 2 and 36.  It was given {given}"
    if code == "D3130":
        return (
            f"Formatting or parsing an integer as a sequence starting with {json.dumps(text)} is not "
            "supported by this implementation"
        )
    if code == "D3138":
        return "The $single() function expected exactly 1 matching result.  Instead it matched more."
    return text


def _runtime_error(exc: BaseException, called: tuple[str, ...]) -> JsonataError:
    text = str(exc)
    match = _LIBRARY_ERROR.match(text)
    if match is None:
        return JsonataError("", text)
    code = match.group(1)
    message = _runtime_message(code, match.group(2).strip(), called)
    return _error(code, message, with_code=code not in _CODELESS)


# ============================================================================ compiling


def compile_jsonata(expression_text: str) -> JsonataExpression:
    """Parse ``expression_text`` (the text inside ``{% %}``) once, for many evaluations.

    Raises :class:`~sfn_notebook.errors.PathError` for a syntax error.  The message starts with the
    JSONata code; ``position`` is the 0-based offset of the offending token in ``expression_text``
    (its length when the expression ends too early).

    >>> compile_jsonata("$states.input.a +")
    Traceback (most recent call last):
      ...
    sfn_notebook.errors.PathError: S0207: Unexpected end of expression: '$states.input.a +'
      $states.input.a +
                       ^
    """
    return _compile(expression_text)


@functools.lru_cache(maxsize=4096)
def _compile(expression_text: str) -> JsonataExpression:
    """:func:`compile_jsonata`, remembered: a definition is often loaded again, and expressions repeat."""
    import jsonatapy

    try:
        tokens = _tokenize(expression_text)
        _check_dialect(tokens)
    except _LexError as exc:
        raise PathError(f"{exc.code}: {exc.message}", expression_text, exc.position) from None
    try:
        jsonatapy.compile(expression_text)
    except ValueError as exc:
        raise _syntax_error(jsonatapy, expression_text, tokens, str(exc)) from None
    return JsonataExpression(expression_text, _analyse(tokens))


def _program(source: str, analysis: _Analysis, shadowing: frozenset[str], probe: bool) -> _Program:
    """Compile ``source`` inside the block that binds ``$states``, the variables and AWS's functions.

    The bindings read a document ``{"sfn:states": ..., "sfn:variables": {...}}`` given as the input:
    the library reads an input lazily (a path into a large input costs microseconds, where bindings
    are converted whole on every call) and keeps its key order (bindings lose it in jsonatapy 2.2.13).
    ``shadowing`` are names of built-in functions that workflow variables override; ``probe`` wraps
    the expression in ``$string`` to tell JSON null from undefined and functions.
    """
    import jsonatapy

    names = analysis.names
    parts: list[str] = []
    if names & _JSON_FUNCTIONS:
        parts += [_DECODER, _JSON_HELPER]
    if names & _PLAIN_FUNCTIONS:
        parts.append(_UNDEFINED_HELPER)
    parts += [definition for name, definition in _PRELUDE.items() if name in names]
    if "states" in analysis.free:
        parts.append(f"$states := $$.`{_STATES_KEY}`")
    # Only free names are bound here: jsonatapy 2.2.13 resolves a lambda's free variable when the lambda
    # is made if the name is bound by then, so pre-binding a name the expression binds itself would hide
    # the expression's own (later) binding from its lambdas.
    bound = (analysis.free - {"states"}) | shadowing
    parts += [f"${name} := $$.`{_VARIABLES_KEY}`.`{name}`" for name in sorted(bound) if "`" not in name]
    body = f"$string(({source}\n))" if probe else f"({source}\n)"
    text = "(" + "; ".join(parts) + ";\n" + body + ")" if parts else (body if probe else source)
    compiled = jsonatapy.compile(text)
    hosted = False
    for host, function in _HOSTS.items():
        if f"${host}(" in text:
            compiled.register(host, function)
            hosted = True
    return _Program(compiled, reads_input=bool(parts), hosted=hosted)


@dataclass(frozen=True)
class _Program:
    compiled: Any
    reads_input: bool  # evaluated against the ``sfn:states``/``sfn:variables`` document
    hosted: bool  # calls back into Python


def _syntax_error(library: Any, text: str, tokens: list[_Token], message: str) -> PathError:
    match = _LIBRARY_ERROR.match(message)
    if match is None:
        detail = message.removeprefix("Parse error: ")
        return PathError(detail, text, None)
    code = match.group(1)
    detail = f"{code}: {_syntax_message(code, match.group(2).strip())}"
    if code in ("S0207", "S0203"):
        return PathError(detail, text, len(text))
    # The library gives no position: the offending token is the first one whose prefix already fails
    # with this code (and not merely because the prefix ends early).
    for tok in tokens[:-1]:
        try:
            library.compile(text[: tok.end])
        except ValueError as exc:
            found = _LIBRARY_ERROR.match(str(exc))
            if found is not None and found.group(1) == code:
                return PathError(detail, text, tok.start)
    return PathError(detail, text, None)


# ============================================================================ expressions


class JsonataExpression:
    """A compiled JSONata expression (see :func:`compile_jsonata`)."""

    __slots__ = ("_analysis", "_local", "_recursive", "source")

    def __init__(self, source: str, analysis: _Analysis) -> None:
        self.source = source
        self._analysis = analysis
        # $distinct compares every pair in one native call that no time limit interrupts: a child's is
        # a range builds up to ten million items at once (two appended are beyond any memory limit)
        self._recursive = (
            _may_recurse(source)
            or "distinct" in analysis.names
            or _may_range_widely(source)
            or _may_amplify(source)
        )
        # the library's compiled expressions belong to the thread that made them (using one in
        # another thread panics), so each thread compiles its own, once
        self._local = threading.local()
        self._program(frozenset(), probe=False)

    def __repr__(self) -> str:
        return f"JsonataExpression({self.source!r})"

    def variables(self) -> frozenset[str]:
        """Names of the ``$variables`` the expression reads and does not bind itself.

        Built-in function names are left out; ``states`` is in when ``$states`` is read.

        >>> sorted(compile_jsonata("($x := 1; $x + $y + $sum([$z]))").variables())
        ['y', 'z']
        """
        return self._analysis.free

    def top_level_references(self) -> tuple[str, ...]:
        """Field names read at the top level (``{% name %}``), and ``$$`` if it appears: AWS refuses
        both, since a state's JSONata has no context value (``$states.input`` holds the input).

        >>> compile_jsonata("name & $uppercase(other.x) & $states.input.items[price > 1].id").top_level_references()
        ('name', 'other')
        """
        names = self._analysis.top_level_names
        return (*names, "$$") if self._analysis.uses_parent else names

    def uses_states_fields(self) -> frozenset[str]:
        """The ``$states.<field>`` names read (``input``, ``context``, ``result``, ``errorOutput``).

        ``"*"`` is in the set when ``$states`` is used whole (``$states``, ``$states[...]``,
        ``$keys($states)``), since any field may then be read.

        >>> sorted(compile_jsonata("$states.input.a & $states.context.State.Name").uses_states_fields())
        ['context', 'input']
        """
        return self._analysis.states_fields

    def evaluate(
        self,
        states: Mapping[str, Any],
        variables: VariableLookup,
        rng: random.Random | None = None,
        *,
        now: datetime | None = None,
    ) -> Any:
        """The expression's JSON value, or :data:`UNDEFINED_RESULT`.

        ``states`` is bound to ``$states``; ``variables`` (only looked up by name, with ``in`` and
        ``[]``) supplies the workflow variables.  ``rng`` feeds unseeded ``$random()`` and ``$uuid()``
        so runs can be reproduced; ``now`` fixes ``$now()`` and ``$millis()`` (naive means UTC).  The
        result may share unchanged parts with ``states`` and ``variables`` (JSON values are treated
        as immutable, as everywhere in the engine); they are never modified.  Raises
        :class:`JsonataError`.
        """
        try:
            return self._evaluate_bound(states, variables, rng, now)
        except RecursionError:  # a value nested deeper than the conversions can follow
            raise JsonataError("", "The value is nested too deeply to be evaluated") from None

    def _evaluate_bound(
        self,
        states: Mapping[str, Any],
        variables: VariableLookup,
        rng: random.Random | None,
        now: datetime | None,
    ) -> Any:
        analysis = self._analysis
        if analysis.simple_path is not None:
            value = self._lookup(states, variables)
            if value is not _UNANSWERED:
                return value
        present = {name: variables[name] for name in analysis.free_any - {"states"} if name in variables}
        shadowing = frozenset(present) & BUILTIN_FUNCTIONS
        document = {
            _STATES_KEY: states if isinstance(states, dict) else dict(states),
            _VARIABLES_KEY: present,
        }
        program = self._program(shadowing, probe=False)
        if not program.hosted:
            return self._evaluate(program, document, shadowing, None)
        generator = rng
        if analysis.names & {"random", "uuid"}:
            generator = generator if generator is not None else random.Random()
        else:
            generator = None
        token = _CURRENT.set(_Evaluation(generator, now))
        try:
            return self._evaluate(program, document, shadowing, generator)
        finally:
            _CURRENT.reset(token)

    # -------------------------------------------------------------------- internals

    def _program(self, shadowing: frozenset[str], probe: bool) -> _Program:
        key = (shadowing, probe)
        programs: dict[tuple[frozenset[str], bool], _Program] | None = getattr(self._local, "programs", None)
        if programs is None:
            programs = self._local.programs = {}
        program = programs.get(key)
        if program is None:
            program = programs[key] = _program(self.source, self._analysis, shadowing, probe)
        return program

    def _evaluate(
        self,
        program: _Program,
        document: dict[str, Any],
        shadowing: frozenset[str],
        generator: random.Random | None,
    ) -> Any:
        """Run the library; ``generator`` is rewound for a second run so both draw the same numbers."""
        rewind = _Rewind(generator)
        try:
            value = self._run(program, document)
        except (OverflowError, TypeError) as exc:
            if "int too big" not in str(exc):
                raise
            document = _to_library(document)  # an integer beyond 64 bits: AWS reads it as a double
            rewind.back()
            value = self._run(program, document)
        seen = _Seen()
        value = _finish(value, seen)
        # jsonatapy returns None for JSON null, undefined and functions alike, and when it hands Python
        # a list holding objects it built, it puts every object's keys in the order the keys were first
        # met in the whole result.  A second run inside $string settles both (see _shadow).
        ambiguous = seen.nulls and (value is None or self._analysis.may_yield_function)
        reordered = len(seen.listed) > 1 and not _passed_through(seen.listed, document)
        if ambiguous or reordered:
            with rewind.replay():
                shadow = self._shadow(document, shadowing)
            if shadow is UNDEFINED_RESULT:
                return UNDEFINED_RESULT
            if shadow is not _UNANSWERED:
                if ambiguous and _functions_inside(value, shadow):
                    raise JsonataError("UNSUPPORTED_RESULT", "returned an unsupported result type")
                if reordered:
                    value = _in_order_of(value, shadow)
        return value

    def _run(self, program: _Program, document: dict[str, Any]) -> Any:
        try:
            return _bounded(program.compiled, document if program.reads_input else None, self._recursive)
        except ValueError as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: ValueError) -> JsonataError:
        current = _CURRENT.get(None)
        if (
            current is not None
            and current.failure is not None
            and str(exc).startswith("host function raised")
        ):
            failure, current.failure = current.failure, None
            return failure
        return _runtime_error(exc, self._analysis.called)

    def _shadow(self, document: dict[str, Any], shadowing: frozenset[str]) -> Any:
        """The result as ``$string`` writes it, parsed: ``""`` where the result holds a function.

        Its key order is each object's own; its numbers may be rounded (15 digits), so only its shape
        is used.  :data:`UNDEFINED_RESULT` for an undefined result, ``_UNANSWERED`` when the result
        cannot be written (a non-finite number).
        """
        try:
            text = self._run(self._program(shadowing, probe=True), document)
        except JsonataError:
            return _UNANSWERED
        if text is None:
            return UNDEFINED_RESULT
        if not isinstance(text, str):
            return _UNANSWERED
        if text == "":
            return ""
        try:
            return json.loads(text)
        except ValueError:
            return _UNANSWERED

    def _lookup(self, states: Mapping[str, Any], variables: VariableLookup) -> Any:
        """Answer ``$var.a.b`` in Python, or :data:`_UNANSWERED` when JSONata's own rules are needed."""
        assert self._analysis.simple_path is not None
        name, steps = self._analysis.simple_path
        if name == "states":
            value: Any = states
        elif name in variables:
            value = variables[name]
        elif name in BUILTIN_FUNCTIONS:
            return _UNANSWERED
        else:
            return UNDEFINED_RESULT
        for step in steps:
            if isinstance(value, list):
                return _UNANSWERED  # a path over an array maps and flattens
            if not isinstance(value, Mapping) or step not in value:
                return UNDEFINED_RESULT
            value = value[step]
        return _finish(value, _Seen())


_UNANSWERED: Final = object()


def _in_order_of(value: Any, shadow: Any) -> Any:
    """``value`` with the key order of ``shadow``, a rendering of the same value."""
    if isinstance(value, dict) and isinstance(shadow, dict) and value.keys() == shadow.keys():
        return {key: _in_order_of(value[key], shadow[key]) for key in shadow}
    if isinstance(value, list) and isinstance(shadow, list) and len(value) == len(shadow):
        return [_in_order_of(item, twin) for item, twin in zip(value, shadow)]
    return value


def _passed_through(objects: list[dict[str, Any]], document: dict[str, Any]) -> bool:
    """Whether all ``objects`` are the caller's own (the library handed them back without rebuilding)."""
    wanted = {id(item) for item in objects}
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            wanted.discard(id(node))
            if not wanted:
                return True
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return False


class _Rewind:
    """Remembers a generator's state so a second evaluation draws the same numbers as the first."""

    __slots__ = ("_generator", "_saved")

    def __init__(self, generator: random.Random | None) -> None:
        self._generator = generator
        self._saved = generator.getstate() if generator is not None else None

    def back(self) -> None:
        if self._generator is not None and self._saved is not None:
            self._generator.setstate(self._saved)

    @contextlib.contextmanager
    def replay(self) -> Iterator[None]:
        """Run the block from the saved state, then put the generator back where it was."""
        if self._generator is None:
            yield
            return
        after = self._generator.getstate()
        self.back()
        try:
            yield
        finally:
            self._generator.setstate(after)


# ============================================================================ bounding an evaluation
#
# The library evaluates in native code that holds the interpreter lock: Ctrl-C waits until it returns,
# and a failed allocation (a string that doubles in a recursive function, say) aborts the whole
# process.  So an evaluation runs here for a short slice at most; one that needs longer, or that
# defines a function which can call itself (where memory can grow without bound in a moment), runs
# in a forked child process under a memory limit, watched by this process, which honours Ctrl-C at
# once.  Whatever kills the child fails the expression, never its caller.

#: How long an evaluation runs in this process before it moves to a child (milliseconds).
IN_PROCESS_SLICE_MS: Final = 250
#: What a child may allocate beyond what it shares with this process (bytes).
CHILD_MEMORY_BYTES: Final = 1 << 30

_CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")
_FUNCTION_HEAD = re.compile(r"(?:\$(\w+)\s*:=\s*)?(?:\bfunction|λ)\s*\(([^)]*)\)\s*(?:<[^>]*>)?\s*\{")
_CALLED = re.compile(r"\$(\w+)\s*\(")


def _may_recurse(source: str) -> bool:
    """Whether a function the expression defines may call itself: its body calls a function bound
    to a name (itself, or another that may call it back) or one it was handed as a parameter.

    >>> _may_recurse("$map($states.input, function($v) { $v * 2 })")
    False
    >>> _may_recurse("($double := function($n) { $n * 2 }; $double(5))")
    False
    >>> _may_recurse("($f := function($n) { $n = 0 ? 1 : $n * $f($n - 1) }; $f(5))")
    True
    """
    if "function" not in source and "λ" not in source:
        return False
    functions = [
        (head.group(1), set(re.findall(r"\$(\w+)", head.group(2))), _body(source, head.end() - 1))
        for head in _FUNCTION_HEAD.finditer(source)
    ]
    named = {name for name, _, _ in functions if name}
    return any(not set(_CALLED.findall(body)).isdisjoint(named | params) for _, params, body in functions)


# Turning an array into text (``&``, $string) writes every item out, however often one value is
# repeated in it: a megabyte string mapped over a range or an input array (``[1..5000].($s) & ''``)
# is gigabytes in one allocation, which aborts the process when it fails.  Expressions that both
# repeat values and write arrays out run where that cannot hurt.
_STRINGIFIES: Final = re.compile(r"&|\$string\b")
_REPEATS: Final = re.compile(
    r"\.\.|\.\s*[($\[{]|\bfunction\b|λ|\$(?:map|reduce|each|zip|filter|sift|single|spread|merge|append)\b"
)


_SMALL_RANGE: Final = re.compile(r"\[\s*(-?\d{1,7})\s*\.\.\s*(-?\d{1,7})\s*\]")
#: Items that ranges with literal bounds may build in all, evaluated here (a million numbers is
#: tens of megabytes, far from any memory limit; ``[0..9]`` costs no trip to a child process).
_LITERAL_RANGE_ITEMS: Final = 1_000_000


def _may_range_widely(source: str) -> bool:
    """Whether a range in the expression may build up to ten million items: one whose bounds are
    not literal numbers, or literal ranges that build more than :data:`_LITERAL_RANGE_ITEMS` in all.

    >>> _may_range_widely("$count([1..10])")
    False
    >>> _may_range_widely("[0..$count($states.input.items) - 1]")
    True
    """
    if ".." not in source:
        return False
    total = 0
    for match in _SMALL_RANGE.finditer(source):
        total += max(0, int(match.group(2)) - int(match.group(1)) + 1)
    if total > _LITERAL_RANGE_ITEMS:
        return True
    return source.count("..") > len(_SMALL_RANGE.findall(source))


def _may_amplify(source: str) -> bool:
    """Whether the expression may write out an array that repeats one value many times.

    >>> _may_amplify("'Hello ' & $states.input.name")
    False
    >>> _may_amplify("$string($states.input.items.($states.input.big))")
    True
    """
    if not _STRINGIFIES.search(source):
        return False
    return _REPEATS.search(source) is not None or source.count("$") > 200


def _body(source: str, start: int) -> str:
    """The text from the ``{`` at ``start`` to its matching ``}`` (strings skipped), or to the end."""
    depth, i, quote = 0, start, ""
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return source[start : i + 1]
        i += 1
    return source[start:]


def _out_of_memory() -> JsonataError:
    return JsonataError("", "Out of memory: the expression needs more memory than an evaluation may use")


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"  # the library's Rust panics (a BaseException)


def _panicked(exc: BaseException) -> JsonataError:
    message = str(exc).splitlines()[0] if str(exc) else "no reason given"
    return JsonataError("", f"The expression could not be evaluated (the JSONata library failed: {message})")


def _bounded(compiled: Any, data: Any, recursive: bool) -> Any:
    """``compiled.evaluate(data)`` within :data:`EVALUATION_TIMEOUT_MS`, never taking the process down.

    Raises ``ValueError`` as the library does, or :class:`JsonataError` when memory runs out.
    """
    if not _CAN_FORK:
        try:
            return compiled.evaluate(data, None, timeout=EVALUATION_TIMEOUT_MS)
        except BaseException as exc:
            if _is_panic(exc):
                raise _panicked(exc) from None
            raise
    if not recursive:
        current = _CURRENT.get(None)
        saved = current.rng.getstate() if current is not None and current.rng is not None else None
        try:
            return compiled.evaluate(data, None, timeout=IN_PROCESS_SLICE_MS)
        except ValueError as exc:
            if not str(exc).startswith("D1012"):
                raise
        except BaseException as exc:
            if _is_panic(exc):
                raise _panicked(exc) from None
            raise
        if current is not None:  # start again from where the slice started
            current.failure = None
            if saved is not None and current.rng is not None:
                current.rng.setstate(saved)
    try:
        return _evaluate_in_child(compiled, data, EVALUATION_TIMEOUT_MS)
    except OSError:  # no child could be made (no memory, no processes left): evaluate here
        return compiled.evaluate(data, None, timeout=EVALUATION_TIMEOUT_MS)


def _evaluate_in_child(compiled: Any, data: Any, timeout_ms: int) -> Any:
    import pickle
    import select
    import signal
    from os import pipe

    current = _CURRENT.get(None)
    read_end, write_end = pipe()
    # the child starts with standard error silenced: while it is made, the library's objects that
    # other threads own are dropped there and complain about it, which is no concern of the user's
    saved_stderr = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    pid = -1
    try:
        os.dup2(quiet, 2)
        pid = os.fork()
    finally:
        if pid != 0:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            os.close(quiet)
    if pid == 0:  # the child: evaluate, send the outcome back, leave without any clean-up
        try:
            os.close(read_end)
            _quiet_child()
            _limit_memory()
            outcome: tuple[str, Any]
            try:
                outcome = ("value", compiled.evaluate(data, None, timeout=timeout_ms))
            except ValueError as exc:
                outcome = ("error", str(exc))
            except BaseException:
                outcome = ("memory", None)
            state = None
            if current is not None:
                rng_state = current.rng.getstate() if current.rng is not None else None
                state = (rng_state, current.millis, current.failure)
            payload = memoryview(pickle.dumps((outcome, state), protocol=pickle.HIGHEST_PROTOCOL))
            while payload:
                payload = payload[os.write(write_end, payload) :]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = _monotonic() + timeout_ms / 1000 + 5.0
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], 0.05)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            elif _monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                raise ValueError("D1012: Expression evaluation timeout")
    except BaseException:  # Ctrl-C included: the child goes at once
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    if not chunks:  # the child died (a failed allocation aborts it)
        raise _out_of_memory()
    (kind, value), state = pickle.loads(b"".join(chunks))
    if current is not None and state is not None:
        rng_state, current.millis, current.failure = state
        if rng_state is not None and current.rng is not None:
            current.rng.setstate(rng_state)
    if kind == "value":
        return value
    if kind == "error":
        raise ValueError(value)
    raise _out_of_memory()


def _quiet_child() -> None:
    """In a child: Ctrl-C is for the parent (which ends the child), and a failed allocation's
    report is not the user's to read (standard error is silenced already).  Any thread may have
    forked, so only calls that are safe there."""
    import faulthandler
    import signal

    with contextlib.suppress(OSError, ValueError, AttributeError):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    faulthandler.disable()


def _monotonic() -> float:
    import time

    return time.monotonic()


def _limit_memory() -> None:
    """In a child: address space bounded to what it has now plus :data:`CHILD_MEMORY_BYTES`."""
    import resource

    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + CHILD_MEMORY_BYTES
        if soft != resource.RLIM_INFINITY:
            limit = min(limit, soft)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        pass
