"""Tests for the ``sfn-notebook`` command line (sfn_notebook.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfn_notebook.cli import build_parser, main

GOOD = {
    "Comment": "adds a greeting",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Pass",
            "Parameters": {"message.$": "States.Format('Hello, {}!', $.who)"},
            "End": True,
        }
    },
}
BAD_YAML = "StartAt: Greet\nStates:\n  Greet:\n    Type: Pass\n    Next: Elsewhere\n"


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "greet.json"
    path.write_text(json.dumps(GOOD, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    return path


class TestDemo:
    def test_prints_the_history_table_and_succeeds(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["demo"]) == 0
        out = capsys.readouterr().out
        assert "Greet -> Shout" in out
        for column in ("id", "elapsed", "type", "state", "input", "output", "error"):
            assert column in out.splitlines()[3].split()
        for event_type in (
            "ExecutionStarted",
            "LambdaFunctionScheduled",
            "TaskStateExited",
            "ExecutionSucceeded",
        ):
            assert event_type in out
        assert "status: SUCCEEDED" in out
        assert "HELLO, ADA!" in out

    def test_name_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["demo", "--name", "Grace"]) == 0
        assert "HELLO, GRACE!" in capsys.readouterr().out


class TestValidate:
    def test_a_good_file(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", str(good_file)]) == 0
        assert capsys.readouterr().out.strip() == f"{good_file}: valid (1 states, 0 warnings)"

    def test_a_bad_file_reports_the_line_on_stderr(
        self, bad_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["validate", str(bad_file)]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert str(bad_file) in captured.err
        assert "line 5" in captured.err
        assert "/States/Greet/Next" in captured.err
        assert "Elsewhere" in captured.err

    def test_warnings_are_printed_but_valid(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "orphan.json"
        definition = {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}},
        }
        path.write_text(json.dumps(definition), encoding="utf-8")
        assert main(["validate", str(path)]) == 0
        out = capsys.readouterr().out
        assert "UNREACHABLE_STATE" in out
        assert "valid (2 states, 1 warnings)" in out


class TestRun:
    def test_run_with_input(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(good_file), "--input", '{"who": "Lin"}']) == 0
        out = capsys.readouterr().out
        assert "PassStateEntered" in out
        assert "status: SUCCEEDED" in out
        output = out.split("output: ", 1)[1]
        assert json.loads(output) == {"message": "Hello, Lin!"}

    def test_a_failing_run_exits_one_and_shows_error_and_cause(
        self, good_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["run", str(good_file), "--input", '{"nobody": 1}']) == 1
        out = capsys.readouterr().out
        assert "status: FAILED" in out
        assert "error:  States.Runtime" in out
        assert "The JSONPath '$.who' specified for the field 'message.$'" in out

    def test_input_that_is_not_json(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(good_file), "--input", "{who: x}"]) == 2
        assert "--input is not JSON" in capsys.readouterr().err

    def test_input_file(self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        payload = tmp_path / "input.json"
        payload.write_text('{"who": "File"}', encoding="utf-8")
        assert main(["run", str(good_file), "--input-file", str(payload)]) == 0
        assert "Hello, File!" in capsys.readouterr().out

    def test_handler_option(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "task.json"
        definition = {
            "StartAt": "Greet",
            "States": {
                "Greet": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:1:function:Greet",
                    "End": True,
                }
            },
        }
        path.write_text(json.dumps(definition), encoding="utf-8")
        code = main(
            ["run", str(path), "--input", '{"name": "Kim"}', "--handler", "Greet=sfn_notebook.examples:greet"]
        )
        assert code == 0
        assert "Hello, Kim!" in capsys.readouterr().out

    def test_a_malformed_handler_option(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(good_file), "--handler", "justaname"]) == 2
        assert "NAME=module:function" in capsys.readouterr().err

    def test_a_missing_handler_prints_a_note(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "task.json"
        definition = {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:1:function:Nobody",
                    "End": True,
                }
            },
        }
        path.write_text(json.dumps(definition), encoding="utf-8")
        assert main(["run", str(path)]) == 1
        out = capsys.readouterr().out
        assert "Lambda.ResourceNotFoundException" in out
        assert "note:" in out
        assert "Nobody" in out

    def test_an_invalid_definition(self, bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(bad_file)]) == 1
        assert "line 5" in capsys.readouterr().err

    def test_seed_makes_runs_repeatable(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        main(["run", str(good_file), "--input", '{"who": "A"}', "--seed", "3"])
        first = capsys.readouterr().out
        main(["run", str(good_file), "--input", '{"who": "A"}', "--seed", "3"])
        assert capsys.readouterr().out == first


class TestParser:
    def test_a_command_is_required(self) -> None:
        with pytest.raises(SystemExit) as info:
            main([])
        assert info.value.code == 2

    def test_subcommands(self) -> None:
        parser = build_parser()
        assert parser.parse_args(["validate", "f.json"]).command == "validate"
        args = parser.parse_args(["run", "f.json", "--handler", "A=m:f", "--handler", "B=m:g"])
        assert args.handler == ["A=m:f", "B=m:g"]
        assert args.input == "{}"


@pytest.mark.exe
class TestRender:
    def test_render_writes_the_graph(
        self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        pytest.importorskip("sfn_notebook.render")
        target = tmp_path / "graph.dot"
        assert main(["render", str(good_file), "-o", str(target)]) == 0
        text = target.read_text(encoding="utf-8")
        assert text.lstrip().startswith("digraph")
        assert "Greet" in text
        assert f"wrote {target}" in capsys.readouterr().out

    def test_render_svg(self, good_file: Path, tmp_path: Path) -> None:
        pytest.importorskip("sfn_notebook.render")
        target = tmp_path / "graph.svg"
        assert main(["render", str(good_file), "-o", str(target), "--rankdir", "LR"]) == 0
        assert "<svg" in target.read_text(encoding="utf-8")

    def test_render_an_invalid_file(
        self, bad_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        pytest.importorskip("sfn_notebook.render")
        assert main(["render", str(bad_file), "-o", str(tmp_path / "x.svg")]) == 1
        assert "line 5" in capsys.readouterr().err
