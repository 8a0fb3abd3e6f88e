"""Shared fixtures for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfn_notebook.engine import resources


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
