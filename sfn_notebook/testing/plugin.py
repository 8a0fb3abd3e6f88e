"""The pytest plugin (registered through the ``pytest11`` entry point when sfn_notebook is installed).

* the ``sfn`` fixture: the ``sfn_notebook`` module with no ``@sfn.task`` handlers registered and an
  empty local AWS store, before and after the test;
* ``--sfn-cov``: the coverage of every :class:`~sfn_notebook.StateMachine` run during the session
  (states, transitions, Choice rules, Retry and Catch), as a terminal table;
  ``--sfn-cov-report=json[:PATH]`` and ``--sfn-cov-report=html[:PATH]`` also write a JSON document
  and an HTML page; ``--sfn-cov-fail-under=N`` fails the session when the total is below N percent.

Without the entry point (a source checkout), load it with ``-p sfn_notebook.testing.plugin``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["sfn"]

_REPORT_DEFAULTS = {"json": "sfn-coverage.json", "html": "sfn-coverage.html"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sfn-cov", "state machine coverage (sfn_notebook)")
    group.addoption(
        "--sfn-cov",
        action="store_true",
        default=False,
        help="measure which states, transitions, Choice rules and Retry/Catch rules the tests' runs reach",
    )
    group.addoption(
        "--sfn-cov-report",
        action="append",
        default=[],
        metavar="TYPE[:PATH]",
        help="term (default), term-missing, json[:PATH] (sfn-coverage.json) or html[:PATH] "
        "(sfn-coverage.html); may be repeated; implies --sfn-cov",
    )
    group.addoption(
        "--sfn-cov-fail-under",
        type=float,
        default=None,
        metavar="N",
        help="fail when the total state machine coverage is below N percent; implies --sfn-cov",
    )


def pytest_configure(config: pytest.Config) -> None:
    wanted = (
        config.getoption("--sfn-cov")
        or config.getoption("--sfn-cov-report")
        or config.getoption("--sfn-cov-fail-under") is not None
    )
    if wanted and not config.pluginmanager.has_plugin("sfn-cov"):
        reports = _parse_reports(config.getoption("--sfn-cov-report"))
        config.pluginmanager.register(
            CoveragePlugin(reports, config.getoption("--sfn-cov-fail-under")), "sfn-cov"
        )


def _parse_reports(values: list[str]) -> dict[str, str | None]:
    reports: dict[str, str | None] = {}
    for value in values:
        kind, _, path = value.partition(":")
        if kind not in ("term", "term-missing", *_REPORT_DEFAULTS):
            raise pytest.UsageError(
                f"--sfn-cov-report: unknown report type {kind!r} (term, term-missing, json, html)"
            )
        reports[kind] = path or _REPORT_DEFAULTS.get(kind)
    if not any(kind.startswith("term") for kind in reports):
        reports["term-missing"] = None
    return reports


class CoveragePlugin:
    """Collects the session's runs and reports their coverage (registered as ``sfn-cov``)."""

    def __init__(self, reports: dict[str, str | None], fail_under: float | None) -> None:
        from .coverage import _Registered

        self.reports = reports
        self.fail_under = fail_under
        self.collector = _Registered().start()
        self.total: float | None = None
        self.written: list[str] = []

    def pytest_runtest_logfinish(self) -> None:
        self.collector.flush()  # keep the coverage, not the histories

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Iterator[None]:
        yield
        self.collector.flush(final=True)
        results = self.collector.results()
        from .report import html_report, total_percent, write_json

        self.total = total_percent(results)
        for kind, path in self.reports.items():
            if path is None:
                continue
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if kind == "json":
                write_json(results, path)
            elif kind == "html":
                with open(path, "w", encoding="utf-8") as out:
                    out.write(html_report(results, self.collector.machines))
            self.written.append(f"{kind} report written to {path}")
        if self.fail_under is not None and self.total < self.fail_under:
            session.testsfailed += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .report import text_table

        results = self.collector.results()
        terminalreporter.write_sep("-", "state machine coverage (sfn_notebook)")
        if not results:
            terminalreporter.write_line("no state machine ran")
        else:
            terminalreporter.write_line(text_table(results, missed="term-missing" in self.reports))
        for line in self.written:
            terminalreporter.write_line(line)
        if self.fail_under is not None and self.total is not None:
            if self.total < self.fail_under:
                terminalreporter.write_line(
                    f"FAIL Required state machine coverage of {self.fail_under:g}% not reached. "
                    f"Total coverage: {self.total:.2f}%",
                    red=True,
                    bold=True,
                )
            else:
                terminalreporter.write_line(
                    f"Required state machine coverage of {self.fail_under:g}% reached. "
                    f"Total coverage: {self.total:.2f}%",
                    green=True,
                )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.collector.stop()


@pytest.fixture
def sfn() -> Iterator[Any]:
    """The ``sfn_notebook`` module, with no ``@sfn.task`` handlers and an empty local AWS store
    before and after the test, so nothing leaks from one test into the next.  Handlers registered
    outside the test (at a module's import, say) are back once it ends: other tests still see them."""
    import sfn_notebook
    from sfn_notebook.engine.resources import task_scope

    with task_scope():
        sfn_notebook.local_aws.reset()
        yield sfn_notebook
        sfn_notebook.local_aws.reset()
