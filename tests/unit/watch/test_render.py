"""Rendering of `watch` and `query`: the numbers of the dataclasses reach the screen."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rich.console import Console

from devtools.cli.query import aggregates_table, parse_until, quarantine_view
from devtools.cli.watch import render, view_json
from devtools.errors import UserError
from devtools.query.aggregates import AggregatesAnswer, TypeMinute
from devtools.query.quarantine import QuarantineAnswer, QuarantineEntry
from devtools.watch import Sample, ShardLag, view

M = "2030-01-01T00:02Z"


def text_of(renderable: object) -> str:
    console = Console(width=200, record=True, no_color=True)
    console.print(renderable)
    return console.export_text()


def watch_view() -> tuple[Sample, Sample]:
    lag = ShardLag("shardId-000000000001", "active", 2500, 0, 7, 90, 1)
    before = Sample(taken_at=100.0, current_minute=M, minutes={M: {"click": 10}}, shards=(lag,))
    after = Sample(
        taken_at=101.0,
        current_minute=M,
        minutes={M: {"click": 25, "error": 2}},
        load_time_minute=M,
        load_time_count=40,
        load_time_p95=1873.4,
        driver_state="running",
        shards=(lag,),
        function_errors=0,
        failure_queue_depth=1,
        quarantined=12,
    )
    return before, after


def test_the_live_view_shows_rates_lag_counters_and_p95() -> None:
    before, after = watch_view()
    shown = text_of(render(view(before, after)))
    assert "15.0" in shown  # click events/s
    assert "2.5 s" in shown  # iterator age of shard 1
    assert "1873 ms (n=40) this minute" in shown
    assert "quarantined" in shown
    assert "12" in shown
    assert "queue depth 1" in shown


def test_watch_json_adds_the_derived_totals() -> None:
    before, after = watch_view()
    data = json.loads(json.dumps(view_json(view(before, after))))
    assert data["events_per_second"] == {"click": 15.0, "error": 2.0}
    assert data["sample"]["events_by_type"] == {"click": 25, "error": 2}
    assert data["sample"]["records_to_destination"] == 1
    assert data["sample"]["max_iterator_age_ms"] == 2500


def test_the_aggregates_table_shows_type_specific_columns_and_a_total() -> None:
    minute = TypeMinute(
        minute=M, count=3, by_device={"mobile": 3}, revenue={"USD": 30.5}, purchases={"USD": 3}
    )
    answer = AggregatesAnswer(
        "purchase", M, M, (minute,), TypeMinute(**{**minute.__dict__, "minute": "*"})
    )
    shown = text_of(aggregates_table(answer))
    assert "revenue by currency" in shown
    assert "USD 30.50 (3)" in shown
    assert "total" in shown


def test_the_quarantine_table_lists_reason_position_and_preview() -> None:
    entry = QuarantineEntry(
        "k", "not_utf8", "bad bytes", "shardId-000000000000", "17", None, None, 4,
        "hex ff fe fd ff", None,
    )  # fmt: skip
    shown = text_of(quarantine_view(QuarantineAnswer("not_utf8", 1, (entry,)), width=200))
    assert "Quarantine (not_utf8): 1 records" in shown
    assert "hex ff fe fd ff" in shown


def test_until_accepts_a_minute_or_a_timestamp_in_utc() -> None:
    assert parse_until("2030-01-01T00:02Z") == dt.datetime(2030, 1, 1, 0, 2, tzinfo=dt.UTC)
    assert parse_until("2030-01-01T01:02:03+01:00") == dt.datetime(
        2030, 1, 1, 0, 2, 3, tzinfo=dt.UTC
    )
    with pytest.raises(UserError, match="--until 'yesterday'"):
        parse_until("yesterday")
