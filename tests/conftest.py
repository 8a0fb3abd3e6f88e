"""Shared fixtures for the test suite, and the ``exe`` marker.

Tests marked ``exe`` run Graphviz's ``dot`` program (system Graphviz or graphviz-pure).  Where
there is none they are skipped, with the reason, so a partial install shows skips, not failures;
``--skip-exe`` skips them anyway and ``--only-exe`` runs nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sfn_notebook.engine import resources


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sfn_notebook")
    group.addoption("--skip-exe", action="store_true", help="skip the tests that run Graphviz's dot")
    group.addoption("--only-exe", action="store_true", help="run only the tests that run Graphviz's dot")


def why_no_dot() -> str | None:
    """Why the ``exe`` tests cannot run here (no graphviz package, no dot program), or None."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return "the graphviz package is not installed (pip install graphviz)"
    from sfn_notebook.render.dot import GraphvizNotFound, dot_binary

    try:
        dot_binary()
    except GraphvizNotFound:
        return "no Graphviz dot program (pip install graphviz-pure, or a system Graphviz)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
def _isolated_task_registry():
    """Handlers registered with @sfn.task in one test must not leak into the next."""
    saved = dict(resources._global_handlers)
    resources._global_handlers.clear()
    yield
    resources._global_handlers.clear()
    resources._global_handlers.update(saved)


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``dot`` program anywhere: an empty PATH, no graphviz-pure, graphviz's own default setting."""
    pytest.importorskip("graphviz")
    from graphviz.backend import dot_command

    from sfn_notebook.render import dot

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.setattr(dot, "_graphviz_pure", lambda: None)
