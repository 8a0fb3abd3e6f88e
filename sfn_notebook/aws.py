"""Run and inspect state machines on AWS Step Functions through boto3, with the local API.

>>> import sfn_notebook as sfn                                   # doctest: +SKIP
>>> aws = sfn.aws.connect(role_arn="arn:aws:iam::123456789012:role/Sfn")  # doctest: +SKIP
>>> ex = sm.run({"x": 1}, on=aws)   # deploys (create or update), starts, follows  # doctest: +SKIP
>>> ex.history()                    # the same DataFrame as a local run           # doctest: +SKIP
>>> ex.diff(sm.run({"x": 1}))       # where AWS and the local engine part         # doctest: +SKIP

:func:`connect` returns an :class:`AwsBackend`; every call it makes goes through one place
(:meth:`AwsBackend.call`), which retries throttling with back-off and turns botocore's exceptions into
:class:`~sfn_notebook.AwsError` with AWS's error code and a one-line hint.  This is the only module
that imports boto3/botocore, and ``import sfn_notebook`` does not import it.
"""

from __future__ import annotations

import html
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import botocore.exceptions as bce
from botocore.config import Config

from ._json import MISSING, dumps
from .errors import AwsError, DefinitionError, Diagnostic
from .execution import FINAL_STATUSES, Execution
from .history import parse_json_text
from .packaging import DEFAULT_RUNTIME
from .teststate import INSPECTION_STAGES, TestStateResult, api_request, test_state_request

if TYPE_CHECKING:
    from .deploy import FunctionDeployment, Removal, RoleDeployment
    from .machine import StateMachine

__all__ = [
    "EXECUTION_COLUMNS",
    "INSPECTION_STAGES",
    "ROLE_ENV_VAR",
    "VALIDATION_COLUMNS",
    "AwsBackend",
    "AwsCallError",
    "AwsExecution",
    "Deployment",
    "TestStateResult",
    "ValidationDiagnostic",
    "ValidationReport",
    "connect",
]

ROLE_ENV_VAR = "SFN_NOTEBOOK_ROLE_ARN"

EXECUTION_COLUMNS = [
    "name",
    "status",
    "start_date",
    "stop_date",
    "duration",
    "redrive_count",
    "execution_arn",
]

VALIDATION_COLUMNS = ["source", "severity", "code", "message", "location"]


EXECUTION_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")

_THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
    }
)
# what an answer must hold to be Step Functions' answer at all (an endpoint that answers 200 with an
# empty or foreign body would otherwise give a KeyError, or an empty history for an ended execution)
_REQUIRED: dict[str, tuple[tuple[str, type], ...]] = {
    "describe_execution": (("status", str),),
    "start_execution": (("executionArn", str),),
    "start_sync_execution": (("executionArn", str), ("status", str)),
    "get_execution_history": (("events", list),),
    "list_executions": (("executions", list),),
    "create_state_machine": (("stateMachineArn", str),),
    "describe_state_machine": (("definition", str),),
    "describe_state_machine_for_execution": (("definition", str),),
    "validate_state_machine_definition": (("result", str),),
    "test_state": (("status", str),),
}
_READS = ("describe_", "get_", "list_")
_LONG_CALLS = frozenset({"start_sync_execution", "test_state"})  # they last as long as the work
# the APIs moto lacks: it answers them with an HTML page and HTTP 500
_EMULATORS_LACK = frozenset(
    {"ValidateStateMachineDefinition", "TestState", "StartSyncExecution", "RedriveExecution"}
)
_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_UNAVAILABLE_CODES = frozenset({"NotImplemented", "EndpointError"})

# Hints for AWS's own error codes; "{region}" and "{endpoint}" are filled in
_HINTS: dict[str, str] = {
    "AccessDeniedException": "Your credentials lack the IAM permission for {prefix}:{action}; "
    "add it to your user's or role's policy.",
    "AccessDenied": "Your credentials lack the IAM permission for {prefix}:{action}; add it to your policy.",
    "ExecutionDoesNotExist": "No such execution in {region}: check the ARN and the region "
    "(Standard executions are kept for 90 days after they end).",
    "StateMachineDoesNotExist": "No such state machine in {region}: deploy it with sm.deploy(aws), "
    "or check the name and the region.",
    "StateMachineAlreadyExists": "A state machine with this name already exists with another type or "
    "settings; delete it (aws.delete(...)) or deploy under another name.",
    "StateMachineDeleting": "The state machine is being deleted; wait a minute and try again.",
    "StateMachineTypeNotSupported": "Express state machines don't support this call "
    "(their executions have no history in Step Functions; see CloudWatch Logs).",
    "ExecutionAlreadyExists": "Execution names are unique per state machine for 90 days: "
    "pass another name= or leave it out for a random one.",
    "ExecutionLimitExceeded": "Too many executions are running (1,000,000 per account); stop some or wait.",
    "ExecutionNotRedrivable": "Only Standard executions that ended FAILED, ABORTED or TIMED_OUT "
    "in the last 14 days can be redriven.",
    "InvalidArn": "Check the ARN: roles look like arn:aws:iam::<account>:role/<name>, "
    "executions like arn:aws:states:<region>:<account>:execution:<machine>:<name>.",
    "InvalidDefinition": "AWS rejected the definition: aws.validate(sm) lists its diagnostics "
    "beside the local ones.",
    "InvalidExecutionInput": "The input must be JSON text of at most 256 KiB.",
    "InvalidName": 'Names are 1-80 characters, without whitespace or any of ? * < > { } [ ] " # % '
    "\\ ^ | ~ ` $ & , ; : /",
    "InvalidToken": "The task token or pagination token is invalid or expired.",
    "TaskDoesNotExist": "No task is waiting for this token (it ended, timed out, or the token is wrong).",
    "TaskTimedOut": "The task already timed out.",
    "ValidationException": "AWS rejected a parameter of the request; the message names it.",
    "ServiceQuotaExceededException": "An account quota is reached (e.g. 10,000 state machines); "
    "delete unused ones or ask for a quota increase.",
    "ServiceUnavailable": "Step Functions had a transient problem; try again.",
    "InternalServerError": "Step Functions had a transient problem; try again.",
    "KmsAccessDeniedException": "The execution role cannot use the state machine's KMS key.",
    "MissingRequiredParameter": "A required parameter is missing from the request.",
}


