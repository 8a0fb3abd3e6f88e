"""The ``States.*`` intrinsic functions of JSONPath states, parsed once into immutable call trees.

An intrinsic is a call such as ``States.Format('Hello {}', $.name)`` in a field whose key ends in
``.$`` (or in a Fail state's ``ErrorPath``/``CausePath``).  :func:`parse_intrinsic` turns the text into
a :class:`Call` whose arguments are :class:`Literal` values, :class:`PathArg` paths (``$``, ``$$`` or
``$variable`` roots) and nested :class:`Call` nodes.  Everything that can be checked without data is
checked then: syntax, function names, argument counts, literal argument types, the placeholder count
of a literal ``States.Format`` template, and AWS's limit of 10 intrinsic calls in one field.

:meth:`Call.evaluate` runs a tree.  Paths are resolved by a function the caller supplies, randomness
comes from a caller-supplied :class:`random.Random`, and every failure is reported the way Step
Functions reports it: ``StatesError("States.Runtime", <what went wrong>)``.

>>> call = parse_intrinsic("States.Format('{} has {} items', $.name, States.ArrayLength($.items))")
>>> call.evaluate(lambda path: path.get({"name": "cart", "items": [1, 2, 3]}), random.Random(0))
'cart has 3 items'
>>> unparse(call)
"States.Format('{} has {} items', $.name, States.ArrayLength($.items))"

The functions are declared as data in :data:`FUNCTIONS` (arity, the JSON types each argument
accepts, the implementation); one shared checker validates arguments before any implementation runs.

Behaviour worth knowing (the first three points match recorded AWS runs; the last two follow Java,
which AWS's outputs show it runs on, where no recording exists):

* ``States.Format`` prints strings bare, ``null``/``true``/``false`` as words, numbers as Java does
  (``1.1``, ``2.0``, ``1.0E7``) and objects and arrays as Java collections (``{a=1, b=[x, y]}``), not
  as JSON.  In a literal template ``\\{`` and ``\\}`` are literal braces; in a template read from a
  path every ``{}`` is a placeholder.
* Numbers that must be integers (``ArrayPartition``'s chunk size, ``ArrayRange``, ``MathRandom``,
  ``MathAdd``) are rounded half up like Java's ``Math.round``: 1.5 gives 2, -1.5 gives -1.
* ``States.StringSplit`` treats every character of its second argument as a delimiter and drops
  empty pieces; ``States.StringToJson('')`` is ``null``.
* Equality (``ArrayContains``, ``ArrayUnique``) is Java's: ``1``, ``1.0`` and ``true`` differ.
* ``States.MathRandom(start, end)`` draws from the caller's ``rng``; with a seed it returns what
  ``new java.util.Random(seed).nextInt(end - start) + start`` returns, independent of ``rng``
  (AWS promises the same number for the same seed but does not document the generator).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Final

from .._json import dumps, loads_strict, type_name, with_article
from ..errors import PathError, StatesError
from .java_random import JavaRandom
from .jsonpath import JsonPath, compile_path

__all__ = [
    "FUNCTIONS",
    "MAX_CALLS",
    "RUNTIME_ERROR",
    "Arg",
    "ArgumentProblem",
    "Call",
    "FunctionSpec",
    "Literal",
    "Param",
    "PathArg",
    "is_intrinsic",
    "parse_intrinsic",
    "parse_intrinsic_leniently",
    "unparse",
]

RUNTIME_ERROR: Final = "States.Runtime"
"""The error name AWS reports when an intrinsic function fails while a state runs."""

MAX_CALLS: Final = 10
"""AWS accepts at most this many intrinsic calls in one field (the outermost call included)."""

_MAX_STRING_INPUT: Final = 10_000  # characters, for Base64Encode, Base64Decode and Hash
_MAX_RANGE_ITEMS: Final = 1000
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1

JsonScalar = str | int | float | bool | None


# ----------------------------------------------------------------------------- the syntax tree


@dataclass(frozen=True, eq=False, repr=False)
class Literal:
    """A literal argument: a ``'quoted string'``, a number, ``true``, ``false`` or ``null``.

    For strings, ``value`` is the decoded text and ``raw`` the text between the quotes as written,
    escapes included.  ``raw`` matters to ``States.Format``: an unescaped ``{}`` in a literal template is
    a placeholder, ``\\{\\}`` is two literal braces.  When ``raw`` is omitted it is derived from
    ``value`` by escaping ``'`` and ``\\`` only (so every ``{}`` stays a placeholder).

    Two literals are equal when their values have the same JSON type and are equal, and (for strings)
    their ``raw`` spellings match; ``1`` and ``1.0`` differ, as do ``1`` and ``true``.
    """

    value: JsonScalar
    raw: str | None = field(default=None, kw_only=True)
    position: int = field(default=0, kw_only=True)

    def __post_init__(self) -> None:
        value = self.value
        if isinstance(value, str):
            if self.raw is None:
                object.__setattr__(self, "raw", _escape(value))
            elif _decode_raw(self.raw) != value:
                raise ValueError(f"raw spelling {self.raw!r} does not decode to {value!r}")
            return
        if self.raw is not None:
            raise ValueError("only string literals have a raw spelling")
        if value is not None and not isinstance(value, (bool, int, float)):
            raise TypeError(
                f"a literal must be a string, number, boolean or None, not {type(value).__name__}"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"a literal number must be finite, not {value!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value and self.raw == other.raw

    def __hash__(self) -> int:
        return hash((type(self.value), self.value, self.raw))

    def __repr__(self) -> str:
        if isinstance(self.value, str) and self.raw != _escape(self.value):
            return f"Literal({self.value!r}, raw={self.raw!r})"
        return f"Literal({self.value!r})"

    @cached_property
    def template_parts(self) -> tuple[str, ...]:
        """The text around each unescaped ``{}`` (one more part than there are placeholders)."""
        if self.raw is None:
            raise TypeError("only string literals are templates")
        return _template_parts(self.raw)


@dataclass(frozen=True)
class PathArg:
    """A path argument (``$.a``, ``$$.Execution.Id``, ``$myVariable.items[0]``)."""

    path: JsonPath
    position: int = field(default=0, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Call:
    """A call to one of the :data:`FUNCTIONS`. Equality ignores ``position`` (the offset of the name)."""

    name: str
    args: tuple[Arg, ...]
    position: int = field(default=0, compare=False, repr=False)

    @property
    def spec(self) -> FunctionSpec:
        return FUNCTIONS[self.name]

    def paths(self) -> Iterator[JsonPath]:
        """Every path this call reads, nested calls included, in source order."""
        for arg in self.args:
            if isinstance(arg, PathArg):
                yield arg.path
            elif isinstance(arg, Call):
                yield from arg.paths()

    def evaluate(self, resolve: Callable[[JsonPath], Any], rng: random.Random) -> Any:
        """Run the call. ``resolve(path)`` supplies each path argument's value; ``rng`` drives
        ``States.UUID`` and unseeded ``States.MathRandom``.  Raises :class:`StatesError`
        (``States.Runtime``) when an argument is unusable.

        >>> call = parse_intrinsic("States.MathAdd($.count, -1)")
        >>> call.evaluate(lambda path: path.get({"count": 5}), random.Random())
        4
        """
        spec = FUNCTIONS[self.name]
        if spec.max_args == 0:  # States.UUID: AWS ignores any arguments it is given
            return spec.impl(self, [], rng)
        count = len(self.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise _fail(
                self.name, f"it takes {spec.arity()} but {count} {'was' if count == 1 else 'were'} given"
            )
        values = [_argument_value(arg, resolve, rng) for arg in self.args]
        _check_runtime_types(spec, values)
        try:
            return spec.impl(self, values, rng)
        except RecursionError:  # JSON text nested deeper than the encoder or decoder can follow
            raise _fail(self.name, "the value is nested too deeply") from None


Arg = Literal | PathArg | Call


def _argument_value(arg: Arg, resolve: Callable[[JsonPath], Any], rng: random.Random) -> Any:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, PathArg):
        return resolve(arg.path)
    return arg.evaluate(resolve, rng)


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Param:
    """One parameter: a name used in messages and the JSON types it accepts (empty: any type)."""

    name: str
    types: frozenset[str] = frozenset()

    def accepts(self, json_type: str) -> bool:
        return not self.types or json_type in self.types

    def expected(self) -> str:
        """What the parameter accepts, in words: ``"a string"``, ``"an array"``, ``"any value"``."""
        names = sorted(self.types)
        return " or ".join(with_article(n) for n in names) if names else "any value"


Impl = Callable[[Call, list[Any], random.Random], Any]


@dataclass(frozen=True)
class FunctionSpec:
    """How a ``States.*`` function is called: ``params`` in order, then ``rest`` for any further
    arguments (``None``: no more), ``required`` of them mandatory; ``impl`` receives checked values."""

    name: str
    params: tuple[Param, ...]
    impl: Impl = field(repr=False)
    required: int | None = None  # defaults to len(params)
    rest: Param | None = None

    @property
    def min_args(self) -> int:
        return len(self.params) if self.required is None else self.required

    @property
    def max_args(self) -> int | None:
        return None if self.rest is not None else len(self.params)

    def param(self, index: int) -> Param:
        if index < len(self.params):
            return self.params[index]
        assert self.rest is not None
        return self.rest

    def arity(self) -> str:
        low, high = self.min_args, self.max_args
        if high is None:
            return f"at least {_plural(low, 'argument')}"
        if low == high:
            return _plural(low, "argument")
        return f"{low} to {high} arguments"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _check_runtime_types(spec: FunctionSpec, values: list[Any]) -> None:
    for index, value in enumerate(values):
        param = spec.param(index)
        kind = type_name(value)
        if not param.accepts(kind):
            raise _fail(
                spec.name,
                f"argument {index + 1} ({param.name}) must be {param.expected()}, "
                f"but received {with_article(kind)}: {_preview(value)}",
            )


def _fail(name: str, message: str) -> StatesError:
    """An intrinsic function's arguments do not suit it at run time.

    AWS's cause says only which function; the details go to the run's notes.
    """
    return StatesError(RUNTIME_ERROR, f"Invalid arguments in {name}", hint=f"{name}: {message}")


def _preview(value: Any, limit: int = 80) -> str:
    text = dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- shared value helpers


def _java_round(value: float) -> int:
    """Round half up, as Java's ``Math.round`` (``-0.5`` gives 0, ``2.5`` gives 3), exactly."""
    if isinstance(value, int):
        return value
    return math.floor(Fraction(value) + Fraction(1, 2))


