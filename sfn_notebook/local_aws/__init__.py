"""An in-process AWS for the engine: the store behind every service Task that has no handler.

Service integrations (``dynamodb:putItem``, ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents``,
and every ``aws-sdk:<service>:<action>`` that moto implements) that no MockConfigFile test case and no
Python handler serves are served from one store per Python process, backed by moto (imported on the
first call that needs it). Only the clients made here are answered from it; a plain
``boto3.client(...)`` and ``sfn.aws.connect()`` keep talking to AWS, unless inside :func:`patch`.

Step Functions itself is the engine: ``states:startExecution`` (``.sync``, ``.sync:2``,
``.waitForTaskToken``) and ``aws-sdk:sfn:*`` start machines deployed with
``sm.deploy(sfn.local_aws)`` or created with ``client("stepfunctions")`` as local child executions,
and ``client("stepfunctions").send_task_success(...)`` answers the task tokens of running local
executions, from any thread. A Distributed Map's ItemReader and ResultWriter use the store's S3.

>>> import sfn_notebook as sfn
>>> sfn.local_aws.ACCOUNT, sfn.local_aws.REGION
('111111111111', 'us-east-1')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "ACCOUNT",
    "REGION",
    "client",
    "resource",
    "reset",
    "patch",
    "table",
    "objects",
    "messages",
    "published",
    "events",
    "deploy",
]

ACCOUNT = "111111111111"
REGION = "us-east-1"


def client(service: str) -> Any:
    """A boto3 client on the store (account 111111111111, us-east-1): ``client("dynamodb")``."""
    from . import store

    return store.client(service)


def resource(service: str) -> Any:
    """A boto3 resource on the store: ``resource("dynamodb").Table("Orders")``."""
    from . import store

    return store.resource(service)


def reset() -> None:
    """Empty the store: a fresh world with no tables, buckets, queues, topics, secrets or events."""
    from . import store

    store.reset()


@contextmanager
def patch() -> Iterator[None]:
    """``with sfn.local_aws.patch():`` plain boto3 (e.g. in your own handlers) reaches the store."""
    from . import store

    with store.patch():
        yield


def deploy(machine: Any, **options: Any) -> str:
    """``sm.deploy(sfn.local_aws)``: create or update the machine in the local AWS; returns its ARN.

    ``states:startExecution`` Tasks (and ``client("stepfunctions").start_execution``) then run it
    locally as a child execution, as do machines created with ``client("stepfunctions")``.
    """
    from . import sfn

    return sfn.deploy(machine, **options)


def table(name: str) -> Any:
    """The items of a DynamoDB table as a DataFrame, one row per item, values deserialized."""
    from . import views

    return views.table(name)


def objects(bucket: str) -> Any:
    """The objects of an S3 bucket as a DataFrame: key, size, last modified, ETag, body."""
    from . import views

    return views.objects(bucket)


def messages(queue: str) -> Any:
    """The messages waiting in an SQS queue (name or URL) as a DataFrame; consumes nothing."""
    from . import views

    return views.messages(queue)


def published(topic: str) -> Any:
    """The messages published to an SNS topic (name or ARN) as a DataFrame."""
    from . import views

    return views.published(topic)


def events() -> Any:
    """The events that reached EventBridge through the store as a DataFrame."""
    from . import views

    return views.events()
