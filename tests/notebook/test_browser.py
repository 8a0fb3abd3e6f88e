"""End to end: JupyterLab in headless Chromium, as a person uses it, at 1400 × 1000.

The tests start JupyterLab on 127.0.0.1 (a free port, a token, a temporary root directory holding a
copy of ``notebooks/01_getting_started.ipynb`` and a notebook written here), open the notebooks in the
system's Chromium driven by Playwright (no browser download) and run every cell from the Run menu.
The getting-started notebook shows its graphs and the explorer.  A 300-state execution fits its
viewport on "Fit", zooms and pans, keeps the current state in view while stepping, and a click on a
node chooses its state; every event of a 110-event failing run is reachable in the event table, whose
search finds the failure; the notebook, saved, reopened after its kernel is gone and exported by
nbconvert, shows the graphs and event tables, with no widget error and no widget repr.  They are
skipped when Chromium, Playwright or JupyterLab is missing (.ci/run installs Chromium).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_getting_started.ipynb"
SCALE = Path(__file__).resolve().parent / "scale.py"
SCALE_CELLS = [
    "import sfn_notebook as sfn\n%load_ext sfn_notebook\nfrom scale import big_run, failing_run",
    "big = big_run()\nbig.explore()",
    "failing = failing_run()\nfailing.history()",
    "failing.explore()",
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
RUN_TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.slow, pytest.mark.exe]  # the page shows the graphs dot draws


def _requirements() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
    )
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install jupyterlab)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_settings(settings: Path) -> None:
    """User settings for this JupyterLab only: render every cell, fetch no news, check no updates."""
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A JupyterLab server on 127.0.0.1; yields (base URL, token, its root directory)."""
    _requirements()
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    shutil.copy(SCALE, root / "scale.py")
    _write_scale_notebook(root / "scale.ipynb")
    home = tmp_path / "jupyter"
    _write_settings(home / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "SFN_NOTEBOOK_", "JUPYTER_", "JUPYTERLAB_"))
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        # the notebook's AWS section must skip itself: no role, no endpoint, no credentials files
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True",  # CI containers often run as root
        "--ServerApp.terminals_enabled=False",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(server, f"{url}/api/status?token={token}", tmp_path / "jupyterlab.log")
        yield url, token, root  # type: ignore[misc]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _wait_for_server(server: subprocess.Popen[Any], status_url: str, log: Path, timeout: float = 90) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with opener.open(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise AssertionError(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def test_getting_started_in_jupyterlab(jupyterlab: tuple[str, str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, token, _ = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = _open(browser, f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
            _run_all(page)

            # the graphs of the %%statemachine cell and of the executions: viewports holding the SVG
            graphs = page.locator(".sfn-graph .sfn-live-viewport svg")
            graphs.first.wait_for(state="attached")
            assert graphs.count() >= 3
            texts = " ".join(graphs.first.locator("text").all_text_contents())
            assert "Greet" in texts and "Shout" in texts
            # the history: an event table, every event of the run
            history = page.locator(".sfn-history").first
            assert history.locator("tr.sfn-row").count() == 12

            # the explorer: its graph (a viewport with the states' names), its slider
            explorer = page.locator(".sfn-explorer").first
            explorer.scroll_into_view_if_needed()
            explorer.wait_for(state="visible")
            graph = explorer.locator(".sfn-graphview svg")
            graph.wait_for(state="attached")
            labels = graph.locator("text").all_text_contents()
            assert "Greet" in labels and "Shout" in labels
            # and its static copy, hidden while the widget lives
            assert not page.locator(".sfn-static").first.is_visible()

            # the explorer reacts: the next-event button moves the slider and the label follows
            label = explorer.locator(".widget-html-content", has_text="ExecutionStarted").first
            assert "(1 of 12)" in (label.text_content() or "")
            explorer.locator("button[title='next event']").click()
            explorer.locator(".widget-html-content", has_text="TaskStateEntered").first.wait_for()
            explorer.locator("g.node.sfn-current").first.wait_for(state="attached")

            # the AWS section skipped itself, with an explanation
            skipped = page.locator(".jp-OutputArea-output", has_text="The AWS cells are skipped")
            assert skipped.count() == 1
        finally:
            browser.close()