def _same_json(a: Any, b: Any) -> bool:
    """JSON equality with Java's rules: ``1``, ``1.0`` and ``true`` are three different values.

    Iterative, so values nested deeper than Python's recursion limit compare too.
    """
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        kind = type(x)
        if kind is not type(y):
            return False
        if kind is list:
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y))
        elif kind is dict:
            if x.keys() != y.keys():
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif kind is float:
            if not (x == y and math.copysign(1.0, x) == math.copysign(1.0, y)):
                return False
        elif x != y:
            return False
    return True


def _json_key(value: Any) -> str:
    """A key that is equal for two values exactly when :func:`_same_json` holds: a text where each
    value is tagged with its kind and object members come in key order (built iteratively, so any
    depth works)."""
    parts: list[str] = []
    pending: list[tuple[bool, Any]] = [(False, value)]  # (is text to write, value or text)
    while pending:
        is_text, node = pending.pop()
        if is_text:
            parts.append(node)
            continue
        kind = type(node)
        if kind is list:
            parts.append("[")
            pending.append((True, "]"))
            pending.extend((False, item) for item in reversed(node))
        elif kind is dict:
            parts.append("{")
            pending.append((True, "}"))
            for key in sorted(node, reverse=True):
                pending.append((False, node[key]))
                pending.append((True, dumps(key) + ":"))
        elif kind is float:
            parts.append(f"f{node!r}{math.copysign(1.0, node)!r},")
        elif kind is str:
            parts.append(dumps(node) + ",")
        else:
            parts.append(f"{kind.__name__}{node!r},")
    return "".join(parts)