class AwsCallError(AwsError):
    """An :class:`~sfn_notebook.AwsError` raised by this module.

    In IPython/Jupyter it displays as its message only (``_render_traceback_``), never as a
    botocore traceback.  ``response`` is botocore's error response, when there was one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        operation: str | None = None,
        hint: str | None = None,
        response: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, operation, hint)
        self.response = dict(response) if response is not None else None

    def _render_traceback_(self) -> list[str]:
        return [
            f"AwsError: {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())
        ]

    def __reduce__(self):  # keep it picklable with the extra argument
        return (type(self), (self.code, self.message, self.operation, self.hint, self.response))


# ---------------------------------------------------------------------------------------------- connect


def connect(
    region_name: str | None = None,
    profile_name: str | None = None,
    endpoint_url: str | None = None,
    role_arn: str | None = None,
    session: Any = None,
    client: Any = None,
    account_id: str | None = None,
    *,
    config: Config | None = None,
    poll: tuple[float, float] = (0.2, 5.0),
) -> AwsBackend:
    """Connect to Step Functions and return an :class:`AwsBackend`.

    Credentials come from boto3's standard chain (environment, ``~/.aws``, SSO, instance roles), from
    ``profile_name``, or from a ``session`` (``boto3.Session``) you pass.  Or pass a ready ``client``
    (``boto3.client("stepfunctions")``) and nothing is looked up.  ``endpoint_url`` points at
    LocalStack or moto.  ``role_arn`` is the execution role used when a state machine is created
    (default: the ``SFN_NOTEBOOK_ROLE_ARN`` environment variable).  ``config`` is a botocore
    ``Config`` merged over ours (standard retry mode, 4 attempts); ``poll`` is the (first, longest)
    delay in seconds between two status checks while following an execution.
    """
    role = role_arn if role_arn is not None else os.environ.get(ROLE_ENV_VAR) or None
    if client is not None:
        return AwsBackend(client, role_arn=role, account_id=account_id, poll=poll)
    base = Config(
        retries={"mode": "standard", "max_attempts": 4},
        user_agent_extra="sfn-notebook",
        connect_timeout=10,
        read_timeout=70,
    )
    if endpoint_url is not None:
        # StartSyncExecution and TestState carry a "sync-" host prefix that a local endpoint has no DNS for
        base = base.merge(Config(inject_host_prefix=False))
    if config is not None:
        base = base.merge(config)
    if session is None:
        import boto3

        try:
            session = boto3.Session(profile_name=profile_name, region_name=region_name)
        except bce.BotoCoreError as exc:
            raise _translate(exc, "connect", None) from None
    region = region_name or session.region_name
    if region is None:
        raise AwsCallError(
            "NoRegion",
            "no AWS region is configured",
            "connect",
            "Pass region_name='us-east-1' (or yours), set AWS_DEFAULT_REGION, or add one to ~/.aws/config.",
        )
    try:
        credentials = session.get_credentials()
    except bce.BotoCoreError as exc:
        raise _translate(exc, "connect", None) from None
    if credentials is None:
        raise _no_credentials("connect", profile_name)
    try:
        sfn_client = session.client(
            "stepfunctions", region_name=region, endpoint_url=endpoint_url, config=base
        )
    except bce.BotoCoreError as exc:
        raise _translate(exc, "connect", None) from None
    # a second client with a long read timeout for the calls that last up to 5 minutes
    sync_client = session.client(
        "stepfunctions",
        region_name=region,
        endpoint_url=endpoint_url,
        config=base.merge(Config(read_timeout=330)),
    )
    return AwsBackend(
        sfn_client, role_arn=role, account_id=account_id, poll=poll, session=session, sync_client=sync_client
    )


def _no_credentials(operation: str, profile_name: str | None) -> AwsCallError:
    where = f"profile {profile_name!r}" if profile_name else "the environment, ~/.aws or an instance role"
    return AwsCallError(
        "NoCredentials",
        f"no AWS credentials found in {where}",
        operation,
        "Run `aws configure` or `aws sso login`, set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
        "or pass profile_name= to connect().",
    )


# ---------------------------------------------------------------------------------------------- backend


@dataclass(frozen=True)
class Deployment:
    """What :meth:`AwsBackend.deploy` did: ``action`` is ``created``, ``updated`` or ``unchanged``.

    With ``functions=True``/``create_role=True`` it also lists the Lambda ``functions`` deployed from
    handlers and the IAM ``roles`` (each with its own action); :attr:`function_arns` maps the function
    ARNs of the local definition to those of the deployed one.  ``notes`` say what was left as it is
    (a Lambda Task without a local handler) and where the role's policy had to use a wildcard.
    """

    arn: str
    action: str
    type: str
    functions: tuple[FunctionDeployment, ...] = ()
    roles: tuple[RoleDeployment, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def function_arns(self) -> dict[str, str]:
        """Each function reference of the local definition → what the deployed definition says instead."""
        return {local: deployed for f in self.functions for local, deployed in f.references}

    @property
    def role_arn(self) -> str | None:
        """The execution role deploy() created for the machine (None when it used an existing one)."""
        return next((r.arn for r in self.roles if r.trusts == "states.amazonaws.com"), None)

    @property
    def policy(self) -> dict[str, Any] | None:
        """The policy of the execution role deploy() created (None when it used an existing role)."""
        return next((r.policy for r in self.roles if r.trusts == "states.amazonaws.com"), None)

    @property
    def changed(self) -> bool:
        """Whether anything was created or updated."""
        actions = [self.action, *(f.action for f in self.functions), *(r.action for r in self.roles)]
        return any(a != "unchanged" for a in actions)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(kind, name, action, ARN) for the machine, each function and each role."""
        rows = [("state machine", self.arn.split(":")[-1], self.action, self.arn)]
        rows.extend(("function", f.name, f.action, f.arn) for f in self.functions)
        rows.extend(("role", r.name, r.action, r.arn) for r in self.roles)
        return rows

    def __str__(self) -> str:
        width = max(len(f"{kind} {name}") for kind, name, _, _ in self.rows())
        lines = [
            f"{kind + ' ' + name:<{width}}  {action:<9}  {arn}" for kind, name, action, arn in self.rows()
        ]
        for local, deployed in self.function_arns.items():
            same = local == deployed
            lines.append(
                f"  {local}: the same in the deployed definition" if same else f"  {local} → {deployed}"
            )
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self.rows()
        )
        table = f"<table><thead><tr><th>kind</th><th>name</th><th>action</th><th>ARN</th></tr></thead><tbody>{cells}</tbody></table>"
        mapping = "".join(
            f"<li><code>{html.escape(a)}</code> → <code>{html.escape(b)}</code></li>"
            for a, b in self.function_arns.items()
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            table
            + (f"<p>function ARNs:</p><ul>{mapping}</ul>" if mapping else "")
            + (f"<p>notes:</p><ul>{notes}</ul>" if notes else "")
        )


