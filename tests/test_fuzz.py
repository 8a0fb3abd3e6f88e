"""Fuzzing: generated definitions, paths, expressions and data meet only documented outcomes.

Each property asserts what the documentation promises whatever the input: the loader and parser
accept a definition or raise :class:`~sfn_notebook.DefinitionError`; a JSONPath compiles or raises
:class:`~sfn_notebook.PathError`, and evaluated it answers or says the path found nothing; an
intrinsic function runs or fails with ``States.Runtime``; a JSONata expression compiles or raises
``PathError``, and evaluated it answers or raises ``JsonataError``; and ``run()`` always returns an
execution that has ended, FAILED with a named error when it failed.  The examples are few enough
that all of them run in well under a minute.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfn_notebook import DefinitionError, PathError, StateMachine, StatesError
from sfn_notebook.paths.intrinsics import FUNCTIONS, parse_intrinsic
from sfn_notebook.paths.jsonpath import JsonPath, PathNotFound, compile_path
from tests.builders import LAMBDA, json_documents, json_values

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ENDED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

# ----------------------------------------------------------------------------- the loader and parser

definition_words = st.sampled_from(
    [
        "StartAt", "States", "Type", "Next", "End", "Pass", "Task", "Choice", "Wait", "Succeed", "Fail",
        "Parallel", "Map", "Resource", "Result", "ResultPath", "InputPath", "Parameters", "Branches",
        "ItemProcessor", "Choices", "Default", "Seconds", "Comment", "QueryLanguage", "JSONata", "Output",
        "$.a", "$$.Execution", "{% 1 %}", "A", "B", LAMBDA + "f", "States.ALL", "Retry", "Catch",
    ]
)  # fmt: skip
near_definitions = json_documents(
    scalars=st.none() | st.booleans() | st.integers(-3, 3) | definition_words,
    keys=definition_words,
    size=4,
    max_leaves=20,
)


def accepted_or_refused(definition: Any, **kwargs: Any) -> StateMachine | None:
    try:
        return StateMachine(definition, **kwargs)
    except DefinitionError as exc:
        assert exc.diagnostics, "a refusal says what is wrong"
        assert all(d.severity == "ERROR" or d.severity == "WARNING" for d in exc.diagnostics)
        return None


@settings(FUZZ, max_examples=300)
@given(st.text(max_size=200))
def test_any_text_is_a_definition_or_a_definition_error(text: str) -> None:
    accepted_or_refused(text)


@settings(FUZZ, max_examples=300)
@given(near_definitions, st.sampled_from(["STANDARD", "EXPRESS"]))
def test_any_json_value_is_a_definition_or_a_definition_error(value: Any, machine_type: str) -> None:
    if isinstance(value, dict):
        accepted_or_refused(value, type=machine_type)
    else:
        import json

        accepted_or_refused(json.dumps(value), type=machine_type)


# ----------------------------------------------------------------------------- generated machines, run

names = ["A", "B", "C", "D"]


def field_values() -> st.SearchStrategy[Any]:
    return st.sampled_from(["$", "$.a", "$.b[0]", "$.c.d", "$..a", "$.a[?(@.x > 1)]", "$$.Execution.Id"])


@st.composite
def states_of_a_machine(draw: st.DrawFn, depth: int = 0, prefix: str = "A") -> dict[str, Any]:
    """A definition whose states mostly make sense: transitions go forward (no loops), fields come
    from a pool of usual values; the data they meet is arbitrary."""
    count = draw(st.integers(1, 4))
    states: dict[str, Any] = {}
    for i in range(count):
        name = f"{prefix}{i}"
        later = [f"{prefix}{j}" for j in range(i + 1, count)]
        kinds = ["Pass", "Task", "Choice", "Wait", "Fail", "Succeed"] + (
            ["Parallel", "Map"] if depth < 2 else []
        )
        kind = draw(st.sampled_from(kinds))
        state: dict[str, Any] = {"Type": kind}
        ending: dict[str, Any] = {"Next": draw(st.sampled_from(later))} if later else {"End": True}
        if kind == "Pass":
            state.update(ending)
            if draw(st.booleans()):
                state["Result"] = draw(json_values)
            if draw(st.booleans()):
                state["Parameters"] = {"v.$": draw(field_values()), "k": draw(json_values)}
            if draw(st.booleans()):
                state["ResultPath"] = draw(st.sampled_from(["$", "$.r", "$.a.b", None]))
            if draw(st.booleans()):
                state["InputPath"] = draw(field_values())
        elif kind == "Task":
            state.update(ending)
            state["Resource"] = LAMBDA + draw(st.sampled_from(["echo", "boom"]))
            if draw(st.booleans()):
                state["Retry"] = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": draw(st.integers(0, 2))}]
            if later and draw(st.booleans()):
                state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": later[-1]}]
        elif kind == "Choice":
            operator, operand = draw(
                st.sampled_from(
                    [
                        ("NumericGreaterThan", 1), ("StringEquals", "x"), ("IsPresent", True),
                        ("StringMatches", "*a*"), ("BooleanEquals", True), ("IsNumeric", False),
                    ]
                )
            )  # fmt: skip
            targets = later or None
            if targets is None:
                state = {"Type": "Succeed"}
            else:
                state["Choices"] = [{"Variable": draw(field_values()), operator: operand, "Next": targets[0]}]
                if draw(st.booleans()):
                    state["Default"] = targets[-1]
        elif kind == "Wait":
            state.update(ending)
            state["Seconds"] = draw(st.integers(0, 100))
        elif kind == "Fail":
            state["Error"] = "Boom"
        elif kind == "Parallel":
            state.update(ending)
            state["Branches"] = [
                {"StartAt": f"{name}_{b}_0", "States": draw(states_of_a_machine(depth + 1, f"{name}_{b}_"))}
                for b in range(draw(st.integers(1, 2)))
            ]
        elif kind == "Map":
            state.update(ending)
            state["ItemsPath"] = draw(st.sampled_from(["$", "$.a", "$.items"]))
            state["ItemProcessor"] = {
                "StartAt": f"{name}_0",
                "States": draw(states_of_a_machine(depth + 1, f"{name}_")),
            }
        states[name] = state
    return states


def _handler(name: str) -> Any:
    def handler(event: Any, context: Any) -> Any:
        if name == "boom":
            raise ValueError("boom")
        return event

    return handler


@settings(FUZZ, max_examples=150)
@given(states_of_a_machine(), json_values)
def test_a_generated_machine_runs_to_an_end(states: dict[str, Any], data: Any) -> None:
    machine = accepted_or_refused({"StartAt": "A0", "States": states})
    if machine is None:
        return
    ex = machine.run(data, resources={"echo": _handler("echo"), "boom": _handler("boom")}, seed=1)
    assert ex.status in ENDED
    if ex.status == "FAILED":
        assert isinstance(ex.error, str) and ex.error
        assert ex.error.startswith("States.") or ex.error in ("Boom", "ValueError")
    else:
        assert ex.error is None


# ----------------------------------------------------------------------------- JSONPath

path_text = st.text(alphabet="$@.[]*?()'\"=<>!&|,:-0123456789abx ", min_size=1, max_size=24)


@settings(FUZZ, max_examples=500)
@given(path_text, json_values)
def test_any_path_compiles_or_is_a_path_error_and_never_fails_otherwise(text: str, doc: Any) -> None:
    try:
        path = compile_path(text)
    except PathError:
        return
    assert isinstance(path, JsonPath)
    if path.root != "$":
        return
    assert isinstance(path.find(doc), list)
    with contextlib.suppress(PathNotFound):
        path.get(doc)


# ----------------------------------------------------------------------------- intrinsic functions


@st.composite
def intrinsic_calls(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    spec = FUNCTIONS[name]
    most = spec.max_args if spec.max_args is not None else spec.min_args + 2
    count = draw(st.integers(spec.min_args, most) if draw(st.integers(0, 9)) else st.integers(0, 3))
    args = []
    for _ in range(count):
        kind = draw(
            st.sampled_from(["number", "string", "path", "call", "bool"] if depth < 2 else ["number", "path"])
        )
        if kind == "number":
            args.append(
                str(
                    draw(
                        st.integers(-5, 1000) | st.floats(-10, 10, allow_nan=False).map(lambda f: round(f, 2))
                    )
                )
            )
        elif kind == "string":
            text = draw(st.text(alphabet="ab {}\\'", max_size=5))
            args.append("'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'")
        elif kind == "bool":
            args.append(draw(st.sampled_from(["true", "false", "null"])))
        elif kind == "path":
            args.append(draw(st.sampled_from(["$", "$.a", "$.s", "$.n", "$.items", "$.items[0]"])))
        else:
            args.append(draw(intrinsic_calls(depth + 1)))
    return f"{name}({', '.join(args)})"


@settings(FUZZ, max_examples=500)
@given(intrinsic_calls(), json_documents(size=3, max_leaves=8))
def test_an_intrinsic_call_answers_or_fails_with_states_runtime(text: str, extra: Any) -> None:
    try:
        call = parse_intrinsic(text)
    except PathError:
        return
    doc = {"a": extra, "s": "a{}b", "n": 3, "items": [1, "x", [2], {"k": None}]}
    try:
        call.evaluate(lambda path: path.get(doc), random.Random(1))
    except StatesError as exc:
        assert exc.error == "States.Runtime"
    except PathNotFound:
        pass  # a path argument that finds nothing: the engine reports it as States.Runtime


# ----------------------------------------------------------------------------- the JSONata adapter

jsonata_atoms = st.sampled_from(
    [
        "1", "2.5", "-3", "'x'", '"ab"', "true", "null", "[1, 2, 3]", "{'k': 1}", "$states.input",
        "$states.input.a", "$states.input.items", "$v", "$x", "$states.context.Execution.Id",
    ]
)  # fmt: skip
jsonata_functions = st.sampled_from(
    [
        "$string", "$number", "$length", "$count", "$sum", "$keys", "$uppercase", "$substring", "$join",
        "$split", "$pad", "$exists", "$type", "$boolean", "$round", "$abs", "$sort", "$reverse",
        "$partition", "$range", "$hash", "$parse", "$random", "$uuid", "$merge", "$distinct",
    ]
)  # fmt: skip
jsonata_operators = st.sampled_from(["+", "-", "*", "/", "%", "&", "=", "!=", "<", ">", "and", "or", "in"])


def jsonata_expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        jsonata_atoms,
        lambda inner: st.one_of(
            st.tuples(inner, jsonata_operators, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(jsonata_functions, st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"($x := {t[0]}; {t[1]})"),
        ),
        max_leaves=6,
    )


@pytest.mark.jsonata
@settings(FUZZ, max_examples=400)
@given(
    jsonata_expressions() | st.text(alphabet="$().[]{}'\"+-*/&=<>?:;,0123456789abx ", max_size=20),
    json_values,
)
def test_a_jsonata_expression_answers_or_raises_a_jsonata_error(text: str, data: Any) -> None:
    from sfn_notebook.paths.jsonata import UNDEFINED_RESULT, JsonataError, compile_jsonata

    try:
        expression = compile_jsonata(text)
    except PathError:
        return
    binding = {"input": {"a": data, "items": [3, 1, 2]}, "context": {"Execution": {"Id": "e"}}}
    try:
        value = expression.evaluate(binding, {"v": data}, random.Random(1))
    except JsonataError as exc:
        assert isinstance(exc.message, str)
        return
    assert value is UNDEFINED_RESULT or _is_json(value)


def _is_json(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif not (item is None or isinstance(item, (bool, int, float, str))):
            return False
    return True


@pytest.mark.jsonata
@settings(FUZZ, max_examples=100)
@given(jsonata_expressions(), json_values)
def test_a_jsonata_state_ends_whatever_its_expression(text: str, data: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% " + text + " %}", "End": True}},
    }
    machine = accepted_or_refused(definition)
    if machine is None:
        return
    ex = machine.run(data)
    assert ex.status in ("SUCCEEDED", "FAILED")
    if ex.status == "FAILED":
        assert ex.error in ("States.QueryEvaluationError", "States.DataLimitExceeded", "States.Runtime")


# ----------------------------------------------------------------------------- values of any depth


def _nested(depth: int, shape: list[bool]) -> tuple[Any, int]:
    """A value ``depth`` containers deep, objects (key "k") or arrays by ``shape``; and its objects."""
    value: Any = "leaf"
    objects = 0
    for level in range(depth):
        if shape[level % len(shape)]:
            value, objects = {"k": value}, objects + 1
        else:
            value = [value]
    return value, objects


@settings(FUZZ, max_examples=40)
@given(st.integers(1, 3000), st.lists(st.booleans(), min_size=1, max_size=4))
def test_values_of_any_depth_meet_only_documented_outcomes(depth: int, shape: list[bool]) -> None:
    from sfn_notebook.paths.jsonata import JsonataError, compile_jsonata

    value, objects = _nested(depth, shape)
    doc = {"x": value, "y": _nested(depth, shape)[0]}
    assert len(compile_path("$.x..k").find(doc)) == objects
    assert compile_path("$[?(@ == $.y)]").find([value]) == []  # @ is the item, $ the list: no match
    assert compile_path("$.l[?(@ == $.y)]").find({"l": [value], "y": doc["y"]}) == [value]
    resolve = lambda path: path.get(doc)  # noqa: E731
    assert parse_intrinsic("States.ArrayUnique(States.Array($.x, $.y))").evaluate(
        resolve, random.Random(1)
    ) == [value]
    assert parse_intrinsic("States.ArrayContains(States.Array($.x), $.y)").evaluate(resolve, random.Random(1))
    for text in ("States.JsonToString($.x)", "States.StringToJson(States.JsonToString($.x))"):
        try:
            parse_intrinsic(text).evaluate(resolve, random.Random(1))
        except StatesError as exc:  # text too deep to write or read
            assert exc.error == "States.Runtime"
    with contextlib.suppress(JsonataError):  # a value too deep to hand to the library
        compile_jsonata("[$states.input.x]").evaluate({"input": doc}, {})
