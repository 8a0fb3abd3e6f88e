"""JSON helpers shared by every module: the MISSING sentinel, compact encoding, strict loading, type names."""

from __future__ import annotations

import json
import math
from typing import Any, Final

__all__ = [
    "MISSING",
    "Missing",
    "dumps",
    "loads_compact",
    "loads_strict",
    "type_name",
    "with_article",
    "a_type_name",
    "utf8_size",
    "is_number",
    "is_integer",
]


class Missing:
    """The type of :data:`MISSING`: a field that is absent, as opposed to JSON ``null``."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        raise TypeError("MISSING has no truth value; compare with `is MISSING`")

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


try:  # the C encoder, built once (json.dumps builds a new one on every call)
    from json.encoder import c_make_encoder as _make_encoder  # type: ignore[attr-defined]
    from json.encoder import encode_basestring as _encode_str
except ImportError:  # pragma: no cover - pure-Python builds
    _make_encoder = None

if _make_encoder is not None:
    _c_encode = _make_encoder(None, _not_json, _encode_str, None, ":", ",", False, False, False)

    def dumps(value: Any) -> str:
        """Serialise ``value`` the way Step Functions writes JSON text: compact, UTF-8, no NaN."""
        if type(value) is str:
            return _encode_str(value)  # type: ignore[no-any-return]
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover
    _encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode

    def dumps(value: Any) -> str:
        """Serialise ``value`` the way Step Functions writes JSON text: compact, UTF-8, no NaN."""
        return _encode(value)


def with_member(object_text: str, key: str, value_text: str) -> str:
    """The JSON text of an object (``object_text``, as :func:`dumps` wrote it) with one more
    member at its end: what ``dumps`` writes for the object once ``key`` (not in it) is added."""
    return append_member(object_text, dumps(key) + ":" + value_text)


def append_member(object_text: str, member: str) -> str:
    """:func:`with_member` given the member's text, ``"key":value``, written already."""
    if object_text == "{}":
        return f"{{{member}}}"
    return f"{object_text[:-1]},{member}}}"


_scan_once = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner, no Python wrapper


def loads_compact(text: str) -> Any:
    """Parse JSON text that :func:`dumps` wrote (no surrounding whitespace), as cheaply as possible."""
    try:
        value, end = _scan_once(text, 0)
    except StopIteration:
        return json.loads(text)  # empty or odd text: let json report it
    if end != len(text):
        return json.loads(text)
    return value


_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1


def loads_strict(text: str, *, unique_keys: bool = False, long_integers: bool = False) -> Any:
    """Parse JSON text as AWS's Java services read it: no ``NaN`` or ``Infinity``, no number beyond a double.

    With ``unique_keys`` an object may not name a key twice; with ``long_integers`` an integer outside
    a Java ``long`` becomes a double.  Raises ``ValueError`` (or ``RecursionError``, nested too deeply).

    >>> loads_strict('{"a": [1, 2.5, null]}')
    {'a': [1, 2.5, None]}
    >>> loads_strict("NaN")
    Traceback (most recent call last):
      ...
    ValueError: NaN is not a JSON value
    >>> loads_strict("9223372036854775808", long_integers=True)
    9.223372036854776e+18
    """
    return json.loads(
        text,
        object_pairs_hook=_unique_keys if unique_keys else None,
        parse_constant=_reject_constant,
        parse_float=_finite_float,
        parse_int=_long_or_double if long_integers else None,
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("an object names the same key twice")
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text} is out of range")
    return number


def _long_or_double(text: str) -> int | float:
    value = int(text)
    return value if _LONG_MIN <= value <= _LONG_MAX else _finite_float(text)


def utf8_size(text: str) -> int:
    """Size of ``text`` in bytes once UTF-8 encoded (what AWS's payload limit counts)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def is_number(value: Any) -> bool:
    """True for JSON numbers (ints and floats, never booleans)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    """True for JSON numbers with no fractional part (``3`` and ``3.0``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def type_name(value: Any, integers: bool = False) -> str:
    """The JSON type of ``value`` as AWS's messages name it: object, array, string, number, boolean, null.

    With ``integers``, a number without a fraction part (a Python ``int``) is an ``"integer"``.  What is
    not JSON data is named by its Python type.

    >>> type_name(3), type_name(3, integers=True), type_name(3.5, integers=True), type_name(None)
    ('number', 'integer', 'number', 'null')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if integers else "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_ARTICLES: Final = {
    "array": "an array",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "object": "an object",
    "string": "a string",
}


def with_article(name: str) -> str:
    """A :func:`type_name` as a sentence says it: ``"an array"``; ``"null"`` and other names stay as they are."""
    return _ARTICLES.get(name, name)


def a_type_name(value: Any) -> str:
    """``value``'s type with its article, integers told apart: ``"an object"``, ``"an integer"``, ``"null"``.

    >>> a_type_name([]), a_type_name(1), a_type_name(1.5), a_type_name(None)
    ('an array', 'an integer', 'a number', 'null')
    """
    return with_article(type_name(value, integers=True))
