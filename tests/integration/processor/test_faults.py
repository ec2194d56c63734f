"""Against MiniStack with faults injected at the boto3 client (botocore event hooks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError

from processor.batch import process_batch
from processor.retry import RetryPolicy
from tests.integration.processor.tables import Resources, new_client
from tests.integration.processor.truth import actual_aggregates, actual_keys, expected
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator

Hook = Callable[..., Any]


def error_response(code: str, message: str = "injected", **extra: Any) -> tuple[Any, Any]:
    """What a before-call hook returns to answer a request without sending it."""
    http = AWSResponse("http://injected", 400, HTTPHeaders(), None)
    return http, {"Error": {"Code": code, "Message": message}, **extra}


def fail_calls(
    client: Any, operation: str, fail: Callable[[int], tuple[Any, Any] | None]
) -> list[int]:
    """Answer call n of `operation` with fail(n) when it returns a response; count calls."""
    calls: list[int] = []

    def hook(**_: Any) -> tuple[Any, Any] | None:
        calls.append(len(calls) + 1)
        return fail(len(calls))

    client.meta.events.register(f"before-call.{_service(client)}.{operation}", hook)
    return calls


def fresh(resources: Resources, service: str) -> Any:
    """A client of the test's own, so that its fault hooks touch nothing else."""
    return new_client(resources.emulator, resources.session, service)


def _service(client: Any) -> str:
    return str(client.meta.service_model.service_id.hyphenize())


def assert_matches_truth(resources: Resources, events: list[dict[str, Any]]) -> None:
    client = resources.dynamodb
    truth = expected(events)
    assert sorted(actual_keys(client, resources.results_table)) == sorted(truth.items)
    assert actual_aggregates(client, resources.aggregates_table) == truth.aggregates


def test_one_throttled_transaction_is_retried(resources: Resources) -> None:
    # GIVEN DynamoDB throttles the first TransactWriteItems request once
    events = mixed_events(100)
    dynamodb = fresh(resources, "dynamodb")
    calls = fail_calls(
        dynamodb,
        "TransactWriteItems",
        lambda n: error_response("ProvisionedThroughputExceededException") if n == 1 else None,
    )
    # WHEN a batch is processed
    batch = kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])
    outcome = process_batch(batch, resources.dependencies(dynamodb=dynamodb))
    # THEN the chunk was retried, nothing failed, and the aggregates are exact
    assert outcome.failed == []
    assert outcome.retries == 1
    assert len(calls) == 3  # two chunks, one of them twice
    assert len(outcome.stored) == 100
    assert_matches_truth(resources, events)


def test_conflicting_transaction_is_retried(resources: Resources) -> None:
    events = mixed_events(20)
    dynamodb = fresh(resources, "dynamodb")
    conflict = [{"Code": "None"}] * 5 + [{"Code": "TransactionConflict"}]
    fail_calls(
        dynamodb,
        "TransactWriteItems",
        lambda n: (
            error_response("TransactionCanceledException", CancellationReasons=conflict)
            if n <= 2
            else None
        ),
    )
    batch = kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])
    outcome = process_batch(batch, resources.dependencies(dynamodb=dynamodb))
    assert outcome.failed == []
    assert outcome.retries == 2
    assert_matches_truth(resources, events)


def test_throttling_beyond_the_budget_becomes_batch_item_failures(resources: Resources) -> None:
    # GIVEN every transaction after the first is throttled, more often than the budget allows
    events = mixed_events(150)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    dynamodb = fresh(resources, "dynamodb")
    fail_calls(
        dynamodb,
        "TransactWriteItems",
        lambda n: error_response("ProvisionedThroughputExceededException") if n > 1 else None,
    )
    policy = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
    outcome = process_batch(
        kinesis_event(records), resources.dependencies(policy, dynamodb=dynamodb)
    )
    # THEN the first chunk is stored and every other record is reported, in stream order
    sequence = [r["kinesis"]["sequenceNumber"] for r in records]
    stored = {p.ref.sequence_number for p in outcome.stored}
    assert 0 < len(stored) < 150
    assert outcome.failed == [seq for seq in sequence if seq not in stored]
    assert outcome.response()["batchItemFailures"][0] == {"itemIdentifier": outcome.failed[0]}
    assert_matches_truth(
        resources, [e for e, seq in zip(events, sequence, strict=True) if seq in stored]
    )
    # WHEN the mapping redelivers from the lowest failed record, with DynamoDB healthy again
    lowest = sequence.index(outcome.failed[0])
    retry = process_batch(kinesis_event(records[lowest:]), resources.dependencies())
    # THEN everything is stored exactly once
    assert retry.failed == []
    assert_matches_truth(resources, events)
    # AND a redelivery of the whole batch (e.g. a bisected retry) changes nothing
    again = process_batch(kinesis_event(records), resources.dependencies())
    assert again.stored == []
    assert_matches_truth(resources, events)


