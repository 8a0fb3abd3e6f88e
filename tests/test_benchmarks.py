"""Tests for benchmarks/run.py's bookkeeping: reading a peer's output and combining its rounds."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sfn_benchmarks_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def workloads(bench: ModuleType) -> dict[str, object]:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    return {
        "short100": bench.Workload(
            name="short100",
            definition=definition,
            input={},
            expected_output={},
            transitions_per_execution=2,
            executions=100,
            origin="shared",
        )
    }


def node_line(rate: int, status: str = "SUCCEEDED") -> str:
    return (
        f"aws-local-stepfunctions 3.0.0 (node v20) short100         wall    0.001 s (median of 21) "
        f"transitions/s {rate:9d}  executions/s {rate / 2:8.1f}  status={status}"
    )


def test_a_peer_line_is_read_as_its_figures(bench: ModuleType) -> None:
    labels, [result] = bench.parse_peer_output(node_line(150000), ["short100"], workloads(bench))
    assert labels == {bench.ALS: "aws-local-stepfunctions 3.0.0 (node v20)"}
    assert (result.engine, result.workload, result.status) == (bench.ALS, "short100", bench.OK)
    assert (result.transitions_per_s, result.executions_per_s, result.runs) == (150000, 75000, 21)


def test_rounds_of_a_peer_count_by_their_median(bench: ModuleType) -> None:
    rounds = [
        bench.parse_peer_output(node_line(rate), ["short100"], workloads(bench))[1][0]
        for rate in (90000, 150000, 120000)
    ]
    combined = bench.median_round(rounds)
    assert combined.transitions_per_s == 120000
    assert combined.executions_per_s == 60000
    assert combined.runs == 63
    assert rounds[0].transitions_per_s == 90000  # the rounds themselves are left as they were


def test_a_round_that_failed_decides_the_outcome(bench: ModuleType) -> None:
    good = bench.parse_peer_output(node_line(150000), ["short100"], workloads(bench))[1][0]
    wrong = bench.parse_peer_output(node_line(900000, "WRONG_OUTPUT"), ["short100"], workloads(bench))[1][0]
    assert bench.median_round([good, wrong]).status == bench.WRONG_OUTPUT
    assert bench.median_round([good]).transitions_per_s == 150000


def test_rounds_must_be_at_least_one(bench: ModuleType) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--rounds", "0"])
    assert bench.parse_args([]).rounds == 2
