"""Tests for sfn_notebook.engine.resources: classifying Resource strings, finding and calling handlers,
and describing failures the way Lambda and the service integrations do."""

from __future__ import annotations

import json
from typing import Any

import pytest

import sfn_notebook as sfn
from sfn_notebook import StateMachine, TaskFailed
from sfn_notebook.engine.resources import (
    HandlerRegistry,
    call_handler,
    function_arn,
    handler_failure,
    invoke_response,
    lambda_error_cause,
    lambda_keys,
    parse_resource,
    registered_handlers,
    task,
    task_scope,
    to_json_value,
)

# ----------------------------------------------------------------------------- parse_resource


class TestParseResource:
    def test_lambda_function_arn(self) -> None:
        info = parse_resource("arn:aws:lambda:eu-west-1:111122223333:function:Resize")
        assert (info.kind, info.function_name, info.region) == ("lambda", "Resize", "eu-west-1")
        assert not info.is_lambda_invoke
        assert not info.waits_for_token

    def test_lambda_function_arn_with_alias(self) -> None:
        info = parse_resource("arn:aws:lambda:eu-west-1:111122223333:function:Resize:live")
        assert (info.kind, info.function_name) == ("lambda", "Resize")

    def test_lambda_invoke_integration(self) -> None:
        info = parse_resource("arn:aws:states:::lambda:invoke")
        assert (info.kind, info.resource_type, info.resource_name, info.pattern) == (
            "service",
            "lambda",
            "invoke",
            "",
        )
        assert info.is_lambda_invoke

    @pytest.mark.parametrize(
        ("resource", "resource_type", "resource_name", "pattern"),
        [
            ("arn:aws:states:::dynamodb:putItem", "dynamodb", "putItem", ""),
            ("arn:aws:states:::sns:publish", "sns", "publish", ""),
            ("arn:aws:states:::aws-sdk:s3:listBuckets", "aws-sdk:s3", "listBuckets", ""),
            ("arn:aws:states:::ecs:runTask.sync", "ecs", "runTask.sync", ".sync"),
            ("arn:aws:states:::states:startExecution.sync:2", "states", "startExecution.sync:2", ".sync:2"),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "sqs",
                "sendMessage.waitForTaskToken",
                ".waitForTaskToken",
            ),
            (
                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "lambda",
                "invoke.waitForTaskToken",
                ".waitForTaskToken",
            ),
        ],
    )
    def test_service_integrations(
        self, resource: str, resource_type: str, resource_name: str, pattern: str
    ) -> None:
        info = parse_resource(resource)
        assert info.kind == "service"
        assert (info.resource_type, info.resource_name, info.pattern) == (
            resource_type,
            resource_name,
            pattern,
        )
        assert info.waits_for_token == (pattern == ".waitForTaskToken")

    def test_a_region_in_the_integration_arn_is_kept(self) -> None:
        assert parse_resource("arn:aws:states:ap-south-1::glue:startJobRun").region == "ap-south-1"

    def test_activity(self) -> None:
        info = parse_resource("arn:aws:states:us-west-2:111122223333:activity:Approve")
        assert (info.kind, info.function_name) == ("activity", "Approve")


class TestLambdaNames:
    @pytest.mark.parametrize(
        ("function", "keys"),
        [
            ("Resize", ("Resize",)),
            ("Resize:live", ("Resize:live", "Resize")),
            ("111122223333:function:Resize", ("111122223333:function:Resize", "Resize")),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:Resize:7",
                ("arn:aws:lambda:eu-west-1:111122223333:function:Resize:7", "Resize:7", "Resize"),
            ),
        ],
    )
    def test_lambda_keys_most_specific_first(self, function: str, keys: tuple[str, ...]) -> None:
        assert lambda_keys(function) == keys

    def test_function_arn_completes_a_bare_name(self) -> None:
        assert (
            function_arn("Resize", "eu-west-1", "111122223333")
            == "arn:aws:lambda:eu-west-1:111122223333:function:Resize"
        )

    def test_function_arn_keeps_a_full_arn(self) -> None:
        arn = "arn:aws:lambda:ca-central-1:444455556666:function:Other"
        assert function_arn(arn, "eu-west-1", "111122223333") == arn


