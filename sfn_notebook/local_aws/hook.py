"""The engine's one call into the local AWS: who serves a Task that no mock and no handler serves.

The engine asks :func:`task_handler` when a service Task has neither a MockConfigFile answer nor a
Python handler. It returns a handler (``handler(event, context)``, called like any other) that makes
the call on the store and returns AWS's result or raises :class:`~sfn_notebook.errors.TaskFailed` with
AWS's error; or None, after adding a note to the run that says what to register, when the store does
not serve that resource (Lambda functions, services moto cannot run faithfully such as ECS tasks,
Glue jobs or Bedrock models).  Step Functions calls (``states:startExecution``, ``aws-sdk:sfn:*``)
are served by the engine itself (:mod:`.sfn`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import TaskFailed

__all__ = ["task_handler", "UNFAITHFUL"]

# services moto cannot stand in for (their work is the user's code or AWS's compute): handler-served
UNFAITHFUL = {
    "lambda": "Lambda functions run your code",
    "ecs": "moto does not run ECS tasks",
    "batch": "moto does not run Batch jobs",
    "glue": "moto does not run Glue jobs",
    "athena": "moto does not run Athena queries",
    "sagemaker": "moto does not train or host SageMaker models",
    "bedrock": "moto does not run Bedrock models",
    "bedrockruntime": "moto does not run Bedrock models",
    "bedrockagentruntime": "moto does not run Bedrock agents",
    "eks": "moto does not run EKS jobs",
    "emr": "moto does not run EMR steps",
    "elasticmapreduce": "moto does not run EMR steps",
    "emrcontainers": "moto does not run EMR jobs",
    "emrserverless": "moto does not run EMR jobs",
    "codebuild": "moto does not run CodeBuild builds",
    "databrew": "moto does not run DataBrew jobs",
    "mediaconvert": "moto does not run MediaConvert jobs",
}

# what AWS returns for common handler-served integrations: the shape a stand-in should return
RESULT_SHAPES = {
    "ecs:runTask": '{"Tasks": [{"TaskArn": "...", "LastStatus": "STOPPED", "Containers": [...]}], "Failures": []}',
    "batch:submitJob": '{"JobArn": "...", "JobId": "...", "JobName": "..."} (.sync: the DescribeJobs job, "Status": "SUCCEEDED")',
    "glue:startJobRun": '{"JobRunId": "jr_..."} (.sync: the GetJobRun run, "JobRunState": "SUCCEEDED")',
    "athena:startQueryExecution": '{"QueryExecutionId": "..."} (.sync: {"QueryExecution": {..., "Status": {"State": "SUCCEEDED"}}})',
    "sagemaker:createTrainingJob": '{"TrainingJobArn": "..."} (.sync: the DescribeTrainingJob answer)',
    "bedrock:invokeModel": '{"Body": {...the model\'s answer...}, "ContentType": "application/json"}',
    "codebuild:startBuild": '{"Build": {"Id": "...", "BuildStatus": "SUCCEEDED", ...}}',
    "eks:runJob": '{"ResponseBody": {...}, "StatusCode": 200, "StatusText": "OK"}',
    "elasticmapreduce:addStep": '{"StepId": "s-..."}',
}


def _note(run: Any, text: str) -> None:
    if text not in run.notes:
        run.notes.append(text)


def _register_hint(resource: str, shape: str | None) -> str:
    returning = f" returning what AWS returns, {shape}" if shape else " returning the service's response"
    return (
        f"register a handler with @sfn.task({resource!r}) or resources={{{resource!r}: handler}}{returning}."
    )


def task_handler(run: Any, state_name: str, info: Any) -> Callable[..., Any] | None:
    """The local AWS's handler for a service Task with no mock and no handler, or None (with a note)."""
    if not getattr(run.setup, "local_aws", True) or info.kind != "service" or info.is_lambda_invoke:
        return None
    rtype: str = info.resource_type
    action = info.resource_name[: -len(info.pattern)] if info.pattern else info.resource_name
    if rtype in ("http", "apigateway") and action == "invoke":
        return _endpoint(run, state_name, info)
    service = rtype.split(":", 1)[1] if rtype.startswith("aws-sdk:") else rtype
    reason = UNFAITHFUL.get(service.replace("-", "").lower())
    from .integrations import optimised

    if reason is None and not rtype.startswith("aws-sdk:") and not optimised(rtype, action):
        reason = f"the local AWS does not serve the optimised integration {rtype}:{action}"
    if reason is not None:
        shape = RESULT_SHAPES.get(f"{service}:{action}")
        _note(
            run,
            f"State '{state_name}' calls {info.resource}, which is not served locally ({reason}): {_register_hint(info.resource, shape)}",
        )
        return None
    return _store_handler(run, state_name, info)


def _store_handler(run: Any, state_name: str, info: Any) -> Callable[..., Any]:
    from .integrations import TaskCall, Unserved, serve

    def local_aws(event: Any, context: Any = None) -> Any:
        try:
            return serve(TaskCall(run, state_name, info, getattr(context, "_token", None)), event)
        except Unserved as exc:
            _note(
                run,
                f"State '{state_name}' calls {info.resource}, which the local AWS cannot serve ({exc}): {_register_hint(info.resource, None)}",
            )
            raise TaskFailed("States.Runtime", _no_handler(info, state_name)) from None

    return local_aws


def _endpoint(run: Any, state_name: str, info: Any) -> Callable[..., Any]:
    from .http import endpoint_handler, endpoint_keys

    def endpoint(event: Any, context: Any = None) -> Any:
        keys = endpoint_keys(info.resource_type, event)
        handler = run.handlers.lookup(*keys)
        if handler is None:
            where = keys[1] if len(keys) > 1 else info.resource
            _note(
                run,
                f"State '{state_name}' calls the endpoint {where}, which has no handler: register one with "
                f"@sfn.task({where!r}) or resources={{{where!r}: handler}}; it receives the request "
                "(Method, Url, Headers, QueryParameters, RequestBody) and returns the response body, or "
                "{'StatusCode': ..., 'Headers': ..., 'ResponseBody': ...}.",
            )
            raise TaskFailed("States.Runtime", _no_handler(info, state_name, where))
        return endpoint_handler(info.resource_type, handler)(event, context)

    return endpoint


def _no_handler(info: Any, state_name: str, what: str | None = None) -> str:
    target = what or info.resource
    return (
        f"No handler is registered for the resource '{target}' used by state '{state_name}'. "
        f"Register one with @sfn.task({target!r}) or pass resources={{{target!r}: handler}} to run(); "
        "it receives the task's parameters and returns the service's response."
    )
