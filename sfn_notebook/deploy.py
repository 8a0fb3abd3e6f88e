"""From the notebook to AWS in one call: the Python stand-ins deployed as Lambda functions, with the roles.

``sm.deploy(aws, functions=True, create_role=True)`` (see :meth:`~sfn_notebook.aws.AwsBackend.deploy`):

1. every Lambda Task served locally by a handler (``@sfn.task`` or ``resources=``) names a function —
   ``arn:...:function:Greet`` names ``Greet`` — and the handler is packaged (:mod:`~sfn_notebook.packaging`);
2. with ``create_role=True``, the functions' role (trusts ``lambda.amazonaws.com``, may write their own
   log groups) is created or brought up to date;
3. each function is created, or updated when its code (``CodeSha256``), handler, runtime or role changed;
4. the definition is deployed with the ARNs of those functions (the local ``StateMachine`` keeps its own);
   with ``create_role=True``, under an execution role (trusts ``states.amazonaws.com``) whose policy is
   derived from that definition (:mod:`~sfn_notebook.iam_policy`).

Everything created is tagged ``sfn-notebook:state-machine=<name>``: ``aws.delete(sm, functions=True,
role=True)`` removes exactly that, and a function or role of the same name that carries no such tag is
never changed.  Every call goes through the backend (:meth:`~sfn_notebook.aws.AwsBackend.call`); this
module does not import boto3.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .asl import model as m
from .engine.resources import HandlerRegistry, lambda_keys, parse_resource
from .errors import AwsError
from .iam_policy import (
    LAMBDA_TRUST,
    STATES_TRUST,
    _field,
    execution_policy,
    lambda_logging_policy,
    trust_policy,
)
from .packaging import FunctionPackage, PackagingError, package_handler

if TYPE_CHECKING:
    from .aws import AwsBackend
    from .machine import StateMachine

__all__ = [
    "POLICY_NAME",
    "TAG_KEY",
    "FunctionDeployment",
    "LambdaTask",
    "Removal",
    "RoleDeployment",
    "delete_deployed",
    "deploy_with_functions",
    "docker_available",
    "lambda_tasks",
    "role_name",
]

TAG_KEY = "sfn-notebook:state-machine"
POLICY_NAME = "sfn-notebook"
ROLE_PATH = "/service-role/"
ROLE_PROPAGATION_SECONDS = 90.0  # how long a new role may take to be usable by Lambda and Step Functions
FUNCTION_READY_SECONDS = 300.0  # how long a function may stay Pending or InProgress
POLICY_SETTLE_SECONDS = 10.0  # on AWS, the wait after a role's policy changed, before anything runs
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
_ROLE_DENIED_HINT = (
    "Your credentials lack iam:{action}: pass role_arn= (an existing role that trusts states.amazonaws.com) "
    "and function_role_arn= (one that trusts lambda.amazonaws.com) instead of create_role=True."
)
_LAMBDA_DENIED_HINT = (
    "Your credentials lack lambda:{action}: deploy the functions another way and call deploy() without "
    "functions=True (the definition's function ARNs are then used as they are)."
)


# ---------------------------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class FunctionDeployment:
    """One Lambda function deployed from a handler; ``action`` is created, updated or unchanged.

    ``references`` pairs each way the local definition names the function with what the deployed
    definition says instead (an ARN of the deployed function).
    """

    name: str
    arn: str
    action: str
    states: tuple[str, ...]
    references: tuple[tuple[str, str], ...]
    handler: str
    code_sha256: str
    origin: str


@dataclass(frozen=True)
class RoleDeployment:
    """One IAM role deploy() created or kept up to date (``trusts``: the service that assumes it)."""

    name: str
    arn: str
    action: str
    trusts: str
    policy: dict[str, Any] | None


@dataclass(frozen=True)
class Removal:
    """What ``aws.delete(...)`` removed (ARNs), and what it left in place with the reason."""

    deleted: tuple[str, ...]
    kept: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"deleted {arn}" for arn in self.deleted] or ["nothing to delete"]
        lines.extend(f"kept {item}" for item in self.kept)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<br>".join(html.escape(line) for line in str(self).splitlines())


@dataclass(frozen=True)
class LambdaTask:
    """A place in the definition that names a Lambda function: a Task's ``Resource`` (a function ARN)
    or the literal ``FunctionName`` of a ``lambda:invoke`` Task."""

    state: str
    pointer: str  # JSON Pointer of the string naming the function
    reference: str  # the function ARN or name as written
    function_name: str
    qualifier: str | None


@dataclass(frozen=True)
class _Planned:
    name: str
    handler: Callable[..., Any]
    package: FunctionPackage
    tasks: tuple[LambdaTask, ...]


# ---------------------------------------------------------------------------------------------- planning


def lambda_tasks(machine: m.Machine) -> list[LambdaTask]:
    """Every Task (nested ones too) that names a Lambda function literally, in definition order."""
    found = []
    for state in machine.walk():
        if not isinstance(state, m.TaskState):
            continue
        info = parse_resource(state.resource)
        if info.kind == "lambda":
            name, qualifier = _split_function(state.resource)
            found.append(LambdaTask(state.name, f"{state.pointer}/Resource", state.resource, name, qualifier))
        elif info.is_lambda_invoke:
            where = "Arguments" if state.is_jsonata else "Parameters"
            value = _field(state.arguments if state.is_jsonata else state.parameters, "FunctionName")
            if isinstance(value, str):
                name, qualifier = _split_function(value)
                found.append(
                    LambdaTask(state.name, f"{state.pointer}/{where}/FunctionName", value, name, qualifier)
                )
    return found


def _split_function(reference: str) -> tuple[str, str | None]:
    """(name, qualifier) of a function ARN, partial ARN, ``name`` or ``name:qualifier``."""
    parts = reference.split(":")
    if "function" in parts[:-1]:
        at = parts.index("function")
        return parts[at + 1], (parts[at + 2] if len(parts) > at + 2 else None)
    if len(parts) == 2:
        return parts[0], parts[1]
    return reference, None


def _plan(
    sm: StateMachine, resources: Mapping[str, Any] | None, runtime: str
) -> tuple[list[_Planned], list[str]]:
    """The functions to deploy, packaged (so that what cannot be packaged is refused before any call)."""
    registry = HandlerRegistry(resources)
    groups: dict[str, tuple[Callable[..., Any], list[LambdaTask]]] = {}
    notes = []
    for task in lambda_tasks(sm.machine):
        handler = registry.for_state(task.state, (*lambda_keys(task.reference), task.function_name))
        if handler is None:
            notes.append(
                f"state {task.state!r}: no local handler for {task.function_name}, so {task.reference} is "
                "deployed as it is"
            )
            continue
        if task.qualifier not in (None, "$LATEST"):
            raise PackagingError(
                f"cannot deploy the function of state {task.state!r}: {task.reference} names the version or "
                f"alias {task.qualifier!r}, and functions=True deploys $LATEST only"
            )
        if not _FUNCTION_NAME.match(task.function_name):
            raise PackagingError(
                f"cannot deploy the function of state {task.state!r}: {task.function_name!r} is not a "
                "Lambda function name (1-64 letters, digits, '-' or '_')"
            )
        known = groups.setdefault(task.function_name, (handler, []))
        if known[0] is not handler:
            raise PackagingError(
                f"cannot deploy {task.function_name}: states {known[1][0].state!r} and {task.state!r} call "
                "it with two different handlers"
            )
        known[1].append(task)
    planned = [
        _Planned(name, handler, package_handler(handler, runtime=runtime, function_name=name), tuple(tasks))
        for name, (handler, tasks) in groups.items()
    ]
    return planned, notes


def role_name(machine_name: str, kind: str) -> str:
    """The IAM role deploy() creates: ``StepFunctions-<machine>-role`` (the execution role, the name the
    local engine reports) or ``StepFunctions-<machine>-lambda-role``; long names end in a short hash."""
    suffix = "-role" if kind == "states" else "-lambda-role"
    clean = re.sub(r"[^A-Za-z0-9_+=,.@-]", "-", machine_name)
    room = 64 - len("StepFunctions-") - len(suffix)
    if len(clean) > room or clean != machine_name:
        digest = hashlib.sha256(machine_name.encode("utf-8")).hexdigest()[:8]
        clean = f"{clean[: room - 9]}-{digest}"
    return f"StepFunctions-{clean}{suffix}"


def _tag_value(machine_name: str) -> str:
    return re.sub(r"[^\w.:/=+@ -]", "-", machine_name)[:256]


# ---------------------------------------------------------------------------------------------- deploy


def deploy_with_functions(
    backend: AwsBackend,
    sm: StateMachine,
    *,
    functions: bool,
    create_role: bool,
    resources: Mapping[str, Any] | None,
    runtime: str,
    function_role_arn: str | None,
    role_arn: str | None,
    deploy_machine: Callable[[StateMachine, str | None], str],
) -> str:
    """Deploy the functions and roles, then the machine through ``deploy_machine(machine, role)``."""
    if create_role and role_arn is not None:
        raise ValueError("pass either role_arn= or create_role=True, not both")
    planned, notes = _plan(sm, resources, runtime) if functions else ([], [])
    account = _account(backend)
    tag = _tag_value(sm.name)
    existing = {p.name: _get_function(backend, p.name) for p in planned}
    _check_owners(planned, existing, tag)
    roles: list[RoleDeployment] = []
    function_role = function_role_arn
    if planned and create_role:
        logging_policy = lambda_logging_policy(
            [p.name for p in planned], region=backend.region, account=account, partition=backend.partition
        )
        roles.append(_ensure_role(backend, role_name(sm.name, "lambda"), LAMBDA_TRUST, logging_policy, tag))
        function_role = roles[-1].arn
    _check_function_role(function_role, [p.name for p in planned if existing[p.name] is None])
    fresh = any(r.action != "unchanged" for r in roles)
    deployed = [
        _ensure_function(backend, p, existing[p.name], function_role, runtime, tag, fresh) for p in planned
    ]
    target = _deployed_machine(sm, deployed)
    machine_role = role_arn
    if create_role:
        policy = execution_policy(
            target.machine,
            region=backend.region,
            account=account,
            partition=backend.partition,
            state_machine_name=sm.name,
        )
        notes.extend(policy.notes)
        roles.append(_ensure_role(backend, role_name(sm.name, "states"), STATES_TRUST, policy.document, tag))
        machine_role = roles[-1].arn
    fresh = create_role and roles[-1].action != "unchanged"
    arn = _while_role_propagates(backend, fresh, lambda: deploy_machine(target, machine_role))
    if fresh and backend.is_aws:
        # IAM answers before every region sees the new policy: an execution started at once could be
        # refused lambda:InvokeFunction; the role itself was usable, so the policy follows within seconds
        backend.sleep(POLICY_SETTLE_SECONDS)
    if backend.last_deployment is not None:
        backend.last_deployment = replace(
            backend.last_deployment, functions=tuple(deployed), roles=tuple(roles), notes=tuple(notes)
        )
    return arn


def _account(backend: AwsBackend) -> str:
    from .aws import AwsCallError

    account = backend.account_id
    if account is None:
        raise AwsCallError(
            "NoAccount",
            "the AWS account could not be found (STS GetCallerIdentity failed)",
            "GetCallerIdentity",
            "Pass account_id= to sfn.aws.connect().",
        )
    return account


def _check_owners(planned: list[_Planned], existing: Mapping[str, Any], tag: str) -> None:
    """Refuse to change a function that deploy() did not create for this machine."""
    from .aws import AwsCallError

    for p in planned:
        found = existing[p.name]
        owner = found.get("Tags", {}).get(TAG_KEY) if found is not None else tag
        if owner is None:
            raise AwsCallError(
                "FunctionExists",
                f"a Lambda function named {p.name} exists and was not created by sfn_notebook",
                "CreateFunction",
                "Deploy without functions=True to call it as it is, or delete it first.",
            )
        if owner != tag:
            raise AwsCallError(
                "FunctionExists",
                f"the Lambda function {p.name} was deployed by sfn_notebook for the state machine {owner}",
                "CreateFunction",
                f"Delete it with aws.delete({owner!r}, functions=True), or name another function in this "
                "definition.",
            )


def _check_function_role(role: str | None, to_create: list[str]) -> None:
    from .aws import AwsCallError

    if role is None and to_create:
        raise AwsCallError(
            "MissingRoleArn",
            f"no execution role to create the Lambda function {to_create[0]} with",
            "CreateFunction",
            "Pass create_role=True, or function_role_arn= (a role that trusts lambda.amazonaws.com).",
        )


def _deployed_machine(sm: StateMachine, deployed: list[FunctionDeployment]) -> StateMachine:
    """``sm`` with every reference to a deployed function replaced by its deployed ARN."""
    from .machine import StateMachine

    changes = {task_pointer: new for d in deployed for task_pointer, new in _pointers(sm, d)}
    if all(_get_pointer(sm.definition, p) == v for p, v in changes.items()):
        return sm
    definition = copy.deepcopy(sm.definition)
    for pointer, value in changes.items():
        _set_pointer(definition, pointer, value)
    return StateMachine(definition, name=sm.name, type=sm.type, role_arn=sm.role_arn)


def _pointers(sm: StateMachine, deployed: FunctionDeployment) -> list[tuple[str, str]]:
    mapping = dict(deployed.references)
    return [(t.pointer, mapping[t.reference]) for t in lambda_tasks(sm.machine) if t.reference in mapping]


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _get_pointer(document: Any, pointer: str) -> Any:
    for token in _tokens(pointer):
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def _set_pointer(document: Any, pointer: str, value: Any) -> None:
    *path, last = _tokens(pointer)
    parent = _get_pointer(document, "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in path))
    parent[int(last) if isinstance(parent, list) else last] = value


# ---------------------------------------------------------------------------------------------- Lambda


def _lambda(backend: AwsBackend, operation: str, **params: Any) -> dict[str, Any]:
    try:
        return backend.call(operation, client=backend.service_client("lambda"), **params)
    except AwsError as exc:
        raise _with_hint(exc, _LAMBDA_DENIED_HINT) from None


def _get_function(backend: AwsBackend, name: str) -> dict[str, Any] | None:
    try:
        return _lambda(backend, "get_function", FunctionName=name)
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise


def _ensure_function(
    backend: AwsBackend,
    planned: _Planned,
    existing: dict[str, Any] | None,
    role: str | None,
    runtime: str,
    tag: str,
    fresh_role: bool,
) -> FunctionDeployment:
    package = planned.package
    if existing is None:
        params = {
            "FunctionName": planned.name,
            "Runtime": runtime,
            "Role": role,
            "Handler": package.handler,
            "Code": {"ZipFile": package.zip_bytes},
            "Description": f"{planned.handler.__qualname__}, deployed by sfn_notebook ({package.origin})"[
                :256
            ],
            "Tags": {TAG_KEY: tag},
        }
        created = _while_role_propagates(
            backend, fresh_role, lambda: _lambda(backend, "create_function", **params)
        )
        arn, action = str(created["FunctionArn"]), "created"
    else:
        config = existing["Configuration"]
        arn, action = str(config["FunctionArn"]), "unchanged"
        if config.get("CodeSha256") != package.code_sha256:
            _wait_until_ready(backend, planned.name)
            _lambda(backend, "update_function_code", FunctionName=planned.name, ZipFile=package.zip_bytes)
            action = "updated"
        changes = {
            key: value
            for key, value in (("Handler", package.handler), ("Runtime", runtime), ("Role", role))
            if value is not None and config.get(key) != value
        }
        if changes:
            _wait_until_ready(backend, planned.name)
            _while_role_propagates(
                backend,
                fresh_role,
                lambda: _lambda(
                    backend, "update_function_configuration", FunctionName=planned.name, **changes
                ),
            )
            action = "updated"
    if action != "unchanged":
        _wait_until_ready(backend, planned.name)
    references = tuple((t.reference, arn + (f":{t.qualifier}" if t.qualifier else "")) for t in planned.tasks)
    return FunctionDeployment(
        planned.name,
        arn,
        action,
        tuple(dict.fromkeys(t.state for t in planned.tasks)),
        tuple(dict.fromkeys(references)),
        package.handler,
        package.code_sha256,
        package.origin,
    )


def _wait_until_ready(backend: AwsBackend, name: str) -> None:
    """Wait while the function is Pending or an update is InProgress (Lambda refuses changes then)."""
    from .aws import AwsCallError

    deadline = backend.clock() + FUNCTION_READY_SECONDS
    delay = 0.5
    while True:
        config = _lambda(backend, "get_function_configuration", FunctionName=name)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Failed" or update == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "no reason given"
            raise AwsCallError(
                "FunctionFailed",
                f"the Lambda function {name} failed to deploy: {reason}",
                "GetFunctionConfiguration",
            )
        if state == "Active" and update != "InProgress":
            return
        if backend.clock() >= deadline:
            raise AwsCallError(
                "FunctionNotReady",
                f"the Lambda function {name} is still {state}/{update} after {FUNCTION_READY_SECONDS:.0f} s",
                "GetFunctionConfiguration",
                "Try the deployment again in a minute.",
            )
        backend.sleep(delay)
        delay = min(delay * 2, 5.0)


def _while_role_propagates(backend: AwsBackend, fresh: bool, attempt: Callable[[], Any]) -> Any:
    """Call ``attempt``; while a role made a moment ago is not yet usable (IAM is eventually consistent),
    wait and call it again."""
    deadline = backend.clock() + ROLE_PROPAGATION_SECONDS
    delay = 1.0
    while True:
        try:
            return attempt()
        except AwsError as exc:
            waiting = (exc.code == "InvalidParameterValueException" and "assumed" in exc.message) or (
                exc.code in _ACCESS_DENIED and "assume" in exc.message.lower()
            )
            if not fresh or not waiting or backend.clock() >= deadline:
                raise
        backend.sleep(delay)
        delay = min(delay * 2, 8.0)


# ---------------------------------------------------------------------------------------------- IAM


def _iam(backend: AwsBackend, operation: str, **params: Any) -> dict[str, Any]:
    try:
        return backend.call(operation, client=backend.service_client("iam"), **params)
    except AwsError as exc:
        raise _with_hint(exc, _ROLE_DENIED_HINT) from None


def _get_role(backend: AwsBackend, name: str) -> dict[str, Any] | None:
    try:
        return dict(_iam(backend, "get_role", RoleName=name)["Role"])
    except AwsError as exc:
        if exc.code in ("NoSuchEntity", "NoSuchEntityException"):
            return None
        raise


def _ours(role: Mapping[str, Any], tag: str) -> bool:
    return any(t.get("Key") == TAG_KEY and t.get("Value") == tag for t in role.get("Tags", []))


def _ensure_role(
    backend: AwsBackend, name: str, service: str, policy: dict[str, Any] | None, tag: str
) -> RoleDeployment:
    from .aws import AwsCallError

    trust = trust_policy(service)
    role = _get_role(backend, name)
    if role is None:
        role = _iam(
            backend,
            "create_role",
            RoleName=name,
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=f"Created by sfn_notebook for the state machine {tag} ({service})"[:1000],
            Tags=[{"Key": TAG_KEY, "Value": tag}],
        )["Role"]
        if policy is not None:
            _iam(
                backend,
                "put_role_policy",
                RoleName=name,
                PolicyName=POLICY_NAME,
                PolicyDocument=json.dumps(policy),
            )
        return RoleDeployment(name, str(role["Arn"]), "created", service, policy)
    if not _ours(role, tag):
        raise AwsCallError(
            "RoleExists",
            f"a role named {name} exists and was not created by sfn_notebook for {tag}",
            "CreateRole",
            "Pass role_arn= (or function_role_arn=) to use it, or delete it first.",
        )
    action = "unchanged"
    if _policy_value(role.get("AssumeRolePolicyDocument")) != _policy_value(trust):
        _iam(backend, "update_assume_role_policy", RoleName=name, PolicyDocument=json.dumps(trust))
        action = "updated"
    try:
        current = _iam(backend, "get_role_policy", RoleName=name, PolicyName=POLICY_NAME).get(
            "PolicyDocument"
        )
    except AwsError as exc:
        if exc.code not in ("NoSuchEntity", "NoSuchEntityException"):
            raise
        current = None
    if _policy_value(current) != _policy_value(policy):
        if policy is None:
            _iam(backend, "delete_role_policy", RoleName=name, PolicyName=POLICY_NAME)
        else:
            _iam(
                backend,
                "put_role_policy",
                RoleName=name,
                PolicyName=POLICY_NAME,
                PolicyDocument=json.dumps(policy),
            )
        action = "updated"
    return RoleDeployment(name, str(role["Arn"]), action, service, policy)


def _policy_value(document: Any) -> Any:
    """A policy document as JSON values (IAM may hand it back as URL-encoded JSON text)."""
    if isinstance(document, str):
        try:
            return json.loads(urllib.parse.unquote(document))
        except ValueError:
            return document
    return document


def _delete_role(backend: AwsBackend, name: str) -> None:
    for policy in _iam(backend, "list_role_policies", RoleName=name).get("PolicyNames", []):
        _iam(backend, "delete_role_policy", RoleName=name, PolicyName=policy)
    attached = _iam(backend, "list_attached_role_policies", RoleName=name).get("AttachedPolicies", [])
    for policy in attached:
        _iam(backend, "detach_role_policy", RoleName=name, PolicyArn=policy["PolicyArn"])
    _iam(backend, "delete_role", RoleName=name)


def _with_hint(exc: AwsError, hint: str) -> AwsError:
    """The same error with a hint naming the permission and the alternative, when access was denied."""
    from .aws import AwsCallError

    if exc.code not in _ACCESS_DENIED or "assume" in exc.message.lower():
        return exc
    return AwsCallError(
        exc.code,
        exc.message,
        exc.operation,
        hint.format(action=exc.operation),
        getattr(exc, "response", None),
    )


# ---------------------------------------------------------------------------------------------- delete


def delete_deployed(
    backend: AwsBackend, machine: StateMachine | str, *, functions: bool, role: bool
) -> Removal:
    """Delete the state machine and (``functions``, ``role``) what deploy() created for it."""
    from .machine import StateMachine

    described = backend._describe_machine(machine if isinstance(machine, str) else machine.name)
    name = machine.name if isinstance(machine, StateMachine) else str(machine).split(":")[-1]
    if described is not None:
        name = str(described.get("name", name))
    tag = _tag_value(name)
    deleted, kept = [], []
    names: dict[str, None] = {}
    if described is not None:
        deployed = _machine_or_none(described.get("definition"), name)
        if deployed is not None:
            names.update((t.function_name, None) for t in lambda_tasks(deployed.machine))
        backend.call("delete_state_machine", stateMachineArn=described["stateMachineArn"])
        deleted.append(str(described["stateMachineArn"]))
    if isinstance(machine, StateMachine):
        names.update((t.function_name, None) for t in lambda_tasks(machine.machine))
    if functions:
        for function in names:
            found = _get_function(backend, function)
            if found is None:
                continue
            arn = found["Configuration"]["FunctionArn"]
            if found.get("Tags", {}).get(TAG_KEY) == tag:
                _lambda(backend, "delete_function", FunctionName=function)
                deleted.append(arn)
            else:
                kept.append(f"{arn}: not created by sfn_notebook for {name}")
    if role:
        for kind in ("states", "lambda"):
            found_role = _get_role(backend, role_name(name, kind))
            if found_role is None:
                continue
            if not _ours(found_role, tag):
                kept.append(f"{found_role['Arn']}: not created by sfn_notebook for {name}")
            elif kind == "lambda" and not functions:
                kept.append(f"{found_role['Arn']}: the functions that use it are kept (functions=False)")
            else:
                _delete_role(backend, found_role["RoleName"])
                deleted.append(str(found_role["Arn"]))
    return Removal(tuple(deleted), tuple(kept))


def docker_available() -> bool:
    """Whether a Docker daemon answers here (the ``docker`` package's own lookup: DOCKER_HOST, the
    socket).  Emulators run Lambda functions in Docker containers."""
    try:
        import docker
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _machine_or_none(definition: Any, name: str) -> StateMachine | None:
    from .errors import DefinitionError
    from .machine import StateMachine

    try:
        return StateMachine(json.loads(definition) if isinstance(definition, str) else definition, name=name)
    except (DefinitionError, ValueError, TypeError):
        return None
