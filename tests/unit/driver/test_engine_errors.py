"""Engine: partial batch responses, bisect, retry limit, record age, on-failure destination."""

from __future__ import annotations

from typing import Any

from devtools.driver.exceptions import InvokeError
from tests.unit.driver.fakes import (
    FUNCTION_ARN,
    STREAM_ARN,
    decode,
    harness,
    raise_on_poison,
    report_poison,
)

REPORT: dict[str, Any] = {"report_batch_item_failures": True}


def test_partial_failure_checkpoints_before_lowest_failed_and_retries_from_it() -> None:
    # GIVEN a function that fails record 3 once (partial response), batch of 6
    failed_once: set[str] = set()

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for r in event["Records"]:
            seq = r["kinesis"]["sequenceNumber"]
            if decode(r)["n"] in (3, 4) and seq not in failed_once:
                failed_once.add(seq)
                failures.append({"itemIdentifier": seq})
        return {"batchItemFailures": failures}

    h = harness(handler, batch_size=6, **REPORT)
    records = [h.stream.put({"n": i}) for i in range(6)]
    # WHEN the first invocation returns (before retry), the checkpoint sits before record 3
    h.engine.run_once()
    first = h.function.batches[0]
    assert first == [r.sequence_number for r in records]
    # THEN after everything settles the retry starts at record 3 (the lowest failed)
    h.run(seconds=1)
    assert h.function.batches[1] == [r.sequence_number for r in records[3:]]
    assert h.checkpoint() == records[-1].sequence_number
    assert h.destination.messages == []


def test_checkpoint_stays_before_a_record_that_keeps_failing() -> None:
    # GIVEN a partial-response function that always fails record 2, retries unlimited
    h = harness(report_poison, batch_size=5, **REPORT)
    records = [h.stream.put({"n": i, "poison": i == 2}) for i in range(5)]
    # WHEN it runs for a while
    h.run(seconds=2)
    # THEN the checkpoint is the record just before the failing one
    assert h.checkpoint() == records[1].sequence_number
    assert all(batch[0] == records[2].sequence_number for batch in h.function.batches[1:])


def _answering(answer: Any) -> Any:
    def handler(event: dict[str, Any]) -> Any:
        return answer

    return handler


def test_empty_or_null_failure_list_means_success() -> None:
    # GIVEN functions answering {"batchItemFailures": []}, null, and {"batchItemFailures": null}
    answers: list[Any] = [{"batchItemFailures": []}, None, {"batchItemFailures": None}]
    for answer in answers:
        h = harness(_answering(answer), batch_size=5, **REPORT)
        last = [h.stream.put({"n": i}) for i in range(5)][-1]
        # WHEN it runs
        h.run(seconds=1)
        # THEN one invocation and the checkpoint at the last record
        assert len(h.function.events) == 1
        assert h.checkpoint() == last.sequence_number


def _bad_once(bad: Any) -> Any:
    calls: list[int] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        return {"batchItemFailures": [bad] if len(calls) == 1 else []}

    return handler


def test_malformed_or_unknown_identifier_fails_the_whole_batch() -> None:
    # GIVEN functions answering a malformed and an unknown itemIdentifier the first time
    for bad in (
        {"itemIdentifier": ""},
        {"itemIdentifier": None},
        {"id": "1"},
        {"itemIdentifier": "42"},
    ):
        h = harness(_bad_once(bad), batch_size=4, **REPORT)
        records = [h.stream.put({"n": i}) for i in range(4)]
        # WHEN it runs
        h.run(seconds=1)
        # THEN the whole batch was retried (nothing checkpointed by the bad answer)
        assert h.function.batches == [[r.sequence_number for r in records]] * 2, bad


def test_failure_list_is_ignored_without_report_batch_item_failures() -> None:
    # GIVEN a mapping without ReportBatchItemFailures and a function naming a failure
    h = harness(report_poison, batch_size=3)
    last = [h.stream.put({"n": i, "poison": i == 0}) for i in range(3)][-1]
    # WHEN it runs
    h.run(seconds=1)
    # THEN the answer counts as success
    assert len(h.function.events) == 1
    assert h.checkpoint() == last.sequence_number


