"""The Map state: its fields, its items and ItemSelector, and inline iterations (a DISTRIBUTED Map
hands its items to a Map Run, map_distributed.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from ..._json import MISSING, dumps, is_integer, is_number
from ...asl import model as m
from ...errors import StatesError
from .. import dataflow as df
from ..fibers import Cancel, Fiber, Spawn, WaitAny
from ..scope import Scope, Variables, Visit
from .common import (
    java_text,
    jsonata_number_cause,
    jsonata_states,
    never_pauses,
    result_processing,
    run_states,
    run_until_pause,
    with_retry,
)
from .map_distributed import map_run

if TYPE_CHECKING:
    from ..run import Run


INLINE_MAP_CONCURRENCY = 40  # what AWS runs at once for an inline Map with MaxConcurrency 0


def run_map(
    run: Run, state: m.MapState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, str | None]]:
    """Run the ItemProcessor once per item (inline, or as a DISTRIBUTED Map Run); the output lists
    the results."""
    return (
        yield from with_retry(
            run, state, visit, raw, scope, lambda: _map_attempt(run, state, visit, raw, scope)
        )
    )


def _map_items(run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any) -> list[Any]:
    if state.is_jsonata:
        if state.items is MISSING:
            items = raw
            if not isinstance(items, list):
                raise df.query_error(f"Map state input must be an array but was: {dumps(items)}")
            return items
        items = df.evaluate(state.items, raw, visit, jsonata_states(visit, raw))
        if not isinstance(items, list):
            node = state.items
            if type(node) is m.TJsonata:
                df.expect_type(items, "array", node)
        return items
    path = state.items_path
    items = effective if path is MISSING else df.apply_input_path(path, effective, visit)
    if not isinstance(items, list):
        # AWS names the path as it reads it: a context path ("$$.x") against the context object ("$.x")
        text = "$" if path is MISSING else path.text  # type: ignore[union-attr]
        raise df.runtime_error(
            f'Reference path "{text[1:] if text.startswith("$$") else text}" must point to array.'
        )
    visit.record("afterItemsPath", items)
    return items


def _map_number(
    run: Run,
    expr: Any,
    visit: Visit,
    raw: Any,
    effective: Any,
    name: str,
    kind: str,
    default: float,
    negative_ok: bool = False,
) -> float:
    if expr is MISSING:
        return default
    states = jsonata_states(visit, raw) if visit.state.is_jsonata else None
    value = df.evaluate(expr, effective, visit, states)
    if type(expr) is m.TPath:
        if isinstance(value, str):  # AWS parses the text of a string it finds there
            value = _parse_number_text(value, kind)
        if kind == "integer":
            if not is_integer(value) or (isinstance(value, float) and not value.is_integer()):
                raise df.runtime_error(
                    f'The {name}Path field refers to value "{java_text(value)}" which is not a valid integer: '
                    f"{expr.path.text}"
                )
        elif not is_number(value):
            raise df.runtime_error(
                f'The {name}Path field refers to value "{java_text(value)}" which is not a valid float: '
                f"{expr.path.text}"
            )
    elif type(expr) is m.TJsonata:  # a JSONata result of the wrong kind is a query error
        if not is_number(value) or (kind == "integer" and not is_integer(value)):
            df.expect_type(value, "integer" if kind == "integer" else "number", expr)
        too_big = name == "ToleratedFailurePercentage" and value > 100
        if (value < 0 and not negative_ok) or too_big:
            raise df.query_error(jsonata_number_cause(expr, value), expr.field)
    elif not is_number(value):
        raise df.query_error(f"The field '{name}' must be a number, got {dumps(value)}")
    if name == "ToleratedFailurePercentage" and not 0 <= value <= 100:
        raise df.runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
    if value < 0 and not negative_ok:
        raise df.runtime_error(f"{name} cannot be negative.")
    return float(value)


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def _parse_number_text(text: str, kind: str) -> Any:
    """A number written as a string (``"2"``), as a *Path field may find it; else the text unchanged."""
    if kind == "integer":
        return int(text) if _INTEGER_TEXT.fullmatch(text) else text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _map_attempt(
    run: Run, state: m.MapState, visit: Visit, raw: Any, scope: Scope
) -> Generator[Any, Any, tuple[Any, dict | None]]:
    effective = raw if state.is_jsonata else df.apply_input_path(state.input_path, raw, visit)
    if not state.is_jsonata:
        visit.record("afterInputPath", effective)
    states = jsonata_states(visit, raw) if state.is_jsonata else None
    reading = state.item_reader is not MISSING
    if reading:
        reader_params = (
            {}
            if state.reader_parameters is MISSING
            else df.evaluate(state.reader_parameters, effective, visit, states)
        )
        items: list[Any] = []
    else:
        items = _map_items(run, state, visit, raw, effective)
    concurrency = int(
        _map_number(run, state.max_concurrency, visit, raw, effective, "MaxConcurrency", "integer", 0)
    )
    distributed = state.mode == "DISTRIBUTED"

    def child_inputs() -> list[Any]:
        """Each child's input: the items (read by the ItemReader), selected, then batched."""
        if prepared is not None:
            return prepared
        found = _read_items(run, state, visit, raw, effective, reader_params) if reading else items
        inputs = [
            _item_input(run, state, visit, raw, effective, scope, i, item) for i, item in enumerate(found)
        ]
        if state.item_selector is not MISSING:
            visit.record("afterItemSelector", inputs)
        if state.item_batcher is not MISSING:
            inputs = _batched(run, state, visit, raw, effective, inputs)
            visit.record("afterItemBatcher", inputs)
        return inputs

    # items given in the input are selected before the Map starts; an ItemReader's are read by
    # the Map Run, so AWS does not know their number when the Map starts (its length is 0)
    prepared: list[Any] | None = None
    prepared = None if reading else child_inputs()
    run.emit("MapStateStarted", {"length": len(items)})
    visit.record("maxConcurrency", concurrency)
    tolerated_count, tolerated_pct = _tolerated(run, state, visit, raw, effective)
    override = run.override  # a local TestState's mock stands in for the iterations
    mocked = MISSING if override is None else override.result(visit, items)
    if mocked is not MISSING:
        return result_processing(run, state, visit, raw, mocked)
    if distributed:
        writer_params = (
            {}
            if state.writer_parameters is MISSING
            else df.evaluate(state.writer_parameters, effective, visit, states)
        )
        result = yield from map_run(
            run, state, visit, scope, child_inputs, concurrency, tolerated_count, tolerated_pct, writer_params
        )
    else:
        result = yield from _inline(run, state, scope, child_inputs(), concurrency)
    return result_processing(run, state, visit, raw, result)


