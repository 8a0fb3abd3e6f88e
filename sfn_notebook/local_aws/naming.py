"""AWS's names for a service's errors, as Step Functions reports them, and their causes.

Step Functions runs its optimised integrations (``arn:aws:states:::dynamodb:putItem``) through the
AWS SDK for Java 1.x and its ``aws-sdk`` integrations (``arn:aws:states:::aws-sdk:s3:getObject``)
through the SDK for Java 2.x. A service error becomes ``<prefix>.<exception class>`` in either, but
the two SDKs name things differently:

* optimised (1.x): ``DynamoDB.ConditionalCheckFailedException``; an error the service model does not
  declare becomes the client's base class, ``DynamoDB.AmazonDynamoDBException``; the cause ends with
  ``(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: ...; Proxy: null)``;
* ``aws-sdk`` (2.x): the prefix is the 2.x client's name (``DynamoDb``, ``S3``, ``SecretsManager``,
  ``Sfn``), an undeclared error becomes ``DynamoDb.DynamoDbException``, a declared one keeps its
  shape name with ``Exception`` appended when missing (``S3.NoSuchKeyException``); the cause ends with
  ``(Service: S3, Status Code: 404, Request ID: ...)``.

Which errors a service declares comes from botocore's service model, loaded only when needed.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

__all__ = [
    "client_name",
    "boto_service",
    "service_error",
    "error_name",
    "error_cause",
    "client_error_parts",
]

# optimised integrations: resourceType -> (error prefix, 1.x base exception, 1.x service name, boto3 name)
_OPTIMISED: dict[str, tuple[str, str, str, str]] = {
    "dynamodb": ("DynamoDB", "AmazonDynamoDBException", "AmazonDynamoDBv2", "dynamodb"),
    "sqs": ("SQS", "AmazonSQSException", "AmazonSQS", "sqs"),
    "sns": ("SNS", "AmazonSNSException", "AmazonSNS", "sns"),
    "events": ("EventBridge", "AmazonEventBridgeException", "AmazonEventBridge", "events"),
    "states": ("StepFunctions", "AWSStepFunctionsException", "AWSStepFunctions", "stepfunctions"),
    "lambda": ("Lambda", "AWSLambdaException", "AWSLambda", "lambda"),
    "s3": ("S3", "AmazonS3Exception", "Amazon S3", "s3"),
    "ecs": ("ECS", "AmazonECSException", "AmazonECS", "ecs"),
    "batch": ("Batch", "AWSBatchException", "AWSBatch", "batch"),
    "glue": ("Glue", "AWSGlueException", "AWSGlue", "glue"),
    "athena": ("Athena", "AmazonAthenaException", "AmazonAthena", "athena"),
    "sagemaker": ("SageMaker", "AmazonSageMakerException", "AmazonSageMaker", "sagemaker"),
    "codebuild": ("CodeBuild", "AWSCodeBuildException", "AWSCodeBuild", "codebuild"),
    "elasticmapreduce": ("EMR", "AmazonElasticMapReduceException", "AmazonElasticMapReduce", "emr"),
    "eks": ("EKS", "AmazonEKSException", "AmazonEKS", "eks"),
    "apigateway": ("ApiGateway", "AmazonApiGatewayException", "AmazonApiGateway", "apigateway"),
    "bedrock": ("Bedrock", "AmazonBedrockRuntimeException", "AmazonBedrockRuntime", "bedrock-runtime"),
}

# aws-sdk service names (Step Functions') whose boto3 name differs beyond case and punctuation
_SDK_ALIASES = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "costexplorer": "ce",
    "emr": "emr",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "sesv2": "sesv2",
    "lexruntime": "lex-runtime",
    "marketplacemetering": "meteringmarketplace",
    "pinpointemail": "pinpoint-email",
}


def _words(text: str) -> list[str]:
    """Split a service id into words the way the Java SDK 2.x code generator does."""
    text = re.sub(r"[^A-Za-z0-9]+", " ", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z][A-Za-z0-9])", " ", text)  # camelCase -> camel Case
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)  # ACMSuccess -> ACM Success
    text = re.sub(r"([0-9])([A-Za-z])", r"\1 \2", text)  # s3ec2 -> s3 ec2
    return text.split()


def pascal(text: str) -> str:
    """``"DynamoDB"`` → ``"DynamoDb"``, ``"Secrets Manager"`` → ``"SecretsManager"``, ``"SFN"`` → ``"Sfn"``.

    >>> [pascal(s) for s in ("DynamoDB", "S3", "SFN", "Secrets Manager", "EventBridge", "API Gateway")]
    ['DynamoDb', 'S3', 'Sfn', 'SecretsManager', 'EventBridge', 'ApiGateway']
    """
    return "".join(word.lower().capitalize() for word in _words(text))


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def _available() -> dict[str, str]:

    return {_normal(name): name for name in _botocore_session().get_available_services()}


@lru_cache(maxsize=1)
def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def service_model(service: str) -> Any:
    """botocore's model of a boto3 service (cached)."""
    return _botocore_session().get_service_model(service)


