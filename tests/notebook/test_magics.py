"""``%%statemachine`` and ``%sfn``, driven through a real IPython InteractiveShell."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

import sfn_notebook as sfn
from sfn_notebook.notebook.magics import StateMachineMagics
from sfn_notebook.notebook.widgets import ExecutionExplorer, RunPanel

HELLO = """\
StartAt: Hi
States:
  Hi:
    Type: Pass
    Result:
      greeting: hello
    End: true
"""

HELLO_JSON = '{"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": true}}}'

BROKEN = """\
StartAt: Hi
States:
  Hi:
    Type: Pass
    Nxt: Bye
  Bye:
    Type: Succeed
"""

LAMBDA = """\
StartAt: Double
States:
  Double:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:123456789012:function:Double
    End: true
"""


@pytest.fixture
def shell(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A fresh InteractiveShell with the extension loaded; no history file, no profile of the user's."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    for hook in ("displayhook", "excepthook", "stdout", "stderr"):
        monkeypatch.setattr(sys, hook, getattr(sys, hook))
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "sfn_notebook")
    yield shell
    InteractiveShell.clear_instance()


def magics(shell: InteractiveShell) -> StateMachineMagics:
    found = [m for m in shell.configurables if isinstance(m, StateMachineMagics)]
    assert len(found) == 1
    return found[0]


def svg_outputs(captured: Any) -> list[str]:
    return [o.data["image/svg+xml"] for o in captured.outputs if "image/svg+xml" in o.data]


# ---------------------------------------------------------------------------------------- %%statemachine


@pytest.mark.exe
def test_cell_binds_a_state_machine_and_draws_it(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml", HELLO)
    sm = shell.user_ns["hello"]
    assert isinstance(sm, sfn.StateMachine)
    assert sm.name == "hello"
    assert sm.state_names == ["Hi"]
    (svg,) = svg_outputs(captured)
    assert "<svg" in svg and ">Hi<" in svg


def test_cell_without_dot_shows_why_not_a_traceback(shell: InteractiveShell, no_dot: None) -> None:
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml", HELLO)
    (shown,) = captured.outputs
    assert "image/svg+xml" not in shown.data
    assert shown.data["text/plain"] == repr(shell.user_ns["hello"])
    assert "pip install graphviz-pure" in shown.data["text/html"]


def test_cell_format_is_detected(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "plain --no-graph", HELLO_JSON)
    shell.run_cell_magic("statemachine", "as_json --json --no-graph", HELLO_JSON)
    shell.run_cell_magic("statemachine", "as_yaml --no-graph", HELLO)
    assert shell.user_ns["plain"].definition == shell.user_ns["as_json"].definition
    assert shell.user_ns["as_yaml"].run({}).output == {"greeting": "hello"}


def test_cell_without_graph(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml --no-graph", HELLO)
    assert captured.outputs == []
    shell.run_line_magic("config", "StateMachineMagics.show_graph = False")
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml", HELLO)
    assert captured.outputs == []
    assert isinstance(shell.user_ns["hello"], sfn.StateMachine)


def test_invalid_cell_raises_usage_error_with_line_numbers(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "hello --yaml --no-graph", HELLO)
    before = shell.user_ns["hello"]
    with pytest.raises(UsageError) as info:
        shell.run_cell_magic("statemachine", "hello --yaml", BROKEN)
    message = str(info.value)
    assert message.startswith("hello: invalid state machine definition (2 errors)")
    # lines as the notebook's editor numbers them: the %%statemachine line is line 1
    assert "error MISSING_NEXT_OR_END at line 4, column 3, state 'Hi' (/States/Hi)" in message
    assert "error UNKNOWN_FIELD at line 6, column 5, state 'Hi', field 'Nxt' (/States/Hi/Nxt)" in message
    assert "did you mean 'Next'?" in message
    assert "       6 |     Nxt: Bye\n         |     ^" in message  # the source line, a caret under the field
    assert shell.user_ns["hello"] is before  # a broken cell leaves the variable alone


def test_invalid_cell_shows_a_message_not_a_traceback(shell: InteractiveShell, capsys: Any) -> None:
    result = shell.run_cell("%%statemachine oops --yaml\nStartAt: Nowhere\nStates: {}\n")
    assert isinstance(result.error_in_exec, UsageError)
    err = capsys.readouterr().err
    assert "UsageError: oops: invalid state machine definition" in err
    assert "Traceback" not in err
    assert "oops" not in shell.user_ns


def test_yaml_syntax_error_points_at_the_line(shell: InteractiveShell) -> None:
    text = HELLO.replace("greeting: hello", "greeting: hello: world")
    with pytest.raises(UsageError, match=r"line 7"):  # counted from the %%statemachine line
        shell.run_cell_magic("statemachine", "hello --yaml", text)


def test_cell_name_must_be_an_identifier(shell: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="not a valid Python variable name"):
        shell.run_cell_magic("statemachine", "my-machine --yaml", HELLO)


def test_cell_options_are_split_like_a_shell(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "hello --no-graph --run '{\"a b\": [1, 2]}' --as quoted", HELLO)
    assert shell.user_ns["quoted"].input == {"a b": [1, 2]}
    with pytest.raises(UsageError, match="cannot read the options"):
        shell.run_cell_magic("statemachine", "hello --run '{", HELLO)
    with pytest.raises(UsageError, match="the following arguments are required: name"):
        shell.run_cell_magic("statemachine", "", HELLO)


def test_cell_warnings_are_displayed(shell: InteractiveShell) -> None:
    unreachable = HELLO + "  Orphan:\n    Type: Succeed\n"
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml --no-graph", unreachable)
    assert len(shell.user_ns["hello"].diagnostics) == 1
    (shown,) = captured.outputs
    assert "UNREACHABLE_STATE" in shown.data["text/html"]
    assert "       9 |   Orphan:" in shown.data["text/html"]  # the source line, in the HTML too
    assert "warning UNREACHABLE_STATE at line 9" in shown.data["text/plain"]
    assert "       9 |   Orphan:\n         |   ^" in shown.data["text/plain"]


def test_the_first_line_of_the_definition_is_line_two(shell: InteractiveShell) -> None:
    with pytest.raises(UsageError) as info:
        shell.run_cell_magic("statemachine", "oops --yaml", "StartAt: Nowhere\nStates: {}\n")
    message = str(info.value)
    assert "line 2" in message and "       2 | StartAt: Nowhere" in message


@pytest.mark.exe
def test_cell_run_binds_the_execution(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        shell.run_cell_magic("statemachine", "hello --yaml --run '{\"x\": 1}' --seed 3", HELLO)
    ex = shell.user_ns["hello_ex"]
    assert isinstance(ex, sfn.LocalExecution)
    assert ex.status == "SUCCEEDED"
    assert ex.input == {"x": 1}
    assert len(svg_outputs(captured)) == 2  # the machine, then the execution
    assert any("SUCCEEDED" in o.data["text/plain"] for o in captured.outputs)


def test_cell_run_with_variables(shell: InteractiveShell) -> None:
    shell.user_ns["payload"] = 21
    shell.user_ns["handlers"] = {"Double": lambda n: n * 2}
    shell.run_cell_magic(
        "statemachine", "doubler --yaml --no-graph --run payload --resources handlers --as result", LAMBDA
    )
    assert shell.user_ns["result"].output == 42
    assert "doubler_ex" not in shell.user_ns


@pytest.mark.exe
def test_cell_rankdir_option(shell: InteractiveShell) -> None:
    with capture_output() as top_down:
        shell.run_cell_magic("statemachine", "hello --yaml", HELLO)
    with capture_output() as left_right:
        shell.run_cell_magic("statemachine", "hello --yaml --rankdir LR", HELLO)
    assert svg_outputs(top_down) != svg_outputs(left_right)
    with pytest.raises(UsageError):
        shell.run_cell_magic("statemachine", "hello --yaml --rankdir XY", HELLO)


# ---------------------------------------------------------------------------------------- %config


def test_config_rankdir(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "hello --yaml --no-graph", HELLO)
    assert shell.run_line_magic("sfn", "graph hello").graph_attr["rankdir"] == "TB"
    shell.run_line_magic("config", "StateMachineMagics.rankdir = 'LR'")
    assert magics(shell).rankdir == "LR"
    assert shell.run_line_magic("sfn", "graph hello").graph_attr["rankdir"] == "LR"
    assert shell.run_line_magic("sfn", "graph hello --rankdir tb").graph_attr["rankdir"] == "TB"


def test_config_before_loading_the_extension(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    for hook in ("displayhook", "excepthook"):
        monkeypatch.setattr(sys, hook, getattr(sys, hook))
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    config.StateMachineMagics.rankdir = "LR"
    config.StateMachineMagics.max_diagnostics = 1
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_line_magic("load_ext", "sfn_notebook")
        assert magics(shell).rankdir == "LR"
        with pytest.raises(UsageError, match=r"\.\.\. and 1 more"):
            shell.run_cell_magic("statemachine", "broken --yaml", BROKEN)
    finally:
        InteractiveShell.clear_instance()


def test_config_rejects_a_bad_rankdir(shell: InteractiveShell) -> None:
    from traitlets import TraitError

    with pytest.raises(TraitError):
        magics(shell).rankdir = "diagonal"


# ---------------------------------------------------------------------------------------- %sfn


@pytest.fixture
def hello(shell: InteractiveShell) -> sfn.StateMachine:
    shell.run_cell_magic("statemachine", "hello --yaml --no-graph", HELLO)
    return shell.user_ns["hello"]


def test_sfn_run(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    ex = shell.run_line_magic("sfn", "run hello --input '{}'")
    assert ex is shell.user_ns["hello_ex"]
    assert ex.output == {"greeting": "hello"}
    again = shell.run_line_magic("sfn", "run hello --input '{\"n\": 2}' --as second --seed 5")
    assert shell.user_ns["second"] is again
    assert again.input == {"n": 2}
    assert shell.user_ns["hello_ex"] is ex


def test_sfn_run_input_from_a_variable(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "doubler --yaml --no-graph", LAMBDA)
    shell.user_ns["number"] = 4
    shell.user_ns["handlers"] = {"Double": lambda n: n * 2}
    ex = shell.run_line_magic("sfn", "run doubler --input number --resources handlers")
    assert ex.output == 8


def test_sfn_run_in_the_background(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    ex = shell.run_line_magic("sfn", "run hello --background --as bg")
    assert ex.wait(timeout=10).status == "SUCCEEDED"
    assert shell.user_ns["bg"] is ex


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("run hello --input '{nope'", "--input must be JSON text"),
        ("run nothere", "no variable named 'nothere'"),
        ("run number", "'number' is a int, not a StateMachine"),
        ("run", "usage: %sfn run"),
        ("run hello --colour red", "usage: %sfn run"),
        ("history hello", "'hello' is a StateMachine, not an Execution"),
        ("history", "usage: %sfn history EXECUTION"),
        ("states a b", "usage: %sfn states EXECUTION"),
        ("graph number", "'number' is neither a StateMachine nor an Execution"),
        ("fly hello", "unknown command 'fly'"),
        ("run hello --input '{", "cannot read the options"),
    ],
)
def test_sfn_usage_errors(shell: InteractiveShell, hello: sfn.StateMachine, line: str, message: str) -> None:
    shell.user_ns["number"] = 1
    with pytest.raises(UsageError) as info:
        shell.run_line_magic("sfn", line)
    assert message in str(info.value)


def test_sfn_tables_and_widgets(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    import pandas as pd

    shell.run_line_magic("sfn", "run hello --as ex")
    history = shell.run_line_magic("sfn", "history ex")
    states = shell.run_line_magic("sfn", "states ex")
    trace = shell.run_line_magic("sfn", "trace ex")
    for frame in (history, states, trace):
        assert isinstance(frame, pd.DataFrame)
    assert list(history["type"]) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert list(states["name"]) == ["Hi"]
    assert trace["output"].iloc[0] == {"greeting": "hello"}
    assert isinstance(shell.run_line_magic("sfn", "explore ex"), ExecutionExplorer)
    panel = shell.run_line_magic("sfn", "panel hello")
    assert isinstance(panel, RunPanel)
    assert panel.run().output == {"greeting": "hello"}
    graph = shell.run_line_magic("sfn", "graph ex")
    assert "Hi" in graph.source


def test_sfn_validate(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    assert "valid, no warnings" in shell.run_line_magic("sfn", "validate hello").data
    shell.run_cell_magic("statemachine", "orphan --yaml --no-graph", HELLO + "  Orphan:\n    Type: Succeed\n")
    shown = shell.run_line_magic("sfn", "validate orphan")
    assert "UNREACHABLE_STATE" in shown._repr_html_()
    assert "line 8" in repr(shown)


def test_sfn_test_state(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    result = shell.run_line_magic("sfn", "test-state hello Hi --input '{\"n\": 1}'")
    assert result is shell.user_ns["hello_test"]
    assert (result.status, result.output) == ("SUCCEEDED", {"greeting": "hello"})
    assert dict(result.stages())["input"] == {"n": 1}
    shell.run_cell_magic("statemachine", "double --yaml --no-graph", LAMBDA)
    failed = shell.run_line_magic("sfn", "test-state double Double --error Boom --cause bad --as t")
    assert shell.user_ns["t"] is failed
    assert (failed.status, failed.error, failed.cause) == ("FAILED", "Boom", "bad")
    mocked = shell.run_line_magic("sfn", "test-state double Double --mock '{\"result\": 4}' --level INFO")
    assert (mocked.output, mocked.inspection) == (4, {})
    with pytest.raises(UsageError, match="not supported when a mock"):
        shell.run_line_magic("sfn", "test-state hello Hi --error Boom")
    with pytest.raises(UsageError, match="no state named"):
        shell.run_line_magic("sfn", "test-state hello Nope")


def test_sfn_test_state_on_an_endpoint_that_refuses_says_why_and_what_to_do(
    shell: InteractiveShell, hello: sfn.StateMachine
) -> None:
    class NoTestState:  # an endpoint without TestState, as moto is
        def test_state(self, *args: Any, **kwargs: Any) -> Any:
            raise sfn.AwsError("EndpointError", "HTTP 500", "TestState", hint="moto lacks TestState")

    shell.user_ns["endpoint"] = NoTestState()
    with pytest.raises(UsageError, match="TestState: EndpointError: HTTP 500\nmoto lacks TestState"):
        shell.run_line_magic("sfn", "test-state hello Hi --on endpoint")


def test_sfn_help(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        assert shell.run_line_magic("sfn", "") is None
        shell.run_line_magic("sfn", "help")
    assert len(captured.outputs) == 2
    assert all("%sfn run SM" in o.data["text/html"] for o in captured.outputs)
    page = captured.outputs[0].data["text/html"]
    assert "text-align:left" in page and "text-align:right" not in page
    # the cell magic's options too, from its own parser
    for option in (
        "--run INPUT",
        "--as VAR",
        "--rankdir TB|LR",
        "--seed SEED",
        "--no-graph",
        "--type STANDARD|EXPRESS",
    ):
        assert f"<code>{option}</code>" in page, option
    for command in ("%sfn events EX", "%sfn timeline EX", "%sfn explore EX"):
        assert command in page


def test_sfn_events_and_timeline(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    from sfn_notebook.notebook.components import EventTable

    shell.run_line_magic("sfn", "run hello --as ex")
    table = shell.run_line_magic("sfn", "events ex")
    assert isinstance(table, EventTable) and len(table.rows) == 4
    timeline = shell.run_line_magic("sfn", "timeline ex")
    assert ">Hi</text>" in timeline._repr_html_()


def test_a_history_shows_as_an_event_table(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    import pandas as pd

    shell.run_line_magic("sfn", "run hello --as ex")
    history = shell.user_ns["ex"].history()
    formatter = shell.display_formatter.formatters["text/html"]
    page = formatter(history)
    assert page.count('<tr class="sfn-row') == 4 and "sfnTable(" in page
    assert "PassStateExited" in page and "&quot;greeting&quot;: &quot;hello&quot;" in page
    # filtered rows still show as events; a frame with other columns, and any other frame, as pandas shows it
    assert formatter(history[history["type"] == "PassStateExited"]).count('<tr class="sfn-row') == 1
    assert "sfn-row" not in formatter(history[["type", "state"]])
    assert "sfn-row" not in formatter(pd.DataFrame({"a": [1]}))
    assert type(history) is pd.DataFrame


def test_sfn_through_run_cell(shell: InteractiveShell, hello: sfn.StateMachine) -> None:
    result = shell.run_cell("%sfn run hello --as from_cell")
    assert result.success
    assert result.result is shell.user_ns["from_cell"]
    result = shell.run_cell("%sfn history missing")
    assert isinstance(result.error_in_exec, UsageError)


def test_sfn_callbacks_opens_the_callback_panel(shell: InteractiveShell) -> None:
    from sfn_notebook.notebook.callbacks import CallbackPanel

    resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    shell.user_ns["waiting"] = sfn.StateMachine(
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"},
                    "End": True,
                }
            },
        }
    ).run({}, resources={resource: lambda params: {}})
    panel = shell.run_line_magic("sfn", "callbacks waiting")
    assert isinstance(panel, CallbackPanel)
    panel.output_box.value = "[1]"
    panel.success_button.click()
    assert shell.user_ns["waiting"].output == [1]


def test_sfn_eval_evaluates_at_a_state_with_dollars_and_braces_kept(shell: InteractiveShell) -> None:
    shell.run_cell_magic("statemachine", "doubler --yaml --no-graph", LAMBDA)
    shell.user_ns["handlers"] = {"Double": lambda n: n * 2}
    shell.run_line_magic("sfn", "run doubler --input 21 --resources handlers --as ex")
    assert shell.run_line_magic("sfn", "eval ex $ --at Double") == 21
    assert shell.run_line_magic("sfn", "eval ex $ --at Double --output") == 42
    assert shell.run_line_magic("sfn", "eval ex $$.State.Name --at 2") == "Double"
    assert shell.run_line_magic("sfn", "eval ex {% $states.input + 1 %} --at Double") == 22
    assert shell.run_line_magic("sfn", "eval ex States.MathAdd($, 1) --at Double") == 22
    assert shell.run_line_magic("sfn", "eval ex {% 'a  b' & \"'\" %} --at Double --output") == "a  b'"
    assert shell.run_line_magic("sfn", "eval ex $ --output --at 'Double'") == 42
    shown = shell.run_line_magic("sfn", "eval ex $.nope --at Double")
    assert "States.Runtime" in shown.data
    with pytest.raises(UsageError, match="usage: %sfn eval"):
        shell.run_line_magic("sfn", "eval ex --at Double")
