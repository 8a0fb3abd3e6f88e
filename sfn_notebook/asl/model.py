"""The parsed form of an Amazon States Language definition: immutable, compiled once.

Every state is a frozen dataclass whose fields are already compiled (paths, intrinsic calls,
payload templates, JSONata expressions, Choice rules), and remembers the JSON Pointer it came
from so errors and graphs can point back at the source.  Absent fields are :data:`MISSING`,
never ``None`` — ``None`` is JSON ``null`` and means something different (``"ResultPath": null``
discards the result).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._json import MISSING, Missing

if TYPE_CHECKING:
    from ..paths.intrinsics import Call
    from ..paths.jsonata import JsonataExpression
    from ..paths.jsonpath import JsonPath

__all__ = [
    "QueryLanguage",
    "Template",
    "TConst",
    "TPath",
    "TIntrinsic",
    "TJsonata",
    "TObject",
    "TArray",
    "Retrier",
    "Catcher",
    "DataTest",
    "BoolRule",
    "ChoiceRule",
    "Machine",
    "State",
    "PassState",
    "TaskState",
    "ChoiceState",
    "WaitState",
    "SucceedState",
    "FailState",
    "ParallelState",
    "MapState",
    "Expr",
]

QueryLanguage = Literal["JSONPath", "JSONata"]

# ----------------------------------------------------------------------------- payload templates


@dataclass(frozen=True)
class TConst:
    """A literal JSON value (no paths, intrinsics or expressions inside)."""

    value: Any


@dataclass(frozen=True)
class TPath:
    """A ``"key.$": "$.path"`` value: the JSONPath's result."""

    path: JsonPath
    field: str  # the key as written, e.g. "value.$" (AWS names it in error messages)


@dataclass(frozen=True)
class TIntrinsic:
    """A ``"key.$": "States.Format(...)"`` value."""

    call: Call
    text: str
    field: str


@dataclass(frozen=True)
class TJsonata:
    """A ``"{% expression %}"`` string in a JSONata field."""

    expr: JsonataExpression
    field: str  # AWS's name for the place, e.g. "Output/error" or "Arguments"


@dataclass(frozen=True)
class TObject:
    items: tuple[tuple[str, Template], ...]


@dataclass(frozen=True)
class TArray:
    items: tuple[Template, ...]


Template = TConst | TPath | TIntrinsic | TJsonata | TObject | TArray

# A field that is either a literal or computed: an int, a path, an intrinsic or a JSONata expression.
Expr = TConst | TPath | TIntrinsic | TJsonata

# ----------------------------------------------------------------------------- Retry / Catch


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | Missing = MISSING
    jitter_strategy: str = "NONE"
    pointer: str = ""


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: JsonPath | Missing | None = MISSING
    output: Template | Missing = MISSING
    assign: Template | Missing = MISSING
    pointer: str = ""


# ----------------------------------------------------------------------------- Choice rules


@dataclass(frozen=True)
class DataTest:
    """``{"Variable": "$.x", "<Operator>": value}``; ``value`` is a JsonPath for the ``...Path`` forms."""

    variable: JsonPath
    operator: str  # e.g. "NumericLessThan" (without the "Path" suffix)
    value: Any
    by_path: bool = False
    pattern: tuple[str, ...] | None = None  # StringMatches: the literal pieces between its '*'s


@dataclass(frozen=True)
class BoolRule:
    """``And`` / ``Or`` (several rules) or ``Not`` (one rule)."""

    operator: Literal["And", "Or", "Not"]
    rules: tuple[Condition, ...]


Condition = DataTest | BoolRule | TJsonata | TConst


@dataclass(frozen=True)
class ChoiceRule:
    condition: Condition
    next: str
    output: Template | Missing = MISSING
    assign: Template | Missing = MISSING
    pointer: str = ""


# ----------------------------------------------------------------------------- states


@dataclass(frozen=True)
class Machine:
    """A ``StartAt`` + ``States`` scope: the top level, a Parallel branch or a Map item processor."""

    start_at: str
    states: dict[str, State]
    query_language: QueryLanguage = "JSONPath"
    comment: str | Missing = MISSING
    timeout_seconds: int | Missing = MISSING
    version: str | Missing = MISSING
    pointer: str = ""

    def walk(self):
        """Every state of this scope and of the scopes nested inside it, depth first."""
        for state in self.states.values():
            yield state
            for child in state.children():
                yield from child.walk()


@dataclass(frozen=True, kw_only=True)
class State:
    name: str
    type: str
    pointer: str
    query_language: QueryLanguage = "JSONPath"
    comment: str | Missing = MISSING
    next: str | None = None
    end: bool = False
    input_path: JsonPath | Missing | None = MISSING
    output_path: JsonPath | Missing | None = MISSING
    output: Template | Missing = MISSING
    assign: Template | Missing = MISSING
    # True when the state transforms no data (no paths, templates, Output or Assign): every data-flow
    # stage equals its input, so the inspector can derive them from the history alone
    plain: bool = False
    # True when the inspector can derive every data-flow stage from the state's input and output in
    # the history and its definition: a plain state, or a JSONPath Pass whose only data fields are
    # Result and ResultPath (its result is its Result, or its input)
    derived_stages: bool = False

    @property
    def is_jsonata(self) -> bool:
        return self.query_language == "JSONata"

    def children(self) -> tuple[Machine, ...]:
        return ()

    def transitions(self) -> list[tuple[str, str]]:
        """``(label, target)`` for every state this one can move to."""
        return [("Next", self.next)] if self.next is not None else []


