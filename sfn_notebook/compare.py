"""Compare two executions event by event and say where they part (``ex.diff(other)``).

The usual pair is a local run and the same machine run on AWS: their histories should match line
by line.  Events are aligned on (type, state); aligned events are compared on their details, with
the JSON texts (input, output, parameters, assigned variables) parsed, and with what legitimately
differs between two runs left out: timestamps, event ids (``previousEventId`` is compared as a
link to the aligned event), role ARNs, map run ARNs, regions, and inside payloads the executions'
own names and ARNs and ISO timestamps.

>>> from sfn_notebook import StateMachine
>>> sm = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
>>> sm.run({"x": 1}).diff(sm.run({"x": 1})).same
True
>>> print(sm.run({"x": 1}).diff(sm.run({"x": 2})).first_difference)
event 1 ExecutionStarted: input $.x: 1 ≠ 2
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._json import dumps
from .history import event_details, event_rows, parse_json_text

__all__ = ["DEFAULT_IGNORED", "Difference", "ExecutionDiff", "diff_executions"]

# details fields that legitimately differ between two runs of the same machine
DEFAULT_IGNORED = frozenset(
    {
        "roleArn",
        "taskCredentials",
        "mapRunArn",
        "stateMachineAliasArn",
        "stateMachineVersionArn",
        "region",
    }
)

_JSON_TEXT_FIELDS = frozenset({"input", "output", "parameters"})
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?\Z")
_RUN_ARN = re.compile(r"arn:aws[\w-]*:states:[\w-]*:\d*:(execution|express|mapRun):[^\s\"']+")
_MAX_ALIGN = 4000  # beyond this many differing events in the middle, align by position


@dataclass(frozen=True)
class Difference:
    """One way two executions differ.

    ``kind`` is ``event`` (aligned events of another type or state), ``only_a``/``only_b`` (an event
    one history has and the other lacks), ``field`` (aligned events whose ``field`` differs; ``path``
    is the first differing place inside a JSON payload, ``more`` counts the other places) or
    ``execution`` (status, output, error or cause).  ``index_a``/``index_b`` are 0-based positions in
    the two event lists; ``id_a``/``id_b`` the event ids.
    """

    kind: str
    index_a: int | None
    index_b: int | None
    id_a: int | None = None
    id_b: int | None = None
    type_a: str | None = None
    type_b: str | None = None
    state_a: str | None = None
    state_b: str | None = None
    field: str | None = None
    path: str | None = None
    a: Any = None
    b: Any = None
    more: int = 0

    @property
    def index(self) -> int | None:
        """Position of the event in the first execution's history (else in the second's)."""
        return self.index_a if self.index_a is not None else self.index_b

    def where(self, labels: tuple[str, str] = ("a", "b")) -> str:
        if self.kind == "execution":
            return "execution"
        if self.kind == "only_b":
            return f"{labels[1]} event {self.id_b} {_describe(self.type_b, self.state_b)}"
        return f"event {self.id_a} {_describe(self.type_a, self.state_a)}"

    def describe(self, labels: tuple[str, str] = ("a", "b")) -> str:
        la, lb = labels
        where = self.where(labels)
        if self.kind == "only_a":
            return f"{where}: only in {la}"
        if self.kind == "only_b":
            return f"{where}: only in {lb}"
        if self.kind == "event":
            has_a, has_b = _describe(self.type_a, self.state_a), _describe(self.type_b, self.state_b)
            return f"{where}: {la} has {has_a}, {lb} has {has_b}"
        name = self.field or ""
        if self.path not in (None, "$"):
            name += f" {self.path}"
        more = f" (and {self.more} more)" if self.more else ""
        return f"{where}: {name}: {_short(self.a)} ≠ {_short(self.b)}{more}"

    def __str__(self) -> str:
        return self.describe()


@dataclass
class ExecutionDiff:
    """The differences between two executions (see :func:`diff_executions`)."""

    labels: tuple[str, str]
    differences: list[Difference]
    count_a: int
    count_b: int
    pairs: list[tuple[int | None, int | None]] = field(repr=False, default_factory=list)
    events_a: list[dict[str, Any]] = field(repr=False, default_factory=list)
    events_b: list[dict[str, Any]] = field(repr=False, default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """True when nothing but what legitimately differs (timestamps, ids, ARNs) differs."""
        return not self.differences

    @property
    def first_difference(self) -> Difference | None:
        """Where the two executions part (None when they are the same)."""
        return self.differences[0] if self.differences else None

    @property
    def first_index(self) -> int | None:
        """0-based position (in the first history) of the first differing event."""
        first = self.first_difference
        return first.index if first is not None else None

    @property
    def summary(self) -> str:
        la, lb = self.labels
        if self.same:
            return f"{la} and {lb} are the same ({self.count_a} events)"
        first = self.first_difference
        assert first is not None
        n = len(self.differences)
        counts = (
            f"{self.count_a} events"
            if self.count_a == self.count_b
            else f"{self.count_a} vs {self.count_b} events"
        )
        return (
            f"{la} and {lb} differ in {n} place{'s' if n != 1 else ''} ({counts}); "
            f"they part at {first.where(self.labels)}"
        )

    def __str__(self) -> str:
        lines = [self.summary]
        shown = self.differences[:30]
        lines.extend(f"  - {d.describe(self.labels)}" for d in shown)
        if len(self.differences) > len(shown):
            lines.append(f"  ... and {len(self.differences) - len(shown)} more (see .differences)")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ExecutionDiff {self.summary}>"

    def to_frame(self) -> Any:
        """The two histories side by side, one row per aligned pair of events.

        Columns: ``id_a, type_a, state_a, id_b, type_b, state_b, same, differences`` (suffixes are
        the labels, e.g. ``type_local``/``type_aws``).
        """
        import pandas as pd

        la, lb = self.labels
        by_pair: dict[tuple[int | None, int | None], list[str]] = {}
        for d in self.differences:
            if d.kind != "execution":
                by_pair.setdefault((d.index_a, d.index_b), []).append(
                    d.describe(self.labels).split(": ", 1)[-1]
                )
        rows_a, rows_b = event_rows(self.events_a), event_rows(self.events_b)
        records = []
        for ia, ib in self.pairs:
            ra = rows_a[ia] if ia is not None else None
            rb = rows_b[ib] if ib is not None else None
            notes = by_pair.get((ia, ib), [])
            records.append(
                {
                    f"id_{la}": ra.event.get("id") if ra is not None else None,
                    f"type_{la}": ra.event.get("type") if ra is not None else None,
                    f"state_{la}": ra.state if ra is not None else None,
                    f"id_{lb}": rb.event.get("id") if rb is not None else None,
                    f"type_{lb}": rb.event.get("type") if rb is not None else None,
                    f"state_{lb}": rb.state if rb is not None else None,
                    "same": not notes,
                    "differences": "; ".join(notes),
                }
            )
        columns = [f"id_{la}", f"type_{la}", f"state_{la}", f"id_{lb}", f"type_{lb}", f"state_{lb}"]
        frame = pd.DataFrame.from_records(records, columns=[*columns, "same", "differences"])
        for column in (f"id_{la}", f"id_{lb}"):
            frame[column] = frame[column].astype("Int64")
        frame["same"] = frame["same"].astype(bool)
        return frame

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.same else "#c62828"
        out = [f'<p style="color:{colour}"><b>{html.escape(self.summary)}</b></p>']
        if self.differences:
            la, lb = self.labels
            out.append(
                "<table><thead><tr><th>where</th><th>what</th>"
                f"<th>{html.escape(la)}</th><th>{html.escape(lb)}</th></tr></thead><tbody>"
            )
            for d in self.differences[:100]:
                what = (
                    d.kind
                    if d.kind != "field"
                    else f"{d.field}{'' if d.path in (None, '$') else ' ' + str(d.path)}"
                )
                if d.kind == "event":
                    a, b = _describe(d.type_a, d.state_a), _describe(d.type_b, d.state_b)
                elif d.kind in ("only_a", "only_b"):
                    a = _describe(d.type_a, d.state_a) if d.kind == "only_a" else ""
                    b = _describe(d.type_b, d.state_b) if d.kind == "only_b" else ""
                else:
                    a, b = _short(d.a), _short(d.b)
                out.append(
                    f"<tr><td>{html.escape(d.where(self.labels))}</td><td>{html.escape(what)}</td>"
                    f"<td><code>{html.escape(a)}</code></td><td><code>{html.escape(b)}</code></td></tr>"
                )
            out.append("</tbody></table>")
            if len(self.differences) > 100:
                out.append(f"<p>... and {len(self.differences) - 100} more</p>")
        out.extend(f"<p><em>{html.escape(note)}</em></p>" for note in self.notes)
        return "".join(out)


def diff_executions(
    a: Any,
    b: Any,
    *,
    ignore: Iterable[str] = (),
    labels: tuple[str, str] | None = None,
    compare_links: bool = True,
) -> ExecutionDiff:
    """Compare two executions (or two lists of history events) event by event.

    ``ignore`` names more details fields to leave out (e.g. ``{"cause"}`` for Lambda stack traces);
    ``compare_links=False`` also ignores ``previousEventId``.  ``labels`` name the two sides in the
    report (default ``local``/``aws`` from the execution classes, else ``a``/``b``).
    """
    events_a, events_b = _events_of(a), _events_of(b)
    labels = labels if labels is not None else _labels(a, b)
    ignored = DEFAULT_IGNORED | frozenset(ignore)
    tokens_a, tokens_b = _tokens(a), _tokens(b)
    rows_a, rows_b = event_rows(events_a), event_rows(events_b)
    keys_a = [(r.event.get("type"), r.state) for r in rows_a]
    keys_b = [(r.event.get("type"), r.state) for r in rows_b]
    pairs = _align(keys_a, keys_b)
    partner_a = {ia: ib for ia, ib in pairs if ia is not None}
    pos_a = {e.get("id"): i for i, e in enumerate(events_a)}
    pos_b = {e.get("id"): i for i, e in enumerate(events_b)}

    differences: list[Difference] = []
    for ia, ib in pairs:
        ra = rows_a[ia] if ia is not None else None
        rb = rows_b[ib] if ib is not None else None
        base: dict[str, Any] = {
            "index_a": ia,
            "index_b": ib,
            "id_a": ra.event.get("id") if ra is not None else None,
            "id_b": rb.event.get("id") if rb is not None else None,
            "type_a": ra.event.get("type") if ra is not None else None,
            "type_b": rb.event.get("type") if rb is not None else None,
            "state_a": ra.state if ra is not None else None,
            "state_b": rb.state if rb is not None else None,
        }
        if ra is None or rb is None:
            differences.append(Difference(kind="only_a" if rb is None else "only_b", **base))
            continue
        if (base["type_a"], base["state_a"]) != (base["type_b"], base["state_b"]):
            differences.append(Difference(kind="event", **base))
            continue
        if compare_links and "previousEventId" not in ignored:
            prev_a, prev_b = ra.event.get("previousEventId", 0), rb.event.get("previousEventId", 0)
            linked_a = partner_a.get(pos_a[prev_a]) if prev_a in pos_a else None
            linked_b = pos_b.get(prev_b)
            if linked_a != linked_b:
                differences.append(
                    Difference(kind="field", field="previousEventId", a=prev_a, b=prev_b, **base)
                )
        da = _normalise_details(event_details(ra.event), ignored, tokens_a)
        db = _normalise_details(event_details(rb.event), ignored, tokens_b)
        for name in _ordered_keys(da, db):
            if name not in da or name not in db:
                differences.append(
                    Difference(
                        kind="field",
                        field=name,
                        path="$",
                        a=da.get(name, "<absent>"),
                        b=db.get(name, "<absent>"),
                        **base,
                    )
                )
                continue
            leaves = list(_leaf_differences(da[name], db[name], "$"))
            if leaves:
                path, va, vb = leaves[0]
                differences.append(
                    Difference(kind="field", field=name, path=path, a=va, b=vb, more=len(leaves) - 1, **base)
                )

    notes: list[str] = []
    differences.extend(_execution_differences(a, b, tokens_a, tokens_b))
    for label, events, ex in ((labels[0], events_a, a), (labels[1], events_b, b)):
        if not events and not isinstance(ex, Sequence):
            notes.append(
                f"{label} has no history (an Express execution?): compared status, output, error, cause"
            )
    return ExecutionDiff(
        labels=labels,
        differences=differences,
        count_a=len(events_a),
        count_b=len(events_b),
        pairs=pairs,
        events_a=events_a,
        events_b=events_b,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- alignment


def _align(keys_a: list[Any], keys_b: list[Any]) -> list[tuple[int | None, int | None]]:
    """Pairs of aligned positions (None where one side has no counterpart)."""
    n_a, n_b = len(keys_a), len(keys_b)
    start = 0
    while start < min(n_a, n_b) and keys_a[start] == keys_b[start]:
        start += 1
    end = 0
    while end < min(n_a, n_b) - start and keys_a[n_a - 1 - end] == keys_b[n_b - 1 - end]:
        end += 1
    pairs: list[tuple[int | None, int | None]] = [(i, i) for i in range(start)]
    mid_a, mid_b = keys_a[start : n_a - end], keys_b[start : n_b - end]
    if len(mid_a) > _MAX_ALIGN or len(mid_b) > _MAX_ALIGN:
        for k in range(max(len(mid_a), len(mid_b))):
            pairs.append((start + k if k < len(mid_a) else None, start + k if k < len(mid_b) else None))
    else:
        matcher = difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or tag == "replace":
                common = min(i2 - i1, j2 - j1)
                pairs.extend((start + i1 + k, start + j1 + k) for k in range(common))
                pairs.extend((start + i, None) for i in range(i1 + common, i2))
                pairs.extend((None, start + j) for j in range(j1 + common, j2))
            elif tag == "delete":
                pairs.extend((start + i, None) for i in range(i1, i2))
            else:
                pairs.extend((None, start + j) for j in range(j1, j2))
    pairs.extend((n_a - end + k, n_b - end + k) for k in range(end))
    return pairs


# ---------------------------------------------------------------------------------------------- normalising


def _events_of(execution: Any) -> list[dict[str, Any]]:
    if isinstance(execution, Sequence) and not isinstance(execution, (str, bytes)):
        return list(execution)
    events = getattr(execution, "events", None)
    if events is None:
        raise TypeError(f"expected an Execution or a list of history events, not {type(execution).__name__}")
    return list(events)


def _labels(a: Any, b: Any) -> tuple[str, str]:
    def label(x: Any) -> str:
        name = type(x).__name__
        if name == "LocalExecution":
            return "local"
        if name == "AwsExecution":
            return "aws"
        return ""

    la, lb = label(a), label(b)
    if la == "" or lb == "" or la == lb:
        return ("a", "b")
    return (la, lb)


def _tokens(execution: Any) -> list[tuple[str, str]]:
    """(text, placeholder) pairs for the execution's own ARN and name, longest first."""
    found: list[tuple[str, str]] = []
    arn = getattr(execution, "arn", None)
    name = getattr(execution, "name", None)
    if isinstance(arn, str) and arn != "":
        found.append((arn, "<execution-arn>"))
    if isinstance(name, str) and len(name) >= 8:
        found.append((name, "<execution-name>"))
    return found


