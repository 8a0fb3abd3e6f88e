"""Checking a mocked Task result against its API's output shape (sfn_notebook/teststate_fields.py)."""

from __future__ import annotations

from sfn_notebook.teststate_fields import check_mock_result

SFN = "arn:aws:states:::states:startExecution"
EVENTS = "arn:aws:states:::events:putEvents"


def test_strict_mode_wants_the_required_fields() -> None:
    assert check_mock_result(SFN, {}, "STRICT") == "Required field 'ExecutionArn' is missing"
    assert check_mock_result(SFN, {}, "PRESENT") is None


def test_member_names_are_the_sdks_pascal_case_ones() -> None:
    good = {"ExecutionArn": "arn", "StartDate": "2025-01-01T00:00:00Z"}
    assert check_mock_result(SFN, good, "STRICT") is None
    assert check_mock_result(SFN, {"StartDate": 5}, "PRESENT") == "Field 'StartDate' must be a string"


def test_nested_list_members_are_checked() -> None:
    result = {"Entries": [{"EventId": "a"}, {"EventId": 3}]}
    assert check_mock_result(EVENTS, result, "PRESENT") == "Field 'EventId' must be a string"
    assert check_mock_result(EVENTS, {"Entries": {}}, "PRESENT") == "Field 'Entries' must be an array"


def test_unknown_fields_and_none_mode_pass() -> None:
    assert check_mock_result(EVENTS, {"anything": [1]}, "STRICT") is None
    assert check_mock_result(SFN, {"StartDate": 5}, "NONE") is None


def test_enums_and_lengths() -> None:
    s3 = "arn:aws:states:::aws-sdk:s3:getObject"
    assert (
        check_mock_result(s3, {"StorageClass": "CLAY"}, "STRICT")
        == "Field 'StorageClass' is not an expected value"
    )
    kms = "arn:aws:states:::aws-sdk:kms:encrypt"
    assert check_mock_result(kms, {"CiphertextBlob": ""}, "STRICT") == (
        "Field 'CiphertextBlob' is smaller than the minimum length"
    )


def test_a_lambda_payload_is_any_json_and_callbacks_are_not_checked() -> None:
    assert check_mock_result("arn:aws:states:::lambda:invoke", {"Payload": {"a": 1}}, "STRICT") is None
    callback = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert check_mock_result(callback, {"MessageId": 1}, "STRICT") is None
