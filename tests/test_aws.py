"""The boto3 backend: against a moto server over HTTP, and against stubbed clients for what moto lacks."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

import sfn_notebook as sfn
from sfn_notebook import aws as sfn_aws
from sfn_notebook.history import HISTORY_COLUMNS, STATE_COLUMNS
from tests.moto_server import REGION, ROLE_ARN, MotoServer, aws, aws_env, moto_backend, moto_url, unique

__all__ = ["aws", "aws_env", "moto_backend", "moto_url"]  # fixtures used by the tests below

ACCOUNT = "123456789012"

PASS_CHOICE = {
    "Comment": "Pass, then Choice to Succeed or Fail",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"limit": 10}, "ResultPath": "$.config", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.amount", "NumericLessThanEquals": 10, "Next": "Approve"}],
            "Default": "Reject",
        },
        "Approve": {"Type": "Succeed"},
        "Reject": {"Type": "Fail", "Error": "TooMuch", "Cause": "amount over the limit"},
    },
}

WAIT = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 5, "End": True}}}


def machine(
    definition: dict[str, Any] = PASS_CHOICE, prefix: str = "Orders", **kwargs: Any
) -> sfn.StateMachine:
    return sfn.StateMachine(definition, name=unique(prefix), **kwargs)


def map_machine() -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }


# ------------------------------------------------------------------------------------------ stubbed clients


def stubbed_backend(**kwargs: Any) -> tuple[sfn_aws.AwsBackend, Stubber, list[float]]:
    client = boto3.client(
        "stepfunctions", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(client)
    stubber.activate()
    backend = sfn_aws.connect(client=client, role_arn=ROLE_ARN, account_id=ACCOUNT, **kwargs)
    sleeps: list[float] = []
    backend.sleep = sleeps.append
    return backend, stubber, sleeps


def event(event_id: int, event_type: str = "PassStateEntered", **extra: Any) -> dict[str, Any]:
    base = datetime(2024, 5, 1, tzinfo=timezone.utc)
    return {
        "id": event_id,
        "previousEventId": event_id - 1,
        "timestamp": base + timedelta(milliseconds=event_id),
        "type": event_type,
        **extra,
    }


def described(arn: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "executionArn": arn,
        "stateMachineArn": arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0],
        "status": status,
        "startDate": datetime(2024, 5, 1, tzinfo=timezone.utc),
        **extra,
    }


EXEC_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:Orders:run-1"


def test_a_next_token_that_comes_round_again_is_an_error_not_an_endless_history() -> None:
    backend, stubber, _ = stubbed_backend()
    stubber.add_response("get_execution_history", {"events": [], "nextToken": "again"}, None)
    stubber.add_response("get_execution_history", {"events": [], "nextToken": "again"}, None)
    with pytest.raises(sfn.AwsError) as info:
        backend.history(EXEC_ARN)
    assert info.value.code == "MalformedResponse" and "nextToken" in info.value.message
    stubber.assert_no_pending_responses()


@pytest.mark.pandas
def test_history_follows_next_token_through_every_page() -> None:
    backend, stubber, _ = stubbed_backend()
    events = [event(1, "ExecutionStarted", executionStartedEventDetails={"input": "{}", "roleArn": ROLE_ARN})]
    events += [event(i) for i in range(2, 2500)]
    events += [event(2500, "ExecutionSucceeded", executionSucceededEventDetails={"output": "{}"})]
    stubber.add_response("describe_execution", described(EXEC_ARN, "SUCCEEDED"), {"executionArn": EXEC_ARN})
    stubber.add_response(
        "get_execution_history",
        {"events": events[:1000], "nextToken": "page-2"},
        {"executionArn": EXEC_ARN, "maxResults": 1000},
    )
    stubber.add_response(
        "get_execution_history",
        {"events": events[1000:2000], "nextToken": "page-3"},
        {"executionArn": EXEC_ARN, "maxResults": 1000, "nextToken": "page-2"},
    )
    stubber.add_response(
        "get_execution_history",
        {"events": events[2000:]},
        {"executionArn": EXEC_ARN, "maxResults": 1000, "nextToken": "page-3"},
    )
    ex = sfn_aws.AwsExecution(backend, EXEC_ARN)
    got = ex.events
    assert len(got) == 2500
    assert [e["id"] for e in got] == list(range(1, 2501))
    assert got == events  # exactly boto3's events
    # the execution has ended: the history is kept, no more calls (the stubber would fail on one)
    assert ex.events is got
    assert len(ex.history()) == 2500
    stubber.assert_no_pending_responses()


def test_throttling_is_retried_with_growing_delays() -> None:
    backend, stubber, sleeps = stubbed_backend()
    for _ in range(3):
        stubber.add_client_error("describe_execution", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_response("describe_execution", described(EXEC_ARN, "SUCCEEDED", output='{"ok":true}'))
    ex = backend.execution(EXEC_ARN)
    assert ex.output == {"ok": True}
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]  # back-off: 0.5 s, 1 s, 2 s (with jitter)
    assert all(0 < s <= backend.throttle_backoff[1] for s in sleeps)


def test_throttling_that_never_ends_is_a_clear_error() -> None:
    backend, stubber, sleeps = stubbed_backend()
    for _ in range(backend.throttle_retries + 1):
        stubber.add_client_error("describe_execution", "ThrottlingException", "Rate exceeded", 400)
    with pytest.raises(sfn.AwsError) as info:
        backend.execution(EXEC_ARN)
    err = info.value
    assert err.code == "ThrottlingException"
    assert err.operation == "DescribeExecution"
    assert f"retried {backend.throttle_retries} times" in err.message
    assert err.hint is not None and "throttling" in err.hint
    assert len(sleeps) == backend.throttle_retries


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("AccessDeniedException", "User is not authorized", "states:DescribeExecution"),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid",
            "AWS_PROFILE",
        ),
        ("ExpiredTokenException", "The security token included in the request is expired", "aws sso login"),
        ("ExecutionDoesNotExist", "Execution Does Not Exist", REGION),
    ],
)
def test_aws_errors_carry_the_code_and_a_hint(code: str, message: str, expected: str) -> None:
    backend, stubber, _ = stubbed_backend()
    stubber.add_client_error("describe_execution", code, message, 400)
    with pytest.raises(sfn.AwsError) as info:
        backend.execution(EXEC_ARN)
    assert info.value.code == code
    assert info.value.message == message
    assert expected in (info.value.hint or "")
    assert isinstance(info.value, sfn.SfnNotebookError)


def test_a_role_step_functions_cannot_assume_gets_a_trust_policy_hint() -> None:
    backend, stubber, _ = stubbed_backend()
    sm = sfn.StateMachine(PASS_CHOICE, name="Orders")
    stubber.add_client_error("describe_state_machine", "StateMachineDoesNotExist", "does not exist", 400)
    stubber.add_client_error(
        "create_state_machine",
        "AccessDeniedException",
        "Neither the global service principal states.amazonaws.com, nor the regional one is authorized "
        "to assume the provided role.",
        400,
    )
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(backend)
    assert info.value.code == "AccessDeniedException"
    assert "trust policy" in (info.value.hint or "")


def test_the_notebook_shows_an_aws_error_as_its_message_only() -> None:
    backend, stubber, _ = stubbed_backend()
    stubber.add_client_error("describe_execution", "ExecutionDoesNotExist", "Execution Does Not Exist", 400)
    with pytest.raises(sfn.AwsError) as info:
        backend.execution(EXEC_ARN)
    lines = info.value._render_traceback_()  # what IPython prints instead of a traceback
    assert (
        lines[0] == "AwsError: DescribeExecution failed with ExecutionDoesNotExist: Execution Does Not Exist"
    )
    assert len(lines) == 2 and "check the ARN" in lines[1]
    assert info.value.__suppress_context__  # no botocore traceback chained in plain Python either


def test_waiting_polls_with_a_doubling_delay_up_to_the_cap() -> None:
    backend, stubber, sleeps = stubbed_backend(poll=(0.2, 1.0))
    stubber.add_response("describe_execution", described(EXEC_ARN, "RUNNING"))
    for _ in range(5):
        stubber.add_response("describe_execution", described(EXEC_ARN, "RUNNING"))
    stubber.add_response("describe_execution", described(EXEC_ARN, "FAILED", error="E", cause="c"))
    ex = backend.execution(EXEC_ARN).wait()
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "E", "c")
    assert sleeps == pytest.approx([0.2, 0.4, 0.8, 1.0, 1.0])


@pytest.mark.pandas
def test_express_machines_run_with_start_sync_execution() -> None:
    backend, stubber, _ = stubbed_backend()
    sm = sfn.StateMachine(PASS_CHOICE, name="Quick", type="EXPRESS")
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Quick"
    stubber.add_response(
        "describe_state_machine",
        {
            "stateMachineArn": arn,
            "name": "Quick",
            "definition": json.dumps(PASS_CHOICE),
            "roleArn": ROLE_ARN,
            "type": "EXPRESS",
            "creationDate": datetime(2024, 5, 1, tzinfo=timezone.utc),
        },
        {"stateMachineArn": arn},
    )
    express_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:express:Quick:run-7:1f0c"
    stubber.add_response(
        "start_sync_execution",
        {
            "executionArn": express_arn,
            "stateMachineArn": arn,
            "name": "run-7",
            "startDate": datetime(2024, 5, 1, tzinfo=timezone.utc),
            "stopDate": datetime(2024, 5, 1, 0, 0, 1, tzinfo=timezone.utc),
            "status": "SUCCEEDED",
            "input": '{"amount":3}',
            "output": '{"amount":3,"config":{"limit":10}}',
        },
        {"stateMachineArn": arn, "name": "run-7", "input": '{"amount":3}'},
    )
    ex = sm.run({"amount": 3}, on=backend, name="run-7")
    assert backend.last_deployment is not None and backend.last_deployment.action == "unchanged"
    assert (ex.status, ex.name, ex.arn) == ("SUCCEEDED", "run-7", express_arn)
    assert ex.output == {"amount": 3, "config": {"limit": 10}}
    assert ex.input == {"amount": 3}
    assert ex.duration == timedelta(seconds=1)
    assert ex.events == []  # Express executions keep no history in Step Functions
    assert list(ex.history().columns) == HISTORY_COLUMNS
    assert "no history" in ex.summary()
    with pytest.raises(ValueError, match="StartSyncExecution"):
        backend.run(sm, {}, wait=False)


def test_redrive_restarts_a_failed_execution_and_follows_it() -> None:
    backend, stubber, _ = stubbed_backend()
    stubber.add_response("describe_execution", described(EXEC_ARN, "FAILED", error="E"))
    stubber.add_response(
        "redrive_execution",
        {"redriveDate": datetime(2024, 5, 2, tzinfo=timezone.utc)},
        {"executionArn": EXEC_ARN, "clientToken": ANY},
    )
    stubber.add_response("describe_execution", described(EXEC_ARN, "RUNNING", redriveCount=1))
    stubber.add_response("describe_execution", described(EXEC_ARN, "SUCCEEDED", redriveCount=1, output="1"))
    ex = backend.execution(EXEC_ARN)
    assert ex.status == "FAILED"
    ex.redrive()
    assert (ex.status, ex.redrive_count, ex.output) == ("SUCCEEDED", 1, 1)
    stubber.assert_no_pending_responses()


@pytest.mark.pandas
def test_test_state_returns_the_inspection_stages_in_data_flow_order() -> None:
    backend, stubber, _ = stubbed_backend()
    definition = {
        "QueryLanguage": "JSONPath",
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "InputPath": "$.order",
                "Parameters": {"FunctionName": "Charge", "Payload.$": "$"},
                "ResultSelector": {"paid.$": "$.Payload.paid"},
                "ResultPath": "$.charge",
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    sm = sfn.StateMachine(definition, name="Shop")
    state = dict(definition["States"]["Charge"], QueryLanguage="JSONPath")
    stubber.add_response(
        "test_state",
        {
            "status": "SUCCEEDED",
            "nextState": "Done",
            "output": '{"order":{"id":1},"charge":{"paid":true}}',
            "inspectionData": {
                "input": '{"order":{"id":1}}',
                "afterInputPath": '{"id":1}',
                "afterParameters": '{"FunctionName":"Charge","Payload":{"id":1}}',
                "result": '{"Payload":{"paid":true},"StatusCode":200}',
                "afterResultSelector": '{"paid":true}',
                "afterResultPath": '{"order":{"id":1},"charge":{"paid":true}}',
            },
        },
        {
            "definition": json.dumps(state),
            "roleArn": ROLE_ARN,
            "input": '{"order":{"id":1}}',
            "inspectionLevel": "DEBUG",
            "mock": {"result": '{"Payload":{"paid":true},"StatusCode":200}'},
        },
    )
    result = backend.test_state(
        sm, "Charge", {"order": {"id": 1}}, mock={"result": {"Payload": {"paid": True}, "StatusCode": 200}}
    )
    assert (result.status, result.next_state, result.error) == ("SUCCEEDED", "Done", None)
    assert [stage for stage, _ in result.stages()] == [
        "input",
        "afterInputPath",
        "afterParameters",
        "result",
        "afterResultSelector",
        "afterResultPath",
        "output",
    ]
    frame = result.to_frame()
    assert list(frame.columns) == ["stage", "value"]
    assert frame.set_index("stage").loc["afterResultSelector", "value"] == {"paid": True}
    assert result.output == {"order": {"id": 1}, "charge": {"paid": True}}
    assert "afterInputPath" in result._repr_html_()
    assert str(result).startswith("TestState Charge: SUCCEEDED → Done")


def test_test_state_takes_the_apis_own_arguments_as_the_local_call_does() -> None:
    backend, stubber, _ = stubbed_backend()
    request = {
        "definition": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
        "input": {"a": 1},
        "variables": {"v": 2},
        "inspectionLevel": "DEBUG",
        "mock": {"result": {"Payload": 3}},
        "resources": {"ignored": len},  # local stand-ins stay local
    }
    sent = {
        "definition": '{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}',
        "input": '{"a":1}',
        "variables": '{"v":2}',
        "inspectionLevel": "DEBUG",
        "mock": {"result": '{"Payload":3}'},
    }
    answer = {"status": "SUCCEEDED", "output": '{"Payload":3}', "inspectionData": {"input": '{"a":1}'}}
    stubber.add_response("test_state", answer, sent)
    remote = backend.test_state(**request)
    local = sfn.test_state(**request)
    assert remote["status"] == local["status"] == "SUCCEEDED"
    assert remote["output"] == local["output"]
    stubber.assert_no_pending_responses()


def test_test_state_sends_a_nested_state_with_the_whole_machine() -> None:
    backend, stubber, _ = stubbed_backend()
    sm = sfn.StateMachine(map_machine(), name="Loop")
    stubber.add_response(
        "test_state",
        {"status": "CAUGHT_ERROR", "error": "E", "cause": "c", "inspectionData": {"input": "1"}},
        {
            "definition": sm.to_json(),
            "stateName": "Echo",
            "roleArn": ROLE_ARN,
            "input": "1",
            "inspectionLevel": "INFO",
        },
    )
    result = backend.test_state(sm, "Echo", 1, inspection_level="INFO")
    assert (result.status, result.error, result.cause) == ("CAUGHT_ERROR", "E", "c")
    assert result.stages() == [("input", 1)]
    with pytest.raises(ValueError, match="no state named 'Nope'"):
        backend.test_state(sm, "Nope")


@pytest.mark.pandas
def test_validate_lists_aws_and_local_diagnostics_side_by_side() -> None:
    backend, stubber, _ = stubbed_backend()
    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "End": True}, "Orphan": {"Type": "Pass", "End": True}},
    }
    sm = sfn.StateMachine(definition, name="Orphans")
    stubber.add_response(
        "validate_state_machine_definition",
        {
            "result": "OK",
            "diagnostics": [
                {
                    "severity": "WARNING",
                    "code": "UNREACHABLE_STATE",
                    "message": "State is not reachable.",
                    "location": "/States/Orphan",
                }
            ],
        },
        {"definition": sm.to_json(), "type": "STANDARD", "severity": "WARNING", "maxResults": 100},
    )
    report = backend.validate(sm)
    frame = report.to_frame()
    assert list(frame.columns) == sfn_aws.VALIDATION_COLUMNS
    assert sorted(frame["source"]) == ["aws", "local"]
    assert set(frame["code"]) == {"UNREACHABLE_STATE"}
    assert report.ok and report.aws_available and report.aws_result == "OK"
    assert "[aws] warning UNREACHABLE_STATE at /States/Orphan" in str(report)
    assert "<table>" in report._repr_html_()


@pytest.mark.pandas
def test_validate_sends_a_definition_that_is_invalid_locally_too() -> None:
    backend, stubber, _ = stubbed_backend()
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
    stubber.add_response(
        "validate_state_machine_definition",
        {
            "result": "FAIL",
            "diagnostics": [
                {
                    "severity": "ERROR",
                    "code": "MISSING_TRANSITION_TARGET",
                    "message": "Missing 'Next' target: Missing",
                    "location": "/States/A/Next",
                }
            ],
        },
        {"definition": json.dumps(definition), "type": "STANDARD", "severity": "WARNING", "maxResults": 100},
    )
    report = backend.validate(definition)
    assert not report.ok and report.aws_result == "FAIL"
    errors = report.to_frame().query("severity == 'ERROR'")
    assert set(errors["source"]) == {"aws", "local"}
    assert "/States/A/Next" in set(errors["location"].str.extract(r"(/States/A/Next)")[0])


def test_connect_with_an_endpoint_turns_off_the_sync_host_prefix(aws_env: None) -> None:
    local = sfn_aws.connect(endpoint_url="http://127.0.0.1:9", role_arn=ROLE_ARN)
    assert local.client.meta.config.inject_host_prefix is False
    assert local.sync_client.meta.config.inject_host_prefix is False
    assert not local.is_aws
    real = sfn_aws.connect(region_name="eu-west-1")
    assert real.client.meta.config.inject_host_prefix is True
    assert real.is_aws and real.region == "eu-west-1"
    assert real.role_arn is None


def test_connect_reads_the_role_from_the_environment(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sfn_aws.ROLE_ENV_VAR, ROLE_ARN)
    backend = sfn_aws.connect()
    assert backend.role_arn == ROLE_ARN
    assert backend.account_id == ACCOUNT  # read from the role ARN, no call needed
    assert sfn_aws.connect(role_arn="arn:aws:iam::999999999999:role/Other").role_arn.endswith("role/Other")


def test_connect_without_credentials_says_how_to_get_them(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(sfn.AwsError) as info:
        sfn_aws.connect(region_name=REGION)
    assert info.value.code == "NoCredentials"
    assert "aws configure" in (info.value.hint or "")


def test_connect_without_a_region_says_how_to_set_one(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(sfn.AwsError) as info:
        sfn_aws.connect()
    assert info.value.code == "NoRegion"
    assert "AWS_DEFAULT_REGION" in (info.value.hint or "")


def test_connect_with_an_unknown_profile(aws_env: None) -> None:
    with pytest.raises(sfn.AwsError) as info:
        sfn_aws.connect(profile_name="no-such-profile")
    assert info.value.code == "ProfileNotFound"


def test_importing_the_package_does_not_import_boto3() -> None:
    code = "import sys, sfn_notebook; sys.exit(1 if {'boto3', 'botocore'} & set(sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.pandas
def test_bad_arguments_are_rejected_before_any_call() -> None:
    backend, _, _ = stubbed_backend()
    with pytest.raises(ValueError, match="must be one of RUNNING"):
        backend.executions("Orders", status="DONE")
    with pytest.raises(ValueError, match="execution ARN"):
        backend.execution("run-1")
    with pytest.raises(TypeError, match="JSON values"):
        backend.run(sfn.StateMachine(PASS_CHOICE, name="Orders"), {"when": object()})


# ------------------------------------------------------------------------------------------ the moto server


@pytest.mark.slow
def test_deploy_creates_then_updates_then_changes_nothing(aws: sfn_aws.AwsBackend) -> None:
    sm = machine(prefix="Deploy")
    arn = sm.deploy(aws, tags={"team": "payments"})
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{sm.name}"
    assert aws.last_deployment == sfn_aws.Deployment(arn, "created", "STANDARD")
    described = aws.client.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == PASS_CHOICE
    assert described["roleArn"] == ROLE_ARN
    assert aws.client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "payments"}
    ]

    changed = dict(PASS_CHOICE, Comment="a new comment")
    assert sfn.StateMachine(changed, name=sm.name).deploy(aws) == arn
    assert aws.last_deployment is not None and aws.last_deployment.action == "updated"
    assert json.loads(aws.client.describe_state_machine(stateMachineArn=arn)["definition"]) == changed

    assert sfn.StateMachine(changed, name=sm.name).deploy(aws) == arn
    assert aws.last_deployment.action == "unchanged"
    assert sfn.StateMachine(PASS_CHOICE, name=sm.name).deploy(aws, update=False) == arn
    assert aws.last_deployment.action == "unchanged"
    assert json.loads(aws.client.describe_state_machine(stateMachineArn=arn)["definition"]) == changed

    new_role = "arn:aws:iam::123456789012:role/another-role"
    sfn.StateMachine(changed, name=sm.name, role_arn=new_role).deploy(aws)
    assert aws.last_deployment.action == "updated"
    assert aws.client.describe_state_machine(stateMachineArn=arn)["roleArn"] == new_role
    # the backend's default role creates machines but never replaces the role of an existing one
    sfn.StateMachine(changed, name=sm.name).deploy(aws)
    assert aws.last_deployment.action == "unchanged"
    assert aws.client.describe_state_machine(stateMachineArn=arn)["roleArn"] == new_role

    assert aws.state_machine(sm.name).definition == changed
    aws.delete(sm)
    with pytest.raises(sfn.AwsError, match="StateMachineDoesNotExist"):
        aws.state_machine(arn)


@pytest.mark.slow
def test_deploying_without_a_role_is_a_clear_error(moto_url: str, aws_env: None) -> None:
    backend = sfn_aws.connect(endpoint_url=moto_url, config=Config(retries={"max_attempts": 1}))
    with pytest.raises(sfn.AwsError) as info:
        machine(prefix="NoRole").deploy(backend)
    assert info.value.code == "MissingRoleArn"
    assert sfn_aws.ROLE_ENV_VAR in (info.value.hint or "")


@pytest.mark.slow
def test_an_invalid_role_arn_is_a_clear_error(aws: sfn_aws.AwsBackend) -> None:
    with pytest.raises(sfn.AwsError) as info:
        machine(prefix="BadRole", role_arn="my-role").deploy(aws)
    assert info.value.code == "InvalidArn"
    assert "arn:aws:iam::" in (info.value.hint or "")


@pytest.mark.slow
def test_a_machine_of_another_type_with_the_same_name_is_refused(aws: sfn_aws.AwsBackend) -> None:
    sm = machine(prefix="Typed")
    sm.deploy(aws)
    with pytest.raises(sfn.AwsError) as info:
        sm.deploy(aws, type="EXPRESS")
    assert info.value.code == "StateMachineAlreadyExists"
    assert "STANDARD" in info.value.message and "aws.delete" in (info.value.hint or "")
    # moto itself would not refuse: CreateStateMachine returns the existing machine whatever its type
    raw = aws.client.create_state_machine(
        name=sm.name, definition=sm.to_json(), roleArn=ROLE_ARN, type="EXPRESS"
    )
    assert aws.client.describe_state_machine(stateMachineArn=raw["stateMachineArn"])["type"] == "STANDARD"


@pytest.mark.pandas
@pytest.mark.slow
def test_run_a_machine_to_success_and_inspect_it(aws: sfn_aws.AwsBackend) -> None:
    sm = machine()
    ex = sm.run({"amount": 7}, on=aws, name="small-order")
    assert isinstance(ex, sfn_aws.AwsExecution)
    assert (ex.status, ex.error, ex.cause) == ("SUCCEEDED", None, None)
    assert ex.output == {"amount": 7, "config": {"limit": 10}}
    assert ex.input == {"amount": 7}
    assert ex.name == "small-order"
    assert ex.arn == f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{sm.name}:small-order"
    assert ex.start_date is not None and ex.stop_date is not None and ex.stop_date >= ex.start_date
    assert [e["type"] for e in ex.events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in ex.events] == list(range(1, 9))
    states = ex.states()
    assert list(states["name"]) == ["Prepare", "Check", "Approve"]
    assert list(states["status"]) == ["SUCCEEDED"] * 3
    assert "SUCCEEDED" in repr(ex)


@pytest.mark.slow
def test_run_a_machine_that_fails(aws: sfn_aws.AwsBackend) -> None:
    ex = machine().run({"amount": 70}, on=aws)
    assert (ex.status, ex.error, ex.cause, ex.output) == ("FAILED", "TooMuch", "amount over the limit", None)
    assert ex.events[-1]["type"] == "ExecutionFailed"
    assert ex.events[-1]["executionFailedEventDetails"] == {
        "error": "TooMuch",
        "cause": "amount over the limit",
    }
    with pytest.raises(sfn.ExecutionFailedError, match="TooMuch"):
        ex.raise_for_status()


@pytest.mark.pandas
@pytest.mark.slow
def test_history_tables_have_the_columns_and_dtypes_of_a_local_run(aws: sfn_aws.AwsBackend) -> None:
    sm = machine()
    local = sm.run({"amount": 70})
    remote = sm.run({"amount": 70}, on=aws)
    assert list(remote.history().columns) == HISTORY_COLUMNS
    assert local.history().dtypes.to_dict() == remote.history().dtypes.to_dict()
    assert list(remote.states().columns) == STATE_COLUMNS
    assert local.states().dtypes.to_dict() == remote.states().dtypes.to_dict()
    assert list(local.history()["type"]) == list(remote.history()["type"])
    assert list(local.states()["status"]) == list(remote.states()["status"])


@pytest.mark.slow
def test_attach_to_an_execution_started_elsewhere(aws: sfn_aws.AwsBackend) -> None:
    sm = machine()
    arn = sm.deploy(aws)
    started = aws.client.start_execution(stateMachineArn=arn, name="from-the-cli", input='{"amount": 1}')
    ex = aws.execution(started["executionArn"]).wait()
    assert (ex.name, ex.status, ex.output) == (
        "from-the-cli",
        "SUCCEEDED",
        {"amount": 1, "config": {"limit": 10}},
    )
    assert ex.state_machine is not None
    assert ex.state_machine.name == sm.name and ex.state_machine.definition == PASS_CHOICE
    assert "Approve" in ex.graph().source
    assert ex.events is ex.events  # finished: the history is fetched once


@pytest.mark.pandas
@pytest.mark.slow
def test_list_executions_as_a_data_frame(aws: sfn_aws.AwsBackend) -> None:
    sm = machine()
    ok = sm.run({"amount": 1}, on=aws, name="first")
    bad = sm.run({"amount": 100}, on=aws, name="second")
    frame = aws.executions(sm)
    assert list(frame.columns) == sfn_aws.EXECUTION_COLUMNS
    assert set(frame["name"]) == {"first", "second"}
    assert dict(zip(frame["name"], frame["status"])) == {"first": "SUCCEEDED", "second": "FAILED"}
    assert str(frame["start_date"].dtype).startswith("datetime64") and str(frame["start_date"].dt.tz) == "UTC"
    assert (frame["duration"] >= timedelta(0)).all()
    failed = aws.executions(sm.name, status="FAILED")
    assert list(failed["execution_arn"]) == [bad.arn]
    assert list(aws.executions(sm, max_results=1)["name"]) in (["first"], ["second"])
    assert aws.execution(failed["execution_arn"].iloc[0]).error == "TooMuch"
    assert ok.arn in set(frame["execution_arn"])


@pytest.mark.pandas
@pytest.mark.slow
def test_stop_a_running_execution(aws: sfn_aws.AwsBackend) -> None:
    ex = aws.start(machine(WAIT, prefix="Sleepy"), {})
    assert ex.wait(timeout=0.1).status == "RUNNING"
    ex.stop(error="Cancelled", cause="by the test")
    assert ex.status == "ABORTED"
    assert ex.stop_date is not None
    types = [e["type"] for e in ex.events]
    assert types == ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    # moto deviation: it records neither the error nor the cause given to StopExecution
    assert ex.events[-1]["executionAbortedEventDetails"] == {"error": "", "cause": ""}
    assert ex.states()["status"].tolist() == ["ABORTED"]


@pytest.mark.pandas
@pytest.mark.slow
def test_a_history_of_more_than_a_thousand_events(aws: sfn_aws.AwsBackend) -> None:
    items = list(range(260))
    sm = machine(map_machine(), prefix="Big")
    ex = sm.run({"items": items}, on=aws)
    assert ex.status == "SUCCEEDED" and ex.output == items
    events = ex.events
    assert len(events) == 4 + 4 * len(items) + 2  # start, Map entered/started/succeeded/exited, end
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert len(ex.history()) == len(events)
    assert len(ex.states()) == 1 + len(items)


@pytest.mark.slow
def test_an_execution_that_does_not_exist(aws: sfn_aws.AwsBackend) -> None:
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{unique('Nothing')}:nobody"
    with pytest.raises(sfn.AwsError) as info:
        aws.execution(arn)
    assert info.value.code == "ExecutionDoesNotExist"
    assert info.value.operation == "DescribeExecution"
    assert REGION in (info.value.hint or "")


@pytest.mark.slow
def test_an_execution_name_used_twice(aws: sfn_aws.AwsBackend) -> None:
    sm = machine()
    sm.run({"amount": 1}, on=aws, name="once")
    with pytest.raises(sfn.AwsError) as info:
        sm.run({"amount": 2}, on=aws, name="once")
    assert info.value.code == "ExecutionAlreadyExists"
    assert "name=" in (info.value.hint or "")


@pytest.mark.slow
def test_the_endpoint_going_away_while_polling(aws_env: None) -> None:
    server = MotoServer().start()
    try:
        backend = sfn_aws.connect(
            endpoint_url=server.url,
            role_arn=ROLE_ARN,
            config=Config(retries={"max_attempts": 1}),
            poll=(0.05, 0.05),
        )
        ex = backend.run(machine(WAIT, prefix="Orphaned"), {}, wait=False)
    finally:
        threading.Timer(0.2, server.stop).start()
    with pytest.raises(sfn.AwsError) as info:
        ex.wait(timeout=10)
    assert info.value.code == "EndpointConnectionError"
    assert server.url in info.value.message
    assert "running" in (info.value.hint or "") or "up?" in (info.value.hint or "")


@pytest.mark.slow
def test_apis_moto_lacks_are_reported_clearly(aws: sfn_aws.AwsBackend) -> None:
    sm = machine(prefix="Gaps")
    report = aws.validate(sm)  # ValidateStateMachineDefinition: moto answers HTTP 500
    assert not report.aws_available and report.ok
    assert report.note is not None and "only the local diagnostics" in report.note
    with pytest.raises(sfn.AwsError) as info:
        aws.test_state(sm, "Prepare", {"amount": 1})
    assert info.value.code == "EndpointError"
    assert "TestState" in (info.value.hint or "")
    request = {"definition": '{"Type": "Pass", "End": true}', "input": "{}", "inspectionLevel": "DEBUG"}
    assert sfn.test_state(**request)["status"] == "SUCCEEDED"  # the same call, answered locally
    with pytest.raises(sfn.AwsError) as info:
        aws.test_state(**request)
    assert info.value.code == "EndpointError" and info.value.operation == "TestState"
    assert sm.test_state("Prepare", {"amount": 1}).status == "SUCCEEDED"
    with pytest.raises(sfn.AwsError) as info:
        sm.test_state("Prepare", {"amount": 1}, on=aws)
    assert info.value.code == "EndpointError"
    express = machine(prefix="Fast", type="EXPRESS")
    with pytest.raises(sfn.AwsError) as info:
        express.run({"amount": 1}, on=aws)
    assert info.value.code == "EndpointError" and info.value.operation == "StartSyncExecution"
    assert aws.last_deployment is not None and aws.last_deployment.type == "EXPRESS"


# ------------------------------------------------------------------------------------------ a misbehaving endpoint


class Misbehaving:
    """An HTTP server on 127.0.0.1 whose answer to each Step Functions action the test chooses.

    ``answers[action]`` is a list of (status, body) used in turn (the last one repeats); ``None``
    as the status means: read the request and never answer.
    """

    def __init__(self, answers: dict[str, list[tuple[int | None, bytes]]]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers = answers
        self.calls: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                outer.calls.append(action)
                queue = outer.answers.get(action, [(400, b'{"__type": "UnknownOperationException"}')])
                status, body = queue.pop(0) if len(queue) > 1 else queue[0]
                if status is None:
                    outer.release.wait(60)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Misbehaving:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def described_text(status: str) -> bytes:
    return json.dumps(
        {
            "executionArn": EXEC_ARN,
            "stateMachineArn": EXEC_ARN.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0],
            "status": status,
            "startDate": 1714521600,
        }
    ).encode()


def backend_at(url: str, **config: Any) -> sfn_aws.AwsBackend:
    return sfn_aws.connect(
        endpoint_url=url, region_name=REGION, role_arn=ROLE_ARN, config=Config(**config) if config else None
    )


@pytest.mark.parametrize("body", [b"", b"{}", b"not json at all", b"[1, 2]", b'{"status": 7}'])
def test_a_description_that_is_not_step_functions_answer_is_an_aws_error(aws_env: None, body: bytes) -> None:
    with Misbehaving({"DescribeExecution": [(200, body)]}) as server:
        ex = sfn_aws.AwsExecution(backend_at(server.url), EXEC_ARN)
        with pytest.raises(sfn.AwsError) as info:
            ex.status  # noqa: B018
    assert info.value.code == "MalformedResponse" and "DescribeExecution" in info.value.message
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    "body", [b"", b"{}", b"<html>proxy</html>", b'{"events": [{"what": 1}]}', b'{"events": []}']
)
def test_a_history_that_is_not_step_functions_answer_is_an_error_not_an_empty_history(
    aws_env: None, body: bytes
) -> None:
    with Misbehaving(
        {"DescribeExecution": [(200, described_text("SUCCEEDED"))], "GetExecutionHistory": [(200, body)]}
    ) as server:
        ex = sfn_aws.AwsExecution(backend_at(server.url), EXEC_ARN)
        with pytest.raises(sfn.AwsError) as info:
            ex.events  # noqa: B018
    assert info.value.code == "MalformedResponse" and "GetExecutionHistory" in info.value.message
    assert repr(ex).count("\n") == 0


def test_wait_gives_up_at_its_timeout_on_an_endpoint_that_never_answers(aws_env: None) -> None:
    with Misbehaving({"DescribeExecution": [(None, b"")]}) as server:
        ex = sfn_aws.AwsExecution(backend_at(server.url), EXEC_ARN)
        with pytest.raises(sfn.AwsError) as info:
            ex.wait(timeout=1)
    assert info.value.code == "Timeout" and server.url in info.value.message, str(info.value)


def test_every_call_has_a_time_budget(aws_env: None) -> None:
    with Misbehaving({"StopExecution": [(None, b"")]}) as server:
        backend = backend_at(server.url)
        backend.call_timeout = 1.0
        with pytest.raises(sfn.AwsError) as info:
            backend.call("stop_execution", executionArn=EXEC_ARN)
    assert (info.value.code, info.value.operation) == ("Timeout", "StopExecution")


def test_wait_under_constant_throttling_ends_by_its_timeout(aws_env: None) -> None:
    throttled = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    with Misbehaving({"DescribeExecution": [(400, throttled)]}) as server:
        backend = backend_at(server.url)
        ex = sfn_aws.AwsExecution(backend, EXEC_ARN)
        with pytest.raises(sfn.AwsError) as info:
            ex.wait(timeout=2)
    assert info.value.code in ("ThrottlingException", "Timeout")
    assert len(server.calls) > 1  # it did try again before giving up


def test_a_passing_server_error_on_a_read_is_retried(aws_env: None) -> None:
    page = b"<!doctype html><title>500 Internal Server Error</title>"
    with Misbehaving({"DescribeExecution": [(500, page), (200, described_text("SUCCEEDED"))]}) as server:
        ex = sfn_aws.AwsExecution(backend_at(server.url, retries={"max_attempts": 1}), EXEC_ARN)
        assert ex.status == "SUCCEEDED"
    assert server.calls == ["DescribeExecution", "DescribeExecution"]


def test_a_server_error_is_not_blamed_on_a_missing_emulator_api(aws_env: None) -> None:
    page = b"<!doctype html><title>500 Internal Server Error</title>"
    with Misbehaving({"StopExecution": [(500, page)]}) as server:
        backend = backend_at(server.url, retries={"max_attempts": 1})
        with pytest.raises(sfn.AwsError) as info:
            sfn_aws.AwsExecution(backend, EXEC_ARN, description={"status": "RUNNING"}).stop()
    assert info.value.code == "EndpointError"
    assert "may pass" in (info.value.hint or "") and "implement" not in (info.value.hint or "")


def test_an_execution_shows_a_one_line_status_while_the_endpoint_is_down(aws_env: None) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = backend_at(f"http://127.0.0.1:{port}", retries={"max_attempts": 1})
    ex = sfn_aws.AwsExecution(backend, EXEC_ARN)
    text = repr(ex)
    assert "status unknown (EndpointConnectionError" in text and "\n" not in text
    bundle = ex._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "status unknown" in bundle["text/plain"]


def test_run_with_a_timeout_bounds_deploying_and_starting_too(aws_env: None) -> None:
    with Misbehaving({"DescribeStateMachine": [(None, b"")]}) as server:
        backend = sfn_aws.connect(
            endpoint_url=server.url, region_name=REGION, role_arn=ROLE_ARN, account_id=ACCOUNT
        )
        with pytest.raises(sfn.AwsError) as info:
            machine().run({"amount": 1}, on=backend, timeout=1)
    assert (info.value.code, info.value.operation) == ("Timeout", "DescribeStateMachine")


@pytest.mark.parametrize("body", [b"{}", b'{"result": "OK", "diagnostics": ["x"]}'])
def test_a_validation_answer_that_is_not_step_functions_is_an_aws_error(aws_env: None, body: bytes) -> None:
    with (
        Misbehaving({"ValidateStateMachineDefinition": [(200, body)]}) as server,
        pytest.raises(sfn.AwsError) as info,
    ):
        backend_at(server.url).validate(machine())
    assert info.value.code == "MalformedResponse"