def _normalise_details(
    details: Mapping[str, Any], ignored: frozenset[str], tokens: list[tuple[str, str]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if key in ignored:
            continue
        if key in _JSON_TEXT_FIELDS and isinstance(value, str):
            value = _normalise_value(parse_json_text(value), tokens)
        elif key == "assignedVariables" and isinstance(value, Mapping):
            value = {k: _normalise_value(parse_json_text(v), tokens) for k, v in value.items()}
        elif isinstance(value, str):
            value = _normalise_string(value, tokens)
        out[key] = value
    return out


def _normalise_value(value: Any, tokens: list[tuple[str, str]]) -> Any:
    """A copy of a JSON value with run-specific strings replaced (any depth: no recursion)."""
    if not isinstance(value, (list, dict)):
        return _normalise_string(value, tokens) if isinstance(value, str) else value
    root: Any = [] if isinstance(value, list) else {}
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        pairs = enumerate(source) if isinstance(source, list) else source.items()
        for key, item in pairs:
            if isinstance(item, (list, dict)):
                copy: Any = [] if isinstance(item, list) else {}
                stack.append((item, copy))
            elif isinstance(item, str):
                copy = _normalise_string(item, tokens)
            else:
                copy = item
            if isinstance(target, list):
                target.append(copy)
            else:
                target[key] = copy
    return root


def _normalise_string(text: str, tokens: list[tuple[str, str]]) -> str:
    for token, placeholder in tokens:
        if token in text:
            text = text.replace(token, placeholder)
    if _ISO_TIMESTAMP.match(text):
        return "<timestamp>"
    return _RUN_ARN.sub(lambda m: f"<{m.group(1)}-arn>", text)


# ---------------------------------------------------------------------------------------------- comparing


def _ordered_keys(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return [*a, *(k for k in b if k not in a)]


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values where booleans are not numbers (``true`` ≠ ``1``), at any depth."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            if not (isinstance(x, bool) and isinstance(y, bool) and x == y):
                return False
        elif isinstance(x, (int, float)) and isinstance(y, (int, float)):
            if x != y:
                return False
        elif type(x) is not type(y):
            return False
        elif isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif not bool(x == y):
            return False
    return True


def _leaf_differences(a: Any, b: Any, path: str) -> Iterable[tuple[str, Any, Any]]:
    """(JSONPath, value in a, value in b) for every place two JSON values differ, in document order."""
    stack = [(a, b, path)]
    while stack:
        x, y, where = stack.pop()
        if isinstance(x, dict) and isinstance(y, dict):
            children = []
            for key in _ordered_keys(x, y):
                sub = f"{where}.{key}" if re.fullmatch(r"[A-Za-z_][\w]*", key) else f"{where}[{dumps(key)}]"
                if key not in x or key not in y:
                    children.append((x.get(key, "<absent>"), y.get(key, "<absent>"), sub, True))
                else:
                    children.append((x[key], y[key], sub, False))
            for left, right, sub, leaf in reversed(children):
                if leaf:
                    stack.append((_Leaf(left), _Leaf(right), sub))
                else:
                    stack.append((left, right, sub))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            stack.extend((p, q, f"{where}[{i}]") for i, (p, q) in reversed(list(enumerate(zip(x, y)))))
        elif isinstance(x, _Leaf):
            yield where, x.value, y.value
        elif not _json_equal(x, y):
            yield where, x, y


class _Leaf:
    """A difference already found (a key on one side only), waiting for its turn in the order."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _execution_differences(
    a: Any, b: Any, tokens_a: list[tuple[str, str]], tokens_b: list[tuple[str, str]]
) -> list[Difference]:
    """Status, output, error and cause (when both sides are executions, not event lists)."""
    if isinstance(a, Sequence) or isinstance(b, Sequence):
        return []
    found = []
    for name in ("status", "output", "error", "cause"):
        va, vb = getattr(a, name, None), getattr(b, name, None)
        if name == "output":
            va, vb = _normalise_value(va, tokens_a), _normalise_value(vb, tokens_b)
        elif isinstance(va, str) and isinstance(vb, str):
            va, vb = _normalise_string(va, tokens_a), _normalise_string(vb, tokens_b)
        leaves = list(_leaf_differences(va, vb, "$"))
        if leaves:
            path, left, right = leaves[0]
            found.append(
                Difference(
                    kind="execution",
                    index_a=None,
                    index_b=None,
                    field=name,
                    path=path,
                    a=left,
                    b=right,
                    more=len(leaves) - 1,
                )
            )
    return found


def _describe(event_type: str | None, state: str | None) -> str:
    if event_type is None:
        return "(none)"
    return f"{event_type} {state!r}" if state is not None else event_type


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, str) and value in ("<absent>",):
        return value
    try:
        text = dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