def test_function_error_retries_the_same_batch_until_retries_are_exhausted() -> None:
    # GIVEN a function that raises on a poison record, MaximumRetryAttempts 2, no bisect
    h = harness(raise_on_poison, batch_size=4, max_retry_attempts=2)
    records = [h.stream.put({"n": i, "poison": i == 1}) for i in range(4)]
    after = h.stream.put({"n": 4, "poison": False})
    # WHEN it runs
    h.run(seconds=5)
    # THEN the batch was invoked 1 + 2 times, then sent to the destination, and the shard moved on
    batch = [r.sequence_number for r in records]
    assert h.function.batches[:3] == [batch] * 3
    assert h.function.batches[3] == [after.sequence_number]
    (message,) = h.destination.messages
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["requestContext"]["functionArn"] == FUNCTION_ARN
    assert message["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert message["version"] == "1.0"
    info = message["KinesisBatchInfo"]
    assert info["shardId"] == "shardId-000000000000"
    assert info["startSequenceNumber"] == records[0].sequence_number
    assert info["endSequenceNumber"] == records[-1].sequence_number
    assert info["batchSize"] == 4
    assert info["streamArn"] == STREAM_ARN
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert h.checkpoint() == after.sequence_number


def test_zero_retries_sends_after_the_first_failure() -> None:
    # GIVEN MaximumRetryAttempts 0
    h = harness(raise_on_poison, batch_size=2, max_retry_attempts=0)
    h.stream.put({"n": 0, "poison": True})
    # WHEN it runs
    h.run(seconds=1)
    # THEN one invocation, then the destination
    assert len(h.function.events) == 1
    assert h.destination.messages[0]["requestContext"]["approximateInvokeCount"] == 1


def test_bisect_isolates_the_poison_record_without_using_retries() -> None:
    # GIVEN bisect on, MaximumRetryAttempts 1, a batch of 8 with one poison record
    h = harness(raise_on_poison, batch_size=8, bisect_on_error=True, max_retry_attempts=1)
    records = [h.stream.put({"n": i, "poison": i == 5}) for i in range(8)]
    # WHEN it runs
    h.run(seconds=5)
    # THEN the batch is split 8 -> 4+4 -> 2+2 -> 1+1; only the single poison record uses retries
    sizes = h.function.batch_sizes
    assert sizes[:2] == [8, 4]  # the first half (0-3) succeeds at once
    poison = records[5].sequence_number
    assert [b for b in h.function.batches if b == [poison]] == [[poison]] * 2  # 1 try + 1 retry
    # ... every other record was delivered in a successful invocation
    ok = {seq for batch in h.function.batches if poison not in batch for seq in batch}
    assert ok == {r.sequence_number for r in records} - {poison}
    # ... and only the poison record went to the destination
    (message,) = h.destination.messages
    assert message["KinesisBatchInfo"]["startSequenceNumber"] == poison
    assert message["KinesisBatchInfo"]["batchSize"] == 1
    assert h.checkpoint() == records[-1].sequence_number


def test_bisect_with_partial_response_splits_at_the_returned_sequence_number() -> None:
    # GIVEN bisect + ReportBatchItemFailures, MaximumRetryAttempts 0, poison at index 3 of 6
    h = harness(report_poison, batch_size=6, bisect_on_error=True, max_retry_attempts=0, **REPORT)
    records = [h.stream.put({"n": i, "poison": i == 3}) for i in range(6)]
    # WHEN it runs
    h.run(seconds=3)
    # THEN the retry starts at the poison record without consuming the (zero) retries
    seqs = [r.sequence_number for r in records]
    assert h.function.batches[0] == seqs
    assert h.function.batches[1] == seqs[3:]
    # ... then the poison record is first: the batch is halved, still without retries
    assert h.function.batches[2] == seqs[3:4]
    # ... and the single poison record fails with no retries left -> destination
    (message,) = h.destination.messages
    assert message["KinesisBatchInfo"]["startSequenceNumber"] == seqs[3]
    assert message["KinesisBatchInfo"]["endSequenceNumber"] == seqs[3]
    assert message["responseContext"]["functionError"] is None  # AWS sends null, not nothing
    assert seqs[4] in h.function.batches[3]
    assert h.checkpoint() == seqs[-1]


def test_maximum_record_age_discards_expired_records_with_record_age_exceeded() -> None:
    # GIVEN a function that always fails, retries unlimited, MaximumRecordAgeInSeconds 60
    h = harness(raise_on_poison, batch_size=3, max_record_age_seconds=60)
    records = [h.stream.put({"n": i, "poison": True}) for i in range(3)]
    # WHEN 59 s pass
    h.run(seconds=59, step=0.5)
    # THEN it is still being retried
    assert h.destination.messages == []
    retries_so_far = len(h.function.events)
    assert retries_so_far > 3
    # WHEN the records are older than 60 s
    h.run(seconds=3, step=0.5)
    # THEN they go to the destination as RecordAgeExceeded and the shard moves on
    (message,) = h.destination.messages
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["KinesisBatchInfo"]["batchSize"] == 3
    assert message["requestContext"]["approximateInvokeCount"] >= retries_so_far
    assert h.checkpoint() == records[-1].sequence_number


def test_records_already_too_old_are_not_invoked() -> None:
    # GIVEN records 2 minutes old and MaximumRecordAgeInSeconds 60
    h = harness(batch_size=5, max_record_age_seconds=60, start=False)
    old = h.stream.put({"n": 0})
    h.clock.advance(120)
    fresh = h.stream.put({"n": 1})
    h.engine.start()
    # WHEN it runs
    h.run()
    # THEN the old one is discarded uninvoked and the fresh one delivered
    assert h.function.batches == [[fresh.sequence_number]]
    (message,) = h.destination.messages
    assert message["KinesisBatchInfo"]["startSequenceNumber"] == old.sequence_number
    assert message["requestContext"]["approximateInvokeCount"] == 1  # AWS counts 1 here
    assert "responseContext" not in message


def test_no_destination_drops_the_batch_and_moves_on() -> None:
    # GIVEN no on-failure destination and 0 retries
    h = harness(raise_on_poison, batch_size=1, max_retry_attempts=0, on_failure_destination=None)
    h.stream.put({"n": 0, "poison": True})
    last = h.stream.put({"n": 1})
    # WHEN it runs
    h.run(seconds=1)
    # THEN the shard moved on and the drop is counted
    assert h.checkpoint() == last.sequence_number
    shard = h.engine.snapshot().shards[0]
    assert shard.records_discarded == 1
    assert shard.records_to_destination == 0


def test_unavailable_destination_keeps_the_batch_until_it_can_be_sent() -> None:
    # GIVEN a failing destination
    h = harness(raise_on_poison, batch_size=1, max_retry_attempts=0)
    h.destination.failing = True
    poison = h.stream.put({"n": 0, "poison": True})
    # WHEN it runs
    h.run(seconds=2)
    # THEN the checkpoint does not pass the record
    assert h.checkpoint() is None
    # WHEN the destination recovers
    h.destination.failing = False
    h.run(seconds=2)
    # THEN the record is sent once and checkpointed
    assert len(h.destination.messages) == 1
    assert h.checkpoint() == poison.sequence_number


def test_invoke_errors_are_retried_without_consuming_retries() -> None:
    # GIVEN Invoke throttled twice, MaximumRetryAttempts 0
    calls: list[int] = []

    def handler(event: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise InvokeError("TooManyRequestsException")

    h = harness(handler, batch_size=2, max_retry_attempts=0)
    last = h.stream.put({"n": 1})
    # WHEN it runs
    h.run(seconds=3)
    # THEN the batch was delivered on the third call, nothing went to the destination
    assert len(calls) == 3
    assert h.destination.messages == []
    assert h.checkpoint() == last.sequence_number
    assert h.engine.snapshot().invocations.invoke_errors == 2


def test_status_counts_function_errors_and_durations() -> None:
    # GIVEN one failing then succeeding batch
    h = harness(raise_on_poison, batch_size=1, max_retry_attempts=1)
    h.stream.put({"n": 0, "poison": True})
    h.stream.put({"n": 1})
    # WHEN it runs
    h.run(seconds=2)
    status = h.engine.snapshot()
    # THEN the figures for the Lambda errors and duration alarms are there
    assert status.invocations.invocations == 3
    assert status.invocations.function_errors == 2
    assert status.invocations.duration_ms_max == 5.0
    assert status.function_timeout_seconds == 60.0
    shard = status.shards[0]
    assert (shard.invocations, shard.failures, shard.records_delivered) == (3, 2, 1)
    assert shard.records_to_destination == 1
    assert shard.last_result.startswith("OK")
