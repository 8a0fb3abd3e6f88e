"""``arn:aws:states:::http:invoke`` and ``arn:aws:states:::apigateway:invoke``, served by handlers.

No request leaves the machine: a handler registered under the endpoint answers it
(``resources={"https://api.example.com/orders": handler}``, or ``"POST https://api.example.com/orders"``
for one method; for API Gateway ``"https://<ApiEndpoint>/<Stage><Path>"`` or the ``ApiEndpoint``).
It receives the request (``Method``, ``Url``, ``Headers``, ``QueryParameters``, ``RequestBody``) and
returns the response body, or a dict with ``StatusCode`` (and optionally ``Headers``, ``ResponseBody``,
``StatusText``). The Task's result has AWS's shape, ``{Headers, ResponseBody, StatusCode, StatusText}``;
a status of 400 or more fails the task with ``States.Http.StatusCode.<nnn>`` (HTTP Task) or
``ApiGateway.<nnn>`` (API Gateway), the response as the cause.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from ..errors import TaskFailed

__all__ = ["endpoint_keys", "http_request", "shape_response"]


def endpoint_keys(resource_type: str, params: Any) -> tuple[str, ...]:
    """The names a handler for this request may be registered under, most specific first."""
    if not isinstance(params, dict):
        return ()
    method = str(params.get("Method", "GET")).upper()
    if resource_type == "apigateway":
        host = str(params.get("ApiEndpoint", ""))
        stage = str(params.get("Stage", "")).strip("/")
        path = str(params.get("Path", ""))
        url = (
            f"https://{host}"
            + (f"/{stage}" if stage else "")
            + (path if path.startswith("/") or not path else "/" + path)
        )
        keys = [f"{method} {url}", url, f"{method} {host}", host]
    else:
        url = str(params.get("ApiEndpoint", ""))
        keys = [f"{method} {url}", url, f"{method} {url.split('?')[0]}", url.split("?")[0]]
    return tuple(dict.fromkeys(key for key in keys if key.strip()))


def http_request(resource_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the endpoint's handler receives."""
    keys = endpoint_keys(resource_type, params)
    url = keys[1] if len(keys) > 1 else ""
    query = params.get("QueryParameters")
    if isinstance(query, dict) and query:
        url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
    return {
        "Method": str(params.get("Method", "GET")).upper(),
        "Url": url,
        "Headers": params.get("Headers") if isinstance(params.get("Headers"), dict) else {},
        "QueryParameters": query if isinstance(query, dict) else {},
        "RequestBody": params.get("RequestBody"),
    }


def shape_response(resource_type: str, answer: Any) -> dict[str, Any]:
    """A handler's answer as the Task's result; a failing status raises AWS's error."""
    if isinstance(answer, dict) and "StatusCode" in answer:
        status = int(answer["StatusCode"])
        body = answer.get("ResponseBody")
        headers = answer.get("Headers") or {}
        text = answer.get("StatusText")
    else:
        status, body, headers, text = 200, answer, {}, None
    if text is None:
        try:
            text = HTTPStatus(status).phrase
        except ValueError:
            text = ""
    if not any(key.lower() == "content-type" for key in headers):
        kind = "text/plain" if isinstance(body, str) else "application/json"
        headers = {**headers, "Content-Type": kind}
    result = {
        "Headers": {
            key: value if isinstance(value, list) else [str(value)] for key, value in headers.items()
        },
        "ResponseBody": body if body is not None else {},
        "StatusCode": status,
        "StatusText": text,
    }
    if status >= 400:
        error = (
            f"ApiGateway.{status}" if resource_type == "apigateway" else f"States.Http.StatusCode.{status}"
        )
        raise TaskFailed(error, json.dumps(result, separators=(",", ":")))
    return result


def endpoint_handler(resource_type: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint's handler so that it takes the Task's parameters and returns AWS's result shape."""
    from ..engine.resources import call_handler

    def serve(params: Any, context: Any = None) -> Any:
        request = http_request(resource_type, params if isinstance(params, dict) else {})
        return shape_response(resource_type, call_handler(handler, request, context))

    return serve
