"""Benchmark sfn_notebook's local engine against peer interpreters on the same workloads.

One invocation runs the shared workloads (``workloads.json`` in the shared bench folder) and our own
(``workloads_extra.json`` next to this file) on sfn_notebook, then runs the peer scripts that sit
beside the shared ``workloads.json`` (moto through boto3, aws-local-stepfunctions and
@wmfs/statebox on Node) and prints one table: workload x engine, in transitions per second.

    python benchmarks/run.py                       # everything (the Node peers in 2 rounds)
    python benchmarks/run.py --skip-peers          # sfn_notebook only
    python benchmarks/run.py --only moto --runs 5
    python benchmarks/run.py --workload map1000 --json out.json
    python benchmarks/run.py --peer-extras         # the peers also run our handler-free workloads
    python benchmarks/run.py --skip-peers --workload short100 --profile   # where the time goes

A transition is one state entered (one ``*StateEntered`` history event).  Every timed run is
checked: an execution that does not succeed, or whose output differs from ``expected_output``,
is reported as FAILED or WRONG_OUTPUT instead of a speed.  The exit status is 1 when sfn_notebook
fails a workload, whatever the speeds.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
DEFAULT_BENCH_DIR = REPO_ROOT.parent / "shared" / "bench"
EXTRA_WORKLOADS = HERE / "workloads_extra.json"

OURS = "sfn_notebook"
MOTO = "moto"
ALS = "aws-local-stepfunctions"
STATEBOX = "statebox"
ENGINES = (OURS, MOTO, ALS, STATEBOX)
ENGINE_ALIASES = {"node": (ALS, STATEBOX), "@wmfs/statebox": (STATEBOX,)}

REQUIRED_FIELDS = ("definition", "input", "expected_output", "transitions_per_execution", "executions")
EXEC_RATE_BELOW = 10  # also show executions/s for workloads this short (transitions per execution)

OK = "OK"
WRONG_OUTPUT = "WRONG_OUTPUT"
FAILED = "FAILED"
UNAVAILABLE = "UNAVAILABLE"
SEVERITY = {OK: 0, WRONG_OUTPUT: 1, FAILED: 2, UNAVAILABLE: 3}


# ----------------------------------------------------------------------------- workloads


@dataclass
class Workload:
    name: str
    definition: dict[str, Any]
    input: Any
    expected_output: Any
    transitions_per_execution: int
    executions: int
    origin: str  # "shared" or "extra"
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def transitions_per_run(self) -> int:
        return self.transitions_per_execution * self.executions

    def as_json(self) -> dict[str, Any]:
        """The entry as a workloads file holds it."""
        entry = {key: getattr(self, key) for key in REQUIRED_FIELDS}
        if self.resources:
            entry["resources"] = self.resources
        return entry


def load_workloads(path: Path, origin: str) -> dict[str, Workload]:
    with path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    if not isinstance(raw, dict):
        raise SystemExit(f"{path}: expected an object of workloads, got {type(raw).__name__}")
    workloads: dict[str, Workload] = {}
    for name, entry in raw.items():
        missing = [key for key in REQUIRED_FIELDS if key not in entry]
        if missing:
            raise SystemExit(f"{path}: workload {name!r} lacks {', '.join(missing)}")
        resources = entry.get("resources", {})
        if not isinstance(resources, dict):
            raise SystemExit(f"{path}: workload {name!r}: resources must be an object of handler specs")
        workloads[name] = Workload(
            name=name,
            definition=entry["definition"],
            input=entry["input"],
            expected_output=entry["expected_output"],
            transitions_per_execution=int(entry["transitions_per_execution"]),
            executions=int(entry["executions"]),
            origin=origin,
            resources=resources,
        )
    return workloads


def shared_workloads_path(option: str | None) -> Path:
    """--workloads (a file or a folder), else $SFN_BENCH_DIR, else the shared bench folder."""
    given = option or os.environ.get("SFN_BENCH_DIR")
    path = Path(given).expanduser() if given else DEFAULT_BENCH_DIR
    if path.is_dir():
        path = path / "workloads.json"
    if not path.is_file():
        raise SystemExit(
            f"shared workloads not found: {path} "
            "(give --workloads FILE or set SFN_BENCH_DIR to the bench folder)"
        )
    return path


# ----------------------------------------------------------------------------- handlers for Task states
# A workload's "resources" maps a function name (or ARN, resource string, state name) to a spec:
#   {"behaviour": "echo"}                                  returns its event
#   {"behaviour": "constant", "value": V}                  returns V
#   {"behaviour": "fail_then_succeed", "failures": 2, "error": "Transient.Error"}
#       raises `error` on its first `failures` attempts of each state visit (the context's
#       retry_count tells which attempt it is), then returns {"attempt": n}


def _echo(event: Any, context: Any) -> Any:
    return event


def _constant(value: Any) -> Callable[[Any, Any], Any]:
    def handler(event: Any, context: Any) -> Any:
        return value

    return handler


def _fail_then_succeed(failures: int, error: str) -> Callable[[Any, Any], Any]:
    from sfn_notebook import TaskFailed

    def handler(event: Any, context: Any) -> Any:
        attempt = context.retry_count + 1
        if attempt <= failures:
            raise TaskFailed(error, f"planned failure {attempt} of {failures}")
        return {"attempt": attempt}

    return handler


BEHAVIOURS = ("echo", "constant", "fail_then_succeed")


def build_resources(specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Callable[[Any, Any], Any]]:
    handlers: dict[str, Callable[[Any, Any], Any]] = {}
    for name, spec in specs.items():
        behaviour = spec.get("behaviour")
        if behaviour == "echo":
            handlers[name] = _echo
        elif behaviour == "constant":
            handlers[name] = _constant(spec.get("value"))
        elif behaviour == "fail_then_succeed":
            handlers[name] = _fail_then_succeed(
                int(spec.get("failures", 1)), str(spec.get("error", "Transient"))
            )
        else:
            raise ValueError(
                f"resource {name!r}: unknown behaviour {behaviour!r} (must be one of {list(BEHAVIOURS)})"
            )
    return handlers


# ----------------------------------------------------------------------------- results


@dataclass
class Result:
    engine: str
    workload: str
    status: str  # OK, WRONG_OUTPUT, FAILED, UNAVAILABLE
    transitions_per_s: float | None = None
    executions_per_s: float | None = None
    wall_s: float | None = None  # median wall time of one run (all of the workload's executions)
    runs: int = 0
    reason: str = ""
    note: str = ""
    walls: list[float] = field(default_factory=list, repr=False)  # every timed run (sfn_notebook)

    def add_runs(self, other: Result, workload: Workload) -> None:
        """Fold in the timed runs of a second pass on the same workload: the median of both passes."""
        if SEVERITY[other.status] > SEVERITY[self.status]:
            self.status, self.reason = other.status, other.reason
        self.walls.extend(other.walls)
        if self.walls:
            _set_speed(self, workload, self.walls)


def median_round(rounds: list[Result]) -> Result:
    """A peer's result over several rounds: the median figure (the worst status, if any failed)."""
    worst = max(rounds, key=lambda r: SEVERITY[r.status])
    timed = [r for r in rounds if r.transitions_per_s]
    if worst.status != OK or not timed:
        return worst
    middle = dataclasses.replace(timed[0])
    for name in ("transitions_per_s", "executions_per_s", "wall_s"):
        values = [getattr(r, name) for r in timed if getattr(r, name) is not None]
        setattr(middle, name, statistics.median(values) if values else None)
    middle.runs = sum(r.runs for r in timed)
    return middle