def test_big_graphs_long_histories_and_a_saved_notebook(jupyterlab: tuple[str, str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, token, root = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = _open(browser, f"{url}/lab/tree/scale.ipynb?token={token}")
            _run_all(page)
            _a_300_state_graph(page)
            _every_event_of_a_110_event_run(page)

            # saved, its kernel shut down, reopened: the static copies show, no widget error
            page.keyboard.press("Control+s")
            page.locator(".jp-mod-dirty").first.wait_for(state="detached")
            _shut_down_kernels(url, token)
            page = _open(browser, f"{url}/lab/tree/scale.ipynb?token={token}")
            copies = page.locator(".sfn-static.sfn-execution")
            copies.first.wait_for(state="visible")
            assert copies.count() == 2 and all(copy.is_visible() for copy in copies.all())
            assert page.locator(".sfn-static .sfn-live-viewport svg").count() == 2  # graphs in viewports
            assert page.locator(".sfn-history tr.sfn-row").count() == 110
            _no_widget_error_or_repr(page)
            copies.nth(1).locator("tr.sfn-row.sfn-fail").first.wait_for(state="attached")
        finally:
            browser.close()
        _the_html_export_shows_the_copies(playwright, root / "scale.ipynb")


def _a_300_state_graph(page: Any) -> None:
    explorer = page.locator(".sfn-explorer").first
    explorer.scroll_into_view_if_needed()
    stage = explorer.locator(".sfn-graphview .sfn-stage")
    stage.wait_for(state="visible")
    svg = stage.locator("svg")
    svg.wait_for(state="attached")
    assert len(svg.locator("g.node").all()) >= 300

    # fit: the whole graph inside its box
    explorer.locator("button.sfn-tool", has_text=re.compile(r"^Fit$")).click()
    box = stage.bounding_box()
    drawn = svg.bounding_box()
    assert box is not None and drawn is not None
    assert drawn["x"] >= box["x"] - 1 and drawn["x"] + drawn["width"] <= box["x"] + box["width"] + 1
    assert drawn["y"] >= box["y"] - 1 and drawn["y"] + drawn["height"] <= box["y"] + box["height"] + 1
    zoom = explorer.locator(".sfn-zoom")
    fitted = zoom.text_content()

    # zoom in, then pan by dragging
    explorer.locator("button.sfn-tool", has_text="+").click()
    assert zoom.text_content() != fitted
    before = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 80, steps=5)
    page.mouse.up()
    after = svg.bounding_box()
    assert before is not None and after is not None
    assert abs(after["x"] - before["x"] - 120) < 2 and abs(after["y"] - before["y"] - 80) < 2

    # stepping: the current state stays in view
    explorer.locator("button.sfn-tool", has_text="1:1").click()
    for _ in range(3):
        explorer.locator("button[title='last event']").click()
        page.wait_for_timeout(300)
        _in_view(explorer.locator("g.node.sfn-current"), stage)
        explorer.locator("button[title='previous event']").click()
        page.wait_for_timeout(300)
        _in_view(explorer.locator("g.node.sfn-current"), stage)
        explorer.locator("button[title='first event']").click()
        page.wait_for_timeout(300)
        _in_view(explorer.locator("g.node.sfn-current"), stage)

    # a click on a node chooses its state
    node = svg.locator("g.node", has=page.locator("text", has_text="Step 002")).first
    node.click()
    state = explorer.locator("select").first
    page.wait_for_function("s => s.value === 'Step 002'", arg=state.element_handle())
    explorer.locator(".widget-html-content", has_text="state Step 002").first.wait_for()


def _in_view(node: Any, stage: Any) -> None:
    node.wait_for(state="attached")
    for _ in range(20):  # the viewport glides to it in a fraction of a second
        box, seen = stage.bounding_box(), node.bounding_box()
        inside = (
            box is not None
            and seen is not None
            and seen["x"] >= box["x"]
            and seen["x"] + seen["width"] <= box["x"] + box["width"]
            and seen["y"] >= box["y"]
            and seen["y"] + seen["height"] <= box["y"] + box["height"]
        )
        if inside:
            return
        node.page.wait_for_timeout(100)
    raise AssertionError(f"the current state is out of view: {seen} outside {box}")


def _every_event_of_a_110_event_run(page: Any) -> None:
    # the history DataFrame as an event table: all 110 rows, the last one reachable by scrolling
    history = page.locator(".sfn-history").first
    history.scroll_into_view_if_needed()
    rows = history.locator("tr.sfn-row")
    assert rows.count() == 110
    rows.nth(109).scroll_into_view_if_needed()
    assert rows.nth(109).is_visible() and "ExecutionFailed" in (rows.nth(109).text_content() or "")
    history.locator("input.sfn-search").fill("busy")
    history.locator(".sfn-count", has_text="5 of 110 events").wait_for()

    # the explorer's Events view: every row, the search, and a click that moves the explorer
    explorer = page.locator(".sfn-explorer").nth(1)
    explorer.scroll_into_view_if_needed()
    explorer.locator(".lm-TabBar-tab", has_text="Events").click()
    table = explorer.locator(".sfn-table").first  # (the Map runs view has one for an item)
    table.locator(".sfn-count", has_text="110 of 110 events").wait_for()
    assert table.locator("tr.sfn-row").count() == 110
    last = table.locator("tr.sfn-row").nth(109)
    last.scroll_into_view_if_needed()
    assert last.is_visible()
    last.click()
    explorer.locator(".widget-html-content", has_text="#110 ExecutionFailed").first.wait_for()
    table.locator("tr.sfn-expanded").first.wait_for()  # the row unfolded its JSON
    table.locator("input.sfn-search").fill("ExecutionFailed")
    table.locator(".sfn-count", has_text="1 of 110 events").wait_for()
    failed = table.locator("tr.sfn-row.sfn-fail")
    assert failed.count() == 1

    # full tab titles, JSON that scrolls rather than wraps
    for title in ("Input", "Output", "Error", "Data flow", "Variables", "Event"):
        tab = explorer.locator(".sfn-side .lm-TabBar-tab", has_text=title).first
        label = tab.locator(".lm-TabBar-tabLabel")
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), f"the {title} tab's title is cut"
    explorer.locator(".sfn-side .lm-TabBar-tab", has_text="Event").first.click()
    tree = explorer.locator(".sfn-side .sfn-j-tree").last
    tree.wait_for(state="visible")
    assert tree.evaluate("e => getComputedStyle(e).whiteSpace") == "pre"


