"""How sfn_notebook's costs grow with the size of what it runs (the scaling section of run.py).

Each figure is the best of a few runs after a warm-up, on sfn_notebook alone:

- chain N: N Pass states in a row, time per transition;
- inline Map N: an inline Map over N items with a one-state Pass processor, time per item;
- Distributed Map: a DISTRIBUTED Map reading 10,000 and 100,000 items from its ItemReader, time per
  item, and the ratio of the two (cost that grows linearly gives 1); the sizes alternate and the
  ratio is the median of the rounds' ratios;
- tables: ``history()`` alone, and ``history()``, ``states()`` and ``trace()`` together, on a fresh
  execution of about 25,000 events each time; the two readings alternate and the ratio is the median
  of the pairs' ratios (single timings of this size swing by a third on a shared machine);
- memory: bytes the finished execution holds per event, measured after reading ``ex.events``;
- parsing: time per state to build a StateMachine from JSON text and from a dict.

``targets`` are the limits the project aims for; ``render`` shows each figure beside its target.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

DMAP_SIZES = (10_000, 100_000)
CHAIN_SIZES = (100, 1_000, 10_000)
MAP_SIZES = (100, 1_000, 5_000)  # 4 events per item: 5,000 items stay under the 25,000-event history limit
TABLE_ITEMS = 6_240  # an inline Map of this many items records 24,966 events
PARSE_SIZES = (1_000, 5_000)

TARGETS = {
    "dmap_growth": 1.3,  # per-item time at 100,000 items over that at 10,000
    "tables_ratio": 1.6,  # history()+states()+trace() over history() alone
    "bytes_per_event": 450,
}


def _best(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _chain(n: int) -> dict[str, Any]:
    states: dict[str, Any] = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(n - 1)}
    states[f"P{n - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "P0", "States": states}


def _inline_map(processor_state: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": processor_state}},
                "End": True,
            }
        },
    }


_DMAP = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "bench", "Key": "items.json"},
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "bench", "Prefix": "results"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    },
}


def _dmap_resources(items: list[Any]) -> dict[str, Callable[[Any, Any], Any]]:
    return {
        "arn:aws:states:::s3:getObject": lambda event, context: items,
        "arn:aws:states:::s3:putObject": lambda event, context: None,
    }


def _succeeded(ex: Any) -> Any:
    if ex.status != "SUCCEEDED":
        raise RuntimeError(f"the scaling run {ex.status}: {ex.error}: {ex.cause}")
    return ex


def measure(sfn: Any, repeat: int = 3, big: bool = True) -> dict[str, Any]:
    """Every scaling figure (``big=False`` leaves out the 100,000-item Distributed Map)."""
    out: dict[str, Any] = {}

    chain: dict[int, float] = {}
    for n in CHAIN_SIZES:
        sm = sfn.StateMachine(_chain(n))
        chain[n] = _best(lambda sm=sm: _succeeded(sm.run({"x": 1})), repeat) / n
    out["chain_us_per_transition"] = {n: t * 1e6 for n, t in chain.items()}

    inline: dict[int, float] = {}
    sm = sfn.StateMachine(_inline_map({"Type": "Pass", "End": True}))
    for n in MAP_SIZES:
        doc = {"items": list(range(n))}
        inline[n] = _best(lambda doc=doc: _succeeded(sm.run(doc)), repeat) / n
    out["map_us_per_item"] = {n: t * 1e6 for n, t in inline.items()}

    sm = sfn.StateMachine(_DMAP)
    sizes = DMAP_SIZES if big else DMAP_SIZES[:1]
    resources = {n: _dmap_resources([{"i": i} for i in range(n)]) for n in sizes}

    def per_item(n: int) -> float:
        start = time.perf_counter()
        _succeeded(sm.run({}, resources=resources[n]))
        return (time.perf_counter() - start) / n

    for n in sizes:
        per_item(n)  # warm-up
    # the sizes alternate, so a slow spell of the machine weighs on both sides of a pair; the growth
    # is the median of the pairs' ratios
    rounds = [{n: per_item(n) for n in sizes} for _ in range(3 if big else repeat)]
    out["dmap_us_per_item"] = {n: min(r[n] for r in rounds) * 1e6 for n in sizes}
    if big:
        small, large = DMAP_SIZES
        out["dmap_growth"] = statistics.median(r[large] / r[small] for r in rounds)

    sm = sfn.StateMachine(_inline_map({"Type": "Pass", "Result": {"v": 1}, "ResultPath": "$.r", "End": True}))
    doc = {"items": [{"i": i} for i in range(TABLE_ITEMS)]}
    _succeeded(sm.run(doc))
    try:
        import pandas  # noqa: F401  (the tables need it)
    except ImportError:
        out["tables"] = None
    else:

        def fresh(read: Callable[[Any], Any]) -> float:
            ex = _succeeded(sm.run(doc))
            gc.collect()
            start = time.perf_counter()
            read(ex)
            return time.perf_counter() - start

        def history(ex: Any) -> Any:
            return ex.history()

        def all_three(ex: Any) -> Any:
            return ex.history(), ex.states(), ex.trace()

        fresh(all_three)  # warm-up (imports)
        # The two readings alternate, so a slow spell of the machine weighs on both sides of a pair;
        # the ratio is the median of the pairs' ratios.
        pairs = [(fresh(history), fresh(all_three)) for _ in range(max(repeat, 5))]
        alone = min(pair[0] for pair in pairs)
        together = min(pair[1] for pair in pairs)
        out["tables"] = {
            "events": len(sm.last_execution.events),
            "history_ms": alone * 1e3,
            "all_three_ms": together * 1e3,
        }
        out["tables_ratio"] = statistics.median(pair[1] / pair[0] for pair in pairs)

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ex = _succeeded(sm.run(doc))
        events = len(ex.events)
        for _event in ex.events:  # read every event, as a user listing the history does
            pass
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    out["bytes_per_event"] = held / events
    out["memory_events"] = events

    parse: dict[str, dict[int, float]] = {"text": {}, "dict": {}}
    for n in PARSE_SIZES:
        definition = _chain(n)
        text = json.dumps(definition)
        parse["text"][n] = _best(lambda t=text: sfn.StateMachine(t), repeat) / n * 1e6
        parse["dict"][n] = _best(lambda d=definition: sfn.StateMachine(d), repeat) / n * 1e6
    out["parse_us_per_state"] = parse
    return out


def _sizes(figures: dict[int, float], unit: str) -> str:
    return ";  ".join(f"{n:,}: {value:.2f} {unit}" for n, value in figures.items())


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "ABOVE TARGET"


def render(out: dict[str, Any]) -> str:
    lines = ["Scaling (sfn_notebook alone, best of its runs after a warm-up):"]
    lines.append(f"  chain N, per transition        {_sizes(out['chain_us_per_transition'], 'us')}")
    lines.append(f"  inline Map N, per item         {_sizes(out['map_us_per_item'], 'us')}")
    dmap = out["dmap_us_per_item"]
    line = f"  Distributed Map, per item      {_sizes(dmap, 'us')}"
    if "dmap_growth" in out:
        growth = out["dmap_growth"]
        line += f";  growth {growth:.2f}x (target <= {TARGETS['dmap_growth']}: {_verdict(growth, TARGETS['dmap_growth'])})"
    lines.append(line)
    tables = out.get("tables")
    if tables is None:
        lines.append("  tables                         skipped (pandas is not installed)")
    else:
        ratio = out["tables_ratio"]
        lines.append(
            f"  tables at {tables['events']:,} events      history() {tables['history_ms']:.0f} ms; "
            f"history()+states()+trace() {tables['all_three_ms']:.0f} ms (bests); median ratio {ratio:.2f}x "
            f"(target <= {TARGETS['tables_ratio']}: {_verdict(ratio, TARGETS['tables_ratio'])})"
        )
    per_event = out["bytes_per_event"]
    lines.append(
        f"  memory                         {per_event:.0f} bytes per event held after ex.events "
        f"({out['memory_events']:,} events; target <= {TARGETS['bytes_per_event']}: "
        f"{_verdict(per_event, TARGETS['bytes_per_event'])})"
    )
    parse = out["parse_us_per_state"]
    lines.append(
        f"  parsing, per state             JSON text {_sizes(parse['text'], 'us')};  dict {_sizes(parse['dict'], 'us')}"
    )
    return "\n".join(lines)
