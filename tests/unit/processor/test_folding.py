"""Aggregates folding and coalescing into transaction actions."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from processor import aggregates as agg
from processor.events import RecordRef
from processor.folding import fold
from processor.pipeline import Prepared, prepare_record
from processor.store import StoreTarget, coalesce, dedupe, transaction_items
from tests.unit.processor.factories import click, error, mixed_events, page_view, purchase, signup

MINUTE = "2025-01-01T12:00Z"


def prepared(data: dict[str, Any], index: int = 0) -> Prepared:
    ref = RecordRef(
        shard_id="shardId-000000000000",
        sequence_number=f"{index:056d}",
        partition_key="pk",
        arrival=datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
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
    folded = fold((p.event, p.derived) for p in events)
    one = Decimal(1)
    assert folded.deltas == {
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
    assert folded.extrema[MINUTE].minimum == folded.extrema[MINUTE].maximum == 1200


def test_folding_sums_exactly_and_tracks_extrema() -> None:
    events = [
        prepared(purchase(amount=0.1, timestamp="2025-01-01T12:00:01Z")),
        prepared(purchase(amount=0.2, timestamp="2025-01-01T12:00:59Z")),
        prepared(page_view(loadTime=50, timestamp="2025-01-01T12:00:10Z")),
        prepared(page_view(loadTime=70000, timestamp="2025-01-01T12:00:20Z")),
        prepared(page_view(loadTime=300, timestamp="2025-01-01T12:01:00Z")),
    ]
    folded = fold((p.event, p.derived) for p in events)
    assert folded.deltas[("revenue#USD", MINUTE)] == {"sum": Decimal("0.3"), "count": 2}
    assert folded.deltas[("loadtime", MINUTE)] == {
        "count": 2,
        "sum": Decimal(70050),
        "le50": 1,
        "leInf": 1,
    }
    assert folded.extrema[MINUTE].minimum == 50
    assert folded.extrema[MINUTE].maximum == 70000
    assert folded.extrema["2025-01-01T12:01Z"].minimum == 300


def test_merge_of_folds_equals_fold_of_all() -> None:
    events = [prepared(e, i) for i, e in enumerate(mixed_events(30))]
    whole = fold((p.event, p.derived) for p in events)
    left = fold((p.event, p.derived) for p in events[:13])
    left.merge(fold((p.event, p.derived) for p in events[13:]))
    assert left.deltas == whole.deltas
    assert {m: (e.minimum, e.maximum) for m, e in left.extrema.items()} == {
        m: (e.minimum, e.maximum) for m, e in whole.extrema.items()
    }


def test_coalesce_matches_fold() -> None:
    events = [prepared(e, i) for i, e in enumerate(mixed_events(40))]
    assert coalesce(events) == fold((p.event, p.derived) for p in events).deltas


def test_transaction_has_conditional_puts_then_one_add_per_item() -> None:
    events = [prepared(e, i) for i, e in enumerate(mixed_events(10))]
    actions = transaction_items(events, StoreTarget("results", "aggregates"))
    puts = [a["Put"] for a in actions[:10]]
    updates = [a["Update"] for a in actions[10:]]
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
    firsts, copies = dedupe([first, again, other])
    assert firsts == [first, other]
    assert copies == {id(again): first}


def test_bucket_attribute_boundaries() -> None:
    assert agg.bucket_attribute(0) == "le50"
    assert agg.bucket_attribute(50) == "le50"
    assert agg.bucket_attribute(Decimal("50.001")) == "le100"
    assert agg.bucket_attribute(60000) == "le60000"
    assert agg.bucket_attribute(60001) == "leInf"