# ----------------------------------------------------------------------------- registry and decorator


class TestHandlerRegistry:
    def test_run_resources_come_before_registered_tasks(self) -> None:
        task("Shared", lambda event: "global")
        registry = HandlerRegistry({"Shared": lambda event: "local"})
        handler = registry.lookup("Shared")
        assert handler is not None
        assert handler({}) == "local"

    def test_falls_back_to_registered_tasks(self) -> None:
        task("OnlyGlobal", lambda event: "global")
        handler = HandlerRegistry().lookup("OnlyGlobal")
        assert handler is not None
        assert handler({}) == "global"

    def test_keys_are_tried_in_order_then_the_state_name(self) -> None:
        registry = HandlerRegistry({"ByName": lambda e: "name", "MyState": lambda e: "state"})
        assert registry.for_state("MyState", ("arn:unknown", "ByName"))({}) == "name"  # type: ignore[misc]
        assert registry.for_state("MyState", ("arn:unknown",))({}) == "state"  # type: ignore[misc]
        assert registry.for_state("Elsewhere", ("arn:unknown",)) is None

    def test_rejects_values_that_are_not_callable(self) -> None:
        with pytest.raises(TypeError, match=r"resources\['Bad'\] must be callable"):
            HandlerRegistry({"Bad": 42})

    def test_names_lists_both_tables(self) -> None:
        task("Registered", lambda event: None)
        assert HandlerRegistry({"Local": lambda event: None}).names() == ["Local", "Registered"]


class TestTaskDecorator:
    def test_decorator_registers_and_returns_the_function(self) -> None:
        @sfn.task("Greeter")
        def greet(event: Any, context: Any) -> Any:
            return {"hello": event["name"]}

        assert greet({"name": "x"}, None) == {"hello": "x"}
        assert registered_handlers()["Greeter"] is greet

    def test_direct_call_form(self) -> None:
        def double(event: Any) -> Any:
            return event * 2

        assert task("Doubler", double) is double
        assert registered_handlers()["Doubler"] is double

    def test_a_registered_task_serves_a_run(self) -> None:
        @sfn.task("arn:aws:states:::sqs:sendMessage")
        def send(params: Any) -> Any:
            return {"MessageId": "m-" + params["MessageBody"]}

        sm = StateMachine(
            {
                "StartAt": "Send",
                "States": {
                    "Send": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage",
                        "Parameters": {"QueueUrl": "q", "MessageBody": "hi"},
                        "End": True,
                    }
                },
            }
        )
        assert sm.run({}).output == {"MessageId": "m-hi"}

    @pytest.mark.parametrize("name", ["", None, 3])
    def test_needs_a_name(self, name: Any) -> None:
        with pytest.raises(TypeError):
            task(name)

    def test_needs_a_callable(self) -> None:
        with pytest.raises(TypeError, match="needs a callable"):
            task("X", "not callable")  # type: ignore[arg-type]

    def test_registrations_do_not_leak_between_tests(self) -> None:
        assert "Greeter" not in registered_handlers()
        assert "Doubler" not in registered_handlers()


