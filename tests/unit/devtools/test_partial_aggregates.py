"""Partial aggregates items: each invocation lane's share of a minute, merged on read."""

from __future__ import annotations

import random

from devtools import aggregates as agg
from devtools.aggregates import whole_minute
from processor.aggregates import partial_minute
from tests.unit.devtools.test_aggregates import loadtime_item

MINUTE = "2025-01-01T12:00Z"


def test_a_partial_sort_key_keeps_its_minute() -> None:
    sort_key = partial_minute(MINUTE, "0a1b2c3d4e5f.1")
    assert sort_key == f"{MINUTE}/0a1b2c3d4e5f.1"
    assert sort_key.startswith(MINUTE)  # a minute's partials are one begins_with away
    assert whole_minute(sort_key) == MINUTE
    assert whole_minute(MINUTE) == MINUTE
    assert agg.decode_item(loadtime_item(sort_key, [10])).minute == MINUTE


def test_partials_merge_to_the_figures_one_item_would_hold() -> None:
    # GIVEN load times spread over four lanes' partial items of one minute
    rng = random.Random(7)
    values = [rng.randint(1, 90_000) for _ in range(400)]
    partials = [
        agg.decode_item(loadtime_item(partial_minute(MINUTE, f"lane{n}"), values[n::4]))
        for n in range(4)
    ]
    # WHEN merged as every reader merges them
    merged = agg.merge_partials(partials)
    # THEN one row per (metricKey, minute), equal to the single item of all the values
    whole = agg.decode_item(loadtime_item(MINUTE, values))
    assert list(merged) == [("loadtime", MINUTE)]
    row = merged[("loadtime", MINUTE)]
    assert row.values == whole.values  # count and sum add, min of mins, max of maxes
    assert (row.values["min"], row.values["max"]) == (min(values), max(values))
    assert row.histogram == whole.histogram
    assert agg.load_time_percentiles(row) == agg.load_time_percentiles(whole)
    # AND the item's attribute names come back from the merged row
    assert agg.attributes(row) == agg.attributes(whole)
    assert agg.attributes(row)["count"] == 400


def test_an_item_written_before_lanes_is_one_more_partial() -> None:
    # GIVEN a table of an existing stack: a bare-minute item next to lanes' partial items
    later = "2025-01-01T12:01Z"
    rows = [
        agg.decode_item(loadtime_item(MINUTE, [400, 900])),  # written before lanes
        agg.decode_item(loadtime_item(partial_minute(MINUTE, "aa"), [10])),
        agg.decode_item(loadtime_item(partial_minute(later, "aa"), [20, 30])),
        agg.decode_item(loadtime_item(partial_minute(later, "bb"), [40])),
    ]
    # WHEN merged
    merged = agg.merge_partials(rows)
    # THEN the old item counts in its minute, and minutes stay apart
    counts = {key: int(row.values["count"]) for key, row in merged.items()}
    assert counts == {("loadtime", MINUTE): 3, ("loadtime", later): 3}
    assert (
        merged[("loadtime", MINUTE)].values["min"],
        merged[("loadtime", MINUTE)].values["max"],
    ) == (10, 900)
    assert merged[("loadtime", later)].values["min"] == 20


def test_a_partial_holding_only_extremes_moves_only_them() -> None:
    # A redelivered batch whose events were counted in another lane may set the extremes of its
    # own lane's item alone (the update includes duplicates): no count, sum or bucket there.
    counted = agg.decode_item(loadtime_item(partial_minute(MINUTE, "aa"), [100, 700]))
    extremes_only = agg.decode_item(
        {
            "metricKey": {"S": "loadtime"},
            "minute": {"S": partial_minute(MINUTE, "bb")},
            "min": {"N": "100"},
            "max": {"N": "700"},
        }
    )
    row = agg.merge_partials([counted, extremes_only])[("loadtime", MINUTE)]
    assert row.values == counted.values
    assert row.histogram == counted.histogram
