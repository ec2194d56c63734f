"""Property test on the emulator: any batch ends with each record stored XOR quarantined."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processor.batch import process_batch
from processor.metrics import send_custom_metrics
from processor.quarantine import KEY_PREFIX
from tests.integration.processor.tables import Resources
from tests.unit.processor.factories import FACTORIES, kinesis_event, kinesis_record
from tests.unit.processor.test_properties import json_values

pytestmark = pytest.mark.emulator

payloads = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.tuples(st.sampled_from(FACTORIES), st.dictionaries(st.text(max_size=8), json_values)).map(
        lambda pair: json.dumps(pair[0](**pair[1])).encode()
    ),
    st.tuples(st.sampled_from(FACTORIES), st.integers(0, 5)).map(
        lambda pair: json.dumps(pair[0](eventId=f"dup-{pair[1]}")).encode()
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(payloads, min_size=1, max_size=25))
def test_every_record_is_stored_or_quarantined(resources: Resources, batch: list[bytes]) -> None:
    # GIVEN arbitrary records on a shard of their own (isolates the quarantine keys)
    shard = f"shardId-{uuid.uuid4().hex[:12]}"
    records = [kinesis_record(raw, i, shard=shard) for i, raw in enumerate(batch)]
    # WHEN the batch is processed
    outcome = process_batch(kinesis_event(records), resources.dependencies())
    # AND its metrics are emitted without error
    lines: list[str] = []
    send_custom_metrics(outcome, emit=lines.append)
    assert lines
    # THEN nothing failed and each record has exactly one fate
    assert outcome.failed == []
    quarantined = {seq for seq, _ in outcome.quarantined}
    stored = {p.ref.sequence_number for p in [*outcome.stored, *outcome.duplicates]}
    sequence_numbers = {r["kinesis"]["sequenceNumber"] for r in records}
    assert quarantined.isdisjoint(stored)
    assert quarantined | stored == sequence_numbers
    # AND the stores agree: an item for each stored record, an object for each quarantined one
    dynamodb = resources.dynamodb
    for prepared in [*outcome.stored, *outcome.duplicates]:
        key = {
            "eventId": {"S": prepared.event.event_id},
            "timestamp": {"S": prepared.event.timestamp},
        }
        assert "Item" in dynamodb.get_item(TableName=resources.results_table, Key=key)
    s3 = resources.s3
    listed: list[dict[str, Any]] = s3.list_objects_v2(
        Bucket=resources.bucket, Prefix=f"{KEY_PREFIX}/"
    ).get("Contents", [])
    in_bucket = {
        o["Key"].rsplit("/", 1)[1].removesuffix(".json") for o in listed if f"/{shard}/" in o["Key"]
    }
    assert in_bucket == quarantined
