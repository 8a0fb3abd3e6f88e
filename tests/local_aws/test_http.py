"""HTTP and API Gateway Tasks answered by handlers keyed by endpoint."""

from __future__ import annotations

import json
from typing import Any

import sfn_notebook as sfn

HTTP = "arn:aws:states:::http:invoke"


def call(resource: str, parameters: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Call",
            "States": {"Call": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}},
        }
    )


def test_a_handler_for_the_endpoint_answers_with_awss_result_shape() -> None:
    seen: list[dict[str, Any]] = []

    def orders(request: dict[str, Any]) -> Any:
        seen.append(request)
        return {"id": 7}

    params = {
        "ApiEndpoint": "https://api.example.com/orders",
        "Method": "POST",
        "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:connection/c"},
        "QueryParameters": {"dry": "1"},
        "RequestBody": {"item": "pen"},
    }
    ex = call(HTTP, params).run({}, resources={"https://api.example.com/orders": orders})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {
        "Headers": {"Content-Type": ["application/json"]},
        "ResponseBody": {"id": 7},
        "StatusCode": 200,
        "StatusText": "OK",
    }
    assert seen[0]["Method"] == "POST"
    assert seen[0]["Url"] == "https://api.example.com/orders?dry=1"
    assert seen[0]["RequestBody"] == {"item": "pen"}


def test_a_failing_status_is_awss_http_error() -> None:
    def teapot(request: Any) -> Any:
        return {"StatusCode": 418, "ResponseBody": {"why": "tea"}}

    params = {"ApiEndpoint": "https://api.example.com/brew", "Method": "GET"}
    ex = call(HTTP, params).run({}, resources={"GET https://api.example.com/brew": teapot})
    assert ex.error == "States.Http.StatusCode.418"
    assert json.loads(ex.cause)["StatusText"] == "I'm a Teapot"


def test_api_gateway_is_keyed_by_its_stage_url() -> None:
    params = {
        "ApiEndpoint": "abc.execute-api.us-east-1.amazonaws.com",
        "Method": "GET",
        "Stage": "prod",
        "Path": "/pets",
    }
    handlers = {
        "https://abc.execute-api.us-east-1.amazonaws.com/prod/pets": lambda request: {"StatusCode": 404}
    }
    ex = call("arn:aws:states:::apigateway:invoke", params).run({}, resources=handlers)
    assert ex.error == "ApiGateway.404"


def test_an_endpoint_without_a_handler_says_what_to_register() -> None:
    ex = call(HTTP, {"ApiEndpoint": "https://api.example.com/x", "Method": "GET"}).run({})
    assert ex.error == "States.Runtime"
    assert any("https://api.example.com/x" in note and "StatusCode" in note for note in ex.notes)
