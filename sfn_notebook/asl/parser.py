"""Turn a definition (plain JSON values) into the compiled model, collecting every problem found.

One pass does both jobs: each field is checked and compiled where it stands, and a problem is
recorded as a :class:`~sfn_notebook.errors.Diagnostic` (code, message, JSON Pointer, line) instead
of stopping at the first one.  The caller raises :class:`~sfn_notebook.errors.DefinitionError`
when any diagnostic is an error.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from .._json import MISSING, Missing, a_type_name, dumps, is_integer, is_number
from ..errors import Diagnostic, PathError
from ..paths.jsonpath import JsonPath, compile_path
from . import model as m
from .source import Source

__all__ = ["parse_machine", "CHOICE_OPERATORS", "parse_timestamp"]

P, A, B = "P", "A", "B"  # field allowed in JSONPath states, JSONata states, both

_COMMON = {"Type": B, "Comment": B, "QueryLanguage": B}
_IO = {"InputPath": P, "OutputPath": P, "Output": A}
_NEXT = {"Next": B, "End": B}
_RESULT = {"Parameters": P, "ResultSelector": P, "ResultPath": P, "Retry": B, "Catch": B, "Assign": B}

STATE_FIELDS: dict[str, dict[str, str]] = {
    "Pass": {**_COMMON, **_IO, **_NEXT, "Parameters": P, "Result": P, "ResultPath": P, "Assign": B},
    "Task": {
        **_COMMON,
        **_IO,
        **_NEXT,
        **_RESULT,
        "Resource": B,
        "Arguments": A,
        "TimeoutSeconds": B,
        "TimeoutSecondsPath": P,
        "HeartbeatSeconds": B,
        "HeartbeatSecondsPath": P,
        "Credentials": B,
    },
    "Choice": {**_COMMON, **_IO, "Choices": B, "Default": B, "Assign": B},
    "Wait": {
        **_COMMON,
        **_IO,
        **_NEXT,
        "Seconds": B,
        "SecondsPath": P,
        "Timestamp": B,
        "TimestampPath": P,
        "Assign": B,
    },
    "Succeed": {**_COMMON, **_IO},
    "Fail": {**_COMMON, "Error": B, "ErrorPath": P, "Cause": B, "CausePath": P},
    "Parallel": {**_COMMON, **_IO, **_NEXT, **_RESULT, "Branches": B, "Arguments": A},
    "Map": {
        **_COMMON,
        **_IO,
        **_NEXT,
        **_RESULT,
        "ItemProcessor": B,
        "Iterator": B,
        "Items": A,
        "ItemsPath": P,
        "ItemSelector": B,
        "MaxConcurrency": B,
        "MaxConcurrencyPath": P,
        "ToleratedFailureCount": B,
        "ToleratedFailureCountPath": P,
        "ToleratedFailurePercentage": B,
        "ToleratedFailurePercentagePath": P,
        "ItemReader": B,
        "ItemBatcher": B,
        "ResultWriter": B,
        "Label": B,
    },
}
ALL_FIELDS = sorted({f for fields in STATE_FIELDS.values() for f in fields})
TOP_FIELDS = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
NESTED_FIELDS = {"StartAt", "States", "Comment", "QueryLanguage"}

_COMPARISONS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
_TYPED = {"String": "string", "Numeric": "number", "Boolean": "boolean", "Timestamp": "timestamp"}
CHOICE_OPERATORS: dict[str, tuple[str, str, bool]] = {}  # name -> (base operator, value kind, by_path)
for _prefix, _kind in _TYPED.items():
    for _cmp in _COMPARISONS if _prefix != "Boolean" else ("Equals",):
        CHOICE_OPERATORS[_prefix + _cmp] = (_prefix + _cmp, _kind, False)
        CHOICE_OPERATORS[_prefix + _cmp + "Path"] = (_prefix + _cmp, "path", True)
CHOICE_OPERATORS["StringMatches"] = ("StringMatches", "string", False)
for _is in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
    CHOICE_OPERATORS[_is] = (_is, "boolean", False)

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def parse_timestamp(text: Any) -> datetime | None:
    """Parse an ASL timestamp (RFC 3339 profile: uppercase T, Z or numeric offset); None if invalid."""
    if not isinstance(text, str):
        return None
    match = _RFC3339.match(text)
    if match is None:
        return None
    frac = match.group(7) or ""
    zone = match.group(8)
    base = text[: match.start(7)] if frac else text[: match.start(8)]
    micro = (frac[1:] + "000000")[:6] if frac else ""
    iso = base + ("." + micro if micro else "") + ("+00:00" if zone == "Z" else zone)
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return None


def _ptr(pointer: str, key: str | int) -> str:
    if type(key) is str and "~" not in key and "/" not in key:  # a field name: nothing to escape
        return pointer + "/" + key
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Ctx:
    """Collects diagnostics while a definition is compiled."""

    def __init__(self, source: Source | None, machine_type: str = "STANDARD") -> None:
        self.source = source
        self.machine_type = machine_type  # STANDARD or EXPRESS: Express machines refuse some resources
        self.diagnostics: list[Diagnostic] = []
        self.state_names: dict[str, str] = {}  # name -> pointer (unique across the definition)
        self.assigned_variables: set[str] = set()
        self.variable_uses: list[tuple[str, str]] = []  # (name, pointer)
        # variable scopes: each States object is one; inner scopes must not assign outer names
        self.scope_parent: list[int | None] = []
        self.scope_stack: list[int] = []
        self.assignments: list[tuple[str, str, int]] = []  # (name, pointer, scope id)
        # which $states fields the JSONata expression being compiled may use
        self.allowed_states: frozenset[str] = _STATES_BASE

    def report(self, pointer: str, code: str, message: str, severity: str = "ERROR") -> None:
        line = column = None
        if self.source is not None:
            pos = self.source.position(pointer)
            if pos is not None:
                line, column = pos
        self.diagnostics.append(Diagnostic(code, message, pointer, line, column, severity))  # type: ignore[arg-type]

    def error(self, pointer: str, code: str, message: str) -> None:
        self.report(pointer, code, message)

    def warning(self, pointer: str, code: str, message: str) -> None:
        self.report(pointer, code, message, "WARNING")


# ----------------------------------------------------------------------------- scalar checks


_STATES_BASE = frozenset({"input", "context"})
_STATES_WITH_RESULT = _STATES_BASE | {"result"}
_STATES_IN_CATCH = _STATES_BASE | {"errorOutput"}


class _AllowStates:
    """``with _AllowStates(ctx, fields):`` — the $states fields allowed in the expressions compiled inside."""

    def __init__(self, ctx: _Ctx, fields: frozenset[str]) -> None:
        self.ctx = ctx
        self.fields = fields

    def __enter__(self) -> None:
        self.saved = self.ctx.allowed_states
        self.ctx.allowed_states = self.fields

    def __exit__(self, *exc: object) -> None:
        self.ctx.allowed_states = self.saved


def _check_int(
    ctx: _Ctx, value: Any, pointer: str, name: str, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    if not is_integer(value):
        ctx.error(pointer, "INVALID_TYPE", f"'{name}' must be an integer, not {a_type_name(value)}")
        return None
    number = int(value)
    if minimum is not None and number < minimum:
        ctx.error(pointer, "INVALID_VALUE", f"'{name}' must be at least {minimum}, got {number}")
        return None
    if maximum is not None and number > maximum:
        ctx.error(pointer, "INVALID_VALUE", f"'{name}' must be at most {maximum}, got {number}")
        return None
    return number


def _check_str(ctx: _Ctx, value: Any, pointer: str, name: str, nonempty: bool = False) -> str | None:
    if not isinstance(value, str):
        ctx.error(pointer, "INVALID_TYPE", f"'{name}' must be a string, not {a_type_name(value)}")
        return None
    if nonempty and value == "":
        ctx.error(pointer, "INVALID_VALUE", f"'{name}' must not be empty")
        return None
    return value


def _check_either(ctx: _Ctx, value: Any, pointer: str, name: str, first: str, second: str) -> str | None:
    """A field that takes one of two words, such as ``'FULL'`` or ``'NONE'``; None (reported) otherwise."""
    if value != first and value != second:
        ctx.error(pointer, "INVALID_VALUE", f"'{name}' must be '{first}' or '{second}', got {value!r}")
        return None
    return value  # type: ignore[no-any-return]


def _compile_path(
    ctx: _Ctx, value: Any, pointer: str, name: str, reference: bool = False, nullable: bool = False
) -> JsonPath | Missing | None:
    """A Path (or Reference Path) field; returns None for JSON null when allowed, MISSING on error."""
    if value is None:
        if nullable:
            return None
        ctx.error(pointer, "INVALID_TYPE", f"'{name}' must be a JSONPath string, not null")
        return MISSING
    if not isinstance(value, str):
        ctx.error(pointer, "INVALID_TYPE", f"'{name}' must be a JSONPath string, not {a_type_name(value)}")
        return MISSING
    try:
        path = compile_path(value)
    except PathError as exc:
        ctx.error(
            pointer, "INVALID_JSONPATH", f"'{name}' is not a valid JSONPath: {exc.message} in {value!r}"
        )
        return MISSING
    if reference and not path.is_reference:
        ctx.error(
            pointer,
            "INVALID_REFERENCE_PATH",
            f"'{name}' must be a reference path (only .name, ['name'] and [index] steps, selecting one "
            f"value), got {value!r}",
        )
        return MISSING
    if path.is_variable:
        ctx.variable_uses.append((path.root, pointer))
    return path


# ----------------------------------------------------------------------------- templates


def _compile_payload_template(ctx: _Ctx, value: Any, pointer: str, name: str) -> m.Template | Missing:
    """A JSONPath Payload Template: an object whose ``key.$`` members hold paths or intrinsics (the
    spec says an object; for 'Parameters' AWS also takes an array, and deployed definitions use it)."""
    if not isinstance(value, dict) and not (name == "Parameters" and isinstance(value, list)):
        ctx.error(pointer, "INVALID_TYPE", f"'{name}' must be an object, not {a_type_name(value)}")
        return MISSING
    return _template_node(ctx, value, pointer)


def _template_node(ctx: _Ctx, value: Any, pointer: str) -> m.Template:
    if isinstance(value, dict):
        items: list[tuple[str, m.Template]] = []
        seen: dict[str, str] = {}
        dynamic = False
        for key, item in value.items():
            here = _ptr(pointer, key)
            if key.endswith(".$") and len(key) > 2:
                out_key = key[:-2]
                node = _dynamic_value(ctx, item, here, key)
                dynamic = True
            else:
                out_key = key
                node = _template_node(ctx, item, here)
                dynamic = dynamic or not isinstance(node, m.TConst)
            if out_key in seen:
                ctx.error(
                    here,
                    "DUPLICATE_FIELD",
                    f"'{key}' and '{seen[out_key]}' both produce the field '{out_key}'",
                )
            seen[out_key] = key
            items.append((out_key, node))
        if not dynamic:
            return m.TConst(value)
        return m.TObject(tuple(items))
    if isinstance(value, list):
        nodes = tuple(_template_node(ctx, item, _ptr(pointer, i)) for i, item in enumerate(value))
        if all(isinstance(n, m.TConst) for n in nodes):
            return m.TConst(value)
        return m.TArray(nodes)
    return m.TConst(value)


def _dynamic_value(ctx: _Ctx, value: Any, pointer: str, key: str) -> m.Template:
    from ..paths.intrinsics import is_intrinsic, parse_intrinsic_leniently

    if not isinstance(value, str):
        ctx.error(
            pointer,
            "INVALID_TYPE",
            f"'{key}' ends in '.$', so its value must be a JSONPath or an intrinsic function call "
            f"string, not {a_type_name(value)}",
        )
        return m.TConst(value)
    if value.startswith("$"):
        path = _compile_path(ctx, value, pointer, key)
        if isinstance(path, JsonPath):
            return m.TPath(path, key)
        return m.TConst(value)
    if is_intrinsic(value):
        try:
            call, problems = parse_intrinsic_leniently(value)
        except PathError as exc:
            ctx.error(pointer, "INVALID_INTRINSIC", f"'{key}': {exc.message} in {value!r}")
            return m.TConst(value)
        _intrinsic_warnings(ctx, pointer, key, value, problems)
        for path in _intrinsic_paths(call):
            if path.is_variable:
                ctx.variable_uses.append((path.root, pointer))
        return m.TIntrinsic(call, value, key)
    ctx.error(
        pointer,
        "INVALID_JSONPATH",
        f"'{key}' ends in '.$', so its value must be a JSONPath (starting with '$') or an intrinsic "
        f"function call (States.Format(...), ...), got {value!r}; remove '.$' from the key for a literal",
    )
    return m.TConst(value)


def _intrinsic_warnings(ctx: _Ctx, pointer: str, key: str, value: str, problems: list[Any]) -> None:
    """Argument problems AWS lets through at creation: the call fails when it runs (or, for
    States.UUID, its arguments are ignored)."""
    for problem in problems:
        consequence = (
            ""
            if problem.ignored
            else " (AWS accepts the definition; the call fails with States.Runtime when it runs)"
        )
        ctx.warning(pointer, "INTRINSIC_ARGUMENTS", f"'{key}': {problem.message} in {value!r}{consequence}")


def _intrinsic_paths(call: Any) -> Iterable[JsonPath]:
    from ..paths.intrinsics import Call, PathArg

    for arg in call.args:
        if isinstance(arg, PathArg):
            yield arg.path
        elif isinstance(arg, Call):
            yield from _intrinsic_paths(arg)


def _compile_jsonata_template(ctx: _Ctx, value: Any, pointer: str, field: str) -> m.Template:
    """Any JSON value where ``{% ... %}`` strings at any depth are JSONata expressions."""
    from ..paths.jsonata import is_jsonata

    if isinstance(value, str) and is_jsonata(value):
        expr = _compile_jsonata(ctx, value, pointer, field)
        return expr if expr is not None else m.TConst(value)
    if isinstance(value, dict):
        items = tuple(
            (k, _compile_jsonata_template(ctx, v, _ptr(pointer, k), f"{field}/{k}")) for k, v in value.items()
        )
        if all(isinstance(n, m.TConst) for _, n in items):
            return m.TConst(value)
        return m.TObject(items)
    if isinstance(value, list):
        nodes = tuple(
            _compile_jsonata_template(ctx, v, _ptr(pointer, i), f"{field}[{i}]") for i, v in enumerate(value)
        )
        if all(isinstance(n, m.TConst) for n in nodes):
            return m.TConst(value)
        return m.TArray(nodes)
    return m.TConst(value)


def _compile_jsonata(ctx: _Ctx, text: str, pointer: str, field: str) -> m.TJsonata | None:
    from ..paths.jsonata import compile_jsonata, strip_delimiters

    try:
        expr = compile_jsonata(strip_delimiters(text))
    except PathError as exc:
        ctx.error(pointer, "INVALID_JSONATA", f"'{field}' holds an invalid JSONata expression: {exc.message}")
        return None
    for name in expr.top_level_references():
        ctx.error(
            pointer,
            "UNSUPPORTED_JSONATA_EXPRESSION",
            "Reference to '$$' is not supported (the context object is $states.context)"
            if name == "$$"
            else f"Reference to '{name}' at the top level is not supported: a state's input is "
            f"$states.input (write $states.input.{name if name.isidentifier() else '`' + name + '`'})",
        )
    for name in expr.variables():
        if name != "states":
            ctx.variable_uses.append((name, pointer))
    for used in sorted(expr.uses_states_fields() - ctx.allowed_states - {"*"}):
        where = {
            "result": "only in the Output and Assign of Task, Map and Parallel states",
            "errorOutput": "only in the Output and Assign of a Catcher",
        }.get(used, "nowhere: $states has input, context, result and errorOutput")
        ctx.error(
            pointer,
            "INVALID_STATES_REFERENCE",
            f"'{field}' uses $states.{used}, which is available {where}",
        )
    return m.TJsonata(expr, field)


def _is_jsonata_string(value: Any) -> bool:
    from ..paths.jsonata import is_jsonata

    return isinstance(value, str) and is_jsonata(value)


def _int_or_expr(
    ctx: _Ctx,
    state: dict,
    pointer: str,
    name: str,
    jsonata: bool,
    minimum: int,
    maximum: int | None = None,
    number: bool = False,
) -> m.Expr | Missing:
    """A numeric field given literally, as ``<name>Path`` (JSONPath) or as a JSONata string."""
    value = state.get(name, MISSING)
    path_value = state.get(name + "Path", MISSING)
    if value is not MISSING and path_value is not MISSING:
        ctx.error(
            _ptr(pointer, name + "Path"),
            "CONFLICTING_FIELDS",
            f"'{name}' and '{name}Path' cannot both be set",
        )
        return MISSING
    if value is not MISSING:
        here = _ptr(pointer, name)
        if jsonata and _is_jsonata_string(value):
            expr = _compile_jsonata(ctx, value, here, name)
            return expr if expr is not None else MISSING
        if number:
            if not is_number(value):
                ctx.error(here, "INVALID_TYPE", f"'{name}' must be a number, not {a_type_name(value)}")
                return MISSING
            if value < minimum or (maximum is not None and value > maximum):
                ctx.error(
                    here, "INVALID_VALUE", f"'{name}' must be between {minimum} and {maximum}, got {value}"
                )
                return MISSING
            return m.TConst(value)
        checked = _check_int(ctx, value, here, name, minimum, maximum)
        return m.TConst(checked) if checked is not None else MISSING
    if path_value is not MISSING:
        path = _compile_path(ctx, path_value, _ptr(pointer, name + "Path"), name + "Path", reference=True)
        return m.TPath(path, name + "Path") if isinstance(path, JsonPath) else MISSING
    return MISSING


# ----------------------------------------------------------------------------- Retry / Catch


def _check_error_equals(ctx: _Ctx, value: Any, pointer: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) == 0:
        ctx.error(pointer, "INVALID_TYPE", "'ErrorEquals' must be a non-empty array of error names")
        return ()
    names = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            ctx.error(
                _ptr(pointer, i), "INVALID_TYPE", f"error names must be strings, not {a_type_name(item)}"
            )
            continue
        names.append(item)
    if "States.ALL" in names and len(value) > 1:
        ctx.error(pointer, "STATES_ALL_NOT_ALONE", "'States.ALL' must appear alone in 'ErrorEquals'")
    return tuple(names)


_RETRIER_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}


def _error_handlers(
    ctx: _Ctx, value: Any, pointer: str, field: str, noun: str, check_fields: Callable[[dict, str], None]
) -> Iterator[tuple[str, dict, tuple[str, ...]]]:
    """The entries of a ``Retry`` or ``Catch`` array (``noun``: retrier, catcher), checked for what
    both share: each is an object whose fields ``check_fields`` checks, with a valid ``ErrorEquals``,
    and ``States.ALL`` only in the last one.  Yields ``(pointer, entry, error names)``."""
    if not isinstance(value, list):
        ctx.error(pointer, "INVALID_TYPE", f"'{field}' must be an array of {noun}s, not {a_type_name(value)}")
        return
    for i, spec in enumerate(value):
        here = _ptr(pointer, i)
        if not isinstance(spec, dict):
            ctx.error(here, "INVALID_TYPE", f"a {noun} must be an object, not {a_type_name(spec)}")
            continue
        check_fields(spec, here)
        if "ErrorEquals" not in spec:
            ctx.error(here, "MISSING_FIELD", f"a {noun} needs 'ErrorEquals'")
        errors = (
            _check_error_equals(ctx, spec["ErrorEquals"], _ptr(here, "ErrorEquals"))
            if "ErrorEquals" in spec
            else ()
        )
        if "States.ALL" in errors and i != len(value) - 1:
            ctx.error(
                _ptr(here, "ErrorEquals"),
                "STATES_ALL_NOT_LAST",
                f"a {noun} with 'States.ALL' must be the last one",
            )
        yield here, spec, errors


def _parse_retry(ctx: _Ctx, value: Any, pointer: str) -> tuple[m.Retrier, ...]:
    def check_fields(spec: dict, here: str) -> None:
        _unknown_fields(ctx, spec, here, _RETRIER_FIELDS, "a retrier")

    retriers = []
    for here, spec, errors in _error_handlers(ctx, value, pointer, "Retry", "retrier", check_fields):
        kwargs: dict[str, Any] = {}
        if "IntervalSeconds" in spec:
            kwargs["interval_seconds"] = _check_int(
                ctx, spec["IntervalSeconds"], _ptr(here, "IntervalSeconds"), "IntervalSeconds", 1, 99999999
            )
        if "MaxAttempts" in spec:
            kwargs["max_attempts"] = _check_int(
                ctx, spec["MaxAttempts"], _ptr(here, "MaxAttempts"), "MaxAttempts", 0, 99999999
            )
        if "BackoffRate" in spec:
            rate = spec["BackoffRate"]
            if not is_number(rate):
                ctx.error(
                    _ptr(here, "BackoffRate"),
                    "INVALID_TYPE",
                    f"'BackoffRate' must be a number, not {a_type_name(rate)}",
                )
            elif rate < 1.0:
                ctx.error(
                    _ptr(here, "BackoffRate"),
                    "INVALID_VALUE",
                    f"'BackoffRate' must be at least 1.0, got {rate}",
                )
            else:
                kwargs["backoff_rate"] = float(rate)
        if "MaxDelaySeconds" in spec:
            kwargs["max_delay_seconds"] = _check_int(
                ctx, spec["MaxDelaySeconds"], _ptr(here, "MaxDelaySeconds"), "MaxDelaySeconds", 1, 31622400
            )
        if "JitterStrategy" in spec:
            kwargs["jitter_strategy"] = _check_either(
                ctx, spec["JitterStrategy"], _ptr(here, "JitterStrategy"), "JitterStrategy", "FULL", "NONE"
            )
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        retriers.append(m.Retrier(error_equals=errors, pointer=here, **kwargs))
    return tuple(retriers)


def _parse_catch(ctx: _Ctx, value: Any, pointer: str, jsonata: bool) -> tuple[m.Catcher, ...]:
    allowed = {"ErrorEquals": B, "Next": B, "ResultPath": P, "Output": A, "Assign": B, "Comment": B}

    def check_fields(spec: dict, here: str) -> None:
        _mode_fields(ctx, spec, here, allowed, jsonata, "a catcher")

    catchers = []
    for here, spec, errors in _error_handlers(ctx, value, pointer, "Catch", "catcher", check_fields):
        if "Next" not in spec:
            ctx.error(here, "MISSING_FIELD", "a catcher needs 'Next'")
            target = ""
        else:
            target = _check_str(ctx, spec["Next"], _ptr(here, "Next"), "Next") or ""
        result_path: Any = MISSING
        if "ResultPath" in spec and not jsonata:
            result_path = _compile_path(
                ctx, spec["ResultPath"], _ptr(here, "ResultPath"), "ResultPath", True, True
            )
            _check_result_path(ctx, result_path, _ptr(here, "ResultPath"))
        output: Any = MISSING
        with _AllowStates(ctx, _STATES_IN_CATCH):
            label = _array_label(here)  # "Catch[i]", as AWS names the catcher's fields
            if "Output" in spec and jsonata:
                output = _compile_jsonata_template(
                    ctx, spec["Output"], _ptr(here, "Output"), f"{label}/Output"
                )
            assign = _parse_assign(ctx, spec, here, jsonata, f"{label}/Assign")
        catchers.append(
            m.Catcher(
                error_equals=errors,
                next=target,
                result_path=result_path,
                output=output,
                assign=assign,
                pointer=here,
            )
        )
    return tuple(catchers)


def _check_result_path(ctx: _Ctx, path: Any, pointer: str) -> None:
    if isinstance(path, JsonPath) and (path.is_context or path.is_variable):
        ctx.error(
            pointer,
            "INVALID_REFERENCE_PATH",
            "'ResultPath' must apply to the state's input ('$...'), not to the context object or a variable",
        )


_VARIABLE_NAME = re.compile(r"[^\W\d]\w*\Z", re.UNICODE)


def _parse_assign(
    ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, label: str = "Assign"
) -> m.Template | Missing:
    if "Assign" not in spec:
        return MISSING
    here = _ptr(pointer, "Assign")
    value = spec["Assign"]
    if not isinstance(value, dict):
        ctx.error(here, "INVALID_TYPE", f"'Assign' must be an object, not {a_type_name(value)}")
        return MISSING
    for key in value:
        name = key[:-2] if key.endswith(".$") and not jsonata else key
        if not _VARIABLE_NAME.match(name) or len(name) > 80:
            ctx.error(
                _ptr(here, key),
                "INVALID_VARIABLE_NAME",
                f"{name!r} is not a valid variable name (a letter or underscore, then letters, digits or "
                "underscores; at most 80 characters)",
            )
        elif name == "states":
            ctx.error(_ptr(here, key), "RESERVED_VARIABLE", "'states' is reserved and cannot be assigned")
        ctx.assigned_variables.add(name)
        if ctx.scope_stack:
            ctx.assignments.append((name, _ptr(here, key), ctx.scope_stack[-1]))
    if jsonata:
        return _compile_jsonata_template(ctx, value, here, label)
    return _template_node(ctx, value, here)


# ----------------------------------------------------------------------------- fields per state


def _unknown_fields(ctx: _Ctx, spec: dict, pointer: str, allowed: Iterable[str], what: str) -> None:
    allowed = set(allowed)
    for key in spec:
        if key not in allowed:
            ctx.error(
                _ptr(pointer, key), "UNKNOWN_FIELD", f"{what} has no field '{key}'{_suggest(key, allowed)}"
            )


def _mode_fields(
    ctx: _Ctx, spec: dict, pointer: str, allowed: dict[str, str], jsonata: bool, what: str
) -> None:
    mode_name = "JSONata" if jsonata else "JSONPath"
    for key in spec:
        mode = allowed.get(key)
        if mode is None:
            in_other = [t for t, fields in STATE_FIELDS.items() if key in fields]
            if in_other and what.startswith("a ") and what.endswith(" state"):
                hint = f" ('{key}' belongs to {', '.join(in_other)} states)"
            else:
                hint = _suggest(key, allowed)
            if key in ("Variable", *CHOICE_OPERATORS, "And", "Or", "Not") and what == "a Choice rule":
                hint = f" ('{key}' is for JSONPath states; JSONata rules use 'Condition')"
            ctx.error(_ptr(pointer, key), "UNKNOWN_FIELD", f"{what} has no field '{key}'{hint}")
        elif (mode == P and jsonata) or (mode == A and not jsonata):
            other = "JSONPath" if jsonata else "JSONata"
            ctx.error(
                _ptr(pointer, key),
                "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
                f"'{key}' is only allowed in {other} states; this state uses {mode_name}"
                + (_JSONATA_REPLACEMENTS.get(key, "") if jsonata else ""),
            )


_JSONATA_REPLACEMENTS = {
    "InputPath": " (use Arguments/Output with $states.input)",
    "Parameters": " (use 'Arguments')",
    "ResultSelector": " (use 'Output' with $states.result)",
    "ResultPath": " (use 'Output' or 'Assign')",
    "OutputPath": " (use 'Output')",
    "ItemsPath": " (use 'Items')",
}


def _parse_machine_scope(
    ctx: _Ctx, spec: Any, pointer: str, query_language: str, top: bool, what: str, processor: bool = False
) -> m.Machine | None:
    if not isinstance(spec, dict):
        ctx.error(pointer, "INVALID_TYPE", f"{what} must be an object, not {a_type_name(spec)}")
        return None
    _check_scope_fields(ctx, spec, pointer, top, what, processor)
    language = _query_language(ctx, spec, pointer, query_language, "a branch or item processor")
    comment = spec.get("Comment", MISSING)
    if comment is not MISSING:
        _check_str(ctx, comment, _ptr(pointer, "Comment"), "Comment")
    version, timeout = _top_level_fields(ctx, spec, pointer) if top else (MISSING, MISSING)
    states_spec = spec.get("States", MISSING)
    states: dict[str, m.State] = {}
    if isinstance(states_spec, dict) and states_spec.get("QueryLanguage") in ("JSONata", "JSONPath"):
        # a QueryLanguage string among the states: AWS takes it as the scope's (deployed samples do this)
        ctx.warning(
            _ptr(_ptr(pointer, "States"), "QueryLanguage"),
            "MISPLACED_FIELD",
            f"'QueryLanguage' belongs beside 'States', not inside it; taken as {what}'s query language",
        )
        language = states_spec["QueryLanguage"]
        states_spec = {k: v for k, v in states_spec.items() if k != "QueryLanguage"}
    if states_spec is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"{what} needs 'States'")
    elif not isinstance(states_spec, dict):
        ctx.error(
            _ptr(pointer, "States"),
            "INVALID_TYPE",
            f"'States' must be an object, not {a_type_name(states_spec)}",
        )
    elif len(states_spec) == 0:
        ctx.error(_ptr(pointer, "States"), "EMPTY_STATES", "'States' must contain at least one state")
    else:
        states = _parse_states(ctx, states_spec, _ptr(pointer, "States"), language)
    start_at = _start_at(ctx, spec, pointer, what, states_spec)
    if isinstance(states_spec, dict):
        _check_transitions(ctx, states, states_spec, pointer)
    return m.Machine(
        start_at=start_at,
        states=states,
        query_language=language,  # type: ignore[arg-type]
        comment=comment,
        timeout_seconds=timeout,
        version=version,
        pointer=pointer,
    )


def _check_scope_fields(ctx: _Ctx, spec: dict, pointer: str, top: bool, what: str, processor: bool) -> None:
    """Report the fields a definition, branch or item processor does not have."""
    allowed = TOP_FIELDS if top else NESTED_FIELDS | ({"ProcessorConfig"} if processor else set())
    for key in spec:
        if key not in allowed:
            extra = ""
            if key in ("Version", "TimeoutSeconds") and not top:
                extra = f" ('{key}' is only allowed at the top level of a definition)"
            ctx.error(
                _ptr(pointer, key),
                "UNKNOWN_FIELD",
                f"{what} has no field '{key}'{extra or _suggest(key, allowed)}",
            )


def _top_level_fields(ctx: _Ctx, spec: dict, pointer: str) -> tuple[Any, Any]:
    """A definition's Version and TimeoutSeconds (MISSING when absent or invalid)."""
    version = spec.get("Version", MISSING)
    if version is not MISSING and version != "1.0":
        ctx.error(_ptr(pointer, "Version"), "INVALID_VALUE", f"'Version' must be \"1.0\", got {version!r}")
    timeout: Any = MISSING
    if "TimeoutSeconds" in spec:
        timeout = _check_int(
            ctx, spec["TimeoutSeconds"], _ptr(pointer, "TimeoutSeconds"), "TimeoutSeconds", 0, 99999999
        )
        if timeout is None:
            timeout = MISSING
    return version, timeout


