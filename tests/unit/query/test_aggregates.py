"""Pure parts of `query aggregates`: window, rows of a type, per-type breakdowns, totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from devtools import aggregates as agg
from devtools.query.aggregates import answer, belongs, breakdown, window
from devtools.query.errors import QueryArgumentError


def row(key: str, minute: str, **values: int | str) -> agg.AggregateRow:
    family, dims = agg.split_metric_key(key)
    histogram = {float(k[2:]): int(v) for k, v in values.items() if k.startswith("le")}
    plain = {k: Decimal(str(v)) for k, v in values.items() if not k.startswith("le")}
    return agg.AggregateRow(key, family, dims, minute, plain, histogram)


M1, M2, M3 = "2030-01-01T00:01Z", "2030-01-01T00:02Z", "2030-01-01T00:03Z"


def test_window_ends_with_the_minute_of_until_and_has_n_minutes() -> None:
    # GIVEN a moment inside 00:03 WHEN a 3-minute window is asked THEN 00:01..00:03
    until = dt.datetime(2030, 1, 1, 0, 3, 42, tzinfo=dt.UTC)
    assert window(until, 3) == [M1, M2, M3]
    assert window(until, 1) == [M3]


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1])
def test_window_refuses_out_of_range_lengths(minutes: int) -> None:
    with pytest.raises(QueryArgumentError, match="--minutes"):
        window(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), minutes)


def test_rows_belong_to_their_type_by_event_key_or_family() -> None:
    assert belongs(row("events#purchase#mobile", M1, count=1), "purchase")
    assert not belongs(row("events#click#mobile", M1, count=1), "purchase")
    assert belongs(row("revenue#EUR", M1, count=1), "purchase")
    assert belongs(row("loadtime", M1, count=1), "page_view")
    assert not belongs(row("loadtime", M1, count=1), "click")
    assert belongs(row("errors#javascript#/checkout", M1, count=1), "error")
    assert belongs(row("clicks#cta", M1, count=1), "click")
    assert belongs(row("signups#google", M1, count=1), "user_signup")


def test_purchase_breakdown_counts_devices_and_sums_revenue_by_currency() -> None:
    # GIVEN purchase rows of one minute
    rows = [
        row("events#purchase#mobile", M1, count=2),
        row("events#purchase#desktop", M1, count=3),
        row("revenue#USD", M1, count=4, sum="120.50"),
        row("revenue#EUR", M1, count=1, sum="9.99"),
    ]
    # WHEN folded
    folded = breakdown(rows, M1)
    # THEN counts by device, revenue and purchases by currency
    assert folded.count == 5
    assert folded.by_device == {"desktop": 3, "mobile": 2}
    assert folded.revenue == {"EUR": 9.99, "USD": 120.5}
    assert folded.purchases == {"EUR": 1, "USD": 4}


def test_error_breakdown_counts_by_error_type_and_page() -> None:
    rows = [
        row("events#error#desktop", M1, count=5),
        row("errors#javascript#/checkout", M1, count=3),
        row("errors#network#/checkout", M1, count=1),
        row("errors#javascript#/home", M1, count=1),
    ]
    folded = breakdown(rows, M1)
    assert folded.breakdowns == {
        "errorType": {"javascript": 4, "network": 1},
        "page": {"/checkout": 4, "/home": 1},
    }


def test_click_and_signup_breakdowns_by_element_and_campaign() -> None:
    clicks = breakdown([row("clicks#cta", M1, count=2), row("clicks#nav", M1, count=1)], M1)
    signups = breakdown([row("signups#google", M1, count=4)], M1)
    assert clicks.breakdowns == {"element": {"cta": 2, "nav": 1}}
    assert signups.breakdowns == {"campaign": {"google": 4}}


def test_page_view_percentiles_come_from_the_histogram() -> None:
    # GIVEN 10 page views: 9 at <= 500 ms, 1 at <= 2000 ms
    load = row("loadtime", M1, count=10, sum=5000, min=450, max=1900, le500=9, le2000=1)
    folded = breakdown([row("events#page_view#mobile", M1, count=10), load], M1)
    # THEN the percentiles are the histogram readers' (clamped to min/max)
    expected = agg.load_time_percentiles(load)
    assert folded.load_time_count == 10
    assert folded.load_time_p50 == round(float(expected[0.5] or 0), 1)
    assert folded.load_time_p99 == round(float(expected[0.99] or 0), 1)
    assert folded.load_time_p50 is not None
    assert 450 <= folded.load_time_p50 <= 500


def test_answer_keeps_the_window_and_type_and_merges_a_total() -> None:
    # GIVEN rows of two types in three minutes, one minute outside the window
    rows = [
        row("events#click#mobile", M1, count=1),
        row("events#click#mobile", M2, count=2),
        row("events#click#desktop", M2, count=1),
        row("clicks#cta", M2, count=3),
        row("events#page_view#mobile", M2, count=7),
        row("events#click#mobile", M3, count=100),
    ]
    # WHEN the clicks of M1..M2 are asked
    result = answer(rows, "click", [M1, M2])
    # THEN one entry per minute with data, and a total over the window only
    assert [m.minute for m in result.minutes] == [M1, M2]
    assert [m.count for m in result.minutes] == [1, 3]
    assert result.total.minute == "*"
    assert result.total.count == 4
    assert result.total.by_device == {"desktop": 1, "mobile": 3}
    assert result.total.breakdowns == {"element": {"cta": 3}}
    assert (result.first_minute, result.last_minute) == (M1, M2)


def test_answer_without_data_has_no_minutes_and_an_empty_total() -> None:
    result = answer([], "purchase", [M1])
    assert result.minutes == ()
    assert result.total.count == 0
    assert result.total.revenue == {}