@dataclass(frozen=True, kw_only=True)
class _WithResult(State):
    parameters: Template | Missing = MISSING
    result_selector: Template | Missing = MISSING
    result_path: JsonPath | Missing | None = MISSING
    arguments: Template | Missing = MISSING
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()

    def transitions(self) -> list[tuple[str, str]]:
        edges = super().transitions()
        edges.extend(("Catch", c.next) for c in self.catch)
        return edges


@dataclass(frozen=True, kw_only=True)
class PassState(State):
    result: Any = MISSING
    result_text: str | None = None  # the Result's JSON text, written once when parsed
    # with a ResultPath ``$.field``: the field and the member ``"field":<Result's text>``
    result_field: str | None = None
    result_member: str | None = None
    parameters: Template | Missing = MISSING
    result_path: JsonPath | Missing | None = MISSING


@dataclass(frozen=True, kw_only=True)
class TaskState(_WithResult):
    resource: str
    timeout_seconds: Expr | Missing = MISSING
    heartbeat_seconds: Expr | Missing = MISSING
    credentials: Template | Missing = MISSING


@dataclass(frozen=True, kw_only=True)
class ChoiceState(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | Missing = MISSING

    def transitions(self) -> list[tuple[str, str]]:
        edges = [(f"rule {i + 1}", rule.next) for i, rule in enumerate(self.choices)]
        if not isinstance(self.default, Missing):
            edges.append(("Default", self.default))
        return edges


@dataclass(frozen=True, kw_only=True)
class WaitState(State):
    seconds: Expr | Missing = MISSING
    timestamp: Expr | Missing = MISSING
    # which of the four fields was given: Seconds, SecondsPath, Timestamp, TimestampPath
    wait_field: str = "Seconds"


@dataclass(frozen=True, kw_only=True)
class SucceedState(State):
    pass


@dataclass(frozen=True, kw_only=True)
class FailState(State):
    error: Expr | Missing = MISSING
    cause: Expr | Missing = MISSING


@dataclass(frozen=True, kw_only=True)
class ParallelState(_WithResult):
    branches: tuple[Machine, ...] = ()

    def children(self) -> tuple[Machine, ...]:
        return self.branches


@dataclass(frozen=True, kw_only=True)
class MapState(_WithResult):
    processor: Machine
    mode: Literal["INLINE", "DISTRIBUTED"] = "INLINE"
    execution_type: str | Missing = MISSING
    items_path: JsonPath | Missing = MISSING
    items: Template | Missing = MISSING
    item_selector: Template | Missing = MISSING
    max_concurrency: Expr | Missing = MISSING
    tolerated_failure_count: Expr | Missing = MISSING
    tolerated_failure_percentage: Expr | Missing = MISSING
    item_reader: Any = MISSING
    item_batcher: Any = MISSING
    result_writer: Any = MISSING
    # compiled Parameters/Arguments of the reader and writer, and the batcher's BatchInput
    reader_parameters: Template | Missing = MISSING
    writer_parameters: Template | Missing = MISSING
    batch_input: Template | Missing = MISSING
    # ReaderConfig's MaxItems and the batcher's limits, each literal, *Path or JSONata
    max_items: Expr | Missing = MISSING
    max_items_per_batch: Expr | Missing = MISSING
    max_input_bytes_per_batch: Expr | Missing = MISSING
    label: str | Missing = MISSING
    legacy_iterator: bool = False

    def children(self) -> tuple[Machine, ...]:
        return (self.processor,)


STATE_CLASSES: dict[str, type[State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Choice": ChoiceState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Parallel": ParallelState,
    "Map": MapState,
}


# what build() needs of each state class: its defaults, its required fields, every field's name
_SHAPES: dict[type, tuple[dict[str, Any], frozenset[str], frozenset[str]]] = {}


def build(cls: type[State], fields: dict[str, Any]) -> State:
    """``cls(**fields)`` without the frozen dataclass's per-field ``__setattr__`` calls (the parser
    builds every state through this): the same object, its defaults filled in.  Fields it does
    not know, or required ones left out, go through ``cls(**fields)`` for its usual TypeError."""
    shape = _SHAPES.get(cls)
    if shape is None:
        defaults: dict[str, Any] = {}
        required = set()
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
            else:  # required, or made by a default_factory (none today): cls(**fields) makes it
                required.add(f.name)
        shape = _SHAPES[cls] = (defaults, frozenset(required), frozenset(defaults) | frozenset(required))
    defaults, needed, names = shape
    if not (needed <= fields.keys() <= names):
        return cls(**fields)
    state = object.__new__(cls)
    values = state.__dict__
    values.update(defaults)
    values.update(fields)
    return state
