"""Against MiniStack: batches land in both tables and the bucket, exactly once."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

import pytest

from devtools.aggregates import whole_minute
from processor.aggregates import partial_minute
from processor.batch import BatchOutcome, Dependencies, process_batch
from processor.known_extrema import KnownExtrema
from processor.pipeline import type_shard_keys
from tests.integration.processor.tables import Resources, new_client
from tests.integration.processor.truth import (
    actual_aggregates,
    actual_items,
    actual_keys,
    expected,
    partial_items,
)
from tests.unit.processor.factories import (
    kinesis_event,
    kinesis_record,
    mixed_events,
    page_view,
    purchase,
)

pytestmark = pytest.mark.emulator

POISON: list[tuple[bytes | str, str]] = [
    (b"\xff\xfe\xfd", "not_utf8"),
    ("{broken", "not_json"),
    ("[1, 2, 3]", "not_object"),
    (json.dumps({"eventType": "clck", "userId": "u"}), "unknown_type"),
    (json.dumps({"eventType": "purchase", "userId": "u", "currency": "USD"}), "missing_field"),
    (json.dumps(purchase(amount=-1)), "invalid_field"),
    (json.dumps({"eventType": "click", "pad": "x" * 40_000}), "oversize"),
]


def records_for(events: list[dict[str, Any]], start: int = 0) -> list[dict[str, Any]]:
    return [kinesis_record(event, start + i) for i, event in enumerate(events)]


def assert_matches_truth(resources: Resources, events: list[dict[str, Any]]) -> None:
    client = resources.dynamodb
    truth = expected(events)
    keys = actual_keys(client, resources.results_table)
    assert len(keys) == len(set(keys))
    assert set(keys) == truth.items
    assert actual_aggregates(client, resources.aggregates_table) == truth.aggregates


def test_mixed_batch_lands_in_both_tables_and_the_bucket(resources: Resources) -> None:
    # GIVEN 100 valid events of the five types and 7 poison records, interleaved
    events = mixed_events(100)
    records = records_for(events)
    for offset, (payload, _) in enumerate(POISON):
        records.insert(offset * 15, kinesis_record(payload, 1000 + offset))
    # WHEN the batch is processed
    outcome = process_batch(kinesis_event(records), resources.dependencies())
    # THEN every valid event is stored once and counted once, nothing failed
    assert len(outcome.stored) == 100
    assert outcome.failed == []
    assert outcome.response() == {"batchItemFailures": []}
    assert outcome.dynamodb_requests <= 5
    assert_matches_truth(resources, events)
    # AND a stored item carries the fields, derived fields and TTL
    client = resources.dynamodb
    item = client.get_item(
        TableName=resources.results_table,
        Key={"eventId": {"S": "evt-000001"}, "timestamp": {"S": "2025-01-01T12:00:01.001Z"}},
    )["Item"]
    assert item["eventType"] == {"S": "purchase"}
    assert item["valueTier"]["S"] in ("low", "medium", "high", "premium")
    assert "averageItemValue" in item
    assert int(item["expiresAt"]["N"]) == 1_735_732_800 + 30 * 86_400
    by_type = [
        client.query(
            TableName=resources.results_table,
            IndexName="byEventType",
            KeyConditionExpression="eventTypeShard = :k",
            ExpressionAttributeValues={":k": {"S": key}},
        )["Count"]
        for key in type_shard_keys("error")
    ]
    assert sum(by_type) == 20
    # AND each poison record is in the bucket under its reason, with its original bytes
    s3 = resources.s3
    listed = s3.list_objects_v2(Bucket=resources.bucket, Prefix="quarantine/")["Contents"]
    assert sorted(o["Key"].split("/")[1] for o in listed) == sorted(r for _, r in POISON)
    for offset, (_, reason) in enumerate(POISON):
        seq = records[offset * 15]["kinesis"]["sequenceNumber"]
        key = f"quarantine/{reason}/shardId-000000000000/{seq}.json"
        document = json.loads(s3.get_object(Bucket=resources.bucket, Key=key)["Body"].read())
        assert document["reason"] == reason
        assert document["detail"]
        assert document["sequenceNumber"] == seq
        assert document["partitionKey"] == records[offset * 15]["kinesis"]["partitionKey"]
        assert document["approximateArrivalTimestamp"] == "2025-01-01T12:00:00.000Z"
        assert document["dataBase64"] == records[offset * 15]["kinesis"]["data"]
    assert outcome.quarantined_by_reason == {reason: 1 for _, reason in POISON}


def test_independent_transactions_are_written_at_the_same_time(resources: Resources) -> None:
    # GIVEN a client that notes which thread sends each transaction
    dynamodb = new_client(resources.emulator, resources.session, "dynamodb")
    senders: list[str] = []
    dynamodb.meta.events.register(
        "before-call.dynamodb.TransactWriteItems",
        lambda **_: senders.append(threading.current_thread().name),
    )
    # WHEN 100 mixed events (two transactions sharing no aggregates item) are processed
    events = mixed_events(100)
    outcome = process_batch(
        kinesis_event(records_for(events)), resources.dependencies(dynamodb=dynamodb)
    )
    # THEN each transaction went from its own worker thread, and the tables are exact
    assert len(senders) == 2
    assert len(set(senders)) == 2
    assert all(name.startswith("test-store") for name in senders)
    assert len(outcome.stored) == 100
    assert_matches_truth(resources, events)
    # AND without workers the next batch is written one transaction after the other, as exactly
    more = mixed_events(100, start=100)
    outcome = process_batch(
        kinesis_event(records_for(more, start=100)),
        resources.dependencies(workers=None, dynamodb=dynamodb),
    )
    assert senders[2:] == [threading.current_thread().name] * 2
    assert len(outcome.stored) == 100
    assert_matches_truth(resources, events + more)


def test_redelivered_batch_changes_nothing(resources: Resources) -> None:
    # GIVEN a batch already processed
    events = mixed_events(60)
    batch = kinesis_event([*records_for(events), kinesis_record("{bad", 999)])
    first = process_batch(batch, resources.dependencies())
    # WHEN Kinesis delivers it again
    second = process_batch(batch, resources.dependencies())
    # THEN nothing new is stored or counted, although the redelivery ran in another lane (its
    # own partial items); the poison record is quarantined again, same key
    assert first.lane != second.lane
    assert len(first.stored) == 60
    assert second.stored == []
    assert len(second.duplicates) == 60
    assert second.failed == []
    assert_matches_truth(resources, events)
    s3 = resources.s3
    assert s3.list_objects_v2(Bucket=resources.bucket)["KeyCount"] == 1


def test_overlapping_batches_and_producer_duplicates(resources: Resources) -> None:
    # GIVEN events 0..89, delivered as 0..59 then 30..89 (a retry after a partial failure)
    events = mixed_events(90)
    records = records_for(events)
    process_batch(kinesis_event(records[:60]), resources.dependencies())
    process_batch(kinesis_event(records[30:]), resources.dependencies())
    # AND a producer that re-sent 10 events (new stream positions, same eventIds), one of them
    # twice inside the same batch
    resent = [*events[5:15], events[5]]
    outcome = process_batch(kinesis_event(records_for(resent, start=500)), resources.dependencies())
    # THEN items and aggregates equal the truth of the 90 distinct events
    assert outcome.stored == []
    assert len(outcome.duplicates) == 11
    assert_matches_truth(resources, events)


def test_duplicate_event_ids_in_one_batch_are_stored_once(resources: Resources) -> None:
    events = [purchase(eventId="same", amount=10)] * 3 + [purchase(eventId="other", amount=5)]
    outcome = process_batch(kinesis_event(records_for(events)), resources.dependencies())
    assert len(outcome.stored) == 2
    assert len(outcome.duplicates) == 2
    assert_matches_truth(resources, events)


def test_concurrent_invocations_count_each_event_once(resources: Resources) -> None:
    # GIVEN 4 invocations running at once over overlapping ranges of 150 events
    events = mixed_events(150)
    records = records_for(events)
    slices = [records[0:100], records[50:150], records[0:150], records[25:125]]
    outcomes: list[BatchOutcome] = []
    barrier = threading.Barrier(len(slices))

    def invoke(batch: list[dict[str, Any]]) -> None:
        deps = resources.dependencies()  # each "invocation" has its own clients
        barrier.wait()
        outcomes.append(process_batch(kinesis_event(batch), deps))

    threads = [threading.Thread(target=invoke, args=(s,)) for s in slices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN exactly 150 were newly stored across all of them, and the tables match the truth
    assert len(outcomes) == len(slices)
    assert sum(len(o.stored) for o in outcomes) == 150
    assert all(o.failed == [] for o in outcomes)
    assert_matches_truth(resources, events)


def test_overlapping_invocations_in_one_process_write_their_own_partial_items(
    resources: Resources,
) -> None:
    # GIVEN one process hosting invocations in threads (as an emulator may): one set of
    # dependencies, whose client holds each invocation's first transaction until both are in
    # flight, so the two invocations certainly overlap
    dynamodb = new_client(resources.emulator, resources.session, "dynamodb")
    both_in_flight = threading.Barrier(2, timeout=30)
    held = threading.local()

    def hold(**_: Any) -> None:
        if getattr(held, "armed", False):
            held.armed = False
            both_in_flight.wait()

    dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems", hold)
    deps = resources.dependencies(workers=None, dynamodb=dynamodb)
    # AND two batches of the same minute and types: on one item per minute they would update
    # the same items at the same time (TransactionConflict on DynamoDB)
    events = mixed_events(100)
    records = records_for(events)
    outcomes: dict[int, BatchOutcome] = {}

    def invoke(index: int, batch: list[dict[str, Any]]) -> None:
        held.armed = True  # this thread's first transaction waits for the other's
        outcomes[index] = process_batch(kinesis_event(batch), deps)

    # WHEN they run at once
    threads = [
        threading.Thread(target=invoke, args=(n, records[n * 50 : (n + 1) * 50])) for n in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN they held distinct lanes, and each shared item is two partial items, one per lane
    first, second = outcomes[0], outcomes[1]
    assert first.lane != second.lane
    assert len(first.stored) == len(second.stored) == 50
    lanes = partial_items(resources.dynamodb, resources.aggregates_table)
    shared = ("loadtime", "2025-01-01T12:00Z")
    assert lanes[shared] == sorted([first.lane, second.lane])
    assert {lane for found in lanes.values() for lane in found} == {first.lane, second.lane}
    # AND merged they equal the truth
    assert_matches_truth(resources, events)
    # AND an invocation after both reuses a lane: sequential invocations do not add items
    later = process_batch(kinesis_event(records_for(mixed_events(10, start=100), 100)), deps)
    assert later.lane in (first.lane, second.lane)


def test_events_spanning_minutes_fold_into_their_own_minutes(resources: Resources) -> None:
    events = mixed_events(40, minute="2025-01-01T12:00") + mixed_events(
        40, start=40, minute="2025-01-01T12:01"
    )
    outcome = process_batch(kinesis_event(records_for(events)), resources.dependencies())
    assert len(outcome.stored) == 80
    assert_matches_truth(resources, events)
    items = actual_items(resources.dynamodb, resources.aggregates_table)
    minutes = {whole_minute(i["minute"]["S"]) for i in items}
    assert minutes == {"2025-01-01T12:00Z", "2025-01-01T12:01Z"}


def test_load_time_extrema_cost_one_request_unless_one_side_moves(resources: Resources) -> None:
    def views(start: int, load_times: list[int]) -> dict[str, Any]:
        events = [
            page_view(eventId=f"v{start + i}", loadTime=value, timestamp="2025-01-01T12:00:30Z")
            for i, value in enumerate(load_times)
        ]
        return kinesis_event(records_for(events, start))

    deps = resources.dependencies()
    # GIVEN a first batch for the minute: one transaction + one update sets min and max
    first = process_batch(views(0, [500, 900]), deps)
    assert first.dynamodb_requests == 2
    # WHEN a batch moves neither: this warm container knows it, no update request at all
    assert process_batch(views(10, [600, 700]), deps).dynamodb_requests == 1
    # WHEN the same lane's item is written by a container that knows nothing of it (as after
    # its bounds were evicted) and the batch moves neither: one refused update request
    assert process_batch(views(15, [650, 750]), forgetful(deps)).dynamodb_requests == 2
    # WHEN a batch moves only the maximum: this container knows the minimum cannot improve,
    # so it updates the maximum alone
    assert process_batch(views(20, [800, 1200]), deps).dynamodb_requests == 2
    # WHEN a container knowing nothing sees a batch moving only the maximum: the failed
    # combined update is narrowed to max
    assert process_batch(views(25, [800, 1300]), forgetful(deps)).dynamodb_requests == 3
    # THEN min and max of the lane's partial item (the only one of the minute) are exact
    item = resources.dynamodb.get_item(
        TableName=resources.aggregates_table,
        Key={
            "metricKey": {"S": "loadtime"},
            "minute": {"S": partial_minute("2025-01-01T12:00Z", first.lane)},
        },
    )["Item"]
    assert (item["min"]["N"], item["max"]["N"], item["count"]["N"]) == ("500", "1300", "10")
    assert partial_items(resources.dynamodb, resources.aggregates_table)[
        ("loadtime", "2025-01-01T12:00Z")
    ] == [first.lane]


def forgetful(deps: Dependencies) -> Dependencies:
    """The same process's lanes with nothing known of the stored extremes."""
    return replace(deps, known_extrema=KnownExtrema())


