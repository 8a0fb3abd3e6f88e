"""The ``sfn-notebook`` command: validate, render, run and demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]

_FORMATS = ("svg", "png", "pdf", "dot")
_TABLE_COLUMNS = ["id", "elapsed", "type", "state", "input", "output", "error"]


def _load(path: str) -> Any:
    """The StateMachine in ``path``, or None after printing why it is not valid (or not readable)."""
    from .errors import DefinitionError
    from .machine import StateMachine

    try:
        return StateMachine.load(path)
    except DefinitionError as exc:
        print(str(exc), file=sys.stderr)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"cannot read {path}: {_reason(exc)}", file=sys.stderr)
    except RecursionError:
        print(f"cannot read {path}: it is nested too deeply", file=sys.stderr)
    return None


def _reason(exc: BaseException) -> str:
    """What went wrong, in one line, without the Python exception's class."""
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _error(message: str, code: int = 2) -> int:
    """Print ``message`` as the command's one line on stderr; returns the exit code."""
    print(f"sfn-notebook: {message}", file=sys.stderr)
    return code


def _print_table(execution: Any, out: Any) -> None:
    import pandas as pd

    frame = execution.history().reset_index()[_TABLE_COLUMNS].copy()
    frame["elapsed"] = frame["elapsed"].map(lambda seconds: f"{seconds:.3f}s")
    for column in ("input", "output"):
        frame[column] = frame[column].map(lambda v: "" if v is None else _short(json.dumps(v)))
    frame = frame.fillna("")
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(frame.to_string(index=False), file=out)


def _short(text: str, limit: int = 56) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _print_result(execution: Any, out: Any) -> None:
    print(f"\nstatus: {execution.status}", file=out)
    if execution.status == "SUCCEEDED":
        print("output: " + json.dumps(execution.output, indent=2), file=out)
    else:
        print(f"error:  {execution.error}\ncause:  {execution.cause}", file=out)
    for note in getattr(execution, "notes", []):
        print(f"note:   {note}", file=out)


def cmd_demo(args: argparse.Namespace) -> int:
    from .examples import GETTING_STARTED, getting_started_resources
    from .machine import StateMachine

    sm = StateMachine(GETTING_STARTED, name="GettingStarted")
    payload = {"name": args.name}
    print("Running the getting-started state machine on the local engine:", file=sys.stdout)
    print(f"  {' -> '.join(sm.state_names)}   input: {json.dumps(payload)}\n")
    execution = sm.run(payload, resources=getting_started_resources())
    _print_table(execution, sys.stdout)
    _print_result(execution, sys.stdout)
    return 0 if execution.status == "SUCCEEDED" else 1


def cmd_validate(args: argparse.Namespace) -> int:
    sm = _load(args.file)
    if sm is None:
        return 1
    if sm.diagnostics:
        from .errors import format_diagnostics

        print(format_diagnostics(sm.diagnostics, sm.source.text))
    print(f"{args.file}: valid ({len(sm.state_names)} states, {len(sm.diagnostics)} warnings)")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    sm = _load(args.file)
    if sm is None:
        return 1
    output = Path(args.output)
    fmt = args.format or (output.suffix.lstrip(".").lower() or "svg")
    if fmt not in _FORMATS:
        return _error(
            f"cannot tell the format of {output.name!r}: use a .svg, .png, .pdf or .dot name, or --format"
        )
    if not output.parent.is_dir():
        return _error(f"cannot write {output}: the directory {str(output.parent)!r} does not exist")
    from .render.dot import GraphvizNotFound, pipe

    try:
        data = pipe(sm.graph(rankdir=args.rankdir), fmt)
    except GraphvizNotFound as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # dot failed on it: say so in a line
        return _error(f"cannot draw {args.file}: {type(exc).__name__}: {_reason(exc)}", 1)
    try:
        output.write_bytes(data)
    except OSError as exc:
        return _error(f"cannot write {output}: {_reason(exc)}", 1)
    print(f"wrote {output} ({len(data)} bytes)")
    return 0