def _java_double(value: float) -> str:
    """``Double.toString``: ``1.0``, ``0.001``, ``1.0E7``, ``1.5E-5`` (shortest digits that round-trip)."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)  # Python prints this range in plain decimal, always with a point
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = list(digit_tuple)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    scientific = exponent + len(digits) - 1
    fraction = "".join(str(d) for d in digits[1:]) or "0"
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[0]}.{fraction}E{scientific}"


def _format_value(value: Any) -> str:
    """How ``States.Format`` prints a value: strings bare, objects and arrays as Java collections do
    (``{a=1, b=[x, y]}``), numbers as Java prints them."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {value!r}")


def _check_length(name: str, label: str, text: str) -> None:
    if len(text) > _MAX_STRING_INPUT:
        raise _fail(
            name,
            f"the {label} is {len(text):,} characters long; the maximum is {_MAX_STRING_INPUT:,} characters",
        )


# ----------------------------------------------------------------------------- implementations


def _format(call: Call, args: list[Any], rng: random.Random) -> str:
    template = call.args[0]
    if isinstance(template, Literal):
        if template.raw is not None and _stray_brace(template.raw):
            raise _fail(call.name, _STRAY_BRACE)
        parts: Sequence[str] = template.template_parts
    else:
        parts = _runtime_template_parts(args[0])
    values = args[1:]
    if len(parts) - 1 != len(values):
        raise _fail(
            call.name,
            f"the template has {_plural(len(parts) - 1, 'placeholder')} '{{}}' but "
            f"{_plural(len(values), 'value')} {'was' if len(values) == 1 else 'were'} given to fill them",
        )
    out = [parts[0]]
    for value, part in zip(values, parts[1:]):
        out.append(_format_value(value))
        out.append(part)
    return "".join(out)


