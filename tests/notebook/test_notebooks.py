"""The tutorials in notebooks/ run from top to bottom in a real Jupyter kernel, and are stored executed.

Each notebook is executed with nbclient in the ``python3`` kernel of this environment, with
``notebooks/`` as its working directory, as ``notebooks/regenerate.py`` runs it; any cell error
fails the test, and so do stored outputs that are not what the notebook gives now (run
``python notebooks/regenerate.py`` to store them again).  The getting-started
notebook's AWS section runs against a moto server started here (``SFN_NOTEBOOK_ENDPOINT_URL``):
it deploys the functions, roles and machine (running them needs Docker, and is skipped without), and
once more with no endpoint and no opt-in to AWS, where it must skip itself quietly.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.moto_server import REGION, MotoServer

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
import regenerate  # noqa: E402  (notebooks/regenerate.py)

sys.path.remove(str(NOTEBOOKS))
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
GETTING_STARTED = NOTEBOOKS / "01_getting_started.ipynb"

SECONDS_PER_NOTEBOOK = 60  # generous: the tutorials are meant to run in well under 20 s


def test_notebooks_are_found() -> None:
    assert [p.name for p in PATHS] == [
        "01_getting_started.ipynb",
        "02_error_handling.ipynb",
        "03_parallel_and_map.ipynb",
        "04_data_stores.ipynb",
        "05_debugging.ipynb",
        "06_testing.ipynb",
    ]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_is_stored_executed(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert "widgets" not in notebook.metadata  # no saved widget state: the static copies show instead
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        for output in cell.outputs:
            assert output["output_type"] != "error", f"{path.name}: a cell was stored with an error"
            assert regenerate.WIDGET_VIEW not in output.get("data", {}), "a widget view needs its kernel"
    assert svgs(notebook), "a static viewer shows the graphs"
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert "%load_ext sfn_notebook" in sources


def kernel_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The kernel's environment: no AWS settings of the user's, dummy credentials, the fixed clock."""
    return regenerate.kernel_env(tmp_path, **extra)


def execute(path: Path, env: dict[str, str]) -> tuple[Any, float]:
    """Run every cell of a notebook in a fresh kernel; returns the executed notebook and its duration."""
    started = time.monotonic()
    notebook = regenerate.execute(path, env)  # raises CellExecutionError on the first failing cell
    return notebook, time.monotonic() - started