def _read_input(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The execution input from --input or --input-file, or why it cannot be used."""
    from ._json import loads_strict

    if args.input_file:
        try:
            text = Path(args.input_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return None, f"cannot read the input file {args.input_file}: {_reason(exc)}"
        where = f"the input file {args.input_file}"
    else:
        text, where = args.input, "--input"
    try:
        # as StartExecution reads it: no NaN or Infinity, no number beyond a double
        return loads_strict(text), None
    except RecursionError:
        return None, f"{where} is nested too deeply"
    except ValueError as exc:
        return None, f"{where} is not JSON: {_reason(exc)}"


def _load_handler(spec: str) -> tuple[str, Any, str | None]:
    """``NAME=module:function`` as (name, handler), or why it cannot be loaded."""
    name, _, target = spec.partition("=")
    module_name, _, attr = target.partition(":")
    if not (name and module_name and attr):
        return name, None, f"--handler takes NAME=module:function, got {spec!r}"
    import importlib

    # as `python -m` does, modules in the current directory can be named
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return name, None, f"--handler {spec}: no module named {module_name!r} (from {os.getcwd()})"
        return name, None, f"--handler {spec}: importing {module_name} failed: {_reason(exc)}"
    except Exception as exc:  # the module itself raised while loading: its error in one line
        return (
            name,
            None,
            f"--handler {spec}: importing {module_name} failed: {type(exc).__name__}: {_reason(exc)}",
        )
    handler: Any = module
    for part in attr.split("."):
        handler = getattr(handler, part, None)
        if handler is None:
            return name, None, f"--handler {spec}: the module {module_name} has no {attr!r}"
    if not callable(handler):
        return name, None, f"--handler {spec}: {module_name}.{attr} is not a function"
    return name, handler, None


def cmd_run(args: argparse.Namespace) -> int:
    sm = _load(args.file)
    if sm is None:
        return 1
    payload, problem = _read_input(args)
    if problem is not None:
        return _error(problem)
    resources: dict[str, Any] = {}
    for spec in args.handler or []:
        name, handler, problem = _load_handler(spec)
        if problem is not None:
            return _error(problem)
        resources[name] = handler
    try:
        execution = sm.run(payload, resources=resources, seed=args.seed)
    except (TypeError, ValueError) as exc:  # an input StartExecution would refuse (too large, ...)
        return _error(f"the input cannot be used: {_reason(exc)}")
    _print_table(execution, sys.stdout)
    _print_result(execution, sys.stdout)
    return 0 if execution.status == "SUCCEEDED" else 1


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (what was wrong, and where the usage is)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sfn-notebook", description="Validate, draw and run AWS Step Functions state machines locally."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the getting-started tutorial on the local engine")
    demo.add_argument("--name", default="Ada", help="the name to greet (default: Ada)")
    demo.set_defaults(func=cmd_demo)
    validate = sub.add_parser("validate", help="check a definition file (JSON or YAML)")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_validate)
    render = sub.add_parser("render", help="draw a definition as SVG or PNG")
    render.add_argument("file")
    render.add_argument("-o", "--output", required=True, help="output file (.svg or .png)")
    render.add_argument("--format", choices=list(_FORMATS), help="default: from the file suffix")
    render.add_argument(
        "--rankdir", choices=["TB", "LR"], default="TB", help="top-down (TB) or left-right (LR)"
    )
    render.set_defaults(func=cmd_render)
    run = sub.add_parser("run", help="run a definition on the local engine and print its history")
    run.add_argument("file")
    run.add_argument("--input", default="{}", help="the execution input as JSON text (default: {})")
    run.add_argument("--input-file", help="read the input from a JSON file")
    run.add_argument(
        "--handler",
        action="append",
        metavar="NAME=module:function",
        help="a Python stand-in for a task resource",
    )
    run.add_argument("--seed", type=int, help="make random values reproducible")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return _error("interrupted", 130)
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return 1
    except Exception as exc:  # never a traceback: what went wrong, in one line
        return _error(f"{type(exc).__name__}: {_reason(exc)}", 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
