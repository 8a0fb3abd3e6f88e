"""The in-process AWS: moto's backends, reached only through clients this module makes.

moto is imported on the first call that needs it. Its usual ``mock_aws`` switches on a request hook
that every boto3 client in the process shares, which would quietly turn a user's real clients (and
``sfn.aws.connect()``) local. Instead each client made here gets a hook of its own: the request goes
to moto's backends for account :data:`ACCOUNT` in :data:`REGION`, and nothing else changes, so a
plain ``boto3.client(...)`` still talks to AWS. :func:`patch` opens the store to plain boto3 on
purpose, for the duration of a ``with`` block.

All requests are served one at a time (moto's backends are not thread-safe); a run's requests are
served with moto's random generator seeded from the run and moto's clock set to the run's virtual
clock, so ids and dates in the store repeat from run to run.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import ACCOUNT, REGION, callbacks, fixes, sfn

__all__ = ["ACCOUNT", "REGION", "client", "resource", "reset", "patch", "served", "recorded_events", "lock"]

_lock = threading.RLock()
_state: dict[str, Any] = {}  # "session", "stubber", "clients", "resources": made on first use
_patched = [0]  # depth of active patch() blocks
_events: list[dict[str, Any]] = []  # every event that reached EventBridge through the store
_run_context = threading.local()  # seed and virtual time of the run whose request is being served


def _load() -> dict[str, Any]:
    """Import boto3 and moto and make the store's session, once."""
    if "session" in _state:
        return _state
    with _lock:
        if "session" in _state:
            return _state
        import boto3
        from botocore.handlers import BUILTIN_HANDLERS
        from moto.core.botocore_stubber import BotocoreStubber

        stubber = BotocoreStubber()  # our own instance: moto's shared one stays switched off
        stubber.enabled = True
        _state["stubber"] = stubber
        _state["clients"] = {}
        _state["resources"] = {}
        # patch(): clients made by any new botocore session pass through this hook, which answers
        # only while a patch() block is open
        BUILTIN_HANDLERS.append(("before-send", _patched_hook))
        default = boto3.DEFAULT_SESSION
        if default is not None:
            default._session.register("before-send", _patched_hook)
        _state["session"] = boto3.session.Session(
            aws_access_key_id="AKIALOCALSTORE000000",
            aws_secret_access_key="local",
            region_name=REGION,
        )
    return _state


def _config() -> Any:
    from botocore.config import Config

    # one attempt (a local error is final); S3 checksums like the Java SDK's: sent, not asked back
    return Config(
        retries={"max_attempts": 1, "mode": "standard"},
        response_checksum_validation="when_required",
        request_checksum_calculation="when_supported",
    )


