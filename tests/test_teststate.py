"""The local TestState (sfn_notebook/teststate.py): AWS's request in, AWS's response out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sfn_notebook import AwsError, TaskFailed, test_state

ROLE = "arn:aws:iam::210987654321:role/tester"


def call(definition: dict[str, Any], **request: Any) -> dict[str, Any]:
    for key in ("input", "variables", "context"):
        if key in request and not isinstance(request[key], str):
            request[key] = json.dumps(request[key])
    return test_state(json.dumps(definition), **request)


def api_error(definition: dict[str, Any], **request: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(definition, **request)
    return info.value


def inspection(response: dict[str, Any]) -> dict[str, Any]:
    texts = {"errorDetails", "maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage"}
    return {k: v if k in texts else json.loads(v) for k, v in response["inspectionData"].items()}


class TestPassAndFriends:
    def test_info_level_has_no_inspection_data(self) -> None:
        response = call({"Type": "Pass", "Result": {"r": 1}, "Next": "After"}, input={"a": 1})
        assert response == {"status": "SUCCEEDED", "output": '{"r":1}', "nextState": "After"}

    def test_a_pass_with_paths_shows_each_stage(self) -> None:
        state = {
            "Type": "Pass",
            "InputPath": "$.order",
            "Parameters": {"id.$": "$.id"},
            "ResultPath": "$.picked",
            "End": True,
        }
        response = call(state, input={"order": {"id": 7, "x": 0}}, inspectionLevel="DEBUG")
        assert "nextState" not in response
        assert inspection(response) == {
            "input": {"order": {"id": 7, "x": 0}},
            "afterInputPath": {"id": 7, "x": 0},
            "afterParameters": {"id": 7},
            "afterResultSelector": {"id": 7},
            "afterResultPath": {"order": {"id": 7, "x": 0}, "picked": {"id": 7}},
        }

    def test_a_pass_with_a_result_skips_the_input_stages(self) -> None:
        response = call({"Type": "Pass", "Result": [1], "End": True}, input={}, inspectionLevel="TRACE")
        assert set(inspection(response)) == {"input", "result", "afterResultSelector", "afterResultPath"}

    def test_a_choice_names_the_branch_taken(self) -> None:
        state = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}],
            "Default": "Small",
        }
        assert call(state, input={"n": 9})["nextState"] == "Big"
        assert call(state, input={"n": 1})["nextState"] == "Small"

    def test_a_fail_state_fails_with_its_error(self) -> None:
        response = call({"Type": "Fail", "Error": "Oops", "Cause": "why"}, inspectionLevel="DEBUG")
        assert response["status"] == "FAILED"
        assert (response["error"], response["cause"]) == ("Oops", "why")
        assert inspection(response) == {"input": {}, "afterInputPath": {}}

    def test_a_state_named_in_a_whole_machine(self) -> None:
        machine = {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Output": "{% $states.input.v * 2 %}", "End": True},
            },
        }
        response = call(machine, stateName="B", input={"v": 21})
        assert response == {"status": "SUCCEEDED", "output": "42"}

    def test_variables_are_seen_and_reported_after_the_state(self) -> None:
        state = {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Assign": {"total": "{% $base + 1 %}"},
            "Output": "{% $base %}",
            "End": True,
        }
        response = call(state, variables={"base": 1}, inspectionLevel="DEBUG")
        assert response["output"] == "1"
        assert inspection(response)["variables"] == {"base": 1, "total": 2}

    def test_the_context_object_can_be_given(self) -> None:
        state = {"Type": "Pass", "Parameters": {"who.$": "$$.Execution.Name"}, "End": True}
        response = call(state, context={"Execution": {"Name": "mine"}})
        assert json.loads(response["output"]) == {"who": "mine"}

    def test_the_default_context_names_the_state_as_aws_does(self) -> None:
        state = {"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": True}
        context = json.loads(call(state, roleArn=ROLE)["output"])["c"]
        assert context["State"]["Name"] == "StateName"
        assert context["Execution"]["RoleArn"] == ROLE
        assert ":express:" in context["Execution"]["Id"]


class TestTasks:
    LAMBDA = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Then"}

    def test_a_mocked_result_goes_through_result_processing(self) -> None:
        state = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"},
            "ResultSelector": {"p.$": "$.Payload"},
            "ResultPath": "$.out",
            "Next": "Then",
        }
        mock = {"result": json.dumps({"Payload": {"ok": True}, "StatusCode": 200})}
        response = call(state, input={"k": 1}, mock=mock, inspectionLevel="DEBUG")
        assert response["status"] == "SUCCEEDED"
        assert response["nextState"] == "Then"
        assert json.loads(response["output"]) == {"k": 1, "out": {"p": {"ok": True}}}
        assert inspection(response)["result"] == {"Payload": {"ok": True}, "StatusCode": 200}

    def test_a_mocked_error_is_caught_by_the_first_matching_catcher(self) -> None:
        state = {
            **self.LAMBDA,
            "Catch": [
                {"ErrorEquals": ["Other"], "Next": "A"},
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "B"},
            ],
        }
        mock = {"errorOutput": {"error": "Boom", "cause": "bad"}}
        response = call(state, input={"x": 1}, mock=mock, inspectionLevel="DEBUG")
        assert response["status"] == "CAUGHT_ERROR"
        assert response["nextState"] == "B"
        assert json.loads(response["output"]) == {"x": 1, "err": {"Error": "Boom", "Cause": "bad"}}
        assert inspection(response)["errorDetails"] == {"catchIndex": 1}

    def test_a_retrier_with_attempts_left_makes_the_error_retriable(self) -> None:
        state = {
            **self.LAMBDA,
            "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3}],
        }
        mock = {"errorOutput": {"error": "Boom", "cause": "bad"}}
        response = call(
            state, mock=mock, stateConfiguration={"retrierRetryCount": 2}, inspectionLevel="DEBUG"
        )
        assert response["status"] == "RETRIABLE"
        assert "nextState" not in response
        assert inspection(response)["errorDetails"] == {"retryBackoffIntervalSeconds": 12, "retryIndex": 0}

    def test_a_spent_retrier_lets_the_error_fail_the_state(self) -> None:
        state = {**self.LAMBDA, "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}]}
        mock = {"errorOutput": {"error": "Boom", "cause": "bad"}}
        response = call(
            state, mock=mock, stateConfiguration={"retrierRetryCount": 1}, inspectionLevel="DEBUG"
        )
        assert response["status"] == "FAILED"
        assert inspection(response)["errorDetails"] == {"retryIndex": 0}

    def test_without_a_mock_the_task_runs_its_handler(self) -> None:
        state = {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:210987654321:function:Add",
            "End": True,
        }

        def add(event: Any, context: Any) -> Any:
            return event["a"] + event["b"]

        response = call(state, input={"a": 2, "b": 3}, roleArn=ROLE, resources={"Add": add})
        assert response == {"status": "SUCCEEDED", "output": "5"}

    def test_a_handler_failure_is_the_states_error(self) -> None:
        state = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:210987654321:function:No", "End": True}

        def refuse(event: Any, context: Any) -> Any:
            raise TaskFailed("Nope", "not today")

        response = call(state, roleArn=ROLE, resources={"No": refuse})
        assert (response["status"], response["error"], response["cause"]) == ("FAILED", "Nope", "not today")


class TestMapAndParallel:
    MAP = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.xs %}",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
        "End": True,
    }

    def test_a_parallel_returns_its_mocked_branches(self) -> None:
        state = {
            "Type": "Parallel",
            "Branches": [{"StartAt": n, "States": {n: {"Type": "Pass", "End": True}}} for n in ("A", "B")],
            "ResultPath": "$.both",
            "End": True,
        }
        response = call(state, input={}, mock={"result": "[1, 2]"})
        assert json.loads(response["output"]) == {"both": [1, 2]}

    def test_a_map_reports_its_concurrency_and_tolerance(self) -> None:
        state = {**self.MAP, "MaxConcurrency": 2, "ToleratedFailureCount": 1}
        response = call(state, input={"xs": [1, 2]}, mock={"result": "[10, 20]"}, inspectionLevel="DEBUG")
        assert response["output"] == "[10,20]"
        data = inspection(response)
        assert (data["maxConcurrency"], data["toleratedFailureCount"]) == (2, 1)

    def test_failed_iterations_beyond_the_tolerance_fail_the_map(self) -> None:
        state = {**self.MAP, "ToleratedFailureCount": 0}
        response = call(
            state,
            input={"xs": [1, 2]},
            mock={"result": "[1, 2]"},
            stateConfiguration={"mapIterationFailureCount": 1},
        )
        assert (response["status"], response["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")


class TestInvalidRequests:
    TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}

    def test_a_task_without_a_mock_needs_a_role(self) -> None:
        err = api_error(self.TASK)
        assert (err.code, err.message) == (
            "ValidationException",
            "RoleArn must be specified when testing a Task state",
        )

    def test_a_mock_has_a_result_or_an_error_not_both(self) -> None:
        err = api_error(self.TASK, mock={"result": "{}", "errorOutput": {"error": "E"}})
        assert err.code == "ValidationException"
        assert "only one of the following fields" in err.message

    def test_a_pass_takes_no_mock(self) -> None:
        err = api_error({"Type": "Pass", "End": True}, mock={"result": "1"})
        assert err.message == "State type 'Pass' is not supported when a mock is specified"

    def test_a_map_needs_a_mock(self) -> None:
        err = api_error(TestMapAndParallel.MAP, input={"xs": []})
        assert err.code == "InvalidDefinition"

    def test_a_mocked_result_must_be_json(self) -> None:
        assert api_error(self.TASK, mock={"result": "nope"}).message == "Mocked result must be valid JSON"

    def test_an_unknown_state_name(self) -> None:
        machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
        assert api_error(machine, stateName="Z").message == "State not found in definition"

    def test_an_invalid_state_is_an_invalid_definition(self) -> None:
        err = api_error({"Type": "Pass", "Nxt": "B"})
        assert err.code == "InvalidDefinition"
        assert err.message.startswith("Invalid State Machine Definition: ")

    def test_the_context_may_not_hold_a_map(self) -> None:
        err = api_error({"Type": "Pass", "End": True}, context={"Map": {}})
        assert "'Map' field is not supported" in err.message

    def test_a_mocked_result_is_checked_against_the_api(self) -> None:
        state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": True}
        err = api_error(state, mock={"result": '{"ContentLength": "12"}'})
        assert err.message == "Mock result schema validation error: Field 'ContentLength' must be a number"
        lenient = call(state, mock={"result": '{"ContentLength": "12"}', "fieldValidationMode": "NONE"})
        assert lenient["status"] == "SUCCEEDED"


def test_two_answers_compare_in_one_line() -> None:
    from sfn_notebook import StateMachine

    sm = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.a", "End": True}}})
    one = sm.test_state("P", {"a": 1})
    assert one.diff(sm.test_state("P", {"a": 1})) == {}
    differences = one.diff(sm.test_state("P", {"a": 2}))
    assert differences["output"] == (1, 2)
    assert differences["inspectionData.input"] == ({"a": 1}, {"a": 2})


def test_a_map_whose_items_path_finds_no_array_fails_as_aws_says() -> None:
    state = {
        "Type": "Map",
        "ItemsPath": "$$.Execution.Input",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    response = call(
        state, input=[1], context={"Execution": {"Input": {"not": "a list"}}}, mock={"result": "[]"}
    )
    assert (response["status"], response["error"]) == ("FAILED", "States.Runtime")
    assert response["cause"] == 'Reference path "$.Execution.Input" must point to array.'


def test_a_choice_ignores_a_mock() -> None:
    state = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "Yes"}],
        "Default": "No",
    }
    assert call(state, input={"a": 1}, mock={"result": "{}"})["nextState"] == "Yes"


def test_a_callback_task_needs_a_mock() -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}
    assert api_error(state, roleArn=ROLE).code == "InvalidDefinition"
    mocked = call(state, mock={"result": '{"approved": true}'})
    assert mocked == {"status": "SUCCEEDED", "output": '{"approved":true}'}


def test_the_state_type_is_checked_before_the_rest_of_the_mock() -> None:
    err = api_error({"Type": "Pass", "End": True}, mock={"result": "{}"}, revealSecrets=True)
    assert err.message == "State type 'Pass' is not supported when a mock is specified"


def test_a_runtime_error_names_no_history_event() -> None:
    response = call({"Type": "Pass", "InputPath": "$.missing", "End": True}, input={"a": 1})
    assert (response["status"], response["error"]) == ("FAILED", "States.Runtime")
    assert not response["cause"].startswith("An error occurred while executing the state")
    assert "$.missing" in response["cause"]


@pytest.mark.pandas
def test_an_unmocked_service_task_reaches_the_local_aws() -> None:
    from sfn_notebook import local_aws

    local_aws.reset()
    url = local_aws.client("sqs").create_queue(QueueName="tested")["QueueUrl"]
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": url, "MessageBody": "hello"},
        "End": True,
    }
    response = call(state, roleArn=ROLE)
    assert response["status"] == "SUCCEEDED"
    assert "MessageId" in json.loads(response["output"])
    assert list(local_aws.messages("tested")["body"]) == ["hello"]
    local_aws.reset()


def test_an_input_that_is_not_json() -> None:
    with pytest.raises(AwsError) as info:
        test_state('{"Type": "Pass", "End": true}', input="{oops")
    assert info.value.code == "InvalidExecutionInput"


def test_request_fields_nested_too_deeply_to_read_are_refused_as_the_api_refuses_bad_json() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(AwsError) as info:
        test_state('{"Type": "Pass", "End": true}', input=deep)
    assert info.value.code == "InvalidExecutionInput" and "nested too deeply" in str(info.value)
    with pytest.raises(AwsError) as info:
        test_state('{"Type": "Pass", "End": true}', input="{}", variables=deep)
    assert info.value.code == "ValidationException"


def test_a_state_that_goes_to_a_state_called_statename() -> None:
    state = {"Type": "Pass", "Parameters": {"me.$": "$$.State.Name"}, "Next": "StateName"}
    assert call(state) == {"status": "SUCCEEDED", "output": '{"me":"StateName"}', "nextState": "StateName"}