def outputs(notebook: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(cell source, output) for every output of every code cell."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for output in cell.outputs:
                yield cell.source, output


def texts(notebook: Any) -> list[str]:
    """The text of every output: each cell's printed text (one string, however the kernel
    flushed it into stream chunks), and the text/plain of results and displays."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        printed = "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream")
        if printed:
            found.append(printed)
        found.extend(o["data"].get("text/plain", "") for o in cell.outputs if "data" in o)
    return found


def svgs(notebook: Any) -> list[str]:
    return [
        output["data"]["image/svg+xml"]
        for _, output in outputs(notebook)
        if output["output_type"] in ("display_data", "execute_result")
        and "image/svg+xml" in output.get("data", {})
    ]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    pytest.importorskip("moto")
    server = MotoServer().start()
    yield server.url
    server.stop()


@pytest.mark.slow
@pytest.mark.exe
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_stored_outputs_are_current(path: Path, tmp_path: Path) -> None:
    stored = nbformat.read(path, as_version=4)
    notebook, seconds = execute(path, kernel_env(tmp_path))
    assert seconds < SECONDS_PER_NOTEBOOK
    assert not [o for _, o in outputs(notebook) if o["output_type"] == "error"]
    assert svgs(notebook), "every tutorial draws at least one graph"
    assert all("<svg" in svg for svg in svgs(notebook))
    fresh, kept = regenerate.comparable(notebook), regenerate.comparable(stored)
    assert len(fresh) == len(kept)
    for index, (now, before) in enumerate(zip(fresh, kept)):
        assert now == before, (
            f"{path.name}: code cell {index + 1} gives other outputs now; run notebooks/regenerate.py"
        )
    if path == GETTING_STARTED:  # no endpoint, no opt-in to AWS: the AWS section skips itself
        found = texts(notebook)
        assert any("The AWS cells are skipped" in text for text in found)
        assert any("skipped: not connected" in text for text in found)
        assert not any("AwsExecution" in text for text in found)


@pytest.mark.slow
@pytest.mark.exe
def test_getting_started_runs_on_moto(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto's service integrations call Lambda at localhost:$MOTO_PORT, in the server's own process (this one)
    monkeypatch.setenv("MOTO_PORT", moto_endpoint.rsplit(":", 1)[1])
    env = kernel_env(
        tmp_path,
        SFN_NOTEBOOK_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )
    notebook, seconds = execute(GETTING_STARTED, env)
    assert seconds < SECONDS_PER_NOTEBOOK
    found = texts(notebook)

    # the local part: the graph of the %%statemachine cell, the history DataFrame, the explorer
    displays = [o for source, o in outputs(notebook) if source.startswith("%%statemachine hello")]
    assert any("image/svg+xml" in o.get("data", {}) and o["output_type"] == "display_data" for o in displays)
    assert any(">Greet<" in svg and ">Shout<" in svg for svg in svgs(notebook))
    html = [o["data"]["text/html"] for _, o in outputs(notebook) if "text/html" in o.get("data", {})]
    assert any("<table" in h and "ExecutionStarted" in h and "LambdaFunctionSucceeded" in h for h in html)
    # the explorer: its static copy, then the widget view
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    explorer = next(cell for cell in code if cell.source.strip() == "ex.explore()")
    kinds = [sorted(o.get("data", {})) for o in explorer.outputs]
    assert kinds == [["text/html", "text/plain"], ["application/vnd.jupyter.widget-view+json"]]
    assert 'class="sfn-static tex2jax_ignore' in explorer.outputs[0]["data"]["text/html"]
    assert any("HELLO, ADA!" in text for text in found)

    # the AWS section on moto: the notebook's greet packaged from its cell, then deployed with Shout,
    # the roles and the machine; deployed again without a change; deleted whole
    greet_arn = "arn:aws:lambda:us-east-1:123456789012:function:Greet"
    assert any(f"Connected to the emulator at {moto_endpoint}" in text for text in found)
    assert any("handler = lambda_function.greet" in t and "def greet(event, context):" in t for t in found)
    deployed = next(t for t in found if t.startswith("state machine hello"))
    for kind, name in [("function", "Greet"), ("function", "Shout"), ("role", "StepFunctions-hello-role")]:
        assert re.search(rf"^{kind} {name} +created +arn:", deployed, re.MULTILINE), deployed
    policy = next(t for t in found if '"lambda:InvokeFunction"' in t)
    assert greet_arn in policy and greet_arn.replace("Greet", "Shout") in policy
    assert any(
        f"Greet runs {greet_arn}" in t and "it runs locally too: {'message': 'HELLO, BOB!'" in t
        for t in found
    )
    assert any("changed: False" in text for text in found)
    removed = next(t for t in found if t.startswith("deleted arn:aws:states:"))
    assert (
        f"deleted {greet_arn}" in removed and "role/service-role/StepFunctions-hello-lambda-role" in removed
    )

    # the execution needs Docker on moto: it runs where Docker answers, else it is skipped with the reason
    skipped = [t for t in found if "skipped" in t]
    if any("executionArn" in t and "startDate" in t for t in found):
        assert any("AwsExecution" in t and "SUCCEEDED" in t for t in found)
        assert any("aws and local are the same" in text for text in found)
        assert any("attached:" in text and "SUCCEEDED" in text for text in found)
        assert skipped == []
    else:
        assert (
            skipped[0]
            == "skipped: the emulator runs Lambda functions in Docker, and no Docker daemon answers here\n"
        )
        assert set(skipped[1:]) <= {"skipped: no execution\n", "'skipped: no execution'"}
        assert len(skipped) == 6  # the start, then each cell that follows the execution
