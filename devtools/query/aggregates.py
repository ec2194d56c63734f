"""Per-minute aggregates of one event type over a window of minutes, from the aggregates table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from devtools.query.errors import QueryArgumentError
from devtools.replay import aggregates as replay_aggregates
from devtools.replay.run import minutes_between
from devtools.scenarios.model import EVENT_TYPES
from processor import aggregates as agg

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The family (besides events#<type>#<device>) that carries each type's own analytics.
TYPE_FAMILY = {
    "page_view": agg.LOAD_TIME,
    "purchase": agg.REVENUE,
    "error": agg.ERRORS,
    "click": agg.CLICKS,
    "user_signup": agg.SIGNUPS,
}
# How the dimensions of each type's family are named in a breakdown.
BREAKDOWN_NAMES = {
    agg.ERRORS: ("errorType", "page"),
    agg.CLICKS: ("element",),
    agg.SIGNUPS: ("campaign",),
}
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
    """Whether an aggregates row describes `event_type`."""
    if row.family == agg.EVENTS:
        return bool(row.dimensions) and row.dimensions[0] == event_type
    return TYPE_FAMILY.get(event_type) == row.family


def breakdown(rows: Iterable[agg.AggregateRow], minute: str) -> TypeMinute:
    """Fold the rows of one type (one minute, or merged over a window) into a TypeMinute."""
    by_device: defaultdict[str, int] = defaultdict(int)
    breakdowns: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    revenue: defaultdict[str, Decimal] = defaultdict(Decimal)
    purchases: defaultdict[str, int] = defaultdict(int)
    load_row: agg.AggregateRow | None = None
    for row in rows:
        count = int(row.values.get(agg.COUNT, 0))
        if row.family == agg.EVENTS and len(row.dimensions) == 2:
            by_device[row.dimensions[1]] += count
        elif row.family == agg.REVENUE and row.dimensions:
            revenue[row.dimensions[0]] += row.values.get(agg.SUM, Decimal(0))
            purchases[row.dimensions[0]] += count
        elif row.family == agg.LOAD_TIME:
            load_row = row
        elif row.family in BREAKDOWN_NAMES:
            for name, value in zip(BREAKDOWN_NAMES[row.family], row.dimensions, strict=False):
                breakdowns[name][value] += count
    percentiles: dict[float, float | None] = {}
    if load_row is not None:
        percentiles = agg.load_time_percentiles(load_row)
    return TypeMinute(
        minute=minute,
        count=sum(by_device.values()),
        by_device=_sorted(by_device),
        breakdowns={name: _sorted(values) for name, values in sorted(breakdowns.items())},
        revenue={k: float(v) for k, v in sorted(revenue.items())},
        purchases=_sorted(purchases),
        load_time_count=int(load_row.values.get(agg.COUNT, 0)) if load_row else 0,
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
    if event_type not in EVENT_TYPES:
        raise QueryArgumentError(
            f"unknown event type {event_type!r} (expected one of: {', '.join(EVENT_TYPES)})"
        )
    wanted = window(until, minutes)
    rows = replay_aggregates.snapshot(dynamodb, table, wanted).values()
    return answer(rows, event_type, wanted)


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(counts.items()) if v}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