def _parse_states(ctx: _Ctx, states_spec: dict, states_pointer: str, language: str) -> dict[str, m.State]:
    """The states of one scope, each name checked (length, uniqueness across the definition)."""
    states: dict[str, m.State] = {}
    scope_id = len(ctx.scope_parent)
    ctx.scope_parent.append(ctx.scope_stack[-1] if ctx.scope_stack else None)
    ctx.scope_stack.append(scope_id)
    for name, state_spec in states_spec.items():
        here = (
            states_pointer + "/" + name
            if type(name) is str and "~" not in name and "/" not in name
            else _ptr(states_pointer, name)
        )
        if len(name) > 80:
            ctx.error(
                here,
                "INVALID_STATE_NAME",
                f"state names are at most 80 characters ('{name[:20]}...' has {len(name)})",
            )
        elif name == "":
            ctx.error(here, "INVALID_STATE_NAME", "a state name must not be empty")
        if name in ctx.state_names:
            ctx.error(
                here,
                "DUPLICATE_STATE_NAME",
                f"the state name '{name}' is already used at {ctx.state_names[name]}",
            )
        else:
            ctx.state_names[name] = here
        state = _parse_state(ctx, name, state_spec, here, language)
        if state is not None:
            states[name] = state
    ctx.scope_stack.pop()
    return states


