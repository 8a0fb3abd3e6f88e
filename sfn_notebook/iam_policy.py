"""The least-privilege IAM policy a state machine's execution role needs, read from its compiled definition.

Every Task (nested ones too) and every Distributed Map adds the actions it makes Step Functions call, on
the resources it names, as the console does when it creates a role for a definition:

* a Lambda function ARN, or ``lambda:invoke`` with a ``FunctionName``: ``lambda:InvokeFunction`` on it;
* DynamoDB, SQS, SNS, EventBridge, S3 (``aws-sdk:s3:*``, a Distributed Map's ItemReader/ResultWriter):
  the call's action on the table, queue, topic, event bus, bucket or object it names;
* ``states:startExecution``: ``states:StartExecution`` on the machine; ``.sync`` and ``.sync:2`` also
  ``states:DescribeExecution``/``StopExecution`` on its executions and the EventBridge rule Step
  Functions manages (``StepFunctionsGetEventsForStepFunctionsExecutionRule``);
* a Distributed Map: ``states:StartExecution`` on the machine itself and ``DescribeExecution``/
  ``StopExecution`` on its child executions.

A name computed at run time (``"TableName.$": "$.table"``) cannot be known here: the statement then
covers every resource of that kind in the account and region, and :attr:`ExecutionPolicy.notes` says so.

>>> from sfn_notebook import StateMachine
>>> sm = StateMachine({"StartAt": "Put", "States": {"Put": {"Type": "Task",
...     "Resource": "arn:aws:states:::dynamodb:putItem",
...     "Parameters": {"TableName": "Orders", "Item": {"id": {"S": "1"}}}, "End": True}}})
>>> execution_policy(sm.machine, region="eu-west-1", account="123456789012").document["Statement"]
[{'Effect': 'Allow', 'Action': ['dynamodb:PutItem'], 'Resource': ['arn:aws:dynamodb:eu-west-1:123456789012:table/Orders']}]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._json import MISSING
from .asl import model as m
from .engine.resources import parse_resource

__all__ = [
    "LAMBDA_TRUST",
    "POLICY_VERSION",
    "STATES_TRUST",
    "ExecutionPolicy",
    "execution_policy",
    "lambda_logging_policy",
    "trust_policy",
]

POLICY_VERSION = "2012-10-17"
STATES_TRUST = "states.amazonaws.com"
LAMBDA_TRUST = "lambda.amazonaws.com"

SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
_DYNAMIC = object()  # a field whose value is computed when the state runs
_DYNAMODB = {
    "getItem": "GetItem",
    "putItem": "PutItem",
    "updateItem": "UpdateItem",
    "deleteItem": "DeleteItem",
}
# aws-sdk service names whose IAM prefix differs
_IAM_PREFIX = {"sfn": "states", "cloudwatchlogs": "logs", "eventbridge": "events", "elasticloadbalancingv2": "elasticloadbalancing"}  # fmt: skip
_S3_OBJECT_ACTIONS = {"getObject": "GetObject", "headObject": "GetObject", "putObject": "PutObject", "deleteObject": "DeleteObject", "copyObject": "PutObject"}  # fmt: skip
_S3_BUCKET_ACTIONS = {"listObjectsV2": "ListBucket", "listObjects": "ListBucket"}
_QUEUE_URL = re.compile(r"https?://(?:sqs\.(?P<region>[\w-]+)\.)?[^/]+/(?P<account>\d+)/(?P<name>[^/?]+)")


def trust_policy(service: str) -> dict[str, Any]:
    """A role trust policy that lets ``service`` (``states.amazonaws.com``, ...) assume the role."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def lambda_logging_policy(
    function_names: Iterable[str], *, region: str, account: str, partition: str = "aws"
) -> dict[str, Any]:
    """What Lambda's basic execution role allows, limited to the functions' own log groups."""
    groups = [
        f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{name}:*"
        for name in dict.fromkeys(function_names)
    ]
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup"],
                "Resource": [f"arn:{partition}:logs:{region}:{account}:*"],
            },
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": groups},
        ],
    }


@dataclass
class ExecutionPolicy:
    """The policy ``document`` (None when the machine calls nothing) and ``notes`` on its wildcards."""

    statements: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def document(self) -> dict[str, Any] | None:
        if not self.statements:
            return None
        return {
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": list(actions),
                    "Resource": ["*"] if "*" in resources else resources,
                }
                for actions, resources in self.statements.items()
            ],
        }

    def allow(self, actions: Iterable[str], *resources: str) -> None:
        listed = self.statements.setdefault(tuple(actions), [])
        for resource in resources:
            if resource not in listed:
                listed.append(resource)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def execution_policy(
    machine: m.Machine,
    *,
    region: str,
    account: str,
    partition: str = "aws",
    state_machine_name: str | None = None,
) -> ExecutionPolicy:
    """The policy the execution role of ``machine`` needs (``state_machine_name``: for Distributed Map)."""
    ctx = _Context(ExecutionPolicy(), region, account, partition, state_machine_name)
    for state in machine.walk():
        if isinstance(state, m.TaskState):
            ctx.task(state)
        elif isinstance(state, m.MapState) and state.mode == "DISTRIBUTED":
            ctx.distributed_map(state)
    return ctx.policy


