"""Aggregates read side: decode items, merge minutes, percentiles from histograms."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from devtools import aggregates as agg


def loadtime_item(minute: str, values: list[int]) -> dict[str, dict[str, object]]:
    item: dict[str, dict[str, object]] = {
        "metricKey": {"S": "loadtime"},
        "minute": {"S": minute},
        "count": {"N": str(len(values))},
        "sum": {"N": str(sum(values))},
        "min": {"N": str(min(values))},
        "max": {"N": str(max(values))},
    }
    for value in values:
        name = agg.bucket_attribute(value)
        item[name] = {"N": str(int(str(item.get(name, {"N": "0"})["N"])) + 1)}
    return item


def test_decode_item_splits_key_values_and_histogram() -> None:
    row = agg.decode_item(loadtime_item("2025-01-01T12:00Z", [40, 120, 70000]))
    assert (row.family, row.dimensions, row.minute) == ("loadtime", (), "2025-01-01T12:00Z")
    assert row.values == {"count": 3, "sum": 70160, "min": 40, "max": 70000}
    assert row.histogram == {50.0: 1, 150.0: 1, float("inf"): 1}


@pytest.mark.parametrize(
    ("key", "family", "dimensions"),
    [
        ("events#page_view#mobile", "events", ("page_view", "mobile")),
        ("revenue#EUR", "revenue", ("EUR",)),
        ("errors#javascript#/a#b", "errors", ("javascript", "/a#b")),
        ("signups#my#campaign", "signups", ("my#campaign",)),
        ("clicks#cta", "clicks", ("cta",)),
        ("loadtime", "loadtime", ()),
    ],
)
def test_split_metric_key(key: str, family: str, dimensions: tuple[str, ...]) -> None:
    assert agg.split_metric_key(key) == (family, dimensions)


def test_merge_rows_adds_counts_and_folds_extrema() -> None:
    rows = [
        agg.decode_item(loadtime_item("2025-01-01T12:00Z", [100, 200])),
        agg.decode_item(loadtime_item("2025-01-01T12:01Z", [50, 5000])),
        agg.decode_item(
            {
                "metricKey": {"S": "revenue#USD"},
                "minute": {"S": "2025-01-01T12:00Z"},
                "sum": {"N": "10.5"},
                "count": {"N": "2"},
            }
        ),
    ]
    merged = agg.merge_rows(rows)
    load = merged["loadtime"]
    assert load.minute == "*"
    assert load.values == {"count": 4, "sum": 5350, "min": 50, "max": 5000}
    assert load.histogram == {50.0: 1, 100.0: 1, 200.0: 1, 5000.0: 1}
    assert merged["revenue#USD"].values == {"sum": Decimal("10.5"), "count": 2}
    # merging does not modify the inputs
    assert rows[0].values["count"] == 2


def test_percentiles_are_within_a_bucket_of_the_exact_value() -> None:
    # GIVEN 5,000 load times WHEN folded into the histogram THEN p50/p95/p99 land within the
    # width of the bucket holding the exact nearest-rank value
    rng = random.Random(7)
    values = [int(rng.lognormvariate(7, 0.6)) for _ in range(5000)]
    row = agg.decode_item(loadtime_item("2025-01-01T12:00Z", values))
    estimates = agg.load_time_percentiles(row)
    ordered = sorted(values)
    bounds = (0, *agg.LOAD_TIME_BOUNDS_MS)
    for q, estimate in estimates.items():
        exact = ordered[max(0, int(q * len(ordered)) - 1)]
        assert estimate is not None
        upper_index = next(i for i, b in enumerate(bounds) if b >= exact)
        width = bounds[upper_index] - bounds[upper_index - 1]
        assert abs(estimate - exact) <= width, (q, estimate, exact)


def test_percentile_edge_cases() -> None:
    assert agg.percentile({}, 0.5) is None
    assert agg.percentile({100.0: 1}, 1.0, minimum=80, maximum=80) == 80
    # the open last bucket is bounded by the observed maximum
    assert agg.percentile({float("inf"): 2}, 0.99, minimum=70000, maximum=90000) == pytest.approx(
        89800
    )
    with pytest.raises(ValueError, match="quantile"):
        agg.percentile({100.0: 1}, 0)
