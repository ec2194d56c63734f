"""The pure-path floor of the processor benchmark makes the processor's very outputs, or says so."""

from __future__ import annotations

import pytest

from bench.pure_floor import TTL_DAYS, check_same, floor_path
from processor.pipeline import Prepared, prepare_record, record_ref
from tests.unit.processor.factories import kinesis_record, mixed_events, page_view


def _page_view_records(count: int) -> list[dict[str, object]]:
    events = [e for e in mixed_events(count) if e["eventType"] == "page_view"]
    return [kinesis_record(event, index) for index, event in enumerate(events)]


def test_the_floor_gives_the_processors_items_contributions_and_extremes() -> None:
    records = _page_view_records(200)
    assert len(records) == 40
    check_same(records)  # raises on the first record that differs
    item, adds, extreme = floor_path(records[:1])[0]
    prepared = prepare_record(record_ref(records[0]), ttl_days=TTL_DAYS)
    assert isinstance(prepared, Prepared)
    assert (item, adds, extreme) == (prepared.item, prepared.contributions, prepared.extreme)


def test_a_record_the_floor_does_not_handle_like_the_processor_stops_the_benchmark() -> None:
    # The processor stores the path of a URL with a query; the floor takes URLs as bare paths.
    query = page_view(
        pageUrl="/search?q=shoes", eventId="e-1", timestamp="2025-01-01T12:00:00.000Z"
    )
    with pytest.raises(AssertionError, match="differs from the processor"):
        check_same([kinesis_record(query, 0)])
    # A timestamp the processor normalises is one the floor does not take at all.
    offset = page_view(eventId="e-2", timestamp="2025-01-01T13:00:00+01:00")
    with pytest.raises(AssertionError, match="the floor cannot take"):
        check_same([kinesis_record(offset, 1)])
