"""Run the AWS-recorded conformance corpus (kept outside this repository) as a ratchet.

The corpus (``cases/``, and ``services/`` whose cases run against the local AWS) lives in
``../shared/conformance`` beside the checkout, or wherever the
``SFN_CONFORMANCE_DIR`` environment variable points.  Cases listed in
``conformance_known_failures.txt`` may fail (each line says what AWS does that we do not yet);
every other case must match AWS.  Without the corpus the test is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("SFN_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance"))
KNOWN = {
    line.split()[0]: line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
    for line in (Path(__file__).with_name("conformance_known_failures.txt")).read_text().splitlines()
    if line.strip() and not line.startswith("#")
}


def _runner():
    spec = importlib.util.spec_from_file_location("sfn_conformance_runner", CORPUS / "run.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.event_view = _with_parsed_object_variables(module.event_view)
    return module


def _with_parsed_object_variables(event_view):
    """Compare ``assignedVariables`` the way the corpus stores them.

    AWS returns every assigned value as JSON text (the API's map<string, string>), and so do we.
    The recorder normalised text that starts with ``{`` into parsed objects (arrays and scalars
    stayed text), and the shared runner does not undo that for ``assignedVariables``.  Parsing our
    object-valued texts the same way compares like with like, without changing what we emit.
    """

    def view(event, level):
        result = event_view(event, level)
        details = result.get("details")
        if isinstance(details, dict) and isinstance(details.get("assignedVariables"), dict):
            details = dict(details)
            details["assignedVariables"] = {
                name: json.loads(text) if isinstance(text, str) and text.startswith("{") else text
                for name, text in details["assignedVariables"].items()
            }
            result["details"] = details
        return result

    return view


def _cases() -> list:
    if not (CORPUS / "run.py").is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no conformance corpus at {CORPUS}"))]
    params = []
    for root in _roots():
        for path in sorted(root.rglob("*.json")):
            name = str(path.relative_to(root).with_suffix(""))
            marks = [pytest.mark.xfail(reason=KNOWN[name], strict=False)] if name in KNOWN else []
            if _uses_jsonata(path):
                marks.append(pytest.mark.jsonata)
            params.append(pytest.param(path, id=name, marks=marks))
    return params


def _roots() -> list[Path]:
    """The execution cases, and the cases that need AWS's services (served by the local AWS)."""
    return [root for root in (CORPUS / "cases", CORPUS / "services") if root.is_dir()]


def _uses_jsonata(path: Path) -> bool:
    """Whether a case's definition is written in JSONata, in whole or in part."""
    definition = json.dumps(json.loads(path.read_text()).get("definition"))
    return '"JSONata"' in definition or "{%" in definition


@pytest.fixture(scope="module")
def runner():
    return _runner()


@pytest.mark.parametrize("path", _cases())
def test_case_matches_aws(path: Path, runner) -> None:
    case = json.loads(path.read_text())
    case.setdefault("name", str(path))
    verdict = runner.compare(case, runner.run_sfn_notebook(case))
    assert verdict is None, verdict


def test_known_failures_are_real_cases() -> None:
    if not (CORPUS / "cases").is_dir():
        pytest.skip(f"no conformance corpus at {CORPUS}")
    names = {str(p.relative_to(root).with_suffix("")) for root in _roots() for p in root.rglob("*.json")}
    names |= {f"test_state/{name}" for name in _test_state_names()}
    assert set(KNOWN) <= names, sorted(set(KNOWN) - names)


# ---------------------------------------------------------------------------------- TestState cases


def _test_state_names() -> list[str]:
    root = CORPUS / "test_state"
    return (
        sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.json"))
        if root.is_dir()
        else []
    )


def _test_state_cases() -> list:
    """The recorded TestState calls (``test_state/``), listed in the known failures as ``test_state/<name>``."""
    names = _test_state_names()
    if not names:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no TestState cases at {CORPUS}"))]
    params = []
    for name in names:
        known = KNOWN.get(f"test_state/{name}")
        marks = [pytest.mark.xfail(reason=known, strict=False)] if known is not None else []
        params.append(pytest.param(CORPUS / "test_state" / f"{name}.json", id=name, marks=marks))
    return params


@pytest.mark.parametrize("path", _test_state_cases())
def test_test_state_case_matches_aws(path: Path, runner) -> None:
    case = json.loads(path.read_text())
    verdict = runner.compare_test_state(case, runner.run_test_state(case))
    assert verdict is None, verdict
