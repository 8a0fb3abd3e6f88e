"""Handlers packaged as Lambda deployment zips: module files, notebook cells, refusals, stable bytes."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from sfn_notebook import examples, packaging
from sfn_notebook.packaging import PackagingError, package_handler


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A real IPython shell: its cells are compiled and their sources kept the way a kernel keeps them."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    for hook in ("displayhook", "excepthook", "stdout", "stderr"):
        monkeypatch.setattr(sys, hook, getattr(sys, hook))
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    yield shell
    InteractiveShell.clear_instance()


def cell(shell: InteractiveShell, source: str) -> None:
    result = shell.run_cell(textwrap.dedent(source))
    result.raise_error()


def run_package(package: packaging.FunctionPackage, tmp_path: Path, event: Any) -> Any:
    """Unzip the package and call its handler in a fresh interpreter with the standard library only
    (no site-packages, so no sfn_notebook), the package's directory first on the path."""
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        archive.extractall(target)
    module, function = package.handler.rsplit(".", 1)
    code = (
        "import importlib, json, sys\n"
        "sys.path.insert(0, '.')  # as Lambda puts the package's directory first\n"
        f"handler = getattr(importlib.import_module({module!r}), {function!r})\n"
        "print(json.dumps(handler(json.loads(sys.argv[1]), None)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, json.dumps(event)],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# ------------------------------------------------------------------------------------------ module files


def test_a_module_function_ships_with_its_module_under_its_dotted_name(tmp_path: Path) -> None:
    package = package_handler(examples.greet)
    assert package.handler == "sfn_notebook.examples.greet"
    assert package.files == ("sfn_notebook/__init__.py", "sfn_notebook/examples.py")
    assert package.source() == Path(examples.__file__).read_text(encoding="utf-8")
    assert package.source("sfn_notebook/__init__.py") == ""  # a bare package, not the library
    assert package.origin == "module sfn_notebook.examples"
    assert run_package(package, tmp_path, {"name": "Ada"}) == examples.greet({"name": "Ada"})


def test_a_module_that_imports_what_lambda_lacks_falls_back_to_the_function_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shop_handlers.py").write_text(
        textwrap.dedent(
            """
            import json
            import sfn_notebook as sfn

            TAX = 0.2


            def _total(items):
                return round(sum(i["price"] for i in items) * (1 + TAX), 2)


            @sfn.task("Price")
            def price(event, context):
                return {"total": _total(event["items"]), "echo": json.dumps(event["items"][:1])}
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import shop_handlers  # type: ignore[import-not-found]

    package = package_handler(shop_handlers.price)
    assert package.handler == "lambda_function.price"
    assert package.origin == "generated from module shop_handlers"
    text = package.source()
    assert "import sfn_notebook" not in text and "@sfn.task" not in text
    assert "TAX = 0.2" in text and "def _total(items):" in text and "import json" in text
    event = {"items": [{"price": 10}, {"price": 5}]}
    assert run_package(package, tmp_path, event) == shop_handlers.price(event, None)


# ------------------------------------------------------------------------------------------ notebook cells


def test_a_notebook_handler_becomes_a_generated_module(shell: InteractiveShell, tmp_path: Path) -> None:
    cell(
        shell,
        """
        import json
        from datetime import datetime as dt
        import sfn_notebook as sfn

        GREETING = "Hello"
        LANGUAGES = {"fr", "en"}

        def polite(text):
            return f"{text}, please"

        @sfn.task("Greet")
        def greet(event, context):
            stamp = dt(2024, 1, 1).date().isoformat()
            return {"text": polite(f"{GREETING}, {event['name']}!"), "on": stamp,
                    "languages": sorted(LANGUAGES), "raw": json.dumps(event)}
        """,
    )
    greet = shell.user_ns["greet"]
    package = package_handler(greet, function_name="Greet")
    assert package.handler == "lambda_function.greet"
    assert package.files == ("lambda_function.py",)
    assert package.origin == "generated from a notebook cell"
    text = package.source()
    assert "import sfn_notebook" not in text and "@sfn.task" not in text
    assert "from datetime import datetime as dt" in text
    assert "LANGUAGES = {'en', 'fr'}" in text  # sets are written sorted: the same bytes every time
    assert text.index("def polite") < text.index("def greet")
    compile(text, "lambda_function.py", "exec")
    assert run_package(package, tmp_path, {"name": "Ada"}) == greet({"name": "Ada"}, None)


def test_the_same_code_gives_the_same_bytes_and_a_change_gives_others(shell: InteractiveShell) -> None:
    source = """
        def shout(event, context):
            return {"message": event["text"].upper()}
        """
    cell(shell, source)
    first = package_handler(shell.user_ns["shout"])
    cell(shell, "x = 1")  # other cells in between change nothing
    cell(shell, source)  # the same cell run again
    again = package_handler(shell.user_ns["shout"])
    assert again.zip_bytes == first.zip_bytes and again.code_sha256 == first.code_sha256
    with zipfile.ZipFile(io.BytesIO(first.zip_bytes)) as archive:
        assert [i.date_time for i in archive.infolist()] == [(1980, 1, 1, 0, 0, 0)]
    cell(shell, source.replace("upper()", "upper() + '!'"))
    changed = package_handler(shell.user_ns["shout"])
    assert changed.code_sha256 != first.code_sha256


def test_a_closure_is_refused_with_its_reason(shell: InteractiveShell) -> None:
    cell(
        shell,
        """
        def make(prefix):
            def greet(event, context):
                return prefix + event["name"]
            return greet
        greet = make("Hi ")
        """,
    )
    with pytest.raises(PackagingError) as info:
        package_handler(shell.user_ns["greet"], function_name="Greet")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cannot package the handler of Greet (make.<locals>.greet)")
    assert "closure over prefix" in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "table = object()\ndef h(event, context):\n    return str(table)",
            "notebook variable 'table' (an object)",
        ),
        ("import pandas as pd\ndef h(event, context):\n    return pd.__name__", "the module pandas"),
        ("def h(event, context):\n    return missing_name", "uses 'missing_name', which is not defined"),
        ("h = lambda event, context: event", "it is a lambda"),
        ("async def h(event, context):\n    return event", "it is async"),
        ("import functools\n@functools.lru_cache\ndef h(event, context):\n    return 1", "it is a functools"),
        ("def deco(f):\n    return f\n@deco\ndef h(event, context):\n    return 1", "decorated with @deco"),
        ("def h(event, context):\n    display(event)\n    return 1", "IPython provides"),
        (
            "from sfn_notebook import TaskFailed\ndef h(event, context):\n    raise TaskFailed('E', 'c')",
            "sfn_notebook",
        ),
        (
            "def h(event, ctx):\n    ctx.sleep(5)\n    return 1",
            "it uses context.sleep, which only the local engine's",
        ),
    ],
    ids=[
        "object",
        "third-party",
        "undefined",
        "lambda",
        "async",
        "wrapped",
        "decorator",
        "ipython",
        "sfn",
        "context",
    ],
)
def test_what_cannot_run_on_lambda_is_refused_in_one_line(
    shell: InteractiveShell, source: str, expected: str
) -> None:
    cell(shell, source)
    with pytest.raises(PackagingError) as info:
        package_handler(shell.user_ns["h"])
    assert expected in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value._render_traceback_() == [f"PackagingError: {info.value}"]


def test_callables_that_are_not_functions_are_refused() -> None:
    with pytest.raises(PackagingError, match=r"a functools\.partial, not a function"):
        package_handler(functools.partial(examples.greet, context=None))

    class Handler:
        def __call__(self, event: Any, context: Any) -> Any:
            return event

        def method(self, event: Any, context: Any) -> Any:
            return event

    with pytest.raises(PackagingError, match="it is a bound method"):
        package_handler(Handler().method)
    with pytest.raises(PackagingError, match="Handler, not a function"):
        package_handler(Handler())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_modules_removed_from_the_runtime_are_refused(shell: InteractiveShell) -> None:
    cell(shell, "import asyncore\ndef h(event, context):\n    return asyncore.__name__")
    with pytest.raises(PackagingError, match=r"python3\.12 Lambda runtime does not provide"):
        package_handler(shell.user_ns["h"], runtime="python3.12")
    assert package_handler(shell.user_ns["h"], runtime="python3.11").source().startswith('"""The Lambda')
    with pytest.raises(ValueError, match="Lambda Python runtime"):
        package_handler(examples.greet, runtime="nodejs20.x")


def test_a_package_over_lambdas_limits_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    size = package_handler(examples.greet).size
    monkeypatch.setattr(packaging, "MAX_ZIPPED_BYTES", size - 1)
    with pytest.raises(PackagingError) as info:
        package_handler(examples.greet, function_name="Greet")
    assert "over Lambda's limits for a direct upload" in str(info.value)
    assert "\n" not in str(info.value)
