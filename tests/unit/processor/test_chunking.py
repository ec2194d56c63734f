"""Chunk planning: action limits, one chunk per event, lanes that share no aggregates item."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processor.pipeline import AggregateKey, Prepared
from processor.store import MAX_ACTIONS, Lane, coalesce, plan_chunks, plan_lanes
from tests.unit.processor.factories import FACTORIES, mixed_events, page_view
from tests.unit.processor.test_folding import prepared


def actions(chunk: list[Prepared]) -> int:
    return len(chunk) + len(coalesce(chunk))


def lane_keys(lane: Lane) -> set[AggregateKey]:
    return {key for chunk in lane for prepared in chunk for key, _, _ in prepared.contributions}


def assert_well_planned(events: list[Prepared], lanes: list[Lane]) -> None:
    """Each event once, each chunk within the limit, no aggregates item in two lanes."""
    chunks = [chunk for lane in lanes for chunk in lane]
    assert sorted(id(p) for chunk in chunks for p in chunk) == sorted(id(p) for p in events)
    assert all(chunk and actions(chunk) <= MAX_ACTIONS for chunk in chunks)
    seen: set[AggregateKey] = set()
    for lane in lanes:
        keys = lane_keys(lane)
        assert not keys & seen, "two lanes update the same aggregates item"
        seen |= keys
    sizes = [sum(len(chunk) for chunk in lane) for lane in lanes]
    assert sizes == sorted(sizes)


def test_chunks_respect_the_action_limit_and_hold_each_event_once() -> None:
    events = [prepared(e, i) for i, e in enumerate(mixed_events(250))]
    chunks = plan_chunks(events)
    flat = [p for chunk in chunks for p in chunk]
    assert sorted(id(p) for p in flat) == sorted(id(p) for p in events)
    assert all(actions(chunk) <= MAX_ACTIONS for chunk in chunks)
    # events touching the same aggregates items keep their stream order
    clicks = [p.ref.sequence_number for p in flat if p.event.event_type == "click"]
    assert clicks == sorted(clicks)


def test_a_mixed_batch_becomes_two_independent_balanced_transactions() -> None:
    # GIVEN 100 mixed events of one minute, touching 22 distinct aggregates items
    events = [prepared(e, i) for i, e in enumerate(mixed_events(100))]
    distinct = len(coalesce(events))
    assert distinct == 22
    # WHEN planned
    lanes = plan_lanes(events)
    # THEN two lanes of one chunk each, every item updated exactly once (split in stream
    # order, each half would update nearly all 22), and neither chunk nearly empty
    assert [len(lane) for lane in lanes] == [1, 1]
    assert_well_planned(events, lanes)
    assert sum(len(coalesce(lane[0])) for lane in lanes) == distinct
    assert len(coalesce(events[:60])) + len(coalesce(events[60:])) > distinct + 10
    assert min(actions(lane[0]) for lane in lanes) >= 40
    # AND within a chunk the events keep their stream order
    for lane in lanes:
        order = [p.ref.sequence_number for p in lane[0]]
        assert order == sorted(order)


def test_a_group_too_big_for_one_transaction_gets_its_own_ordered_lane() -> None:
    # GIVEN 150 page views of one minute (all share the minute's load-time item) and 10 clicks
    views = [prepared(page_view(eventId=f"pv-{n}", loadTime=100 + n), n) for n in range(150)]
    clicks = [prepared(e, 200 + i) for i, e in enumerate(mixed_events(10)) if i % 5 == 3]
    # WHEN planned
    lanes = plan_lanes(views + clicks)
    # THEN the clicks' lane comes first, the page views' lane holds two chunks written in order
    assert_well_planned(views + clicks, lanes)
    assert [len(lane) for lane in lanes] == [1, 2]
    assert {p.event.event_type for p in lanes[0][0]} == {"click"}


def test_no_events_no_lanes() -> None:
    assert plan_lanes([]) == []


@st.composite
def batches(draw: st.DrawFn) -> list[Prepared]:
    """Events of every type over a few minutes, devices and dimension values."""
    count = draw(st.integers(min_value=1, max_value=260))
    events: list[Prepared] = []
    for n in range(count):
        factory = draw(st.sampled_from(FACTORIES))
        minute = draw(st.sampled_from(("12:00", "12:01", "12:07")))
        overrides: dict[str, Any] = {
            "eventId": f"e-{n}",
            "timestamp": f"2025-01-01T{minute}:{n % 60:02d}Z",
            "deviceType": draw(st.sampled_from(("desktop", "mobile", "tablet"))),
        }
        if factory is not page_view:  # fields of other types are ignored by validation
            overrides |= {
                "elementId": f"el-{draw(st.integers(0, 30))}",
                "errorType": draw(st.sampled_from(("javascript", "network", "timeout"))),
            }
        events.append(prepared(factory(**overrides), n))
    return events


@settings(max_examples=60, deadline=None)
@given(batches())
def test_any_batch_is_planned_into_independent_lanes(events: list[Prepared]) -> None:
    assert_well_planned(events, plan_lanes(events))
