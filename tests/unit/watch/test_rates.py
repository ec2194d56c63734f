"""Pure parts of `devtools watch`: folding aggregates, deltas between samples, rates."""

from __future__ import annotations

from decimal import Decimal

from devtools import aggregates as agg
from devtools.watch import Sample, ShardLag, minute_deltas, view
from devtools.watch.sample import fold_minutes

M1, M2, M3 = "2030-01-01T00:01Z", "2030-01-01T00:02Z", "2030-01-01T00:03Z"


def shard(delivered: int, to_dlq: int = 0, age: int = 0) -> ShardLag:
    return ShardLag("shardId-000000000000", "active", age, 0, 0, delivered, to_dlq)


def sample(at: float, minutes: dict[str, dict[str, int]], **counters: object) -> Sample:
    return Sample(taken_at=at, current_minute=M2, minutes=minutes, **counters)  # type: ignore[arg-type]


def row(key: str, minute: str, **values: int) -> agg.AggregateRow:
    family, dims = agg.split_metric_key(key)
    histogram = {float(k[2:]): v for k, v in values.items() if k.startswith("le")}
    plain = {k: Decimal(v) for k, v in values.items() if not k.startswith("le")}
    return agg.AggregateRow(key, family, dims, minute, plain, histogram)


def test_fold_counts_events_by_minute_and_type_over_devices() -> None:
    rows = [
        row("events#click#mobile", M1, count=2),
        row("events#click#desktop", M1, count=3),
        row("events#purchase#mobile", M2, count=1),
        row("revenue#USD", M2, count=1, sum=10),
    ]
    minutes, load = fold_minutes(rows, M2)
    assert minutes == {M1: {"click": 5}, M2: {"purchase": 1}}
    assert load is None


def test_fold_takes_the_current_minutes_load_time_else_the_newest_before_it() -> None:
    older = row("loadtime", M1, count=4, le500=4)
    current = row("loadtime", M2, count=2, le100=2)
    future = row("loadtime", M3, count=9, le100=9)
    assert fold_minutes([older, current, future], M2)[1] == current
    # right after a minute starts: the newest minute with page views stands in
    assert fold_minutes([older, future], M2)[1] == older


def test_deltas_count_growth_in_shared_minutes_and_new_minutes_from_zero() -> None:
    # GIVEN a sample at 00:01 and a later one whose window slid to 00:02
    before = sample(0, {M1: {"click": 5, "error": 1}})
    after = sample(2, {M1: {"click": 7, "error": 1}, M2: {"click": 1, "purchase": 3}})
    # THEN growth in M1 and everything in the new minute M2 counts
    assert minute_deltas(before, after) == {"click": 3, "purchase": 3}


def test_a_minute_that_slid_out_of_the_window_is_not_counted_as_negative() -> None:
    before = sample(0, {M1: {"click": 50}, M2: {"click": 1}})
    after = sample(1, {M2: {"click": 4}})
    assert minute_deltas(before, after) == {"click": 3}


def test_view_rates_per_second_from_two_samples() -> None:
    # GIVEN two samples 2 s apart
    before = sample(
        10.0, {M2: {"click": 10}}, shards=(shard(100),), function_errors=1, quarantined=5
    )
    after = sample(
        12.0,
        {M2: {"click": 30, "error": 4}},
        shards=(shard(140, to_dlq=2, age=1500),),
        function_errors=3,
        quarantined=6,
    )
    # WHEN the view is computed
    result = view(before, after)
    # THEN events/s by type and in all, driver throughput, and what is new
    assert result.seconds == 2.0
    assert result.events_per_second == {"click": 10.0, "error": 2.0}
    assert result.events_per_second_total == 12.0
    assert result.delivered_per_second == 20.0
    assert (result.new_function_errors, result.new_to_destination, result.new_quarantined) == (
        2,
        2,
        1,
    )
    assert after.max_iterator_age_ms == 1500


def test_the_first_sample_has_no_rates() -> None:
    only = sample(1.0, {M2: {"click": 3}})
    result = view(None, only)
    assert result.seconds is None
    assert result.events_per_second == {}
    assert result.events_per_second_total is None


def test_a_driver_restart_resets_counters_without_negative_rates() -> None:
    before = sample(0, {}, shards=(shard(500),), function_errors=4)
    after = sample(1, {}, shards=(shard(3),), function_errors=0)
    result = view(before, after)
    assert result.delivered_per_second is None
    assert result.new_function_errors is None


def test_sample_totals_sum_minutes_and_shards() -> None:
    two = (shard(3, to_dlq=1), ShardLag("shardId-000000000001", "active", 9, 0, 0, 4, 2))
    one = sample(0, {M1: {"click": 1}, M2: {"click": 2, "error": 1}}, shards=two)
    assert one.events_by_type == {"click": 3, "error": 1}
    assert (one.records_delivered, one.records_to_destination) == (7, 3)
    assert sample(0, {}).records_delivered is None
