"""``sm.deploy(aws, functions=True, create_role=True)`` and ``aws.delete(sm, functions=True, role=True)``,
against a moto server over HTTP (moto creates and updates Lambda functions without Docker)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import sfn_notebook as sfn
from sfn_notebook import aws as sfn_aws
from sfn_notebook import deploy
from sfn_notebook.examples import GETTING_STARTED, greet, shout
from sfn_notebook.iam_policy import trust_policy
from sfn_notebook.packaging import PackagingError, package_handler
from tests.moto_server import REGION, aws, aws_env, moto_backend, moto_url, unique

__all__ = ["aws", "aws_env", "moto_backend", "moto_url"]  # fixtures used by the tests below

ACCOUNT = "123456789012"


def seed(prefix: str = "Seed") -> tuple[sfn.StateMachine, str, str]:
    """The getting-started machine (two Lambda functions in sequence) with function names no other test uses."""
    first, second = unique("Greet"), unique("Shout")
    text = json.dumps(GETTING_STARTED).replace("function:Greet", f"function:{first}")
    text = text.replace("function:Shout", f"function:{second}")
    return sfn.StateMachine(text, name=unique(prefix)), first, second


def loud_greet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"text": f"HELLO, {event['name'].upper()}!", "language": "en"}


def function_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


def lambda_client(backend: sfn_aws.AwsBackend) -> Any:
    return backend.service_client("lambda")


def iam_client(backend: sfn_aws.AwsBackend) -> Any:
    return backend.service_client("iam")


def gone(call: Any, code: str, **params: Any) -> bool:
    try:
        call(**params)
    except ClientError as exc:
        return bool(exc.response["Error"]["Code"] == code)
    return False


# ------------------------------------------------------------------------------------------ the moto server


@pytest.mark.slow
def test_the_seed_deploys_with_its_functions_and_role_and_is_deleted_whole(aws: sfn_aws.AwsBackend) -> None:
    sm, first, second = seed()
    sfn.task(first, greet)
    sfn.task(second, shout)
    arn = sm.deploy(aws, functions=True, create_role=True)

    # two functions, created from the handlers
    deployment = aws.last_deployment
    assert deployment is not None and deployment.arn == arn and deployment.action == "created"
    assert [(f.name, f.action) for f in deployment.functions] == [(first, "created"), (second, "created")]
    lam = lambda_client(aws)
    configs = {name: lam.get_function(FunctionName=name) for name in (first, second)}
    for got in configs.values():
        assert got["Configuration"]["Runtime"] == "python3.12"
        assert got["Tags"] == {deploy.TAG_KEY: sm.name}
    assert configs[first]["Configuration"]["Handler"] == "sfn_notebook.examples.greet"
    arns = [configs[first]["Configuration"]["FunctionArn"], configs[second]["Configuration"]["FunctionArn"]]
    assert arns == [function_arn(first), function_arn(second)]

    # one execution role, whose policy names exactly those functions
    role = iam_client(aws).get_role(RoleName=deploy.role_name(sm.name, "states"))["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "states.amazonaws.com"
    }
    policy = iam_client(aws).get_role_policy(RoleName=role["RoleName"], PolicyName=deploy.POLICY_NAME)
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": arns}
    ]
    assert deployment.role_arn == role["Arn"]
    lambda_role = configs[first]["Configuration"]["Role"]
    assert lambda_role.endswith(deploy.role_name(sm.name, "lambda"))

    # the deployed definition calls them, under that role
    described = aws.client.describe_state_machine(stateMachineArn=arn)
    definition = json.loads(described["definition"])
    assert [definition["States"][s]["Resource"] for s in ("Greet", "Shout")] == arns
    assert described["roleArn"] == role["Arn"]
    assert deployment.function_arns == {
        sm.definition["States"]["Greet"]["Resource"]: arns[0],
        sm.definition["States"]["Shout"]["Resource"]: arns[1],
    }

    # deploying again changes nothing
    shas = {name: got["Configuration"]["CodeSha256"] for name, got in configs.items()}
    assert sm.deploy(aws, functions=True, create_role=True) == arn
    again = aws.last_deployment
    assert again is not None and not again.changed
    assert {name: lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] for name in shas} == shas

    # a changed handler updates its function's code, and only that
    sm.deploy(aws, functions=True, create_role=True, resources={first: loud_greet})
    changed = aws.last_deployment
    assert changed is not None
    assert [(f.name, f.action) for f in changed.functions] == [(first, "updated"), (second, "unchanged")]
    updated = lam.get_function(FunctionName=first)["Configuration"]
    assert updated["CodeSha256"] != shas[first] and updated["CodeSha256"] == changed.functions[0].code_sha256
    assert updated["Handler"] == "lambda_function.loud_greet"
    assert lam.get_function(FunctionName=second)["Configuration"]["CodeSha256"] == shas[second]
    assert changed.action == "unchanged"  # same ARNs, same role: the machine itself did not change

    # delete removes all of it
    removal = aws.delete(sm, functions=True, role=True)
    assert set(removal.deleted) == {arn, *arns, role["Arn"], lambda_role}
    assert removal.kept == ()
    for name in (first, second):
        assert gone(lam.get_function, "ResourceNotFoundException", FunctionName=name)
    for kind in ("states", "lambda"):
        assert gone(iam_client(aws).get_role, "NoSuchEntity", RoleName=deploy.role_name(sm.name, kind))
    assert gone(aws.client.describe_state_machine, "StateMachineDoesNotExist", stateMachineArn=arn)


@pytest.mark.slow
def test_functions_deployed_in_another_region_are_what_the_deployed_definition_calls(
    moto_url: str, aws_env: None
) -> None:
    backend = sfn_aws.connect(
        region_name="eu-west-1", endpoint_url=moto_url, config=Config(retries={"max_attempts": 1})
    )
    name = unique("Charge")
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.orders",
                "ItemProcessor": {
                    "StartAt": "Charge",
                    "States": {
                        "Charge": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": name, "Payload.$": "$"},
                            "End": True,
                        }
                    },
                },
                "Next": "Audit",
            },
            "Audit": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ExistingAudit",
                "End": True,
            },
        },
    }
    sm = sfn.StateMachine(definition, name=unique("Shop"))
    arn = sm.deploy(backend, functions=True, create_role=True, resources={name: greet})
    deployed = json.loads(backend.client.describe_state_machine(stateMachineArn=arn)["definition"])
    charge = deployed["States"]["Each"]["ItemProcessor"]["States"]["Charge"]
    assert charge["Parameters"] == {"FunctionName": function_arn(name, "eu-west-1"), "Payload.$": "$"}
    assert deployed["States"]["Audit"] == definition["States"]["Audit"]  # no handler: left as it is
    assert sm.definition == definition  # the local machine keeps its own names
    deployment = backend.last_deployment
    assert deployment is not None
    assert deployment.function_arns == {name: function_arn(name, "eu-west-1")}
    assert any("no local handler for ExistingAudit" in note for note in deployment.notes)
    policy = deployment.roles[-1].policy
    assert policy is not None and policy["Statement"][0]["Resource"] == [
        function_arn(name, "eu-west-1"),
        "arn:aws:lambda:us-east-1:123456789012:function:ExistingAudit",
    ]
    text = str(deployment)
    assert f"function {name}" in text and f"{name} → {function_arn(name, 'eu-west-1')}" in text
    assert "<table>" in deployment._repr_html_()
    assert len(backend.delete(sm, functions=True, role=True).deleted) == 4


@pytest.mark.slow
def test_running_on_aws_deploys_as_the_last_deploy_did(aws: sfn_aws.AwsBackend) -> None:
    sm, first, second = seed("Runs")
    resources = {first: greet, second: shout}
    arn = sm.deploy(aws, functions=True, create_role=True, resources=resources)
    role = aws.last_deployment.role_arn if aws.last_deployment else None
    ex = aws.start(sm, {"name": "Ada"})
    assert aws.last_deployment is not None and not aws.last_deployment.changed
    described = aws.client.describe_state_machine(stateMachineArn=arn)
    assert described["roleArn"] == role  # not switched back to the backend's role
    assert ex.start_date is not None and ex.arn.startswith(arn.replace(":stateMachine:", ":execution:"))
    aws.delete(sm, functions=True, role=True)


@pytest.mark.slow
def test_the_deployed_functions_run_the_seed_like_the_local_engine(
    aws: sfn_aws.AwsBackend, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not aws.can_invoke_lambda:
        pytest.skip("moto runs Lambda functions in Docker, and no Docker daemon answers here")
    monkeypatch.setenv("MOTO_PORT", str(urlparse(moto_url).port))  # where moto's integrations call Lambda
    sm, first, second = seed("Live")
    resources = {first: greet, second: shout}
    sm.deploy(aws, functions=True, create_role=True, resources=resources)
    remote = sm.run({"name": "Ada"}, on=aws, timeout=300)
    local = sm.run({"name": "Ada"}, resources=resources)
    assert remote.status == "SUCCEEDED" and remote.output == local.output
    assert remote.diff(local).same
    aws.delete(sm, functions=True, role=True)


@pytest.mark.slow
def test_without_a_role_deploy_says_what_to_pass(moto_url: str, aws_env: None) -> None:
    backend = sfn_aws.connect(endpoint_url=moto_url, config=Config(retries={"max_attempts": 1}))
    sm, first, second = seed("NoRole")
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(backend, functions=True, resources={first: greet, second: shout})
    assert info.value.code == "MissingRoleArn" and info.value.operation == "CreateFunction"
    assert "create_role=True, or function_role_arn=" in (info.value.hint or "")
    assert gone(lambda_client(backend).get_function, "ResourceNotFoundException", FunctionName=first)
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(backend)
    assert info.value.code == "MissingRoleArn" and "create_role=True" in (info.value.hint or "")


@pytest.mark.slow
def test_a_function_or_role_not_created_here_is_never_changed(aws: sfn_aws.AwsBackend) -> None:
    sm, first, second = seed("Theirs")
    iam = iam_client(aws)
    theirs = iam.create_role(
        RoleName=unique("their-role"),
        AssumeRolePolicyDocument=json.dumps(trust_policy("lambda.amazonaws.com")),
    )["Role"]["Arn"]
    original = package_handler(shout).zip_bytes
    lambda_client(aws).create_function(
        FunctionName=second, Runtime="python3.12", Role=theirs, Handler="x.y", Code={"ZipFile": original}
    )
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(aws, functions=True, create_role=True, resources={first: greet, second: shout})
    assert info.value.code == "FunctionExists" and second in info.value.message
    assert "without functions=True" in (info.value.hint or "")
    assert gone(lambda_client(aws).get_function, "ResourceNotFoundException", FunctionName=first)

    # deployed without functions=True, the existing function is simply called
    sm.deploy(aws, create_role=True)
    removal = aws.delete(sm, functions=True, role=True)
    assert removal.kept == (f"{function_arn(second)}: not created by sfn_notebook for {sm.name}",)
    assert lambda_client(aws).get_function(FunctionName=second)["Configuration"]["Handler"] == "x.y"

    iam.create_role(RoleName=deploy.role_name(sm.name, "states"), AssumeRolePolicyDocument="{}")
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(aws, create_role=True)
    assert info.value.code == "RoleExists" and "role_arn=" in (info.value.hint or "")


@pytest.mark.slow
def test_a_function_deployed_for_another_machine_is_not_taken_over(aws: sfn_aws.AwsBackend) -> None:
    sm, first, second = seed("Owner")
    resources = {first: greet, second: shout}
    sm.deploy(aws, functions=True, create_role=True, resources=resources)
    other = sfn.StateMachine(sm.definition, name=unique("Other"))
    with pytest.raises(sfn.AwsError) as info:
        other.deploy(aws, functions=True, create_role=True, resources=resources)
    assert info.value.code == "FunctionExists"
    assert f"deployed by sfn_notebook for the state machine {sm.name}" in info.value.message
    assert f"aws.delete({sm.name!r}, functions=True)" in (info.value.hint or "")
    assert len(aws.delete(sm.name, functions=True, role=True).deleted) == 5


@pytest.mark.slow
def test_a_new_role_lambda_cannot_assume_yet_is_waited_for(
    aws: sfn_aws.AwsBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lambda_client(aws)
    calls: list[str] = []

    class NotYet:
        """The real client, except that the first CreateFunction meets IAM's propagation delay."""

        meta = real.meta

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def create_function(self, **params: Any) -> Any:
            calls.append(params["FunctionName"])
            if len(calls) == 1:
                raise ClientError(
                    {
                        "Error": {
                            "Code": "InvalidParameterValueException",
                            "Message": "The role defined for the function cannot be assumed by Lambda.",
                        }
                    },
                    "CreateFunction",
                )
            return real.create_function(**params)

    sleeps: list[float] = []
    monkeypatch.setitem(aws.clients, "lambda", NotYet())
    monkeypatch.setattr(aws, "sleep", sleeps.append)
    sm, first, second = seed("Fresh")
    sm.deploy(aws, functions=True, create_role=True, resources={first: greet, second: shout})
    assert calls == [first, first, second]
    assert sleeps == [1.0]
    aws.delete(sm, functions=True, role=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("service", "operation", "permission", "alternative"),
    [
        ("iam", "create_role", "iam:CreateRole", "role_arn="),
        ("lambda", "create_function", "lambda:CreateFunction", "without functions=True"),
    ],
)
def test_access_denied_names_the_permission_and_the_alternative(
    aws: sfn_aws.AwsBackend,
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    operation: str,
    permission: str,
    alternative: str,
) -> None:
    real = aws.service_client(service)

    class Denied:
        meta = real.meta

        def __getattr__(self, name: str) -> Any:
            if name == operation:
                code = "AccessDenied" if service == "iam" else "AccessDeniedException"
                message = f"User: arn:aws:iam::{ACCOUNT}:user/ada is not authorized to perform: {permission}"
                error = ClientError({"Error": {"Code": code, "Message": message}}, operation)

                def refuse(**params: Any) -> Any:
                    raise error

                return refuse
            return getattr(real, name)

    monkeypatch.setitem(aws.clients, service, Denied())
    sm, first, second = seed("Denied")
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(aws, functions=True, create_role=True, resources={first: greet, second: shout})
    hint = info.value.hint or ""
    assert hint.startswith(f"Your credentials lack {permission}") and alternative in hint
    assert "\n" not in hint
    aws.delete(sm, functions=True, role=True)