def _start_at(ctx: _Ctx, spec: dict, pointer: str, what: str, states_spec: Any) -> str:
    """The scope's StartAt ("" when absent or invalid, reported)."""
    start_at = spec.get("StartAt", MISSING)
    if start_at is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"{what} needs 'StartAt'")
        return ""
    if not isinstance(start_at, str):
        ctx.error(
            _ptr(pointer, "StartAt"),
            "INVALID_TYPE",
            f"'StartAt' must be a string, not {a_type_name(start_at)}",
        )
        return ""
    if isinstance(states_spec, dict) and start_at not in states_spec:
        ctx.error(
            _ptr(pointer, "StartAt"),
            "UNKNOWN_STATE",
            f"'StartAt' names '{start_at}', which is not a state here{_suggest(start_at, states_spec)}",
        )
    return start_at


def _query_language(ctx: _Ctx, spec: dict, pointer: str, inherited: str, what: str) -> str:
    """The query language a state or scope uses: its own QueryLanguage, else the one it inherits."""
    if "QueryLanguage" not in spec:
        return inherited
    value = spec["QueryLanguage"]
    here = _ptr(pointer, "QueryLanguage")
    if _check_either(ctx, value, here, "QueryLanguage", "JSONPath", "JSONata") is None:
        return inherited
    if value == "JSONPath" and inherited == "JSONata":
        ctx.error(
            here,
            "INVALID_VALUE",
            f"{what} cannot switch back to JSONPath when the state machine's QueryLanguage is JSONata",
        )
        return inherited
    return value  # type: ignore[no-any-return]


