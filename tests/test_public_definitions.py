"""Definitions deployed to AWS are accepted and run to an end.

A folder of public projects (``SFN_DEFINITIONS_DIR``: a checkout of a collection of Step Functions
samples, say) is searched for state machine definitions: ``*.asl.json``/``*.asl.yaml`` files, JSON or
YAML documents holding ``StartAt`` and ``States``, and definitions inside CloudFormation, SAM or
Serverless templates (``Definition``, ``DefinitionString`` with ``Fn::Sub``/``Fn::Join``). Their
deployment placeholders (``${FunctionArn}``, ``{{resolve:...}}``, ``!GetAtt``, ``!Ref``) are replaced
with values of the right shape, as a deployment would, and each definition must then be accepted and
its run, with a handler answering every Task, must end. Without the variable the corpus test is
skipped; the small examples below check the substitution itself.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfn_notebook import StateMachine

ACCOUNT = "123456789012"
REGION = "us-east-1"
PLACEHOLDER = re.compile(r"\$\{([^}\s]*)\}|\{\{resolve:[^}]*\}\}")
BARE_PLACEHOLDER = re.compile(r"(:\s*)\$\{([^}\"\s]*)\}(?=\s*[,}\]\n])")
# in YAML a bare placeholder is a string unless it stands for a number: these fields hold numbers
YAML_NUMBER = re.compile(
    r"((?:Seconds|Concurrency|Attempts|Rate|Percentage|Count|Items|Bytes|Delay)\w*\s*:\s*)\$\{[^}\s]*\}\s*$",
    re.M,
)


def placeholder_value(name: str) -> str:
    """A deployment's value for the placeholder ``name``: an ARN of the kind the name says."""
    key = name.lower().replace("-", "").replace("_", "")
    simple = re.sub(r"[^A-Za-z0-9-]", "-", name.split(".")[-1] if "." in name else name) or "x"
    if key in ("aws::region", "region", "awsregion"):
        return REGION
    if key in ("aws::accountid", "accountid", "account", "awsaccountid"):
        return ACCOUNT
    if key in ("aws::partition", "partition"):
        return "aws"
    if "statemachine" in key or "workflow" in key:
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{simple}"
    if "activity" in key:
        return f"arn:aws:states:{REGION}:{ACCOUNT}:activity:{simple}"
    if "topic" in key:
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{simple}"
    if "url" in key:
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{simple}"
    if "queue" in key:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{simple}"
    if "role" in key:
        return f"arn:aws:iam::{ACCOUNT}:role/{simple}"
    if "function" in key or "lambda" in key or key.endswith("arn"):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{simple}"
    return simple


def bare_number(name: str) -> str:
    """A number for a placeholder standing where a number goes (a heartbeat below any timeout)."""
    key = name.lower()
    return "30" if "heartbeat" in key else "300" if "timeout" in key else "60"


def substitute_text(text: str) -> str:
    """``${Name}`` placeholders replaced: a bare one (a number's place) by 60, the others by a value."""
    text = BARE_PLACEHOLDER.sub(lambda m: m.group(1) + bare_number(m.group(2)), text)
    return PLACEHOLDER.sub(lambda m: placeholder_value(m.group(1) or "resolved"), text)


def resolve(value: Any) -> Any:
    """CloudFormation's intrinsic functions replaced by what a deployment gives, placeholders too."""
    if isinstance(value, str):
        return substitute_text(value)
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return placeholder_value(str(arg))
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".")
            return placeholder_value("".join(str(p) for p in parts))
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            return substitute_text(text) if isinstance(text, str) else resolve(text)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(v if isinstance(v, str) else str(resolve(v)) for v in resolve(arg[1]))
        if key.startswith("Fn::"):
            return placeholder_value(key[4:])
    return {k: resolve(v) for k, v in value.items()}


def _yaml_load(text: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if suffix == "Ref" else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            arg: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            arg = loader.construct_sequence(node, deep=True)
        else:
            arg = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: arg}

    # YAML 1.2 booleans, as the deployment tools read them: yes, no, on and off stay strings
    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    Loader.add_multi_constructor("!", tagged)
    return yaml.load(text, Loader=Loader)  # a SafeLoader that knows CloudFormation's tags


def _is_definition(value: Any) -> bool:
    return isinstance(value, dict) and "StartAt" in value and isinstance(value.get("States"), dict)


def definitions_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every definition in a loaded document (not descending into one found)."""
    if _is_definition(value):
        yield value
        return
    if isinstance(value, str):
        if "StartAt" in value and value.lstrip().startswith("{"):
            try:
                inner = json.loads(substitute_text(value))
            except ValueError:
                return
            yield from definitions_in(inner)
        return
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Fn::Sub", "Fn::Join"):
            yield from definitions_in(resolve(value))
            return
        for item in value.values():
            yield from definitions_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from definitions_in(item)


def definitions_in_file(path: Path) -> list[dict[str, Any]]:
    """The definitions a JSON or YAML file holds, with their placeholders replaced."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if "StartAt" not in text:
        return []
    if path.suffix not in (".json", ".yaml", ".yml"):
        return [_resource_arns(resolve(d)) for d in embedded_definitions(text)]
    try:
        if path.suffix == ".json":
            loaded = json.loads(substitute_text(text))
        else:
            loaded = _yaml_load(YAML_NUMBER.sub(lambda m: m.group(1) + bare_number(m.group(1)), text))
    except Exception:  # not a document at all (a fragment of a template engine's, say)
        return []
    return [_resource_arns(resolve(d)) for d in definitions_in(loaded)]