def _set_speed(result: Result, workload: Workload, walls: list[float]) -> None:
    wall = statistics.median(walls)
    result.wall_s = wall
    result.runs = len(walls)
    result.transitions_per_s = workload.transitions_per_run / wall
    result.executions_per_s = workload.executions / wall


@dataclass
class EngineInfo:
    engine: str
    label: str = ""
    available: bool = True
    reason: str = ""


def canonical(value: Any) -> str:
    """JSON text that tells 1 from 1.0 and true from 1, but ignores key order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def short(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- sfn_notebook


def import_engine() -> Any:
    # benchmark the working tree, even when another copy is installed
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import sfn_notebook

    return sfn_notebook


def bench_ours(sfn: Any, workload: Workload, runs: int, min_time: float = 0.0) -> Result:
    """Warm-up run, then `runs` timed runs of `executions` executions each; the median counts.

    With `min_time`, timed runs go on past `runs` until they add up to that many seconds, which
    steadies the median of workloads whose run lasts only milliseconds.
    """
    result = Result(OURS, workload.name, FAILED)
    pristine_input = copy.deepcopy(workload.input)
    expected = canonical(workload.expected_output)
    try:
        machine = sfn.StateMachine(workload.definition)
        resources = build_resources(workload.resources)
    except Exception as exc:
        result.reason = short(f"{type(exc).__name__}: {exc}")
        return result

    def timed_run() -> tuple[float, Any]:
        # no collection forced before a timed run, as on the peers' side: a full collection empties
        # the interpreter's free lists and caches, which costs a short workload ~15% in the run after
        execution = None
        start = time.perf_counter()
        for _ in range(workload.executions):
            execution = machine.run(workload.input, resources=resources)
            if execution.status != "SUCCEEDED":
                break
        return time.perf_counter() - start, execution

    def verdict(execution: Any) -> tuple[str, str]:
        if execution.status != "SUCCEEDED":
            return FAILED, short(
                f"execution {execution.status.lower()}: {execution.error}: {execution.cause}"
            )
        got = canonical(execution.output)
        if got != expected:
            return WRONG_OUTPUT, short(f"got {got}")
        return OK, ""

    walls: list[float] = []
    try:
        _, execution = timed_run()  # warm-up
        status, reason = verdict(execution)
        if status != FAILED:  # a wrong answer is still timed, to compare with peers that give one
            entered = sum(1 for event in execution.events if event["type"].endswith("StateEntered"))
            if entered != workload.transitions_per_execution:
                result.note = (
                    f"history shows {entered} states entered; the workload declares "
                    f"{workload.transitions_per_execution}"
                )
            while len(walls) < runs or sum(walls) < min_time:
                wall, execution = timed_run()
                walls.append(wall)
                run_status, run_reason = verdict(execution)
                if SEVERITY[run_status] > SEVERITY[status]:
                    status, reason = run_status, run_reason
                if status == FAILED:
                    break
        if status == OK and canonical(workload.input) != canonical(pristine_input):
            status, reason = FAILED, "the engine modified the input value it was given"
    except Exception as exc:  # an engine bug must not stop the other workloads
        status, reason = FAILED, short(f"{type(exc).__name__}: {exc}")
    result.status, result.reason = status, reason
    result.walls = walls
    if walls:
        _set_speed(result, workload, walls)
    return result


def profile_ours(sfn: Any, workload: Workload, top: int, min_seconds: float = 0.5) -> str:
    """cProfile of sfn_notebook running the workload (repeated to last about `min_seconds`)."""
    import cProfile
    import io
    import pstats

    machine = sfn.StateMachine(workload.definition)
    resources = build_resources(workload.resources)
    start = time.perf_counter()
    for _ in range(workload.executions):  # warm-up, and a measure of how many rounds to profile
        machine.run(workload.input, resources=resources)
    rounds = max(1, round(min_seconds / max(time.perf_counter() - start, 1e-6)))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds * workload.executions):
        machine.run(workload.input, resources=resources)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue().replace(str(REPO_ROOT) + os.sep, "")
    body = text[text.index("   ncalls") :] if "   ncalls" in text else text
    title = f"profile: sfn_notebook on {workload.name}, {rounds * workload.executions} executions, by tottime"
    return f"{title}\n{body.rstrip()}"


# ----------------------------------------------------------------------------- peers


@dataclass
class Peer:
    key: str  # what --only selects
    script: str
    engines: tuple[str, ...]
    runtime: str  # executable that runs the script
    first_use: str  # what the first run installs


# the quick Node peers first, so they run closest in time to sfn_notebook; moto takes minutes
PEERS = (
    Peer("node", "node_bench.js", (ALS, STATEBOX), "node", "its npm packages (needs the npm registry)"),
    Peer(MOTO, "moto_bench.py", (MOTO,), "python", "moto into a venv under the temp folder (needs PyPI)"),
)

_RATE_LINE = (
    r"^(?P<label>.+?) (?P<name>{names})\s+wall\s+(?P<wall>[\d.]+) s \(median of (?P<runs>\d+)\)\s+"
    r"transitions/s\s+(?P<tps>[\d.]+)\s+executions/s\s+(?P<eps>[\d.]+)\s+status=(?P<status>\w+)\s*(?P<rest>.*)$"
)
_FAIL_LINE = r"^(?P<label>.+?) (?P<name>{names})\s+(?P<status>[A-Z_]+): (?P<rest>.*)$"
_SUMMARY_ITEM = re.compile(
    r"^(?P<name>[^=\s]+)=(?:(?P<tps>[\d.]+) tr/s(?:\((?P<flag>\w+)\))?|(?P<status>\w+))$"
)


def engine_of(label: str) -> str:
    """'@wmfs/statebox 1.118.0' -> 'statebox'; 'moto 5.2.5' -> 'moto'."""
    return label.split()[0].rsplit("/", 1)[-1] if label.split() else label


def peer_status(raw: str) -> str:
    return {"SUCCEEDED": OK, "WRONG_OUTPUT": WRONG_OUTPUT}.get(raw, FAILED)


def parse_peer_output(
    text: str, names: Iterable[str], workloads: Mapping[str, Workload]
) -> tuple[dict[str, str], list[Result]]:
    """Per-workload lines first; SUMMARY lines fill in whatever those missed.

    Returns the engine labels seen (engine -> label) and the results.
    """
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    rate_line = re.compile(_RATE_LINE.format(names=alternatives))
    fail_line = re.compile(_FAIL_LINE.format(names=alternatives))
    labels: dict[str, str] = {}
    results: dict[tuple[str, str], Result] = {}
    summaries: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("SUMMARY "):
            label, _, body = line[len("SUMMARY ") :].partition(": ")
            summaries.append((label, body))
            continue
        match = rate_line.match(line)
        if match:
            engine = engine_of(match["label"])
            labels.setdefault(engine, match["label"])
            status = peer_status(match["status"])
            rest = match["rest"].strip()
            rest = rest[len("ERROR ") :] if rest.startswith("ERROR ") else rest
            if rest.endswith(":"):  # e.g. moto's "output: <output>" when there was no output
                rest += " (empty)"
            results[(engine, match["name"])] = Result(
                engine,
                match["name"],
                status,
                transitions_per_s=float(match["tps"]),
                executions_per_s=float(match["eps"]),
                wall_s=float(match["wall"]),
                runs=int(match["runs"]),
                reason="" if status == OK else short(rest or match["status"]),
            )
            continue
        match = fail_line.match(line)
        if match and match["status"] in ("FAILED", "WRONG_OUTPUT", "TIMED_OUT", "ABORTED"):
            engine = engine_of(match["label"])
            labels.setdefault(engine, match["label"])
            results[(engine, match["name"])] = Result(
                engine, match["name"], peer_status(match["status"]), reason=short(match["rest"])
            )
    for label, body in summaries:
        engine = engine_of(label)
        labels.setdefault(engine, label)
        for item in filter(None, (part.strip() for part in body.split(";"))):
            match = _SUMMARY_ITEM.match(item)
            if not match or (engine, match["name"]) in results or match["name"] not in workloads:
                continue
            name = match["name"]
            if match["tps"] is not None:
                status = OK if match["flag"] in (None, "SUCCEEDED") else peer_status(match["flag"])
                tps = float(match["tps"])
                results[(engine, name)] = Result(
                    engine,
                    name,
                    status,
                    transitions_per_s=tps,
                    executions_per_s=tps / workloads[name].transitions_per_execution,
                    reason="" if status == OK else match["flag"] or "",
                )
            else:
                results[(engine, name)] = Result(
                    engine, name, peer_status(match["status"]), reason=match["status"]
                )
    return labels, list(results.values())


def stage_peer_dir(bench_dir: Path, workloads: Mapping[str, Workload], into: Path) -> Path:
    """A folder with the peer scripts and a workloads.json holding exactly `workloads`.

    The peer scripts read the workloads.json that sits beside them, so running them on another set
    of workloads means running copies of them from another folder.
    """
    for item in bench_dir.iterdir():
        if item.suffix in (".py", ".js") and item.is_file():
            shutil.copy2(item, into / item.name)
    with (into / "workloads.json").open("w", encoding="utf-8") as fh:
        json.dump({name: w.as_json() for name, w in workloads.items()}, fh)
    return into


_ERRORISH = re.compile(r"error|exception|ERR!|not found|denied|refused|unreachable", re.IGNORECASE)


def failure_line(*outputs: str) -> str:
    """The last line that looks like an error (else the last line) of a failed script's output."""
    lines = [line.strip() for text in outputs for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if _ERRORISH.search(line)]
    return errors[-1] if errors else (lines[-1] if lines else "")


