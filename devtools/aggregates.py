"""The read side of the aggregates table: decode items, snapshot minutes, and one fold for all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from processor import model
from processor.aggregates import (
    COUNT,
    INF_BUCKET,
    LANE_SEPARATOR,
    LOAD_TIME_BOUNDS_MS,
    MAX,
    MIN,
    SEPARATOR,
    SUM,
    bucket_attribute,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "COUNT", "ERRORS", "LOAD_TIME", "MAX", "MIN", "MINUTE_FORMAT", "REVENUE", "SUM",
    "AggregateRow", "Fold", "Snapshot", "attributes", "bucket_attribute", "decode_item",
    "delta", "fold", "load_time_percentiles", "merge_partials", "merge_rows", "percentile",
    "snapshot", "split_metric_key", "whole_minute",
]  # fmt: skip

EVENTS = model.EVENTS_FAMILY.name
# The families reports name on their own (revenue, load time, errors), as the model declares them.
REVENUE = model.PURCHASE.family.name if model.PURCHASE.family else ""
LOAD_TIME = model.PAGE_VIEW.family.name if model.PAGE_VIEW.family else ""
ERRORS = model.ERROR.family.name if model.ERROR.family else ""
# The aggregates sort key's minute (`YYYY-MM-DDTHH:MMZ`), as strftime writes it.
MINUTE_FORMAT = "%Y-%m-%dT%H:%MZ"
# Minutes per scan filter: 60 `begins_with` clauses keep the expression far below DynamoDB's
# 4 KB limit on an expression (DynamoDB developer guide, "Expression parameters" limits).
MAX_FILTER_MINUTES = 60


def whole_minute(sort_key: str) -> str:
    """The minute of a sort key, partial (`<minute>/<lane>`, processor/aggregates.py) or bare
    (written before lanes)."""
    return sort_key.partition(LANE_SEPARATOR)[0]


def _bucket_upper(attribute: str) -> float:
    return float("inf") if attribute == INF_BUCKET else float(attribute[2:])


@dataclass(frozen=True)
class AggregateRow:
    """One aggregates item decoded: family, dimension values, minute and numeric values.

    `histogram` maps each load-time bucket's upper bound (ms, `inf` for the last) to its count.
    """

    metric_key: str
    family: str
    dimensions: tuple[str, ...]
    minute: str
    values: dict[str, Decimal] = field(default_factory=dict)
    histogram: dict[float, int] = field(default_factory=dict)


# (metricKey, minute) -> the minute's row, its lanes' partial items merged
Snapshot = dict[tuple[str, str], AggregateRow]


def split_metric_key(metric_key: str) -> tuple[str, tuple[str, ...]]:
    """(family, dimension values) of a metricKey; unknown families keep the rest as one value."""
    family, _, rest = metric_key.partition(SEPARATOR)
    declared = model.families().get(family)
    parts = len(declared.dimensions) if declared is not None else 1
    if parts == 0 or not rest:
        return family, ()
    return family, tuple(rest.split(SEPARATOR, parts - 1))


def decode_item(item: Mapping[str, Mapping[str, object]]) -> AggregateRow:
    """Decode a low-level DynamoDB aggregates item ({"S": ...}/{"N": ...} values). A lane's
    partial item decodes to its whole minute: `merge_partials` adds a minute's partials up."""
    metric_key = str(item["metricKey"]["S"])
    family, dimensions = split_metric_key(metric_key)
    values: dict[str, Decimal] = {}
    histogram: dict[float, int] = {}
    for name, value in item.items():
        if "N" not in value:
            continue
        number = Decimal(str(value["N"]))
        if name.startswith("le"):
            histogram[_bucket_upper(name)] = int(number)
        else:
            values[name] = number
    return AggregateRow(
        metric_key=metric_key,
        family=family,
        dimensions=dimensions,
        minute=whole_minute(str(item["minute"]["S"])),
        values=values,
        histogram=dict(sorted(histogram.items())),
    )


