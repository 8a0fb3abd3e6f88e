"""A state machine drawn with its coverage: what the runs reached in colour, what they never reached grey.

Covered states are green, states never entered are white with a grey border; transitions taken are
bold, the others grey; a Choice's rule edges and its Default show which rules chose a state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .draw import STATUS_STYLES, Options, check_rankdir, draw
from .labels import html_text
from .layout import build_layout, machine_of

if TYPE_CHECKING:
    import graphviz

    from ..testing.coverage import MachineCoverage

__all__ = ["render_coverage"]


def render_coverage(
    sm: Any,
    coverage: MachineCoverage,
    *,
    rankdir: str = "TB",
    legend: bool = True,
    collapsed: tuple[str, ...] = (),
) -> graphviz.Digraph:
    """Draw ``sm`` with ``coverage`` (a :class:`~sfn_notebook.testing.coverage.MachineCoverage`)."""
    name, machine = machine_of(sm)
    layout = build_layout(name, machine, collapsed)
    covered = set(coverage.covered())
    entered = {item.state for item in covered if item.kind == "state"}
    taken = {(item.state, item.target) for item in covered if item.kind == "transition"}
    rules = {(item.state, item.index, item.target) for item in covered if item.kind == "rule"}
    for state_name, node in layout.nodes.items():
        if state_name in entered:
            node.status = "SUCCEEDED"
            node.visits = coverage.hits.get(_state_item(coverage, state_name), 0)
    for container, join in layout.joins.items():
        if container in entered:
            join.status = "SUCCEEDED"
    for edge in layout.edges:
        if edge.kind in ("start", "fork"):
            edge.taken = edge.target in entered
        elif edge.kind in ("join", "end"):
            edge.taken = edge.source in entered
        elif edge.kind == "rule":
            number = int(edge.label) - 1 if edge.label.isdigit() else None
            edge.taken = (edge.source, number, edge.target) in rules
        elif edge.kind == "default":
            edge.taken = (edge.source, None, edge.target) in rules
        else:
            edge.taken = (edge.source, edge.target) in taken
    if any(edge.taken for edge in layout.edges if edge.kind == "start"):
        layout.start.status = "SUCCEEDED"
    if any(edge.taken for edge in layout.edges if edge.kind == "end"):
        layout.end.status = "SUCCEEDED"
    options = Options(check_rankdir(rankdir), execution=True)
    return draw(layout, options, _legend(coverage) if legend else None)


def _state_item(coverage: MachineCoverage, name: str) -> Any:
    for item in coverage.items:
        if item.kind == "state" and item.state == name:
            return item
    return None


def _legend(coverage: MachineCoverage) -> str:
    from ..testing.coverage import KINDS

    parts = ", ".join(f"{title} {'/'.join(map(str, coverage.counts(kind)))}" for kind, title in KINDS.items())
    head = f"Coverage of {coverage.name}: {coverage.percent():.0f}% ({coverage.runs} run(s))"
    reached, never = STATUS_STYLES["SUCCEEDED"], STATUS_STYLES["NOT_RUN"]
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
        f'<TR><TD COLSPAN="6" ALIGN="LEFT"><B>{html_text(head)}</B></TD></TR>'
        f'<TR><TD COLSPAN="6" ALIGN="LEFT">{html_text(parts)}</TD></TR>'
        f'<TR><TD BGCOLOR="{reached.fill}" COLOR="{reached.border}" BORDER="1" WIDTH="12" HEIGHT="10" '
        'FIXEDSIZE="TRUE"></TD><TD ALIGN="LEFT">Reached</TD><TD WIDTH="6"></TD>'
        f'<TD BGCOLOR="{never.fill}" COLOR="{never.border}" BORDER="1" WIDTH="12" HEIGHT="10" '
        'FIXEDSIZE="TRUE"></TD><TD ALIGN="LEFT">Never reached</TD><TD WIDTH="6"></TD></TR></TABLE>>'
    )