class AwsBackend:
    """Step Functions on AWS (or a compatible endpoint), driven through one boto3 client.

    Obtain it from :func:`connect`.  ``sm.deploy(aws)`` and ``sm.run(input, on=aws)`` call
    :meth:`deploy` and :meth:`run`.
    """

    throttle_retries = 5
    throttle_backoff = (0.5, 8.0)
    refresh_interval = 1.0  # seconds a RUNNING execution's status is reused before it is asked again

    def __init__(
        self,
        client: Any,
        *,
        role_arn: str | None = None,
        account_id: str | None = None,
        poll: tuple[float, float] = (0.2, 5.0),
        session: Any = None,
        sync_client: Any = None,
    ) -> None:
        self.client = client
        self.sync_client = sync_client if sync_client is not None else client
        self.session = session
        self.role_arn = role_arn
        self.poll = poll
        self.region: str = client.meta.region_name
        self.endpoint_url: str = client.meta.endpoint_url
        self._account_id = account_id if account_id is not None else _account_of(role_arn)
        self.last_deployment: Deployment | None = None
        # clients of the other services deploy() uses ("lambda", "iam"), made on first use
        self.clients: dict[str, Any] = {}
        # what deploy(functions=..., create_role=...) was last asked for each machine, so run() redeploys alike
        self._deploy_options: dict[str, dict[str, Any]] = {}
        # what the calls of this thread must end by (run(timeout=) sets it while it deploys and starts)
        self._scope = threading.local()
        # seams for tests: how to wait, and what time it is
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic

    def __repr__(self) -> str:
        role = f", role={self.role_arn}" if self.role_arn else ""
        return f"<AwsBackend {self.region} at {self.endpoint_url}{role}>"

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def is_aws(self) -> bool:
        """True when talking to AWS itself (not to LocalStack, moto or another endpoint)."""
        return ".amazonaws.com" in self.endpoint_url or ".amazonaws.com.cn" in self.endpoint_url

    # -- the one place calls go through
    def call(
        self, operation: str, *, client: Any = None, deadline: float | None = None, **params: Any
    ) -> dict[str, Any]:
        """Call a Step Functions operation (``"describe_execution"``, ...) with throttling retries.

        Errors come out as :class:`~sfn_notebook.AwsError`; the response comes back without its
        ``ResponseMetadata``.  The call, retries included, ends by ``deadline`` (a time of
        :attr:`clock`) or within :attr:`call_timeout` seconds (:attr:`sync_call_timeout` on the
        client of the long calls): an endpoint that never answers is an error, not a hang.
        """
        target = client if client is not None else self.client
        method = getattr(target, operation)
        long_call = operation in _LONG_CALLS or (target is self.sync_client and target is not self.client)
        limit = self.clock() + (self.sync_call_timeout if long_call else self.call_timeout)
        for end in (deadline, getattr(self._scope, "deadline", None)):
            if end is not None:
                limit = min(limit, end)
        delay, cap = self.throttle_backoff
        attempt = 0
        while True:
            try:
                response = self._answer(method, params, limit, operation, target)
            except bce.ClientError as exc:
                code = _error_code(exc)
                # throttling is retried; a read that met a passing server error, a couple of times
                retry = code in _THROTTLING_CODES or (
                    attempt < 2 and operation.startswith(_READS) and _transient_server_error(exc, code)
                )
                pause = delay * random.uniform(0.5, 1.0)
                if retry and attempt < self.throttle_retries and self.clock() + pause < limit:
                    attempt += 1
                    self.sleep(pause)
                    delay = min(delay * 2, cap)
                    continue
                raise _translate(exc, operation, self, attempts=attempt, client=target) from None
            except bce.BotoCoreError as exc:
                raise _translate(exc, operation, self, client=target) from None
            except AwsError:
                raise
            except Exception as exc:  # botocore failed to read an answer that is not AWS's shape
                action = _api_name(operation, target)
                raise AwsCallError(
                    "MalformedResponse",
                    f"{self.endpoint_url} answered {action} with what botocore cannot read "
                    f"({type(exc).__name__}: {exc})",
                    action,
                    _MALFORMED_HINT,
                ) from None
            return _checked(response, operation, self, target)

    call_timeout = 90.0  # seconds one call may take, botocore's own retries included
    sync_call_timeout = 360.0  # StartSyncExecution and TestState: up to 5 minutes of work
    display_timeout = 10.0  # seconds showing an execution waits for its status

    def _answer(self, method: Any, params: dict[str, Any], limit: float, operation: str, client: Any) -> Any:
        """``method(**params)`` in a worker thread, given up (an AwsError) at ``limit``."""
        box: list[Any] = []

        def work() -> None:
            try:
                box.append((True, method(**params)))
            except BaseException as exc:  # handed to the caller
                box.append((False, exc))

        worker = threading.Thread(target=work, name=f"sfn-notebook {operation}", daemon=True)
        worker.start()
        worker.join(max(0.0, limit - self.clock()))
        if not box:  # still waiting for the endpoint: leave the thread to its socket timeout
            action = _api_name(operation, client)
            raise AwsCallError(
                "Timeout",
                f"{self.endpoint_url} did not answer {action} in time",
                action,
                "The endpoint accepts connections but does not answer: check endpoint_url, or try again "
                "(a longer timeout=, or AwsBackend.call_timeout).",
            )
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def _pages(
        self, operation: str, key: str, limit: int | None = None, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paginated operation, following nextToken."""
        token: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            if token is not None:
                params["nextToken"] = token
            page = self.call(operation, **params)
            for item in page.get(key, []):
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return
            token = page.get("nextToken")
            if token is None or token == "":
                return
            if token in seen:  # a page that leads back to itself: following it would never end
                action = _api_name(operation, self.client)
                raise AwsCallError(
                    "MalformedResponse",
                    f"{self.endpoint_url} answered {action} with a nextToken it had already given",
                    action,
                    _MALFORMED_HINT,
                )
            seen.add(token)

    # -- naming
    @property
    def account_id(self) -> str | None:
        """The AWS account (from connect(), the role ARN, an ARN seen, or STS), None if unknown."""
        if self._account_id is None and self.session is not None:
            try:
                sts = self.session.client("sts", region_name=self.region, endpoint_url=self._sts_endpoint())
                identity = self._answer(
                    sts.get_caller_identity, {}, self.clock() + 30.0, "get_caller_identity", sts
                )
                self._account_id = str(identity["Account"])
            except (bce.BotoCoreError, bce.ClientError, AwsError, KeyError, TypeError):
                return None
        return self._account_id

    def _sts_endpoint(self) -> str | None:
        return None if self.is_aws else self.endpoint_url

    def service_client(self, service: str) -> Any:
        """A boto3 client of another service (``"lambda"``, ``"iam"``) with this backend's credentials,
        region and endpoint (a local endpoint serves every service; on AWS each has its own)."""
        client = self.clients.get(service)
        if client is None:
            session = self.session
            if session is None:
                import boto3

                session = boto3.Session(region_name=self.region)
            try:
                client = session.client(
                    service,
                    region_name=self.region,
                    endpoint_url=self._sts_endpoint(),
                    config=self.client.meta.config,
                )
            except bce.BotoCoreError as exc:
                raise _translate(exc, "connect", self) from None
            self.clients[service] = client
        return client

    @property
    def can_invoke_lambda(self) -> bool:
        """Whether Lambda functions can run here: always on AWS; an emulator (moto, LocalStack) runs them
        in Docker, so there it is whether a Docker daemon answers."""
        from .deploy import docker_available

        return self.is_aws or docker_available()

    def state_machine_arn(self, machine: StateMachine | str) -> str:
        """The ARN of a state machine given as a StateMachine, a name, or an ARN (returned as is)."""
        name = machine if isinstance(machine, str) else machine.name
        if name.startswith("arn:"):
            return name
        account = self.account_id
        if account is not None:
            return f"arn:{self.partition}:states:{self.region}:{account}:stateMachine:{name}"
        for item in self._pages("list_state_machines", "stateMachines", maxResults=1000):
            if item["name"] == name:
                self._learn_account(item["stateMachineArn"])
                return str(item["stateMachineArn"])
        raise AwsCallError(
            "StateMachineDoesNotExist",
            f"no state machine named {name!r} in {self.region}",
            "ListStateMachines",
            _HINTS["StateMachineDoesNotExist"].format(region=self.region),
        )

    def _learn_account(self, arn: str) -> None:
        parts = arn.split(":")
        if self._account_id is None and len(parts) > 4 and parts[4] != "":
            self._account_id = parts[4]

    # -- state machines
    def deploy(
        self,
        sm: StateMachine,
        type: str | None = None,
        tags: Mapping[str, str] | None = None,
        update: bool = True,
        role_arn: str | None = None,
        *,
        functions: bool = False,
        create_role: bool = False,
        resources: Mapping[str, Any] | None = None,
        runtime: str = DEFAULT_RUNTIME,
        function_role_arn: str | None = None,
    ) -> str:
        """Create the state machine, or update it when its definition or role changed; returns its ARN.

        Idempotent: deploying an unchanged machine makes no change.  ``type`` (``STANDARD`` or
        ``EXPRESS``, default ``sm.type``) cannot change once created.  ``update=False`` leaves an
        existing machine as it is.  ``tags`` are added (existing tags are kept).  The role is
        ``role_arn``, else ``sm.role_arn``; the backend's role (connect() / SFN_NOTEBOOK_ROLE_ARN) is
        only used to create a machine, never to change the role of an existing one.

        ``functions=True`` also deploys, as Lambda functions, the Python handlers that serve Lambda
        Tasks locally (``@sfn.task``, or ``resources=`` as for a run), under the function names of
        the definition's ARNs (``runtime``, default python3.12; role ``function_role_arn``), and
        deploys the definition with their ARNs.  ``create_role=True`` creates the machine's execution
        role with a least-privilege policy read from the definition (and the functions' role).
        ``self.last_deployment`` says what was created, updated or left unchanged; see
        :mod:`sfn_notebook.deploy`.
        """
        if functions or create_role:
            from .deploy import deploy_with_functions

            options: dict[str, Any] = {
                "functions": functions,
                "create_role": create_role,
                "resources": resources,
                "runtime": runtime,
                "function_role_arn": function_role_arn,
                "role_arn": role_arn,
            }
            arn = deploy_with_functions(
                self,
                sm,
                **options,
                deploy_machine=lambda target, role: self._deploy_machine(target, type, tags, update, role),
            )
            self._deploy_options[sm.name] = options
            return arn
        self._deploy_options.pop(sm.name, None)
        return self._deploy_machine(sm, type, tags, update, role_arn)

    def _deploy_machine(
        self,
        sm: StateMachine,
        type: str | None,
        tags: Mapping[str, str] | None,
        update: bool,
        role_arn: str | None,
    ) -> str:
        machine_type = type if type is not None else sm.type
        if machine_type not in ("STANDARD", "EXPRESS"):
            raise ValueError(f"type must be 'STANDARD' or 'EXPRESS', not {machine_type!r}")
        requested_role = role_arn or sm.role_arn
        existing = self._describe_machine(sm.name)
        if existing is None:
            role = requested_role or self.role_arn
            if role is None:
                raise AwsCallError(
                    "MissingRoleArn",
                    f"no execution role to create the state machine {sm.name!r} with",
                    "CreateStateMachine",
                    f"Pass role_arn= to sfn.aws.connect() or sm.deploy(), or set {ROLE_ENV_VAR} (a role that "
                    "trusts states.amazonaws.com), or deploy with create_role=True to create one.",
                )
            params: dict[str, Any] = {
                "name": sm.name,
                "definition": sm.to_json(),
                "roleArn": role,
                "type": machine_type,
            }
            if tags is not None and len(tags) > 0:
                params["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
            arn = str(self.call("create_state_machine", **params)["stateMachineArn"])
            self._learn_account(arn)
            return self._deployed(arn, "created", machine_type)
        arn = existing["stateMachineArn"]
        self._learn_account(arn)
        if existing.get("type", "STANDARD") != machine_type:
            raise AwsCallError(
                "StateMachineAlreadyExists",
                f"a {existing.get('type')} state machine named {sm.name!r} already exists; "
                f"its type cannot change to {machine_type}",
                "CreateStateMachine",
                _HINTS["StateMachineAlreadyExists"],
            )
        action = "unchanged"
        changes: dict[str, Any] = {}
        if _canonical(_json_or_text(existing.get("definition"))) != _canonical(sm.definition):
            changes["definition"] = sm.to_json()
        if requested_role is not None and requested_role != existing.get("roleArn"):
            changes["roleArn"] = requested_role
        if changes and update:
            self.call("update_state_machine", stateMachineArn=arn, **changes)
            action = "updated"
        if tags is not None and len(tags) > 0:
            current = self.call("list_tags_for_resource", resourceArn=arn).get("tags", [])
            have = {t["key"]: t["value"] for t in current}
            missing = [{"key": k, "value": v} for k, v in tags.items() if have.get(k) != v]
            if missing and update:
                self.call("tag_resource", resourceArn=arn, tags=missing)
                action = "updated" if action == "unchanged" else action
        return self._deployed(arn, action, machine_type)

    def _deployed(self, arn: str, action: str, machine_type: str) -> str:
        self.last_deployment = Deployment(arn, action, machine_type)
        return arn

    def _describe_machine(self, name_or_arn: str) -> dict[str, Any] | None:
        try:
            arn = self.state_machine_arn(name_or_arn)
            return self.call("describe_state_machine", stateMachineArn=arn)
        except AwsError as exc:
            if exc.code == "StateMachineDoesNotExist":
                return None
            raise

    def state_machine(self, name_or_arn: str) -> StateMachine:
        """Fetch a deployed state machine (DescribeStateMachine) as a local :class:`StateMachine`."""
        described = self._describe_machine(name_or_arn)
        if described is None:
            raise AwsCallError(
                "StateMachineDoesNotExist",
                f"no state machine {name_or_arn!r} in {self.region}",
                "DescribeStateMachine",
                _HINTS["StateMachineDoesNotExist"].format(region=self.region),
            )
        return _machine_from_description(described)

    def delete(self, machine: StateMachine | str, *, functions: bool = False, role: bool = False) -> Removal:
        """Delete a state machine (by StateMachine, name or ARN); AWS finishes it asynchronously.

        ``functions=True`` also deletes the Lambda functions and ``role=True`` the IAM roles that
        ``deploy(..., functions=True, create_role=True)`` created for it (found by their
        ``sfn-notebook:state-machine`` tag; anything else is left alone).  Returns what was deleted.
        """
        from .deploy import Removal, delete_deployed

        name = machine if isinstance(machine, str) else machine.name
        self._deploy_options.pop(name.split(":")[-1], None)
        if functions or role:
            return delete_deployed(self, machine, functions=functions, role=role)
        arn = self.state_machine_arn(machine)
        self.call("delete_state_machine", stateMachineArn=arn)
        return Removal((arn,))

    # -- executions
    def run(
        self,
        sm: StateMachine,
        input: Any = MISSING,
        name: str | None = None,
        wait: bool = True,
        poll: tuple[float, float] | None = None,
        timeout: float | None = None,
    ) -> AwsExecution:
        """Deploy ``sm`` if needed, start an execution and (``wait=True``) follow it to its end.

        Standard machines use StartExecution and then DescribeExecution with a growing delay
        (``poll``, default 0.2 s doubling up to 5 s).  Express machines use StartSyncExecution, which
        returns when the execution ends (they keep no history in Step Functions).
        """
        payload = _encode_input({} if input is MISSING else input)
        if sm.type == "EXPRESS" and not wait:
            raise ValueError(
                "Express executions run with StartSyncExecution here, which waits for the end; "
                "use wait=True (or deploy as type='STANDARD' to follow it in the background)"
            )
        if name is None:
            name = str(uuid.uuid4())
        # with a timeout, deploying and starting count against it too (every call ends by the deadline)
        outer = getattr(self._scope, "deadline", None)
        end = self.clock() + (timeout if timeout is not None else 0.0)
        if timeout is not None:
            self._scope.deadline = end if outer is None else min(end, outer)
        try:
            arn = self.deploy(sm, **self._deploy_options.get(sm.name, {}))
            if sm.type == "EXPRESS":
                result = self.call(
                    "start_sync_execution",
                    client=self.sync_client,
                    stateMachineArn=arn,
                    name=name,
                    input=payload,
                )
                return AwsExecution(
                    self, result["executionArn"], state_machine=sm, description=result, sync=True
                )
            started = self.call("start_execution", stateMachineArn=arn, name=name, input=payload)
        finally:
            self._scope.deadline = outer
        description = {
            "executionArn": started["executionArn"],
            "stateMachineArn": arn,
            "name": name,
            "status": "RUNNING",
            "startDate": started.get("startDate"),
            "input": payload,
        }
        execution = AwsExecution(self, started["executionArn"], state_machine=sm, description=description)
        if wait:
            left = None if timeout is None else max(0.0, end - self.clock())
            execution.wait(timeout=left, poll=poll)
        return execution

    def start(self, sm: StateMachine, input: Any = MISSING, name: str | None = None) -> AwsExecution:
        """Deploy if needed and start an execution without waiting (``run(..., wait=False)``)."""
        return self.run(sm, input, name=name, wait=False)

    def execution(self, arn: str) -> AwsExecution:
        """Attach to an existing execution by ARN (also one started elsewhere) and inspect it."""
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            raise ValueError(
                f"an execution ARN looks like arn:aws:states:<region>:<account>:execution:..., not {arn!r}"
            )
        description = self.call("describe_execution", executionArn=arn)
        self._learn_account(arn)
        return AwsExecution(self, arn, description=description)

    def executions(
        self,
        machine: StateMachine | str,
        status: str | None = None,
        max_results: int | None = 100,
    ) -> Any:
        """The executions of a state machine, newest first, as a pandas DataFrame.

        ``machine`` is a StateMachine, a name or an ARN; ``status`` filters (RUNNING, SUCCEEDED,
        FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE); ``max_results=None`` lists them all.  Columns:
        :data:`EXECUTION_COLUMNS`.  ``aws.execution(frame.execution_arn[0])`` attaches to one.
        """
        import pandas as pd

        if status is not None and status not in EXECUTION_STATUSES:
            raise ValueError(f"unknown status {status!r} (must be one of {', '.join(EXECUTION_STATUSES)})")
        params: dict[str, Any] = {"stateMachineArn": self.state_machine_arn(machine), "maxResults": 1000}
        if max_results is not None:
            params["maxResults"] = max(1, min(1000, max_results))
        if status is not None:
            params["statusFilter"] = status
        records = []
        for item in self._pages("list_executions", "executions", limit=max_results, **params):
            start, stop = item.get("startDate"), item.get("stopDate")
            records.append(
                {
                    "name": item.get("name"),
                    "status": item.get("status"),
                    "start_date": start,
                    "stop_date": stop,
                    "duration": stop - start if start is not None and stop is not None else None,
                    "redrive_count": item.get("redriveCount"),
                    "execution_arn": item.get("executionArn"),
                }
            )
        frame = pd.DataFrame.from_records(records, columns=EXECUTION_COLUMNS)
        frame["start_date"] = pd.to_datetime(frame["start_date"], utc=True)
        frame["stop_date"] = pd.to_datetime(frame["stop_date"], utc=True)
        frame["duration"] = pd.to_timedelta(frame["duration"])
        frame["redrive_count"] = frame["redrive_count"].astype("Int64")
        for column in ("name", "status", "execution_arn"):
            frame[column] = frame[column].astype("object")
        return frame

    def history(self, arn: str) -> list[dict[str, Any]]:
        """Every event of an execution's history (all pages of GetExecutionHistory), oldest first."""
        return list(self._pages("get_execution_history", "events", executionArn=arn, maxResults=1000))

    # -- checks
    def validate(
        self,
        sm: StateMachine | Mapping[str, Any] | str,
        type: str | None = None,
        max_results: int = 100,
    ) -> ValidationReport:
        """AWS's diagnostics (ValidateStateMachineDefinition) beside the local ones.

        ``sm`` is a StateMachine or a definition (dict, JSON or YAML text); a definition that does not
        even build locally is still sent to AWS, and its local errors are listed too.  When the
        endpoint does not implement the API (moto), the report says so and holds the local ones.
        """
        local, definition_text, machine_type = _local_diagnostics(sm)
        if type is not None:
            machine_type = type
        diagnostics = [
            ValidationDiagnostic("local", d.severity, d.code, d.message, d.location()) for d in local
        ]
        try:
            answer = self.call(
                "validate_state_machine_definition",
                definition=definition_text,
                type=machine_type,
                severity="WARNING",
                maxResults=max(1, min(100, max_results)),
            )
        except AwsError as exc:
            if exc.code not in _UNAVAILABLE_CODES:
                raise
            note = (
                f"AWS's validation is unavailable here ({exc.message}): only the local diagnostics are shown"
            )
            return ValidationReport(diagnostics, None, False, note)
        for d in answer.get("diagnostics", []):
            diagnostics.append(
                ValidationDiagnostic(
                    "aws",
                    d.get("severity", "ERROR"),
                    d.get("code", ""),
                    d.get("message", ""),
                    d.get("location", ""),
                )
            )
        return ValidationReport(diagnostics, answer.get("result"), bool(answer.get("truncated", False)), None)

    def test_state(
        self,
        sm: StateMachine | None = None,
        state_name: str | None = None,
        input: Any = MISSING,
        inspection_level: str = "DEBUG",
        variables: Mapping[str, Any] | None = None,
        mock: Mapping[str, Any] | None = None,
        role_arn: str | None = None,
        reveal_secrets: bool = False,
        context: Mapping[str, Any] | None = None,
        state_configuration: Mapping[str, Any] | None = None,
        **request: Any,
    ) -> Any:
        """Run one state on AWS with the TestState API, as :meth:`StateMachine.test_state
        <sfn_notebook.StateMachine.test_state>` does locally.

        ``aws.test_state(sm, "State", input, ...)`` returns a :class:`TestStateResult` (a top-level
        state is sent alone, with the machine's QueryLanguage; a nested one with the whole machine and
        ``stateName``); ``mock`` is TestState's mock (``{"result": ...}`` or ``{"errorOutput": {"error":
        ..., "cause": ...}}``; a non-text result is JSON-encoded).  ``aws.test_state(**request)``
        with the API's own keyword arguments (``definition=``, ``input=``, ...) returns the API's
        answer as a dict, as :func:`sfn_notebook.test_state` does locally.
        """
        for local_only in ("resources", "local_aws"):  # local stand-ins: AWS calls the real resources
            request.pop(local_only, None)
        if sm is None:
            if "definition" not in request:
                raise TypeError("test_state needs a StateMachine and a state name, or the API's definition=")
            # the API's input, variables, context and mock share their names with this method's
            named = {"input": input, "variables": variables, "context": context, "mock": mock}
            request.update({k: v for k, v in named.items() if v is not MISSING and v is not None})
            return self.call("test_state", client=self.sync_client, **api_request(request))
        if request:
            raise TypeError(f"unexpected arguments with a StateMachine: {', '.join(sorted(request))}")
        if state_name is None:
            raise TypeError("test_state needs the name of the state to test")
        params = test_state_request(
            sm,
            state_name,
            input,
            inspection_level=inspection_level,
            variables=variables,
            mock=mock,
            role_arn=role_arn or sm.role_arn or self.role_arn,
            reveal_secrets=reveal_secrets,
            context=context,
            state_configuration=state_configuration,
        )
        answer = self.call("test_state", client=self.sync_client, **params)
        return TestStateResult.from_response(state_name, answer)


# ---------------------------------------------------------------------------------------------- executions


class AwsExecution(Execution):
    """An execution on AWS, with the same interface as a local one.

    ``status`` is re-read from DescribeExecution (at most once a second) while the execution runs;
    :meth:`refresh` forces it.  ``events`` is the whole GetExecutionHistory, every page, kept once
    the execution has ended.
    """

    def __init__(
        self,
        backend: AwsBackend,
        arn: str,
        *,
        state_machine: StateMachine | None = None,
        description: Mapping[str, Any] | None = None,
        sync: bool = False,
    ) -> None:
        self.backend = backend
        self.arn = arn
        self._description: dict[str, Any] = dict(description) if description is not None else {}
        self._described_at: float | None = backend.clock() if description is not None else None
        self.name = self._description.get("name") or _execution_name(arn)
        self._events: list[dict[str, Any]] | None = None
        self._machine = state_machine
        self._machine_loaded = state_machine is not None
        self.sync = sync
        self.notes: list[str] = []
        if sync:
            self.notes.append(
                "Express executions keep no history in Step Functions: events are empty "
                "(enable CloudWatch Logs at level ALL to record them)"
            )

    # -- DescribeExecution
    @property
    def description(self) -> dict[str, Any]:
        """The latest DescribeExecution (or StartSyncExecution) response."""
        stale = self._described_at is None or (
            self._description.get("status") not in FINAL_STATUSES
            and self.backend.clock() - self._described_at >= self.backend.refresh_interval
        )
        if stale and not self.sync:
            self.refresh()
        return self._description

    def refresh(self, deadline: float | None = None) -> AwsExecution:
        """Read the status again (DescribeExecution), giving up at ``deadline`` (a time of the backend's clock)."""
        if not self.sync:
            self._description = self.backend.call(
                "describe_execution", executionArn=self.arn, deadline=deadline
            )
            self._described_at = self.backend.clock()
        return self

    @property
    def status(self) -> str:
        return str(self.description["status"])

    @property
    def output(self) -> Any:
        d = self.description
        return parse_json_text(d["output"]) if "output" in d else None

    @property
    def error(self) -> str | None:
        return self.description.get("error")

    @property
    def cause(self) -> str | None:
        return self.description.get("cause")

    @property
    def input(self) -> Any:
        d = self.description
        return parse_json_text(d["input"]) if "input" in d else super().input

    @property
    def start_date(self) -> datetime | None:
        return self.description.get("startDate")

    @property
    def stop_date(self) -> datetime | None:
        return self.description.get("stopDate")

    @property
    def redrive_count(self) -> int:
        return int(self.description.get("redriveCount", 0))

    @property
    def state_machine_arn(self) -> str | None:
        return self.description.get("stateMachineArn")

    @property
    def console_url(self) -> str | None:
        """The execution's page in the AWS console (None for other endpoints)."""
        if not self.backend.is_aws:
            return None
        region = self.backend.region
        return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{self.arn}"

    # -- history
    @property
    def events(self) -> list[dict[str, Any]]:
        if self._events is not None:
            return self._events
        if self.sync:
            return []
        ended = self.refresh().status in FINAL_STATUSES
        events = self.backend.history(self.arn)
        if ended:
            if len(events) == 0:  # every execution that ran has an ExecutionStarted event at least
                raise AwsCallError(
                    "MalformedResponse",
                    f"{self.backend.endpoint_url} answered GetExecutionHistory with no events for an "
                    f"execution that is {self.status}",
                    "GetExecutionHistory",
                    _MALFORMED_HINT,
                )
            self._events = events
        return events

    # -- the state machine (for graph() and explore())
    @property  # type: ignore[override]
    def state_machine(self) -> StateMachine | None:
        if not self._machine_loaded:
            self._machine_loaded = True
            try:
                self._machine = self.load_state_machine()
            except (AwsError, DefinitionError) as exc:
                self.notes.append(f"state machine not available: {exc}")
        return self._machine

    @state_machine.setter
    def state_machine(self, value: StateMachine | None) -> None:
        self._machine = value
        self._machine_loaded = True

    def load_state_machine(self) -> StateMachine:
        """The definition this execution ran (DescribeStateMachineForExecution) as a StateMachine."""
        described = self.backend.call("describe_state_machine_for_execution", executionArn=self.arn)
        # only Standard executions can be described; Express ARNs say ":express:"
        described.setdefault("type", "EXPRESS" if ":express:" in self.arn else "STANDARD")
        return _machine_from_description(described)

    # -- control
    def wait(self, timeout: float | None = None, poll: tuple[float, float] | None = None) -> AwsExecution:
        """Poll until the execution ends (or ``timeout`` seconds pass); returns self either way."""
        if self.sync:
            return self
        delay, cap = poll if poll is not None else self.backend.poll
        clock = self.backend.clock
        deadline = None if timeout is None else clock() + timeout
        while True:
            # each status check ends by the deadline too (an endpoint that does not answer, throttling),
            # with a moment's grace for the last one
            limit = None if deadline is None else max(deadline, clock() + 0.5)
            if self.refresh(limit).status in FINAL_STATUSES:
                return self
            if deadline is not None:
                left = deadline - clock()
                if left <= 0:
                    return self
                self.backend.sleep(min(delay, left))
            else:
                self.backend.sleep(delay)
            delay = min(delay * 2, cap)

    def stop(self, error: str | None = None, cause: str | None = None) -> AwsExecution:
        """Stop the execution (StopExecution): status ABORTED, history kept."""
        if self.sync:
            raise ValueError("a synchronous Express execution has already ended")
        params: dict[str, Any] = {"executionArn": self.arn}
        if error is not None:
            params["error"] = error
        if cause is not None:
            params["cause"] = cause
        self.backend.call("stop_execution", **params)
        self._events = None
        # AWS answers once the execution is ABORTED; some endpoints (moto) stop it a moment later
        return self.wait(timeout=10)

    def redrive(self, wait: bool = True, timeout: float | None = None) -> AwsExecution:
        """Restart a FAILED/ABORTED/TIMED_OUT Standard execution from where it failed (RedriveExecution)."""
        if self.sync:
            raise ValueError("Express executions cannot be redriven")
        self.backend.call("redrive_execution", executionArn=self.arn, clientToken=str(uuid.uuid4()))
        self._events = None
        self.refresh()
        if wait:
            self.wait(timeout=timeout)
        return self

    def send_task_success(self, token: str, output: Any) -> AwsExecution:
        """Complete a ``.waitForTaskToken`` task (SendTaskSuccess)."""
        self.backend.call("send_task_success", taskToken=token, output=dumps(output))
        return self

    def send_task_failure(
        self, token: str, error: str | None = None, cause: str | None = None
    ) -> AwsExecution:
        """Fail a ``.waitForTaskToken`` task (SendTaskFailure); Retry/Catch apply."""
        params: dict[str, Any] = {"taskToken": token}
        if error is not None:
            params["error"] = error
        if cause is not None:
            params["cause"] = cause
        self.backend.call("send_task_failure", **params)
        return self

    def send_task_heartbeat(self, token: str) -> AwsExecution:
        self.backend.call("send_task_heartbeat", taskToken=token)
        return self

    def summary(self) -> str:
        try:
            text = super().summary()
        except AwsError as exc:  # the endpoint is down or answers nonsense: one line says so
            return f"{type(self).__name__} {self.name}: status unknown ({_one_line(exc)})"
        for note in dict.fromkeys(self.notes):
            text += f"\n  note: {note}"
        return text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The coloured graph; while the endpoint cannot be reached, a one-line status instead."""
        try:
            if self._description.get("status") not in FINAL_STATUSES and not self.sync:
                self.refresh(self.backend.clock() + self.backend.display_timeout)
        except AwsError:
            return {"text/plain": repr(self)}
        return super()._repr_mimebundle_(include, exclude)


# ---------------------------------------------------------------------------------------------- validate


@dataclass(frozen=True)
class ValidationDiagnostic:
    """One diagnostic from AWS (``source="aws"``) or from sfn_notebook (``source="local"``)."""

    source: str
    severity: str
    code: str
    message: str
    location: str

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"[{self.source}] {self.severity.lower()} {self.code}{where}: {self.message}"


@dataclass
class ValidationReport:
    """AWS's and the local diagnostics of one definition, side by side.

    ``aws_result`` is AWS's verdict (``OK``/``FAIL``), None when AWS could not be asked (``note``
    says why).  AWS warns that its codes and wording may change: rely on ``aws_result``.
    """

    diagnostics: list[ValidationDiagnostic]
    aws_result: str | None
    truncated: bool = False
    note: str | None = None

    @property
    def ok(self) -> bool:
        """No errors from either side."""
        return self.aws_result != "FAIL" and all(d.severity != "ERROR" for d in self.diagnostics)

    @property
    def aws_available(self) -> bool:
        return self.aws_result is not None

    def to_frame(self) -> Any:
        """The diagnostics as a DataFrame with :data:`VALIDATION_COLUMNS`."""
        import pandas as pd

        records = [{c: getattr(d, c) for c in VALIDATION_COLUMNS} for d in self.diagnostics]
        return pd.DataFrame.from_records(records, columns=VALIDATION_COLUMNS).astype("object")

    def __len__(self) -> int:
        return len(self.diagnostics)

    def __iter__(self) -> Iterator[ValidationDiagnostic]:
        return iter(self.diagnostics)

    def _headline(self) -> str:
        aws = f"AWS says {self.aws_result}" if self.aws_result is not None else "AWS not asked"
        errors = sum(d.severity == "ERROR" for d in self.diagnostics)
        warnings = len(self.diagnostics) - errors
        return f"{'valid' if self.ok else 'invalid'}: {aws}; {errors} error(s), {warnings} warning(s)"

    def __str__(self) -> str:
        lines = [self._headline()]
        if self.note is not None:
            lines.append(f"note: {self.note}")
        lines.extend(f"  {d}" for d in self.diagnostics)
        if self.truncated:
            lines.append("  (AWS truncated its list)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport {self._headline()}>"

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self._headline())}</b></p>"
        if self.note is not None:
            head += f"<p><em>{html.escape(self.note)}</em></p>"
        if not self.diagnostics:
            return head
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(getattr(d, c)))}</td>" for c in VALIDATION_COLUMNS)
            + "</tr>"
            for d in self.diagnostics
        )
        header = "".join(f"<th>{c}</th>" for c in VALIDATION_COLUMNS)
        return f"{head}<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def _local_diagnostics(sm: Any) -> tuple[list[Diagnostic], str, str]:
    """(local diagnostics, definition text for AWS, machine type) for a StateMachine or a definition."""
    from .machine import StateMachine

    if isinstance(sm, StateMachine):
        return list(sm.diagnostics), sm.to_json(), sm.type
    try:
        machine = StateMachine(sm)
    except DefinitionError as exc:
        if isinstance(sm, str):
            text = sm
        else:
            text = json.dumps(sm, ensure_ascii=False, default=str)
        if isinstance(sm, str) and not sm.lstrip().startswith("{"):
            try:  # YAML: AWS takes JSON
                import yaml

                text = json.dumps(yaml.safe_load(sm), ensure_ascii=False, default=str)
            except Exception:
                pass
        return list(exc.diagnostics), text, "STANDARD"
    return list(machine.diagnostics), machine.to_json(), machine.type


# ---------------------------------------------------------------------------------------------- helpers


def _machine_from_description(described: Mapping[str, Any]) -> StateMachine:
    from .machine import StateMachine

    return StateMachine(
        described["definition"],
        name=described["name"],
        type=described.get("type", "STANDARD"),
        role_arn=described.get("roleArn"),
        source_name=described.get("stateMachineArn"),
    )


def _encode_input(value: Any) -> str:
    try:
        return dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the input must be made of JSON values (dict, list, str, number, bool, None): {exc}"
        ) from None


def _json_or_text(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _canonical(value: Any) -> str:
    """JSON text that is equal for equal JSON values (so that ``1`` and ``true`` differ)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _account_of(arn: str | None) -> str | None:
    if arn is None:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def _execution_name(arn: str) -> str:
    parts = arn.split(":")
    # standard: ...:execution:<machine>:<name>; express: ...:express:<machine>:<name>:<id>
    if len(parts) >= 8 and parts[5] in ("execution", "express"):
        return parts[7]
    return parts[-1]


def _error_code(exc: bce.ClientError) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code") or ""
    if code == "":
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        code = headers.get("x-amzn-errortype", "").split(":")[0] or "UnknownError"
    return str(code)


def _translate(
    exc: Exception, operation: str, backend: AwsBackend | None, attempts: int = 0, client: Any = None
) -> AwsCallError:
    """A botocore exception as an AwsError with AWS's code and a hint a notebook user can act on."""
    if client is None and backend is not None:
        client = backend.client
    action = _api_name(operation, client)
    prefix = _iam_prefix(client)
    region = backend.region if backend is not None else "this region"
    endpoint = backend.endpoint_url if backend is not None else "the endpoint"
    if isinstance(exc, bce.ClientError):
        return _translate_client_error(exc, action, backend, attempts, prefix, region, endpoint)
    return _translate_local_error(exc, action, endpoint)


def _translate_client_error(
    exc: bce.ClientError,
    action: str,
    backend: AwsBackend | None,
    attempts: int,
    prefix: str,
    region: str,
    endpoint: str,
) -> AwsCallError:
    """An error AWS (or the endpoint) answered, with its code and a hint."""
    code = _error_code(exc)
    error = exc.response.get("Error", {})
    message = str(error.get("Message") or exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _THROTTLING_CODES:
        tries = f" (retried {attempts} times)" if attempts else ""
        return AwsCallError(
            code,
            message + tries,
            action,
            "AWS is throttling these calls: slow down (e.g. a longer poll=) or ask for a higher quota.",
            exc.response,
        )
    if "not been implemented" in message.lower() or "not implemented" in message.lower():
        return AwsCallError(
            "NotImplemented",
            f"{endpoint} does not implement {action}",
            action,
            "Use real AWS for this call, or the local engine.",
            exc.response,
        )
    if isinstance(status, int) and status >= 500 and _no_aws_error(code, message) and backend is not None:
        # moto answers an HTML page for an API it lacks and for its own internal errors: only an
        # API known to be missing there is blamed on the emulator, anything else may pass
        if action in _EMULATORS_LACK and not backend.is_aws:
            hint = (
                f"The endpoint does not implement {action} or had an internal error (moto lacks "
                "ValidateStateMachineDefinition, TestState, StartSyncExecution and RedriveExecution)."
            )
        else:
            hint = "The endpoint had a server-side error, which may pass: try again."
        return AwsCallError(
            "EndpointError",
            f"{endpoint} failed on {action} with HTTP {status} and no AWS error code",
            action,
            hint,
            exc.response,
        )
    if code in _CREDENTIAL_CODES:
        hint = "The credentials are not valid for this account/region: check AWS_PROFILE or your keys."
    elif code in _EXPIRED_CODES:
        hint = "Your credentials have expired: run `aws sso login` (or refresh your temporary keys)."
    elif code in ("AccessDeniedException", "AccessDenied") and "assume" in message.lower():
        hint = (
            "Step Functions cannot assume the execution role: its trust policy must allow "
            "states.amazonaws.com to sts:AssumeRole."
        )
    elif code == "ValidationException" and "role" in message.lower():
        hint = "Check the execution role ARN (arn:aws:iam::<account>:role/<name>)."
    else:
        hint = _HINTS.get(code, "")
        if hint == "" and isinstance(status, int) and status >= 500:
            hint = "Step Functions had a server-side problem; try again."
    return AwsCallError(
        code,
        message,
        action,
        hint.format(action=action, region=region, prefix=prefix) or None,
        exc.response,
    )


def _translate_local_error(exc: Exception, action: str, endpoint: str) -> AwsCallError:
    """An error botocore raised before or instead of an answer: credentials, region, network, parameters."""
    if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError, bce.CredentialRetrievalError)):
        error = _no_credentials(action, None)
        error.message = f"{error.message} ({exc})"
        return error
    if isinstance(exc, (bce.SSOTokenLoadError, bce.UnauthorizedSSOTokenError, bce.TokenRetrievalError)):
        return AwsCallError("ExpiredToken", str(exc), action, "Run `aws sso login` for this profile.")
    if isinstance(exc, bce.NoRegionError):
        return AwsCallError(
            "NoRegion", "no AWS region is configured", action, "Pass region_name= or set AWS_DEFAULT_REGION."
        )
    if isinstance(exc, bce.ProfileNotFound):
        return AwsCallError(
            "ProfileNotFound",
            str(exc),
            action,
            "Check the profile name in ~/.aws/config (`aws configure list-profiles`).",
        )
    if isinstance(exc, (bce.EndpointConnectionError, bce.ConnectionClosedError, bce.ConnectTimeoutError)):
        return AwsCallError(
            "EndpointConnectionError",
            f"could not reach {endpoint}",
            action,
            "Check the network, the region and endpoint_url; is the local endpoint (moto, LocalStack) up?",
        )
    if isinstance(exc, bce.ReadTimeoutError):
        return AwsCallError(
            "ReadTimeout", f"{endpoint} did not answer in time", action, "Try again; the service may be slow."
        )
    if isinstance(exc, bce.ParamValidationError):
        return AwsCallError(
            "ParamValidation", str(exc), action, "A parameter has the wrong type or is missing."
        )
    return AwsCallError(type(exc).__name__, str(exc), action, None)