def merge_rows(rows: Iterable[AggregateRow], *, minute: str = "*") -> dict[str, AggregateRow]:
    """Merge rows per metricKey (e.g. several minutes into one window): sums add, min/max fold."""
    merged: dict[str, AggregateRow] = {}
    for row in rows:
        into = merged.get(row.metric_key)
        if into is None:
            merged[row.metric_key] = AggregateRow(
                row.metric_key, row.family, row.dimensions, minute, dict(row.values),
                dict(row.histogram),
            )  # fmt: skip
            continue
        for name, number in row.values.items():
            if name not in into.values:
                into.values[name] = number
            elif name == MIN:
                into.values[name] = min(into.values[name], number)
            elif name == MAX:
                into.values[name] = max(into.values[name], number)
            else:
                into.values[name] += number
        for upper, count in row.histogram.items():
            into.histogram[upper] = into.histogram.get(upper, 0) + count
    for row in merged.values():
        sorted_histogram = dict(sorted(row.histogram.items()))
        row.histogram.clear()
        row.histogram.update(sorted_histogram)
    return merged


def merge_partials(rows: Iterable[AggregateRow]) -> Snapshot:
    """One row per (metricKey, minute) from the invocation lanes' partial items, as one item per
    minute would hold it: counts, sums and buckets add, min of the mins, max of the maxes. A
    bare-minute item (written before lanes) is one more partial. Every reader goes through it."""
    grouped: defaultdict[tuple[str, str], list[AggregateRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.metric_key, row.minute)].append(row)
    return {
        (metric, minute): merge_rows(found, minute=minute)[metric]
        for (metric, minute), found in sorted(grouped.items())
    }


def attributes(row: AggregateRow) -> dict[str, Decimal]:
    """The numeric attributes of a row as the item names them (`count`, `le500`, `leInf`...)."""
    named = dict(row.values)
    for upper, count in row.histogram.items():
        name = INF_BUCKET if upper == float("inf") else bucket_attribute(int(upper))
        named[name] = Decimal(count)
    return named