def _runtime_template_parts(template: str) -> list[str]:
    """A template read from the input: every ``{}`` is a placeholder, other characters are literal."""
    parts = []
    start = 0
    while True:
        found = template.find("{}", start)
        if found < 0:
            parts.append(template[start:])
            return parts
        parts.append(template[start:found])
        start = found + 2


def _string_to_json(call: Call, args: list[Any], rng: random.Random) -> Any:
    text: str = args[0]
    if not text.strip(" \t\r\n"):
        return None  # AWS turns an empty string into null
    try:
        return loads_strict(text)
    except ValueError as exc:
        raise _fail(call.name, f"the string is not valid JSON ({exc}): {_preview(text)}") from None


def _json_to_string(call: Call, args: list[Any], rng: random.Random) -> str:
    return dumps(args[0])


def _array(call: Call, args: list[Any], rng: random.Random) -> list[Any]:
    return list(args)


def _array_partition(call: Call, args: list[Any], rng: random.Random) -> list[list[Any]]:
    array: list[Any] = args[0]
    size = int(args[1])  # AWS truncates a fractional size (2.6 is 2), unlike MathAdd's rounding
    if size <= 0:
        raise _fail(call.name, f"the chunk size must be a positive integer, but it is {_preview(args[1])}")
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(call: Call, args: list[Any], rng: random.Random) -> bool:
    array, wanted = args
    return any(_same_json(item, wanted) for item in array)


def _array_range(call: Call, args: list[Any], rng: random.Random) -> list[int]:
    start, end, step = (int(v) for v in args)  # fractions are truncated toward zero
    if step == 0:
        raise _fail(call.name, "the step must not be 0")
    if (step > 0 and start > end) or (step < 0 and start < end):
        count = 0
    else:
        count = abs(end - start) // abs(step) + 1
    if count > _MAX_RANGE_ITEMS:
        raise _fail(
            call.name,
            f"the range from {start} to {end} by {step} has {count:,} items; "
            f"the maximum is {_MAX_RANGE_ITEMS:,}",
        )
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(call: Call, args: list[Any], rng: random.Random) -> Any:
    array, index = args
    position = int(index)  # as on AWS: a fractional index is truncated ...
    return array[position] if 0 <= position < len(array) else None  # ... and one out of range gives null


def _array_length(call: Call, args: list[Any], rng: random.Random) -> int:
    return len(args[0])


