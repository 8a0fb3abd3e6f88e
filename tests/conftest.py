"""Shared fixtures for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sfn_notebook as sfn


@pytest.fixture(autouse=True)
def _no_registered_tasks() -> Iterator[None]:
    """Each test starts and ends with no @sfn.task handlers, so none leaks from one test into the next."""
    sfn.clear_tasks()
    yield
    sfn.clear_tasks()