def boto_service(sdk_name: str) -> str | None:
    """The boto3 service behind an ``aws-sdk:<name>`` integration, or None when botocore has none.

    >>> boto_service("sfn"), boto_service("s3"), boto_service("eventbridge"), boto_service("nosuch")
    ('stepfunctions', 's3', 'events', None)
    """
    key = _normal(sdk_name)
    alias = _SDK_ALIASES.get(key)
    if alias is not None:
        return alias
    return _available().get(key)


@cache
def client_name(service: str) -> str:
    """The Java SDK 2.x client name of a boto3 service: ``dynamodb`` → ``DynamoDb``."""
    service_id = service_model(service).metadata.get("serviceId") or service
    return pascal(service_id)


@cache
def _declared(service: str) -> dict[str, str]:
    """Error code → shape name of every error the service model declares."""
    model = service_model(service)
    codes: dict[str, str] = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        if not shape.metadata.get("exception"):
            continue
        codes.setdefault(name, name)
        code = shape.metadata.get("error", {}).get("code")
        if isinstance(code, str):
            codes.setdefault(code, name)
    return codes


def _exception_class(shape: str) -> str:
    return shape if shape.endswith("Exception") else shape + "Exception"


def error_name(resource_type: str, code: str) -> str:
    """The Step Functions error name for service error ``code`` from a Task of ``resource_type``.

    ``resource_type`` is the Task's resource type as history events show it: ``dynamodb`` for the
    optimised integration, ``aws-sdk:dynamodb`` for the SDK integration.

    >>> error_name("aws-sdk:s3", "NoSuchKey"), error_name("dynamodb", "ValidationException")
    ('S3.NoSuchKeyException', 'DynamoDB.AmazonDynamoDBException')
    >>> error_name("aws-sdk:dynamodb", "ResourceNotFoundException")
    'DynamoDb.ResourceNotFoundException'
    """
    return service_error(resource_type, code)[0]


def service_error(resource_type: str, code: str) -> tuple[str, str]:
    """``(error name, service name for the cause)`` of service error ``code`` from ``resource_type``."""
    if resource_type.startswith("aws-sdk:"):
        service = boto_service(resource_type.split(":", 1)[1])
        if service is None:
            prefix = pascal(resource_type.split(":", 1)[1])
            return f"{prefix}.{prefix}Exception", prefix
        prefix = client_name(service)
        shape = _declared(service).get(code)
        return f"{prefix}.{_exception_class(shape) if shape else prefix + 'Exception'}", prefix
    known = _OPTIMISED.get(resource_type)
    if known is None:
        prefix = resource_type[:1].upper() + resource_type[1:]
        return f"{prefix}.{_exception_class(code)}", prefix
    prefix, base, v1_service, service = known
    try:
        shape = _declared(service).get(code)
    except Exception:  # no model for this service in the installed botocore
        shape = None
    return f"{prefix}.{_exception_class(shape) if shape else base}", v1_service


# aws-sdk clients whose errors, as Step Functions records them, end with the SDK's attempt count
_COUNTS_ATTEMPTS = frozenset({"Sfn"})


def error_cause(
    resource_type: str,
    code: str,
    message: str,
    status: int,
    request_id: str,
    extended_request_id: str | None = None,
) -> str:
    """The cause Step Functions records for a service error, in the format of the SDK that made the call."""
    _, service = service_error(resource_type, code)
    if resource_type.startswith("aws-sdk:"):
        extended = f", Extended Request ID: {extended_request_id}" if extended_request_id else ""
        attempts = " (SDK Attempt Count: 1)" if service in _COUNTS_ATTEMPTS else ""
        return f"{message} (Service: {service}, Status Code: {status}, Request ID: {request_id}{extended}){attempts}"
    extended = f"; S3 Extended Request ID: {extended_request_id}" if extended_request_id else ""
    return (
        f"{message} (Service: {service}; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {request_id}{extended}; Proxy: null)"
    )


def client_error_parts(exc: BaseException) -> tuple[str, str, int, str, str | None] | None:
    """``(code, message, status, request id, extended request id)`` of a botocore ``ClientError``-like
    exception (anything with a ``response`` dict holding ``Error.Code``), else None.

    For services answering in both protocols (SQS) the code is the error's shape name
    (``QueueDoesNotExist``), which names the exception, rather than its legacy query code."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    if not isinstance(error, dict) or not isinstance(error.get("Code"), str):
        return None
    meta: dict[str, Any] = response.get("ResponseMetadata") or {}
    headers: dict[str, Any] = meta.get("HTTPHeaders") or {} if isinstance(meta, dict) else {}
    if not isinstance(meta, dict) or not isinstance(headers, dict):
        meta, headers = {}, {}
    message = error.get("Message")
    if not isinstance(message, str):
        message = str(error.get("message", ""))
    status = meta.get("HTTPStatusCode")
    query_code = error.get("QueryErrorCode")
    code: str = query_code if isinstance(query_code, str) else error["Code"]
    return (
        code,
        message,
        status if isinstance(status, int) else 400,
        str(meta.get("RequestId") or headers.get("x-amzn-requestid") or ""),
        meta.get("HostId") or headers.get("x-amz-id-2") or None,
    )