def _read_items(
    run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any, reader_params: Any
) -> list[Any]:
    """The items the ItemReader reads, up to its MaxItems."""
    from ..distributed import read_items

    limit = _map_number(
        run, state.max_items, visit, raw, effective, "MaxItems", "integer", 0, negative_ok=True
    )
    if limit < 0:
        raise StatesError("States.ItemReaderFailed", "field MaxItems must be positive")
    return read_items(run, state, reader_params, int(limit))


def _batched(
    run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any, inputs: list[Any]
) -> list[Any]:
    """The children's inputs grouped by the ItemBatcher (with its BatchInput)."""
    from ..distributed import batch_items

    states = jsonata_states(visit, raw) if state.is_jsonata else None
    batch_input = (
        MISSING if state.batch_input is MISSING else df.evaluate(state.batch_input, effective, visit, states)
    )
    max_items, max_bytes = (
        None if expr is MISSING else int(_map_number(run, expr, visit, raw, effective, name, "integer", 0))
        for expr, name in (
            (state.max_items_per_batch, "MaxItemsPerBatch"),
            (state.max_input_bytes_per_batch, "MaxInputBytesPerBatch"),
        )
    )
    return batch_items(inputs, max_items, max_bytes, batch_input)


def _tolerated(run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any) -> tuple[Any, Any]:
    """ToleratedFailureCount and ToleratedFailurePercentage (0 when absent), recorded for the inspector."""
    count = _map_number(
        run, state.tolerated_failure_count, visit, raw, effective, "ToleratedFailureCount", "integer", 0
    )
    percentage = _map_number(
        run,
        state.tolerated_failure_percentage,
        visit,
        raw,
        effective,
        "ToleratedFailurePercentage",
        "float",
        0,
    )
    if state.tolerated_failure_count is not MISSING:
        visit.record("toleratedFailureCount", int(count))
    if state.tolerated_failure_percentage is not MISSING:
        visit.record("toleratedFailurePercentage", percentage)
    return count, percentage


