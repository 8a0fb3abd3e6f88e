"""AWS's error names and causes for both SDK generations."""

from __future__ import annotations

import pytest

from sfn_notebook.local_aws import naming


@pytest.mark.parametrize(
    ("service_id", "client"),
    [
        ("DynamoDB", "DynamoDb"),
        ("SFN", "Sfn"),
        ("Secrets Manager", "SecretsManager"),
        ("S3", "S3"),
        ("IoT", "Iot"),
        ("ACM PCA", "AcmPca"),
    ],
)
def test_sdk_client_names_follow_the_java_code_generator(service_id: str, client: str) -> None:
    assert naming.pascal(service_id) == client


@pytest.mark.parametrize(
    ("resource_type", "code", "name"),
    [
        ("dynamodb", "ConditionalCheckFailedException", "DynamoDB.ConditionalCheckFailedException"),
        ("dynamodb", "ResourceNotFoundException", "DynamoDB.ResourceNotFoundException"),
        ("dynamodb", "ValidationException", "DynamoDB.AmazonDynamoDBException"),
        ("sqs", "MissingParameter", "SQS.AmazonSQSException"),
        ("sqs", "QueueDoesNotExist", "SQS.QueueDoesNotExistException"),
        ("sns", "NotFound", "SNS.NotFoundException"),
        ("aws-sdk:dynamodb", "ResourceNotFoundException", "DynamoDb.ResourceNotFoundException"),
        ("aws-sdk:dynamodb", "ValidationException", "DynamoDb.DynamoDbException"),
        ("aws-sdk:s3", "NoSuchKey", "S3.NoSuchKeyException"),
        ("aws-sdk:s3", "NoSuchBucket", "S3.NoSuchBucketException"),
        ("aws-sdk:secretsmanager", "ResourceNotFoundException", "SecretsManager.ResourceNotFoundException"),
        ("aws-sdk:sfn", "InvalidToken", "Sfn.InvalidTokenException"),
    ],
)
def test_error_names(resource_type: str, code: str, name: str) -> None:
    assert naming.error_name(resource_type, code) == name


def test_causes_in_each_sdks_format() -> None:
    assert naming.error_cause(
        "sqs", "MissingParameter", "The request must contain the parameter X.", 400, "R"
    ) == (
        "The request must contain the parameter X. (Service: AmazonSQS; Status Code: 400; "
        "Error Code: MissingParameter; Request ID: R; Proxy: null)"
    )
    assert naming.error_cause("aws-sdk:secretsmanager", "X", "bad", 400, "R") == (
        "bad (Service: SecretsManager, Status Code: 400, Request ID: R)"
    )


def test_aws_sdk_service_names_map_to_boto3() -> None:
    assert naming.boto_service("cloudwatchlogs") == "logs"
    assert naming.boto_service("applicationautoscaling") == "application-autoscaling"
    assert naming.boto_service("nosuchservice") is None
