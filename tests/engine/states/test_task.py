"""Tests for sfn_notebook.engine.states.task and .invoke: Lambda functions, lambda:invoke, other service
integrations, activities, handler lookup and failures, timeouts and callbacks (.waitForTaskToken)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sfn_notebook as sfn
from sfn_notebook import StateMachine, TaskFailed
from tests.engine.helpers import machine, seconds_after_start, types

ACCOUNT = "123456789012"


FN_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Resize"


INVOKE = "arn:aws:states:::lambda:invoke"


PUT_ITEM = "arn:aws:states:::dynamodb:putItem"


CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


ACTIVITY = f"arn:aws:states:us-east-1:{ACCOUNT}:activity:Review"


EPOCH = datetime(2024, 6, 1, 8, 0, 0, tzinfo=timezone.utc)


def one_task(resource: str, **fields: Any) -> StateMachine:
    return machine(
        {
            "Work": {"Type": "Task", "Resource": resource, **fields, "Next": "After"},
            "After": {"Type": "Pass", "End": True},
            "Handled": {"Type": "Pass", "End": True},
        }
    )


def event(ex: Any, event_type: str, n: int = 0) -> dict[str, Any]:
    return [e for e in ex.events if e["type"] == event_type][n]


# ----------------------------------------------------------------------------- Lambda function ARNs


class TestLambdaArn:
    def test_history_events_and_details(self) -> None:
        ex = one_task(FN_ARN, TimeoutSeconds=30).run(
            {"w": 2}, resources={"Resize": lambda e: {"w": e["w"] * 2}}
        )
        assert ex.status == "SUCCEEDED"
        assert types(ex)[1:6] == [
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
        ]
        assert event(ex, "LambdaFunctionScheduled")["lambdaFunctionScheduledEventDetails"] == {
            "resource": FN_ARN,
            "input": '{"w":2}',
            "inputDetails": {"truncated": False},
            "timeoutInSeconds": 30,
        }
        started = event(ex, "LambdaFunctionStarted")
        assert not any(key.endswith("EventDetails") for key in started)
        assert event(ex, "LambdaFunctionSucceeded")["lambdaFunctionSucceededEventDetails"] == {
            "output": '{"w":4}',
            "outputDetails": {"truncated": False},
        }

    def test_scheduled_event_has_no_timeout_when_none_is_set(self) -> None:
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: 1})
        assert (
            "timeoutInSeconds"
            not in event(ex, "LambdaFunctionScheduled")["lambdaFunctionScheduledEventDetails"]
        )

    def test_the_handler_gets_the_effective_input(self) -> None:
        seen: list[Any] = []
        sm = one_task(FN_ARN, InputPath="$.job", Parameters={"size.$": "$.size", "fixed": 1})
        sm.run({"job": {"size": 9, "other": 0}}, resources={"Resize": lambda e: seen.append(e)})
        assert seen == [{"size": 9, "fixed": 1}]

    def test_a_handler_returning_none_gives_null(self) -> None:
        ex = one_task(FN_ARN, ResultPath="$.r").run({}, resources={"Resize": lambda e: None})
        assert ex.output == {"r": None}
        assert event(ex, "LambdaFunctionSucceeded")["lambdaFunctionSucceededEventDetails"]["output"] == "null"

    def test_the_lambda_context(self) -> None:
        seen: dict[str, Any] = {}

        def handler(event: Any, context: Any) -> Any:
            seen.update(
                name=context.function_name,
                arn=context.invoked_function_arn,
                request=context.aws_request_id,
                remaining=context.get_remaining_time_in_millis(),
                state=context.state_name,
            )
            return {}

        one_task(FN_ARN, TimeoutSeconds=20).run({}, resources={"Resize": handler})
        assert seen["name"] == "Resize"
        assert seen["arn"] == FN_ARN
        assert seen["remaining"] == 20_000
        assert seen["state"] == "Work"
        assert len(seen["request"]) == 36


# ----------------------------------------------------------------------------- lambda:invoke


class TestLambdaInvoke:
    def test_history_events_and_the_invoke_response(self) -> None:
        payload = {"msg": "héllo", "n": [1, 2]}
        sm = one_task(INVOKE, Parameters={"FunctionName": "Resize", "Payload.$": "$"})
        ex = sm.run(payload, resources={"Resize": lambda e: e}, start_time=EPOCH)
        assert types(ex)[1:6] == [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
        ]
        scheduled = event(ex, "TaskScheduled")["taskScheduledEventDetails"]
        assert scheduled == {
            "resourceType": "lambda",
            "resource": "invoke",
            "region": "us-east-1",
            "parameters": json.dumps(
                {"FunctionName": "Resize", "Payload": payload}, separators=(",", ":"), ensure_ascii=False
            ),
        }
        assert event(ex, "TaskStarted")["taskStartedEventDetails"] == {
            "resourceType": "lambda",
            "resource": "invoke",
        }
        succeeded = event(ex, "TaskSucceeded")["taskSucceededEventDetails"]
        assert (succeeded["resourceType"], succeeded["resource"]) == ("lambda", "invoke")
        assert json.loads(succeeded["output"]) == ex.output
        out = ex.output
        assert out["Payload"] == payload
        assert out["StatusCode"] == 200
        assert out["ExecutedVersion"] == "$LATEST"
        headers = out["SdkHttpMetadata"]["HttpHeaders"]
        assert headers["Content-Length"] == str(len(json.dumps(payload)))
        assert out["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"] == [str(len(json.dumps(payload)))]
        assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
        assert headers["Date"] == "Sat, 01 Jun 2024 08:00:00 GMT"
        assert out["SdkResponseMetadata"]["RequestId"] == headers["x-amzn-RequestId"]

    def test_the_handler_receives_only_the_payload(self) -> None:
        seen: list[Any] = []
        sm = one_task(INVOKE, Parameters={"FunctionName": "Resize", "Payload": {"k.$": "$.v"}})
        sm.run({"v": 3}, resources={"Resize": lambda e: seen.append(e) or {}})
        assert seen == [{"k": 3}]

    def test_result_selector_usually_picks_the_payload(self) -> None:
        sm = one_task(
            INVOKE,
            Parameters={"FunctionName": "Resize", "Payload.$": "$"},
            ResultSelector={"body.$": "$.Payload"},
            ResultPath="$.result",
        )
        ex = sm.run({"in": 1}, resources={"Resize": lambda e: {"out": e["in"] + 1}})
        assert ex.output == {"in": 1, "result": {"body": {"out": 2}}}

    @pytest.mark.parametrize(
        "function_name",
        [
            "Resize",
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Resize",
            f"{ACCOUNT}:function:Resize",
            "Resize:live",
        ],
    )
    def test_function_name_forms_find_the_handler(self, function_name: str) -> None:
        sm = one_task(INVOKE, Parameters={"FunctionName": function_name, "Payload": {}})
        ex = sm.run({}, resources={"Resize": lambda e: "found"})
        assert ex.output["Payload"] == "found"

    def test_exceptions_fail_the_task_with_task_failed(self) -> None:
        def crash(event: Any) -> Any:
            raise LookupError("no such image")

        ex = one_task(INVOKE, Parameters={"FunctionName": "Resize", "Payload": {}}).run(
            {}, resources={"Resize": crash}
        )
        assert ex.error == "LookupError"
        failed = event(ex, "TaskFailed")["taskFailedEventDetails"]
        assert (failed["resourceType"], failed["resource"], failed["error"]) == (
            "lambda",
            "invoke",
            "LookupError",
        )
        assert json.loads(failed["cause"])["errorMessage"] == "no such image"

    # ----------------------------------------------------------------------------- other service integrations

    def test_log_type_tail_adds_the_log_tail(self) -> None:
        sm = one_task(INVOKE, Parameters={"FunctionName": "F", "LogType": "Tail"})
        ex = sm.run({}, resources={"F": lambda e: {"ok": True}})
        log = ex.output["LogResult"]
        assert base64.b64decode(log).decode().startswith("START RequestId: ")
        assert list(ex.output)[:3] == ["ExecutedVersion", "LogResult", "Payload"]
        assert ex.output["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Log-Result"] == [log]
        assert ex.output["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Log-Result"] == log

    def test_without_log_type_there_is_no_log_result(self) -> None:
        ex = one_task(INVOKE, Parameters={"FunctionName": "F"}).run({}, resources={"F": lambda e: 1})
        assert "LogResult" not in ex.output

    def test_credentials_name_the_role_in_the_scheduled_event(self) -> None:
        sm = machine(
            {
                "Who": {"Type": "Pass", "Assign": {"account": "123456789012"}, "Next": "Call"},
                "Call": {
                    "Type": "Task",
                    "Resource": INVOKE,
                    "Parameters": {"FunctionName": "F"},
                    "Credentials": {"RoleArn.$": "States.Format('arn:aws:iam::{}:role/Cross', $account)"},
                    "End": True,
                },
            }
        )
        ex = sm.run({}, resources={"F": lambda e: 1})
        details = event(ex, "TaskScheduled")["taskScheduledEventDetails"]
        assert details["taskCredentials"] == {"roleArn": "arn:aws:iam::123456789012:role/Cross"}


class TestServiceIntegrations:
    def test_put_item_events_and_the_handler_result(self) -> None:
        seen: list[Any] = []

        def put(params: Any) -> Any:
            seen.append(params)
            return {"SdkHttpMetadata": {"HttpStatusCode": 200}}

        sm = one_task(PUT_ITEM, Parameters={"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}}})
        ex = sm.run({"id": "o-1"}, resources={PUT_ITEM: put})
        assert seen == [{"TableName": "Orders", "Item": {"id": {"S": "o-1"}}}]
        assert ex.output == {"SdkHttpMetadata": {"HttpStatusCode": 200}}
        assert event(ex, "TaskScheduled")["taskScheduledEventDetails"] == {
            "resourceType": "dynamodb",
            "resource": "putItem",
            "region": "us-east-1",
            "parameters": '{"TableName":"Orders","Item":{"id":{"S":"o-1"}}}',
        }
        assert event(ex, "TaskSucceeded")["taskSucceededEventDetails"] == {
            "resourceType": "dynamodb",
            "resource": "putItem",
            "output": '{"SdkHttpMetadata":{"HttpStatusCode":200}}',
            "outputDetails": {"truncated": False},
        }

    def test_sdk_integration_resource_type(self) -> None:
        resource = "arn:aws:states:::aws-sdk:s3:listBuckets"
        ex = one_task(resource, Parameters={}).run({}, resources={resource: lambda p: {"Buckets": []}})
        details = event(ex, "TaskScheduled")["taskScheduledEventDetails"]
        assert (details["resourceType"], details["resource"]) == ("aws-sdk:s3", "listBuckets")

    def test_timeout_and_heartbeat_are_recorded_when_set(self) -> None:
        sm = one_task(PUT_ITEM, Parameters={}, TimeoutSeconds=50, HeartbeatSeconds=10)
        ex = sm.run({}, resources={PUT_ITEM: lambda p: {}})
        details = event(ex, "TaskScheduled")["taskScheduledEventDetails"]
        assert (details["timeoutInSeconds"], details["heartbeatInSeconds"]) == (50, 10)

    def test_task_failed_from_a_handler_is_reported_exactly(self) -> None:
        def put(params: Any) -> Any:
            raise TaskFailed("DynamoDB.ConditionalCheckFailedException", "The conditional request failed")

        ex = one_task(PUT_ITEM, Parameters={}).run({}, resources={PUT_ITEM: put})
        assert (ex.error, ex.cause) == (
            "DynamoDB.ConditionalCheckFailedException",
            "The conditional request failed",
        )
        assert event(ex, "TaskFailed")["taskFailedEventDetails"] == {
            "resourceType": "dynamodb",
            "resource": "putItem",
            "error": "DynamoDB.ConditionalCheckFailedException",
            "cause": "The conditional request failed",
        }

    def test_missing_handler_names_state_resource_and_how_to_register(self) -> None:
        ex = one_task(PUT_ITEM, Parameters={}).run({}, local_aws=False)
        assert ex.status == "FAILED"
        assert ex.cause is not None
        assert "'Work'" in ex.cause
        assert PUT_ITEM in ex.cause
        assert "@sfn.task" in ex.cause
        assert "resources=" in ex.cause

    def test_scheduled_region_follows_the_run_region(self) -> None:
        resource = "arn:aws:states:::dynamodb:deleteItem"
        sm = one_task(resource, Parameters={})
        sm.run({}, resources={resource: lambda p: {}}, region="us-east-1")
        ex = sm.run({}, resources={resource: lambda p: {}}, region="eu-west-1")
        assert ex.arn.startswith("arn:aws:states:eu-west-1:")
        assert event(ex, "TaskScheduled")["taskScheduledEventDetails"]["region"] == "eu-west-1"


class TestActivities:
    def test_activity_events(self) -> None:
        sm = one_task(ACTIVITY, TimeoutSeconds=100, HeartbeatSeconds=20)
        ex = sm.run({"doc": 1}, resources={"Review": lambda e: {"approved": True}})
        assert ex.output == {"approved": True}
        assert types(ex)[1:6] == [
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
        ]
        assert event(ex, "ActivityScheduled")["activityScheduledEventDetails"] == {
            "resource": ACTIVITY,
            "input": '{"doc":1}',
            "inputDetails": {"truncated": False},
            "timeoutInSeconds": 100,
            "heartbeatInSeconds": 20,
        }


# ----------------------------------------------------------------------------- handler lookup


class TestHandlerLookup:
    @pytest.mark.parametrize("key", ["Resize", FN_ARN, "Work"])
    def test_by_function_name_full_arn_or_state_name(self, key: str) -> None:
        assert one_task(FN_ARN).run({}, resources={key: lambda e: key}).output == key

    def test_the_resource_is_preferred_over_the_state_name(self) -> None:
        ex = one_task(FN_ARN).run({}, resources={"Work": lambda e: "state", "Resize": lambda e: "function"})
        assert ex.output == "function"

    def test_an_alias_arn_finds_the_qualified_then_the_plain_name(self) -> None:
        sm = one_task(FN_ARN + ":live")
        assert (
            sm.run({}, resources={"Resize:live": lambda e: "alias", "Resize": lambda e: "plain"}).output
            == "alias"
        )
        assert sm.run({}, resources={"Resize": lambda e: "plain"}).output == "plain"

    def test_a_service_integration_by_state_name(self) -> None:
        assert (
            one_task(PUT_ITEM, Parameters={}).run({}, resources={"Work": lambda p: "by-state"}).output
            == "by-state"
        )

    def test_registered_with_the_task_decorator(self) -> None:
        @sfn.task("Resize")
        def resize(event: Any, context: Any) -> Any:
            return {"from": "decorator", "fn": context.function_name}

        assert one_task(FN_ARN).run({}).output == {"from": "decorator", "fn": "Resize"}

    def test_run_resources_override_the_decorator(self) -> None:
        sfn.task("Resize", lambda e: "decorator")
        assert one_task(FN_ARN).run({}, resources={"Resize": lambda e: "run"}).output == "run"

    def test_a_lambda_without_handler_is_resource_not_found_with_a_note(self) -> None:
        ex = one_task(FN_ARN).run({})
        assert ex.status == "FAILED"
        assert ex.error == "Lambda.ResourceNotFoundException"
        assert ex.cause is not None
        assert ex.cause.startswith(
            f"Function not found: {FN_ARN}:$LATEST (Service: AWSLambda; Status Code: 404;"
        )
        assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
        assert len(ex.notes) == 1
        assert "Resize" in ex.notes[0]
        assert "sfn.task('Resize')" in ex.notes[0]
        assert "resources=" in ex.notes[0]
        assert "note:" in repr(ex)

    @pytest.mark.parametrize(
        ("resource", "function_name", "expected"),
        [
            (INVOKE, "Resize:live", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Resize:live"),
            (
                INVOKE,
                "arn:aws:lambda:eu-west-1:111122223333:function:Resize:live",
                "arn:aws:lambda:eu-west-1:111122223333:function:Resize:live",
            ),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:Resize",
                None,
                "arn:aws:lambda:eu-west-1:111122223333:function:Resize:$LATEST",
            ),
        ],
        ids=["qualified-name", "qualified-arn-elsewhere", "resource-arn-elsewhere"],
    )
    def test_the_not_found_cause_names_the_requested_function(
        self, resource: str, function_name: str | None, expected: str
    ) -> None:
        fields = (
            {} if function_name is None else {"Parameters": {"FunctionName": function_name, "Payload": {}}}
        )
        ex = one_task(resource, **fields).run({})
        assert ex.error == "Lambda.ResourceNotFoundException"
        assert (ex.cause or "").startswith(
            f"Function not found: {expected} (Service: AWSLambda; Status Code: 404;"
        )

    def test_a_lambda_invoke_without_handler_is_catchable(self) -> None:
        sm = one_task(
            INVOKE,
            Parameters={"FunctionName": "Missing", "Payload": {}},
            Catch=[
                {"ErrorEquals": ["Lambda.ResourceNotFoundException"], "ResultPath": "$.e", "Next": "Handled"}
            ],
        )
        ex = sm.run({})
        assert ex.status == "SUCCEEDED"
        assert ex.output["e"]["Error"] == "Lambda.ResourceNotFoundException"
        assert "function:Missing:$LATEST" in ex.output["e"]["Cause"]
        assert ex.notes


# ----------------------------------------------------------------------------- failures


class TestHandlerFailures:
    def test_task_failed_is_reported_exactly(self) -> None:
        def handler(event: Any) -> Any:
            raise TaskFailed("Image.TooLarge", "over 10 MB")

        ex = one_task(FN_ARN).run({}, resources={"Resize": handler})
        assert (ex.error, ex.cause) == ("Image.TooLarge", "over 10 MB")
        assert event(ex, "LambdaFunctionFailed")["lambdaFunctionFailedEventDetails"] == {
            "error": "Image.TooLarge",
            "cause": "over 10 MB",
        }

    def test_task_failed_without_cause(self) -> None:
        def handler(event: Any) -> Any:
            raise TaskFailed("Only.Error")

        ex = one_task(FN_ARN).run({}, resources={"Resize": handler})
        assert (ex.error, ex.cause) == ("Only.Error", None)
        assert event(ex, "LambdaFunctionFailed")["lambdaFunctionFailedEventDetails"] == {
            "error": "Only.Error"
        }

    def test_any_other_exception_fails_like_lambda(self) -> None:
        def handler(event: Any) -> Any:
            return event["missing"]

        ex = one_task(FN_ARN).run({"present": 1}, resources={"Resize": handler})
        assert ex.error == "KeyError"
        cause = json.loads(ex.cause or "")
        assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert cause["errorType"] == "KeyError"
        assert cause["errorMessage"] == "'missing'"
        assert any("in handler" in frame for frame in cause["stackTrace"])
        assert not any("sfn_notebook" in frame for frame in cause["stackTrace"])

    def test_a_user_exception_class_name_is_the_error(self) -> None:
        class PaymentDeclined(Exception):
            pass

        def handler(event: Any) -> Any:
            raise PaymentDeclined("card expired")

        sm = one_task(
            FN_ARN, Catch=[{"ErrorEquals": ["PaymentDeclined"], "ResultPath": "$.e", "Next": "Handled"}]
        )
        ex = sm.run({}, resources={"Resize": handler})
        assert ex.status == "SUCCEEDED"
        assert ex.output["e"]["Error"] == "PaymentDeclined"

    @pytest.mark.parametrize("value", [{1, 2}, object(), {"when": datetime(2024, 1, 1)}])
    def test_a_return_value_that_is_not_json_is_a_marshal_error(self, value: Any) -> None:
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: value})
        assert ex.error == "Runtime.MarshalError"
        cause = json.loads(ex.cause or "{}")  # Lambda's JSON error object
        assert cause["errorType"] == "Runtime.MarshalError"
        assert cause["errorMessage"].startswith("Unable to marshal response:")
        assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]

    def test_tuples_are_returned_as_arrays(self) -> None:
        assert one_task(FN_ARN).run({}, resources={"Resize": lambda e: (1, "a")}).output == [1, "a"]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ({(1, 2): "x"}, "keys must be str, int, float, bool or None, not tuple"),
            ("cycle", "Circular reference detected"),
        ],
    )
    def test_what_lambdas_json_cannot_write_is_a_marshal_error(self, value: Any, message: str) -> None:
        if value == "cycle":
            value = {"a": []}
            value["a"].append(value)
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: value})
        assert (ex.status, ex.error) == ("FAILED", "Runtime.MarshalError")
        assert json.loads(ex.cause or "{}")["errorMessage"] == f"Unable to marshal response: {message}"

    def test_decimals_are_returned_as_the_numbers_they_are(self) -> None:
        # what boto3's DynamoDB resources return; Lambda's Python runtime writes them as numbers
        result = {"price": Decimal("19.50"), "stock": [Decimal("3"), Decimal("-1E+2")]}
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: result})
        assert ex.output == {"price": 19.5, "stock": [3, -100]}
        assert isinstance(ex.output["stock"][0], int)

    def test_a_decimal_that_is_not_a_number_is_a_marshal_error(self) -> None:
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: [Decimal("NaN")]})
        assert ex.error == "Runtime.MarshalError"

    def test_a_result_nested_too_deeply_is_a_marshal_error(self) -> None:
        deep: Any = 0
        for _ in range(5000):
            deep = [deep]
        ex = one_task(FN_ARN).run({}, resources={"Resize": lambda e: deep})
        assert (ex.status, ex.error) == ("FAILED", "Runtime.MarshalError")
        assert ex.history() is not None and types(ex)[-1] == "ExecutionFailed"

    @pytest.mark.parametrize(
        ("error", "cause", "recorded"),
        [(404, {"why": "gone"}, {"error": "404", "cause": '{"why":"gone"}'}), (None, "c", {"cause": "c"})],
    )
    def test_task_failed_error_and_cause_are_recorded_as_text(
        self, error: Any, cause: Any, recorded: dict[str, str]
    ) -> None:
        def handler(event: Any) -> Any:
            raise TaskFailed(error, cause)

        ex = one_task(FN_ARN).run({}, resources={"Resize": handler})
        assert event(ex, "LambdaFunctionFailed")["lambdaFunctionFailedEventDetails"] == recorded
        assert ex.error == recorded.get("error")


class Escaping(BaseException):
    """Not an Exception: what ``except Exception`` lets through."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no message")


