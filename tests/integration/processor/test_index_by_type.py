"""The write-sharded byEventType index: the processor writes the key, readers fan out and merge."""

from __future__ import annotations

from collections import Counter

import pytest

from devtools.replay.results import _query_type, stored_events
from processor.batch import process_batch
from processor.pipeline import type_shard_key
from tests.integration.processor.tables import Resources
from tests.unit.processor.factories import kinesis_event, kinesis_record, mixed_events

pytestmark = pytest.mark.emulator
WINDOW = ("2025-01-01T12:00:00.000Z", "2025-01-01T12:59:59.999Z")


def test_query_by_type_reads_every_shard_in_timestamp_order(resources: Resources) -> None:
    # GIVEN 200 events of five types stored by the processor
    events = mixed_events(200)
    outcome = process_batch(
        kinesis_event([kinesis_record(e, i) for i, e in enumerate(events)]),
        resources.dependencies(),
    )
    assert outcome.failed == []
    client = resources.dynamodb
    # THEN each item carries its shard key
    sample = events[7]
    item = client.get_item(
        TableName=resources.results_table,
        Key={"eventId": {"S": sample["eventId"]}, "timestamp": {"S": sample["timestamp"]}},
    )["Item"]
    assert item["eventTypeShard"] == {"S": type_shard_key(sample["eventType"], sample["eventId"])}
    # AND a query by type finds every event of that type, across shards, in timestamp order
    purchases = list(_query_type(client, resources.results_table, "purchase", WINDOW))
    wanted = sorted((e["timestamp"], e["eventId"]) for e in events if e["eventType"] == "purchase")
    assert [(i["timestamp"]["S"], i["eventId"]["S"]) for i in purchases] == wanted
    # (more than one shard was involved, or the test would prove nothing about the merge)
    assert len({i["eventTypeShard"]["S"] for i in purchases}) > 1
    # AND the replay's read-back counts all of them by type
    found = stored_events(
        client,
        resources.results_table,
        event_ids={e["eventId"] for e in events},
        window=WINDOW,
    )
    assert found.by_type == dict(sorted(Counter(e["eventType"] for e in events).items()))