# ------------------------------------------------------------------------------------------ without calls


@pytest.fixture
def no_calls() -> Iterator[sfn_aws.AwsBackend]:
    """A backend whose clients answer nothing: any call to AWS fails the test."""
    from botocore.stub import Stubber

    def stubbed(service: str) -> Any:
        client = boto3.client(service, region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t")
        Stubber(client).activate()
        return client

    backend = sfn_aws.connect(client=stubbed("stepfunctions"), account_id=ACCOUNT)
    backend.clients.update(iam=stubbed("iam"), **{"lambda": stubbed("lambda")})
    yield backend


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"Greet": lambda event, context: event, "Shout": shout}, "it is a lambda"),
        ({"Greet": greet, "Shout": greet}, None),
    ],
    ids=["lambda", "fine"],
)
def test_what_cannot_be_packaged_is_refused_before_any_call(
    no_calls: sfn_aws.AwsBackend, resources: dict[str, Any], expected: str | None
) -> None:
    sm = sfn.StateMachine(GETTING_STARTED, name="hello")
    if expected is None:  # packaging passes: the first call is the one that fails
        with pytest.raises(sfn.AwsError):
            sm.deploy(no_calls, functions=True, create_role=True, resources=resources)
        return
    with pytest.raises(PackagingError, match=expected):
        sm.deploy(no_calls, functions=True, create_role=True, resources=resources)


