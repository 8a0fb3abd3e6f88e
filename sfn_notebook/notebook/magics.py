"""IPython magics: ``%%statemachine`` to define, check and draw; ``%sfn`` to run and inspect.

Thin glue: every magic parses its arguments and calls the plain Python API.  Problems a user can
fix (an invalid definition, a bad option, an unknown variable) are raised as IPython's
``UsageError``, which a notebook shows as a short message rather than a traceback.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import HTML, display
from traitlets import Bool, CaselessStrEnum, Int

from ..display import GraphDisplay
from ..errors import DefinitionError, Diagnostic, format_diagnostics

__all__ = ["StateMachineMagics", "load_ipython_extension"]


def _parse_input(ns: dict[str, Any], text: str | None) -> Any:
    """``--input`` accepts JSON text or the name of a variable in the notebook."""
    if text is None:
        return {}
    stripped = text.strip()
    if stripped.isidentifier() and stripped in ns:
        return ns[stripped]
    try:
        return json.loads(stripped)
    except ValueError as exc:
        raise UsageError(
            f"--input must be JSON text (e.g. '{{\"x\": 1}}') or the name of a variable; {exc}"
        ) from None


@magics_class
class StateMachineMagics(Magics):
    """``%%statemachine`` and ``%sfn``. Options below can be set with ``%config StateMachineMagics.<name>``."""

    show_graph = Bool(True, help="Draw the graph under each %%statemachine cell.").tag(config=True)
    rankdir = CaselessStrEnum(["TB", "LR"], "TB", help="Graph layout: top-down (TB) or left-right (LR).").tag(
        config=True
    )
    max_diagnostics = Int(20, help="How many diagnostics to list for an invalid cell.").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        if shell is not None and self not in shell.configurables:
            shell.configurables.append(self)

    # ------------------------------------------------------------------ %%statemachine
    @magic_arguments()
    @argument("name", help="the variable to bind the StateMachine to (also its name)")
    @argument("--yaml", action="store_true", help="the cell is YAML (default: detected)")
    @argument("--json", action="store_true", help="the cell is JSON (default: detected)")
    @argument("--run", metavar="INPUT", help="run it locally with this input (JSON text or a variable name)")
    @argument(
        "--as", dest="as_", metavar="VAR", help="bind the execution of --run to VAR (default: <name>_ex)"
    )
    @argument("--no-graph", action="store_true", help="do not draw the graph")
    @argument("--rankdir", choices=["TB", "LR", "tb", "lr"], help="graph layout for this cell")
    @argument("--type", choices=["STANDARD", "EXPRESS"], default="STANDARD", help="the state machine type")
    @argument("--resources", metavar="VAR", help="a dict of task handlers for --run")
    @argument("--seed", type=int, help="seed for reproducible runs")
    @cell_magic
    def statemachine(self, line: str, cell: str) -> None:
        """Define a state machine from the cell (JSON or YAML), check it and draw it."""
        # split like a shell (IPython's own splitting keeps the quotes of --run '{"x": 1}')
        args = self.statemachine.parser.parse_args(_split(line))
        name = args.name
        if not name.isidentifier():
            raise UsageError(f"%%statemachine NAME: {name!r} is not a valid Python variable name")
        from ..machine import StateMachine

        fmt = "yaml" if args.yaml else "json" if args.json else None
        # the editor counts the %%statemachine line as line 1: so do the diagnostics shown here
        shown_text = f"%%statemachine {line}\n{cell}"
        try:
            sm = StateMachine(cell, name=name, format=fmt, type=args.type, source_name=f"cell {name}")
        except DefinitionError as exc:
            errors = _as_in_editor([d for d in exc.diagnostics if d.severity == "ERROR"])
            text = format_diagnostics(errors, shown_text, self.max_diagnostics)
            raise UsageError(
                f"{name}: invalid state machine definition ({len(errors)} error{'s' if len(errors) != 1 else ''})\n"
                + text
            ) from None
        except ValueError as exc:  # e.g. an invalid state machine name
            raise UsageError(str(exc)) from None
        self._ns[name] = sm
        if sm.diagnostics:
            display(_Diagnostics(_as_in_editor(sm.diagnostics), shown_text, self.max_diagnostics))
        if not (args.no_graph or not self.show_graph):
            rankdir = (args.rankdir or self.rankdir).upper()
            display(GraphDisplay(lambda: sm.graph(rankdir=rankdir), repr(sm)))
        if args.run is not None:
            resources = self._lookup(args.resources) if args.resources else None
            execution = sm.run(_parse_input(self._ns, args.run), resources=resources, seed=args.seed)
            self._ns[args.as_ or f"{name}_ex"] = execution
            display(execution)

    # ------------------------------------------------------------------ %sfn
    @line_magic
    @no_var_expand  # JSONPath's $ and JSONata's {% %} reach %sfn eval as typed
    def sfn(self, line: str) -> Any:
        """``%sfn run|graph|history|states|trace|explore|validate ...`` — ``%sfn help`` lists them."""
        head, _, tail = line.strip().partition(" ")
        if head == "eval":  # its expression is read as typed, not split like options
            return self._eval_line(tail)
        words = _split(line)
        if not words or words[0] in ("help", "-h", "--help"):
            display(HTML(_help_html(self.statemachine.parser)))
            return None
        command, rest = words[0], words[1:]
        handler = getattr(self, f"_sfn_{command.replace('-', '_')}", None)
        if handler is None:
            raise UsageError(f"%sfn: unknown command {command!r}; one of: {', '.join(_COMMANDS)}")
        return handler(rest)

    @property
    def _ns(self) -> dict[str, Any]:
        shell = self.shell
        if shell is None:
            raise UsageError("the sfn_notebook magics need an IPython shell")
        return shell.user_ns  # type: ignore[no-any-return]

    def _lookup(self, name: str) -> Any:
        if name not in self._ns:
            raise UsageError(f"no variable named {name!r} in the notebook")
        return self._ns[name]

    def _machine(self, name: str) -> Any:
        from ..machine import StateMachine

        value = self._lookup(name)
        if not isinstance(value, StateMachine):
            raise UsageError(f"{name!r} is a {type(value).__name__}, not a StateMachine")
        return value

    def _execution(self, name: str) -> Any:
        from ..execution import Execution

        value = self._lookup(name)
        if not isinstance(value, Execution):
            raise UsageError(f"{name!r} is a {type(value).__name__}, not an Execution")
        return value

    def _sfn_run(self, rest: list[str]) -> Any:
        args = _parse(self._run_parser, rest)
        sm = self._machine(args.machine)
        resources = self._lookup(args.resources) if args.resources else None
        payload = _parse_input(self._ns, args.input)
        if args.on is not None:
            execution = sm.run(payload, on=self._lookup(args.on))
        elif args.background:
            execution = sm.start(payload, resources=resources, seed=args.seed)
        else:
            execution = sm.run(payload, resources=resources, seed=args.seed)
        self._ns[args.as_ or f"{args.machine}_ex"] = execution
        return execution

    def _sfn_graph(self, rest: list[str]) -> Any:
        args = _parse(self._graph_parser, rest)
        value = self._lookup(args.target)
        if not hasattr(value, "graph"):
            raise UsageError(f"{args.target!r} is neither a StateMachine nor an Execution")
        return value.graph(rankdir=(args.rankdir or self.rankdir).upper())

    def _sfn_history(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "history EXECUTION")).history()

    def _sfn_states(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "states EXECUTION")).states()

    def _sfn_trace(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "trace EXECUTION")).trace()

    def _sfn_explore(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "explore EXECUTION")).explore()

    def _sfn_events(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "events EXECUTION")).event_table()

    def _sfn_timeline(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "timeline EXECUTION")).timeline()

    def _sfn_panel(self, rest: list[str]) -> Any:
        from .widgets import RunPanel

        return RunPanel(self._machine(_one(rest, "panel MACHINE")))

    def _sfn_callbacks(self, rest: list[str]) -> Any:
        return self._execution(_one(rest, "callbacks EXECUTION")).callbacks()

    def _eval_line(self, text: str) -> Any:
        """``%sfn eval EX EXPRESSION [--at STATE|ID] [--visit N] [--output] [--language L]``: the
        expression is taken as typed (quotes and spaces kept); the options come after it."""
        from ..errors import PathError, StatesError

        name, _, expression = text.strip().partition(" ")
        expression = " " + expression  # so an option right after the name is found as one
        options: dict[str, str] = {}
        output = False
        while True:
            found = _EVAL_OPTION.search(expression)
            if found is None:
                break
            if found.group("flag") is not None:
                output = True
            else:
                options.setdefault(found.group("name"), found.group("value").strip("'\""))
            expression = expression[: found.start()]
        if name == "" or expression.strip() == "":
            raise UsageError(
                "usage: %sfn eval EXECUTION EXPRESSION [--at STATE|ID] [--visit N] [--output] [--language L]"
            )
        execution = self._execution(name)
        at: Any = options.get("at")
        if isinstance(at, str) and at.isdigit():
            at = int(at)
        try:
            visit = int(options.get("visit", "0"))
        except ValueError:
            raise UsageError("%sfn eval: --visit takes a number") from None
        try:
            return execution.evaluate(
                expression.strip(), at, visit=visit, output=output, language=options.get("language")
            )
        except (StatesError, PathError, ValueError) as exc:  # shown, not a traceback
            return HTML(f"<span style='color:#d13212'>{html.escape(str(exc))}</span>")

    def _sfn_validate(self, rest: list[str]) -> Any:
        sm = self._machine(_one(rest, "validate MACHINE"))
        if not sm.diagnostics:
            return HTML(f"<b>{sm.name}</b>: valid, no warnings")
        return _Diagnostics(sm.diagnostics, sm.source.text, self.max_diagnostics)

    def _sfn_test_state(self, rest: list[str]) -> Any:
        args = _parse(self._test_state_parser, rest)
        sm = self._machine(args.machine)
        mock = _parse_input(self._ns, args.mock) if args.mock is not None else None
        if args.error is not None or args.cause is not None:
            if mock is not None:
                raise UsageError("--mock and --error/--cause are two ways to give the mock: use one")
            mock = {"errorOutput": {"error": args.error or "Error", "cause": args.cause or ""}}
        if mock is not None and not isinstance(mock, dict):
            raise UsageError('--mock is {"result": ...} or {"errorOutput": {"error": ..., "cause": ...}}')
        options: dict[str, Any] = {
            "inspection_level": args.level.upper(),
            "mock": mock,
            "variables": _parse_input(self._ns, args.variables) if args.variables is not None else None,
            "context": _parse_input(self._ns, args.context) if args.context is not None else None,
        }
        if args.retry_count is not None or args.failures is not None:
            config: dict[str, Any] = {}
            if args.retry_count is not None:
                config["retrierRetryCount"] = args.retry_count
            if args.failures is not None:
                config["mapIterationFailureCount"] = args.failures
            options["state_configuration"] = config
        if args.state not in sm.state_names:
            raise UsageError(
                f"no state named {args.state!r} in {sm.name}; states: {', '.join(sm.state_names)}"
            )
        from ..errors import AwsError

        try:
            if args.on is not None:
                result = sm.test_state(
                    args.state, _parse_input(self._ns, args.input), on=self._lookup(args.on), **options
                )
            else:
                resources = self._lookup(args.resources) if args.resources else None
                result = sm.test_state(
                    args.state, _parse_input(self._ns, args.input), resources=resources, **options
                )
        except AwsError as exc:  # the API refused the request: its words, not a traceback
            hint = f"\n{exc.hint}" if exc.hint else ""  # what to do about it (moto lacks TestState, ...)
            raise UsageError(f"TestState: {exc.code}: {exc.message}{hint}") from None
        self._ns[args.as_ or f"{args.machine}_test"] = result
        return result

    @property
    def _test_state_parser(self) -> Any:
        import argparse

        parser = argparse.ArgumentParser(prog="%sfn test-state", add_help=False)
        parser.add_argument("machine")
        parser.add_argument("state")
        parser.add_argument("--input", help="JSON text or a variable name")
        parser.add_argument(
            "--mock", help='{"result": ...} or {"errorOutput": {...}}: JSON text or a variable'
        )
        parser.add_argument("--error", help="mock the state's work failing with this error")
        parser.add_argument("--cause", help="... and this cause")
        parser.add_argument("--variables", help="workflow variables the state sees (JSON or a variable)")
        parser.add_argument("--context", help="the context object's fields (JSON or a variable)")
        parser.add_argument(
            "--level", default="DEBUG", choices=["INFO", "DEBUG", "TRACE", "info", "debug", "trace"]
        )
        parser.add_argument("--retry-count", type=int, help="retries already made (stateConfiguration)")
        parser.add_argument("--failures", type=int, help="failed Map iterations (stateConfiguration)")
        parser.add_argument("--resources")
        parser.add_argument("--on", help="an AWS backend variable (from sfn_notebook.aws.connect)")
        parser.add_argument("--as", dest="as_")
        return parser

    @property
    def _run_parser(self) -> Any:
        import argparse

        parser = argparse.ArgumentParser(prog="%sfn run", add_help=False)
        parser.add_argument("machine")
        parser.add_argument("--input", help="JSON text or a variable name")
        parser.add_argument("--as", dest="as_")
        parser.add_argument("--resources")
        parser.add_argument("--seed", type=int)
        parser.add_argument("--on", help="an AWS backend variable (from sfn_notebook.aws.connect)")
        parser.add_argument(
            "--background", action="store_true", help="start in the background with live progress"
        )
        return parser

    @property
    def _graph_parser(self) -> Any:
        import argparse

        parser = argparse.ArgumentParser(prog="%sfn graph", add_help=False)
        parser.add_argument("target")
        parser.add_argument("--rankdir", choices=["TB", "LR", "tb", "lr"])
        return parser


# an option at the end of a %sfn eval line (the expression before it is kept as typed)
_EVAL_OPTION = re.compile(
    r"\s+(?:--(?P<name>at|visit|language)\s+(?P<value>\"[^\"]*\"|'[^']*'|\S+)|(?P<flag>--output))\s*\Z"
)

_COMMANDS = [
    "run",
    "graph",
    "history",
    "events",
    "states",
    "trace",
    "timeline",
    "explore",
    "panel",
    "callbacks",
    "eval",
    "validate",
    "test-state",
    "help",
]
_SFN_HELP = [
    (
        "%sfn run SM [--input JSON|VAR] [--as VAR] [--resources VAR] [--seed N] [--background] [--on AWS]",
        "run locally (or on AWS) and bind the execution (default: SM_ex)",
    ),
    ("%sfn graph SM|EX [--rankdir LR]", "draw a machine or an execution"),
    ("%sfn history EX", "the events as a DataFrame (shown as a searchable event table)"),
    ("%sfn events EX", "the event table widget: search, filters, expandable rows"),
    ("%sfn states EX · %sfn trace EX", "a row per state visit · the data flow of each visit"),
    ("%sfn timeline EX", "the state visits over time"),
    ("%sfn explore EX", "the explorer: step through the events beside the graph"),
    ("%sfn panel SM", "a run panel: edit the input, run, see the result, explore it"),
    ("%sfn callbacks EX", "answer the task tokens a running execution waits for"),
    (
        "%sfn eval EX EXPRESSION [--at STATE|ID] [--output] [--visit N]",
        "evaluate a JSONPath, intrinsic or JSONata expression at a state visit or event",
    ),
    ("%sfn validate SM", "list the warnings"),
    (
        "%sfn test-state SM STATE [--input JSON|VAR] [--mock JSON|VAR | --error E --cause C] [--variables ...] "
        "[--context ...] [--level INFO|DEBUG|TRACE] [--on AWS] [--as VAR]",
        "test one state as AWS's TestState does: status, next state, the data after each stage",
    ),
]


def _help_html(parser: Any) -> str:
    """``%sfn help``: the commands, then the options of ``%%statemachine``, left-aligned."""
    cell = "style='text-align:left;vertical-align:top;padding:1px 12px 1px 0'"
    rows = [
        f"<tr><td {cell}><code>{html.escape(usage)}</code></td><td {cell}>{html.escape(what)}</td></tr>"
        for usage, what in _SFN_HELP
    ]
    options = []
    for action in parser._actions:
        if not action.option_strings and action.dest != "help":
            flag = action.dest.upper()
        elif action.option_strings:
            flag = ", ".join(action.option_strings)
            if action.metavar is not None:
                flag += f" {action.metavar}"
            elif action.choices is not None:
                flag += " " + "|".join(dict.fromkeys(str(c).upper() for c in action.choices))
            elif action.nargs != 0:
                flag += f" {action.dest.upper()}"
        else:
            continue
        options.append(
            f"<tr><td {cell}><code>{html.escape(flag)}</code></td><td {cell}>{html.escape(action.help or '')}</td></tr>"
        )
    return (
        "<div style='text-align:left'><b>%sfn</b> commands<table style='margin-left:0'>"
        + "".join(rows)
        + "</table><b>%%statemachine NAME [options]</b> (the cell holds the definition, JSON or YAML)"
        + "<table style='margin-left:0'>"
        + "".join(options)
        + '</table><small>Defaults: <code>%config StateMachineMagics.rankdir = "LR"</code>, '
        + "<code>.show_graph</code>, <code>.max_diagnostics</code>.</small></div>"
    )


def _as_in_editor(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics with the lines a notebook's editor shows: the cell's first line is the magic's."""
    return [d if d.line is None else dataclasses.replace(d, line=d.line + 1) for d in diagnostics]


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:  # e.g. an unclosed quote
        raise UsageError(f"cannot read the options {line.strip()!r}: {exc}") from None