class TestTaskScope:
    def test_the_scope_starts_empty_and_gives_the_earlier_handlers_back(self) -> None:
        earlier = task("Earlier", lambda event: "earlier")
        with task_scope():
            assert registered_handlers() == {}
            task("Inside", lambda event: "inside")
            assert list(registered_handlers()) == ["Inside"]
        assert registered_handlers() == {"Earlier": earlier}

    def test_runs_inside_see_only_the_scope_s_handlers(self) -> None:
        task("Work", lambda event: "outer")
        resource = "arn:aws:lambda:us-east-1:123456789012:function:Work"
        sm = StateMachine(
            {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": resource, "End": True}}}
        )
        with task_scope():
            task("Work", lambda event: "inner")
            assert sm.run({}).output == "inner"
        assert sm.run({}).output == "outer"

    def test_an_exception_in_the_block_still_restores_the_registry(self) -> None:
        kept = task("Kept", lambda event: event)
        with pytest.raises(RuntimeError), task_scope():
            task("Lost", lambda event: event)
            raise RuntimeError("stop")
        assert registered_handlers() == {"Kept": kept}

    def test_scopes_nest(self) -> None:
        with task_scope():
            outer = task("Outer", lambda event: event)
            with task_scope():
                inner = task("Inner", lambda event: event)
                assert registered_handlers() == {"Inner": inner}
            assert registered_handlers() == {"Outer": outer}


# ----------------------------------------------------------------------------- calling handlers


class TestCallHandler:
    def test_two_arguments_receive_event_and_context(self) -> None:
        assert call_handler(lambda event, context: (event, context), "e", "c") == ("e", "c")

    def test_one_argument_receives_the_event(self) -> None:
        assert call_handler(lambda event: event, "e", "c") == "e"

    def test_no_argument(self) -> None:
        assert call_handler(lambda: "nothing", "e", "c") == "nothing"

    def test_an_optional_context_still_gets_it(self) -> None:
        def handler(event: Any, context: Any = None) -> Any:
            return context

        assert call_handler(handler, "e", "c") == "c"

    def test_varargs(self) -> None:
        assert call_handler(lambda *args: args, "e", "c") == ("e", "c")

    def test_callable_objects_and_bound_methods(self) -> None:
        class Service:
            def handle(self, event: Any) -> Any:
                return ["method", event]

            def __call__(self, event: Any, context: Any) -> Any:
                return ["call", event, context]

        service = Service()
        assert call_handler(service.handle, 1, 2) == ["method", 1]
        assert call_handler(service, 1, 2) == ["call", 1, 2]


def test_arity_is_not_confused_by_a_reused_object_id() -> None:
    results = []
    for i in range(20):
        if i % 2:
            handler = lambda event: ("one", event)  # noqa: E731
        else:
            handler = lambda event, context: ("two", event, context)  # noqa: E731
        results.append(call_handler(handler, "e", "c"))
        del handler
    assert results == [("two", "e", "c") if i % 2 == 0 else ("one", "e") for i in range(20)]


class TestFailures:
    def _raise(self, exc: BaseException) -> BaseException:
        try:
            raise exc
        except BaseException as caught:
            return caught

    def test_task_failed_keeps_error_and_cause_exactly(self) -> None:
        info = parse_resource("arn:aws:states:::dynamodb:putItem")
        err = handler_failure(self._raise(TaskFailed("Custom.Error", "it broke")), info, "rid")
        assert (err.error, err.cause) == ("Custom.Error", "it broke")

    def test_lambda_exception_has_lambdas_error_object(self) -> None:
        info = parse_resource("arn:aws:lambda:us-east-1:123456789012:function:Fn")
        err = handler_failure(self._raise(KeyError("order")), info, "req-1")
        assert err.error == "KeyError"
        body = json.loads(err.cause or "")
        assert set(body) == {"errorMessage", "errorType", "requestId", "stackTrace"}
        assert body["errorType"] == "KeyError"
        assert body["errorMessage"] == "'order'"
        assert body["requestId"] == "req-1"
        assert isinstance(body["stackTrace"], list)
        assert body["stackTrace"]
        assert any("_raise" in line for line in body["stackTrace"])

    def test_lambda_invoke_exception_is_shaped_the_same(self) -> None:
        err = handler_failure(
            self._raise(ValueError("bad")), parse_resource("arn:aws:states:::lambda:invoke"), "r"
        )
        assert err.error == "ValueError"
        assert json.loads(err.cause or "")["errorMessage"] == "bad"

    def test_service_exception_is_class_name_and_message(self) -> None:
        err = handler_failure(
            self._raise(ValueError("bad")), parse_resource("arn:aws:states:::sns:publish"), "r"
        )
        assert (err.error, err.cause) == ("ValueError", "bad")

    def test_a_botocore_style_error_gets_the_optimised_integrations_name_and_cause(self) -> None:
        class ClientError(Exception):
            response = {
                "Error": {
                    "Code": "ConditionalCheckFailedException",
                    "Message": "The conditional request failed",
                }
            }

        info = parse_resource("arn:aws:states:::dynamodb:putItem")
        err = handler_failure(self._raise(ClientError("An error occurred")), info, "r-1")
        assert (err.error, err.cause) == (
            "DynamoDB.ConditionalCheckFailedException",
            "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; "
            "Error Code: ConditionalCheckFailedException; Request ID: r-1; Proxy: null)",
        )

    def test_a_botocore_error_from_an_sdk_integration_gets_the_sdk_clients_name(self) -> None:
        class ClientError(Exception):
            response = {
                "Error": {"Code": "NoSuchKey", "Message": "The specified key does not exist."},
                "ResponseMetadata": {"RequestId": "REQ", "HostId": "HOST", "HTTPStatusCode": 404},
            }

        info = parse_resource("arn:aws:states:::aws-sdk:s3:getObject")
        err = handler_failure(self._raise(ClientError("x")), info, "unused")
        assert (err.error, err.cause) == (
            "S3.NoSuchKeyException",
            "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: REQ, "
            "Extended Request ID: HOST)",
        )
        dynamo = parse_resource("arn:aws:states:::aws-sdk:dynamodb:getItem")
        ClientError.response = {"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}
        assert handler_failure(self._raise(ClientError("x")), dynamo, "r").error == (
            "DynamoDb.ResourceNotFoundException"
        )

    def test_lambda_error_cause_is_compact_json_text(self) -> None:
        cause = lambda_error_cause(self._raise(RuntimeError("x")), "abc")
        assert json.loads(cause)["requestId"] == "abc"


class TestInvokeResponse:
    def test_wraps_the_payload_like_lambda_invoke(self) -> None:
        payload = {"result": [1, 2], "name": "ünï"}
        response = invoke_response(
            payload, "11111111-2222-3333-4444-555555555555", "Mon, 01 Jan 2024 00:00:00 GMT"
        )
        assert response["Payload"] == payload
        assert response["StatusCode"] == 200
        assert response["ExecutedVersion"] == "$LATEST"
        metadata = response["SdkHttpMetadata"]
        length = str(len(json.dumps(payload)))
        assert metadata["HttpStatusCode"] == 200
        assert metadata["HttpHeaders"]["Content-Length"] == length
        assert metadata["AllHttpHeaders"]["Content-Length"] == [length]
        assert metadata["HttpHeaders"]["x-amzn-RequestId"] == "11111111-2222-3333-4444-555555555555"
        assert metadata["HttpHeaders"]["Date"] == "Mon, 01 Jan 2024 00:00:00 GMT"
        assert response["SdkResponseMetadata"] == {"RequestId": "11111111-2222-3333-4444-555555555555"}

    @pytest.mark.parametrize("payload", [None, 0, "text", [], {"a": {"b": None}}])
    def test_content_length_follows_pythons_json_dumps(self, payload: Any) -> None:
        response = invoke_response(payload, "11111111-2222-3333-4444-555555555555", "d")
        assert response["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == str(len(json.dumps(payload)))


class TestToJsonValue:
    def test_round_trips_through_json(self) -> None:
        value, text = to_json_value({"t": (1, 2), "n": None})
        assert value == {"t": [1, 2], "n": None}
        assert text == '{"t":[1,2],"n":null}'

    @pytest.mark.parametrize("bad", [{1, 2}, object(), float("nan")])
    def test_rejects_values_that_are_not_json(self, bad: Any) -> None:
        with pytest.raises((TypeError, ValueError)):
            to_json_value(bad)


def test_a_decimal_integer_too_long_to_write_fails_at_once() -> None:
    from decimal import Decimal

    # a million digits: making it an int would take minutes; it is out of range as a number anyway
    with pytest.raises(ValueError):
        to_json_value({"n": Decimal("1e999999")})
    assert to_json_value([Decimal("1e20"), Decimal("2.5")]) == ([10**20, 2.5], "[100000000000000000000,2.5]")
