"""StateMachine: a validated, compiled definition you can draw, run locally, or deploy to AWS."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._json import MISSING, dumps
from .asl import model as m
from .asl.parser import parse_machine
from .asl.source import Source, load_text, load_value
from .engine.resources import HandlerRegistry
from .engine.run import Run, RunSetup, input_text
from .errors import DefinitionError, Diagnostic
from .execution import LocalExecution

__all__ = ["StateMachine", "DEFAULT_REGION", "DEFAULT_ACCOUNT"]

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
# run()'s options name, mocks, test_case, start_time, seed, role_arn, progress, region, account and
# local_aws as they are when none is given
_NO_OPTIONS = (None, None, None, None, None, None, None, DEFAULT_REGION, DEFAULT_ACCOUNT, True)
#: Called as ``observer(state_machine, execution)`` for every run started (coverage collectors).
RUN_OBSERVERS: list[Any] = []
_NAME_OK = re.compile(r"[^\s?*<>{}\[\]\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}\Z")


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME_OK.match(name):
        raise ValueError(
            f"invalid {what} name {name!r}: 1 to 80 characters, no whitespace and none of "
            '? * < > { } [ ] " # % \\ ^ | ~ ` $ & , ; : /'
        )
    return name


class StateMachine:
    """An Amazon States Language definition, validated and compiled once.

    ``definition`` is a dict, JSON text or YAML text.  Invalid definitions raise
    :class:`~sfn_notebook.DefinitionError` listing every problem with its line; warnings
    (unreachable states, loops with no way out) are kept in :attr:`diagnostics`.

    >>> sm = StateMachine('{"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "Result": 1, "End": true}}}')
    >>> sm.run({}).output
    1
    """

    def __init__(
        self,
        definition: Mapping[str, Any] | str | Source,
        name: str = "StateMachine",
        *,
        format: str | None = None,
        type: str = "STANDARD",
        role_arn: str | None = None,
        source_name: str | None = None,
    ) -> None:
        if isinstance(definition, Source):
            source = definition
        elif isinstance(definition, str):
            try:
                source = load_text(definition, format=format)
            except DefinitionError as exc:  # a syntax error: shown with its line, as the others are
                raise DefinitionError(exc.diagnostics, source_name or exc.source_name, definition) from None
        elif isinstance(definition, Mapping):
            source = load_value(dict(definition))
        else:
            raise TypeError(
                f"a definition is a dict, JSON text or YAML text, not {definition.__class__.__name__}"
            )
        if type not in ("STANDARD", "EXPRESS"):
            raise ValueError(f"type must be 'STANDARD' or 'EXPRESS', not {type!r}")
        self.name = _check_name(name, "state machine")
        self.type = type
        self.role_arn = role_arn
        self.source = source
        self.source_name = source_name
        machine, diagnostics = parse_machine(source, type)
        errors = [d for d in diagnostics if d.severity == "ERROR"]
        if errors or machine is None:
            raise DefinitionError(diagnostics, source_name, source.text)
        self.machine: m.Machine = machine
        self.diagnostics: list[Diagnostic] = [d for d in diagnostics if d.severity != "ERROR"]
        self._roles: dict[str, str] = {}
        self._setups: dict[tuple[str, str, str, bool], RunSetup] = {}
        self.last_execution: LocalExecution | None = None
        self._runs = 0  # runs made so far: each run's number is part of what picks its random values

    # -- constructors
    @classmethod
    def load(cls, path: str | os.PathLike[str], name: str | None = None, **kwargs: Any) -> StateMachine:
        """Read a definition from a ``.json``, ``.asl.json``, ``.yaml`` or ``.yml`` file."""
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        fmt = "yaml" if p.suffix.lower() in (".yaml", ".yml") else None
        default_name = re.sub(r"[^\w-]", "-", p.name.split(".")[0]) or "StateMachine"
        kwargs.setdefault("format", fmt)
        return cls(text, name or default_name, source_name=str(p), **kwargs)

    # -- the definition
    @property
    def definition(self) -> dict[str, Any]:
        """The definition as plain JSON values."""
        return self.source.value  # type: ignore[no-any-return]

    @property
    def start_at(self) -> str:
        return self.machine.start_at

    @property
    def state_names(self) -> list[str]:
        """Every state name, nested ones included, in definition order."""
        return [s.name for s in self.machine.walk()]

    @property
    def query_language(self) -> str:
        return self.machine.query_language

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.definition, indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.definition, sort_keys=False, allow_unicode=True)

    # -- running
    def run(
        self,
        input: Any = MISSING,
        *,
        resources: Mapping[str, Any] | None = None,
        name: str | None = None,
        on: Any = None,
        mocks: Any = None,
        test_case: str | None = None,
        start_time: Any = None,
        seed: int | None = None,
        role_arn: str | None = None,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        progress: Any = None,
        wait: bool = True,
        timeout: float | None = None,
        local_aws: bool = True,
    ) -> Any:
        """Run the state machine to its end and return the :class:`~sfn_notebook.Execution`.

        Locally (the default) the run is synchronous and instant: Wait states and retry back-off
        advance a virtual clock.  ``resources`` maps function names, ARNs, resource strings or state
        names to Python handlers ``handler(event, context)``.  ``seed`` makes random values
        (execution name, States.UUID, jitter) reproducible; ``start_time`` fixes the clock.

        Service Tasks that no mock or handler serves are served by the in-process AWS
        (:mod:`sfn_notebook.local_aws`); ``local_aws=False`` turns that off.  A task whose token
        the local AWS delivered (an SQS or SNS message, a child execution's input) is answered by
        whoever reads it: while other threads poll the store, the run waits for their
        ``SendTask*`` calls; when none does, virtual time passes to the task's timeout or
        heartbeat, and a token with neither leaves the run ``RUNNING`` for ``ex.send_task_success``.

        With ``on=aws`` (from :func:`sfn_notebook.aws.connect`) the machine runs on AWS instead.
        """
        if on is not None:
            remote = on.run(self, {} if input is MISSING else input, name=name, wait=wait, timeout=timeout)
            _observed(self, remote)
            return remote
        if (
            name,
            mocks,
            test_case,
            start_time,
            seed,
            role_arn,
            progress,
            region,
            account,
            local_aws,
        ) == _NO_OPTIONS and (resources is None or len(resources) == 0):  # the usual call: no option given
            return self._run_default(input)
        execution = self._prepare(
            input,
            resources,
            name,
            mocks,
            test_case,
            start_time,
            seed,
            role_arn,
            region,
            account,
            progress,
            local_aws,
        )
        self.last_execution = execution  # reachable even if the run is interrupted
        tasks = self._tasks_found
        if tasks is None:
            tasks = self._has_tasks()
        self._drive(execution, tasks)
        return execution

    def _drive(self, execution: LocalExecution, tasks: bool) -> None:
        """Drive a started run to its end, or until it waits for task tokens no one will answer."""
        run = execution._run
        try:
            if tasks:
                with execution._lock:  # task tokens may be answered from other threads meanwhile
                    execution._track()
                    run.drive()
                    if run.tokens and run.status == "RUNNING":
                        from .local_aws.callbacks import settle

                        settle(execution)
            else:  # no Task, no token: nothing can reach the run from outside
                run.drive()
        except KeyboardInterrupt:
            _interrupted(execution)

    def test_state(
        self,
        state_name: str,
        input: Any = MISSING,
        *,
        inspection_level: str = "DEBUG",
        variables: Mapping[str, Any] | None = None,
        mock: Mapping[str, Any] | None = None,
        role_arn: str | None = None,
        reveal_secrets: bool = False,
        context: Mapping[str, Any] | None = None,
        state_configuration: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        on: Any = None,
        local_aws: bool = True,
    ) -> Any:
        """Test one state as AWS's TestState API does: its status, output, next state and the data
        after each stage (a :class:`~sfn_notebook.aws.TestStateResult`).

        Locally a Task runs with ``mock`` (``{"result": value}`` or ``{"errorOutput": {"error": ...,
        "cause": ...}}``), else with ``resources``, the registered tasks and the in-process AWS; a
        Map or Parallel needs a mock.  With ``on=aws`` the same request goes to AWS.

        >>> sm = StateMachine({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 2, "Next": "B"},
        ...                                           "B": {"Type": "Succeed"}}})
        >>> sm.test_state("A", {}).next_state
        'B'
        """
        if on is not None:
            return on.test_state(
                self,
                state_name,
                input,
                inspection_level=inspection_level,
                variables=variables,
                mock=mock,
                role_arn=role_arn,
                reveal_secrets=reveal_secrets,
                context=context,
                state_configuration=state_configuration,
            )
        from .teststate import TEST_STATE_NAME, TestStateResult, test_state, test_state_request

        request = test_state_request(
            self,
            state_name,
            input,
            inspection_level=inspection_level,
            variables=variables,
            mock=mock,
            role_arn=role_arn or self.role_arn or self._default_role(DEFAULT_ACCOUNT),
            reveal_secrets=reveal_secrets,
            context=context,
            state_configuration=state_configuration,
        )
        # the state runs as AWS names it ("StateName"): a handler registered under its own name serves it
        handler = HandlerRegistry(resources).lookup(state_name)
        if handler is not None:
            resources = {**(resources or {}), TEST_STATE_NAME: handler}
        answer = test_state(**request, resources=resources, local_aws=local_aws)
        return TestStateResult.from_response(state_name, answer)

    def start(self, input: Any = MISSING, **kwargs: Any) -> LocalExecution:
        """Start a local run in the background and return at once; ``ex.wait()`` blocks until it stops.

        In a notebook the returned execution shows live progress when displayed.
        """
        progress = kwargs.pop("progress", None)
        on = kwargs.pop("on", None)
        if on is not None:
            remote = on.start(self, {} if input is MISSING else input, name=kwargs.pop("name", None))
            _observed(self, remote)
            return remote  # type: ignore[no-any-return]
        execution = self._prepare(
            input,
            kwargs.pop("resources", None),
            kwargs.pop("name", None),
            kwargs.pop("mocks", None),
            kwargs.pop("test_case", None),
            kwargs.pop("start_time", None),
            kwargs.pop("seed", None),
            kwargs.pop("role_arn", None),
            kwargs.pop("region", DEFAULT_REGION),
            kwargs.pop("account", DEFAULT_ACCOUNT),
            progress,
            kwargs.pop("local_aws", True),
        )
        if kwargs:
            raise TypeError(f"start() got unexpected arguments: {', '.join(kwargs)}")
        execution._drive_in_background()
        return execution

    def _prepare(
        self,
        input: Any,
        resources: Mapping[str, Any] | None,
        name: str | None,
        mocks: Any,
        test_case: str | None,
        start_time: Any,
        seed: int | None,
        role_arn: str | None,
        region: str,
        account: str,
        progress: Any,
        local_aws: bool = True,
    ) -> LocalExecution:
        value = {} if input is MISSING else input
        text = input_text(value)
        # Runs are reproducible: without a seed, the machine (its name and definition), the input and
        # the run's number on this machine choose one.  Two runs differ (execution name, request ids,
        # task tokens, jitter), and a notebook run again from the top gives the same runs again.
        self._runs += 1
        if seed is not None:
            source: str | tuple[str, str, str, int] = f"seed\0{seed}"
        else:
            source = (self.name, self._digest(), text, self._runs)  # joined only if the run needs it
        if name is not None:
            _check_name(name, "execution")
        # no resources (None or empty): the shared registry, so the run set-up below is shared too
        handlers = _NO_RESOURCES if resources is None or len(resources) == 0 else HandlerRegistry(resources)
        if mocks is not None or test_case is not None:
            from .mocks import MockConfig

            config = mocks if isinstance(mocks, MockConfig) else MockConfig.load(mocks)
            handlers = config.handlers(self.name, test_case, fallback=handlers)
        started = _to_epoch(start_time)
        role = role_arn or self.role_arn or self._roles.get(account) or self._default_role(account)
        if handlers is _NO_RESOURCES:  # the usual case: share one set-up between runs
            key = (region, account, role, local_aws)
            setup = self._setups.get(key)
            if setup is None:
                setup = self._setups[key] = RunSetup(
                    self.machine, handlers, self.name, region, account, role, local_aws, self.type
                )
        else:
            setup = RunSetup(self.machine, handlers, self.name, region, account, role, local_aws, self.type)
        run = Run(
            setup,
            value,
            execution_name=name,
            start_time=started,
            identity=source,  # hashed when the run first needs its name or randomness
        )
        execution = LocalExecution(run, self)
        if progress is not None:
            execution.subscribe(progress)
        run.start(text)
        _observed(self, execution)
        return execution

    def _run_default(self, input: Any) -> LocalExecution:
        """:meth:`run` given no option: what :meth:`_prepare` and :meth:`_drive` do, with the option
        checks left out (the commonest call, made as short as it can be)."""
        value = {} if input is MISSING else input
        try:
            text = dumps(value)
        except Exception:
            text = input_text(value)  # raises the error that tells what is wrong
        self._runs += 1
        default = self._default
        if default is None or default.role_arn is not self.role_arn:  # made again if role_arn was changed
            default = self._default_run()
        run = Run(
            default.setup,
            value,
            None,  # no execution name: made from the identity when first needed
            (
                time.time_ns() // 1_000_000 / 1000  # now, to the millisecond (as _to_epoch)
                if _ENVIRON_DATA is not None and _START_KEY not in _ENVIRON_DATA and os.environ is _ENVIRON
                else _to_epoch(None)
            ),
            (self.name, default.digest, text, self._runs),  # the identity, hashed when the run first needs it
        )
        # reachable even if the run is interrupted
        execution = self.last_execution = LocalExecution(run, self)
        if RUN_OBSERVERS:
            _observed(self, execution)
        run.start(text, None, default.private)
        if default.tasks:
            self._drive(execution, True)
        else:  # no Task, no token: nothing can reach the run from outside
            try:
                run.drive()
            except KeyboardInterrupt:
                _interrupted(execution)
        return execution

    def _default_run(self) -> _DefaultRun:
        """What every run given no option shares (made once, and again if ``role_arn`` changes)."""
        role = self.role_arn or self._roles.get(DEFAULT_ACCOUNT) or self._default_role(DEFAULT_ACCOUNT)
        key = (DEFAULT_REGION, DEFAULT_ACCOUNT, role, True)
        setup = self._setups.get(key)
        if setup is None:
            setup = self._setups[key] = RunSetup(
                self.machine, _NO_RESOURCES, self.name, DEFAULT_REGION, DEFAULT_ACCOUNT, role, True, self.type
            )
        tasks = self._has_tasks()
        # a run needs a copy of its input unless no code outside the engine can reach its values
        # while it runs (no Task) or after (no recorded stage): see Run.start
        private = tasks or any(not state.derived_stages for state in self.machine.walk())
        default = self._default = _DefaultRun(self.role_arn, setup, self._digest(), tasks, private)
        return default

    _tasks_found: bool | None = None  # whether the machine has a Task state (see _has_tasks)
    _definition_digest: str | None = None
    _default: _DefaultRun | None = None  # see _default_run

    def _has_tasks(self) -> bool:
        """Whether any state, nested ones included, is a Task (made once)."""
        found = self._tasks_found
        if found is None:
            found = self._tasks_found = any(state.type == "Task" for state in self.machine.walk())
        return found

    def _digest(self) -> str:
        """A digest of the definition (made once): two machines of one name and input run apart."""
        digest = self._definition_digest
        if digest is None:
            import hashlib
            import json

            try:
                text = json.dumps(self.definition, sort_keys=True, ensure_ascii=False, default=str)
            except (RecursionError, ValueError):  # nested too deeply for json: its text, if any
                text = f"{self.source.text}"
            digest = self._definition_digest = hashlib.blake2b(
                text.encode("utf-8", "surrogatepass"), digest_size=8
            ).hexdigest()
        return digest

    def _default_role(self, account: str) -> str:
        role = self._roles.get(account)
        if role is None:
            role = self._roles[account] = (
                f"arn:aws:iam::{account}:role/service-role/StepFunctions-{self.name}-role"
            )
        return role

    # -- display
    def graph(self, **options: Any) -> Any:
        """The definition drawn as a ``graphviz.Digraph`` (``rankdir="LR"`` for left-to-right)."""
        from .render import render_machine

        return render_machine(self, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter shows the graph (or why it cannot be drawn); see :mod:`sfn_notebook.display`."""
        from .display import graph_bundle

        return graph_bundle(self.graph, repr(self), include, exclude)

    def __repr__(self) -> str:
        count = len(self.state_names)
        warn = f", {len(self.diagnostics)} warning(s)" if self.diagnostics else ""
        return f"<StateMachine {self.name}: {count} state{'s' if count != 1 else ''}, starts at {self.start_at!r}{warn}>"

    # -- testing
    def coverage(self, *executions: Any) -> Any:
        """What runs covered of this machine: states, transitions, Choice rules, Retry and Catch.

        Without ``executions``, the runs gathered by the active coverage collector (the pytest
        plugin's ``--sfn-cov``, or :func:`sfn_notebook.testing.collect`).
        """
        from .testing.coverage import active_collector, machine_coverage

        if executions:
            return machine_coverage(self, executions)
        collector = active_collector()
        if collector is None:
            raise ValueError(
                "no coverage is being collected: pass executions, as in sm.coverage(ex1, ex2), or start "
                "collecting with sfn.testing.collect() (pytest: --sfn-cov)"
            )
        return collector.for_machine(self) or machine_coverage(self, [])

    def coverage_graph(self, *executions: Any, **options: Any) -> Any:
        """The machine drawn with what the runs never reached greyed (see :meth:`coverage`)."""
        from .render.coverage import render_coverage

        return render_coverage(self, self.coverage(*executions), **options)

    # -- AWS
    def deploy(
        self,
        aws: Any,
        *,
        functions: bool = False,
        create_role: bool = False,
        resources: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> str:
        """Create or update this state machine on AWS; returns its ARN.

        ``functions=True`` also deploys the Python handlers of its Lambda Tasks (``@sfn.task``, or
        ``resources=``) as Lambda functions, and ``create_role=True`` creates its execution role with a
        least-privilege policy; see :meth:`sfn_notebook.aws.AwsBackend.deploy`.
        """
        if functions or create_role or resources is not None:
            kwargs.update(functions=functions, create_role=create_role, resources=resources)
        return aws.deploy(self, **kwargs)  # type: ignore[no-any-return]


class _DefaultRun:
    """What every run of a machine given no option shares (see ``StateMachine._default_run``)."""

    __slots__ = ("role_arn", "setup", "digest", "tasks", "private")

    def __init__(
        self, role_arn: str | None, setup: RunSetup, digest: str, tasks: bool, private: bool
    ) -> None:
        self.role_arn = role_arn  # the machine's role_arn it was made for
        self.setup = setup
        self.digest = digest  # the definition's (part of what names each run)
        self.tasks = tasks  # whether the machine has a Task (a run may wait for tokens answered elsewhere)
        self.private = private  # whether a run needs a copy of its input (see Run.start)


def _interrupted(execution: LocalExecution) -> None:
    """Ctrl-C (or the notebook's stop button) stopped a run: end it ABORTED, as StopExecution
    would, keep its history, and say so."""
    run = execution._run
    current = _current_state(run)
    where = f" while state '{current}' was running" if current else ""
    run.abort("KeyboardInterrupt", f"The run was interrupted{where}.")
    run.notes.append(f"KeyboardInterrupt{where}: the run ended ABORTED, its history kept.")
    import sys
    import warnings

    level, frame = 1, sys._getframe()  # the warning points at the line that called run()
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        level, frame = level + 1, frame.f_back  # type: ignore[assignment]
    warnings.warn(
        f"execution {execution.name} was interrupted and is ABORTED; its history is kept",
        RuntimeWarning,
        stacklevel=level,
    )


def _observed(sm: StateMachine, execution: Any) -> None:
    for observer in list(RUN_OBSERVERS):
        observer(sm, execution)


_NO_RESOURCES = HandlerRegistry(None)  # runs without resources= share it (it holds no state of its own)


def _current_state(run: Run) -> str | None:
    """The state the last recorded event belongs to, if any."""
    from .history import event_rows

    rows = event_rows(run.events.materialize())
    return rows[-1].state if rows else None


#: The environment variable that sets the clock's start of runs given no ``start_time``, e.g. to
#: store a notebook's outputs reproducibly (ISO time or epoch seconds).
START_TIME_VARIABLE = "SFN_NOTEBOOK_START_TIME"


_ENVIRON = os.environ
# os.environ's own table, read without the KeyError an absent variable costs (it is read per run)
_ENVIRON_DATA: Any = getattr(os.environ, "_data", None)
try:
    _START_KEY: Any = os.environ.encodekey(START_TIME_VARIABLE)  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - not CPython's os.environ
    _ENVIRON_DATA = None


def _to_epoch(start_time: Any) -> float:
    if start_time is None:
        if os.environ is _ENVIRON and _ENVIRON_DATA is not None and _START_KEY not in _ENVIRON_DATA:
            return time.time_ns() // 1_000_000 / 1000  # now, to the millisecond, as AWS stamps events
        fixed = os.environ.get(START_TIME_VARIABLE, "").strip()
        if fixed != "":
            try:
                return _to_epoch(float(fixed))
            except ValueError:
                try:
                    return _to_epoch(fixed)
                except ValueError:
                    raise ValueError(
                        f"{START_TIME_VARIABLE}={fixed!r} is neither an ISO time nor epoch seconds"
                    ) from None
        return time.time_ns() // 1_000_000 / 1000  # now, to the millisecond, as AWS stamps events
    if isinstance(start_time, (int, float)):
        return float(start_time)
    from datetime import datetime, timezone

    if isinstance(start_time, str):
        start_time = datetime.fromisoformat(start_time.replace("Z", "+00:00"))
    if isinstance(start_time, datetime):
        if start_time.tzinfo is None:
            start_time = start_time.replace(tzinfo=timezone.utc)
        return start_time.timestamp()
    raise TypeError(
        f"start_time must be a datetime, an ISO string or epoch seconds, not {type(start_time).__name__}"
    )