def _no_widget_error_or_repr(page: Any) -> None:
    errors = page.get_by_text("Error displaying widget")
    assert not any(error.is_visible() for error in errors.all())
    assert "ExecutionExplorer(" not in page.locator(".jp-Notebook").inner_text()


def _the_html_export_shows_the_copies(playwright: Any, notebook: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(notebook)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    exported = notebook.with_suffix(".html")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(exported.as_uri())
        copies = page.locator(".sfn-static.sfn-execution")
        copies.first.wait_for(state="visible")
        assert copies.count() == 2
        assert page.locator(".sfn-static .sfn-live-viewport svg").count() == 2
        assert page.locator(".sfn-history tr.sfn-row").count() == 110
        text = page.locator("body").inner_text()
        assert "ExecutionExplorer(" not in text and "Error displaying widget" not in text
        page.locator(".sfn-history input.sfn-search").first.fill("ExecutionFailed")
        page.locator(".sfn-history .sfn-count", has_text="1 of 110 events").wait_for()
    finally:
        browser.close()


def _open(browser: Any, address: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(address)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible")
    _wait_for_idle_kernel(page)
    return page


def _run_all(page: Any) -> None:
    """Run > Run All Cells, then wait until every code cell has an execution count, not [*]."""
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^Run All Cells")).click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_TIMEOUT_MS,
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert "Traceback" not in " ".join(errors.all_text_contents())


def _shut_down_kernels(url: str, token: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/api/kernels?token={token}", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{url}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
        opener.open(request, timeout=30).close()


def _write_scale_notebook(path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in SCALE_CELLS]
    nbformat.write(notebook, path)


def _wait_for_idle_kernel(page: Any) -> None:
    """Wait until the notebook's kernel has started: the status bar says "Python 3 (ipykernel) | Idle"."""
    page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\| Idle")).first.wait_for(
        timeout=RUN_TIMEOUT_MS
    )
