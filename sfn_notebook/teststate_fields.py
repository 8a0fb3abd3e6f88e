"""TestState's check of a Task's mocked result against the output shape of the API the Task calls
(``fieldValidationMode``): ``STRICT`` checks every field present and that the required ones are there,
``PRESENT`` only the fields present, ``NONE`` nothing.  Fields the API does not know are accepted;
member names are the SDK's PascalCase ones (``ExecutionArn``), matched exactly."""

from __future__ import annotations

from typing import Any

__all__ = ["check_mock_result"]

_SERVICE_ALIASES = {"states": "sfn"}  # optimised integrations named unlike their SDK service
# members of an optimised integration's result that carry JSON rather than the API's type
_JSON_MEMBERS = {("lambda", "invoke"): frozenset({"Payload"})}


def check_mock_result(resource: str, result: Any, mode: str) -> str | None:
    """The first problem of ``result`` as the Task's API would return it, in AWS's words, or None.

    >>> check_mock_result("arn:aws:states:::aws-sdk:s3:getObject", {"ContentLength": "9"}, "STRICT")
    "Field 'ContentLength' must be a number"
    """
    if mode == "NONE":
        return None
    shape, skip = _output_shape(resource)
    if shape is None or not isinstance(result, dict):
        return None
    return _check_structure(shape, result, mode == "STRICT", skip)


def _output_shape(resource: str) -> tuple[Any, frozenset[str]]:
    from .engine.resources import parse_resource

    info = parse_resource(resource)
    if info.kind != "service" or info.pattern:  # .sync and callbacks return other shapes
        return None, frozenset()
    service = info.resource_type.removeprefix("aws-sdk:")
    try:
        from .local_aws.sdk import resolve

        found = resolve(_SERVICE_ALIASES.get(service, service), info.resource_name)
    except Exception:  # no model (botocore missing, an unknown service): no check
        return None, frozenset()
    if found is None:
        return None, frozenset()
    skip = _JSON_MEMBERS.get((service, info.resource_name), frozenset())
    return found[1].output_shape, skip


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _check_structure(
    shape: Any, value: dict[str, Any], strict: bool, skip: frozenset[str] = frozenset()
) -> str | None:
    members = {_pascal(name): member for name, member in shape.members.items()}
    if strict:  # the required fields first, then each field present
        for name in shape.required_members:
            if _pascal(name) not in value:
                return f"Required field '{_pascal(name)}' is missing"
    for key, item in value.items():
        member = members.get(key)
        if member is None or key in skip:
            continue
        problem = _check(member, item, key, strict)
        if problem is not None:
            return problem
    return None


def _check(shape: Any, value: Any, name: str, strict: bool) -> str | None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "document":  # any JSON value
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return f"Field '{name}' must be an object"
        return _check_structure(shape, value, strict)
    if kind == "list":
        if not isinstance(value, list):
            return f"Field '{name}' must be an array"
        for item in value:
            problem = _check(shape.member, item, name, strict)
            if problem is not None:
                return problem
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"Field '{name}' must be an object"
        for item in value.values():
            problem = _check(shape.value, item, name, strict)
            if problem is not None:
                return problem
        return None
    if kind in ("string", "blob", "timestamp"):
        if not isinstance(value, str):
            return f"Field '{name}' must be a string"
        if kind == "string" and shape.enum and value not in shape.enum:
            return f"Field '{name}' is not an expected value"
        if isinstance(meta.get("min"), int) and len(value) < meta["min"]:
            return f"Field '{name}' is smaller than the minimum length"
        if isinstance(meta.get("max"), int) and len(value) > meta["max"]:
            return f"Field '{name}' exceeds the maximum length"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"Field '{name}' must be a boolean"
    if kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"Field '{name}' must be a number"
        if kind in ("integer", "long") and isinstance(value, float):
            return f"Field '{name}' must be a number"  # a whole number is due
        if isinstance(meta.get("min"), (int, float)) and value < meta["min"]:
            return f"Field '{name}' is smaller than the minimum value"
        if isinstance(meta.get("max"), (int, float)) and value > meta["max"]:
            return f"Field '{name}' exceeds the maximum value"
    return None
