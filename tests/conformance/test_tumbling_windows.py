"""Tumbling windows, against the Lambda developer guide's example event and rules.

Source: awsdocs/aws-lambda-developer-guide doc_source/with-kinesis.md, "Time windows"
(https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html):
the KinesisTimeWindowEvent example (120 s window) and the rules quoted in
recordings/lambda_developer_guide.json.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.recorded import load
from tests.unit.driver.fakes import FakeClock, decode, harness

WINDOW: dict[str, Any] = load("lambda_developer_guide.json")["tumbling_window"]


def _summing(event: dict[str, Any]) -> dict[str, Any]:
    state = dict(event["state"])
    state["sum"] = state.get("sum", 0) + sum(decode(r)["n"] for r in event["Records"])
    return {"state": state}


def test_the_event_has_the_guides_fields_and_window_format() -> None:
    # GIVEN the guide's 120 s window and a record arriving when its example record did
    clock = FakeClock(start=WINDOW["record_arrival"])
    h = harness(
        _summing, clock=clock, tumbling_window_seconds=WINDOW["window_seconds"], start=False
    )
    h.stream.put({"n": 1})
    h.engine.start()
    # WHEN the driver invokes the function
    h.run()
    # THEN the event has the example's top-level keys and the example's window, to the second
    (event,) = h.function.events
    assert list(event) == WINDOW["event_top_level_keys"]
    assert event["window"] == WINDOW["window"]
    assert event["shardId"] == "shardId-000000000000"
    assert (event["isFinalInvokeForWindow"], event["isWindowTerminatedEarly"]) == (False, False)


def test_an_answer_without_state_is_a_failed_invocation() -> None:
    # GIVEN a window function that answers without a `state` property, no retries, a destination
    h = harness(
        lambda event: {"batchItemFailures": []}, tumbling_window_seconds=60, max_retry_attempts=0
    )
    h.stream.put({"n": 1})
    # WHEN the driver invokes it
    h.run(seconds=1)
    # THEN AWS's rule ("considers this a failed invocation"): the batch failed and was discarded
    (message,) = h.destination.messages
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["responseContext"]["functionError"] is None
    assert h.engine.snapshot().shards[0].failures == 1


def test_a_final_invocation_without_state_is_retried_until_it_succeeds() -> None:
    # GIVEN a function that answers the final invocation without state twice, then with state
    finals: list[int] = []

    def function(event: dict[str, Any]) -> dict[str, Any]:
        if event["isFinalInvokeForWindow"]:
            finals.append(1)
            return {} if len(finals) <= 2 else {"state": {}}
        return _summing(event)

    h = harness(function, tumbling_window_seconds=60)
    h.stream.put({"n": 1})
    # WHEN the window's end passes
    h.run(seconds=65, step=0.5)
    # THEN processing waited on the final invocation until one succeeded (3 attempts)
    assert len(finals) == 3
    assert h.destination.messages == []
