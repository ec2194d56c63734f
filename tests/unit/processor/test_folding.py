"""Aggregates folding and coalescing into transaction actions."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from processor import aggregates as agg
from processor.known_extrema import batch_extrema
from processor.pipeline import Prepared, prepare_record
from processor.store import StoreTarget, coalesce, dedupe, transaction_items
from processor.types import RecordRef
from tests.unit.processor.factories import click, error, mixed_events, page_view, purchase, signup

MINUTE = "2025-01-01T12:00Z"


def prepared(data: dict[str, Any], index: int = 0) -> Prepared:
    ref = RecordRef(
        shard_id="shardId-000000000000",
        sequence_number=f"{index:056d}",
        partition_key="pk",
        arrival=datetime(2025, 1, 1, 12, 0, tzinfo=UTC).timestamp(),
        data_base64=base64.b64encode(json.dumps(data).encode()).decode(),
    )
    outcome = prepare_record(ref, ttl_days=30)
    assert isinstance(outcome, Prepared), outcome
    return outcome


def test_contributions_per_type() -> None:
    # GIVEN one event of each type WHEN folded THEN each lands in its documented items
    events = [
        prepared(page_view(loadTime=1200)),
        prepared(purchase(amount=99.99, currency="EUR")),
        prepared(signup(campaignSource="Google")),
        prepared(click(elementId="cta-button")),
        prepared(error(errorType="javascript", pageUrl="/checkout?step=2")),
    ]
    one = Decimal(1)
    assert coalesce(events) == {
        ("events#page_view#desktop", MINUTE): {"count": one},
        ("events#purchase#unknown", MINUTE): {"count": one},
        ("events#user_signup#unknown", MINUTE): {"count": one},
        ("events#click#unknown", MINUTE): {"count": one},
        ("events#error#unknown", MINUTE): {"count": one},
        ("loadtime", MINUTE): {"count": one, "sum": Decimal(1200), "le1250": one},
        ("revenue#EUR", MINUTE): {"sum": Decimal("99.99"), "count": one},
        ("signups#google", MINUTE): {"count": one},
        ("clicks#cta-button", MINUTE): {"count": one},
        ("errors#javascript#/checkout", MINUTE): {"count": one},
    }
    extrema = batch_extrema(events)
    assert extrema[("loadtime", MINUTE)].minimum == extrema[("loadtime", MINUTE)].maximum == 1200


def test_folding_sums_exactly_and_tracks_extrema() -> None:
    events = [
        prepared(purchase(amount=0.1, timestamp="2025-01-01T12:00:01Z")),
        prepared(purchase(amount=0.2, timestamp="2025-01-01T12:00:59Z")),
        prepared(page_view(loadTime=50, timestamp="2025-01-01T12:00:10Z")),
        prepared(page_view(loadTime=70000, timestamp="2025-01-01T12:00:20Z")),
        prepared(page_view(loadTime=300, timestamp="2025-01-01T12:01:00Z")),
    ]
    deltas = coalesce(events)
    assert deltas[("revenue#USD", MINUTE)] == {"sum": Decimal("0.3"), "count": 2}
    assert deltas[("loadtime", MINUTE)] == {
        "count": 2,
        "sum": Decimal(70050),
        "le50": 1,
        "leInf": 1,
    }
    extrema = batch_extrema(events)
    assert (extrema[("loadtime", MINUTE)].minimum, extrema[("loadtime", MINUTE)].maximum) == (
        50,
        70000,
    )
    assert extrema[("loadtime", "2025-01-01T12:01Z")].minimum == 300


def test_the_parts_of_a_batch_add_up_to_the_whole() -> None:
    # What chunks and redeliveries rely on: folding parts separately loses nothing.
    events = [prepared(e, i) for i, e in enumerate(mixed_events(30, minute="2025-01-01T12:00"))]
    events += [prepared(e, 30 + i) for i, e in enumerate(mixed_events(20, start=30))]
    left, right = coalesce(events[:13]), coalesce(events[13:])
    summed = {key: dict(values) for key, values in left.items()}
    for key, values in right.items():
        for attribute, amount in values.items():
            into = summed.setdefault(key, {})
            into[attribute] = into.get(attribute, Decimal(0)) + amount
    assert summed == coalesce(events)
    parts = [batch_extrema(part) for part in (events[:13], events[13:])]
    whole = batch_extrema(events)
    for minute, bounds in whole.items():
        assert bounds.minimum == min(p[minute].minimum for p in parts if minute in p)
        assert bounds.maximum == max(p[minute].maximum for p in parts if minute in p)


def test_transaction_has_conditional_puts_then_one_add_per_item() -> None:
    events = [prepared(e, i) for i, e in enumerate(mixed_events(10))]
    actions = transaction_items(events, StoreTarget("results", "aggregates"), "0a1b2c3d4e5f")
    puts = [a["Put"] for a in actions[:10]]
    updates = [a["Update"] for a in actions[10:]]
    # every update goes to the invocation lane's partial item of its minute
    assert {u["Key"]["minute"]["S"] for u in updates} == {f"{MINUTE}/0a1b2c3d4e5f"}
    assert all(p["ConditionExpression"] == "attribute_not_exists(eventId)" for p in puts)
    assert [p["Item"]["eventId"]["S"] for p in puts] == [f"evt-{n:06d}" for n in range(10)]
    assert len(updates) == len(coalesce(events))
    assert len({(u["Key"]["metricKey"]["S"], u["Key"]["minute"]["S"]) for u in updates}) == len(
        updates
    )
    loadtime = next(u for u in updates if u["Key"]["metricKey"]["S"] == "loadtime")
    assert loadtime["UpdateExpression"].startswith("ADD #a0 :v0, ")
    assert "min" not in loadtime["ExpressionAttributeNames"].values()


def test_dedupe_keeps_the_first_of_each_key() -> None:
    first = prepared(click(eventId="same"), 1)
    again = prepared(click(eventId="same"), 2)
    other = prepared(click(eventId="same", timestamp="2025-01-01T12:00:09Z"), 3)
    firsts = dedupe([first, again, other])
    assert list(firsts.values()) == [first, other]
    assert firsts[again.key] is first


def test_bucket_attribute_boundaries() -> None:
    assert agg.bucket_attribute(0) == "le50"
    assert agg.bucket_attribute(50) == "le50"
    assert agg.bucket_attribute(Decimal("50.001")) == "le100"
    assert agg.bucket_attribute(60000) == "le60000"
    assert agg.bucket_attribute(60001) == "leInf"
