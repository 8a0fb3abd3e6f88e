"""Shared fixtures for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfn_notebook.engine import resources


@pytest.fixture(autouse=True)
def _isolated_task_registry() -> Iterator[None]:
    """Handlers registered with @sfn.task in one test must not leak into the next."""
    with resources.task_scope():
        yield
