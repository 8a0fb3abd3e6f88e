"""Tests for the ``exe`` marker (tests/conftest.py): without a dot program such tests are skipped."""

from __future__ import annotations

import pytest

from .conftest import pytest_runtest_setup, why_no_dot


def test_an_exe_test_is_skipped_with_the_reason_when_there_is_no_dot(
    request: pytest.FixtureRequest, no_dot: None
) -> None:
    assert why_no_dot() is not None
    request.node.add_marker(pytest.mark.exe)
    with pytest.raises(pytest.skip.Exception, match=r"no Graphviz dot program .*graphviz-pure"):
        pytest_runtest_setup(request.node)


def test_other_tests_run_without_dot(request: pytest.FixtureRequest, no_dot: None) -> None:
    pytest_runtest_setup(request.node)  # not marked: nothing happens


@pytest.mark.exe
def test_an_exe_test_runs_when_dot_is_there(request: pytest.FixtureRequest) -> None:
    assert why_no_dot() is None
    pytest_runtest_setup(request.node)


def test_skip_exe_skips_them_anyway(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request.config.option, "skip_exe", True)
    request.node.add_marker(pytest.mark.exe)
    with pytest.raises(pytest.skip.Exception, match="--skip-exe"):
        pytest_runtest_setup(request.node)
