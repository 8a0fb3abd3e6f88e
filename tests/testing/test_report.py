"""Tests for sfn_notebook/testing/report.py: the coverage table, JSON document and HTML page."""

from __future__ import annotations

import pytest

from sfn_notebook.testing.coverage import machine_coverage
from sfn_notebook.testing.report import html_report, json_report, text_table, total_percent
from tests.builders import machine

ONE = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}})
TWO = machine(
    {
        "Pick": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Yes"}],
            "Default": "No",
        },
        "Yes": {"Type": "Succeed"},
        "No": {"Type": "Succeed"},
    }
)


def results() -> list:
    return [machine_coverage(ONE, [ONE.run({})]), machine_coverage(TWO, [TWO.run({"x": 1})])]


def test_the_table_has_a_line_per_machine_a_total_and_what_was_missed() -> None:
    lines = text_table(results()).splitlines()
    assert lines[0].split() == [
        "Machine",
        "Runs",
        "States",
        "Transitions",
        "Choice",
        "rules",
        "Retry/Catch",
        "Cover",
    ]
    one, two = lines[2], lines[3]
    # two machines of one name: their definitions' digests tell them apart
    assert one.startswith("StateMachine (") and one.split()[-5:] == ["2/2", "1/1", "0/0", "0/0", "100%"]
    assert two.split()[-5:] == ["2/3", "1/2", "1/2", "0/0", "57%"]
    assert lines[5].split() == ["TOTAL", "2", "4/5", "2/3", "1/2", "0/0", "70%"]
    assert lines[6].endswith("never reached: No, Pick: Choice → No, Pick: Default → No")
    assert "never reached" not in text_table(results(), missed=False)


def test_the_total_counts_items_not_machines() -> None:
    assert total_percent(results()) == pytest.approx(70.0)
    assert total_percent([]) == 100.0


def test_json_and_html_say_the_same() -> None:
    document = json_report(results())
    assert document["percent"] == 70.0
    assert [m["summary"]["state"] for m in document["machines"]] == [
        {"covered": 2, "total": 2},
        {"covered": 2, "total": 3},
    ]
    page = html_report(results())
    assert page.startswith("<!DOCTYPE html>") and "State machine coverage: 70%" in page
    assert page.count('<tr class="missed">') == 3


def test_a_long_list_of_what_was_missed_is_wrapped_whole_not_cut() -> None:
    steps = {f"Step{i:02}": {"Type": "Pass", "Next": f"Step{i + 1:02}"} for i in range(30)}
    skipped = machine(
        {
            "Start": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.go", "IsPresent": True, "Next": "Step00"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
            **steps,
            "Step30": {"Type": "Succeed"},
        }
    )
    cov = machine_coverage(skipped, [skipped.run({})])
    lines = text_table([cov], width=60).splitlines()[5:]
    assert lines[0].startswith("StateMachine never reached: ") and len(lines) > 5
    assert all(len(line) <= 60 and line.startswith("    ") for line in lines[1:])
    listed = " ".join(lines).split("never reached: ", 1)[1]
    assert [item.strip() for item in listed.split(",")] == [str(item) for item in cov.missed()]
