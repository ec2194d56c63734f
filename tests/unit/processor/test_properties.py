"""Property tests of the pure path: any payload ends as a rejection or a storable event."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processor.pipeline import Poison, Prepared, prepare_record
from processor.types import Reason, RecordRef
from tests.unit.processor.factories import FACTORIES

ARRIVAL = datetime(2025, 1, 1, 12, 0, tzinfo=UTC).timestamp()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "eventType", "userId", "eventId", "timestamp", "sessionId", "deviceType", "pageUrl",
        "loadTime", "sessionLength", "pagesViewed", "amount", "currency", "itemsCount",
        "paymentMethod", "signupMethod", "campaignSource", "marketingConsent", "elementId",
        "elementType", "errorType", "errorMessage",
    ]
)  # fmt: skip


def ref_for(raw: bytes, data_base64: str | None = None) -> RecordRef:
    return RecordRef(
        shard_id="shardId-000000000001",
        sequence_number="1",
        partition_key="pk",
        arrival=ARRIVAL,
        data_base64=base64.b64encode(raw).decode() if data_base64 is None else data_base64,
    )


def check_outcome(outcome: Poison | Prepared) -> None:
    """A rejection has a known reason; a prepared event has a storable item and keys."""
    if isinstance(outcome, Poison):
        assert outcome.rejection.reason in Reason
        assert outcome.rejection.detail
        return
    item = outcome.item
    assert item["eventId"]["S"]
    assert str(item["timestamp"]["S"]).endswith("Z")
    for value in item.values():
        ((kind, payload),) = value.items()
        assert kind in ("S", "N", "BOOL")
        if kind == "S":
            assert isinstance(payload, str)
            assert payload.strip()
            assert len(payload.encode()) <= 4 * 2048
        if kind == "N":
            assert "E" not in str(payload).upper()
    for (metric_key, minute), _, _ in outcome.contributions:
        assert len(metric_key.encode()) <= 2048
        assert len(minute) == len("2025-01-01T12:00Z")


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    check_outcome(prepare_record(ref_for(raw), ttl_days=30))


@given(st.text(max_size=80))
def test_arbitrary_base64_text_never_raises(text: str) -> None:
    check_outcome(prepare_record(ref_for(b"", data_base64=text), ttl_days=30))


@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    check_outcome(prepare_record(ref_for(json.dumps(value).encode()), ttl_days=30))


@settings(max_examples=300)
@given(
    st.sampled_from(FACTORIES),
    st.dictionaries(field_names, json_values | st.text(max_size=3000), max_size=4),
)
def test_mutated_valid_events_never_raise(factory: Any, changes: dict[str, Any]) -> None:
    # GIVEN a valid event with some fields replaced by arbitrary JSON values
    check_outcome(prepare_record(ref_for(json.dumps(factory(**changes)).encode()), ttl_days=30))
