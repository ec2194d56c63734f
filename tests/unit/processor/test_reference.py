"""The pure path against a straightforward reference: same item, contributions and rejections."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processor import model
from processor.aggregates import INF_BUCKET, LOAD_TIME_BOUNDS_MS
from processor.pipeline import Poison, Prepared, derived_event_id, prepare_record, type_shard_key
from processor.types import RecordRef, Rejection
from tests.unit.processor.factories import FACTORIES

ARRIVAL = 1_735_732_800.123  # 2025-01-01T12:00:00.123Z
TTL_DAYS = 30

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
identifier = st.from_regex(r"\A[A-Za-z0-9_.:-]{1,32}\Z")
stamps = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)).map(
    lambda moment: moment.isoformat(timespec="milliseconds") + "Z"
)
numbers = st.integers(-5, 700_000) | st.floats(-1, 700_000).map(lambda x: round(x, 4))
# Mostly valid values, so that most examples reach the item and its contributions.
values: dict[str, Any] = {
    "userId": text, "eventId": text | st.none(), "sessionId": text | st.none(),
    "timestamp": stamps | st.none() | st.sampled_from(["2025-01-01T13:00:00+01:00", "2025-1-1"]),
    "deviceType": st.sampled_from(["desktop", "mobile", "tablet", "other", "phone"]) | st.none(),
    "pageUrl": text | st.sampled_from(["/a?b#c", "https://x.test/p/q?r=1", "//host/x", "http://[::1"]),
    "loadTime": numbers, "sessionLength": numbers | st.none(), "pagesViewed": numbers | st.none(),
    "amount": numbers, "currency": st.sampled_from(["USD", "EUR", "usd", "XTS"]),
    "itemsCount": numbers, "paymentMethod": identifier | text | st.none(),
    "signupMethod": identifier, "campaignSource": text | st.none(),
    "marketingConsent": st.booleans() | st.none(),
    "elementId": text, "elementType": identifier | st.none(),
    "errorType": identifier, "errorMessage": text,
}  # fmt: skip


def reference_attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": format(Decimal(value), "f")}
    return {"S": value}


def reference_bucket(value: Decimal) -> str:
    return next((f"le{bound}" for bound in LOAD_TIME_BOUNDS_MS if value <= bound), INF_BUCKET)


def reference(raw: bytes, ref: RecordRef) -> Any:
    """What the pipeline must produce, written plainly: the careful validation path, then the
    item and the contributions straight from the event type's declaration."""
    document = json.loads(raw, parse_float=Decimal)
    default_id = derived_event_id(ref.shard_id, ref.sequence_number)
    event = model.validate_document(document, default_event_id=default_id, arrival=ref.arrival)
    if isinstance(event, Rejection):
        return event
    declared = model.get(event.event_type)
    assert declared is not None
    derived = declared.derive(event.fields)
    values = {**derived, **event.fields}
    item = {
        "eventId": {"S": event.event_id},
        "timestamp": {"S": event.timestamp},
        "eventType": {"S": event.event_type},
        "eventTypeShard": {"S": type_shard_key(event.event_type, event.event_id)},
        "userId": {"S": event.user_id},
        "deviceType": {"S": event.device_type},
        "minute": {"S": event.timestamp[:16] + "Z"},
        "expiresAt": {"N": str(int(ref.arrival) + TTL_DAYS * 86_400)},
        "shardId": {"S": ref.shard_id},
        "sequenceNumber": {"S": ref.sequence_number},
        **({"sessionId": {"S": event.session_id}} if event.session_id is not None else {}),
        **{name: reference_attribute(value) for name, value in values.items()},
    }
    minute = event.minute
    adds = [((f"events#{event.event_type}#{event.device_type}", minute), "count", 1)]
    extreme = None
    family = declared.family
    if family is not None:
        key = ("#".join([family.name, *(str(values[d]) for d in family.dimensions)]), minute)
        adds.append((key, "count", 1))
        if family.sums:
            adds.append((key, "sum", Decimal(values[family.sums])))
        if family.histogram:
            measured = Decimal(values[family.histogram])
            adds.append((key, reference_bucket(measured), 1))
            extreme = (key, measured)
    return event, derived, item, tuple(adds), extreme


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(FACTORIES), st.data())
def test_pure_path_matches_the_reference(factory: Any, data: st.DataObject) -> None:
    # GIVEN an event of each type with generated, mostly valid values
    event = factory()
    for name in [*event, "eventId", "sessionId", "deviceType"]:
        if name in values and data.draw(st.booleans()):
            event[name] = data.draw(values[name], label=name)
    raw = json.dumps({k: v for k, v in event.items() if v is not None}).encode()
    ref = RecordRef("shardId-000000000003", "49" + "7" * 54, "pk", ARRIVAL, "")
    ref = ref._replace(data_base64=base64.b64encode(raw).decode())
    # WHEN the pipeline prepares it
    outcome = prepare_record(ref, ttl_days=TTL_DAYS)
    # THEN it is exactly what the plain reference gives
    expected = reference(raw, ref)
    if isinstance(outcome, Poison):
        assert outcome.rejection == expected
        return
    assert isinstance(outcome, Prepared)
    assert (outcome.event, outcome.derived, outcome.item) == expected[:3]
    assert outcome.contributions == expected[3]
    assert outcome.extreme == expected[4]
