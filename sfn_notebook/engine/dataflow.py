"""The data-flow steps of a state, each a small pure function.

JSONPath states:  InputPath → Parameters → (task) → ResultSelector → ResultPath → OutputPath.
JSONata states:   Arguments → (task) → Output, with ``$states`` bound at each step.

Absent (:data:`MISSING`) and JSON ``null`` differ, exactly as on AWS:

==============  =======================  ==========================
field           absent                   null
==============  =======================  ==========================
InputPath       the whole input (``$``)  ``{}``
ResultPath      the result replaces all  the input passes through
OutputPath      the whole value          ``{}``
==============  =======================  ==========================

Runtime problems raise :class:`~sfn_notebook.errors.StatesError` with AWS's error name and message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .._json import MISSING, Missing, dumps, type_name
from ..asl import model as m
from ..errors import StatesError
from ..paths.jsonpath import JsonPath, PathNotFound, UpdateFailed

__all__ = [
    "Env",
    "apply_input_path",
    "apply_output_path",
    "apply_result_path",
    "evaluate",
    "runtime_error",
    "query_error",
    "resolve_path",
]


class Env(Protocol):
    """What expressions can see besides the document they apply to."""

    def context(self) -> dict[str, Any]: ...

    def variable(self, name: str) -> Any: ...

    @property
    def rng(self) -> Any: ...


def runtime_error(message: str, error: str = "States.Runtime") -> StatesError:
    """A StatesError whose cause the state runner prefixes with AWS's "An error occurred while
    executing the state ..." sentence."""
    return StatesError(error, message, locate=True)


def query_error(message: str, location: str | None = None) -> StatesError:
    """States.QueryEvaluationError; ``location`` is the field AWS names in the EvaluationFailed event."""
    return StatesError("States.QueryEvaluationError", message, locate=True, location=location)


def apply_input_path(path: JsonPath | Missing | None, value: Any, env: Env | None = None) -> Any:
    if path is MISSING:
        return value
    if path is None:
        return {}
    return _select(path, value, env)  # type: ignore[arg-type]


def apply_output_path(path: JsonPath | Missing | None, value: Any, env: Env | None = None) -> Any:
    if path is MISSING:
        return value
    if path is None:
        return {}
    return _select(path, value, env)  # type: ignore[arg-type]


def _select(path: JsonPath, value: Any, env: Env | None) -> Any:
    root = path.root
    if root != "$" and env is not None:
        value = env.context() if root == "$$" else env.variable(root)
    try:
        return path.get(value)
    except PathNotFound as exc:
        raise runtime_error(f"Invalid path '{path.text}' : {exc}") from None


def apply_result_path(path: JsonPath | Missing | None, state_input: Any, result: Any) -> Any:
    if path is MISSING:
        return result
    if path is None:
        return state_input
    try:
        return path.update(state_input, result)  # type: ignore[union-attr]
    except UpdateFailed:
        raise runtime_error(
            f"Unable to apply ResultPath '{path.text}' to input '{dumps(state_input)}'",  # type: ignore[union-attr]
            "States.ResultPathMatchFailure",
        ) from None


def resolve_path(path: JsonPath, doc: Any, env: Env, field: str, missing: str | None = None) -> Any:
    """The value of a ``.$`` path: ``$...`` on ``doc``, ``$$...`` on the context, ``$name`` on a variable.

    ``missing``: the cause when the path finds nothing, for fields whose message AWS words its own way.
    """
    root = path.root
    if root == "$":
        target = doc
    elif root == "$$":
        target = env.context()
    else:
        target = env.variable(root)
    try:
        return path.get(target)
    except PathNotFound:
        if missing is not None:
            raise runtime_error(missing) from None
        raise runtime_error(
            f"The JSONPath '{path.text}' specified for the field '{field}' could not be found in the "
            f"input '{dumps(doc)}'"
        ) from None


def evaluate(node: Any, doc: Any, env: Env, states: Callable[[], dict[str, Any]] | None = None) -> Any:
    """Evaluate a compiled template (Parameters, ResultSelector, ItemSelector, Arguments, Output...).

    ``doc`` is what ``$`` means (JSONPath); ``states`` builds the ``$states`` binding (JSONata).
    """
    kind = type(node)
    if kind is m.TConst:
        return node.value
    if kind is m.TObject:
        return {key: evaluate(child, doc, env, states) for key, child in node.items}
    if kind is m.TPath:
        return resolve_path(node.path, doc, env, node.field)
    if kind is m.TIntrinsic:
        return evaluate_intrinsic(node, doc, env)
    if kind is m.TJsonata:
        return evaluate_jsonata(node, env, states)
    if kind is m.TArray:
        return [evaluate(child, doc, env, states) for child in node.items]
    raise AssertionError(f"not a template node: {node!r}")


def evaluate_intrinsic(node: m.TIntrinsic, doc: Any, env: Env) -> Any:
    try:
        return node.call.evaluate(lambda path: resolve_path(path, doc, env, node.field), env.rng)
    except StatesError as err:
        # intrinsic failures get AWS's "An error occurred while executing..." prefix
        raise err.replace(locate=True) from None


def evaluate_jsonata(
    node: m.TJsonata, env: Env, states: Callable[[], dict[str, Any]] | None, *, allow_undefined: bool = False
) -> Any:
    from ..paths.jsonata import JsonataError, evaluation_failure_cause, undefined_result_cause

    binding = states() if states is not None else {"context": env.context()}
    expr = node.expr
    try:
        value = expr.evaluate(binding, _VariableView(env), env.rng, now=_now(env))
    except JsonataError as exc:
        raise query_error(evaluation_failure_cause(expr.source, node.field, exc), node.field) from None
    if value is MISSING and not allow_undefined:
        raise query_error(undefined_result_cause(expr.source, node.field), node.field)
    return value


def _now(env: Env) -> Any:
    """The virtual clock's time, so ``$now()`` and ``$millis()`` follow the run, not the wall clock."""
    from datetime import datetime, timezone

    run = getattr(env, "run", None)
    if run is None:
        return None
    return datetime.fromtimestamp(run.now, tz=timezone.utc)


class _VariableView:
    """A read-only mapping over the variables visible to a state (looked up lazily)."""

    __slots__ = ("_env",)

    def __init__(self, env: Env) -> None:
        self._env = env

    def __getitem__(self, name: str) -> Any:
        return self._env.variable(name)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self._env.variable(name)
        except StatesError:
            return default

    def __contains__(self, name: object) -> bool:
        try:
            self._env.variable(name)  # type: ignore[arg-type]
        except StatesError:
            return False
        return True


def expect_type(value: Any, expected: str, expr: m.TJsonata) -> None:
    """Check a JSONata result's JSON type, with AWS's message when it is wrong."""
    if type_name(value) != expected:
        from ..paths.jsonata import unexpected_type_cause

        raise query_error(unexpected_type_cause(expr.expr.source, expr.field, expected, value), expr.field)
