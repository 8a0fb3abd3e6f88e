"""The ``sfn-notebook`` command: validate, render, run and demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

_TABLE_COLUMNS = ["id", "elapsed", "type", "state", "input", "output", "error"]


def _load(path: str) -> Any:
    """The StateMachine in ``path``, or None after printing why it is not valid (or not readable)."""
    from .errors import DefinitionError
    from .machine import StateMachine

    try:
        return StateMachine.load(path)
    except DefinitionError as exc:
        print(str(exc), file=sys.stderr)
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
    return None


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
    fmt = args.format or (output.suffix.lstrip(".") or "svg")
    from .render.dot import GraphvizNotFound, pipe

    try:
        data = pipe(sm.graph(rankdir=args.rankdir), fmt)
    except GraphvizNotFound as exc:
        print(str(exc), file=sys.stderr)
        return 1
    output.write_bytes(data)
    print(f"wrote {output} ({len(data)} bytes)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    sm = _load(args.file)
    if sm is None:
        return 1
    if args.input_file:
        payload = json.loads(Path(args.input_file).read_text(encoding="utf-8"))
    else:
        try:
            payload = json.loads(args.input)
        except ValueError as exc:
            print(f"--input is not JSON: {exc}", file=sys.stderr)
            return 2
    resources: dict[str, Any] = {}
    for spec in args.handler or []:
        name, _, target = spec.partition("=")
        module_name, _, attr = target.partition(":")
        if not (name and module_name and attr):
            print(f"--handler takes NAME=module:function, got {spec!r}", file=sys.stderr)
            return 2
        import importlib

        resources[name] = getattr(importlib.import_module(module_name), attr)
    execution = sm.run(payload, resources=resources, seed=args.seed)
    _print_table(execution, sys.stdout)
    _print_result(execution, sys.stdout)
    return 0 if execution.status == "SUCCEEDED" else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    render.add_argument(
        "--format", choices=["svg", "png", "pdf", "dot"], help="default: from the file suffix"
    )
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
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
