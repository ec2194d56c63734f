"""ReportBatchItemFailures answers that AWS recorded as success or as failure.

Source: LocalStack's AWS-validated snapshots test_kinesis_report_batch_item_success_scenarios
and test_kinesis_report_batch_item_failure_scenarios (recordings/kinesis_esm_on_failure.json).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.recorded import load
from tests.unit.driver.fakes import Harness, harness

ANSWERS: dict[str, Any] = load("kinesis_esm_on_failure.json")["batch_responses"]


def _answering(answer: Any) -> Harness:
    def function(event: dict[str, Any]) -> Any:
        if answer == "<raise>":
            raise ZeroDivisionError("division by zero")
        return answer

    # BatchSize 1, MaximumRetryAttempts 2, ReportBatchItemFailures, one record (as recorded)
    h = harness(function, batch_size=1, max_retry_attempts=2, report_batch_item_failures=True)
    h.stream.put({"n": 0})
    h.run(seconds=5, step=0.5)
    return h


@pytest.mark.parametrize("case_id", sorted(ANSWERS["success"]))
def test_answers_aws_recorded_as_success_invoke_once(case_id: str) -> None:
    # GIVEN a function giving the recorded answer / WHEN the driver runs
    h = _answering(ANSWERS["success"][case_id])
    # THEN one invocation, nothing sent to the destination
    assert len(h.function.events) == 1
    assert h.destination.messages == []


@pytest.mark.parametrize("case_id", sorted(ANSWERS["failure"]))
def test_answers_aws_recorded_as_failure_retry_then_reach_the_destination(case_id: str) -> None:
    # GIVEN a function giving the recorded answer / WHEN the driver runs
    h = _answering(ANSWERS["failure"][case_id])
    # THEN the record was invoked 3 times, then its invocation record was sent
    invocations = ANSWERS["failure_invocations"]
    assert len(h.function.events) == invocations
    (message,) = h.destination.messages
    assert message["requestContext"]["approximateInvokeCount"] == invocations
    expected_error = ANSWERS["failure_function_error"].get(case_id)  # null unless it raised
    assert message["responseContext"]["functionError"] == expected_error
    assert "functionError" in message["responseContext"]