def _array_unique(call: Call, args: list[Any], rng: random.Random) -> list[Any]:
    seen: set[Any] = set()
    unique = []
    for item in args[0]:
        key = _json_key(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _base64_encode(call: Call, args: list[Any], rng: random.Random) -> str:
    text: str = args[0]
    _check_length(call.name, "input", text)
    return base64.b64encode(text.encode("utf-8", "replace")).decode("ascii")


_BASE64_BODY: Final = re.compile(r"[A-Za-z0-9+/]*")


def _base64_decode(call: Call, args: list[Any], rng: random.Random) -> str:
    text: str = args[0]
    _check_length(call.name, "input", text)
    padding = len(text) - len(text.rstrip("="))
    body = text[: len(text) - padding]
    if (
        padding > 2
        or _BASE64_BODY.fullmatch(body) is None
        or len(body) % 4 == 1
        or (padding and (len(body) + padding) % 4)
    ):
        raise _fail(call.name, f"the input is not valid Base64: {_preview(text)}")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error:
        raise _fail(call.name, f"the input is not valid Base64: {_preview(text)}") from None
    return data.decode("utf-8", "replace")


_HASHES: Final = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(call: Call, args: list[Any], rng: random.Random) -> str:
    data, algorithm = args
    _check_length(call.name, "data", data)
    hashlib_name = _HASHES.get(algorithm)
    if hashlib_name is None:
        raise _fail(
            call.name,
            f"the hash algorithm {_preview(algorithm)} is not supported; use one of {', '.join(_HASHES)}",
        )
    return hashlib.new(hashlib_name, data.encode("utf-8", "replace")).hexdigest()


def _json_merge(call: Call, args: list[Any], rng: random.Random) -> dict[str, Any]:
    first, second, deep = args
    if deep is not False:
        raise _fail(
            call.name,
            "only shallow merging is supported: the third argument (deep merge) must be false",
        )
    merged = dict(first)
    merged.update(second)
    return merged


def _math_random(call: Call, args: list[Any], rng: random.Random) -> int:
    start = int(args[0])  # fractions are truncated toward zero, as AWS does
    end = int(args[1])
    # AWS computes in Java ints: the start, the end and their distance are 32-bit integers
    for label, number in (("start", start), ("end", end)):
        if not _INT32_MIN <= number <= _INT32_MAX:
            raise _fail(
                call.name,
                f"the {label} value ({number}) is outside the integer range {_INT32_MIN} to {_INT32_MAX}",
            )
    if start >= end:
        raise _fail(call.name, f"the start ({start}) must be less than the end ({end}), which is exclusive")
    bound = end - start
    if bound > _INT32_MAX:
        raise _fail(call.name, f"the range from {start} to {end} is wider than {_INT32_MAX}")
    if len(args) < 3:
        return rng.randrange(start, end)
    return start + JavaRandom(int(args[2])).next_int(bound)


def _math_add(call: Call, args: list[Any], rng: random.Random) -> int:
    a = _java_round(args[0])
    b = _java_round(args[1])
    for label, number in (("first", a), ("second", b)):
        if not _INT32_MIN <= number <= _INT32_MAX:
            raise _fail(
                call.name,
                f"the {label} value ({number}) is outside the integer range {_INT32_MIN} to {_INT32_MAX}",
            )
    total = a + b
    if not _INT32_MIN <= total <= _INT32_MAX:
        raise _fail(call.name, f"the sum {total} is outside the integer range {_INT32_MIN} to {_INT32_MAX}")
    return total


def _string_split(call: Call, args: list[Any], rng: random.Random) -> list[str]:
    text, delimiters = args
    tokens: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char in delimiters:
            if index > start:
                tokens.append(text[start:index])
            start = index + 1
    if start < len(text):
        tokens.append(text[start:])
    return tokens


def _uuid(call: Call, args: list[Any], rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


_STRING: Final = frozenset({"string"})
_NUMBER: Final = frozenset({"number"})
_ARRAY: Final = frozenset({"array"})
_OBJECT: Final = frozenset({"object"})
_BOOLEAN: Final = frozenset({"boolean"})

FUNCTIONS: Final[dict[str, FunctionSpec]] = {
    spec.name: spec
    for spec in (
        FunctionSpec("States.Format", (Param("template", _STRING),), _format, rest=Param("value")),
        FunctionSpec("States.StringToJson", (Param("JSON string", _STRING),), _string_to_json),
        FunctionSpec("States.JsonToString", (Param("value"),), _json_to_string),
        FunctionSpec("States.Array", (), _array, rest=Param("value")),
        FunctionSpec(
            "States.ArrayPartition", (Param("array", _ARRAY), Param("chunk size", _NUMBER)), _array_partition
        ),
        FunctionSpec("States.ArrayContains", (Param("array", _ARRAY), Param("value")), _array_contains),
        FunctionSpec(
            "States.ArrayRange",
            (Param("start", _NUMBER), Param("end", _NUMBER), Param("step", _NUMBER)),
            _array_range,
        ),
        FunctionSpec(
            "States.ArrayGetItem", (Param("array", _ARRAY), Param("index", _NUMBER)), _array_get_item
        ),
        FunctionSpec("States.ArrayLength", (Param("array", _ARRAY),), _array_length),
        FunctionSpec("States.ArrayUnique", (Param("array", _ARRAY),), _array_unique),
        FunctionSpec("States.Base64Encode", (Param("string", _STRING),), _base64_encode),
        FunctionSpec("States.Base64Decode", (Param("Base64 string", _STRING),), _base64_decode),
        FunctionSpec("States.Hash", (Param("data", _STRING), Param("algorithm", _STRING)), _hash),
        FunctionSpec(
            "States.JsonMerge",
            (Param("first object", _OBJECT), Param("second object", _OBJECT), Param("deep merge", _BOOLEAN)),
            _json_merge,
        ),
        FunctionSpec(
            "States.MathRandom",
            (Param("start", _NUMBER), Param("end", _NUMBER), Param("seed", _NUMBER)),
            _math_random,
            required=2,
        ),
        FunctionSpec("States.MathAdd", (Param("value", _NUMBER), Param("step", _NUMBER)), _math_add),
        FunctionSpec(
            "States.StringSplit", (Param("string", _STRING), Param("delimiters", _STRING)), _string_split
        ),
        FunctionSpec("States.UUID", (), _uuid),
    )
}


# ----------------------------------------------------------------------------- string literals


_ESCAPABLE: Final = frozenset("'{}\\")


def _escape(value: str) -> str:
    """The raw spelling of ``value`` with only ``'`` and ``\\`` escaped (braces left as they are)."""
    return "".join("\\" + ch if ch in ("'", "\\") else ch for ch in value)


def _decode_raw(raw: str) -> str:
    return "".join(_template_parts(raw, placeholders=False))


_STRAY_BRACE: Final = (
    "the template has a '{' or '}' that is not part of a '{}' placeholder; write \\{ or \\} for a brace"
)


def _stray_brace(raw: str) -> bool:
    """Whether a raw template literal has an unescaped brace outside a ``{}`` placeholder."""
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" or (ch == "{" and raw.startswith("{}", i)):
            i += 2
        elif ch in "{}":
            return True
        else:
            i += 1
    return False


def _template_parts(raw: str, placeholders: bool = True) -> tuple[str, ...]:
    """Decode a raw string literal, splitting it at each unescaped ``{}`` when ``placeholders``."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            if i + 1 >= n or raw[i + 1] not in _ESCAPABLE:
                raise ValueError(f"invalid escape at offset {i} of {raw!r}")
            current.append(raw[i + 1])
            i += 2
        elif placeholders and ch == "{" and i + 1 < n and raw[i + 1] == "}":
            parts.append("".join(current))
            current = []
            i += 2
        else:
            current.append(ch)
            i += 1
    parts.append("".join(current))
    return tuple(parts)


# ----------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "string", "number", "path", "(", ")", ",", "end"
    text: str
    start: int
    value: Any = None


_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_NUMBER_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE: Final = frozenset(" \t\r\n")
_KEYWORDS: Final[dict[str, JsonScalar]] = {"true": True, "false": False, "null": None}


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch in "(),":
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch == "'":
            token = _string_token(text, i)
            tokens.append(token)
            i += len(token.text)
        elif ch == "$":
            end = _path_end(text, i)
            tokens.append(_Token("path", text[i:end], i))
            i = end
        elif ch == "-" or ch in "0123456789":
            match = _NUMBER_RE.match(text, i)
            end = match.end() if match else i
            if match is None or (end < n and (text[end].isalnum() or text[end] in "._")):
                bad = end
                while bad < n and text[bad] not in _WHITESPACE and text[bad] not in "(),":
                    bad += 1
                raise PathError(f"malformed number {text[i:bad]!r}", text, i)
            number_text = match.group()
            is_float = any(c in number_text for c in ".eE")
            value = float(number_text) if is_float else int(number_text)
            if isinstance(value, float) and not math.isfinite(value):
                raise PathError(f"the number {number_text} is out of range", text, i)
            tokens.append(_Token("number", number_text, i, value))
            i = end
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            match = _NAME_RE.match(text, i)
            assert match is not None
            tokens.append(_Token("name", match.group(), i))
            i = match.end()
        elif ch == '"':
            raise PathError("string literals use single quotes ('...'), not double quotes", text, i)
        else:
            raise PathError(f"unexpected character {ch!r}", text, i)
    tokens.append(_Token("end", "", n))
    return tokens


def _string_token(text: str, start: int) -> _Token:
    i = start + 1
    n = len(text)
    out: list[str] = []
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = text[i + 1]
            if nxt not in _ESCAPABLE:
                raise PathError(
                    f"invalid escape '\\{nxt}' in a string literal (the escapes are \\', \\{{, \\}} "
                    "and \\\\; write \\\\ for a backslash)",
                    text,
                    i,
                )
            out.append(nxt)
            i += 2
        elif ch == "'":
            raw = text[start + 1 : i]
            return _Token("string", text[start : i + 1], start, (raw, "".join(out)))
        else:
            out.append(ch)
            i += 1
    raise PathError("unterminated string literal (a ' inside a string must be written \\')", text, start)


def _path_end(text: str, start: int) -> int:
    """Where a path argument that starts at ``start`` ends: at a top-level ``,``, ``)`` or whitespace.

    Brackets, quotes inside brackets and the parentheses of path functions (``.length()``) nest."""
    i = start
    n = len(text)
    brackets = 0
    parens = 0
    quote = ""
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif brackets:
            if ch in "'\"":
                quote = ch
            elif ch == "[":
                brackets += 1
            elif ch == "]":
                brackets -= 1
        elif ch == "[":
            brackets += 1
        elif ch == "(":
            parens += 1
        elif ch == ")":
            if parens == 0:
                break
            parens -= 1
        elif ch == "," or ch in _WHITESPACE:
            break
        i += 1
    return min(i, n)


# ----------------------------------------------------------------------------- parser


@dataclass(frozen=True)
class ArgumentProblem:
    """An argument problem AWS lets through when it creates the state machine."""

    error: PathError
    ignored: bool = False  # the arguments are ignored (States.UUID); otherwise the call fails when it runs

    @property
    def message(self) -> str:
        return self.error.message


class _Parser:
    def __init__(self, text: str, strict: bool = True) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.calls = 0
        # strict: argument problems are errors; else they are collected (AWS accepts such calls and
        # fails them when they run)
        self.strict = strict
        self.problems: list[ArgumentProblem] = []

    def problem(self, error: PathError, ignored: bool = False) -> None:
        if self.strict:
            raise error
        self.problems.append(ArgumentProblem(error, ignored))

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def fail(self, message: str, position: int) -> PathError:
        return PathError(message, self.text, position)

    def parse(self) -> Call:
        first = self.peek()
        if first.kind != "name" or self.peek(1).kind != "(":
            raise self.fail(
                "an intrinsic function call looks like States.Name(arguments)",
                first.start,
            )
        call = self.call()
        trailing = self.peek()
        if trailing.kind != "end":
            raise self.fail(f"unexpected {_describe(trailing)} after the end of the call", trailing.start)
        return call

    def call(self) -> Call:
        name_token = self.take()
        name = name_token.text
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise self.fail(
                f"too many intrinsic function calls: a field may contain at most {MAX_CALLS}",
                name_token.start,
            )
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise self.fail(_unknown_function(name), name_token.start)
        open_paren = self.take()  # the caller checked it is "("
        args: list[Arg] = []
        if self.peek().kind == ")":
            self.take()
        else:
            while True:
                args.append(self.argument(name, open_paren))
                token = self.take()
                if token.kind == ")":
                    break
                if token.kind == ",":
                    continue
                if token.kind == "end":
                    raise self.fail(f"missing ')' to close {name}(", open_paren.start)
                raise self.fail(f"expected ',' or ')' but found {_describe(token)}", token.start)
        call = Call(name, tuple(args), name_token.start)
        self.check(spec, call)
        return call

    def argument(self, name: str, open_paren: _Token) -> Arg:
        token = self.peek()
        kind = token.kind
        if kind == "string":
            self.take()
            raw, value = token.value
            return Literal(value, raw=raw, position=token.start)
        if kind == "number":
            self.take()
            return Literal(token.value, position=token.start)
        if kind == "path":
            self.take()
            return PathArg(self.path(token), position=token.start)
        if kind == "name":
            if self.peek(1).kind == "(":
                return self.call()
            self.take()
            if token.text in _KEYWORDS:
                return Literal(_KEYWORDS[token.text], position=token.start)
            raise self.fail(
                f"unexpected name {token.text!r}: an argument is a 'quoted string', a number, true, false, "
                "null, a path starting with $, or a States.* call",
                token.start,
            )
        if kind == "end":
            raise self.fail(f"missing ')' to close {name}(", open_paren.start)
        raise self.fail(f"expected an argument but found {_describe(token)}", token.start)

    def path(self, token: _Token) -> JsonPath:
        try:
            return compile_path(token.text)
        except PathError as exc:
            offset = exc.position if exc.position is not None else 0
            raise self.fail(f"invalid path {token.text!r}: {exc.message}", token.start + offset) from None

    def check(self, spec: FunctionSpec, call: Call) -> None:
        """The checks that need no data: argument count, literal types, literal Format templates."""
        count = len(call.args)
        low, high = spec.min_args, spec.max_args
        if count < low or (high is not None and count > high):
            given = f"{count} {'was' if count == 1 else 'were'} given"
            ignored = high == 0  # States.UUID: AWS ignores arguments given to it
            note = "; AWS ignores them" if ignored and not self.strict else ""
            self.problem(
                self.fail(f"{spec.name} takes {spec.arity()} but {given}{note}", call.position), ignored
            )
            return
        for index, arg in enumerate(call.args):
            if isinstance(arg, Literal):
                param = spec.param(index)
                kind = type_name(arg.value)
                if not param.accepts(kind):
                    self.problem(
                        self.fail(
                            f"{spec.name} argument {index + 1} ({param.name}) must be {param.expected()}, "
                            f"but the literal {unparse(arg)} is {with_article(kind)}",
                            arg.position,
                        )
                    )
        if spec.name == "States.Format":
            template = call.args[0]
            if isinstance(template, Literal) and isinstance(template.value, str):
                if template.raw is not None and _stray_brace(template.raw):
                    self.problem(self.fail(f"States.Format: {_STRAY_BRACE}", template.position))
                    return
                placeholders = len(template.template_parts) - 1
                values = count - 1
                if placeholders != values:
                    self.problem(
                        self.fail(
                            f"the States.Format template has {_plural(placeholders, 'placeholder')} '{{}}' "
                            f"but {_plural(values, 'value')} {'follows' if values == 1 else 'follow'} it",
                            call.position,
                        )
                    )


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the text"
    return repr(token.text)


def _unknown_function(name: str) -> str:
    message = f"unknown intrinsic function {name!r}"
    close = [known for known in FUNCTIONS if known.lower() == name.lower()]
    if not close:
        # compare what follows "States." so that the shared prefix does not make every name look close
        prefix = "States."
        stem = name.removeprefix(prefix)
        stems = {known.removeprefix(prefix): known for known in FUNCTIONS}
        close = [stems[s] for s in difflib.get_close_matches(stem, list(stems), n=3, cutoff=0.75)]
    if close:
        return message + "; did you mean " + " or ".join(close) + "?"
    return message + "; the functions are " + ", ".join(FUNCTIONS)


# ----------------------------------------------------------------------------- public entry points


def is_intrinsic(text: Any) -> bool:
    """True for a string that starts like a function call (``Name(`` or ``A.B(``), the test that tells
    an intrinsic from a path in a ``.$`` field.  It does not check the rest of the text.

    >>> is_intrinsic("States.Array($.a)"), is_intrinsic("$.a"), is_intrinsic("hello")
    (True, False, False)
    """
    if not isinstance(text, str):
        return False
    match = _NAME_RE.match(text)
    return match is not None and text.startswith("(", match.end())


def parse_intrinsic(text: str) -> Call:
    """Parse an intrinsic function call once, when the definition is loaded.

    Raises :class:`~sfn_notebook.errors.PathError` (with ``expression`` and a 0-based ``position``) for
    a syntax error, an unknown function, a wrong number of arguments, a literal argument of the wrong
    type, a literal ``States.Format`` template whose placeholders don't match its values, or more than
    :data:`MAX_CALLS` calls.

    >>> parse_intrinsic("States.ArrayPartition($.items, 2)")
    Call(name='States.ArrayPartition', args=(PathArg(path=JsonPath(text='$.items', root='$')), Literal(2)))
    >>> parse_intrinsic("States.ArrayPartition($.items, 'two')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    sfn_notebook.errors.PathError: States.ArrayPartition argument 2 (chunk size) must be a number, but ...
      States.ArrayPartition($.items, 'two')
                                     ^
    """
    if not isinstance(text, str):
        raise PathError("an intrinsic function call must be a string", repr(text), None)
    return _Parser(text).parse()


def parse_intrinsic_leniently(text: str) -> tuple[Call, list[ArgumentProblem]]:
    """Parse as AWS accepts a definition: syntax errors, unknown functions and too many calls
    raise :class:`PathError`; a wrong number of arguments, a literal argument of the wrong type or a
    bad literal ``States.Format`` template are returned as problems instead — AWS creates the state
    machine, and the call fails with ``States.Runtime`` when it runs.

    >>> call, problems = parse_intrinsic_leniently("States.MathAdd('one', 1)")
    >>> problems[0].message
    "States.MathAdd argument 1 (value) must be a number, but the literal 'one' is a string"
    """
    if not isinstance(text, str):
        raise PathError("an intrinsic function call must be a string", repr(text), None)
    parser = _Parser(text, strict=False)
    return parser.parse(), parser.problems


def unparse(node: Arg) -> str:
    """The canonical text of a call or argument; ``parse_intrinsic(unparse(call)) == call``.

    >>> unparse(Call("States.Array", (Literal(1.5), Literal("it's"), Literal(None))))
    "States.Array(1.5, 'it\\\\'s', null)"
    """
    if isinstance(node, Call):
        return node.name + "(" + ", ".join(unparse(arg) for arg in node.args) + ")"
    if isinstance(node, PathArg):
        return node.path.text
    value = node.value
    if isinstance(value, str):
        return "'" + (node.raw if node.raw is not None else _escape(value)) + "'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return repr(value)
