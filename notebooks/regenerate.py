"""Run the tutorials and store them with their outputs: ``python notebooks/regenerate.py [NAME...]``.

Each notebook runs top to bottom in a fresh ``python3`` kernel, in this folder, with no AWS
settings (so the getting-started notebook's AWS cells skip themselves) and with the clock of
every run that gives no ``start_time`` starting at :data:`START_TIME` (``SFN_NOTEBOOK_START_TIME``):
the stored outputs are the same each time.  What is stored is what a reader without a kernel can
see: each widget's static copy stays, the widget views (which need the kernel that made them) and
any saved widget state are left out, and so are the cells' timings.

``tests/notebook/test_notebooks.py`` runs them the same way and checks that the stored outputs are
current (:func:`comparable` sets aside what changes from run to run, such as a stopwatch's reading).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbclient
import nbformat

FOLDER = Path(__file__).resolve().parent
START_TIME = "2025-01-01T09:00:00Z"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 120

# what differs between two runs of the same notebook: a reading of the real clock
VOLATILE = [
    (re.compile(r"in \d+\.\d+ s of real time"), "in … s of real time"),
    (re.compile(r"/tmp/ipykernel_\d+/"), "/tmp/ipykernel_…/"),  # where a cell's code is, in a traceback
]
_DIGITS = re.compile(r"\d+(\.\d+)?")
_SVG_URI = re.compile(r"data:image/svg\+xml,[^\"']*")


def kernel_env(home: Path, **extra: str) -> dict[str, str]:
    """The kernel's environment: no AWS settings of the user's, dummy files, the fixed clock."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "SFN_NOTEBOOK_", "SFN_MOCK_")) and k != "BOTO_CONFIG"
    }
    env.update(
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        IPYTHONDIR=str(home / "ipython"),
        MPLBACKEND="agg",
        SFN_NOTEBOOK_START_TIME=START_TIME,
    )
    env.update(extra)
    return env


def execute(path: Path, env: dict[str, str]) -> Any:
    """Run every cell of a notebook in a fresh kernel; raises on the first failing cell."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(FOLDER)}},
    )
    client.execute(env=env)
    return notebook


def clean(notebook: Any) -> Any:
    """Keep what a reader without a kernel sees: widget views and saved widget state go."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        cell.outputs = [o for o in cell.outputs if not (o.get("data") and set(o["data"]) == {WIDGET_VIEW})]
        for output in cell.outputs:
            if "data" in output:
                output["data"].pop(WIDGET_VIEW, None)
    return notebook


def comparable(notebook: Any) -> list[list[Any]]:
    """The outputs of each code cell, with what varies between runs set aside: readings of the
    real clock, and the coordinates in pictures drawn by ``dot`` (a system Graphviz lays them out a
    little differently from graphviz-pure)."""

    def tidy(value: Any, picture: bool = False) -> Any:
        if isinstance(value, str):
            for pattern, replacement in VOLATILE:
                value = pattern.sub(replacement, value)
            value = _SVG_URI.sub(lambda m: _DIGITS.sub("0", m.group(0)), value)
            return _DIGITS.sub("0", value) if picture else value
        if isinstance(value, list):
            return [tidy(item, picture) for item in value]
        if isinstance(value, dict):
            return {k: tidy(v, picture or k == "image/svg+xml") for k, v in value.items()}
        return value

    cells = [cell for cell in clean(notebook).cells if cell.cell_type == "code"]
    return [_streams_joined([tidy(dict(output)) for output in cell.outputs]) for cell in cells]


def _streams_joined(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Printed text as one output per stream: the kernel splits it into chunks as it flushes."""
    joined: list[dict[str, Any]] = []
    for output in outputs:
        last = joined[-1] if joined else None
        if output["output_type"] == "stream" and last is not None and last["output_type"] == "stream":
            if last["name"] == output["name"]:
                last["text"] += output["text"]
                continue
        joined.append(dict(output))
    return joined


def regenerate(path: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        notebook = clean(execute(path, kernel_env(Path(home))))
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def main(names: list[str]) -> int:
    paths = [FOLDER / (n if n.endswith(".ipynb") else f"{n}.ipynb") for n in names] or sorted(
        FOLDER.glob("*.ipynb")
    )
    for path in paths:
        print(f"running {path.name}", flush=True)
        regenerate(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
