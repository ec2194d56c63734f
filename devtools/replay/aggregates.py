"""Aggregates of this run: snapshot the touched minutes before and after, summarize the delta."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devtools.report.model import AggregateSummary
from processor import aggregates as agg

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Snapshot = dict[tuple[str, str], agg.AggregateRow]
# DynamoDB's IN accepts at most 100 operands
MAX_IN_OPERANDS = 100


def snapshot(dynamodb: DynamoDBClient, table: str, minutes: Iterable[str]) -> Snapshot:
    """Every aggregates item of the given minutes (`YYYY-MM-DDTHH:MMZ`)."""
    wanted = sorted(set(minutes))
    rows: Snapshot = {}
    if not wanted:
        return rows
    for start in range(0, len(wanted), MAX_IN_OPERANDS):
        chunk = wanted[start : start + MAX_IN_OPERANDS]
        names = {f":m{i}": {"S": minute} for i, minute in enumerate(chunk)}
        paginator = dynamodb.get_paginator("scan")
        pages = paginator.paginate(
            TableName=table,
            FilterExpression=f"#minute IN ({', '.join(names)})",
            ExpressionAttributeNames={"#minute": "minute"},
            ExpressionAttributeValues=names,
        )
        for page in pages:
            for item in page.get("Items", []):
                row = agg.decode_item(item)
                rows[(row.metric_key, row.minute)] = row
    return rows


def delta(before: Snapshot, after: Snapshot) -> list[agg.AggregateRow]:
    """What this run added: counts, sums and histogram buckets subtracted; min/max kept as is.

    Min and max are not additive, so the after-values are kept: they bound the percentile
    estimate, and may include other traffic in the same minutes.
    """
    rows = []
    for key, now in after.items():
        was = before.get(key)
        if was is None:
            rows.append(now)
            continue
        values = {
            name: value if name in (agg.MIN, agg.MAX) else value - was.values.get(name, Decimal(0))
            for name, value in now.values.items()
        }
        histogram = {
            upper: count - was.histogram.get(upper, 0) for upper, count in now.histogram.items()
        }
        changed = any(v for n, v in values.items() if n not in (agg.MIN, agg.MAX)) or any(
            histogram.values()
        )
        if changed:
            rows.append(replace(now, values=values, histogram=histogram))
    return rows


def summarize(rows: Iterable[agg.AggregateRow], minute: str) -> AggregateSummary:
    """One summary of rows (all from one minute, or merged over the run)."""
    events: defaultdict[str, int] = defaultdict(int)
    revenue: defaultdict[str, Decimal] = defaultdict(Decimal)
    purchases: defaultdict[str, int] = defaultdict(int)
    by_page: defaultdict[str, int] = defaultdict(int)
    by_type: defaultdict[str, int] = defaultdict(int)
    load_row: agg.AggregateRow | None = None
    for row in rows:
        count = int(row.values.get(agg.COUNT, 0))
        if row.family == agg.EVENTS and row.dimensions:
            events[row.dimensions[0]] += count
        elif row.family == agg.REVENUE and row.dimensions:
            revenue[row.dimensions[0]] += row.values.get(agg.SUM, Decimal(0))
            purchases[row.dimensions[0]] += count
        elif row.family == agg.ERRORS and len(row.dimensions) == 2:
            by_type[row.dimensions[0]] += count
            by_page[row.dimensions[1]] += count
        elif row.family == agg.LOAD_TIME:
            load_row = row
    percentiles: dict[float, float | None] = {}
    load_count = 0
    if load_row is not None:
        load_count = int(load_row.values.get(agg.COUNT, 0))
        percentiles = agg.load_time_percentiles(load_row)
    return AggregateSummary(
        minute=minute,
        events=_clean(events),
        revenue={k: float(v) for k, v in sorted(revenue.items()) if v},
        purchases=_clean(purchases),
        load_time_count=load_count,
        load_time_p50=_round(percentiles.get(0.5)),
        load_time_p95=_round(percentiles.get(0.95)),
        load_time_p99=_round(percentiles.get(0.99)),
        errors_by_page=_clean(by_page),
        errors_by_type=_clean(by_type),
    )


def per_minute(
    rows: list[agg.AggregateRow],
) -> tuple[tuple[AggregateSummary, ...], AggregateSummary]:
    """Summaries per minute (sorted) and over the whole run."""
    by_minute: defaultdict[str, list[agg.AggregateRow]] = defaultdict(list)
    for row in rows:
        by_minute[row.minute].append(row)
    minutes = tuple(summarize(group, minute) for minute, group in sorted(by_minute.items()))
    totals = summarize(agg.merge_rows(rows).values(), "*")
    return minutes, totals


def _clean(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(counts.items()) if v}


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
