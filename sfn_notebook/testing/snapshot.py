"""Snapshot assertions: an execution's history against another execution or a stored snapshot.

The comparison is :meth:`Execution.diff <sfn_notebook.Execution.diff>`'s: events aligned on type
and state, payloads parsed, and what legitimately differs between two runs (timestamps, event ids,
execution names and ARNs, role ARNs) left out.  A snapshot is a JSON file written by
:func:`save_history`; a missing one is written on first use (and rewritten with ``update=True`` or
the environment variable ``SFN_UPDATE_SNAPSHOTS=1``), so review the file when it first appears.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["assert_history_matches", "save_history", "load_history", "HistorySnapshot", "UPDATE_VARIABLE"]

#: Set to 1 to rewrite the snapshot files :func:`assert_history_matches` compares with.
UPDATE_VARIABLE = "SFN_UPDATE_SNAPSHOTS"

# ignore= names that are not details fields: what the comparison leaves out anyway, or turns off
_ALWAYS_IGNORED = frozenset({"timestamp", "id"})


class HistorySnapshot:
    """A stored execution: its name, ARN, status, output, error, cause and events."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.name: str = document.get("name", "")
        self.arn: str = document.get("arn", "")
        self.status: str | None = document.get("status")
        self.output: Any = document.get("output")
        self.error: str | None = document.get("error")
        self.cause: str | None = document.get("cause")
        self.events: list[dict[str, Any]] = [dict(e) for e in document.get("events", [])]

    def __repr__(self) -> str:
        return f"<HistorySnapshot {self.name}: {self.status}, {len(self.events)} events>"


def _document(execution: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {
        "name": execution.name,
        "arn": execution.arn,
        "status": execution.status,
        "output": execution.output,
        "error": execution.error,
        "cause": execution.cause,
        "events": plain(list(execution.events)),
    }


def save_history(execution: Any, path: str | os.PathLike[str]) -> Path:
    """Store ``execution`` (status, output, error, cause, events) as a JSON snapshot."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_document(execution), indent=1, ensure_ascii=False, default=str)
    target.write_text(text + "\n", encoding="utf-8")
    return target


def load_history(path: str | os.PathLike[str]) -> HistorySnapshot:
    return HistorySnapshot(json.loads(Path(path).read_text(encoding="utf-8")))


def assert_history_matches(
    execution: Any,
    expected: Any,
    ignore: Iterable[str] = (),
    *,
    update: bool | None = None,
) -> None:
    """Assert that ``execution``'s history matches ``expected``, with a readable diff when not.

    ``expected`` is another execution (local or AWS), a list of history events, or the path of a
    snapshot (``.json``; written when missing).  ``ignore`` names more fields to leave out: details
    fields such as ``"cause"`` or ``"output"`` (also the execution's own), ``"previousEventId"``;
    ``"timestamp"`` and ``"id"`` are always left out.
    """
    from ..compare import diff_executions

    if isinstance(expected, (str, os.PathLike)):
        path = Path(expected)
        rewrite = update if update is not None else os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")
        if rewrite or not path.exists():
            save_history(execution, path)
            return
        expected = load_history(path)
    names = frozenset(ignore)
    links = "previousEventId" not in names
    diff = diff_executions(
        execution,
        expected,
        ignore=names - _ALWAYS_IGNORED,
        labels=("actual", "expected"),
        compare_links=links,
    )
    kept = [d for d in diff.differences if not (d.kind == "execution" and d.field in names)]
    if kept:
        diff.differences[:] = kept
        raise AssertionError("the execution's history does not match:\n" + str(diff))
