"""Record decoding: base64 -> bytes -> validated event, each failure with its own reason."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from processor.model import MAX_EVENT_BYTES, validate_record
from processor.pipeline import decode_base64, record_ref
from processor.types import MalformedEventError, Reason, Rejection, ValidEvent
from tests.unit.processor.factories import SHARD, kinesis_record, sequence_number

ARRIVAL = datetime(2025, 1, 1, tzinfo=UTC).timestamp()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_payload(data: str) -> ValidEvent | Rejection:
    raw = decode_base64(data)
    return raw if isinstance(raw, Rejection) else validate_record(raw, arrival=ARRIVAL)


def test_object_decodes_with_exact_decimals() -> None:
    # GIVEN a purchase with a float WHEN decoded THEN the float is an exact Decimal
    payload = (
        b'{"eventType":"purchase","userId":"u","amount":99.99,"currency":"USD","itemsCount":2}'
    )
    event = decode_payload(b64(payload))
    assert isinstance(event, ValidEvent)
    assert event.fields == {"amount": Decimal("99.99"), "currency": "USD", "itemsCount": 2}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not base64!", Reason.NOT_BASE64),
        ("abc", Reason.NOT_BASE64),
        (b64(b"\xff\xfe\x00"), Reason.NOT_UTF8),
        (b64(b"{nope"), Reason.NOT_JSON),
        (b64(b'{"a": NaN}'), Reason.NOT_JSON),
        (b64(b'{"a": Infinity}'), Reason.NOT_JSON),
        (b64(b"[" * 5000 + b"]" * 5000), Reason.NOT_JSON),
        (b64(b"[1, 2]"), Reason.NOT_OBJECT),
        (b64(b'"text"'), Reason.NOT_OBJECT),
        (b64(b"null"), Reason.NOT_OBJECT),
        (b64(b""), Reason.NOT_JSON),
    ],
)
def test_each_decoding_failure_has_its_reason(data: str, reason: Reason) -> None:
    result = decode_payload(data)
    assert isinstance(result, Rejection)
    assert result.reason is reason
    assert result.detail


def test_size_limit_is_inclusive() -> None:
    # GIVEN payloads exactly at and one byte over the limit
    at_limit = b'{"a":"' + b"x" * (MAX_EVENT_BYTES - 8) + b'"}'
    assert len(at_limit) == MAX_EVENT_BYTES
    # (not an event, but not refused for its size either)
    assert decode_payload(b64(at_limit)) == Rejection(
        Reason.MISSING_FIELD, "required field eventType is missing"
    )
    over = decode_payload(b64(at_limit + b" "))
    assert isinstance(over, Rejection)
    assert over.reason is Reason.OVERSIZE


def test_huge_payload_is_refused_before_decoding() -> None:
    result = decode_payload("A" * (MAX_EVENT_BYTES * 2))
    assert isinstance(result, Rejection)
    assert result.reason is Reason.OVERSIZE


def test_record_ref_reads_stream_position() -> None:
    record = kinesis_record({"a": 1}, 7, arrival=1_735_732_800.5)
    ref = record_ref(record)
    assert ref.shard_id == SHARD
    assert ref.sequence_number == sequence_number(7)
    assert ref.partition_key == "pk-0"
    assert ref.arrival == datetime(2025, 1, 1, 12, 0, 0, 500000, tzinfo=UTC).timestamp()
    assert ref.data_base64 == record["kinesis"]["data"]


@pytest.mark.parametrize("record", [{}, {"kinesis": {"data": "x"}}, {"kinesis": None}])
def test_record_ref_refuses_non_kinesis_records(record: dict[str, object]) -> None:
    with pytest.raises(MalformedEventError):
        record_ref(record)
