"""A moto server on 127.0.0.1 that executes state machines, and fixtures to reach it with boto3.

Import the fixtures into a test module (``from tests.moto_server import aws, moto_url``).  The
server runs in a thread of the test process and speaks real HTTP; boto3 reaches it through
``endpoint_url`` with dummy credentials, exactly as a user reaches LocalStack.
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

ROLE_ARN = "arn:aws:iam::123456789012:role/sfn-notebook-tests"
REGION = "us-east-1"


class MotoServer:
    """A ThreadedMotoServer on a free port of 127.0.0.1, with state machine execution switched on."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> MotoServer:
        # the server logs every request and prints tracebacks for the 500s some tests expect
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.configure({"stepfunctions": {"execute_state_machine": True}})
        return self

    def configure(self, config: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.url}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def stop(self) -> None:
        self._server.stop()


def unique(prefix: str) -> str:
    """A state machine name no other test uses (moto's backend is shared by the whole process)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server = MotoServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Dummy credentials; nothing read from the user's ~/.aws or environment."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("SFN_NOTEBOOK_ROLE_ARN", raising=False)


@pytest.fixture(scope="session")
def moto_backend(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One AwsBackend on the moto server for the whole test run (making a boto3 client takes a while)."""
    from botocore.config import Config

    from sfn_notebook import aws as sfn_aws

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        empty = tmp_path_factory.mktemp("aws-home")
        patch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        return sfn_aws.connect(
            region_name=REGION,
            endpoint_url=moto_url,
            role_arn=ROLE_ARN,
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
            poll=(0.02, 0.2),
        )


@pytest.fixture
def aws(moto_backend: Any) -> Any:
    """An AwsBackend on the moto server; one attempt per call, so that 500s fail at once."""
    moto_backend.last_deployment = None
    return moto_backend