def run_peer(
    peer: Peer, script_dir: Path, runs: int, timeout: float, workloads: Mapping[str, Workload]
) -> tuple[list[EngineInfo], list[Result]]:
    """Run one peer script; any problem becomes 'unavailable: reason', never an exception."""
    script = script_dir / peer.script

    def unavailable(reason: str) -> tuple[list[EngineInfo], list[Result]]:
        return [EngineInfo(engine, available=False, reason=short(reason)) for engine in peer.engines], []

    if not script.is_file():
        return unavailable(f"{peer.script} not found in {script_dir}")
    if peer.runtime == "python":
        command = [sys.executable, str(script), "--runs", str(runs)]
    else:
        executable = shutil.which(peer.runtime)
        if executable is None:
            return unavailable(f"{peer.runtime} is not on PATH")
        command = [executable, str(script), "--runs", str(runs)]
    print(
        f"running {peer.key} peer: {' '.join(command[1:2])} (a first run installs {peer.first_use})",
        file=sys.stderr,
    )
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=script_dir, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return unavailable(f"no answer within {timeout:.0f} s (raise --peer-timeout)")
    except OSError as exc:
        return unavailable(f"could not start {command[0]}: {exc}")
    print(
        f"  {peer.key} peer finished in {time.perf_counter() - start:.0f} s (exit status {proc.returncode})",
        file=sys.stderr,
    )
    labels, results = parse_peer_output(proc.stdout, workloads.keys(), workloads)
    infos: list[EngineInfo] = []
    reason = failure_line(proc.stderr, proc.stdout) or f"exit status {proc.returncode}"
    for engine in peer.engines:
        if engine in labels:
            note = (
                ""
                if proc.returncode == 0
                else short(f"its script ended with exit status {proc.returncode}: {reason}")
            )
            infos.append(EngineInfo(engine, label=labels[engine], reason=note))
        elif proc.returncode != 0:
            infos.append(
                EngineInfo(engine, available=False, reason=short(f"exit status {proc.returncode}: {reason}"))
            )
        else:
            infos.append(EngineInfo(engine, available=False, reason="its script reported nothing for it"))
    return infos, [r for r in results if r.engine in peer.engines]


