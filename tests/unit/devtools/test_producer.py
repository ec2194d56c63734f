"""Producer logic: PutRecords batching limits, encoding, input parsing, partial failures."""

from __future__ import annotations

import pytest

from devtools.errors import EventInputError, ProducerError
from devtools.producer import (
    MAX_BYTES_PER_REQUEST,
    MAX_RECORDS_PER_REQUEST,
    OutgoingRecord,
    backoff_seconds,
    batches,
    encode_event,
    parse_events,
    partition_key_for,
    split_response,
)


def test_batches_hold_at_most_500_records() -> None:
    # GIVEN 1,201 small records
    records = [OutgoingRecord(b"{}", "k") for _ in range(1201)]
    # WHEN grouped into requests
    groups = list(batches(records))
    # THEN 500 + 500 + 201, in input order, nothing lost
    assert [len(g) for g in groups] == [500, 500, 201]
    assert [i for g in groups for i in g] == list(range(1201))
    assert max(len(g) for g in groups) == MAX_RECORDS_PER_REQUEST


def test_batches_hold_at_most_5_mib() -> None:
    # GIVEN records of ~1 MiB each (the per-record maximum)
    record = OutgoingRecord(b"x" * (1024 * 1024 - 1), "k")
    # WHEN grouped
    groups = list(batches([record] * 11))
    # THEN each request stays within 5 MiB: 5 + 5 + 1
    assert [len(g) for g in groups] == [5, 5, 1]
    assert all(sum(record.size for _ in g) <= MAX_BYTES_PER_REQUEST for g in groups)


def test_default_partition_key_is_the_user_then_a_content_hash() -> None:
    assert partition_key_for({"userId": "u1", "eventId": "e1"}, b"") == "u1"
    assert partition_key_for({"eventId": "e1"}, b"") == "e1"
    # the hash is stable, so a resent event lands on the same shard
    assert partition_key_for({}, b"abc") == partition_key_for({}, b"abc")
    assert len(partition_key_for({}, b"abc")) == 32


def test_encode_event_is_compact_json_with_the_given_key() -> None:
    record = encode_event({"eventType": "click", "userId": "ü"}, "fixed")
    assert record.data == '{"eventType":"click","userId":"ü"}'.encode()
    assert record.partition_key == "fixed"


def test_encode_event_rejects_what_kinesis_would_reject() -> None:
    with pytest.raises(EventInputError, match="1-256"):
        encode_event({"a": 1}, "k" * 257)
    with pytest.raises(EventInputError, match="1 MiB"):
        encode_event({"blob": "x" * (1024 * 1024)}, "k")


def test_parse_events_accepts_jsonl_arrays_and_one_pretty_object() -> None:
    assert parse_events('{"a":1}\n\n{"a":2}\n', source="f") == [{"a": 1}, {"a": 2}]
    assert parse_events('[{"a":1},\n {"a":2}]', source="f") == [{"a": 1}, {"a": 2}]
    assert parse_events('{\n  "a": 1\n}', source="f") == [{"a": 1}]


def test_parse_events_names_the_bad_line() -> None:
    with pytest.raises(EventInputError, match=r"events\.jsonl:2: invalid JSON"):
        parse_events('{"a":1}\n{"a":\n', source="events.jsonl")
    with pytest.raises(EventInputError, match="no events"):
        parse_events("  \n", source="empty.jsonl")


def test_split_response_keeps_successes_and_returns_failed_entries_for_retry() -> None:
    # GIVEN PutRecords' answer (documented shape) for records 7, 8, 9 where 8 was throttled
    entries = [
        {"ShardId": "shardId-000000000000", "SequenceNumber": "1"},
        {
            "ErrorCode": "ProvisionedThroughputExceededException",
            "ErrorMessage": "Rate exceeded for shard",
        },
        {"ShardId": "shardId-000000000001", "SequenceNumber": "2"},
    ]
    # WHEN split
    succeeded, failed, errors = split_response([7, 8, 9], entries, attempt=2)
    # THEN the successes keep their input index and shard/sequence; only 8 is retried
    assert [(r.index, r.shard_id, r.sequence_number, r.attempts) for r in succeeded] == [
        (7, "shardId-000000000000", "1", 2),
        (9, "shardId-000000000001", "2", 2),
    ]
    assert failed == [8]
    assert errors == ["ProvisionedThroughputExceededException: Rate exceeded for shard"]


def test_split_response_refuses_a_mismatched_answer() -> None:
    with pytest.raises(ProducerError, match="answered 1 entries for 2"):
        split_response([0, 1], [{"ShardId": "s", "SequenceNumber": "1"}], attempt=1)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    delays = [backoff_seconds(attempt) for attempt in range(1, 10)]
    assert delays[:3] == [0.05, 0.1, 0.2]
    assert delays == sorted(delays)
    assert max(delays) == 2.0
