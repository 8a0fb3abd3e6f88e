"""Coverage reports: a terminal table, a JSON document and a static HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from .coverage import KINDS, MachineCoverage

__all__ = ["text_table", "json_report", "html_report", "machine_html", "total_percent"]


def total_percent(results: Sequence[MachineCoverage]) -> float:
    """All machines together: covered items over all items (100 when there is nothing to cover)."""
    done = total = 0
    for cov in results:
        d, t = cov.counts()
        done, total = done + d, total + t
    return 100.0 if total == 0 else 100.0 * done / total


def _labels(results: Sequence[MachineCoverage]) -> list[str]:
    """Machine names, with the definition's digest where two definitions share a name."""
    names = [c.name for c in results]
    short = [c.name if len(c.name) <= 40 else c.name[:39] + "…" for c in results]
    return [f"{s} ({c.digest})" if names.count(c.name) > 1 else s for s, c in zip(short, results)]


def text_table(results: Sequence[MachineCoverage], *, missed: bool = True, width: int = 100) -> str:
    """The per-machine table pytest prints, with a TOTAL line and what each machine never reached."""
    header = ["Machine", "Runs", *KINDS.values(), "Cover"]
    rows = []
    for label, cov in zip(_labels(results), results):
        cells = [label, str(cov.runs)]
        cells.extend("/".join(map(str, cov.counts(kind))) for kind in KINDS)
        cells.append(f"{cov.percent():.0f}%")
        rows.append(cells)
    totals = ["TOTAL", str(sum(c.runs for c in results))]
    for kind in KINDS:
        done = sum(c.counts(kind)[0] for c in results)
        total = sum(c.counts(kind)[1] for c in results)
        totals.append(f"{done}/{total}")
    totals.append(f"{total_percent(results):.0f}%")
    widths = [max(len(r[i]) for r in [header, *rows, totals]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "-" * len(line(header))
    out = [line(header), rule, *(line(r) for r in rows), rule, line(totals)]
    if missed:
        for label, cov in zip(_labels(results), results):
            gone = cov.missed()
            if gone:
                # every item, wrapped at ``width`` between items (a cut list would hide what is missed)
                pieces = [f"{item}," for item in gone[:-1]] + [str(gone[-1])]
                current, fresh = f"{label} never reached:", True
                for piece in pieces:
                    if not fresh and len(current) + 1 + len(piece) > width:
                        out.append(current)
                        current, fresh = "   ", True
                    current, fresh = f"{current} {piece}", False
                out.append(current)
    return "\n".join(out)


def json_report(results: Sequence[MachineCoverage]) -> dict[str, Any]:
    return {
        "percent": round(total_percent(results), 2),
        "machines": [cov.to_dict() for cov in results],
    }


def _graph_svg(cov: MachineCoverage, sm: Any) -> str:
    if sm is None:
        return ""
    try:
        from ..render.coverage import render_coverage
        from ..render.dot import svg

        return svg(render_coverage(sm, cov))
    except Exception:  # no Graphviz here: the tables alone
        return ""


def machine_html(
    cov: MachineCoverage, *, graph: bool = True, sm: Any = None, label: str | None = None
) -> str:
    """One machine's section: its numbers, its graph (with ``sm`` and Graphviz) and every item."""
    title = html.escape(label or cov.name)
    summary = " · ".join(
        f"{html.escape(title_)} {'/'.join(map(str, cov.counts(kind)))}" for kind, title_ in KINDS.items()
    )
    rows = []
    for item in cov.items:
        count = cov.hits.get(item, 0)
        style = "" if count else ' class="missed"'
        rows.append(
            f"<tr{style}><td>{html.escape(KINDS[item.kind])}</td><td>{html.escape(item.state)}</td>"
            f"<td>{html.escape(item.label if item.kind != 'state' else '')}</td><td>{count}</td></tr>"
        )
    picture = _graph_svg(cov, sm) if graph else ""
    return (
        f'<section class="sfn-cov"><h2>{title}: {cov.percent():.0f}%</h2>'
        f"<p>{summary} · {cov.runs} run(s)</p>{picture}"
        "<table><thead><tr><th>Kind</th><th>State</th><th>Item</th><th>Hits</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #16191f; }
table { border-collapse: collapse; margin: 0.5em 0 2em; }
td, th { border: 1px solid #d5dbe1; padding: 2px 8px; text-align: left; font-size: 13px; }
tr.missed td { color: #8d99a8; background: #fafafa; }
section.sfn-cov svg { max-width: 100%; height: auto; }
"""


def html_report(
    results: Sequence[MachineCoverage], machines: dict[tuple[str, str], Any] | None = None
) -> str:
    """A whole page: the summary table, then a section per machine (with its graph when possible)."""
    machines = machines or {}
    sections = [
        machine_html(cov, sm=machines.get((cov.name, cov.digest)), label=label)
        for label, cov in zip(_labels(results), results)
    ]
    table = html.escape(text_table(results, missed=False))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>State machine coverage</title>"
        f"<style>{_STYLE}</style></head><body><h1>State machine coverage: {total_percent(results):.0f}%</h1>"
        f"<pre>{table}</pre>{''.join(sections)}</body></html>"
    )


def write_json(results: Sequence[MachineCoverage], path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(json_report(results), out, indent=2, ensure_ascii=False)