# ----------------------------------------------------------------------------- the table


def rate(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


@dataclass
class Report:
    workloads: dict[str, Workload]
    engines: list[EngineInfo]
    results: dict[tuple[str, str], Result]
    runs: int
    load: list[float] = field(default_factory=list)  # 1-minute load average at start and end
    min_time: float = 0.0
    rounds: int = 1  # rounds of the Node peers, each followed by a pass of ours

    def header(self) -> str:
        ours = f"median of {self.runs}{'+' if self.min_time else ''} timed runs after a warm-up"
        peers = "their own scripts' medians"
        if self.rounds > 1:
            ours += f", in passes before and after each of {self.rounds} rounds of the Node peers"
            peers += " (Node: the median over its rounds)"
        text = (
            f"sfn_notebook benchmark: Python {platform.python_version()} on "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
            f"sfn_notebook: {ours}; peers: {peers}"
        )
        if self.load:
            text += "\nload average (1 min) at start and end: " + ", ".join(f"{x:.2f}" for x in self.load)
            if self.load[0] > (os.cpu_count() or 1) / 2:  # busy before this script started
                text += " -- other work was running; expect noisy figures"
        return text

    def ratio(self, name: str) -> tuple[float | None, str]:
        """sfn_notebook's transitions/s divided by the fastest peer that got the right answer."""
        ours = self.results.get((OURS, name))
        peers = [
            r
            for (engine, workload), r in self.results.items()
            if workload == name and engine != OURS and r.status == OK and r.transitions_per_s
        ]
        if not peers:
            return None, ""
        best = max(peers, key=lambda r: r.transitions_per_s or 0.0)
        if ours is None or ours.status != OK or not ours.transitions_per_s or not best.transitions_per_s:
            return None, best.engine
        return ours.transitions_per_s / best.transitions_per_s, best.engine

    def render(self) -> str:
        notes: list[str] = []

        def footnote(text: str) -> str:
            if text not in notes:
                notes.append(text)
            return f"[{notes.index(text) + 1}]"

        header = ["workload"]
        for info in self.engines:
            header.append(info.label or info.engine)
        header.append("ours / fastest peer")
        rows = [header]
        for name, workload in self.workloads.items():
            row = [name + (" *" if workload.origin == "extra" else "")]
            for info in self.engines:
                result = self.results.get((info.engine, name))
                if not info.available:
                    row.append("unavailable " + footnote(f"{info.engine}: unavailable: {info.reason}"))
                elif result is None:
                    row.append("-")
                else:
                    row.append(self.cell(result, workload, footnote))
            value, best = self.ratio(name)
            if value is not None:
                row.append(f"{value:.2f}x ({best})")
            elif best:
                row.append(f"- (fastest: {best})")
            else:
                row.append("- (no peer result)")
            rows.append(row)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = []
        for index, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        lines.append("")
        lines.append(
            "* our own workload (benchmarks/workloads_extra.json); the others are the shared workloads."
        )
        lines.append(
            "Cells: transitions/s, median of the timed runs (exec/s added for short workloads); "
            "'x' = our speed over the fastest peer with the right answer (> 1 means ours is faster)."
        )
        for info in self.engines:
            if info.available and info.reason:
                footnote(f"{info.engine}: {info.reason}")
        for number, text in enumerate(notes, 1):
            lines.append(f"[{number}] {text}")
        return "\n".join(lines)

    @staticmethod
    def cell(result: Result, workload: Workload, footnote: Callable[[str], str]) -> str:
        text = ""
        if result.transitions_per_s is not None:
            text = rate(result.transitions_per_s)
            if workload.transitions_per_execution < EXEC_RATE_BELOW and result.executions_per_s is not None:
                text += f" ({rate(result.executions_per_s)} exec/s)"
            text += " "
        text += result.status
        if result.status != OK:
            text += " " + footnote(f"{result.engine} {workload.name}: {result.status}: {result.reason}")
        if result.note:
            text += " " + footnote(f"{result.engine} {workload.name}: {result.note}")
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "min_time": self.min_time,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": self.load,
            "engines": [asdict(info) for info in self.engines],
            "workloads": {
                name: {
                    "origin": w.origin,
                    "transitions_per_execution": w.transitions_per_execution,
                    "executions": w.executions,
                    "ratio_to_fastest_peer": self.ratio(name)[0],
                    "fastest_peer": self.ratio(name)[1] or None,
                    "results": {
                        engine: asdict(r)
                        for (engine, workload), r in self.results.items()
                        if workload == name
                    },
                }
                for name, w in self.workloads.items()
            },
        }


