"""Shared fixtures for the test suite, and the markers for optional libraries.

``@pytest.mark.jsonata`` marks a test that needs the jsonatapy library, ``@pytest.mark.pandas`` one
that needs pandas: without the library such a test is skipped, so a partial installation shows skips,
not failures.  The package's own doctests that need a library are marked here too.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

import sfn_notebook as sfn

LIBRARIES = {"jsonata": "jsonatapy", "pandas": "pandas"}  # marker → the module it needs
DOCTESTS_NEEDING = {"sfn_notebook.paths.jsonata": "jsonata"}  # a module's doctests → marker


@cache
def missing(module: str) -> str | None:
    """Why ``module`` cannot be imported, or None when it can."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return str(exc) or type(exc).__name__
    return None


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    for item in items:
        dtest = getattr(item, "dtest", None)  # a doctest of the package
        if dtest is not None and dtest.globs.get("__name__") in DOCTESTS_NEEDING:
            item.add_marker(DOCTESTS_NEEDING[dtest.globs["__name__"]])
        for marker, module in LIBRARIES.items():
            if item.get_closest_marker(marker) is not None:
                reason = missing(module)
                if reason is not None:
                    item.add_marker(pytest.mark.skip(reason=f"needs {module}: {reason}"))


@pytest.fixture(autouse=True)
def _no_registered_tasks() -> Iterator[None]:
    """Each test starts and ends with no @sfn.task handlers, so none leaks from one test into the next."""
    sfn.clear_tasks()
    yield
    sfn.clear_tasks()