def test_a_skipped_extrema_update_never_hides_a_more_extreme_value(resources: Resources) -> None:
    def views(start: int, load_times: list[int]) -> dict[str, Any]:
        events = [
            page_view(eventId=f"x{start + i}", loadTime=value, timestamp="2025-01-01T13:00:30Z")
            for i, value in enumerate(load_times)
        ]
        return kinesis_event(records_for(events, start))

    # GIVEN container A has written and so knows the minute's extremes 500..900
    container_a = resources.dependencies()
    process_batch(views(0, [500, 900]), container_a)
    # AND a writer of the same lane's item that A does not hear of widens them to 100..2000
    process_batch(views(10, [100, 2000]), forgetful(container_a))
    # AND another container writes its own lane's item
    process_batch(views(40, [300, 3000]), resources.dependencies())
    # WHEN A sees a batch inside what it knows (skipped) and one outside it (written)
    assert process_batch(views(20, [600, 700]), container_a).dynamodb_requests == 1
    process_batch(views(30, [50, 950]), container_a)
    # THEN the merged extremes are the true ones over every batch, in two partial items
    merged = actual_aggregates(resources.dynamodb, resources.aggregates_table)
    item = merged[("loadtime", "2025-01-01T13:00Z")]
    assert (item["min"], item["max"], item["count"]) == (50, 3000, 10)
    lanes = partial_items(resources.dynamodb, resources.aggregates_table)
    assert len(lanes[("loadtime", "2025-01-01T13:00Z")]) == 2