def embedded_definitions(text: str) -> list[dict[str, Any]]:
    """Definitions written as JSON inside other text (a Terraform heredoc, a string in a program):
    for each ``"StartAt"``, the smallest enclosing JSON object that parses and holds ``States``."""
    text = substitute_text(text)
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    end_of_last = 0
    for match in re.finditer(r'"StartAt"', text):
        if match.start() < end_of_last:
            continue
        start = match.start()
        for _ in range(8):  # the object opens a few braces before, at most
            start = text.rfind("{", 0, start)
            if start < end_of_last:
                break
            try:
                value, end = decoder.raw_decode(text, start)
            except ValueError:
                continue
            if _is_definition(value):
                found.append(value)
                end_of_last = end
                break
    return found


def _resource_arns(value: Any) -> Any:
    """A Task's Resource that a placeholder stood for is an ARN once deployed (a function's, here)."""
    if isinstance(value, dict):
        if value.get("Type") == "Task" and isinstance(value.get("Resource"), str):
            if not re.match(r"[a-z][a-z0-9+.-]*:", value["Resource"]):
                value["Resource"] = placeholder_value(value["Resource"] + "FunctionArn")
        for item in value.values():
            _resource_arns(item)
    elif isinstance(value, list):
        for item in value:
            _resource_arns(item)
    return value


def task_states(value: Any) -> Iterator[str]:
    """The names of every Task state of a definition, nested ones included."""
    if isinstance(value, dict):
        for name, spec in (value.get("States") or {}).items():
            if isinstance(spec, dict):
                if spec.get("Type") == "Task":
                    yield name
                for inner in spec.get("Branches") or []:
                    yield from task_states(inner)
                for key in ("Iterator", "ItemProcessor"):
                    yield from task_states(spec.get(key))


def echo(event: Any, context: Any = None) -> Any:
    """Answers every Task with its input; a task that waits for its token gets it at once."""
    if getattr(context, "task_token", None) is not None:
        context.send_task_success(event)
    return event


def run_to_an_end(definition: dict[str, Any]) -> str:
    """Accept ``definition``, run it with every Task answered by ``echo``; the status it ends in."""
    sm = StateMachine(definition)
    resources = dict.fromkeys(task_states(definition), echo)
    ex = sm.run({}, resources=resources, seed=1, local_aws=False)
    return ex.status  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- the substitution itself


def test_a_definition_inside_a_program_is_found() -> None:
    program = (
        'resource "aws_sfn_state_machine" "m" {\n  definition = <<JSON\n'
        '{"StartAt": "Go", "States": {"Go": {"Type": "Task", "Resource": "${aws_lambda_function.f.arn}",'
        ' "End": true}}}\nJSON\n}\n'
    )
    (definition,) = embedded_definitions(program)
    assert definition["States"]["Go"]["Resource"].startswith("arn:aws:lambda:")


def test_placeholders_take_values_of_their_kind() -> None:
    assert placeholder_value("HelloFunctionArn").startswith("arn:aws:lambda:")
    assert placeholder_value("ChildStateMachine").startswith("arn:aws:states:")
    assert placeholder_value("OrdersQueueUrl").startswith("https://sqs.")
    assert placeholder_value("AWS::Region") == REGION
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": ${Delay}, "End": true}}}'
    assert json.loads(substitute_text(text))["States"]["A"]["Seconds"] == 60


def test_a_template_s_definition_is_found_and_resolved(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Machine:\n"
        "    Type: AWS::StepFunctions::StateMachine\n"
        "    Properties:\n"
        "      DefinitionString: !Sub |\n"
        '        {"StartAt": "Call", "States": {"Call": {"Type": "Task",\n'
        '         "Resource": "${GreetFunction.Arn}", "End": true}}}\n'
        "  Other:\n"
        "    Properties:\n"
        "      Definition:\n"
        "        StartAt: Go\n"
        "        States:\n"
        "          Go: {Type: Task, Resource: !GetAtt [Work, Arn], Next: No}\n"
        "          No: {Type: Pass, End: true}\n"
    )
    found = definitions_in_file(template)
    assert [d["States"][d["StartAt"]]["Resource"] for d in found] == [
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Arn",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:WorkArn",
    ]
    assert [run_to_an_end(d) for d in found] == ["SUCCEEDED", "SUCCEEDED"]


# ----------------------------------------------------------------------------- the corpus

CORPUS = os.environ.get("SFN_DEFINITIONS_DIR")


def corpus_files() -> list[Path]:
    if not CORPUS:
        return []
    root = Path(CORPUS)
    suffixes = (".json", ".yaml", ".yml", ".tf", ".tpl", ".ts", ".js", ".py", ".txt")
    return sorted(
        p for p in root.rglob("*") if p.suffix in suffixes and p.is_file() and "node_modules" not in p.parts
    )


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS, reason="SFN_DEFINITIONS_DIR names no folder of public definitions")
def test_every_public_definition_is_accepted_and_runs_to_an_end() -> None:
    problems = []
    seen = 0
    for path in corpus_files():
        for i, definition in enumerate(definitions_in_file(path)):
            seen += 1
            try:
                status = run_to_an_end(definition)
            except Exception as exc:
                problems.append(f"{path.relative_to(CORPUS or '.')}#{i}: {type(exc).__name__}: {exc}")
                continue
            if status == "RUNNING":
                problems.append(f"{path}#{i}: left RUNNING")
    assert seen > 0
    assert problems == [], "\n\n".join(problems)
