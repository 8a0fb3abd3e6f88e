"""End to end: JupyterLab in headless Chromium runs the getting-started notebook and shows its output.

The test starts JupyterLab on 127.0.0.1 (a free port, a token, a temporary root directory holding a
copy of ``notebooks/01_getting_started.ipynb``), opens the notebook in the system's Chromium driven by
Playwright (no browser download), runs every cell from the Run menu and checks that the graph and the
explorer widget are on the page.  It is skipped when Chromium, Playwright or JupyterLab is missing.
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
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A JupyterLab server on 127.0.0.1; yields (base URL, token)."""
    _requirements()
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
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
        yield url, token
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


def test_getting_started_in_jupyterlab(jupyterlab: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, token = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(RUN_TIMEOUT_MS)
            page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible")
            _wait_for_idle_kernel(page)

            # Run > Run All Cells
            page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^Run All Cells")).click()

            # every code cell ends with an execution count, not [*]
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""",
                timeout=RUN_TIMEOUT_MS,
            )
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert "Traceback" not in " ".join(errors.all_text_contents())

            # the graphs of the %%statemachine cell and of the executions (JupyterLab shows SVG as <img>)
            images = page.locator(".jp-RenderedSVG img")
            assert images.count() >= 3
            sources = [images.nth(i).get_attribute("src") or "" for i in range(images.count())]
            assert any("Greet" in _decoded(src) and "Shout" in _decoded(src) for src in sources)

            # the explorer widget: its slider, and its graph drawn inline as an <svg> with the states' names
            explorer = page.locator(".jupyter-widgets").filter(has=page.locator(".widget-slider")).first
            explorer.scroll_into_view_if_needed()
            explorer.wait_for(state="visible")
            graph = page.locator(".widget-html svg").filter(has=page.locator("text", has_text="Greet")).first
            graph.wait_for(state="attached")
            labels = graph.locator("text").all_text_contents()
            assert "Greet" in labels and "Shout" in labels

            # the explorer reacts: the next-event button moves the slider and the label follows
            label = page.locator(".widget-html-content", has_text="ExecutionStarted").first
            assert "(1 of 12)" in label.text_content()
            page.locator(".jupyter-widgets button[title='next event']").first.click()
            page.locator(".widget-html-content", has_text="TaskStateEntered").first.wait_for()

            # the AWS section skipped itself, with an explanation
            skipped = page.locator(".jp-OutputArea-output", has_text="The AWS cells are skipped")
            assert skipped.count() == 1
        finally:
            browser.close()


def _wait_for_idle_kernel(page: Any) -> None:
    """Wait until the notebook's kernel has started: the status bar says "Python 3 (ipykernel) | Idle"."""
    page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\| Idle")).first.wait_for(
        timeout=RUN_TIMEOUT_MS
    )


def _decoded(src: str) -> str:
    from urllib.parse import unquote

    return unquote(src)