def test_lost_response_after_commit_does_not_double_count(resources: Resources) -> None:
    # GIVEN the first transaction commits but its response is lost (read timeout)
    events = mixed_events(50)
    dynamodb = fresh(resources, "dynamodb")
    lost: list[int] = []

    def drop_response(**_: Any) -> None:
        if not lost:
            lost.append(1)
            raise ReadTimeoutError(endpoint_url="http://injected")

    dynamodb.meta.events.register("after-call.dynamodb.TransactWriteItems", drop_response)
    batch = kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)])
    # WHEN the batch is processed (the store retries the "failed" chunk)
    outcome = process_batch(batch, resources.dependencies(dynamodb=dynamodb))
    # THEN the retry finds the events stored, and nothing is counted twice
    assert lost == [1]
    assert outcome.failed == []
    assert len(outcome.duplicates) == 50
    assert_matches_truth(resources, events)


def test_failed_extrema_update_is_repaired_by_redelivery(resources: Resources) -> None:
    # GIVEN the load-time min/max update keeps failing
    events = mixed_events(30)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    dynamodb = fresh(resources, "dynamodb")
    fail_calls(dynamodb, "UpdateItem", lambda n: error_response("InternalServerError"))
    policy = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
    outcome = process_batch(
        kinesis_event(records), resources.dependencies(policy, dynamodb=dynamodb)
    )
    # THEN the page views are reported failed (their items and counts are already written)
    page_views = [r["kinesis"]["sequenceNumber"] for r, e in zip(records, events, strict=True)
                  if e["eventType"] == "page_view"]  # fmt: skip
    assert outcome.failed == page_views
    # WHEN the mapping redelivers from the lowest failure
    first = records.index(
        next(r for r in records if r["kinesis"]["sequenceNumber"] == page_views[0])
    )
    retry = process_batch(kinesis_event(records[first:]), resources.dependencies())
    # THEN min/max are written and everything matches the truth
    assert retry.failed == []
    assert retry.stored == []
    assert_matches_truth(resources, events)


def test_quarantine_outage_fails_only_the_poison_record(resources: Resources) -> None:
    events = mixed_events(5)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    records.insert(2, kinesis_record("{bad", 77))
    s3 = fresh(resources, "s3")
    fail_calls(s3, "PutObject", lambda n: error_response("SlowDown") if n <= 10 else None)
    policy = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
    outcome = process_batch(kinesis_event(records), resources.dependencies(policy, s3=s3))
    assert outcome.failed == [records[2]["kinesis"]["sequenceNumber"]]
    assert len(outcome.stored) == 5
    retry = process_batch(kinesis_event(records[2:]), resources.dependencies())
    assert retry.failed == []
    assert [reason for _, reason in retry.quarantined] == ["not_json"]
    assert_matches_truth(resources, events)


def test_item_refused_by_dynamodb_is_quarantined_as_unstorable(resources: Resources) -> None:
    # GIVEN DynamoDB refuses the first event's item once (a ValidationError cancellation reason)
    events = mixed_events(4)
    dynamodb = fresh(resources, "dynamodb")
    refused = [{"Code": "ValidationError", "Message": "Item size has exceeded the maximum"}]
    fail_calls(
        dynamodb,
        "TransactWriteItems",
        lambda n: (
            error_response(
                "TransactionCanceledException", CancellationReasons=refused + [{"Code": "None"}] * 9
            )
            if n == 1
            else None
        ),
    )
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    outcome = process_batch(kinesis_event(records), resources.dependencies(dynamodb=dynamodb))
    # THEN one record is quarantined as unstorable (never retried) and the others are stored
    assert outcome.failed == []
    ((refused_seq, reason),) = outcome.quarantined
    assert reason == "unstorable"
    assert len(outcome.stored) == 3
    kept = [
        e
        for e, r in zip(events, records, strict=True)
        if r["kinesis"]["sequenceNumber"] != refused_seq
    ]
    assert len(kept) == 3
    assert_matches_truth(resources, kept)


def test_missing_table_fails_the_valid_records_without_retrying(resources: Resources) -> None:
    events = mixed_events(5)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    records.append(kinesis_record("[]", 9))
    deps = resources.dependencies()
    broken = type(deps)(
        dynamodb=deps.dynamodb,
        s3=deps.s3,
        target=type(deps.target)("no-such-table", resources.aggregates_table),
        quarantine_bucket=deps.quarantine_bucket,
        ttl_days=30,
        policy=deps.policy,
    )
    outcome = process_batch(kinesis_event(records), broken)
    assert outcome.failed == [r["kinesis"]["sequenceNumber"] for r in records[:5]]
    assert outcome.retries == 0
    assert [reason for _, reason in outcome.quarantined] == ["not_object"]


def test_spent_deadline_fails_valid_records_but_still_quarantines(resources: Resources) -> None:
    events = mixed_events(5)
    records = [kinesis_record(e, i) for i, e in enumerate(events)]
    records.append(kinesis_record("[]", 9))
    outcome = process_batch(
        kinesis_event(records), resources.dependencies(), deadline=time.monotonic() - 1
    )
    assert outcome.failed == [r["kinesis"]["sequenceNumber"] for r in records[:5]]
    assert outcome.dynamodb_requests == 0
    assert [reason for _, reason in outcome.quarantined] == ["not_object"]
