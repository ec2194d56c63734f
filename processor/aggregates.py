"""Aggregates table layout on the write side: metricKey formats and load-time histogram buckets."""

from __future__ import annotations

from decimal import Decimal

# metricKey = <family>#<dimension values...>; free-form values come last so a key splits
# unambiguously. The families are declared by the event types (processor.model).
SEPARATOR = "#"
MINUTE_FORMAT = "%Y-%m-%dT%H:%MZ"

# Value attributes.
COUNT = "count"
SUM = "sum"
MIN = "min"
MAX = "max"

# Histogram: upper bounds in milliseconds (inclusive); one attribute per bucket, `le<bound>`
# plus `leInf`. Roughly 25% steps keep p50/p95/p99 within one bucket's width.
LOAD_TIME_BOUNDS_MS: tuple[int, ...] = (
    50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 1750, 2000,
    2500, 3000, 3500, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 30000, 60000,
)  # fmt: skip
INF_BUCKET = "leInf"
_BUCKETS = tuple((bound, f"le{bound}") for bound in LOAD_TIME_BOUNDS_MS)


def bucket_attribute(value: Decimal | int) -> str:
    """The histogram attribute counting `value` (first bound >= the value)."""
    for bound, attribute in _BUCKETS:
        if value <= bound:
            return attribute
    return INF_BUCKET


def metric_key(family: str, *dimensions: str) -> str:
    return SEPARATOR.join((family, *dimensions))
