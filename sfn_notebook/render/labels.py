"""The text on a graph: state subtitles, Choice rules, Retry marks, tooltips, escaped for DOT.

Everything here is plain text or HTML-like label markup; nothing needs Graphviz installed except
:func:`plain`, which marks text with the graphviz package's ``nohtml``.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from .._json import Missing
from ..asl import model as m

__all__ = [
    "clean",
    "condition_text",
    "font",
    "html_text",
    "plain",
    "resource_label",
    "retry_lines",
    "says_error",
    "state_subtitle",
    "state_tooltip",
    "wrap",
]


def clean(text: str) -> str:
    """Control characters (which DOT and XML text can't carry) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters; an ellipsis ends a text cut short."""
    lines = textwrap.wrap(clean(text), width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def plain(lines: Sequence[str]) -> str:
    """Lines as one DOT string: backslashes kept literal, never taken for an HTML-like label."""
    import graphviz

    return graphviz.nohtml("\\n".join(graphviz.escape(clean(line)) for line in lines))


def html_text(text: str) -> str:
    """Text for an HTML-like label (backslashes doubled: dot reads two as one, as in other labels)."""
    return html.escape(clean(text), quote=True).replace("\\", "\\\\")


def font(text: str, *, size: str | None = None, color: str | None = None, bold: bool = False) -> str:
    """HTML-like markup for (already escaped) ``text``."""
    attrs = "".join(
        f' {key}="{value}"' for key, value in (("POINT-SIZE", size), ("COLOR", color)) if value is not None
    )
    body = f"<B>{text}</B>" if bold else text
    return f"<FONT{attrs}>{body}</FONT>" if attrs != "" else body


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


_COMPARE = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
}
_FAMILIES = ("String", "Numeric", "Boolean", "Timestamp")


def condition_text(condition: m.Condition) -> str:
    """A compiled Choice condition as readable text.

    >>> from sfn_notebook.paths.jsonpath import compile_path
    >>> condition_text(m.DataTest(compile_path("$.x"), "NumericGreaterThan", 10))
    '$.x > 10'
    >>> condition_text(m.BoolRule("Not", (m.DataTest(compile_path("$.type"), "StringEquals", "Private"),)))
    'not ($.type == "Private")'
    """
    if isinstance(condition, m.DataTest):
        return _test_text(condition)
    if isinstance(condition, m.BoolRule):
        if condition.operator == "Not":
            return f"not ({condition_text(condition.rules[0])})"
        joiner = " and " if condition.operator == "And" else " or "
        return joiner.join(_operand_text(rule) for rule in condition.rules)
    if isinstance(condition, m.TJsonata):
        return _jsonata_text(condition.expr)
    if isinstance(condition, m.TConst):
        return _json_text(condition.value)
    return str(condition)


def _operand_text(rule: m.Condition) -> str:
    text = condition_text(rule)
    if isinstance(rule, m.BoolRule) and rule.operator != "Not":
        return f"({text})"
    return text


def _test_text(test: m.DataTest) -> str:
    variable = str(test.variable)
    op = test.operator
    if op.startswith("Is"):  # IsPresent, IsNull, IsNumeric, ...: the value is true or false
        return f"{op}({variable})" if test.value is True else f"not {op}({variable})"
    if op == "StringMatches":
        return f"{variable} matches {_json_text(test.value)}"
    family = next((f for f in _FAMILIES if op.startswith(f)), "")
    symbol = _COMPARE.get(op[len(family) :], op)
    if test.by_path or family == "Timestamp":
        value = str(test.value)  # a path, or a timestamp: both read best unquoted
    else:
        value = _json_text(test.value)
    return f"{variable} {symbol} {value}"


def _jsonata_text(expr: Any) -> str:
    """The text of a compiled JSONata expression, without its ``{% %}``."""
    source = getattr(expr, "source", None)
    text = (source if isinstance(source, str) else str(expr)).strip()
    if text.startswith("{%") and text.endswith("%}"):
        text = text[2:-2].strip()
    return text


# the service in an integration or SDK ARN -> the name the console shows
_SERVICES = {
    "lambda": "Lambda",
    "dynamodb": "DynamoDB",
    "sns": "SNS",
    "sqs": "SQS",
    "states": "Step Functions",
    "events": "EventBridge",
    "ecs": "ECS",
    "eks": "EKS",
    "batch": "Batch",
    "glue": "Glue",
    "athena": "Athena",
    "sagemaker": "SageMaker",
    "elasticmapreduce": "EMR",
    "emr-containers": "EMR on EKS",
    "emr-serverless": "EMR Serverless",
    "codebuild": "CodeBuild",
    "apigateway": "API Gateway",
    "http": "HTTP",
    "bedrock": "Bedrock",
    "s3": "S3",
    "databrew": "Glue DataBrew",
    "mediaconvert": "MediaConvert",
    "redshift-data": "Redshift Data",
}


def resource_label(resource: str) -> str:
    """The short name the console shows for a Task's ``Resource``.

    >>> resource_label("arn:aws:lambda:us-east-1:123456789012:function:Greet")
    'Lambda: Greet'
    >>> resource_label("arn:aws:states:::dynamodb:putItem")
    'DynamoDB: putItem'
    >>> resource_label("arn:aws:states:us-east-1:123456789012:activity:Approve")
    'Activity: Approve'
    >>> resource_label("arn:aws:states:::aws-sdk:s3:getObject")
    'S3: getObject'
    """
    parts = resource.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return resource
    service, rest = parts[2], parts[5:]
    if service == "lambda" and rest[0] == "function" and len(rest) >= 2:
        return f"Lambda: {rest[1]}"
    if service == "states" and rest[0] == "activity" and len(rest) >= 2:
        return f"Activity: {rest[1]}"
    if service == "states" and parts[3] == "" and parts[4] == "":  # arn:aws:states:::<service>:<action>
        if rest[0] == "aws-sdk" and len(rest) >= 3:
            return f"{_SERVICES.get(rest[1], rest[1])}: {':'.join(rest[2:])}"
        name = _SERVICES.get(rest[0], rest[0])
        action = ":".join(rest[1:])
        return f"{name}: {action}" if action != "" else name
    return f"{_SERVICES.get(service, service)}: {':'.join(rest)}"


def _wait_text(state: m.WaitState) -> str:
    seconds = state.wait_field in ("Seconds", "SecondsPath")
    expr = state.seconds if seconds else state.timestamp
    if isinstance(expr, m.TConst):
        text = str(expr.value)
    elif isinstance(expr, m.TPath):
        text = str(expr.path)
    elif isinstance(expr, m.TJsonata):
        text = _jsonata_text(expr.expr)
    else:
        return "Wait"
    if seconds:
        return f"Wait {text}s" if isinstance(expr, m.TConst) else f"Wait {text} seconds"
    return f"Wait until {text}"


def state_subtitle(state: m.State) -> str:
    """The second, smaller line of a state's node."""
    if isinstance(state, m.TaskState):
        return resource_label(state.resource)
    if isinstance(state, m.WaitState):
        return _wait_text(state)
    if isinstance(state, m.FailState):
        if isinstance(state.error, m.TConst) and isinstance(state.error.value, str):
            return f"Fail: {state.error.value}"
        return "Fail"
    if isinstance(state, m.ParallelState):
        count = len(state.branches)
        return f"Parallel: {count} branch{'es' if count != 1 else ''}"
    if isinstance(state, m.MapState):
        kind = "Distributed Map" if state.mode == "DISTRIBUTED" else "Map"
        if not isinstance(state.items_path, Missing) and str(state.items_path) != "$":
            return f"{kind}: {state.items_path}"
        return kind
    return state.type


def says_error(state: m.State, error: str) -> bool:
    """Whether the node's second line names this error already (a Fail state with a fixed Error)."""
    return isinstance(state, m.FailState) and isinstance(state.error, m.TConst) and state.error.value == error


def retry_lines(state: m.State) -> list[str]:
    """The retry mark: one line per Retrier (errors and MaxAttempts), at most two."""
    retriers = state.retry if isinstance(state, m._WithResult) else ()
    lines = []
    for retrier in retriers[:2]:
        errors = retrier.error_equals
        text = errors[0] if len(errors) == 1 else f"{errors[0]} +{len(errors) - 1}"
        lines.append(f"retry {text} ×{retrier.max_attempts}")
    if len(retriers) > 2:
        lines.append(f"+{len(retriers) - 2} more retriers")
    return lines


def state_tooltip(state: m.State) -> list[str]:
    lines = [f"{state.name} ({state.type})"]
    if isinstance(state, m.TaskState):
        lines.append(f"Resource: {state.resource}")
    if isinstance(state, m._WithResult):
        for retrier in state.retry:
            lines.append(
                f"Retry {', '.join(retrier.error_equals)}: up to {retrier.max_attempts} times, "
                f"after {retrier.interval_seconds}s, backoff {retrier.backoff_rate}"
            )
        for catcher in state.catch:
            lines.append(f"Catch {', '.join(catcher.error_equals)} → {catcher.next}")
    if isinstance(state.comment, str):
        lines.append(state.comment)
    return lines