def _check_transitions(ctx: _Ctx, states: dict[str, m.State], names: dict, pointer: str) -> None:
    for state in states.values():
        if state.__class__ is not m.ChoiceState and not getattr(state, "catch", ()):
            target = state.next
            if target is None or target == "" or target in names:
                continue  # its one transition, if any, is fine
        targets: list[tuple[str, str]] = []
        if state.next is not None:
            targets.append((state.next, _ptr(state.pointer, "Next")))
        if isinstance(state, m.ChoiceState):
            for rule in state.choices:
                targets.append((rule.next, _ptr(rule.pointer, "Next")))
            if isinstance(state.default, str):
                targets.append((state.default, _ptr(state.pointer, "Default")))
        for catcher in getattr(state, "catch", ()):
            targets.append((catcher.next, _ptr(catcher.pointer, "Next")))
        for target, where in targets:
            if target == "" or target in names:
                continue
            if not hasattr(ctx, "all_state_names"):
                ctx.all_state_names = _all_state_names(getattr(ctx, "definition", None))  # type: ignore[attr-defined]
            elsewhere = ctx.state_names.get(target) or (target if target in ctx.all_state_names else None)  # type: ignore[attr-defined]
            detail = (
                " (it exists in another scope: a state cannot move into or out of a Parallel branch "
                "or Map item processor)"
                if elsewhere is not None
                else _suggest(target, names)
            )
            field = where.rsplit("/", 1)[-1]
            ctx.error(
                where, "UNKNOWN_STATE", f"'{field}' names '{target}', which is not a state here{detail}"
            )


def _parse_state(ctx: _Ctx, name: str, spec: Any, pointer: str, machine_language: str) -> m.State | None:
    if not isinstance(spec, dict):
        ctx.error(pointer, "INVALID_TYPE", f"state '{name}' must be an object, not {a_type_name(spec)}")
        return None
    type_ = spec.get("Type", MISSING)
    if type_ is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"state '{name}' needs a 'Type'")
        return None
    if type_ not in STATE_FIELDS:
        ctx.error(
            _ptr(pointer, "Type"),
            "INVALID_STATE_TYPE",
            f"unknown state type {type_!r}{_suggest(str(type_), STATE_FIELDS)} "
            f"(one of {', '.join(STATE_FIELDS)})",
        )
        return None
    language = (
        _query_language(ctx, spec, pointer, machine_language, "a state")
        if "QueryLanguage" in spec
        else machine_language
    )
    jsonata = language == "JSONata"
    allowed = STATE_FIELDS[type_]
    if not _FIELDS_IN_MODE[type_, jsonata].issuperset(spec):  # some field to report
        _mode_fields(ctx, spec, pointer, allowed, jsonata, f"a {type_} state")
    common: dict[str, Any] = {"name": name, "type": type_, "pointer": pointer, "query_language": language}
    if type_ in _PLAIN_TYPES and _DATA_FIELD_SET.isdisjoint(spec):
        common["plain"] = common["derived_stages"] = True
    elif type_ == "Pass" and not jsonata and _DATA_FIELD_SET.intersection(spec) <= _RESULT_FIELDS:
        common["derived_stages"] = True
    if "Comment" in spec:
        common["comment"] = _check_str(ctx, spec["Comment"], _ptr(pointer, "Comment"), "Comment") or MISSING
    # Next / End
    has_next, has_end = "Next" in spec, "End" in spec
    if "Next" in allowed:
        if has_next:
            target = spec["Next"]
            common["next"] = (
                target if type(target) is str else _check_str(ctx, target, _ptr(pointer, "Next"), "Next")
            )
        if has_end:
            end = spec["End"]
            if end is not True:
                if isinstance(end, bool):
                    if not has_next:
                        ctx.error(
                            _ptr(pointer, "End"),
                            "INVALID_VALUE",
                            "'End' must be true (use 'Next' to continue)",
                        )
                else:
                    ctx.error(
                        _ptr(pointer, "End"), "INVALID_TYPE", f"'End' must be true, not {a_type_name(end)}"
                    )
            common["end"] = end is True
        if has_next and spec.get("End") is True:
            ctx.error(pointer, "NEXT_AND_END", f"state '{name}' has both 'Next' and 'End'; give exactly one")
        elif not has_next and not has_end:
            ctx.error(pointer, "MISSING_NEXT_OR_END", f"state '{name}' needs 'Next' or \"End\": true")
    if not jsonata:
        if "InputPath" in spec and "InputPath" in allowed:
            common["input_path"] = _compile_path(
                ctx, spec["InputPath"], _ptr(pointer, "InputPath"), "InputPath", nullable=True
            )
        if "OutputPath" in spec and "OutputPath" in allowed:
            common["output_path"] = _compile_path(
                ctx, spec["OutputPath"], _ptr(pointer, "OutputPath"), "OutputPath", nullable=True
            )
    if "Output" in spec or "Assign" in spec:
        _output_and_assign(ctx, spec, pointer, type_, allowed, jsonata, common)
    builder = _BUILDERS[type_]
    try:
        state = builder(ctx, spec, pointer, jsonata, common)
    except _Skip:
        return None
    return state


def _output_and_assign(
    ctx: _Ctx, spec: dict, pointer: str, type_: str, allowed: dict, jsonata: bool, common: dict
) -> None:
    """A state's Output (JSONata) and Assign, with the $states fields its type may read."""
    with _AllowStates(ctx, _STATES_WITH_RESULT if type_ in ("Task", "Map", "Parallel") else _STATES_BASE):
        if jsonata and "Output" in spec and "Output" in allowed:
            common["output"] = _compile_jsonata_template(
                ctx, spec["Output"], _ptr(pointer, "Output"), "Output"
            )
        if "Assign" in allowed:
            common["assign"] = _parse_assign(ctx, spec, pointer, jsonata)