def test_one_function_served_by_two_handlers_is_refused(no_calls: sfn_aws.AwsBackend) -> None:
    text = json.dumps(GETTING_STARTED).replace("function:Shout", "function:Work")
    sm = sfn.StateMachine(
        text.replace("function:Greet", "function:Work"), name="twice"
    )  # handlers by state name
    with pytest.raises(
        PackagingError, match="states 'Greet' and 'Shout' call it with two different handlers"
    ):
        sm.deploy(no_calls, functions=True, resources={"Greet": greet, "Shout": shout})


def test_a_version_or_alias_cannot_be_deployed(no_calls: sfn_aws.AwsBackend) -> None:
    definition = json.loads(json.dumps(GETTING_STARTED).replace("function:Greet", "function:Greet:prod"))
    sm = sfn.StateMachine(definition, name="aliased")
    with pytest.raises(PackagingError, match="alias 'prod'"):
        sm.deploy(no_calls, functions=True, resources={"Greet": greet, "Shout": shout})
    with pytest.raises(ValueError, match="either role_arn= or create_role=True"):
        sm.deploy(no_calls, create_role=True, role_arn="arn:aws:iam::123456789012:role/x")


def test_lambda_tasks_are_found_wherever_they_are() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "A/B",
                        "States": {
                            "A/B": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::lambda:invoke",
                                "Arguments": {
                                    "FunctionName": "Score:$LATEST",
                                    "Payload": "{% $states.input %}",
                                },
                                "End": True,
                            }
                        },
                    }
                ],
                "Next": "Dyn",
            },
            "Dyn": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "{% $states.input.fn %}"},
                "End": True,
            },
        },
    }
    tasks = deploy.lambda_tasks(sfn.StateMachine(definition).machine)
    assert tasks == [
        deploy.LambdaTask(
            "A/B",
            "/States/Fan/Branches/0/States/A~1B/Arguments/FunctionName",
            "Score:$LATEST",
            "Score",
            "$LATEST",
        )
    ]


def test_role_names_fit_iams_limit() -> None:
    assert deploy.role_name("hello", "states") == "StepFunctions-hello-role"
    assert deploy.role_name("hello", "lambda") == "StepFunctions-hello-lambda-role"
    long = deploy.role_name("x" * 80, "lambda")
    assert len(long) <= 64 and long != deploy.role_name("x" * 79 + "y", "lambda")
    assert deploy.role_name("café(1)", "states").startswith("StepFunctions-caf--1--")
