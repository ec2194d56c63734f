"""Per-minute aggregates of one event type over a window of minutes, from the aggregates table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devtools import aggregates as agg
from devtools.query.errors import QueryArgumentError
from devtools.replay.run import minutes_between
from processor import model

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class TypeMinute:
    """One event type in one minute (`*` for the whole window).

    `breakdowns` names a dimension (element, campaign, errorType, page) and counts by value;
    revenue/purchases are filled for purchases, the load-time fields for page views.
    """

    minute: str
    count: int = 0
    by_device: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    revenue: dict[str, float] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)
    load_time_count: int = 0
    load_time_p50: float | None = None
    load_time_p95: float | None = None
    load_time_p99: float | None = None


@dataclass(frozen=True)
class AggregatesAnswer:
    """The minutes of the window that hold data for the type, and the whole window merged."""

    event_type: str
    first_minute: str
    last_minute: str
    minutes: tuple[TypeMinute, ...] = ()
    total: TypeMinute = field(default_factory=lambda: TypeMinute(minute="*"))


def window(until: dt.datetime, minutes: int) -> list[str]:
    """The `minutes` minute buckets ending with the one holding `until` (both ends included)."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise QueryArgumentError(f"--minutes must be between 1 and {MAX_MINUTES}, got {minutes}")
    return minutes_between(until - dt.timedelta(minutes=minutes - 1), until)


def belongs(row: agg.AggregateRow, event_type: str) -> bool:
    """Whether an aggregates row describes `event_type` (its events row or its own family)."""
    if row.family == agg.EVENTS:
        return bool(row.dimensions) and row.dimensions[0] == event_type
    declared = model.get(event_type)
    family = declared.family if declared else None
    return family is not None and family.name == row.family


def breakdown(rows: Iterable[agg.AggregateRow], minute: str) -> TypeMinute:
    """Fold the rows of one type (one minute, or merged over a window) into a TypeMinute.

    A family that sums a field gives revenue/purchases, a histogram family the load-time
    percentiles, any other dimensioned family a breakdown by each dimension's label.
    """
    folded = agg.fold(rows)
    revenue: dict[str, float] = {}
    purchases: dict[str, int] = {}
    breakdowns: dict[str, dict[str, int]] = {}
    load_count, percentiles = 0, dict[float, float | None]()
    for family, by_label in folded.breakdowns.items():
        declared = model.families()[family]
        if declared.sums is None and declared.histogram is None:
            breakdowns.update(by_label)
    for family, sums in folded.sums.items():
        revenue.update({k: float(v) for k, v in sums.items()})
        purchases.update(folded.sum_counts.get(family, {}))
    for family in folded.histograms:
        load_count, percentiles = folded.percentiles(family)
    return TypeMinute(
        minute=minute,
        count=sum(folded.events.values()),
        by_device={d: n for devices in folded.devices.values() for d, n in devices.items()},
        breakdowns=dict(sorted(breakdowns.items())),
        revenue=revenue,
        purchases=purchases,
        load_time_count=load_count,
        load_time_p50=_round(percentiles.get(0.5)),
        load_time_p95=_round(percentiles.get(0.95)),
        load_time_p99=_round(percentiles.get(0.99)),
    )


def answer(
    rows: Iterable[agg.AggregateRow], event_type: str, minutes: list[str]
) -> AggregatesAnswer:
    """Per-minute and whole-window breakdowns of `event_type` among `rows`."""
    mine = [row for row in rows if belongs(row, event_type) and row.minute in set(minutes)]
    grouped: defaultdict[str, list[agg.AggregateRow]] = defaultdict(list)
    for row in mine:
        grouped[row.minute].append(row)
    return AggregatesAnswer(
        event_type=event_type,
        first_minute=minutes[0],
        last_minute=minutes[-1],
        minutes=tuple(breakdown(group, minute) for minute, group in sorted(grouped.items())),
        total=breakdown(agg.merge_rows(mine).values(), "*"),
    )


def query_aggregates(
    dynamodb: DynamoDBClient,
    table: str,
    event_type: str,
    *,
    minutes: int,
    until: dt.datetime,
) -> AggregatesAnswer:
    """Aggregates of `event_type` in the `minutes` minutes up to `until` (UTC)."""
    known = sorted(model.event_types())
    if event_type not in known:
        raise QueryArgumentError(
            f"unknown event type {event_type!r} (expected one of: {', '.join(known)})"
        )
    wanted = window(until, minutes)
    rows = agg.snapshot(dynamodb, table, wanted).values()
    return answer(rows, event_type, wanted)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