def _item_input(
    run: Run, state: m.MapState, visit: Visit, raw: Any, effective: Any, scope: Scope, index: int, item: Any
) -> Any:
    if state.item_selector is MISSING:
        return item
    map_item = {"Index": index, "Value": item}
    item_visit = Visit(run, Scope(scope.variables, map_item), state, visit.entered_id)
    item_visit.entered_time = visit.entered_time
    item_visit.retry_count = visit.retry_count
    if state.is_jsonata:
        return df.evaluate(state.item_selector, raw, item_visit, jsonata_states(item_visit, raw))
    return df.evaluate(state.item_selector, effective, item_visit)


def _iteration(run: Run, state: m.MapState, index: int, value: Any, scope: Scope) -> Generator[Any, Any, Any]:
    details = ("index", index, "name", state.name)
    run.emit("MapIterationStarted", details)
    try:
        result = yield from run_states(run, state.processor, value, scope)
    except StatesError:
        run.emit("MapIterationFailed", details)
        raise
    run.emit("MapIterationSucceeded", details)
    return result


def _inline(
    run: Run, state: m.MapState, scope: Scope, inputs: list[Any], concurrency: int
) -> Generator[Any, Any, list[Any]]:
    limit = concurrency if concurrency > 0 else INLINE_MAP_CONCURRENCY
    parent = run.current
    if parent is not None and never_pauses(state.processor):
        return _inline_plain(run, state, scope, inputs, limit, parent)
    results: list[Any] = [None] * len(inputs)
    running: list[Any] = []
    index_of: dict[int, int] = {}
    next_index = 0
    while next_index < len(inputs) or running:
        while next_index < len(inputs) and len(running) < limit:
            child_scope = Scope(
                Variables(scope.variables), {"Index": next_index, "Value": inputs[next_index]}
            )
            fiber = yield Spawn(_iteration(run, state, next_index, inputs[next_index], child_scope))
            index_of[id(fiber)] = next_index
            running.append(fiber)
            next_index += 1
        finished = yield WaitAny(running)
        running.remove(finished)
        if finished.error is not None:
            yield Cancel(running)
            for other in running:
                # only iterations stopped midway: one that had already succeeded or failed keeps its end
                if other.started and other.cancelled:
                    run.emit("MapIterationAborted", {"index": index_of[id(other)], "name": state.name})
            raise finished.error
        results[index_of[id(finished)]] = finished.result
    run.emit("MapStateSucceeded", None)
    return results


def _item_scope(variables: Variables, index: int, value: Any) -> Callable[[], Scope]:
    return lambda: Scope(Variables(variables), {"Index": index, "Value": value})


def _inline_plain(
    run: Run, state: m.MapState, scope: Scope, inputs: list[Any], limit: int, parent: Fiber
) -> list[Any]:
    """An inline Map whose processor never waits: each iteration runs as plain calls, with no fiber
    of its own, and records the history the scheduler would (iterations that start together link
    their first event to the same one; a failure is seen in index order; its siblings have
    ended by then, so none is aborted).  Variables and the ``$$.Map.Item`` of an iteration are made only if a state reads them."""
    count = len(inputs)
    results: list[Any] = [None] * count
    errors: dict[int, StatesError] = {}
    lasts = [0] * count
    stand_in = Fiber(None, run.now, 0, parent.log, parent.last)  # type: ignore[arg-type]
    processor = state.processor
    variables = scope.variables
    name = state.name
    emit = run.emit

    def iterate(index: int) -> None:
        details = ("index", index, "name", name)
        stand_in.last = parent.last
        run.current = stand_in
        try:
            emit("MapIterationStarted", details)
            value = inputs[index]
            try:
                results[index] = run_until_pause(
                    run, processor, value, None, _item_scope(variables, index, value)
                )[0]
            except StatesError as err:
                emit("MapIterationFailed", details)
                errors[index] = err
                return
            emit("MapIterationSucceeded", details)
        finally:
            lasts[index] = stand_in.last
            run.current = parent

    started = min(limit, count)
    for index in range(started):
        iterate(index)
    for index in range(count):
        if parent.log is stand_in.log:  # the parent's next event follows the iteration's last
            parent.last = lasts[index]
        err = errors.get(index)
        if err is not None:  # the iterations started beside it have ended too: none is aborted
            raise err
        if started < count:
            iterate(started)
            started += 1
    run.emit("MapStateSucceeded", None)
    return results