# ----------------------------------------------------------------------------- main


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the shared and our own workloads on sfn_notebook and on the peer interpreters.",
    )
    parser.add_argument(
        "--runs", type=int, default=21, help="timed runs per workload; the median counts (default 21)"
    )
    parser.add_argument(
        "--moto-runs",
        type=int,
        default=3,
        metavar="N",
        help="timed runs for moto, a correctness peer that takes seconds per run (default 3)",
    )
    parser.add_argument(
        "--skip-scaling", action="store_true", help="leave out the scaling section (sfn_notebook alone)"
    )
    parser.add_argument(
        "--quick-scaling",
        action="store_true",
        help="scaling without the 100,000-item Distributed Map (it takes seconds)",
    )
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.5,
        metavar="S",
        help="for sfn_notebook, add timed runs until they total S seconds (steadier short workloads; default 0.5)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="run sfn_notebook only")
    parser.add_argument(
        "--only",
        action="append",
        metavar="ENGINE",
        help=f"run only these engines (repeat or separate with commas): {', '.join(ENGINES)}, node",
    )
    parser.add_argument(
        "--workloads", metavar="PATH", help="the shared workloads.json, or the folder holding it"
    )
    parser.add_argument(
        "--workload", action="append", metavar="NAME", help="run only these workloads (repeatable)"
    )
    parser.add_argument(
        "--peer-extras",
        action="store_true",
        help="also give the peers our extra workloads that need no Task handlers",
    )
    parser.add_argument(
        "--peer-timeout", type=float, default=3600.0, help="seconds to allow each peer script"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        metavar="N",
        help="run the Node peers N times, each followed by a pass of ours; every engine's figure is "
        "the median over the rounds (default 2)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every result to FILE as JSON")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=20,
        default=0,
        metavar="N",
        help="after timing, profile sfn_notebook on each workload and list its top N functions (default 20)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    selected: set[str] = set()
    for item in args.only or []:
        for name in filter(None, (part.strip() for part in item.split(","))):
            if name in ENGINE_ALIASES:
                selected.update(ENGINE_ALIASES[name])
            elif name in ENGINES:
                selected.add(name)
            else:
                parser.error(f"unknown engine {name!r} (must be one of {[*ENGINES, 'node']})")
    if args.skip_peers:
        selected = (selected or set(ENGINES)) & {OURS}
        if not selected:
            parser.error("--skip-peers leaves no engine to run with this --only")
    args.engines = selected or set(ENGINES)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = [load_average()]
    shared_path = shared_workloads_path(args.workloads)
    shared = load_workloads(shared_path, "shared")
    extra = load_workloads(EXTRA_WORKLOADS, "extra")
    clash = sorted(set(shared) & set(extra))
    if clash:
        raise SystemExit(f"workload names used by both {shared_path} and {EXTRA_WORKLOADS.name}: {clash}")
    workloads = {**shared, **extra}
    if args.workload:
        unknown = sorted(set(args.workload) - set(workloads))
        if unknown:
            raise SystemExit(f"unknown workload(s) {unknown} (must be among {sorted(workloads)})")
        workloads = {name: w for name, w in workloads.items() if name in args.workload}

    engines: list[EngineInfo] = []
    results: dict[tuple[str, str], Result] = {}
    profiles: list[str] = []

    sfn: Any = None
    if OURS in args.engines:
        try:
            sfn = import_engine()
        except Exception as exc:
            sfn = None
            engines.append(EngineInfo(OURS, available=False, reason=short(f"import failed: {exc}")))
        else:
            engines.append(EngineInfo(OURS, label=f"{OURS} {getattr(sfn, '__version__', '')}".strip()))
            for workload in workloads.values():
                result = bench_ours(sfn, workload, args.runs, args.min_time)
                results[(OURS, workload.name)] = result
                speed = f"{result.transitions_per_s:12.0f} tr/s" if result.transitions_per_s else " " * 17
                print(
                    f"{OURS} {workload.name:22s} {speed}  {result.status} {result.reason}".rstrip(),
                    file=sys.stderr,
                )
                if args.profile and result.status != FAILED:
                    profiles.append(profile_ours(sfn, workload, args.profile))

    peer_workloads = {
        name: w
        for name, w in workloads.items()
        if w.origin == "shared" or (args.peer_extras and not w.resources)
    }
    with tempfile.TemporaryDirectory(prefix="sfn_bench_peers_") as staging:
        script_dir = shared_path.parent
        if set(peer_workloads) != set(shared):
            script_dir = stage_peer_dir(shared_path.parent, peer_workloads, Path(staging))
        for peer in PEERS:
            wanted = [engine for engine in peer.engines if engine in args.engines]
            if not wanted:
                continue
            if not peer_workloads:
                engines.extend(
                    EngineInfo(e, available=False, reason="no selected workload runs on peers")
                    for e in wanted
                )
                continue
            # the fast peers run in rounds, each followed by a pass of ours over the same workloads,
            # so that a slow or quick spell of a shared machine (they last seconds to minutes) weighs
            # on both sides: each figure is the median over the rounds (ours: of every timed run)
            rounds = 1 if peer.key == MOTO else args.rounds
            runs = min(args.runs, args.moto_runs) if peer.key == MOTO else args.runs
            seen: dict[tuple[str, str], list[Result]] = {}
            infos: list[EngineInfo] = []
            for round_number in range(rounds):
                infos, peer_results = run_peer(peer, script_dir, runs, args.peer_timeout, peer_workloads)
                for result in peer_results:
                    if result.engine in wanted:
                        seen.setdefault((result.engine, result.workload), []).append(result)
                if peer.key == MOTO or not peer_results or sfn is None:
                    break
                print(
                    f"{OURS}: pass {round_number + 2}, after round {round_number + 1} of the {peer.key} peer",
                    file=sys.stderr,
                )
                for name, workload in peer_workloads.items():
                    first = results.get((OURS, name))
                    if first is not None and first.walls:
                        first.add_runs(bench_ours(sfn, workload, args.runs, args.min_time), workload)
            engines.extend(info for info in infos if info.engine in wanted)
            for key, rounds_seen in seen.items():
                results[key] = median_round(rounds_seen)

    scaling: dict[str, Any] | None = None
    if OURS in args.engines and not args.skip_scaling and sfn is not None:
        sys.path.insert(0, str(HERE))
        import scaling as scaling_section

        print("measuring how sfn_notebook scales...", file=sys.stderr)
        try:
            scaling = scaling_section.measure(sfn, big=not args.quick_scaling)
        except Exception as exc:  # a broken figure must not lose the table
            scaling = {"error": short(f"{type(exc).__name__}: {exc}")}

    engines.sort(key=lambda info: ENGINES.index(info.engine))
    load.append(load_average())
    report = Report(
        workloads, engines, results, args.runs, [x for x in load if x is not None], args.min_time, args.rounds
    )
    print()
    print(report.header())
    print(report.render())
    if scaling is not None:
        print()
        print(
            f"Scaling failed: {scaling['error']}" if "error" in scaling else scaling_section.render(scaling)
        )
    for text in profiles:
        print()
        print(text)
    if args.json:
        data = report.as_json()
        data["scaling"] = scaling
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    ours_failed = any(r.engine == OURS and r.status != OK for r in results.values())
    return 1 if ours_failed else 0


if __name__ == "__main__":
    sys.exit(main())