class TestExceptionsThatEndLambdasRuntime:
    """What Lambda's Python runtime does not report as the function's error ends its process."""

    @pytest.mark.parametrize(
        ("exc", "reason"),
        [
            (SystemExit(3), "exited with error: exit status 3"),
            (SystemExit("bye"), "exited with error: exit status 1"),
            (SystemExit(), "exited without providing a reason"),
            (GeneratorExit(), "exited with error: exit status 1"),
            (Escaping("x"), "exited with error: exit status 1"),
            (Unprintable(), "exited with error: exit status 1"),
        ],
    )
    def test_the_task_fails_with_runtime_exit_error(self, exc: BaseException, reason: str) -> None:
        def handler(event: Any) -> Any:
            raise exc

        ex = one_task(FN_ARN).run({}, resources={"Resize": handler})
        assert (ex.status, ex.error) == ("FAILED", "Runtime.ExitError")
        cause = json.loads(ex.cause or "{}")
        assert cause["errorType"] == "Runtime.ExitError"
        assert cause["errorMessage"].endswith(f"Error: Runtime {reason}")
        assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
        assert type(exc).__name__ in ex.notes[0]

    @settings(max_examples=40, deadline=None)
    @given(
        kind=st.sampled_from([SystemExit, GeneratorExit, Escaping, Unprintable, StopIteration, MemoryError]),
        argument=st.one_of(st.none(), st.integers(-300, 300), st.text(max_size=5)),
        background=st.booleans(),
    )
    def test_whatever_a_handler_raises_the_run_ends_failed(
        self, kind: type[BaseException], argument: Any, background: bool
    ) -> None:
        def handler(event: Any) -> Any:
            raise kind() if argument is None or kind is Unprintable else kind(argument)

        sm = one_task(FN_ARN)
        resources = {"Resize": handler}
        ex = sm.start({}, resources=resources).wait(60) if background else sm.run({}, resources=resources)
        assert ex.status == "FAILED" and isinstance(ex.error, str) and isinstance(ex.cause, str)
        assert types(ex)[-1] == "ExecutionFailed"

    def test_catch_handles_it_like_any_task_error(self) -> None:
        def handler(event: Any) -> Any:
            raise SystemExit(1)

        sm = one_task(FN_ARN, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Handled"}])
        ex = sm.run({}, resources={"Resize": handler})
        assert ex.status == "SUCCEEDED" and ex.output["e"]["Error"] == "Runtime.ExitError"

    def test_a_service_handler_fails_with_the_exceptions_name(self) -> None:
        def handler(params: Any) -> Any:
            raise Escaping("left")

        sm = machine({"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}})
        ex = sm.run({}, resources={"arn:aws:states:::sqs:sendMessage": handler})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Escaping", "left")

    def test_an_interrupt_aborts_the_run_and_keeps_its_history(self) -> None:
        def handler(event: Any) -> Any:
            raise KeyboardInterrupt

        with pytest.warns(RuntimeWarning, match="interrupted"):
            ex = one_task(FN_ARN).run({}, resources={"Resize": handler})
        assert (ex.status, ex.error) == ("ABORTED", "KeyboardInterrupt")
        assert "'Work'" in (ex.cause or "") and types(ex)[-1] == "ExecutionAborted"
        assert "KeyboardInterrupt" in ex.notes[0]


# ----------------------------------------------------------------------------- timeouts


class TestTaskTimeouts:
    def test_work_within_the_timeout_takes_its_virtual_time(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(12)
            return "done"

        ex = one_task(FN_ARN, TimeoutSeconds=30).run({}, resources={"Resize": slow}, start_time=EPOCH)
        assert ex.status == "SUCCEEDED"
        assert seconds_after_start(ex, event(ex, "LambdaFunctionSucceeded")) == 12.0

    def test_lambda_beyond_the_timeout_times_out(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(100)
            return "late"

        ex = one_task(FN_ARN, TimeoutSeconds=30).run({}, resources={"Resize": slow}, start_time=EPOCH)
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
        timed_out = event(ex, "LambdaFunctionTimedOut")
        assert timed_out["lambdaFunctionTimedOutEventDetails"]["error"] == "States.Timeout"
        assert seconds_after_start(ex, timed_out) == 30.0
        assert "LambdaFunctionSucceeded" not in types(ex)

    def test_work_of_endless_or_absurd_length(self) -> None:
        def sleeper(seconds: float) -> Any:
            return lambda event, context: context.sleep(seconds)

        for seconds in (float("inf"), float("nan")):  # not a duration: the handler fails, as it raised
            ex = one_task(FN_ARN).run({}, resources={"Resize": sleeper(seconds)})
            assert (ex.status, ex.error) == ("FAILED", "ValueError")
        # far past any clock: the timeout still fires, and without one the run still ends
        ex = one_task(FN_ARN, TimeoutSeconds=30).run(
            {}, resources={"Resize": sleeper(1e300)}, start_time=EPOCH
        )
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
        # without one, the execution times out when it has run for a year, the longest AWS allows
        endless = one_task(FN_ARN).run({}, resources={"Resize": sleeper(1e300)})
        assert (endless.status, endless.error) == ("TIMED_OUT", "States.Timeout")

    def test_lambda_invoke_beyond_the_timeout_times_out(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(61)
            return {}

        sm = one_task(INVOKE, Parameters={"FunctionName": "Resize", "Payload": {}}, TimeoutSeconds=60)
        ex = sm.run({}, resources={"Resize": slow}, start_time=EPOCH)
        assert ex.error == "States.Timeout"
        details = event(ex, "TaskTimedOut")["taskTimedOutEventDetails"]
        assert (details["resourceType"], details["resource"], details["error"]) == (
            "lambda",
            "invoke",
            "States.Timeout",
        )

    def test_timeout_is_caught_by_name_but_not_by_task_failed(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(10)

        for error_equals, caught in (
            (["States.Timeout"], True),
            (["States.TaskFailed"], False),
            (["States.ALL"], True),
        ):
            sm = one_task(
                FN_ARN,
                TimeoutSeconds=5,
                Catch=[{"ErrorEquals": error_equals, "ResultPath": "$.e", "Next": "Handled"}],
            )
            ex = sm.run({}, resources={"Resize": slow})
            assert (ex.status == "SUCCEEDED") is caught, error_equals

    def test_timeout_seconds_path(self) -> None:
        def slow(event: Any, context: Any) -> Any:
            context.sleep(8)

        sm = one_task(FN_ARN, TimeoutSecondsPath="$.limit")
        assert sm.run({"limit": 5}, resources={"Resize": slow}).error == "States.Timeout"
        assert sm.run({"limit": 10}, resources={"Resize": slow}).status == "SUCCEEDED"

    @pytest.mark.parametrize("field", ["TimeoutSecondsPath", "HeartbeatSecondsPath"])
    def test_a_seconds_path_that_finds_nothing_is_worded_as_aws_does(self, field: str) -> None:
        ex = one_task(FN_ARN, **{field: "$.absent"}).run({}, resources={"Resize": lambda event: 1})
        assert ex.error == "States.Runtime"
        assert ex.cause.endswith("Invalid path '$.absent' : No results for path: $['absent']")


# ----------------------------------------------------------------------------- callbacks


def callback_task(**fields: Any) -> StateMachine:
    return one_task(
        CALLBACK,
        Parameters={
            "QueueUrl": "https://queue",
            "MessageBody": {"token.$": "$$.Task.Token", "job.$": "$.job"},
        },
        **fields,
    )


def sent(box: list[Any]) -> Any:
    def send(params: Any) -> Any:
        box.append(params)
        return {"MessageId": "m-1"}

    return send


class TestWaitForTaskToken:
    def test_the_run_pauses_until_send_task_success(self) -> None:
        box: list[Any] = []
        ex = callback_task().run({"job": 7}, resources={CALLBACK: sent(box)}, start_time=EPOCH, seed=1)
        assert ex.status == "RUNNING"
        assert ex.output is None
        assert types(ex)[-3:] == ["TaskScheduled", "TaskStarted", "TaskSubmitted"]
        [waiting] = ex.waiting_for
        assert waiting.state == "Work"
        assert box[0]["MessageBody"] == {"token": waiting.token, "job": 7}
        assert "waiting for a task token in Work" in repr(ex)

        ex.advance(45)
        ex.send_task_success(waiting.token, {"approved": True})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"approved": True}
        assert ex.waiting_for == []
        succeeded = event(ex, "TaskSucceeded")
        assert succeeded["taskSucceededEventDetails"]["output"] == '{"approved":true}'
        assert succeeded["taskSucceededEventDetails"]["resource"] == "sendMessage.waitForTaskToken"
        assert seconds_after_start(ex, succeeded) == 45.0

    def test_submitted_event_holds_the_service_response(self) -> None:
        ex = callback_task().run({"job": 1}, resources={CALLBACK: sent([])})
        assert event(ex, "TaskSubmitted")["taskSubmittedEventDetails"] == {
            "resourceType": "sqs",
            "resource": "sendMessage.waitForTaskToken",
            "output": '{"MessageId":"m-1"}',
            "outputDetails": {"truncated": False},
        }

    def test_the_handler_may_be_registered_without_the_pattern_suffix(self) -> None:
        ex = callback_task().run({"job": 1}, resources={"arn:aws:states:::sqs:sendMessage": sent([])})
        assert ex.status == "RUNNING"
        assert len(ex.waiting_for) == 1

    def test_send_task_failure_goes_through_catch(self) -> None:
        sm = callback_task(Catch=[{"ErrorEquals": ["Rejected"], "ResultPath": "$.why", "Next": "Handled"}])
        ex = sm.run({"job": 2}, resources={CALLBACK: sent([])})
        ex.send_task_failure(ex.waiting_for[0].token, "Rejected", "by reviewer")
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"job": 2, "why": {"Error": "Rejected", "Cause": "by reviewer"}}
        assert event(ex, "TaskFailed")["taskFailedEventDetails"]["error"] == "Rejected"

    def test_send_task_failure_without_error_or_cause_gives_both_as_null(self) -> None:
        sm = callback_task(Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.why", "Next": "Handled"}])
        ex = sm.run({"job": 3}, resources={CALLBACK: sent([])})
        ex.send_task_failure(ex.waiting_for[0].token)
        assert ex.output == {"job": 3, "why": {"Error": None, "Cause": None}}
        assert event(ex, "TaskFailed")["taskFailedEventDetails"] == {
            "resourceType": "sqs",
            "resource": "sendMessage.waitForTaskToken",
        }

    def test_send_task_failure_uncaught_fails_the_execution(self) -> None:
        ex = callback_task().run({"job": 2}, resources={CALLBACK: sent([])})
        ex.send_task_failure(ex.waiting_for[0].token, "Rejected", "by reviewer")
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Rejected", "by reviewer")

    def test_completing_inside_the_handler_finishes_at_once(self) -> None:
        def send(params: Any, context: Any) -> Any:
            context.send_task_success({"echo": params["MessageBody"]["job"]})
            return {"MessageId": "m"}

        ex = callback_task().run({"job": 5}, resources={CALLBACK: send})
        assert ex.status == "SUCCEEDED"
        assert ex.output == {"echo": 5}

    def test_failing_inside_the_handler(self) -> None:
        def send(params: Any, context: Any) -> Any:
            context.send_task_failure("Nope", "declined")
            return {}

        ex = callback_task().run({"job": 5}, resources={CALLBACK: send})
        assert (ex.status, ex.error, ex.cause) == ("FAILED", "Nope", "declined")

    def test_an_unknown_token_is_refused(self) -> None:
        ex = callback_task().run({"job": 1}, resources={CALLBACK: sent([])})
        with pytest.raises(ValueError, match="no task is waiting"):
            ex.send_task_success("not-a-token", {})

    def test_a_token_can_be_used_once(self) -> None:
        sm = machine(
            {
                "Work": {
                    "Type": "Task",
                    "Resource": CALLBACK,
                    "Parameters": {"t.$": "$$.Task.Token"},
                    "Next": "Again",
                },
                "Again": {
                    "Type": "Task",
                    "Resource": CALLBACK,
                    "Parameters": {"t.$": "$$.Task.Token"},
                    "End": True,
                },
            }
        )
        ex = sm.run({}, resources={CALLBACK: sent([])})
        first = ex.waiting_for[0].token
        ex.send_task_success(first, 1)
        assert ex.status == "RUNNING"
        with pytest.raises(ValueError):
            ex.send_task_success(first, 2)
        second = ex.waiting_for[0].token
        assert second != first
        ex.send_task_success(second, 3)
        assert ex.output == 3

    def test_heartbeat_timeout_after_advance(self) -> None:
        ex = callback_task(HeartbeatSeconds=30, TimeoutSeconds=600).run(
            {"job": 1}, resources={CALLBACK: sent([])}, start_time=EPOCH
        )
        ex.advance(29)
        assert ex.status == "RUNNING"
        ex.advance(5)
        assert ex.status == "FAILED"
        timed_out = event(ex, "TaskTimedOut")
        assert seconds_after_start(ex, timed_out) == 30.0
        assert ex.error == "States.Timeout"

    def test_heartbeats_keep_the_task_alive_until_its_timeout(self) -> None:
        ex = callback_task(HeartbeatSeconds=30, TimeoutSeconds=100).run(
            {"job": 1}, resources={CALLBACK: sent([])}, start_time=EPOCH
        )
        token = ex.waiting_for[0].token
        for _ in range(4):
            ex.advance(25)
            if ex.status == "RUNNING":
                ex.send_task_heartbeat(token)
        ex.advance(25)
        assert ex.status == "FAILED"
        assert ex.error == "States.Timeout"
        assert seconds_after_start(ex, event(ex, "TaskTimedOut")) == 100.0

    def test_a_missed_heartbeat_is_recorded_as_states_timeout(self) -> None:
        # AWS records a callback's missed heartbeat as States.Timeout (not States.HeartbeatTimeout)
        sm = callback_task(
            HeartbeatSeconds=10,
            Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.e", "Next": "Handled"}],
        )
        ex = sm.run({"job": 1}, resources={CALLBACK: sent([])})
        ex.advance(11)
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
        assert event(ex, "TaskTimedOut")["taskTimedOutEventDetails"]["error"] == "States.Timeout"

    def test_heartbeat_timeout_is_caught_by_states_timeout(self) -> None:
        sm = callback_task(
            HeartbeatSeconds=10,
            Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Handled"}],
        )
        ex = sm.run({"job": 1}, resources={CALLBACK: sent([])})
        ex.advance(11)
        assert ex.status == "SUCCEEDED"

    def test_the_timeout_fires_without_heartbeat_seconds(self) -> None:
        ex = callback_task(TimeoutSeconds=60).run(
            {"job": 1}, resources={CALLBACK: sent([])}, start_time=EPOCH
        )
        ex.advance(59)
        assert ex.status == "RUNNING"
        ex.advance(1)
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
        assert event(ex, "TaskTimedOut")["timestamp"] == EPOCH + timedelta(seconds=60)

    def test_lambda_invoke_wait_for_task_token(self) -> None:
        resource = "arn:aws:states:::lambda:invoke.waitForTaskToken"
        seen: list[Any] = []
        sm = one_task(
            resource, Parameters={"FunctionName": "Resize", "Payload": {"token.$": "$$.Task.Token"}}
        )
        ex = sm.run({}, resources={"Resize": lambda e: seen.append(e)})
        assert ex.status == "RUNNING"
        assert seen == [{"token": ex.waiting_for[0].token}]
        ex.send_task_success(seen[0]["token"], {"plain": "result"})
        assert ex.output == {"plain": "result"}


# ----------------------------------------------------------------------------- the Scheduled event


class TestScheduledEvent:
    FIELDS = {
        "TimeoutSeconds": 30,
        "HeartbeatSeconds": 10,
        "Credentials": {"RoleArn": "arn:aws:iam::1:role/R"},
    }

    def scheduled(self, resource: str) -> tuple[str, dict[str, Any]]:
        ex = one_task(resource, **self.FIELDS).run(
            {"n": 1}, resources={resource: lambda e: {}, "Resize": lambda e: {}}
        )
        (e,) = [e for e in ex.events if e["type"].endswith("Scheduled")]
        (details,) = [v for k, v in e.items() if k.endswith("EventDetails")]
        return e["type"], details

    def test_a_lambda_function_records_its_input_timeout_and_credentials_but_no_heartbeat(self) -> None:
        assert self.scheduled(FN_ARN) == (
            "LambdaFunctionScheduled",
            {
                "resource": FN_ARN,
                "input": '{"n":1}',
                "inputDetails": {"truncated": False},
                "timeoutInSeconds": 30,
                "taskCredentials": {"roleArn": "arn:aws:iam::1:role/R"},
            },
        )

    def test_an_activity_records_its_timeouts_but_no_credentials(self) -> None:
        assert self.scheduled(ACTIVITY) == (
            "ActivityScheduled",
            {
                "resource": ACTIVITY,
                "input": '{"n":1}',
                "inputDetails": {"truncated": False},
                "timeoutInSeconds": 30,
                "heartbeatInSeconds": 10,
            },
        )

    def test_a_service_integration_records_everything_with_its_parameters(self) -> None:
        assert self.scheduled(PUT_ITEM) == (
            "TaskScheduled",
            {
                "resourceType": "dynamodb",
                "resource": "putItem",
                "region": "us-east-1",
                "parameters": '{"n":1}',
                "timeoutInSeconds": 30,
                "heartbeatInSeconds": 10,
                "taskCredentials": {"roleArn": "arn:aws:iam::1:role/R"},
            },
        )