# the fields each state type takes in each query language (False: JSONPath, True: JSONata)
_FIELDS_IN_MODE: dict[tuple[str, bool], frozenset[str]] = {
    (type_, jsonata): frozenset(
        key for key, mode in fields.items() if not ((mode == P and jsonata) or (mode == A and not jsonata))
    )
    for type_, fields in STATE_FIELDS.items()
    for jsonata in (False, True)
}

_PLAIN_TYPES = frozenset({"Pass", "Succeed", "Wait", "Choice"})
_DATA_FIELDS = (
    "InputPath",
    "OutputPath",
    "Parameters",
    "Result",
    "ResultPath",
    "ResultSelector",
    "Arguments",
    "Output",
    "Assign",
)
_DATA_FIELD_SET = frozenset(_DATA_FIELDS)
_RESULT_FIELDS = frozenset({"Result", "ResultPath"})


class _Skip(Exception):
    """A required piece is so broken that the state cannot be built (already reported)."""


def _result_fields(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> dict:
    out = dict(common)
    if jsonata:
        if "Arguments" in spec and "Arguments" in STATE_FIELDS[common["type"]]:
            args = spec["Arguments"]
            if not isinstance(args, dict) and not _is_jsonata_string(args):
                ctx.error(
                    _ptr(pointer, "Arguments"),
                    "INVALID_TYPE",
                    "'Arguments' must be an object or a JSONata string",
                )
            else:
                out["arguments"] = _compile_jsonata_template(
                    ctx, args, _ptr(pointer, "Arguments"), "Arguments"
                )
    else:
        if "Parameters" in spec and common["type"] != "Map":
            out["parameters"] = _compile_payload_template(
                ctx, spec["Parameters"], _ptr(pointer, "Parameters"), "Parameters"
            )
        if "ResultSelector" in spec:
            out["result_selector"] = _compile_payload_template(
                ctx, spec["ResultSelector"], _ptr(pointer, "ResultSelector"), "ResultSelector"
            )
        if "ResultPath" in spec:
            rp = _compile_path(ctx, spec["ResultPath"], _ptr(pointer, "ResultPath"), "ResultPath", True, True)
            _check_result_path(ctx, rp, _ptr(pointer, "ResultPath"))
            out["result_path"] = rp
    if "Retry" in spec:
        out["retry"] = _parse_retry(ctx, spec["Retry"], _ptr(pointer, "Retry"))
    if "Catch" in spec:
        out["catch"] = _parse_catch(ctx, spec["Catch"], _ptr(pointer, "Catch"), jsonata)
    return out


def _build_pass(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = common  # made for this state alone (see _parse_state)
    if not jsonata:
        if "Result" in spec:
            kw["result"] = spec["Result"]
            with contextlib.suppress(TypeError, ValueError, RecursionError):  # not JSON: reported elsewhere
                kw["result_text"] = dumps(spec["Result"])
        if "Parameters" in spec:
            kw["parameters"] = _compile_payload_template(
                ctx, spec["Parameters"], _ptr(pointer, "Parameters"), "Parameters"
            )
        if "ResultPath" in spec:
            rp = _compile_path(ctx, spec["ResultPath"], _ptr(pointer, "ResultPath"), "ResultPath", True, True)
            _check_result_path(ctx, rp, _ptr(pointer, "ResultPath"))
            kw["result_path"] = rp
            key = rp.field_name if isinstance(rp, JsonPath) else None
            if key is not None and "result_text" in kw:
                kw["result_field"] = key
                kw["result_member"] = dumps(key) + ":" + kw["result_text"]
    return m.build(m.PassState, kw)


def _build_task(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = _result_fields(ctx, spec, pointer, jsonata, common)
    resource = spec.get("Resource", MISSING)
    if resource is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"Task state '{common['name']}' needs a 'Resource'")
        resource = ""
    elif not isinstance(resource, str) or resource == "":
        ctx.error(_ptr(pointer, "Resource"), "INVALID_TYPE", "'Resource' must be a non-empty string (an ARN)")
        resource = ""
    elif not re.match(r"[a-z][a-z0-9+.-]*:", resource):
        ctx.error(
            _ptr(pointer, "Resource"),
            "INVALID_VALUE",
            f"'Resource' must be a URI such as an ARN, got {resource!r}",
        )
    else:
        _check_resource(ctx, resource, _ptr(pointer, "Resource"))
    kw["resource"] = resource
    timeout = _int_or_expr(ctx, spec, pointer, "TimeoutSeconds", jsonata, 1, 99999999)
    heartbeat = _int_or_expr(ctx, spec, pointer, "HeartbeatSeconds", jsonata, 1, 99999999)
    if isinstance(timeout, m.TConst) and isinstance(heartbeat, m.TConst) and heartbeat.value >= timeout.value:
        ctx.error(
            _ptr(pointer, "HeartbeatSeconds"),
            "INVALID_VALUE",
            f"'HeartbeatSeconds' ({heartbeat.value}) must be smaller than 'TimeoutSeconds' ({timeout.value})",
        )
    kw["timeout_seconds"] = timeout
    kw["heartbeat_seconds"] = heartbeat
    if "Credentials" in spec:
        cred = spec["Credentials"]
        here = _ptr(pointer, "Credentials")
        if not isinstance(cred, dict):
            ctx.error(here, "INVALID_TYPE", f"'Credentials' must be an object, not {a_type_name(cred)}")
            return m.build(m.TaskState, kw)
        role_fields = ("RoleArn",) if jsonata else ("RoleArn", "RoleArn.$")
        _unknown_fields(ctx, cred, here, role_fields, "'Credentials'")
        if not any(key in cred for key in role_fields):
            ctx.error(
                here, "MISSING_FIELD", "'Credentials' needs a 'RoleArn' (the IAM role the Task assumes)"
            )
        if jsonata:
            kw["credentials"] = _compile_jsonata_template(ctx, cred, here, "Credentials")
        else:
            kw["credentials"] = _template_node(ctx, cred, here)
    return m.build(m.TaskState, kw)


# the services of AWS's optimised integrations (arn:aws:states:::<service>:<action>), and aws-sdk
_INTEGRATED_SERVICES = frozenset(
    {
        "aws-sdk", "lambda", "batch", "dynamodb", "ecs", "sns", "sqs", "glue", "sagemaker", "states",
        "elasticmapreduce", "emr-containers", "emr-serverless", "codebuild", "athena", "eks",
        "apigateway", "databrew", "events", "bedrock", "bedrockagentcore", "http", "mediaconvert", "s3",
    }
)  # fmt: skip
# the whole set of actions some optimised integrations offer (AWS refuses any other, as "not
# recognized"; its aws-sdk integration calls them instead); the other services' lists are longer
# and still growing, so their actions are not checked
_INTEGRATED_ACTIONS: Final = {
    "lambda": {"invoke"},
    "dynamodb": {"getItem", "putItem", "updateItem", "deleteItem"},
    "sqs": {"sendMessage"},
    "sns": {"publish"},
    "events": {"putEvents"},
    "states": {"startExecution"},
    "ecs": {"runTask"},
    "batch": {"submitJob"},
    "glue": {"startJobRun"},
    "apigateway": {"invoke"},
    "http": {"invoke"},
    "databrew": {"startJobRun"},
    "mediaconvert": {"createJob"},
    "athena": {"startQueryExecution", "stopQueryExecution", "getQueryExecution", "getQueryResults"},
}
# the integration patterns each integration offers ("" is request-response), as AWS's table of
# optimised integrations gives them; the AWS SDK integrations cannot run a job (.sync)
_INTEGRATED_PATTERNS: Final = {
    "aws-sdk": {"", ".waitForTaskToken"},
    "apigateway": {"", ".waitForTaskToken"},
    "athena": {"", ".sync"},
    "batch": {"", ".sync"},
    "bedrock": {"", ".sync", ".waitForTaskToken"},
    "codebuild": {"", ".sync"},
    "dynamodb": {""},
    "ecs": {"", ".sync", ".waitForTaskToken"},
    "eks": {"", ".sync", ".waitForTaskToken"},
    "elasticmapreduce": {"", ".sync"},
    "emr-containers": {"", ".sync"},
    "emr-serverless": {"", ".sync"},
    "events": {"", ".waitForTaskToken"},
    "glue": {"", ".sync"},
    "databrew": {"", ".sync"},
    "lambda": {"", ".waitForTaskToken"},
    "mediaconvert": {"", ".sync"},
    "sagemaker": {"", ".sync"},
    "sns": {"", ".waitForTaskToken"},
    "sqs": {"", ".waitForTaskToken"},
    "states": {"", ".sync", ".sync:2", ".waitForTaskToken"},
    "http": {""},
}
_WAITING_SUFFIXES: Final = (".sync:2", ".sync", ".waitForTaskToken")
_STATES_SERVICE_ARN = re.compile(r"arn:[\w-]+:states:[\w-]*:\d*:(?P<service>[^:]+):(?P<action>.+)\Z", re.S)
_ACTIVITY_ARN = re.compile(r"arn:[\w-]+:states:[\w-]*:\d*:activity:")


def _check_resource(ctx: _Ctx, resource: str, pointer: str) -> None:
    """A service integration AWS knows, and none that an Express machine cannot run."""
    if _ACTIVITY_ARN.match(resource):
        if ctx.machine_type == "EXPRESS":
            ctx.error(pointer, "INVALID_RESOURCE", "an EXPRESS state machine cannot run activities")
        return
    match = _STATES_SERVICE_ARN.match(resource)
    if match is None:
        return
    service, action = match["service"], match["action"]
    suffix = next((end for end in _WAITING_SUFFIXES if action.endswith(end)), "")
    base = action[: len(action) - len(suffix)]
    if service not in _INTEGRATED_SERVICES:
        # AWS adds integrations from time to time: an unknown service is worth a word, not a refusal
        ctx.warning(
            pointer,
            "UNKNOWN_INTEGRATION",
            f"'{service}' is not a service Step Functions is known to integrate with "
            f"({resource!r}){_suggest(service, _INTEGRATED_SERVICES)}",
        )
    elif service in _INTEGRATED_ACTIONS and base not in _INTEGRATED_ACTIONS[service]:
        offered = ", ".join(sorted(_INTEGRATED_ACTIONS[service]))
        ctx.error(
            pointer,
            "INVALID_RESOURCE",
            f"the {service} integration has no action '{base}' (it offers {offered}); other actions "
            f"are called through arn:aws:states:::aws-sdk:{service}:{base}",
        )
        return
    elif service in _INTEGRATED_PATTERNS and suffix not in _INTEGRATED_PATTERNS[service]:
        ctx.error(
            pointer,
            "INVALID_RESOURCE",
            f"the {service} integration cannot be used with '{suffix}' "
            f"(it offers {', '.join(repr(p or 'request-response') for p in sorted(_INTEGRATED_PATTERNS[service]))})",
        )
        return
    if ctx.machine_type == "EXPRESS" and suffix:
        ctx.error(
            pointer,
            "INVALID_RESOURCE",
            f"an EXPRESS state machine cannot wait for a task ('{suffix}' integrations need STANDARD)",
        )


def _build_choice(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = dict(common)
    choices = spec.get("Choices", MISSING)
    rules: list[m.ChoiceRule] = []
    if choices is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"Choice state '{common['name']}' needs 'Choices'")
    elif not isinstance(choices, list) or len(choices) == 0:
        ctx.error(_ptr(pointer, "Choices"), "INVALID_TYPE", "'Choices' must be a non-empty array of rules")
    else:
        for i, rule in enumerate(choices):
            parsed = _parse_top_rule(ctx, rule, _ptr(_ptr(pointer, "Choices"), i), jsonata)
            if parsed is not None:
                rules.append(parsed)
    kw["choices"] = tuple(rules)
    if "Default" in spec:
        kw["default"] = _check_str(ctx, spec["Default"], _ptr(pointer, "Default"), "Default") or MISSING
    return m.build(m.ChoiceState, kw)


def _parse_top_rule(ctx: _Ctx, rule: Any, pointer: str, jsonata: bool) -> m.ChoiceRule | None:
    if not isinstance(rule, dict):
        ctx.error(pointer, "INVALID_TYPE", f"a Choice rule must be an object, not {a_type_name(rule)}")
        return None
    target = ""
    if "Next" not in rule:
        ctx.error(pointer, "MISSING_FIELD", "a Choice rule needs 'Next'")
    else:
        target = _check_str(ctx, rule["Next"], _ptr(pointer, "Next"), "Next") or ""
    assign = _parse_assign(ctx, rule, pointer, jsonata, f"{_array_label(pointer)}/Assign")
    output: Any = MISSING
    if jsonata:
        _mode_fields(
            ctx,
            rule,
            pointer,
            {"Condition": A, "Next": B, "Output": A, "Assign": B, "Comment": B},
            True,
            "a Choice rule",
        )
        label = _array_label(pointer)  # AWS names a rule's fields "Choices[i]/..." in its messages
        if "Output" in rule:
            output = _compile_jsonata_template(
                ctx, rule["Output"], _ptr(pointer, "Output"), f"{label}/Output"
            )
        if "Condition" not in rule:
            ctx.error(pointer, "MISSING_FIELD", "a JSONata Choice rule needs a 'Condition'")
            return None
        condition = _parse_condition(ctx, rule["Condition"], _ptr(pointer, "Condition"), f"{label}/Condition")
    else:
        condition = _parse_rule(ctx, rule, pointer, top=True)
    if condition is None:
        return None
    return m.ChoiceRule(condition=condition, next=target, output=output, assign=assign, pointer=pointer)


def _array_label(pointer: str) -> str:
    """``/States/X/Choices/1`` -> ``Choices[1]``: how AWS names an array element in its messages."""
    parent, _, index = pointer.rpartition("/")
    return f"{parent.rpartition('/')[2]}[{index}]"


def _parse_condition(ctx: _Ctx, value: Any, pointer: str, label: str = "Condition") -> m.Condition | None:
    if isinstance(value, bool):
        return m.TConst(value)
    if _is_jsonata_string(value):
        return _compile_jsonata(ctx, value, pointer, label)
    ctx.error(pointer, "INVALID_TYPE", "'Condition' must be a boolean or a JSONata string \"{% ... %}\"")
    return None


def _parse_rule(ctx: _Ctx, rule: Any, pointer: str, top: bool) -> m.Condition | None:
    if not isinstance(rule, dict):
        ctx.error(pointer, "INVALID_TYPE", f"a Choice rule must be an object, not {a_type_name(rule)}")
        return None
    allowed = {"Variable", "And", "Or", "Not", "Comment", *CHOICE_OPERATORS}
    if top:
        allowed |= {"Next", "Assign"}
    elif "Next" in rule:
        ctx.error(
            _ptr(pointer, "Next"),
            "INVALID_FIELD",
            "'Next' is only allowed on top-level Choice rules, not nested ones",
        )
    for key in rule:
        if key not in allowed and key != "Next":
            hint = _suggest(key, allowed)
            if key in ("Condition", "Output"):
                hint = f" ('{key}' is for JSONata states)"
            ctx.error(_ptr(pointer, key), "UNKNOWN_FIELD", f"a Choice rule has no field '{key}'{hint}")
    bools = [k for k in ("And", "Or", "Not") if k in rule]
    operators = [k for k in rule if k in CHOICE_OPERATORS]
    if bools:
        return _parse_bool_rule(ctx, rule, pointer, bools, operators)
    return _parse_data_test(ctx, rule, pointer, operators)


def _parse_bool_rule(
    ctx: _Ctx, rule: dict, pointer: str, bools: list[str], operators: list[str]
) -> m.Condition | None:
    """A Choice rule with ``And``, ``Or`` or ``Not`` (``bools``: those of them it has)."""
    if len(bools) > 1 or operators or "Variable" in rule:
        ctx.error(
            pointer,
            "INVALID_RULE",
            "a Choice rule has either one of And/Or/Not, or 'Variable' with one comparison operator "
            f"(found {', '.join(bools + operators + (['Variable'] if 'Variable' in rule else []))})",
        )
        return None
    op = bools[0]
    value = rule[op]
    here = _ptr(pointer, op)
    if op == "Not":
        if not isinstance(value, dict):
            ctx.error(here, "INVALID_TYPE", f"'Not' takes one rule object, not {a_type_name(value)}")
            return None
        inner = _parse_rule(ctx, value, here, top=False)
        return m.BoolRule("Not", (inner,)) if inner is not None else None
    if not isinstance(value, list) or len(value) == 0:
        ctx.error(here, "INVALID_TYPE", f"'{op}' takes a non-empty array of rules")
        return None
    inner_rules = [_parse_rule(ctx, r, _ptr(here, i), top=False) for i, r in enumerate(value)]
    if any(r is None for r in inner_rules):
        return None
    return m.BoolRule(op, tuple(inner_rules))  # type: ignore[arg-type]


def _parse_data_test(ctx: _Ctx, rule: dict, pointer: str, operators: list[str]) -> m.Condition | None:
    """A Choice rule comparing ``Variable`` with one operator (``operators``: those the rule has)."""
    if "Variable" not in rule:
        ctx.error(
            pointer, "INVALID_RULE", "a Choice rule needs 'Variable' and a comparison operator, or And/Or/Not"
        )
        return None
    variable = _compile_path(ctx, rule["Variable"], _ptr(pointer, "Variable"), "Variable")
    if len(operators) != 1:
        if operators:
            ctx.error(
                pointer,
                "INVALID_RULE",
                f"a Choice rule takes exactly one comparison operator, found {', '.join(operators)}",
            )
        else:
            ctx.error(
                pointer,
                "INVALID_RULE",
                "a Choice rule with 'Variable' needs a comparison operator (StringEquals, NumericLessThan, IsPresent, ...)",
            )
        return None
    name = operators[0]
    base, kind, by_path = CHOICE_OPERATORS[name]
    here = _ptr(pointer, name)
    value = rule[name]
    pattern = None
    if by_path:
        compiled = _compile_path(ctx, value, here, name)
        if not isinstance(compiled, JsonPath):
            return None
        value = compiled
    elif kind == "string":
        if not isinstance(value, str):
            ctx.error(here, "INVALID_TYPE", f"'{name}' takes a string, not {a_type_name(value)}")
            return None
        if name == "StringMatches":
            pattern = _wildcard_pattern(ctx, value, here)
    elif kind == "number":
        if not is_number(value):
            ctx.error(here, "INVALID_TYPE", f"'{name}' takes a number, not {a_type_name(value)}")
            return None
    elif kind == "boolean":
        if not isinstance(value, bool):
            ctx.error(here, "INVALID_TYPE", f"'{name}' takes true or false, not {a_type_name(value)}")
            return None
    elif kind == "timestamp":
        if parse_timestamp(value) is None:
            ctx.error(
                here,
                "INVALID_VALUE",
                f"'{name}' takes an RFC 3339 timestamp such as '2024-01-31T12:00:00Z', got {value!r}",
            )
            return None
    if not isinstance(variable, JsonPath):
        return None
    return m.DataTest(variable=variable, operator=base, value=value, by_path=by_path, pattern=pattern)


def _wildcard_pattern(ctx: _Ctx, text: str, pointer: str) -> tuple[str, ...] | None:
    """A StringMatches pattern as the literal pieces between its unescaped '*'s."""
    pieces: list[str] = []
    piece: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 < len(text) and text[i + 1] in "*\\":
                piece.append(text[i + 1])
                i += 2
                continue
            ctx.error(
                pointer,
                "INVALID_VALUE",
                f"'StringMatches': a backslash must escape '*' or '\\' (at position {i} of {text!r})",
            )
            return None
        if ch == "*":
            pieces.append("".join(piece))
            piece = []
        else:
            piece.append(ch)
        i += 1
    pieces.append("".join(piece))
    return tuple(pieces)


def _build_wait(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = dict(common)
    given = [f for f in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if f in spec]
    if len(given) != 1:
        what = "none" if not given else ", ".join(given)
        choices = (
            "'Seconds' or 'Timestamp'"
            if jsonata
            else "'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath'"
        )
        ctx.error(pointer, "INVALID_WAIT", f"a Wait state needs exactly one of {choices} (found {what})")
        return m.build(m.WaitState, kw)
    field = given[0]
    kw["wait_field"] = field
    here = _ptr(pointer, field)
    value = spec[field]
    if field == "Seconds":
        if jsonata and _is_jsonata_string(value):
            kw["seconds"] = _compile_jsonata(ctx, value, here, "Seconds") or MISSING
        else:
            checked = _check_int(ctx, value, here, "Seconds", 0, 99999999)
            kw["seconds"] = m.TConst(checked) if checked is not None else MISSING
    elif field == "Timestamp":
        if jsonata and _is_jsonata_string(value):
            kw["timestamp"] = _compile_jsonata(ctx, value, here, "Timestamp") or MISSING
        elif parse_timestamp(value) is None:
            ctx.error(
                here,
                "INVALID_VALUE",
                f"'Timestamp' must be an RFC 3339 timestamp such as '2024-01-31T12:00:00Z', got {value!r}",
            )
        else:
            kw["timestamp"] = m.TConst(value)
    else:
        path = _compile_path(ctx, value, here, field, reference=True)
        if isinstance(path, JsonPath):
            kw["seconds" if field == "SecondsPath" else "timestamp"] = m.TPath(path, field)
    return m.build(m.WaitState, kw)


def _build_succeed(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    return m.build(m.SucceedState, common)


def _build_fail(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = dict(common)
    for name, key in (("Error", "error"), ("Cause", "cause")):
        value = spec.get(name, MISSING)
        path_value = spec.get(name + "Path", MISSING)
        if value is not MISSING and path_value is not MISSING:
            ctx.error(
                _ptr(pointer, name + "Path"),
                "CONFLICTING_FIELDS",
                f"'{name}' and '{name}Path' cannot both be set",
            )
            continue
        if value is not MISSING:
            here = _ptr(pointer, name)
            if jsonata and _is_jsonata_string(value):
                kw[key] = _compile_jsonata(ctx, value, here, name) or MISSING
            elif _check_str(ctx, value, here, name) is not None:
                kw[key] = m.TConst(value)
        elif path_value is not MISSING:
            kw[key] = _fail_path(ctx, path_value, _ptr(pointer, name + "Path"), name + "Path")
    return m.build(m.FailState, kw)


_STRING_INTRINSICS = frozenset(
    {
        "States.Format",
        "States.JsonToString",
        "States.ArrayGetItem",
        "States.Base64Encode",
        "States.Base64Decode",
        "States.Hash",
        "States.UUID",
    }
)


def _fail_path(ctx: _Ctx, value: Any, pointer: str, name: str) -> m.Expr | Missing:
    from ..paths.intrinsics import is_intrinsic, parse_intrinsic_leniently

    if isinstance(value, str) and is_intrinsic(value):
        try:
            call, problems = parse_intrinsic_leniently(value)
        except PathError as exc:
            ctx.error(pointer, "INVALID_INTRINSIC", f"'{name}': {exc.message} in {value!r}")
            return MISSING
        _intrinsic_warnings(ctx, pointer, name, value, problems)
        if call.name not in _STRING_INTRINSICS:
            ctx.error(
                pointer,
                "INVALID_INTRINSIC",
                f"'{name}' takes a path or an intrinsic that returns a string "
                f"({', '.join(sorted(_STRING_INTRINSICS))}), not {call.name}",
            )
            return MISSING
        return m.TIntrinsic(call, value, name)
    path = _compile_path(ctx, value, pointer, name, reference=True)
    return m.TPath(path, name) if isinstance(path, JsonPath) else MISSING


def _build_parallel(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = _result_fields(ctx, spec, pointer, jsonata, common)
    branches = spec.get("Branches", MISSING)
    parsed: list[m.Machine] = []
    machine_language = _machine_language(ctx)
    if branches is MISSING:
        ctx.error(pointer, "MISSING_FIELD", f"Parallel state '{common['name']}' needs 'Branches'")
    elif not isinstance(branches, list) or len(branches) == 0:
        ctx.error(
            _ptr(pointer, "Branches"),
            "INVALID_TYPE",
            "'Branches' must be a non-empty array of state machines",
        )
    else:
        for i, branch in enumerate(branches):
            machine = _parse_machine_scope(
                ctx,
                branch,
                _ptr(_ptr(pointer, "Branches"), i),
                machine_language,
                False,
                f"branch {i} of '{common['name']}'",
            )
            if machine is not None:
                parsed.append(machine)
    kw["branches"] = tuple(parsed)
    return m.build(m.ParallelState, kw)


def _machine_language(ctx: _Ctx) -> str:
    return getattr(ctx, "top_language", "JSONPath")


def _build_map(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, common: dict) -> m.State:
    kw = _result_fields(ctx, spec, pointer, jsonata, common)
    _map_processor(ctx, spec, pointer, common["name"], kw)
    _map_items(ctx, spec, pointer, jsonata, kw)
    kw["max_concurrency"] = _int_or_expr(ctx, spec, pointer, "MaxConcurrency", jsonata, 0, 99999999)
    kw["tolerated_failure_count"] = _int_or_expr(
        ctx, spec, pointer, "ToleratedFailureCount", jsonata, 0, 99999999
    )
    kw["tolerated_failure_percentage"] = _int_or_expr(
        ctx, spec, pointer, "ToleratedFailurePercentage", jsonata, 0, 100, number=True
    )
    for field_name in ("ItemReader", "ItemBatcher", "ResultWriter"):
        if field_name in spec:
            _map_service_field(ctx, spec[field_name], pointer, field_name, jsonata, kw)
    if "Label" in spec:
        kw["label"] = (
            _check_str(ctx, spec["Label"], _ptr(pointer, "Label"), "Label", nonempty=True) or MISSING
        )
    return m.build(m.MapState, kw)


def _map_processor(ctx: _Ctx, spec: dict, pointer: str, name: str, kw: dict) -> None:
    """A Map's ``ItemProcessor`` (or its older name ``Iterator``) and its ``ProcessorConfig``."""
    has_processor, has_iterator = "ItemProcessor" in spec, "Iterator" in spec
    if has_processor == has_iterator:
        ctx.error(
            pointer,
            "INVALID_MAP",
            f"Map state '{name}' needs exactly one of 'ItemProcessor' and 'Iterator' (found "
            f"{'both' if has_processor else 'neither'})",
        )
    field = "ItemProcessor" if has_processor else "Iterator"
    here = _ptr(pointer, field)
    proc_spec = spec.get(field, {})
    processor = None
    if has_processor or has_iterator:
        processor = _parse_machine_scope(
            ctx, proc_spec, here, _machine_language(ctx), False, f"the {field} of '{name}'", processor=True
        )
    # a broken Map keeps a placeholder processor so the rest of the definition is still checked
    kw["processor"] = processor if processor is not None else m.Machine(start_at="", states={}, pointer=here)
    kw["legacy_iterator"] = field == "Iterator"
    config = proc_spec.get("ProcessorConfig", MISSING) if isinstance(proc_spec, dict) else MISSING
    if config is not MISSING:
        _processor_config(ctx, config, _ptr(here, "ProcessorConfig"), kw)


def _processor_config(ctx: _Ctx, config: Any, cpointer: str, kw: dict) -> None:
    if not isinstance(config, dict):
        ctx.error(cpointer, "INVALID_TYPE", "'ProcessorConfig' must be an object")
        return
    _unknown_fields(ctx, config, cpointer, {"Mode", "ExecutionType"}, "'ProcessorConfig'")
    mode = config.get("Mode", "INLINE")
    if _check_either(ctx, mode, _ptr(cpointer, "Mode"), "Mode", "INLINE", "DISTRIBUTED") is not None:
        kw["mode"] = mode
    if "ExecutionType" in config:
        etype = _check_either(
            ctx,
            config["ExecutionType"],
            _ptr(cpointer, "ExecutionType"),
            "ExecutionType",
            "STANDARD",
            "EXPRESS",
        )
        if etype is not None:
            kw["execution_type"] = etype
    elif mode == "DISTRIBUTED":
        ctx.error(
            cpointer,
            "MISSING_FIELD",
            "a DISTRIBUTED ProcessorConfig needs 'ExecutionType' (STANDARD or EXPRESS)",
        )


def _map_items(ctx: _Ctx, spec: dict, pointer: str, jsonata: bool, kw: dict) -> None:
    """What a Map iterates over (``Items``, ``ItemsPath``) and what each iteration receives
    (``ItemSelector``, or its older name ``Parameters``)."""
    if "ItemSelector" in spec and "Parameters" in spec:
        ctx.error(
            _ptr(pointer, "Parameters"),
            "CONFLICTING_FIELDS",
            "'ItemSelector' and 'Parameters' cannot both be set (Parameters is the older name)",
        )
    selector_field = (
        "ItemSelector" if "ItemSelector" in spec else ("Parameters" if "Parameters" in spec else None)
    )
    if selector_field is not None and not (jsonata and selector_field == "Parameters"):
        sel = spec[selector_field]
        sp = _ptr(pointer, selector_field)
        if jsonata:
            if not isinstance(sel, dict) and not _is_jsonata_string(sel):
                ctx.error(sp, "INVALID_TYPE", "'ItemSelector' must be an object or a JSONata string")
            else:
                kw["item_selector"] = _compile_jsonata_template(ctx, sel, sp, "ItemSelector")
        else:
            kw["item_selector"] = _compile_payload_template(ctx, sel, sp, selector_field)
    if jsonata:
        if "Items" in spec:
            items = spec["Items"]
            ip = _ptr(pointer, "Items")
            if not isinstance(items, list) and not _is_jsonata_string(items):
                ctx.error(ip, "INVALID_TYPE", "'Items' must be an array or a JSONata string")
            else:
                kw["items"] = _compile_jsonata_template(ctx, items, ip, "Items")
    elif "ItemsPath" in spec:
        kw["items_path"] = _compile_path(
            ctx, spec["ItemsPath"], _ptr(pointer, "ItemsPath"), "ItemsPath", reference=True
        )


_MAP_SERVICE_KEYS: Final = {
    "ItemReader": "item_reader",
    "ItemBatcher": "item_batcher",
    "ResultWriter": "result_writer",
}
_BATCH_FIELDS: Final = (
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
)


def _map_service_field(ctx: _Ctx, value: Any, pointer: str, field_name: str, jsonata: bool, kw: dict) -> None:
    """A Distributed Map's ``ItemReader``, ``ItemBatcher`` or ``ResultWriter``."""
    here = _ptr(pointer, field_name)
    if not isinstance(value, dict):
        ctx.error(here, "INVALID_TYPE", f"'{field_name}' must be an object")
        return
    kw[_MAP_SERVICE_KEYS[field_name]] = value
    if field_name in ("ItemReader", "ResultWriter") and "Resource" not in value:
        ctx.error(here, "MISSING_FIELD", f"'{field_name}' needs a 'Resource'")
    for part, target in (
        ("Parameters", "parameters"),
        ("Arguments", "arguments"),
        ("BatchInput", "batch"),
    ):
        if part not in value:
            continue
        if (part == "Parameters" and jsonata) or (part == "Arguments" and not jsonata):
            ctx.error(
                _ptr(here, part),
                "FIELD_NOT_ALLOWED_IN_QUERY_LANGUAGE",
                f"'{part}' is only allowed in {'JSONPath' if part == 'Parameters' else 'JSONata'} states",
            )
            continue
        compiled = (
            _compile_jsonata_template(ctx, value[part], _ptr(here, part), f"{field_name}/{part}")
            if jsonata
            else _compile_payload_template(ctx, value[part], _ptr(here, part), part)
        )
        if field_name == "ItemBatcher" and target == "batch":
            kw["batch_input"] = compiled
        elif field_name == "ItemReader":
            kw["reader_parameters"] = compiled
        elif field_name == "ResultWriter":
            kw["writer_parameters"] = compiled
    if field_name == "ItemReader" and isinstance(value.get("ReaderConfig"), dict):
        kw["max_items"] = _int_or_expr(
            ctx,
            value["ReaderConfig"],
            _ptr(here, "ReaderConfig"),
            "MaxItems",
            jsonata,
            0,
            100_000_000,
        )
    if field_name == "ItemBatcher":
        kw["max_items_per_batch"] = _int_or_expr(ctx, value, here, "MaxItemsPerBatch", jsonata, 0)
        kw["max_input_bytes_per_batch"] = _int_or_expr(ctx, value, here, "MaxInputBytesPerBatch", jsonata, 0)
        if not any(f in value for f in _BATCH_FIELDS):
            ctx.error(
                here,
                "MISSING_FIELD",
                "'ItemBatcher' needs at least one of " + ", ".join(f"'{f}'" for f in _BATCH_FIELDS),
            )


_BUILDERS: dict[str, Callable[[_Ctx, dict, str, bool, dict], m.State]] = {
    "Pass": _build_pass,
    "Task": _build_task,
    "Choice": _build_choice,
    "Wait": _build_wait,
    "Succeed": _build_succeed,
    "Fail": _build_fail,
    "Parallel": _build_parallel,
    "Map": _build_map,
}


def parse_machine(
    source: Source, machine_type: str = "STANDARD"
) -> tuple[m.Machine | None, list[Diagnostic]]:
    """Compile ``source.value`` for a STANDARD or EXPRESS machine; returns the machine (None if
    unusable) and every diagnostic."""
    ctx = _Ctx(source, machine_type)
    value = source.value
    if not isinstance(value, dict):
        ctx.error(
            "", "INVALID_TYPE", f"a state machine definition must be an object, not {a_type_name(value)}"
        )
        return None, ctx.diagnostics
    too_deep = _nested_beyond(value, MAX_NESTING)
    if too_deep is not None:
        ctx.error(
            too_deep,
            "NESTED_TOO_DEEPLY",
            f"the definition is nested more than {MAX_NESTING} levels deep here; "
            "JSON readers stop at such depths, and so does this one",
        )
        return None, ctx.diagnostics
    ctx.definition = value  # type: ignore[attr-defined]  # its state names, if a transition needs them
    top_language = value.get("QueryLanguage", "JSONPath")
    ctx.top_language = top_language if top_language in ("JSONPath", "JSONata") else "JSONPath"  # type: ignore[attr-defined]
    try:
        machine = _parse_machine_scope(ctx, value, "", "JSONPath", True, "the state machine")
    except RecursionError:  # a safety net: the nesting check above keeps definitions well inside
        ctx.error("", "NESTED_TOO_DEEPLY", "the definition is nested too deeply to be compiled")
        return None, ctx.diagnostics
    _check_variables(ctx)
    _check_variable_scopes(ctx)
    if machine is not None:
        from .analysis import flow_warnings

        for pointer, code, message in flow_warnings(machine):
            ctx.warning(pointer, code, message)
    return machine, _in_document_order(ctx.diagnostics, value)


def _in_document_order(diagnostics: list[Diagnostic], value: Any) -> list[Diagnostic]:
    """Diagnostics sorted by where they point in the definition, as a reader meets them."""
    if len(diagnostics) < 2:
        return diagnostics
    places: dict[int, dict[str, int]] = {}  # the place of each key of an object, once asked for

    def path(pointer: str) -> tuple[int, ...]:
        """The place of each step of the pointer among its siblings (as far as the value has it):
        ordered like a pre-order walk of the definition, without walking it."""
        steps: list[int] = []
        node = value
        for raw in pointer.split("/")[1:] if pointer else ():
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                place = places.get(id(node))
                if place is None:
                    place = places[id(node)] = {key: i for i, key in enumerate(node)}
                steps.append(place[token])
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                steps.append(int(token))
                node = node[int(token)]
            else:
                break
        return tuple(steps)

    def rank(d: Diagnostic) -> tuple[int, tuple[int, ...]]:
        severity = 0 if d.severity == "ERROR" else 1
        if d.line is not None:
            return severity, (d.line, d.column or 0)
        return severity, path(d.pointer)

    return sorted(diagnostics, key=rank)


#: How deep a definition's values may nest (objects and arrays inside each other).  JSON readers
#: bound nesting (Jackson, which AWS's services use, at 1000 levels); this one stays well inside
#: what compiling, running and showing a definition can follow, and a definition past it is
#: refused at once.  Real definitions nest a few dozen levels.
MAX_NESTING: Final = 250


def _nested_beyond(value: Any, limit: int) -> str | None:
    """The JSON Pointer of a value nested deeper than ``limit``, or None.

    Walks the containers one level at a time, skipping those that hold no container (no
    per-value bookkeeping); only a definition that does nest too deeply is walked again to find
    where."""
    level = [value]
    depth = 0
    while level:
        below: list[Any] = []
        for node in level:
            kind = type(node)
            if kind is dict:
                values: Any = node.values()
            elif kind is list:
                values = node
            else:
                continue
            if depth >= limit:
                return _deep_pointer(value, limit)
            if not _CONTAINERS.isdisjoint(map(type, values)):
                below.extend(values)
        level = below
        depth += 1
    return None


_CONTAINERS = frozenset({dict, list})


def _deep_pointer(value: Any, limit: int) -> str | None:
    """The JSON Pointer of the first value found nested deeper than ``limit`` (iteratively)."""
    pending: list[tuple[Any, int, Any]] = [(value, 0, None)]  # (node, depth, (key, parent's path))
    while pending:
        node, depth, path = pending.pop()
        if type(node) is dict or type(node) is list:
            if depth >= limit:
                keys = []
                while path is not None:
                    keys.append(path[0])
                    path = path[1]
                pointer = ""
                for key in reversed(keys):
                    pointer = _ptr(pointer, key)
                return pointer
            items = node.items() if type(node) is dict else enumerate(node)
            pending.extend((item, depth + 1, (key, path)) for key, item in items)
    return None


def _all_state_names(value: Any) -> set[str]:
    """Every state name anywhere in the definition (for hints about transitions across scopes)."""
    names: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            states = node.get("States")
            if isinstance(states, dict) and "StartAt" in node:
                names.update(states)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def _check_variable_scopes(ctx: _Ctx) -> None:
    """A Parallel branch or Map iteration reads outer variables; assigning an outer name inside it
    creates a separate inner variable, which is rarely what was meant (AWS accepts it: a warning)."""
    by_scope: dict[int, set[str]] = {}
    for name, _, scope in ctx.assignments:
        by_scope.setdefault(scope, set()).add(name)
    for name, pointer, scope in ctx.assignments:
        parent = ctx.scope_parent[scope]
        while parent is not None:
            if name in by_scope.get(parent, set()):
                ctx.warning(
                    pointer,
                    "VARIABLE_ASSIGNED_IN_OUTER_SCOPE",
                    f"the variable '{name}' is also assigned in an enclosing scope; assigning it inside a "
                    "Parallel branch or Map item processor does not change the outer value (return it "
                    "through the state's output instead)",
                )
                break
            parent = ctx.scope_parent[parent]


def _check_variables(ctx: _Ctx) -> None:
    # AWS accepts such definitions and fails at run time, so this is a warning, not an error
    for name, pointer in ctx.variable_uses:
        if name not in ctx.assigned_variables:
            ctx.warning(
                pointer,
                "UNDEFINED_VARIABLE",
                f"the variable '${name}' is never assigned in this state machine"
                + _suggest(name, ctx.assigned_variables),
            )