def _serve(event_name: str, request: Any, **kwargs: Any) -> Any:
    """The hook of the store's clients: answer the request from moto's backends."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    parts = event_name.split(".")
    service, operation = (parts[1], parts[2]) if len(parts) >= 3 else ("", "")
    request.headers["x-moto-account-id"] = ACCOUNT
    callbacks.polled()  # this thread uses the store (it may be answering task tokens)
    if service == "sfn" and operation in sfn.ENGINE_OPERATIONS:
        # executions are the engine's: served without the store's lock, which their runs take
        status, headers, body = sfn.serve(operation, request)
        return AWSResponse(request.url, status, headers, MockRawResponse(body))
    with _lock, _run_clock(service):
        early = fixes.before(service, operation, request)
        if early is not None:
            status, headers, body = early
        else:
            answer = _state["stubber"].process_request(request)
            if answer is None:
                return None
            status, headers, body = answer
            if status == 404 and body == "Not yet implemented":
                raise NotImplementedError(f"moto does not implement the service of {request.url}")
            status, headers, body = fixes.after(service, operation, request, status, dict(headers), body)
        if service == "eventbridge" and operation == "PutEvents" and status == 200:
            _events.extend(fixes.delivered_events(request, body, getattr(_run_context, "now", None)))
    return AWSResponse(request.url, status, headers, MockRawResponse(body))


def _patched_hook(event_name: str, request: Any, **kwargs: Any) -> Any:
    if _patched[0] <= 0:
        return None
    return _serve(event_name, request, **kwargs)


def _own(made: Any) -> Any:
    """Make a client answer from the store, and only once: the shared hooks (moto's, when someone
    starts ``mock_aws``, and :func:`patch`'s) are taken off it, since botocore calls every hook."""
    from moto.core.models import botocore_stubber

    made.meta.events.unregister("before-send", botocore_stubber)
    made.meta.events.unregister("before-send", _patched_hook)
    made.meta.events.register("before-send", _serve)
    return made


def client(service: str) -> Any:
    """A boto3 client on the store (account 111111111111, us-east-1): ``client("dynamodb")``."""
    callbacks.polled()  # a thread that takes a client is about to use the store
    state = _load()
    with _lock:
        made = state["clients"].get(service)
        if made is None:
            made = _own(state["session"].client(service, config=_config()))
            state["clients"][service] = made
    return made


def resource(service: str) -> Any:
    """A boto3 resource on the store: ``resource("dynamodb").Table("Orders")``."""
    state = _load()
    with _lock:
        made = state["resources"].get(service)
        if made is None:
            made = state["session"].resource(service, config=_config())
            _own(made.meta.client)
            state["resources"][service] = made
    return made


def reset() -> None:
    """Empty the store: every table, bucket, queue, topic, secret and recorded event is gone."""
    with _lock:
        _events.clear()
        fixes.reset()
        sfn.reset()
        callbacks.reset()
        if "session" not in _state:
            return  # nothing was ever stored
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import reset_model_data

        BackendDict.reset()  # moto's backends are one per process: they are the store
        reset_model_data()


def lock() -> threading.RLock:
    """The lock every request to the store holds (for reading moto's backends directly)."""
    return _lock


def recorded_events() -> list[dict[str, Any]]:
    """The events that reached EventBridge through the store, oldest first (copies)."""
    with _lock:
        return [dict(event) for event in _events]


@contextlib.contextmanager
def patch() -> Iterator[None]:
    """Let plain boto3 reach the store inside the block.

    Clients made inside the block (or since the store was first used) are answered from the store
    while the block is open; AWS credentials and region variables are set to the store's for its
    duration, as boto3 needs some to sign requests.
    """
    _load()
    saved = {key: os.environ.get(key) for key in _ENV}
    os.environ.update(_ENV)
    with _lock:
        _patched[0] += 1
    try:
        yield
    finally:
        with _lock:
            _patched[0] -= 1
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIALOCALSTORE000000",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


# ----------------------------------------------------------------------------- a run's requests


@contextlib.contextmanager
def served(seed: int, now: float) -> Iterator[None]:
    """Serve the requests made inside the block for a run: moto's ids from ``seed``, its clock at ``now``."""
    from moto.moto_api._internal import mock_random

    _load()
    with _lock:
        previous = getattr(_run_context, "now", None)
        mock_random.seed(seed)
        _run_context.now = now
        try:
            yield
        finally:
            _run_context.now = previous


_original_utcnow: list[Callable[[], datetime.datetime]] = []


@contextlib.contextmanager
def _run_clock(service: str) -> Iterator[None]:
    """While serving a run's request, moto's ``utcnow`` reads the run's virtual clock.

    Not for SQS and SNS: a queue keeps a message by its age, and a message sent by a run must stay
    readable (by a worker, or from the notebook) on the real clock."""
    now = getattr(_run_context, "now", None)
    if now is None or service in ("sqs", "sns"):
        yield
        return
    import moto.core.utils as moto_utils

    if not _original_utcnow:
        _original_utcnow.append(moto_utils.utcnow)
    original = _original_utcnow[0]
    virtual = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).replace(tzinfo=None)

    def utcnow() -> datetime.datetime:
        return virtual

    modules = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("moto.") and getattr(module, "utcnow", None) is original
    ]
    for module in modules:
        module.utcnow = utcnow  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.utcnow = original  # type: ignore[attr-defined]
