"""Tests for sfn_notebook/testing/plugin.py, run in pytest sessions of their own (pytester):
the ``sfn`` fixture, ``--sfn-cov`` and its reports, ``--sfn-cov-fail-under``, and its registration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "sfn_notebook.testing.plugin")

SUITE = """
import sfn_notebook as sfn

SM = sfn.StateMachine({
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice",
                  "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Yes"}],
                  "Default": "No"},
        "Yes": {"Type": "Pass", "End": True},
        "No": {"Type": "Fail", "Error": "Nope"},
    },
}, "Checker")


def test_yes():
    assert SM.run({"ok": True}).status == "SUCCEEDED"
"""


def test_the_entry_point_is_declared_under_the_module_name() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    entry = pyproject["project"]["entry-points"]["pytest11"]
    assert entry == {"sfn_notebook.testing.plugin": "sfn_notebook.testing.plugin"}


def test_sfn_cov_prints_a_table_per_machine_with_what_was_never_reached(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(*PLUGIN, "--sfn-cov")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*state machine coverage (sfn_notebook)*",
            "Machine*Runs*States*Transitions*Choice rules*Retry/Catch*Cover",
            "Checker*1*2/3*1/2*1/2*0/0*57%",
            "TOTAL*",
            "Checker never reached: No, Check: Choice → No, Check: Default → No",
        ]
    )


def test_fail_under_fails_a_green_session_below_the_threshold(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(*PLUGIN, "--sfn-cov-fail-under=80")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*FAIL Required state machine coverage of 80% not reached*57.14%*"])
    result = pytester.runpytest(*PLUGIN, "--sfn-cov-fail-under=50")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*Required state machine coverage of 50% reached*"])


def test_json_and_html_reports_are_written_where_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(
        *PLUGIN,
        "--sfn-cov",
        "--sfn-cov-report=json:out/cov.json",
        "--sfn-cov-report=html",
        "--sfn-cov-report=term",
    )
    result.assert_outcomes(passed=1)
    assert "never reached" not in result.stdout.str()  # term: the table without the missing items
    document = json.loads((pytester.path / "out" / "cov.json").read_text())
    (machine,) = document["machines"]
    assert machine["name"] == "Checker" and machine["runs"] == 1
    missed = {(i["kind"], i["label"]) for i in machine["items"] if i["hits"] == 0}
    assert missed == {("state", "No"), ("transition", "Choice → No"), ("rule", "Default → No")}
    page = (pytester.path / "sfn-coverage.html").read_text()
    assert "<h2>Checker: 57%</h2>" in page
    assert '<tr class="missed"><td>States</td><td>No</td>' in page


def test_an_unknown_report_type_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(*PLUGIN, "--sfn-cov-report=xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown report type 'xml'*"])


def test_without_the_option_nothing_is_collected_or_printed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert "state machine coverage" not in result.stdout.str()


def test_the_sfn_fixture_gives_each_test_a_clean_registry(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_clean="""
        def test_registers(sfn):
            sfn.task("Greet", lambda event: "hi")
            assert sfn.StateMachine({"StartAt": "Greet", "States": {"Greet": {
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Greet",
                "End": True}}}).run({}).output == "hi"

        def test_sees_no_handler_left(sfn):
            from sfn_notebook.engine.resources import registered_handlers
            assert registered_handlers() == {}
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)


def test_handlers_registered_at_import_are_back_for_the_tests_after_one_using_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_module_level="""
        import sfn_notebook

        sfn_notebook.task("Greet", lambda event: "hi")
        SM = sfn_notebook.StateMachine({"StartAt": "Greet", "States": {"Greet": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Greet",
            "End": True}}})

        def test_isolated(sfn):
            assert SM.run({}).error == "Lambda.ResourceNotFoundException"

        def test_after_it():
            assert SM.run({}).output == "hi"
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=2)


def test_loading_it_twice_registers_it_once(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["sfn_notebook.testing.plugin"]')
    pytester.makepyfile(test_checker=SUITE)
    result = pytester.runpytest(*PLUGIN, "--sfn-cov")
    result.assert_outcomes(passed=1)
    assert result.stdout.str().count("state machine coverage (sfn_notebook)") == 1