_MALFORMED_HINT = (
    "That is not Step Functions' answer: check endpoint_url (a proxy or another service answered?)."
)


def _one_line(exc: AwsError) -> str:
    """An AwsError's code and message on one line."""
    message = " ".join(str(exc.message).split())
    return f"{exc.code}: {message if len(message) <= 160 else message[:157] + '...'}"


def _transient_server_error(exc: bce.ClientError, code: str) -> bool:
    """A 5xx answer that may pass when asked again (not one saying the API is not implemented)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if not isinstance(status, int) or status < 500 or status == 501:
        return False
    message = str(exc.response.get("Error", {}).get("Message") or "").lower()
    return "not implemented" not in message and "not been implemented" not in message


def _checked(response: Any, operation: str, backend: AwsBackend, client: Any) -> dict[str, Any]:
    """The answer without its metadata; an AwsError when it is not the shape Step Functions answers."""
    action = _api_name(operation, client)
    problem = None
    if not isinstance(response, Mapping):
        problem = "an answer that is not a JSON object"
    else:
        for key, kind in _REQUIRED.get(operation, ()):
            if not isinstance(response.get(key), kind):
                problem = f"no {key!r}" if key not in response else f"a {key!r} that is not a {kind.__name__}"
                break
        events = response.get("events") if operation == "get_execution_history" else None
        if problem is None and events is not None:
            if any(not isinstance(e, Mapping) or "type" not in e or "id" not in e for e in events):
                problem = "events without a type or an id"
        items = response.get("diagnostics", []) if operation == "validate_state_machine_definition" else []
        if problem is None and (
            not isinstance(items, list) or any(not isinstance(d, Mapping) for d in items)
        ):
            problem = "diagnostics that are not a list of objects"
    if problem is not None:
        raise AwsCallError(
            "MalformedResponse",
            f"{backend.endpoint_url} answered {action} with {problem}",
            action,
            _MALFORMED_HINT,
        )
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _no_aws_error(code: str, message: str) -> bool:
    """True for an error answer that carries no AWS error code (an HTML page, a bare status)."""
    return code.isdigit() or code == "UnknownError" or message.lstrip().startswith("<")


def _api_name(operation: str, client: Any) -> str:
    if client is not None:
        mapping = getattr(client.meta, "method_to_api_mapping", {})
        if operation in mapping:
            return str(mapping[operation])
    return "".join(part.capitalize() for part in operation.split("_"))


def _iam_prefix(client: Any) -> str:
    """The IAM service prefix of a client's actions: ``states``, ``lambda``, ``iam``."""
    try:
        return str(client.meta.service_model.signing_name)
    except AttributeError:
        return "states"
