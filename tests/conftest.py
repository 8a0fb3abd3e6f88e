"""Shared fixtures for the test suite."""

from __future__ import annotations

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
