"""Shared fixtures for the test suite, and the markers for optional parts.

* ``@pytest.mark.exe``: the test runs Graphviz's ``dot`` program (system Graphviz or graphviz-pure).
  Where there is none it is skipped, with the reason; ``--skip-exe`` skips it anyway and
  ``--only-exe`` runs nothing else.
* ``@pytest.mark.jsonata`` marks a test that needs the jsonatapy library, ``@pytest.mark.pandas`` one
  that needs pandas: without the library such a test is skipped.  The package's own doctests that
  need a library are marked here too.

So a partial installation shows skips, not failures.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import sfn_notebook as sfn

LIBRARIES = {"jsonata": "jsonatapy", "pandas": "pandas"}  # marker → the module it needs
DOCTESTS_NEEDING = {"sfn_notebook.paths.jsonata": "jsonata"}  # a module's doctests → marker


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sfn_notebook")
    group.addoption("--skip-exe", action="store_true", help="skip the tests that run Graphviz's dot")
    group.addoption("--only-exe", action="store_true", help="run only the tests that run Graphviz's dot")


@cache
def missing(module: str) -> str | None:
    """Why ``module`` cannot be imported, or None when it can."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return str(exc) or type(exc).__name__
    return None


def why_no_dot() -> str | None:
    """Why the ``exe`` tests cannot run here (no graphviz package, no dot program), or None."""
    if missing("graphviz") is not None:
        return "the graphviz package is not installed (pip install graphviz)"
    from sfn_notebook.render.dot import GraphvizNotFound, dot_binary

    try:
        dot_binary()
    except GraphvizNotFound:
        return "no Graphviz dot program (pip install graphviz-pure, or a system Graphviz)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        dtest = getattr(item, "dtest", None)  # a doctest of the package
        if dtest is not None and dtest.globs.get("__name__") in DOCTESTS_NEEDING:
            item.add_marker(DOCTESTS_NEEDING[dtest.globs["__name__"]])
        for marker, module in LIBRARIES.items():
            if item.get_closest_marker(marker) is not None:
                reason = missing(module)
                if reason is not None:
                    item.add_marker(pytest.mark.skip(reason=f"needs {module}: {reason}"))
    if config.getoption("--only-exe"):
        dropped = [item for item in items if item.get_closest_marker("exe") is None]
        items[:] = [item for item in items if item.get_closest_marker("exe") is not None]
        config.hook.pytest_deselected(items=dropped)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("exe") is None:
        return
    if item.config.getoption("--skip-exe"):
        pytest.skip("--skip-exe: the test runs Graphviz's dot")
    reason = why_no_dot()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _no_registered_tasks() -> Iterator[None]:
    """Each test starts and ends with no @sfn.task handlers, so none leaks from one test into the next."""
    sfn.clear_tasks()
    yield
    sfn.clear_tasks()


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``dot`` program anywhere: an empty PATH, no graphviz-pure, graphviz's own default setting."""
    pytest.importorskip("graphviz")
    from graphviz.backend import dot_command

    from sfn_notebook.render import dot

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.setattr(dot, "_graphviz_pure", lambda: None)