@dataclass
class _Context:
    policy: ExecutionPolicy
    region: str
    account: str
    partition: str
    machine_name: str | None

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
            f"{self.account if account is None else account}:{resource}"
        )

    def wildcard(self, state: str, what: str, field_name: str, resource: str) -> str:
        self.policy.note(
            f"state {state!r}: {field_name} is computed at run time, so the role may use every {what} "
            f"of the account ({resource})"
        )
        return resource

    # -- Task states
    def task(self, state: m.TaskState) -> None:
        info = parse_resource(state.resource, self.region)
        args = state.arguments if state.is_jsonata else state.parameters
        if info.kind == "lambda":
            self.policy.allow(["lambda:InvokeFunction"], state.resource)
        elif info.kind == "service":
            self.service(state, info.resource_type, info.resource_name, info.pattern, args)
        credentials = _field(state.credentials, "RoleArn")
        if isinstance(credentials, str):
            self.policy.allow(["sts:AssumeRole"], credentials)
        elif credentials is _DYNAMIC:
            self.policy.allow(["sts:AssumeRole"], self.wildcard(state.name, "role", "Credentials", "*"))

    def service(self, state: m.TaskState, service: str, resource: str, pattern: str, args: Any) -> None:
        action = resource[: -len(pattern)] if pattern else resource
        if service == "lambda" and action == "invoke":
            self.lambda_invoke(state, args)
        elif service in ("dynamodb", "aws-sdk:dynamodb"):
            iam_action = _DYNAMODB.get(action, action[:1].upper() + action[1:])
            self.policy.allow([f"dynamodb:{iam_action}"], self.table(state, args))
        elif service in ("sqs", "aws-sdk:sqs"):
            self.policy.allow([f"sqs:{action[:1].upper()}{action[1:]}"], self.queue(state, args))
        elif service in ("sns", "aws-sdk:sns"):
            self.sns(state, action, args)
        elif service == "events" and action == "putEvents":
            self.event_buses(state, args)
        elif service in ("s3", "aws-sdk:s3"):
            self.s3(state, action, args)
        elif service == "states" and action == "startExecution":
            self.start_execution(state, pattern, args)
        elif service == "http" and action == "invoke":
            self.http(state, args)
        elif service.startswith("aws-sdk:"):
            sdk = service.split(":", 1)[1]
            iam_action = f"{_IAM_PREFIX.get(sdk, sdk)}:{action[:1].upper()}{action[1:]}"
            self.policy.allow([iam_action], "*")
            self.policy.note(
                f"state {state.name!r}: {iam_action} is allowed on every resource; narrow it by hand"
            )
        else:
            iam_action = f"{service}:{action[:1].upper()}{action[1:]}"
            self.policy.allow([iam_action], "*")
            self.policy.note(
                f"state {state.name!r}: the {service}:{resource} integration gets {iam_action} on every "
                "resource; add what its pattern needs beyond that (see the service's integration page)"
            )

    def lambda_invoke(self, state: m.TaskState, args: Any) -> None:
        function = _field(args, "FunctionName")
        if isinstance(function, str):
            self.policy.allow(["lambda:InvokeFunction"], self.function_arn(function))
        else:
            resource = self.wildcard(state.name, "function", "FunctionName", self.arn("lambda", "function:*"))
            self.policy.allow(["lambda:InvokeFunction"], resource)

    def function_arn(self, function: str) -> str:
        if function.startswith("arn:"):
            return function
        parts = function.split(":")
        if "function" in parts[:-1]:
            at = parts.index("function")
            account = parts[at - 1] if at >= 1 and parts[at - 1].isdigit() else None
            return self.arn("lambda", ":".join(parts[at:]), account=account)
        return self.arn("lambda", f"function:{function}")

    def table(self, state: m.TaskState, args: Any) -> str:
        name = _field(args, "TableName")
        if isinstance(name, str):
            return name if name.startswith("arn:") else self.arn("dynamodb", f"table/{name}")
        return self.wildcard(state.name, "table", "TableName", self.arn("dynamodb", "table/*"))

    def queue(self, state: m.TaskState, args: Any) -> str:
        url = _field(args, "QueueUrl")
        match = _QUEUE_URL.match(url) if isinstance(url, str) else None
        if match is not None:
            return self.arn(
                "sqs", match["name"], region=match["region"] or self.region, account=match["account"]
            )
        return self.wildcard(state.name, "queue", "QueueUrl", self.arn("sqs", "*"))

    def sns(self, state: m.TaskState, action: str, args: Any) -> None:
        iam_action = f"sns:{action[:1].upper()}{action[1:]}"
        for name in ("TopicArn", "TargetArn"):
            value = _field(args, name)
            if isinstance(value, str):
                self.policy.allow([iam_action], value)
                return
            if value is _DYNAMIC:
                self.policy.allow(
                    [iam_action], self.wildcard(state.name, "topic", name, self.arn("sns", "*"))
                )
                return
        self.policy.allow([iam_action], "*")  # an SMS to a phone number names no topic

    def event_buses(self, state: m.TaskState, args: Any) -> None:
        entries = _field(args, "Entries")
        buses: list[str] = []
        if isinstance(entries, list) and all(isinstance(e, dict) for e in entries):
            for entry in entries:
                bus = entry.get("EventBusName", "default")
                buses.append(bus if bus.startswith("arn:") else self.arn("events", f"event-bus/{bus}"))
        if buses and all(isinstance(b, str) for b in buses):
            self.policy.allow(["events:PutEvents"], *buses)
        else:
            resource = self.wildcard(state.name, "event bus", "Entries", self.arn("events", "event-bus/*"))
            self.policy.allow(["events:PutEvents"], resource)

    def s3(self, state: m.TaskState | m.MapState, action: str, args: Any) -> None:
        bucket, key = _field(args, "Bucket"), _field(args, "Key")
        if not isinstance(bucket, str):
            bucket = "*"
            self.wildcard(state.name, "bucket", "Bucket", f"arn:{self.partition}:s3:::*")
        if action in _S3_BUCKET_ACTIONS:
            self.policy.allow([f"s3:{_S3_BUCKET_ACTIONS[action]}"], f"arn:{self.partition}:s3:::{bucket}")
        elif action in _S3_OBJECT_ACTIONS:
            path = key if isinstance(key, str) and bucket != "*" else "*"
            self.policy.allow(
                [f"s3:{_S3_OBJECT_ACTIONS[action]}"], f"arn:{self.partition}:s3:::{bucket}/{path}"
            )
        else:
            self.policy.allow([f"s3:{action[:1].upper()}{action[1:]}"], f"arn:{self.partition}:s3:::{bucket}")

    def start_execution(self, state: m.TaskState, pattern: str, args: Any) -> None:
        target = _field(args, "StateMachineArn")
        if isinstance(target, str):
            name = target.split(":")[6] if target.count(":") >= 6 else target
            machine, executions = target, target.split(":stateMachine:")[0] + f":execution:{name}:*"
        else:
            machine = self.wildcard(
                state.name, "state machine", "StateMachineArn", self.arn("states", "stateMachine:*")
            )
            executions = self.arn("states", "execution:*")
        self.policy.allow(["states:StartExecution"], machine)
        if pattern in (".sync", ".sync:2"):
            self.policy.allow(["states:DescribeExecution", "states:StopExecution"], executions)
            self.policy.allow(
                ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                self.arn("events", f"rule/{SYNC_RULE}"),
            )

    def http(self, state: m.TaskState, args: Any) -> None:
        machine = self.arn("states", f"stateMachine:{self.machine_name or '*'}")
        self.policy.allow(["states:InvokeHTTPEndpoint"], machine)
        authentication = _field(args, "Authentication")
        arn = authentication.get("ConnectionArn") if isinstance(authentication, dict) else None
        resource = arn if isinstance(arn, str) else self.arn("events", "connection/*")
        self.policy.allow(["events:RetrieveConnectionCredentials"], resource)
        self.policy.allow(
            ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            f"arn:{self.partition}:secretsmanager:*:*:secret:events!connection/*",
        )

    # -- Distributed Map
    def distributed_map(self, state: m.MapState) -> None:
        name = self.machine_name or "*"
        self.policy.allow(["states:StartExecution"], self.arn("states", f"stateMachine:{name}"))
        self.policy.allow(
            ["states:DescribeExecution", "states:StopExecution"], self.arn("states", f"execution:{name}/*")
        )
        reader, writer = state.item_reader, state.result_writer
        if isinstance(reader, dict) and isinstance(reader.get("Resource"), str):
            action = parse_resource(reader["Resource"], self.region).resource_name
            self.s3(state, action, state.reader_parameters)
        if isinstance(writer, dict) and isinstance(writer.get("Resource"), str):
            bucket, prefix = (
                _field(state.writer_parameters, "Bucket"),
                _field(state.writer_parameters, "Prefix"),
            )
            if not isinstance(bucket, str):
                bucket = "*"
                self.wildcard(state.name, "bucket", "ResultWriter's Bucket", f"arn:{self.partition}:s3:::*")
            where = f"{prefix.rstrip('/')}/*" if isinstance(prefix, str) and prefix and bucket != "*" else "*"
            self.policy.allow(
                ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
                f"arn:{self.partition}:s3:::{bucket}/{where}",
            )


def _field(template: Any, name: str) -> Any:
    """The literal value of ``name`` in a compiled Parameters/Arguments template; ``_DYNAMIC`` when it
    is computed when the state runs; MISSING when it is absent."""
    if isinstance(template, m.TConst):
        value = template.value
        return value.get(name, MISSING) if isinstance(value, dict) else MISSING
    if isinstance(template, m.TObject):
        for key, node in template.items:
            if key == name:
                return node.value if isinstance(node, m.TConst) else _DYNAMIC
        return MISSING
    if isinstance(template, m.TJsonata):
        return _DYNAMIC
    if isinstance(template, dict):  # a literal sub-object already taken out of a template
        return template.get(name, MISSING)
    return MISSING
