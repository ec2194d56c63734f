"""Aggregates table layout and pure readers: decode items, merge minutes, histogram percentiles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# metricKey prefixes. Free-form dimension values come last so a key splits unambiguously.
EVENTS = "events"  # events#<eventType>#<deviceType>
REVENUE = "revenue"  # revenue#<currency>
LOAD_TIME = "loadtime"  # loadtime
ERRORS = "errors"  # errors#<errorType>#<pagePath>
SIGNUPS = "signups"  # signups#<campaignKey>
CLICKS = "clicks"  # clicks#<elementId>
SEPARATOR = "#"
MINUTE_FORMAT = "%Y-%m-%dT%H:%MZ"

# Value attributes.
COUNT = "count"
SUM = "sum"
MIN = "min"
MAX = "max"

# Load-time histogram: upper bounds in milliseconds (inclusive); one attribute per bucket,
# `le<bound>` plus `leInf`. Roughly 25% steps keep p50/p95/p99 within one bucket's width.
LOAD_TIME_BOUNDS_MS: tuple[int, ...] = (
    50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 1750, 2000,
    2500, 3000, 3500, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 30000, 60000,
)  # fmt: skip
INF_BUCKET = "leInf"


def bucket_attribute(load_time_ms: Decimal | int) -> str:
    """The histogram attribute counting `load_time_ms` (first bound >= the value)."""
    for bound in LOAD_TIME_BOUNDS_MS:
        if load_time_ms <= bound:
            return f"le{bound}"
    return INF_BUCKET


def _bucket_upper(attribute: str) -> float:
    return float("inf") if attribute == INF_BUCKET else float(attribute[2:])


def events_key(event_type: str, device_type: str) -> str:
    return SEPARATOR.join((EVENTS, event_type, device_type))


def revenue_key(currency: str) -> str:
    return SEPARATOR.join((REVENUE, currency))


def errors_key(error_type: str, page_path: str) -> str:
    return SEPARATOR.join((ERRORS, error_type, page_path))


def signups_key(campaign_key: str) -> str:
    return SEPARATOR.join((SIGNUPS, campaign_key))


def clicks_key(element_id: str) -> str:
    return SEPARATOR.join((CLICKS, element_id))


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


_DIMENSION_COUNT = {EVENTS: 2, REVENUE: 1, LOAD_TIME: 0, ERRORS: 2, SIGNUPS: 1, CLICKS: 1}


def split_metric_key(metric_key: str) -> tuple[str, tuple[str, ...]]:
    """(family, dimension values) of a metricKey; unknown families keep the rest as one value."""
    family, _, rest = metric_key.partition(SEPARATOR)
    parts = _DIMENSION_COUNT.get(family, 1)
    if parts == 0 or not rest:
        return family, ()
    return family, tuple(rest.split(SEPARATOR, parts - 1))


def decode_item(item: Mapping[str, Mapping[str, object]]) -> AggregateRow:
    """Decode a low-level DynamoDB aggregates item ({"S": ...}/{"N": ...} values)."""
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
        minute=str(item["minute"]["S"]),
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
