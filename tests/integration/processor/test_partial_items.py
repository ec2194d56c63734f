"""Against MiniStack: readers merge a minute's partial items, including pre-lane items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from devtools import aggregates as agg
from devtools.query import query_aggregates
from processor.batch import process_batch
from tests.integration.processor.tables import Resources
from tests.integration.processor.truth import actual_aggregates, expected
from tests.unit.processor.factories import kinesis_event, kinesis_record, page_view

pytestmark = pytest.mark.emulator

MINUTE = "2025-01-01T12:00Z"


def views(start: int, load_times: list[int]) -> list[dict[str, Any]]:
    return [
        page_view(
            eventId=f"pv{start + i}", loadTime=value, deviceType="desktop",
            timestamp=f"2025-01-01T12:00:{start + i:02d}Z",
        )
        for i, value in enumerate(load_times)
    ]  # fmt: skip


def test_items_written_before_lanes_read_as_one_more_partial(resources: Resources) -> None:
    # GIVEN a table of a stack updated in place: the old layout wrote one item per minute
    old = views(0, [900, 2500])
    client = resources.dynamodb
    for metric, values in {
        "events#page_view#desktop": {"count": "2"},
        "loadtime": {"count": "2", "sum": "3400", "min": "900", "max": "2500", "le900": "1",
                     "le2500": "1"},
    }.items():  # fmt: skip
        item = {"metricKey": {"S": metric}, "minute": {"S": MINUTE}}
        item |= {name: {"N": number} for name, number in values.items()}
        client.put_item(TableName=resources.aggregates_table, Item=item)
    # WHEN the new processor adds two batches of the same minute in two lanes
    new = views(10, [120, 700]) + views(20, [5000])
    for batch in (new[:2], new[2:]):
        records = [kinesis_record(e, i) for i, e in enumerate(batch, start=len(old))]
        process_batch(kinesis_event(records), resources.dependencies())
    # THEN every reader sees the old item and the partials merged, as one item would hold them
    truth = expected(old + new).aggregates
    assert actual_aggregates(client, resources.aggregates_table) == truth
    row = agg.snapshot(client, resources.aggregates_table, [MINUTE])[("loadtime", MINUTE)]
    assert (row.values["count"], row.values["min"], row.values["max"]) == (5, 120, 5000)
    answer = query_aggregates(
        client,
        resources.aggregates_table,
        "page_view",
        minutes=1,
        until=dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC),
    )
    assert (answer.total.count, answer.total.by_device) == (5, {"desktop": 5})
    assert answer.total.load_time_count == 5
