"""On-failure invocation records, compared key by key with records of real AWS.

Source of every case: LocalStack's AWS-validated snapshots (recordings/kinesis_esm_on_failure.json
names the repository, commit, file and snapshot key of each).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from tests.conformance.recorded import Bindings, load, mismatches
from tests.unit.driver.fakes import (
    FUNCTION_ARN,
    QUEUE_ARN,
    ROLE_ARN,
    STREAM_ARN,
    Harness,
    decode,
    harness,
)

RECORDING = load("kinesis_esm_on_failure.json")
CASES: dict[str, dict[str, Any]] = RECORDING["cases"]
DESTINATIONS = {
    "sqs": QUEUE_ARN,
    "sns": "arn:aws:sns:us-east-1:000000000000:failures",
    "s3": "arn:aws:s3:::failures-bucket",
}


def _raise(event: dict[str, Any]) -> None:
    if any(isinstance(decode(r), dict) and decode(r).get("raise") for r in event["Records"]):
        raise RuntimeError("recorded function raised")


def _report(event: dict[str, Any]) -> dict[str, Any]:
    failed = [r for r in event["Records"] if decode(r).get("should_fail")]
    return {
        "batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in failed]
    }


FUNCTIONS = {"raise": _raise, "report": _report, "ok": lambda event: None}


def _run(case: dict[str, Any]) -> Harness:
    mapping = case["mapping"]
    h = harness(
        FUNCTIONS[case["function"]],
        start=False,
        batch_size=mapping["BatchSize"],
        max_retry_attempts=mapping["MaximumRetryAttempts"],
        max_record_age_seconds=mapping.get("MaximumRecordAgeInSeconds", -1),
        report_batch_item_failures="ReportBatchItemFailures"
        in mapping.get("FunctionResponseTypes", []),
        on_failure_destination=DESTINATIONS[mapping["Destination"]],
    )
    for data in case["records"]:
        h.stream.put(data)
    h.clock.advance(case.get("age_before_start_seconds", 0))
    for data in case.get("records_after_wait", []):
        h.stream.put(data)
    h.engine.start()
    h.run(seconds=case.get("run_seconds", 5), step=0.5)
    return h


def _bindings(h: Harness) -> Bindings:
    records = [r for shard in h.stream.shards.values() for r in shard.records]
    return Bindings(
        records=records,
        function_arn=FUNCTION_ARN,
        stream_arn=STREAM_ARN,
        role_arn=ROLE_ARN,
        region="us-east-1",
        invocations=len(h.function.events),
    )


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_the_invocation_record_has_the_keys_and_values_aws_recorded(case_id: str) -> None:
    # GIVEN the mapping, function and records of the recorded case
    case = CASES[case_id]
    # WHEN the driver runs until the batch is discarded
    h = _run(case)
    # THEN exactly one record reached the destination, equal to AWS's up to placeholders
    (message,) = h.destination.messages
    assert mismatches(case["record"], message, _bindings(h)) == []
    ((destination_arn, _),) = h.destination.sent
    assert destination_arn == DESTINATIONS[case["mapping"]["Destination"]]


def test_only_the_expired_records_are_discarded_the_rest_are_delivered() -> None:
    # GIVEN one record past MaximumRecordAgeInSeconds followed by five fresh ones in one batch
    case = CASES["record-age-exceeded-discards-only-expired-records"]
    # WHEN the driver runs
    h = _run(case)
    # THEN the function received exactly the fresh records (the recording's `Records`)
    records = _bindings(h).records
    expected = [records[n - 1].sequence_number for n in case["delivered"]]
    assert [seq for batch in h.function.batches for seq in batch] == expected


def test_the_s3_object_key_follows_aws_layout_at_the_record_timestamp() -> None:
    # GIVEN the recorded S3 case
    case = CASES["s3-retries-exhausted-function-error"]
    # WHEN its record is written
    h = _run(case)
    (message,) = h.destination.messages
    ((_, key),) = h.destination.sent
    # THEN the key is aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>,
    # its date and time those of the record's `timestamp` (as the recorded test asserts)
    moment = datetime.fromisoformat(message["timestamp"])
    prefix = (
        f"aws/lambda/{h.engine.config.uuid}/{message['KinesisBatchInfo']['shardId']}/"
        f"{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-"
    )
    assert key.startswith(prefix)
    assert re.fullmatch(r"[0-9a-f-]{36}", key[len(prefix) :])


def test_sqs_and_sns_records_carry_no_payload() -> None:
    # GIVEN the recorded SQS case (its recording has no `payload` key)
    case = CASES["sqs-retries-exhausted-function-error"]
    # WHEN it runs
    h = _run(case)
    # THEN the record left the records out, as AWS does for SQS and SNS
    (message,) = h.destination.messages
    assert "payload" not in message
