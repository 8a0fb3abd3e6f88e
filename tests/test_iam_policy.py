"""The execution role's policy, derived from the compiled definition."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sfn_notebook import StateMachine
from sfn_notebook.examples import GETTING_STARTED
from sfn_notebook.iam_policy import execution_policy, lambda_logging_policy, trust_policy

REGION, ACCOUNT = "eu-west-1", "111122223333"


def task(resource: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **fields}


def policy_of(states: dict[str, Any], name: str = "Orders", **top: Any) -> Any:
    chain = list(states)
    for here, after in itertools.pairwise(chain):
        states[here]["Next"] = after
    states[chain[-1]]["End"] = True
    sm = StateMachine({"StartAt": chain[0], "States": states, **top}, name=name)
    return execution_policy(sm.machine, region=REGION, account=ACCOUNT, state_machine_name=name)


def statements(policy: Any) -> dict[tuple[str, ...], list[str]]:
    return {tuple(s["Action"]): s["Resource"] for s in policy.document["Statement"]}


def test_lambda_functions_get_invoke_on_exactly_their_arns() -> None:
    sm = StateMachine(GETTING_STARTED, name="hello")
    policy = execution_policy(sm.machine, region="us-east-1", account="123456789012")
    assert policy.document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [
                    "arn:aws:lambda:us-east-1:123456789012:function:Greet",
                    "arn:aws:lambda:us-east-1:123456789012:function:Shout",
                ],
            }
        ],
    }
    assert policy.notes == []


def test_lambda_invoke_names_its_function_in_every_form() -> None:
    policy = policy_of(
        {
            "ByName": task(
                "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "Charge", "Payload.$": "$"}
            ),
            "ByAlias": task("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "Refund:prod"}),
            "Partial": task(
                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                Parameters={
                    "FunctionName": "444455556666:function:Audit",
                    "Payload": {"t.$": "$$.Task.Token"},
                },
            ),
        }
    )
    assert statements(policy) == {
        ("lambda:InvokeFunction",): [
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Charge",
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Refund:prod",
            f"arn:aws:lambda:{REGION}:444455556666:function:Audit",
        ]
    }


def test_a_function_name_computed_at_run_time_opens_every_function_and_says_so() -> None:
    policy = policy_of({"Dyn": task("arn:aws:states:::lambda:invoke", Parameters={"FunctionName.$": "$.fn"})})
    assert statements(policy) == {
        ("lambda:InvokeFunction",): [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*"]
    }
    assert policy.notes == [
        f"state 'Dyn': FunctionName is computed at run time, so the role may use every function of the "
        f"account (arn:aws:lambda:{REGION}:{ACCOUNT}:function:*)"
    ]


def test_data_stores_get_their_actions_on_the_named_resources() -> None:
    policy = policy_of(
        {
            "Get": task("arn:aws:states:::dynamodb:getItem", Parameters={"TableName": "Orders", "Key": {}}),
            "Put": task("arn:aws:states:::dynamodb:putItem", Parameters={"TableName": "Orders", "Item": {}}),
            "Query": task("arn:aws:states:::aws-sdk:dynamodb:query", Parameters={"TableName": "Audit"}),
            "Queue": task(
                "arn:aws:states:::sqs:sendMessage",
                Parameters={
                    "QueueUrl": "https://sqs.us-west-2.amazonaws.com/444455556666/jobs.fifo",
                    "MessageBody.$": "$",
                },
            ),
            "Notify": task(
                "arn:aws:states:::sns:publish",
                Parameters={"TopicArn": "arn:aws:sns:eu-west-1:111122223333:alerts", "Message": "x"},
            ),
            "Emit": task(
                "arn:aws:states:::events:putEvents",
                Parameters={"Entries": [{"Detail": {}, "EventBusName": "orders"}, {"Detail": {}}]},
            ),
            "Read": task(
                "arn:aws:states:::aws-sdk:s3:getObject", Parameters={"Bucket": "docs", "Key": "a.json"}
            ),
            "List": task("arn:aws:states:::aws-sdk:s3:listObjectsV2", Parameters={"Bucket": "docs"}),
        }
    )
    assert statements(policy) == {
        ("dynamodb:GetItem",): [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Orders"],
        ("dynamodb:PutItem",): [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Orders"],
        ("dynamodb:Query",): [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Audit"],
        ("sqs:SendMessage",): ["arn:aws:sqs:us-west-2:444455556666:jobs.fifo"],
        ("sns:Publish",): ["arn:aws:sns:eu-west-1:111122223333:alerts"],
        ("events:PutEvents",): [
            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders",
            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
        ],
        ("s3:GetObject",): ["arn:aws:s3:::docs/a.json"],
        ("s3:ListBucket",): ["arn:aws:s3:::docs"],
    }
    assert policy.notes == []


def test_jsonata_arguments_name_resources_too() -> None:
    policy = policy_of(
        {
            "Put": task(
                "arn:aws:states:::dynamodb:putItem",
                Arguments={"TableName": "Orders", "Item": "{% $states.input.item %}"},
            ),
            "Dyn": task(
                "arn:aws:states:::dynamodb:getItem", Arguments={"TableName": "{% $states.input.t %}"}
            ),
        },
        QueryLanguage="JSONata",
    )
    assert statements(policy) == {
        ("dynamodb:PutItem",): [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Orders"],
        ("dynamodb:GetItem",): [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*"],
    }
    assert len(policy.notes) == 1 and "'Dyn': TableName is computed at run time" in policy.notes[0]


@pytest.mark.parametrize("pattern", [".sync", ".sync:2"])
def test_a_nested_execution_run_synchronously_needs_its_events_rule(pattern: str) -> None:
    child = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Child"
    policy = policy_of(
        {
            "Nest": task(
                f"arn:aws:states:::states:startExecution{pattern}", Parameters={"StateMachineArn": child}
            )
        }
    )
    assert statements(policy) == {
        ("states:StartExecution",): [child],
        ("states:DescribeExecution", "states:StopExecution"): [
            f"arn:aws:states:{REGION}:{ACCOUNT}:execution:Child:*"
        ],
        ("events:PutTargets", "events:PutRule", "events:DescribeRule"): [
            f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
        ],
    }


def test_a_nested_execution_started_and_left_needs_start_only() -> None:
    child = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Child"
    policy = policy_of(
        {"Nest": task("arn:aws:states:::states:startExecution", Parameters={"StateMachineArn": child})}
    )
    assert statements(policy) == {("states:StartExecution",): [child]}


def test_tasks_inside_parallel_and_map_count_too() -> None:
    def inner(name: str, table: str) -> dict[str, Any]:
        put = task("arn:aws:states:::dynamodb:putItem", Parameters={"TableName": table}, End=True)
        return {"StartAt": name, "States": {name: put}}

    policy = policy_of(
        {
            "Fan": {"Type": "Parallel", "Branches": [inner("PutA", "A")]},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {**inner("PutB", "B"), "ProcessorConfig": {"Mode": "INLINE"}},
            },
        }
    )
    assert statements(policy) == {
        ("dynamodb:PutItem",): [
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/A",
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/B",
        ]
    }


def test_a_distributed_map_starts_child_executions_of_its_own_machine() -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Echo",
        "States": {"Echo": {"Type": "Pass", "End": True}},
    }
    policy = policy_of(
        {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "in", "Key": "items.json"},
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "out", "Prefix": "runs"},
                },
                "ItemProcessor": processor,
            }
        },
        name="Batch",
    )
    assert statements(policy) == {
        ("states:StartExecution",): [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Batch"],
        ("states:DescribeExecution", "states:StopExecution"): [
            f"arn:aws:states:{REGION}:{ACCOUNT}:execution:Batch/*"
        ],
        ("s3:GetObject",): ["arn:aws:s3:::in/items.json"],
        ("s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"): [
            "arn:aws:s3:::out/runs/*"
        ],
    }


def test_other_sdk_calls_are_allowed_everywhere_with_a_note() -> None:
    policy = policy_of({"Describe": task("arn:aws:states:::aws-sdk:ec2:describeInstances", Parameters={})})
    assert statements(policy) == {("ec2:DescribeInstances",): ["*"]}
    assert policy.notes == [
        "state 'Describe': ec2:DescribeInstances is allowed on every resource; narrow it by hand"
    ]


def test_activities_and_flow_states_need_nothing() -> None:
    policy = policy_of(
        {
            "Work": task(f"arn:aws:states:{REGION}:{ACCOUNT}:activity:Review"),
            "Pause": {"Type": "Wait", "Seconds": 1},
        }
    )
    assert policy.document is None


def test_cross_account_credentials_allow_assuming_that_role() -> None:
    role = "arn:aws:iam::444455556666:role/Remote"
    policy = policy_of(
        {"Remote": task("arn:aws:lambda:us-east-1:444455556666:function:Far", Credentials={"RoleArn": role})}
    )
    assert statements(policy) == {
        ("lambda:InvokeFunction",): ["arn:aws:lambda:us-east-1:444455556666:function:Far"],
        ("sts:AssumeRole",): [role],
    }


def test_trust_and_logging_policies() -> None:
    assert trust_policy("states.amazonaws.com")["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    logs = lambda_logging_policy(["Greet", "Shout", "Greet"], region=REGION, account=ACCOUNT)
    assert logs["Statement"][1]["Resource"] == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/Greet:*",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/Shout:*",
    ]
    assert logs["Statement"][0] == {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup"],
        "Resource": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"],
    }