def percentile(
    histogram: Mapping[float, int],
    quantile: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
    """Estimate a quantile (0 < q <= 1) from bucket counts, interpolating inside the bucket.

    The estimate is clamped to the observed min/max when given, which also bounds the open
    last bucket. None when the histogram is empty.
    """
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    buckets = sorted((upper, count) for upper, count in histogram.items() if count > 0)
    total = sum(count for _, count in buckets)
    if total == 0:
        return None
    rank = quantile * total
    lower = 0.0 if minimum is None else minimum
    seen = 0
    estimate = lower
    for upper, count in buckets:
        bucket_lower = _previous_bound(upper)
        if seen + count >= rank:
            low = max(bucket_lower, lower) if minimum is not None else bucket_lower
            high = upper if upper != float("inf") else (maximum if maximum is not None else low)
            estimate = low + (high - low) * ((rank - seen) / count)
            break
        seen += count
    if minimum is not None:
        estimate = max(estimate, minimum)
    if maximum is not None:
        estimate = min(estimate, maximum)
    return estimate


def _previous_bound(upper: float) -> float:
    previous = 0.0
    for bound in LOAD_TIME_BOUNDS_MS:
        if bound >= upper:
            return previous
        previous = float(bound)
    return previous


def load_time_percentiles(
    row: AggregateRow, quantiles: Iterable[float] = (0.5, 0.95, 0.99)
) -> dict[float, float | None]:
    """p50/p95/p99 (or the given quantiles) of a `loadtime` row."""
    low = row.values.get(MIN)
    high = row.values.get(MAX)
    return {
        q: percentile(
            row.histogram,
            q,
            minimum=None if low is None else float(low),
            maximum=None if high is None else float(high),
        )
        for q in quantiles
    }


def snapshot(dynamodb: DynamoDBClient, table: str, minutes: Iterable[str]) -> Snapshot:
    """Every aggregates item of the given minutes (`YYYY-MM-DDTHH:MMZ`), partials merged."""
    wanted = sorted(set(minutes))
    rows: list[AggregateRow] = []
    for start in range(0, len(wanted), MAX_FILTER_MINUTES):
        chunk = wanted[start : start + MAX_FILTER_MINUTES]
        names = {f":m{i}": {"S": minute} for i, minute in enumerate(chunk)}
        # `<minute>/<lane>` partial items, and bare `<minute>` items written before lanes
        paginator = dynamodb.get_paginator("scan")
        pages = paginator.paginate(
            TableName=table,
            FilterExpression=" OR ".join(f"begins_with(#minute, {name})" for name in names),
            ExpressionAttributeNames={"#minute": "minute"},
            ExpressionAttributeValues=names,
        )
        for page in pages:
            rows.extend(decode_item(item) for item in page.get("Items", []))
    return merge_partials(rows)


def delta(before: Snapshot, after: Snapshot) -> list[AggregateRow]:
    """What was added between two snapshots: counts, sums and buckets subtracted; min/max kept.

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
            name: value if name in (MIN, MAX) else value - was.values.get(name, Decimal(0))
            for name, value in now.values.items()
        }
        histogram = {
            upper: count - was.histogram.get(upper, 0) for upper, count in now.histogram.items()
        }
        changed = any(v for n, v in values.items() if n not in (MIN, MAX)) or any(
            histogram.values()
        )
        if changed:
            rows.append(replace(now, values=values, histogram=histogram))
    return rows


@dataclass
class Fold:
    """Rows folded the way the event model declares them (one minute, or merged over a window).

    `events[type]` counts events, `devices[type][device]` by device; `breakdowns[family][label]`
    counts by one dimension; `sums[family][first dimension]` (and `sum_counts`) for families
    that sum a field; `histograms[family]` is the merged row of a histogram family.
    """

    events: dict[str, int] = field(default_factory=dict)
    devices: dict[str, dict[str, int]] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    sums: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    sum_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    histograms: dict[str, AggregateRow] = field(default_factory=dict)

    def percentiles(
        self, family: str, quantiles: Iterable[float] = (0.5, 0.95, 0.99)
    ) -> tuple[int, dict[float, float | None]]:
        """(count, quantile -> estimate) of a histogram family; (0, {}) without data."""
        row = self.histograms.get(family)
        if row is None:
            return 0, {}
        return int(row.values.get(COUNT, 0)), load_time_percentiles(row, quantiles)


def fold(rows: Iterable[AggregateRow]) -> Fold:
    """Fold aggregates rows by family, as the registered event types declare them."""
    families = model.families()
    events: defaultdict[str, int] = defaultdict(int)
    devices: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    breakdowns: defaultdict[str, defaultdict[str, defaultdict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    sums: defaultdict[str, defaultdict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    sum_counts: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    histogram_rows: defaultdict[str, list[AggregateRow]] = defaultdict(list)
    for row in rows:
        count = int(row.values.get(COUNT, 0))
        declared = families.get(row.family)
        if declared is None:
            continue
        if row.family == EVENTS:
            if len(row.dimensions) == 2:
                events[row.dimensions[0]] += count
                devices[row.dimensions[0]][row.dimensions[1]] += count
            continue
        if declared.histogram is not None:
            histogram_rows[row.family].append(row)
        if declared.sums is not None:
            first = row.dimensions[0] if row.dimensions else "*"
            sums[row.family][first] += row.values.get(SUM, Decimal(0))
            sum_counts[row.family][first] += count
        for label, value in zip(declared.dimension_labels, row.dimensions, strict=False):
            breakdowns[row.family][label][value] += count
    histograms = {family: _merged_one(found) for family, found in histogram_rows.items()}
    return Fold(
        events=_clean(events),
        devices={t: _clean(d) for t, d in sorted(devices.items())},
        breakdowns={
            f: {label: _clean(v) for label, v in sorted(b.items())}
            for f, b in sorted(breakdowns.items())
        },
        sums={f: dict(sorted(s.items())) for f, s in sorted(sums.items())},
        sum_counts={f: _clean(c) for f, c in sorted(sum_counts.items())},
        histograms=histograms,
    )


def _merged_one(rows: list[AggregateRow]) -> AggregateRow:
    """One row of a histogram family from several (all its dimension values, all minutes)."""
    first = rows[0]
    renamed = [replace(r, metric_key=first.family) for r in rows]
    return merge_rows(renamed, minute=first.minute)[first.family]


def _clean(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(counts.items()) if v}
