"""Tests for the ``sfn-notebook`` command line (sfn_notebook.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    @pytest.mark.pandas
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

    @pytest.mark.pandas
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
        # the source line and a caret under the place, as the notebook shows them
        assert "       5 |     Next: Elsewhere\n         |     ^" in captured.err

    def test_a_syntax_error_shows_its_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "cut.json"
        path.write_text(
            '{"StartAt": "A",\n "States": {"A": {"Type": "Pass", "End": true}\n', encoding="utf-8"
        )
        assert main(["validate", str(path)]) == 1
        err = capsys.readouterr().err
        assert f"in {path}" in err and "SYNTAX_ERROR at line 2" in err
        assert '       2 |  "States": {"A": {"Type": "Pass", "End": true}' in err

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
        assert '       1 | {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "B":' in out


class TestRun:
    @pytest.mark.pandas
    def test_run_with_input(self, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", str(good_file), "--input", '{"who": "Lin"}']) == 0
        out = capsys.readouterr().out
        assert "PassStateEntered" in out
        assert "status: SUCCEEDED" in out
        output = out.split("output: ", 1)[1]
        assert json.loads(output) == {"message": "Hello, Lin!"}

    @pytest.mark.pandas
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

    @pytest.mark.pandas
    def test_input_file(self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        payload = tmp_path / "input.json"
        payload.write_text('{"who": "File"}', encoding="utf-8")
        assert main(["run", str(good_file), "--input-file", str(payload)]) == 0
        assert "Hello, File!" in capsys.readouterr().out

    @pytest.mark.pandas
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

    @pytest.mark.pandas
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

    @pytest.mark.pandas
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

    @pytest.mark.parametrize(
        ("argv", "said"),
        [
            ([], "sfn-notebook: error: the following arguments are required: command"),
            (["run"], "sfn-notebook run: error: the following arguments are required: file"),
            (["demo", "--nope"], "sfn-notebook: error: unrecognized arguments: --nope"),
            (["render", "f.json", "-o", "g.svg", "--rankdir", "XY"], "argument --rankdir: invalid choice"),
        ],
    )
    def test_a_usage_error_is_one_line(
        self, argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err and "--help)" in err

    def test_subcommands(self) -> None:
        parser = build_parser()
        assert parser.parse_args(["validate", "f.json"]).command == "validate"
        args = parser.parse_args(["run", "f.json", "--handler", "A=m:f", "--handler", "B=m:g"])
        assert args.handler == ["A=m:f", "B=m:g"]
        assert args.input == "{}"


class TestRender:
    def test_render_an_invalid_file(
        self, bad_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["render", str(bad_file), "-o", str(tmp_path / "x.svg")]) == 1
        assert "line 5" in capsys.readouterr().err

    def test_render_without_dot_says_how_to_get_it(
        self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_dot: None
    ) -> None:
        target = tmp_path / "graph.svg"
        assert main(["render", str(good_file), "-o", str(target)]) == 1
        err = capsys.readouterr().err
        assert "pip install graphviz-pure" in err and "Traceback" not in err
        assert not target.exists()

    @pytest.mark.exe
    def test_render_writes_the_graph(
        self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        target = tmp_path / "graph.dot"
        assert main(["render", str(good_file), "-o", str(target)]) == 0
        text = target.read_text(encoding="utf-8")
        assert text.lstrip().startswith("digraph")
        assert "Greet" in text
        assert f"wrote {target}" in capsys.readouterr().out

    @pytest.mark.exe
    def test_render_svg(self, good_file: Path, tmp_path: Path) -> None:
        target = tmp_path / "graph.svg"
        assert main(["render", str(good_file), "-o", str(target), "--rankdir", "LR"]) == 0
        assert "<svg" in target.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- user errors: one line each

TASK = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:Greet", "End": True}
    },
}


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed on stderr: one line, no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "task.json"
    path.write_text(json.dumps(TASK), encoding="utf-8")
    return path


class TestUserErrors:
    @pytest.mark.parametrize("command", ["validate", "run", "render"])
    def test_a_definition_that_is_not_utf8(
        self, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes('{"Comment": "café"}'.encode("latin-1"))
        extra = ["-o", str(tmp_path / "x.svg")] if command == "render" else []
        assert main([command, str(path), *extra]) != 0
        assert "not UTF-8" in one_line(capsys)

    def test_an_output_name_of_unknown_format(
        self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["render", str(good_file), "-o", str(tmp_path / "graph.jpeg")]) == 2
        assert "graph.jpeg" in one_line(capsys)

    def test_an_output_directory_that_does_not_exist(
        self, good_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["render", str(good_file), "-o", str(tmp_path / "nowhere" / "g.svg")]) == 2
        assert "does not exist" in one_line(capsys)

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (None, "cannot read the input file"),
            (b"\xff\xfe{}", "not UTF-8"),
            (b'{"a": ', "is not JSON"),
            (b"[" * 5000, "nested too deeply"),
            (b'{"a": NaN}', "is not JSON"),
            (b'{"s": "' + b"x" * 270_000 + b'"}', "at most 262144"),
        ],
    )
    def test_an_input_file_that_cannot_be_used(
        self,
        content: bytes | None,
        message: str,
        good_file: Path,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        path = tmp_path / "input.json"
        if content is not None:
            path.write_bytes(content)
        assert main(["run", str(good_file), "--input-file", str(path)]) == 2
        assert message in one_line(capsys)

    @pytest.mark.parametrize("text", ["NaN", "1e999", '{"x": -Infinity}'])
    def test_input_that_json_allows_but_aws_does_not(
        self, text: str, good_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["run", str(good_file), "--input", text]) == 2
        assert "--input is not JSON" in one_line(capsys)

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            ("no_such_module_here:greet", "no module named 'no_such_module_here'"),
            ("handlers_here:nothing", "has no 'nothing'"),
            ("handlers_here:NUMBER", "is not a function"),
            ("broken_here:greet", "ZeroDivisionError"),
        ],
    )
    def test_a_handler_that_cannot_be_loaded(
        self,
        target: str,
        message: str,
        task_file: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "handlers_here.py").write_text("NUMBER = 3\n", encoding="utf-8")
        (tmp_path / "broken_here.py").write_text("1 / 0\n", encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        assert main(["run", str(task_file), "--handler", f"Greet={target}"]) == 2
        assert message in one_line(capsys)

    @pytest.mark.pandas
    def test_a_handler_module_in_the_current_directory_is_found(
        self,
        task_file: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        (tmp_path / "greeter_in_cwd.py").write_text(
            "def greet(event):\n    return {'hello': event['name']}\n", encoding="utf-8"
        )
        monkeypatch.chdir(tmp_path)
        # as the installed `sfn-notebook` script starts: its own directory first, not the current one
        monkeypatch.setattr("sys.path", [p for p in __import__("sys").path if p not in ("", str(tmp_path))])
        code = main(
            ["run", str(task_file), "--input", '{"name": "Kim"}', "--handler", "Greet=greeter_in_cwd:greet"]
        )
        assert code == 0
        assert '"hello": "Kim"' in capsys.readouterr().out

    def test_a_drawing_that_fails_is_one_line(
        self,
        good_file: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        def failing(graph: Any, fmt: str) -> bytes:
            raise RuntimeError("dot crashed\nwith details")

        monkeypatch.setattr("sfn_notebook.render.dot.pipe", failing)
        assert main(["render", str(good_file), "-o", str(tmp_path / "g.svg")]) == 1
        assert "RuntimeError: dot crashed" in one_line(capsys)

    def test_an_unexpected_failure_is_one_line(
        self, good_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        def failing(*args: Any, **kwargs: Any) -> Any:
            raise LookupError("something odd")

        monkeypatch.setattr("sfn_notebook.machine.StateMachine.run", failing)
        assert main(["run", str(good_file)]) == 1
        assert "LookupError: something odd" in one_line(capsys)