def _one(rest: list[str], usage: str) -> str:
    if len(rest) != 1:
        raise UsageError(f"usage: %sfn {usage}")
    return rest[0]


def _parse(parser: Any, rest: list[str]) -> Any:
    try:
        return parser.parse_args(rest)
    except SystemExit:
        raise UsageError(f"usage: {parser.format_usage().strip()}") from None


class _Diagnostics:
    """Warnings (or errors) displayed with their source lines."""

    def __init__(self, diagnostics: list[Diagnostic], text: str | None, limit: int) -> None:
        self.diagnostics = diagnostics
        self.text = text
        self.limit = limit

    def __repr__(self) -> str:
        return format_diagnostics(self.diagnostics, self.text, self.limit)

    def _repr_html_(self) -> str:
        rows = []
        for d in self.diagnostics[: self.limit]:
            colour = "#b00020" if d.severity == "ERROR" else "#b36b00"
            where = f"line {d.line}" if d.line is not None else html.escape(d.pointer or "/")
            excerpt = "\n".join(d.excerpt(self.text))
            source = f"<pre style='margin:0'>{html.escape(excerpt)}</pre>" if excerpt else ""
            rows.append(
                f"<li><span style='color:{colour};font-weight:bold'>{d.severity.lower()}</span> "
                f"<code>{where}</code>: {html.escape(d.message)} <small>[{d.code}]</small>{source}</li>"
            )
        more = len(self.diagnostics) - self.limit
        tail = f"<li>... and {more} more</li>" if more > 0 else ""
        return f"<ul style='margin:0'>{''.join(rows)}{tail}</ul>"


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(StateMachineMagics(ipython))
    _show_histories_as_tables(ipython)


def _show_histories_as_tables(ipython: Any) -> None:
    """``ex.history()`` (a plain DataFrame, its rows filtered or not) shows as an event table."""
    formatter = ipython.display_formatter.formatters["text/html"]
    for module in ("pandas", "pandas.core.frame"):  # where pandas says DataFrame lives, by version
        formatter.for_type_by_name(module, "DataFrame", history_html)


def history_html(frame: Any) -> str | None:
    """The event table of a history DataFrame; any other DataFrame as pandas shows it."""
    from ..history import HISTORY_COLUMNS
    from ..render.html import frame_table_html, style_tag

    if frame.attrs.get("sfn_notebook") != "history" or list(frame.columns) != HISTORY_COLUMNS:
        return frame._repr_html_()  # type: ignore[no-any-return]
    return (
        f"<div class='sfn-history tex2jax_ignore mathjax_ignore'>{style_tag()}{frame_table_html(frame)}</div>"
    )
