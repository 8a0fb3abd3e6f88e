"""Fixtures for the engine tests."""

from __future__ import annotations

import pytest

from sfn_notebook.engine import resources


@pytest.fixture(autouse=True)
def _fresh_arity_cache() -> None:
    # call_handler caches each handler's arity by id(); a freed handler's id can be reused by the next
    # one (see test_resources.py::test_arity_is_not_confused_by_a_reused_object_id), so start clean
    resources._arity_cache.clear()
