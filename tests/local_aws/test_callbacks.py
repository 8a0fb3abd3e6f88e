"""Tokens the local AWS delivered: a run waits for answers from other threads, or times them out."""

from __future__ import annotations

import json
import threading
from typing import Any

import sfn_notebook as sfn
from sfn_notebook import local_aws

QUEUE = "https://sqs.us-east-1.amazonaws.com/111111111111/work"
SEND = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def asking(**fields: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": SEND,
                    "Parameters": {
                        "QueueUrl": QUEUE,
                        "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"},
                    },
                    "End": True,
                    **fields,
                }
            },
        }
    )


class Worker(threading.Thread):
    """Reads the queue and answers each message's token with its number doubled."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.answered = 0

    def run(self) -> None:
        sqs, stepfunctions = local_aws.client("sqs"), local_aws.client("stepfunctions")
        while not self.stop.is_set():
            for message in sqs.receive_message(QueueUrl=QUEUE).get("Messages", []):
                body = json.loads(message["Body"])
                stepfunctions.send_task_success(taskToken=body["token"], output=json.dumps(body["n"] * 2))
                sqs.delete_message(QueueUrl=QUEUE, ReceiptHandle=message["ReceiptHandle"])
                self.answered += 1
            self.stop.wait(0.01)


def setup_function() -> None:
    local_aws.client("sqs").create_queue(QueueName="work")


def test_a_run_waits_for_a_thread_that_reads_the_queue() -> None:
    worker = Worker()
    worker.start()
    try:
        ex = asking(TimeoutSeconds=300).run({"n": 21})
    finally:
        worker.stop.set()
        worker.join()
    assert (ex.status, ex.output) == ("SUCCEEDED", 42)
    assert worker.answered == 1


def test_with_no_one_reading_the_heartbeat_times_the_task_out_in_virtual_time() -> None:
    ex = asking(HeartbeatSeconds=5).run({"n": 1}, start_time=0)
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    timed_out = next(e for e in ex.events if e["type"] == "TaskTimedOut")
    assert timed_out["timestamp"].timestamp() == 5.0
    assert local_aws.messages("work").shape[0] == 1  # the message is still there, unread


def test_a_token_without_a_timeout_leaves_the_run_for_the_notebook_to_answer() -> None:
    ex = asking().run({"n": 4})
    assert ex.status == "RUNNING"
    [waiting] = ex.waiting_for
    assert waiting.sent_to == f"the SQS queue {QUEUE}"
    [message] = local_aws.client("sqs").receive_message(QueueUrl=QUEUE)["Messages"]
    ex.send_task_success(json.loads(message["Body"])["token"], {"done": True})
    assert ex.output == {"done": True}


def test_a_background_run_is_answered_from_another_thread() -> None:
    ex = asking(TimeoutSeconds=300).start({"n": 5})
    ex.wait()
    assert ex.status == "RUNNING"
    worker = Worker()
    worker.start()
    try:
        while ex.status == "RUNNING":
            worker.stop.wait(0.01)
    finally:
        worker.stop.set()
        worker.join()
    assert ex.output == 10


def test_tokens_given_to_a_handler_stay_waiting_as_before() -> None:
    ex = asking(HeartbeatSeconds=5).run({"n": 1}, resources={SEND: lambda event: {"MessageId": "m"}})
    assert ex.status == "RUNNING"
    assert ex.waiting_for[0].sent_to is None


def test_a_message_sent_by_a_run_in_the_past_of_the_virtual_clock_can_still_be_read() -> None:
    ex = asking().run({"n": 1}, start_time="2020-01-01T00:00:00Z")
    [message] = local_aws.client("sqs").receive_message(QueueUrl=QUEUE)["Messages"]
    assert json.loads(message["Body"])["token"] == ex.waiting_for[0].token


def test_the_execution_says_where_its_waiting_token_went() -> None:
    ex = asking().run({"n": 1})
    assert f"waiting for a task token in Ask, sent to the SQS queue {QUEUE}" in repr(ex)
