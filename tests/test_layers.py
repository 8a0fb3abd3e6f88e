"""The package's layers: what the core, render and the notebook layer may import, and their sizes.

The core (asl, paths, engine, machine, execution, history, trace) never imports the notebook layer:
the widgets are reached through sfn_notebook.display, and the live view follows a run through
LocalExecution.subscribe().  render parses definitions with the parser, never through StateMachine.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sfn_notebook"
CORE = [
    "_json.py",
    "errors.py",
    "asl",
    "paths",
    "engine",
    "machine.py",
    "execution.py",
    "history.py",
    "trace.py",
]


def modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = PACKAGE / part
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def imported(path: Path, *, typing_too: bool = False) -> Iterator[str]:
    """Every module ``path`` imports, as an absolute name; lazy imports inside functions included."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if not typing_too:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            name = node.module or ""
            if node.level == 0:
                yield name
            else:
                yield f"{base}.{name}".rstrip(".")
                if node.module is None:  # from . import x
                    yield from (f"{base}.{alias.name}" for alias in node.names)


def test_the_imports_are_read_correctly() -> None:
    explorer = set(imported(PACKAGE / "notebook" / "explorer.py"))
    assert {"ipywidgets", "sfn_notebook.display", "sfn_notebook.history", "sfn_notebook.render"} <= explorer
    assert "sfn_notebook.notebook.explorer" in set(imported(PACKAGE / "notebook" / "widgets.py"))
    assert "sfn_notebook.notebook.widgets" in set(imported(PACKAGE / "display.py"))
    assert "sfn_notebook.machine" not in set(imported(PACKAGE / "render" / "draw.py"))
    assert "sfn_notebook.machine" in set(imported(PACKAGE / "render" / "draw.py", typing_too=True))


@pytest.mark.parametrize("path", modules(*CORE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_core_imports_nothing_from_the_notebook_layer(path: Path) -> None:
    wrong = [
        name for name in imported(path) if name.startswith(("sfn_notebook.notebook", "IPython", "ipywidgets"))
    ]
    assert wrong == []


@pytest.mark.parametrize("path", modules("render"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_render_builds_no_state_machine_or_execution(path: Path) -> None:
    wrong = [
        name
        for name in imported(path)
        if name in ("sfn_notebook.machine", "sfn_notebook.execution")
        or name.startswith("sfn_notebook.notebook")
    ]
    assert wrong == []


def test_running_and_drawing_leave_the_notebook_layer_unloaded() -> None:
    code = """
import sys
import sfn_notebook as sfn
from sfn_notebook.examples import GETTING_STARTED, getting_started_resources
sm = sfn.StateMachine(GETTING_STARTED)
ex = sm.run({"name": "Ada"}, resources=getting_started_resources())
background = sm.start({"name": "Bo"}, resources=getting_started_resources()).wait(timeout=30)
assert background.status == "SUCCEEDED", background.status
ex.graph().source, ex.history(), ex.trace()
print(sorted(m for m in sys.modules if m.startswith(("sfn_notebook.notebook", "IPython", "ipywidgets"))))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("path", modules("render"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_render_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 700


@pytest.mark.parametrize(
    "path", modules("render", "display.py", "notebook"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_function_over_a_hundred_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 100
    ]
    assert long == []
